#!/bin/bash
# SPDX-License-Identifier: MIT
# amixd (null backend, period 128) side by side with PipeWire (a private
# server, null sink at quantum 128, no session manager: pwlib.sh), one
# after the other on the same machine:
#   boot     exec to the first answer to a real request, median of
#            RUNS, amixd and PipeWire in turn: bootprobe (bootprobe.c)
#            sets itself up, spawns the server (no shell's fork or exec
#            lookup in the figure) and tries every 150 us: amixd a
#            connect and a ping, PipeWire libpipewire's
#            pw_context_connect and a core sync round trip; so no
#            client's start-up is in either figure (pw_boot_ms). In
#            the same runs, the floors: bootfloor.c, a server that only
#            answers, loading what amixd loads (pw_boot_floor_ms: the
#            least any amixd could take here) and static with no
#            library (pw_boot_static_floor_ms: any server). Beside
#            them, for information, the older client-inclusive figure
#            (pw_boot_client_ms): amctl ping / pw-cli info 0, each bare,
#            polled back to back by the same shell loop (ready_since),
#            so both include one fork, exec and run of their client; the
#            note gives that client's own time against a ready server
#   idle     VmRSS 2 s after ready, and context switches a second of all
#            threads over the next 2 s, median of RUNS
#   streams  N = STREAMS (default 1 16 64) tones for SECS seconds:
#            "amtone | amcat" into a mixer, at amcat's default latency
#            and at one period (128 frames: 2.667 ms; if this amcat
#            refuses that, at its minimum, said in the note), against
#            "amtone -t wav | pw-cat --playback --latency 128 -". CPU
#            (schedstat's run time, all threads) of the server and every client
#            process (amtone included on both sides), per stream;
#            underruns in the same length of window: amixd's stream
#            underrun events (xrun events with frames), PipeWire's
#            followers that had not finished at the end of a cycle
#            (pw-profiler, in a second window of SECS right after: the
#            profiler costs the server CPU, so not during the CPU one);
#            client wake-ups a second (context switches, all threads).
#   stress   STRESS_N (16) streams at the default latency under
#            stress-ng --cpu 2 for SECS: amixd's engine xruns (a wake-up
#            past its deadline) and stream underruns against the cycles
#            pw-profiler marks late (over 1.3 quanta) and the followers
#            that missed.
# Medians over RUNS where said; the stream and stress windows run once
# each per call (run this script several times for medians). ONLY=boot
# stops after pw_boot_ms and its floors.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pwlib.sh"
RUNS=${RUNS:-3}
SECS=${SECS:-10}
STREAMS=${STREAMS:-1 16 64}
STRESS_N=${STRESS_N:-16}
PERIOD=128
ONE_MS=$(awk -v p=$PERIOD 'BEGIN { printf "%.3f", p * 1000 / 48000 }')
spid= ev=
# the stream clients running (pw_streams, am_streams), stopped on exit
cats=() tones=()
stop_clients() {
	local p
	[ "${#tones[@]}" -gt 0 ] && kill "${tones[@]}" 2>/dev/null
	[ "${#cats[@]}" -gt 0 ] && kill "${cats[@]}" 2>/dev/null
	for p in "${cats[@]}" "${tones[@]}"; do
		wait "$p" 2>/dev/null
	done
	cats=() tones=()
}
trap 'exit 143' TERM
trap 'stop_clients; [ -n "$spid" ] && kill "$spid" 2>/dev/null;
    [ -n "$ev" ] && kill "$ev" 2>/dev/null; bench_amixd_stop; bench_pw_stop;
    rm -rf "$BENCH_DIR"' EXIT

for t in pipewire pw-cat pw-cli pw-link pw-dump pw-profiler; do
	command -v "$t" >/dev/null ||
	    { echo "pipewire.sh: $t is missing (make deps)" >&2; exit 1; }
done

