#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/alsa: the ALSA backend on a paced PCM (plug -> jack into jackd
# -S -d dummy, a private server name), 16 tones into a device_sink, at
# period 128 and then 64 (the server runs at the same period). For each
# run of SECONDS, in the same window:
#   amixd      CPU (utime+stime from /proc/PID/stat) per second of audio
#              (node frames / rate), in ms and in % of one core; late
#              wake-ups (p99 and max, us), xruns, and device wake-ups
#              with nothing to do (the backend's wakeups/wakeups_empty)
#              from amixd's stats over the window
#   jackd      its own XRun reports
#   cyclictest -m -p 80 -i <period in us>, run in parallel: median, p99
#              and max latency and the wake-ups later than one period,
#              the baseline for what this host does anyway (TESTRIG.md)
# Then a short strace -c -f -e trace=poll,ppoll of amixd counts poll
# calls per period independently of the counters. At the end the main
# numbers again as figure lines (lib.sh) for tests/bench/run.sh.
#
# usage: tests/bench/alsa.sh [SECONDS]   (default 60)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
straces=5
ntones=16
rate=48000
tmp=$(mktemp -d)
BENCH_DIR=$tmp
. "$top/tests/bench/lib.sh"	# figure, wait_for
export JACK_NO_START_SERVER=1 JACK_DEFAULT_SERVER=amixd-alsa-bench.$$
export AUDIOMIXERD_SOCKET=$tmp/amixd.sock tmp
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$tmp/asound.conf
amixd=$top/build/amixd/amixd
hz=$(getconf CLK_TCK)
pids=()

cat >"$tmp/asound.conf" <<EOF
pcm.bench { type plug  slave.pcm { type jack
    playback_ports { 0 system:playback_1  1 system:playback_2 } } }
EOF

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

req() {
	printf '%s\n' "$1" | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET"
}

ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

xruns() {
	grep -c XRun "$tmp/jackd.log" || true
}

frames() {
	req '{"cmd":"stats"}' | jq "[.nodes[] | select(.type == \"device_sink\")][0].frames"
}

