#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/jack: what a JACK user pays for 16 tones, amixd against JACK's
# own way. One jackd (dummy driver, -S, period 128 at 48 kHz, a private
# server name) serves three runs of the same length, one after another:
#   idle   jackd alone: the baseline for CPU and xruns on this machine
#   amixd  one amixd client mixing 16 tone nodes into its device_sink
#   simple 16 jack_simple_client processes, one sine each (JACK mixes
#          their 16 outputs into system:playback_N itself)
# CPU is utime+stime from /proc/PID/stat over the window, in % of one
# core, for jackd and for the clients; xruns are jackd's own reports
# ("XRun" lines on its output) within the window. The host stalls now
# and then whatever the load (TESTRIG.md): read xruns against idle.
# At the end the totals again as figure lines (lib.sh) for run.sh.
#
# usage: tests/bench/jack.sh [SECONDS]   (default 30)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-30}
period=128
ntones=16
tmp=$(mktemp -d)
BENCH_DIR=$tmp
. "$top/tests/bench/lib.sh"	# figure, wait_for
export JACK_NO_START_SERVER=1 JACK_DEFAULT_SERVER=amixd-bench.$$
export AUDIOMIXERD_SOCKET=$tmp/amixd.sock tmp
amixd=$top/build/amixd/amixd
hz=$(getconf CLK_TCK)
pids=()

# Clients first, so they close before the server goes; then whatever
# the server left in /dev/shm under this run's name.
cleanup() {
	local i p
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		p=${pids[i]}
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_* \
	    /dev/shm/jack_"$JACK_DEFAULT_SERVER"_*
	rm -rf "$tmp"
}
trap cleanup EXIT

req() {
	printf '%s\n' "$1" | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET"
}

# CPU ticks (utime + stime) of the processes named.
ticks() {
	local p sum=0 t
	for p in "$@"; do
		t=$(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')
		sum=$((sum + t))
	done
	echo "$sum"
}

now_ns() {
	date +%s%N
}

xruns() {
	grep -c XRun "$tmp/jackd.log" || true
}

# measure NAME CLIENT_PIDS...: one window of $secs seconds.
measure() {
	local name=$1 j0 c0 x0 t0 j1 c1 x1 t1
	shift
	j0=$(ticks "$jackd_pid")
	c0=$(ticks "$@")
	x0=$(xruns)
	t0=$(now_ns)
	sleep "$secs"
	j1=$(ticks "$jackd_pid")
	c1=$(ticks "$@")
	x1=$(xruns)
	t1=$(now_ns)
	awk -v n="$name" -v j=$((j1 - j0)) -v c=$((c1 - c0)) \
	    -v x=$((x1 - x0)) -v dt=$((t1 - t0)) -v hz="$hz" 'BEGIN {
		s = dt / 1e9
		printf "%-8s %8.2f %9.2f %8.2f %7d\n", n, 100 * j / hz / s,
		    100 * c / hz / s, 100 * (j + c) / hz / s, x
		printf "%.2f %.2f %.2f %d\n", 100 * j / hz / s,
		    100 * c / hz / s, 100 * (j + c) / hz / s, x \
		    > (ENVIRON["tmp"] "/row." n)
	}'
}

jackd -R -S -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p "$period" \
    </dev/null >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
bench_pid_record "$jackd_pid"
pids+=("$jackd_pid")
wait_for jack_lsp

echo "jack.sh: jackd -S -d dummy -r 48000 -p $period, $secs s per run," \
    "$ntones tones, $(nproc) CPUs, $(uname -r)"
printf '%-8s %8s %9s %8s %7s\n' run "jackd%" "clients%" "total%" xruns

sleep 2
measure idle

# amixd: 16 tones summed into one device_sink.
"$amixd" -n -b jack </dev/null >"$tmp/amixd.log" 2>&1 &
amixd_pid=$!
pids+=("$amixd_pid")
wait_for req '{"cmd":"ping"}'
req '{"cmd":"device_open"}' >/dev/null
sink=$(req '{"cmd":"create_node","type":"device_sink"}' | jq .id)
for ((i = 0; i < ntones; i++)); do
	t=$(req "{\"cmd\":\"create_node\",\"type\":\"tone\",\"args\":{\"freq\":$((220 + 55 * i)),\"db\":-30}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$sink}" >/dev/null
done
req '{"cmd":"start"}' >/dev/null
sleep 2
req '{"cmd":"stats"}' >/dev/null		# start the stats interval
measure amixd "$amixd_pid"
st=$(req '{"cmd":"stats"}')
kill "$amixd_pid"
wait "$amixd_pid" || true

# JACK's way: one client per tone.
simple=()
for ((i = 0; i < ntones; i++)); do
	jack_simple_client "tone$i" </dev/null >"$tmp/simple$i.log" 2>&1 &
	simple+=($!)
	pids+=($!)
done
for ((i = 0; i < ntones; i++)); do
	wait_for jack_lsp "tone$i:output1"
done
sleep 2
measure simple "${simple[@]}"

echo "amixd stats over its window: $(printf '%s\n' "$st" | jq -c \
    '{cpu_pct, cycle_us_p50, cycle_us_p99, cycle_us_max, late_us_p99,
      late_us_max, xruns, rt, cycles}')"

# The same as figure lines for run.sh: total CPU (jackd + clients) and
# jackd's xruns, amixd's 16 tone nodes against 16 jack_simple_client.
read -r _ _ it ix <"$tmp/row.idle"
read -r aj ac at ax <"$tmp/row.amixd"
read -r sj sc st sx <"$tmp/row.simple"
figure jack16_tones_cpu_pct "$at" "% of one core" \
    "jackd + 16 jack_simple_client" "$st" lower \
    "16 tone nodes in one amixd -b jack (amixd $ac %, jackd $aj %); idle jackd $it %; $secs s"
figure jack16_tones_xruns "$ax" "xruns in window" \
    "jackd + 16 jack_simple_client" "$sx" lower \
    "jackd's XRun reports; idle jackd had $ix in the same length of window"
