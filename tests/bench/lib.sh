# SPDX-License-Identifier: MIT
# Shared by the benchmark scripts: paths, a private daemon, medians, and
# one JSON line per figure:
#   figure NAME VALUE UNIT [PEER_NAME PEER_VALUE]
# run.sh gathers those lines into the report.

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BENCH_BUILD:-$top/build}
PATH=$B/amixd:$B/amctl:$B/amtone:$B/amcat:$B/amstat:$B/tests/bench:$PATH
BENCH_DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/amixd-bench.XXXXXX")}
export AUDIOMIXERD_SOCKET=$BENCH_DIR/amixd.sock

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "null"; exit }
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_needed PROGRAM: the shared libraries it loads at start
# (DT_NEEDED), one a line; a sanitizer build's runtimes aside.
bench_needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' |
	    grep -Ev '^lib(a|ub|t)san\.so'
}

# us_to_ms: microseconds on stdin to milliseconds; "null" stays empty.
us_to_ms() {
	awk '$1 ~ /^[0-9.eE+-]+$/ { print $1 / 1000 }'
}

# figure NAME VALUE UNIT [PEER_NAME PEER_VALUE [BETTER [NOTE]]]
# An empty or non-numeric VALUE or PEER_VALUE becomes null (not measured);
# an empty PEER_NAME means no peer. BETTER is "lower" or "higher".
figure() {
	jq -nc --arg f "$1" --arg v "${2-}" --arg u "${3-}" \
	    --arg p "${4-}" --arg pv "${5-}" --arg b "${6-}" --arg n "${7-}" '
		def num: (try tonumber catch null);
		{figure: $f, amixd: ($v | num), unit: $u}
		+ (if $p != "" then {peer: $p, peer_value: ($pv | num)} else {} end)
		+ (if $b != "" then {better: $b} else {} end)
		+ (if $n != "" then {note: $n} else {} end)'
}

# Daemons a script starts are noted in BENCH_PIDFILE, when run.sh sets
# it, so that run.sh can stop what a script that ran out of time left:
# jackd puts itself in a session of its own, out of reach of timeout(1).
bench_pid_record() {
	[ -n "${BENCH_PIDFILE-}" ] && echo "$1" >>"$BENCH_PIDFILE"
	return 0
}

# bench_daemon LOG PROG [ARG...]: start PROG in the background, stdin
# from /dev/null, output to LOG, holding no descriptor above 2 of this
# shell's (TESTRIG.md: a daemon keeping a caller's pipe open makes the
# caller wait for it). $! is PROG's PID: the subshell execs it. With
# BENCH_EXEC_STAMP set, the subshell writes the time of the exec into
# that file ($EPOCHREALTIME, taken right before it) for ready_since.
bench_daemon() {
	local log=$1
	shift
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
		done
		[ -z "${BENCH_EXEC_STAMP-}" ] ||
		    echo "$EPOCHREALTIME" >"$BENCH_EXEC_STAMP"
		exec "$@"
	) </dev/null >"$log" 2>&1 &
}

# ready_since STAMP TRIES PID CMD...: run CMD (output dropped) back to
# back until it succeeds, then set READY_US to the microseconds from the
# exec time in STAMP (bench_daemon) to that answer. Call it in this
# shell, not in $(...): nothing forks in the loop but CMD, and nothing
# between its success and the clock ($EPOCHREALTIME, no date(1)), so
# the figure is the server's start-up and one run of its client. 1
# after TRIES failures or when PID has gone.
ready_since() {
	local stamp=$1 tries=$2 pid=$3 n=0 t1 t0
	shift 3
	until "$@" >/dev/null 2>&1; do
		n=$((n + 1))
		[ "$n" -lt "$tries" ] && kill -0 "$pid" 2>/dev/null || return 1
	done
	t1=$EPOCHREALTIME
	read -r t0 <"$stamp" || return 1
	READY_US=$(awk -v a="$t0" -v b="$t1" \
	    'BEGIN { printf "%d", (b - a) * 1e6 }')
}

