#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/headroom: the load at which xruns start. A cpu_load node (amixd
# -b null, its own SCHED_FIFO clock thread) burns pct % of each 128-frame
# period at 48 kHz, stepped up; then the same with jack_cpu -c pct, a
# JACK client that burns that share of each period in its process
# callback, under jackd -S -d dummy -r 48000 -p 128. Each step is a
# window of WINDOW seconds (default 3): amixd's xruns from its stats, and
# jackd's "XRun" lines. Before the steps, a window of each with no load
# gives the baseline: the host stalls now and then whatever the load
# (TESTRIG.md), which a single step's count can catch: the onset is the
# lowest step from which every step up has at least ONSET xruns (default
# 5) in its window. The watchdog stays on (-w default): a period at 99 %
# never runs for 250 ms.
#
# usage: tests/bench/headroom.sh [STEPS...]   (default 50 70 80 85 90 93 95 97 98 99)
set -eu
. "$(dirname "$0")/lib.sh"
window=${WINDOW:-3}
onset=${ONSET:-5}
steps=${*:-50 70 80 85 90 93 95 97 98 99}
hz=$(getconf CLK_TCK)

cleanup() {
	bench_amixd_stop || true
	bench_jack_stop || true
	rm -rf "$BENCH_DIR"
}
trap cleanup EXIT

xruns_amixd() {
	amctl stats | jq .xruns
}

xruns_jack() {
	grep -c XRun "$JACK_LOG" || true
}

echo "headroom.sh: period 128 at 48 kHz, $window s a step, onset at" \
    "$onset xruns, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-6s %12s %12s\n' pct amixd_xruns jack_xruns

# amixd: tone -> cpu_load -> device_sink.
bench_amixd_start -p 128 -r 48000
amctl -f - >/dev/null <<EOS
t = create tone freq=440 db=-20
l = create cpu_load
s = create device_sink
connect \$t \$l
connect \$l \$s
start
EOS
sleep 1
declare -A ax jx
x0=$(xruns_amixd)
sleep "$window"
ax[0]=$(($(xruns_amixd) - x0))
for p in $steps; do
	amctl "{\"cmd\":\"set\",\"id\":2,\"args\":{\"pct\":$p}}" >/dev/null
	sleep 0.5
	x0=$(xruns_amixd)
	sleep "$window"
	ax[$p]=$(($(xruns_amixd) - x0))
done
cost=$(amctl stats | jq '.nodes[] | select(.id == 2) | .cost_us')
bench_amixd_stop || true

# JACK: jack_cpu in a fresh window per step (it measures as it starts).
bench_jack_start 128
sleep 1
x0=$(xruns_jack)
sleep "$window"
jx[0]=$(($(xruns_jack) - x0))
for p in $steps; do
	# Line-buffered, so its log says at once when the load is on.
	stdbuf -oL jack_cpu -c "$p" -t $((window + 3)) </dev/null \
	    >"$BENCH_DIR/jack_cpu.$p.log" 2>&1 &
	cpid=$!
	bench_pid_record "$cpid"
	# Counted from half a second after the load is on.
	until grep -qs 'Activating cpu load' "$BENCH_DIR/jack_cpu.$p.log"; do
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	sleep 0.5
	x0=$(xruns_jack)
	sleep "$window"
	jx[$p]=$(($(xruns_jack) - x0))
	wait "$cpid" 2>/dev/null || true
done
bench_jack_stop || true

printf '%-6s %12s %12s\n' 0 "${ax[0]}" "${jx[0]}"
a_on= j_on=
for p in $steps; do
	printf '%-6s %12s %12s\n' "$p" "${ax[$p]}" "${jx[$p]}"
	# Sustained: a step under the threshold starts over.
	if [ "${ax[$p]}" -ge "$onset" ]; then a_on=${a_on:-$p}; else a_on=; fi
	if [ "${jx[$p]}" -ge "$onset" ]; then j_on=${j_on:-$p}; else j_on=; fi
done
echo "cpu_load's cost at the last step: $cost us a period"
echo "onset (lowest step from which all have >= $onset xruns in $window s):" \
    "amixd ${a_on:-none} %, jack_cpu ${j_on:-none} %"

figure headroom_xrun_onset_pct "${a_on:-}" "% of the period" \
    "jack_cpu under jackd -S -d dummy" "${j_on:-}" higher \
    "lowest load step from which every step has >= $onset xruns in a $window s window (steps: $steps); baseline with no load: amixd ${ax[0]}, jackd ${jx[0]} xruns"
