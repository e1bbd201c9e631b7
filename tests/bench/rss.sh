#!/bin/bash
# SPDX-License-Identifier: MIT
# Idle memory: VmRSS of amixd (null backend) and of jackd (-S -d dummy,
# period 128), each read from /proc/PID/status 2 s after it answered,
# median of RUNS starts. amixd twice: just started (engine stopped), and
# with its engine running an empty graph (a device_sink), as jackd runs
# its driver. Both lock their memory (mlockall) when run as root.
# Also idle wake-ups: context switches a second, all threads, over 2 s
# (amixd stopped with no subscriber; jackd with no client, which still
# runs its driver every period).
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
trap 'exit 143' TERM
trap 'bench_amixd_stop; bench_jack_stop; rm -rf "$BENCH_DIR"' EXIT

rss_mb() {
	awk '$1 == "VmRSS:" { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"
}

# switches PID: context switches of all its threads so far.
switches() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
	    awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}

# wakeups PID: its context switches a second, over 2 s.
wakeups() {
	local a
	a=$(switches "$1")
	sleep 2
	echo $((($(switches "$1") - a) / 2))
}

: >"$BENCH_DIR/a"; : >"$BENCH_DIR/ar"; : >"$BENCH_DIR/j"
: >"$BENCH_DIR/aw"; : >"$BENCH_DIR/jw"
for r in $(seq "$RUNS"); do
	bench_amixd_start || exit 1
	sleep 2
	rss_mb "$BENCH_PID" >>"$BENCH_DIR/a"
	wakeups "$BENCH_PID" >>"$BENCH_DIR/aw"
	amctl -q create device_sink && amctl -q start
	sleep 2
	rss_mb "$BENCH_PID" >>"$BENCH_DIR/ar"
	bench_amixd_stop
	bench_jack_start 128 || exit 1
	sleep 2
	rss_mb "$JACK_PID" >>"$BENCH_DIR/j"
	wakeups "$JACK_PID" >>"$BENCH_DIR/jw"
	bench_jack_stop
done
j=$(median <"$BENCH_DIR/j")
figure rss_idle_mb "$(median <"$BENCH_DIR/a")" MiB "jackd -d dummy" "$j" \
    lower "VmRSS 2 s after start, median of $RUNS; amixd engine stopped; jackd's is mostly its locked shared memory"
figure rss_running_mb "$(median <"$BENCH_DIR/ar")" MiB "jackd -d dummy" "$j" \
    lower "amixd engine running (null backend, one device_sink), 2 s"
figure idle_wakeups_per_s "$(median <"$BENCH_DIR/aw")" /s "jackd -d dummy" \
    "$(median <"$BENCH_DIR/jw")" lower \
    "context switches a second, all threads, over 2 s, median of $RUNS; amixd stopped, no subscriber; jackd with no client still runs its period"
