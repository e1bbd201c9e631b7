#!/bin/bash
# SPDX-License-Identifier: MIT
# Late wake-ups at period 64 (48 kHz: 1333 us) under stress-ng --cpu 2,
# for SECS seconds. In the same window, side by side:
#   amixd       null backend, -p 64, the 64-node graph; from its stats
#               over the window: late_us_p99, late_us (the window's
#               latest wake-up) and xruns. On the null backend a wake-up
#               later than one period ends its cycle after the next
#               deadline, so it is an xrun; the clock then restarts from
#               there, so one stall counts once.
#   cyclictest  -m -p 80 -i 1333 -q -h: p99, max, and the samples later
#               than 1333 us. Its deadlines are absolute and never
#               restart, so one stall of several periods counts several
#               late samples.
# The host stalls now and then whatever the load (TESTRIG.md): read
# amixd against the baseline, never against zero.
set -u
. "$(dirname "$0")/lib.sh"
SECS=${SECS:-30}
PUS=1333
spid=
trap 'exit 143' TERM
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; bench_amixd_stop; rm -rf "$BENCH_DIR"' EXIT

bench_amixd_start -p 64 || exit 1
{ echo "open rate=48000 period=64"; graph64; echo start; } |
    amctl -q -f - || exit 1
sleep 1
stress-ng --cpu 2 --timeout $((SECS + 5))s >"$BENCH_DIR/stress.log" 2>&1 &
spid=$!
sleep 2
amctl stats >"$BENCH_DIR/st0"
cyclictest -m -p 80 -i "$PUS" -D "$SECS" -q -h $((4 * PUS)) \
    >"$BENCH_DIR/cyclic" 2>&1
amctl stats >"$BENCH_DIR/st1"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=
read -r loops med p99 mx late < <(cyclic_summary "$BENCH_DIR/cyclic" "$PUS")
x=$(($(jq .xruns "$BENCH_DIR/st1") - $(jq .xruns "$BENCH_DIR/st0")))
cyc=$(jq .cycles "$BENCH_DIR/st1")	# per stats interval
rt=$(jq .rt "$BENCH_DIR/st1")
echo "stress.sh: amixd $cyc cycles, rt $rt, $(jq -c '{late_us_p99, late_us, cycle_us_p99, cpu_pct}' "$BENCH_DIR/st1"); cyclictest $loops loops, median $med us" >&2
peer="cyclictest -m -p 80 -i 1333"
note="stress-ng --cpu 2, $SECS s, same window; amixd SCHED_FIFO 70 (rt=$rt)"
figure stress_late_p99_us "$(jq .late_us_p99 "$BENCH_DIR/st1")" us "$peer" \
    "$p99" lower "$note"
figure stress_late_max_us "$(jq .late_us "$BENCH_DIR/st1")" us "$peer" \
    "$mx" lower "$note"
figure stress_late_count "$x" "wake-ups > 1333 us" "$peer" "$late" lower \
    "amixd: xruns in $cyc cycles (one per stall); cyclictest: late samples in $loops (every sample of a stall)"