# boot_probe MODE TARGET LOG CMD...: start the server CMD through
# bootprobe (MODE amixd, TARGET the socket; MODE pipewire, TARGET the
# remote name), which sets itself up first (for PipeWire, libpipewire's
# loading and pw_init), then spawns CMD, output to LOG, and times its
# exec to its first answer to a real request. Sets BOOT_PID (the
# server's; bench_pid_record'ed), PROBE_PID and READY_US, the
# microseconds. The reads block on the probe's output: nothing here
# polls or forks while the server starts. 1, with the probe's error,
# when the server never answered (the probe has stopped it then).
boot_probe() {
	local mode=$1 target=$2 log=$3 fd l1= l2=
	shift 3
	command -v bootprobe >/dev/null || {
		echo "${0##*/}: bootprobe is not built (make bench builds it;" \
		    "it needs libpipewire-0.3-dev: make deps)" >&2
		return 1
	}
	exec {fd}< <(exec bootprobe "$mode" "$target" \
	    "${PROBE_TIMEOUT_MS:-5000}" "$log" "$@" \
	    2>"$BENCH_DIR/probe.err" </dev/null)
	PROBE_PID=$!
	read -r l1 <&"$fd" || :
	read -r l2 <&"$fd" || :
	exec {fd}<&-
	BOOT_PID=${l1#pid }
	READY_US=$l2
	case $BOOT_PID in '' | *[!0-9]*) BOOT_PID= ;; esac
	[ -n "$BOOT_PID" ] && bench_pid_record "$BOOT_PID"
	case $READY_US in
	'' | *[!0-9]*)
		wait "$PROBE_PID" 2>/dev/null
		echo "${0##*/}: $(cat "$BENCH_DIR/probe.err")" >&2
		PROBE_PID= BOOT_PID=
		return 1 ;;
	esac
}

# boot_probe_stop: stop boot_probe's server (the probe's child, which
# the probe reaps), wait for the probe.
boot_probe_stop() {
	[ -n "${BOOT_PID-}" ] && bench_end_pid "$BOOT_PID"
	[ -n "${PROBE_PID-}" ] && wait "$PROBE_PID" 2>/dev/null
	BOOT_PID= PROBE_PID=
	return 0
}

# wait_for CMD...: run CMD (output dropped) every 20 ms until it
# succeeds, for up to 10 s of wall time (not tries: a try may itself
# take long on a loaded machine); 1, and says so, when it never did.
wait_for() {
	local end=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	echo "${0##*/}: timed out waiting for: $*" >&2
	return 1
}

# bench_amixd_start [AMIXD_OPTION...]: a private daemon on the backend
# BENCH_BACKEND (default null); sets BENCH_PID.
bench_amixd_start() {
	rm -f "$AUDIOMIXERD_SOCKET"
	bench_daemon "$BENCH_DIR/amixd.log" amixd -b "${BENCH_BACKEND:-null}" "$@"
	BENCH_PID=$!
	bench_pid_record "$BENCH_PID"
	i=0
	until amctl ping >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 500 ] || { cat "$BENCH_DIR/amixd.log" >&2; return 1; }
		sleep 0.01
	done
}

bench_amixd_stop() {
	[ -n "${BENCH_PID-}" ] || return 0
	kill -TERM "$BENCH_PID" 2>/dev/null
	wait "$BENCH_PID" 2>/dev/null
	BENCH_PID=
}

# CPU seconds (user + system) a process has used so far.
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

# The 64-node graph of the issues: 32 tones -> 32 gains -> mixer -> sink.
graph64() {
	local i
	echo "m = create mixer"
	echo "s = create device_sink"
	echo 'connect $m $s'
	for i in $(seq 1 32); do
		echo "t$i = create tone freq=$((100 + 10 * i)) db=-30"
		echo "g$i = create gain db=-6"
		echo "connect \$t$i \$g$i"
		echo "connect \$g$i \$m"
	done
}

