#!/bin/bash
# SPDX-License-Identifier: MIT
# The cost of telemetry, null backend: the 64-node graph (32 tones -> 32
# gains -> mixer -> device_sink) at 48000 Hz, period 128, with 0, 1 and
# 10 subscribers to stats (every second) and levels (30 a second). Per
# subscriber count, two figures, each the median of RUNS windows of
# WINDOW seconds:
#   telemetry_cpu_pct_N   the daemon's own cpu_pct (the real-time thread
#                         computing periods), from a stats request that
#                         covers exactly the window;
#   telemetry_proc_pct_N  the CPU the whole daemon used in the window
#                         (/proc utime + stime, every thread), which
#                         includes the control thread that builds and
#                         sends the events, in % of one core.
# Plus levels_hz: the levels events one subscriber got per second, to
# show the subscribers really were served. Subscribers are amctl
# processes holding a subscription and writing events to a file.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
WINDOW=${WINDOW:-10}
SUB='{"cmd":"subscribe","events":["stats","levels"],"interval":1,"levels_interval":0.0334}'

subs=()
cleanup() {
	local p
	for p in "${subs[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	bench_amixd_stop
	rm -rf "$BENCH_DIR"
}
trap cleanup EXIT

bench_amixd_start
{
	echo "open rate=48000 channels=2 period=128"
	graph64
	echo "start"
} | amctl -q -f - || exit 1
sleep 1

for n in 0 1 10; do
	while [ "${#subs[@]}" -lt "$n" ]; do
		amctl -q "$SUB" >"$BENCH_DIR/sub${#subs[@]}.out" &
		subs+=($!)
	done
	sleep 1		# let every subscription start
	: >"$BENCH_DIR/rt$n"
	: >"$BENCH_DIR/proc$n"
	: >"$BENCH_DIR/hz$n"
	for r in $(seq "$RUNS"); do
		amctl stats >/dev/null	# the stats command's window starts
		c0=$(cpu_seconds "$BENCH_PID")
		l0=0
		[ "$n" -gt 0 ] && l0=$(grep -c '"event":"levels"' "$BENCH_DIR/sub0.out")
		t0=$(date +%s.%N)
		sleep "$WINDOW"
		amctl stats | jq .cpu_pct >>"$BENCH_DIR/rt$n"
		c1=$(cpu_seconds "$BENCH_PID")
		t1=$(date +%s.%N)
		awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" \
		    'BEGIN { printf "%.3f\n", 100 * (b - a) / (e - s) }' \
		    >>"$BENCH_DIR/proc$n"
		if [ "$n" -gt 0 ]; then
			l1=$(grep -c '"event":"levels"' "$BENCH_DIR/sub0.out")
			awk -v a="$l0" -v b="$l1" -v s="$t0" -v e="$t1" \
			    'BEGIN { printf "%.2f\n", (b - a) / (e - s) }' \
			    >>"$BENCH_DIR/hz$n"
		fi
	done
	figure "telemetry_cpu_pct_$n" "$(median <"$BENCH_DIR/rt$n")" \
	    "% of one core, cpu_pct of stats, $n subscribers"
	figure "telemetry_proc_pct_$n" "$(median <"$BENCH_DIR/proc$n")" \
	    "% of one core, whole daemon, $n subscribers"
	if [ "$n" -gt 0 ]; then
		figure "telemetry_levels_hz_$n" "$(median <"$BENCH_DIR/hz$n")" \
		    "levels events a second to one of $n subscribers"
	fi
done
dropped=0
for f in "$BENCH_DIR"/sub*.out; do
	d=$(jq -s '[.[] | select(.event == "dropped") | .count] | add // 0' "$f")
	dropped=$((dropped + d))
done
figure telemetry_events_dropped "$dropped" "events dropped, all subscribers"