# run PERIOD: one server, one amixd, one window.
run() {
	local p=$1 pus jpid apid cpid i t sink c0 c1 f0 f1 x0 x1 t0 t1 st cyc
	local spid ncalls
	pus=$((p * 1000000 / rate))
	: >"$tmp/jackd.log"
	jackd -R -S -n "$JACK_DEFAULT_SERVER" -d dummy -r "$rate" -p "$p" \
	    </dev/null >"$tmp/jackd.log" 2>&1 &
	jpid=$!
	bench_pid_record "$jpid"
	pids+=("$jpid")
	wait_for jack_lsp
	"$amixd" -n -b alsa -d bench -p "$p" </dev/null >"$tmp/amixd.log" 2>&1 &
	apid=$!
	pids+=("$apid")
	wait_for req '{"cmd":"ping"}'
	req "{\"cmd\":\"device_open\",\"period\":$p,\"strict\":true}" >/dev/null
	sink=$(req '{"cmd":"create_node","type":"device_sink"}' | jq .id)
	for ((i = 0; i < ntones; i++)); do
		t=$(req "{\"cmd\":\"create_node\",\"type\":\"tone\",\"args\":{\"freq\":$((220 + 55 * i)),\"db\":-30}}" | jq .id)
		req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$sink}" >/dev/null
	done
	req '{"cmd":"start"}' >/dev/null
	sleep 2
	req '{"cmd":"stats"}' >"$tmp/stats0"
	f0=$(jq "[.nodes[] | select(.type == \"device_sink\")][0].frames" \
	    "$tmp/stats0")
	c0=$(ticks "$apid")
	x0=$(xruns)
	t0=$(date +%s%N)
	cyclictest -m -p 80 -i "$pus" -D "$secs" -q -h $((4 * pus)) \
	    >"$tmp/cyclic" 2>&1 &
	cpid=$!
	pids+=("$cpid")
	wait "$cpid" || true
	st=$(req '{"cmd":"stats"}')
	c1=$(ticks "$apid")
	x1=$(xruns)
	t1=$(date +%s%N)
	f1=$(printf '%s\n' "$st" | jq "[.nodes[] | select(.type == \"device_sink\")][0].frames")

	# cyclictest -h: "LATENCY COUNT" lines, then overflows (> 4 periods).
	cyc=$(awk -v pus="$pus" '
		/^[0-9]+[ \t]/ { n += $2; if ($1 + 0 > pus) late += $2;
			h[$1 + 0] += $2 }
		/Histogram Overflows/ { split($0, a, ":"); late += a[2] + 0;
			over = a[2] + 0 }
		/Max Latencies/ { split($0, a, ":"); mx = a[2] + 0 }
		END {
			tot = n + over; c = 0; med = p99 = -1
			for (i = 0; i <= 4 * pus; i++) { c += h[i]
				if (med < 0 && c >= tot * 0.5) med = i
				if (p99 < 0 && c >= tot * 0.99) p99 = i }
			printf "%d %d %d %d %d", tot, med, p99, mx, late
		}' "$tmp/cyclic")

	awk -v p="$p" -v c=$((c1 - c0)) -v f=$((f1 - f0)) -v hz="$hz" \
	    -v dt=$((t1 - t0)) -v rate="$rate" -v jx=$((x1 - x0)) \
	    -v cyc="$cyc" -v pus="$pus" \
	    -v st="$(printf '%s\n' "$st" | jq -r '[.late_us_p99, .late_us,
	    .xruns, .wakeups, .wakeups_empty, .cycles, .cpu_pct, .rt] | @tsv')" \
	    -v s0="$(jq -r '[.xruns, .wakeups, .wakeups_empty] | @tsv' \
	    "$tmp/stats0")" 'BEGIN {
		split(st, a, "\t"); split(s0, b, "\t"); split(cyc, y, " ")
		audio = f / rate; wall = dt / 1e9
		cpu = c / hz
		printf "period %d (%d us), %.1f s of audio in %.1f s wall " \
		    "(%.2f %%)\n", p, pus, audio, wall, 100 * audio / wall
		printf "  amixd   CPU %.2f ms per s of audio (%.2f %% of a " \
		    "core), in cycles %.2f %%, SCHED_FIFO %s\n",
		    1000 * cpu / audio, 100 * cpu / wall, a[7], a[8]
		printf "  amixd   late p99 %d us, max %d us; xruns %d; " \
		    "cycles %d\n", a[1], a[2], a[3] - b[1], a[6]
		w = a[4] - b[2]; e = a[5] - b[3]
		printf "  amixd   wake-ups %d, with nothing to do %d " \
		    "(%.2f per period)\n", w, e, (a[6] > 0 ? e / a[6] : 0)
		printf "  jackd   xruns %d\n", jx
		printf "  cyclictest -m -p 80 -i %d: %d loops, median %d us, " \
		    "p99 %d us, max %d us, later than a period %d\n",
		    pus, y[1], y[2], y[3], y[4], y[5]
		printf "%d %d %d %d %d %d %.3f %.2f %.3f %d\n", a[1], a[2],
		    a[3] - b[1], y[3], y[4], y[5], 1000 * cpu / audio,
		    100 * cpu / wall, (a[6] > 0 ? e / a[6] : 0), jx \
		    > (ENVIRON["tmp"] "/fig." p)
	}'

	# Poll calls per period, seen from outside (strace slows it down).
	f0=$(frames)
	timeout -s INT "$straces" strace -c -f -e trace=poll,ppoll \
	    -p "$apid" -o "$tmp/strace" >/dev/null 2>&1 || true
	f1=$(frames)
	ncalls=$(awk '$NF == "poll" || $NF == "ppoll" { n += $4 } END {
	    print n + 0 }' "$tmp/strace")
	awk -v n="$ncalls" -v f=$((f1 - f0)) -v p="$p" -v s="$straces" 'BEGIN {
		printf "  strace  %d poll calls in %d s, %.2f per period " \
		    "(all threads: control loop included)\n", n, s,
		    (f > 0 ? n / (f / p) : 0) }'

	kill "$apid"
	wait "$apid" || true
	kill "$jpid"
	wait "$jpid" || true
}

echo "alsa.sh: plug -> jack into jackd -S -d dummy -r $rate, $ntones" \
    "tones, $secs s per period, $(nproc) CPUs, $(uname -r)"
run 128
run 64

# The same as figure lines for run.sh, cyclictest as the peer.
for p in 128 64; do
	read -r lp99 lmax x cp99 cmax clate cms cpct empty jx <"$tmp/fig.$p"
	peer="cyclictest -m -p 80 -i $((p * 1000000 / rate))"
	note="alsa backend, plug -> jack into jackd -d dummy -p $p, $ntones tones, $secs s, same window; amixd's late_us here is how far the device's avail was past one period at wake-up (whole periods through the jack plugin), not a timer's lateness as cyclictest's"
	figure "alsa_p${p}_late_p99_us" "$lp99" us "$peer" "$cp99" lower "$note"
	figure "alsa_p${p}_late_max_us" "$lmax" us "$peer" "$cmax" lower "$note"
	figure "alsa_p${p}_xruns" "$x" "xruns / late wake-ups" "$peer" "$clate" \
	    lower "amixd's xruns (jackd reported $jx) vs cyclictest samples later than a period"
	figure "alsa_p${p}_cpu_ms_per_s" "$cms" "ms CPU per s of audio" "" "" \
	    lower "$cpct % of one core"
	figure "alsa_p${p}_empty_wakeups" "$empty" "per period" "" "" lower \
	    "wake-ups that found no period to run"
done