# A private JACK server, dummy driver, synchronous, at PERIOD frames
# (default 128), 48 kHz, named uniquely; ready when jack_lsp succeeds.
#   bench_jack_start [PERIOD]  sets JACK_PID, exports JACK_DEFAULT_SERVER
#   bench_jack_stop            stops it and anything left of its clients
export JACK_NO_START_SERVER=1
bench_jack_seq=0
bench_jack_start() {
	local i=0
	bench_jack_seq=$((bench_jack_seq + 1))
	export JACK_DEFAULT_SERVER=amixd-bench.$$.$bench_jack_seq
	JACK_LOG=$BENCH_DIR/jackd.$bench_jack_seq.log
	bench_daemon "$JACK_LOG" jackd -R -S -n "$JACK_DEFAULT_SERVER" \
	    -d dummy -r 48000 -p "${1:-128}"
	JACK_PID=$!
	bench_pid_record "$JACK_PID"
	until timeout 10 jack_lsp >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 400 ] || { cat "$JACK_LOG" >&2; return 1; }
		sleep 0.02
	done
}

# bench_end_pid PID: SIGTERM, up to 5 s to go, then SIGKILL. For a
# process that is not this shell's child (bash's wait would fail).
bench_end_pid() {
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	return 0
}

# bench_stop_pid PID: bench_end_pid, then reaped.
bench_stop_pid() {
	bench_end_pid "$1"
	wait "$1" 2>/dev/null
	return 0
}

# Stopping the server first makes its clients leave through their
# shutdown callbacks: closing 64 clients one by one can hang for minutes
# here. A server or client still there after 5 s is killed.
bench_jack_stop() {
	local p i
	[ -n "${JACK_PID-}" ] || return 0
	bench_stop_pid "$JACK_PID"
	for i in $(seq 50); do
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && break
			p=
		done
		[ -z "${p-}" ] && break
		sleep 0.1
	done
	for p in "$@"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_* \
	    /dev/shm/jack_"$JACK_DEFAULT_SERVER"_*
	JACK_PID=
}

# XRun reports in the current jackd's log so far.
jack_xruns() {
	grep -c XRun "$JACK_LOG" 2>/dev/null || true
}

# CPU ticks (utime + stime) of the processes named, summed; a process
# that is gone counts 0.
ticks() {
	local p sum=0 t
	for p in "$@"; do
		t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null |
		    awk '{ print $12 + $13 }')
		sum=$((sum + ${t:-0}))
	done
	echo "$sum"
}

# cpu_ns PID...: CPU time the processes named have used so far, in ns,
# all their threads, from /proc/PID/task/TID/schedstat (the scheduler's
# own count: exact, where utime and stime are sampled at the tick, so a
# process running less than a tick at a time reads as using nothing);
# shell builtins only, quick with 128 processes. Gone counts 0.
cpu_ns() {
	local p f a t=0
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r a _ <"$f" 2>/dev/null && t=$((t + a))
		done
	done
	echo "$t"
}

# ns_pct CPU_NS NS: CPU nanoseconds over a window of NS, in % of one core.
ns_pct() {
	awk -v c="$1" -v ns="$2" 'BEGIN { printf "%.2f", 100 * c / ns }'
}

# pct TICKS NS: ticks over a window of NS nanoseconds, in % of one core.
pct() {
	awk -v t="$1" -v ns="$2" -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%.2f", 100 * t / hz / (ns / 1e9) }'
}

# cyclictest -q -h output: "LOOPS MEDIAN P99 MAX LATE" in us, LATE the
# samples above PERIOD_US (histogram overflows count as late).
cyclic_summary() {
	awk -v pus="$2" '
		/^[0-9]+[ \t]/ { n += $2; if ($1 + 0 > pus) late += $2
			h[$1 + 0] += $2; if ($1 + 0 > top) top = $1 + 0 }
		/Histogram Overflows/ { split($0, a, ":"); late += a[2] + 0
			over = a[2] + 0 }
		/Max Latencies/ { split($0, a, ":"); mx = a[2] + 0 }
		END {
			tot = n + over; c = 0; med = p99 = -1
			for (i = 0; i <= top; i++) { c += h[i]
				if (med < 0 && c >= tot * 0.5) med = i
				if (p99 < 0 && c >= tot * 0.99) p99 = i }
			if (p99 < 0) p99 = mx
			printf "%d %d %d %d %d\n", tot, med, p99, mx, late
		}' "$1"
}