# context switches of the processes named, all threads.
switches() {
	local p
	for p in "$@"; do cat /proc/"$p"/task/*/status 2>/dev/null; done |
	    awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}
rss_mb() {
	awk '$1 == "VmRSS:" { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"
}
rate() {	# rate DIFF NS: per second
	awk -v d="$1" -v ns="$2" 'BEGIN { printf "%.1f\n", d / (ns / 1e9) }'
}

# one_client_ms CMD...: median time of 5 runs of a client, in ms, timed
# as ready_since times it ($EPOCHREALTIME: no date(1) in the figure).
one_client_ms() {
	local i t0 t1
	for i in 1 2 3 4 5; do
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>&1
		t1=$EPOCHREALTIME
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d\n", (b - a) * 1e6 }'
	done | median | us_to_ms
}

command -v bootprobe >/dev/null || { echo "pipewire.sh: bootprobe is not" \
    "built (make bench builds it; it needs libpipewire-0.3-dev: make deps)" >&2
    exit 1; }
for t in bootfloor bootfloor-static; do
	command -v $t >/dev/null || { echo "pipewire.sh: $t is not built" \
	    "(make bench builds it)" >&2; exit 1; }
done

# ---- boot: bootprobe, no client start-up on either side ----
# With amixd and PipeWire in turn, the floors: bootfloor.c, a server that
# only answers, dynamic as amixd (f) and static (s), timed the same way.
: >"$BENCH_DIR/a.probe"; : >"$BENCH_DIR/p.probe"
: >"$BENCH_DIR/f.probe"; : >"$BENCH_DIR/s.probe"
for r in $(seq "$RUNS"); do
	for f in f:bootfloor s:bootfloor-static; do
		rm -f "$AUDIOMIXERD_SOCKET"
		boot_probe amixd "$AUDIOMIXERD_SOCKET" "$BENCH_DIR/floor.log" \
		    "${f#*:}" || { cat "$BENCH_DIR/floor.log" >&2; exit 1; }
		echo "$READY_US" >>"$BENCH_DIR/${f%%:*}.probe"
		boot_probe_stop
	done
	rm -f "$AUDIOMIXERD_SOCKET"
	boot_probe amixd "$AUDIOMIXERD_SOCKET" "$BENCH_DIR/amixd.log" \
	    amixd -n -b null -p $PERIOD || { cat "$BENCH_DIR/amixd.log" >&2
		exit 1; }
	echo "$READY_US" >>"$BENCH_DIR/a.probe"
	boot_probe_stop

	bench_pw_prepare
	boot_probe pipewire pipewire-0 "$BENCH_DIR/pipewire.log" \
	    pipewire -c "$BENCH_DIR/pipewire.conf" || {
		cat "$BENCH_DIR/pipewire.log" >&2
		exit 1; }
	echo "$READY_US" >>"$BENCH_DIR/p.probe"
	boot_probe_stop
done
figure pw_boot_ms "$(median <"$BENCH_DIR/a.probe" | us_to_ms)" ms \
    "pipewire (null sink), libpipewire connect + core sync" \
    "$(median <"$BENCH_DIR/p.probe" | us_to_ms)" lower \
    "exec to the first answer to a real request, no client start-up on either side: bootprobe, set up first, spawns the server and tries every 150 us (amixd: connect + ping; pipewire: pw_context_connect + pw_core_sync round trip), median of $RUNS, the servers in turn; fastest run: amixd $(sort -n "$BENCH_DIR/a.probe" | head -n 1 | us_to_ms) ms, pipewire $(sort -n "$BENCH_DIR/p.probe" | head -n 1 | us_to_ms) ms"
figure pw_boot_floor_ms "$(median <"$BENCH_DIR/f.probe" | us_to_ms)" ms \
    "pipewire (null sink), libpipewire connect + core sync" \
    "$(median <"$BENCH_DIR/p.probe" | us_to_ms)" lower \
    "the floor of pw_boot_ms on this machine, in the same runs: bootfloor, a server that only answers ping, loading the libraries amixd loads at start ($(bench_needed "$(command -v bootfloor)" | paste -sd ' ')), timed by the same bootprobe; no dynamically linked amixd can answer sooner, so its ratio is the lowest pw_boot_ms can reach here; fastest run $(sort -n "$BENCH_DIR/f.probe" | head -n 1 | us_to_ms) ms"
figure pw_boot_static_floor_ms "$(median <"$BENCH_DIR/s.probe" | us_to_ms)" ms \
    "pipewire (null sink), libpipewire connect + core sync" \
    "$(median <"$BENCH_DIR/p.probe" | us_to_ms)" lower \
    "the floor of any server on this machine, in the same runs: bootfloor-static, statically linked, answering ping with a constant, timed by the same bootprobe; what exec and one round trip cost here, with no loader and no work at all; fastest run $(sort -n "$BENCH_DIR/s.probe" | head -n 1 | us_to_ms) ms"
[ "${ONLY-}" = boot ] && exit 0

# ---- boot with a client, and idle ----
: >"$BENCH_DIR/a.boot"; : >"$BENCH_DIR/p.boot"
: >"$BENCH_DIR/a.rss"; : >"$BENCH_DIR/p.rss"
: >"$BENCH_DIR/a.wk"; : >"$BENCH_DIR/p.wk"
for r in $(seq "$RUNS"); do
	rm -f "$AUDIOMIXERD_SOCKET" "$BENCH_DIR/a.exec"
	BENCH_EXEC_STAMP=$BENCH_DIR/a.exec bench_daemon \
	    "$BENCH_DIR/amixd.log" amixd -n -b null -p $PERIOD
	BENCH_PID=$!
	bench_pid_record "$BENCH_PID"
	ready_since "$BENCH_DIR/a.exec" 5000 "$BENCH_PID" amctl ping ||
	    { cat "$BENCH_DIR/amixd.log" >&2; exit 1; }
	echo "$READY_US" >>"$BENCH_DIR/a.boot"
	sleep 2
	rss_mb "$BENCH_PID" >>"$BENCH_DIR/a.rss"
	s0=$(switches "$BENCH_PID"); t0=$(date +%s%N)
	sleep 2
	rate $(($(switches "$BENCH_PID") - s0)) $(($(date +%s%N) - t0)) >>"$BENCH_DIR/a.wk"
	[ "$r" = 1 ] && a_client=$(one_client_ms amctl ping)
	bench_amixd_stop

	bench_pw_start || exit 1
	echo "$PW_READY_US" >>"$BENCH_DIR/p.boot"
	sleep 2
	rss_mb "$PW_PID" >>"$BENCH_DIR/p.rss"
	s0=$(switches "$PW_PID"); t0=$(date +%s%N)
	sleep 2
	rate $(($(switches "$PW_PID") - s0)) $(($(date +%s%N) - t0)) >>"$BENCH_DIR/p.wk"
	[ "$r" = 1 ] && p_client=$(one_client_ms pw-cli info 0)
	bench_pw_stop
done
figure pw_boot_client_ms "$(median <"$BENCH_DIR/a.boot" | us_to_ms)" ms \
    "pipewire (null sink) to first pw-cli info 0" \
    "$(median <"$BENCH_DIR/p.boot" | us_to_ms)" lower \
    "for information (the target reads pw_boot_ms): exec to first answer with one client start-up in it, the same shell loop running each server's client back to back, bare (amctl ping: $a_client ms, pw-cli info 0: $p_client ms against a ready server), median of $RUNS"
figure pw_idle_rss_mb "$(median <"$BENCH_DIR/a.rss")" MB "pipewire (null sink)" \
    "$(median <"$BENCH_DIR/p.rss")" lower \
    "VmRSS 2 s after ready, median of $RUNS; amixd -n -p 128 (engine stopped), pipewire with its sink suspended"
figure pw_idle_wakeups "$(median <"$BENCH_DIR/a.wk")" "per second" \
    "pipewire (null sink)" "$(median <"$BENCH_DIR/p.wk")" lower \
    "context switches of all threads over 2 s after ready, median of $RUNS"

# ---- streams ----
# window SERVER_PID: CPU of the server and of the clients (cats and
# tones) over SECS, and the clients' switches; sets W_SRV W_CLI (% of
# one core), W_WK (per second per client) and W_NS.
window() {
	local d0 c0 v0 t0 d1 c1 v1 t1
	d0=$(cpu_ns "$1"); c0=$(cpu_ns "${cats[@]}" "${tones[@]}")
	v0=$(switches "${cats[@]}")
	t0=$(date +%s%N)
	sleep "$SECS"
	d1=$(cpu_ns "$1"); c1=$(cpu_ns "${cats[@]}" "${tones[@]}")
	v1=$(switches "${cats[@]}")
	t1=$(date +%s%N)
	W_NS=$((t1 - t0))
	W_SRV=$(ns_pct $((d1 - d0)) "$W_NS")
	W_CLI=$(ns_pct $((c1 - c0)) "$W_NS")
	W_WK=$(awk -v d=$((v1 - v0)) -v ns="$W_NS" -v n="${#cats[@]}" \
	    'BEGIN { printf "%.1f", d / (ns / 1e9) / n }')
}

# pw_streams N [STRESS]: "SRV CLI WK CYCLES LATE MISSES"
pw_streams() {
	local n=$1 i
	bench_pw_start || return 1
	for i in $(seq "$n"); do
		amtone -f $((200 + 20 * i)) --db -40 -d $((3 * SECS + 60)) -t wav |
		    pw-cat --playback --latency $PERIOD \
		    -P "{ node.name = pwb.$i }" - 2>>"$BENCH_DIR/pwcat.err" &
		cats+=($!)
	done
	tones=($(pgrep -P $BASHPID -x amtone))
	bench_pw_link "$n" pwb. >/dev/null 2>>"$BENCH_DIR/pwcat.err" ||
	    echo "pipewire.sh: not every pw-cat linked" >&2
	[ -n "${2-}" ] && { stress-ng --cpu 2 --timeout $((2 * SECS + 10))s \
	    >/dev/null 2>&1 & spid=$!; }
	sleep 2
	window "$PW_PID"
	bench_pw_profile "$SECS" "$BENCH_DIR/prof"
	[ -n "$spid" ] && { kill "$spid" 2>/dev/null; wait "$spid"; spid=; }
	stop_clients
	bench_pw_stop
	echo "$W_SRV $W_CLI $W_WK $(bench_pw_misses "$BENCH_DIR/prof")"
}

# am_streams N LATENCY_MS|default [STRESS]: "SRV CLI WK UNDERRUNS
# FRAMES APART XRUNS"
am_streams() {
	local n=$1 lat=$2 i mix dev x0 x1 opt=
	[ "$lat" = default ] || opt="--latency $lat"
	bench_amixd_start -n -p $PERIOD || return 1
	mix=$(amctl create mixer | jq .id)
	dev=$(amctl create device_sink | jq .id)
	amctl -q connect "$mix" "$dev"
	amctl -q start
	[ -n "${3-}" ] && { stress-ng --cpu 2 --timeout $((2 * SECS + 10))s \
	    >/dev/null 2>&1 & spid=$!; }
	for i in $(seq "$n"); do
		# shellcheck disable=SC2086
		amtone -f $((200 + 20 * i)) --db -40 -d $((3 * SECS + 60)) |
		    amcat --to "$mix" $opt 2>>"$BENCH_DIR/amcat.err" &
		cats+=($!)
	done
	tones=($(pgrep -P $BASHPID -x amtone))
	sleep 2
	amctl '{"cmd":"subscribe","events":["xrun"]}' >"$BENCH_DIR/ev" &
	ev=$!
	sleep 0.2
	x0=$(amctl stats | jq .xruns)
	window "$BENCH_PID"
	x1=$(amctl stats | jq .xruns)
	kill "$ev" 2>/dev/null; wait "$ev" 2>/dev/null; ev=
	[ -n "$spid" ] && { kill "$spid" 2>/dev/null; wait "$spid"; spid=; }
	stop_clients
	bench_amixd_stop
	# APART: stream underruns not in an engine xrun's late cycle or
	# the one after it (pos: amixd(7) EVENTS), i.e. the client's own.
	echo "$W_SRV $W_CLI $W_WK $(jq -s --argjson per $PERIOD '
	    [.[] | select(.event == "xrun" and .frames == null) | .pos] as $x |
	    [.[] | select(.event == "xrun" and .frames != null)] |
	    "\(length) \(map(.frames) | add // 0) \(map(select(.pos as $p |
	    $x | all(. != $p and . - $per != $p))) | length)"' \
	    -r "$BENCH_DIR/ev") $((x1 - x0))"
}

# Does this amcat take one period of latency?
bench_amixd_start -n -p $PERIOD || exit 1
if amcat --latency "$ONE_MS" --to no.such.node </dev/null 2>&1 | grep -q -- --latency; then
	lat1=5 latnote="amcat refused --latency $ONE_MS (one period) on this commit: measured at 5 ms, its minimum"
else
	lat1=$ONE_MS latnote="amcat --latency $ONE_MS (one period)"
fi
bench_amixd_stop

for n in $STREAMS; do
	read -r ps pc pw pcyc plate pmiss < <(pw_streams "$n")
	for lat in default "$lat1"; do
		read -r as ac aw aund afr aapart ax < <(am_streams "$n" "$lat")
		if [ "$lat" = default ]; then
			tag=default lnote="amcat at its default latency (100 ms)"
		else
			tag=period lnote=$latnote
		fi
		per() { awk -v a="$1" -v b="$2" -v n="$n" 'BEGIN { if (a == "" || b == "") exit; printf "%.3f", (a + b) / n }'; }
		figure "pw_${n}_${tag}_cpu_per_stream_pct" "$(per "$as" "$ac")" \
		    "% of one core per stream" \
		    "pipewire + $n pw-cat --latency $PERIOD" "$(per "$ps" "$pc")" lower \
		    "$lnote, $SECS s; server + clients (amtone included on both sides) / $n: amixd $as + $ac %, pipewire $ps + $pc %; underruns in a window as long: amixd $aund events ($afr frames), pipewire $pmiss follower misses in $pcyc cycles"
		figure "pw_${n}_${tag}_underruns" "$aund" "events in $SECS s" \
		    "pipewire + $n pw-cat --latency $PERIOD" "$pmiss" lower \
		    "amixd: stream underrun events ($afr frames of silence), $aapart of them apart from the engine's own xruns (not in a late cycle or the one after), engine xruns $ax (wake-ups or cycles past a deadline: host stalls, see cyclictest); pipewire: followers not finished at the end of a cycle (pw-profiler, $pcyc cycles, $plate marked late), a window of the same length after the CPU one"
		figure "pw_${n}_${tag}_underruns_apart" "$aapart" "events in $SECS s" \
		    "" "" lower \
		    "amixd's stream underruns that were not in an engine xrun's late cycle or the cycle after it (by the events' pos): late clients, not host stalls"
		figure "pw_${n}_${tag}_client_wakeups" "$aw" "per second per client" \
		    "pw-cat --latency $PERIOD" "$pw" lower \
		    "context switches of all threads of each amcat / pw-cat; the engine runs 375 periods a second"
	done
done

# ---- late wake-ups under stress-ng --cpu 2 ----
read -r ps pc pw pcyc plate pmiss < <(pw_streams "$STRESS_N" stress)
read -r as ac aw aund afr aapart ax < <(am_streams "$STRESS_N" default stress)
figure pw_stress_late_cycles "$ax" "cycles in $SECS s" \
    "pipewire + $STRESS_N pw-cat" "$plate" lower \
    "stress-ng --cpu 2; amixd: engine xruns (a wake-up past its deadline); pipewire: cycles pw-profiler marks late (interval or duration over 1.3 quanta, of $pcyc): not the same threshold, PipeWire's is tighter"
figure pw_stress_underruns "$aund" "events in $SECS s" \
    "pipewire + $STRESS_N pw-cat" "$pmiss" lower \
    "stress-ng --cpu 2, $STRESS_N streams at the default latency; amixd: stream underrun events ($afr frames); pipewire: followers not finished at the end of a cycle"
for f in pwcat amcat; do
	if [ -s "$BENCH_DIR/$f.err" ]; then
		echo "pipewire.sh: $f said:" >&2
		sort "$BENCH_DIR/$f.err" | uniq -c | head -5 >&2
	fi
done
