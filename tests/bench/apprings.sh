#!/bin/bash
# SPDX-License-Identifier: MIT
# App rings (null backend, period 128): N concurrent "amtone | amcat"
# streams into a mixer for SECS seconds, for N = 1 and N = 32. Figures:
# CPU of the daemon and of all clients (amtone and amcat) in % of one
# core, stream underrun events and engine xruns over the run, and the
# wake-ups per second of each amcat (voluntary context switches; the
# engine runs 48000 / 128 = 375 periods a second). SECS defaults to 30.
set -u
. "$(dirname "$0")/lib.sh"
SECS=${SECS:-30}

# CPU seconds of the processes named by the pids in $@, summed.
cpu_sum() {
	local p t=0
	for p in "$@"; do
		t=$(awk -v t="$t" -v hz="$(getconf CLK_TCK)" \
		    '{ print t + ($14 + $15) / hz }' "/proc/$p/stat" 2>/dev/null ||
		    echo "$t")
	done
	echo "$t"
}

# voluntary_ctxt_switches of pid $1.
vcs() {
	awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$1/status" \
	    2>/dev/null || echo 0
}

run_streams() {
	local n=$1 i mix ev pids=() cats=() c0 c1 d0 d1 x0 x1 v0 v1 t0 t1 k
	bench_amixd_start -p 128
	mix=$(amctl create mixer | jq .id)
	dev=$(amctl create device_sink | jq .id)
	amctl -q connect "$mix" "$dev"
	amctl -q start
	amctl '{"cmd":"subscribe","events":["xrun"]}' >"$BENCH_DIR/ev.$n" &
	ev=$!
	for i in $(seq 1 "$n"); do
		amtone -f $((200 + 20 * i)) --db -40 -d $((SECS + 10)) |
		    amcat --to "$mix" 2>>"$BENCH_DIR/amcat.err" &
	done
	sleep 2	# past the start-up of every stream
	# Both ends of every pipeline are children of this shell.
	cats=($(pgrep -P $$ -x amcat))
	pids=("${cats[@]}" $(pgrep -P $$ -x amtone))
	[ "${#cats[@]}" -eq "$n" ] || echo "apprings: ${#cats[@]} of $n amcat running" >&2
	x0=$(amctl stats | jq .xruns)
	d0=$(cpu_sum "$BENCH_PID")
	c0=$(cpu_sum "${pids[@]}")
	v0=0
	for c in "${cats[@]}"; do v0=$((v0 + $(vcs "$c"))); done
	t0=$(date +%s%N)
	sleep "$SECS"
	t1=$(date +%s%N)
	d1=$(cpu_sum "$BENCH_PID")
	c1=$(cpu_sum "${pids[@]}")
	v1=0
	for c in "${cats[@]}"; do v1=$((v1 + $(vcs "$c"))); done
	x1=$(amctl stats | jq .xruns)
	wait $(pgrep -P $$ -x amcat)
	kill "$ev" 2>/dev/null
	wait "$ev" 2>/dev/null
	k=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
	figure "apprings_${n}_daemon_cpu_pct" \
	    "$(awk -v a="$d0" -v b="$d1" -v k="$k" 'BEGIN { printf "%.2f", 100 * (b - a) / k }')" "% of one core"
	figure "apprings_${n}_clients_cpu_pct" \
	    "$(awk -v a="$c0" -v b="$c1" -v k="$k" 'BEGIN { printf "%.2f", 100 * (b - a) / k }')" "% of one core"
	figure "apprings_${n}_stream_underruns" \
	    "$(jq -s '[.[] | select(.event == "xrun" and .frames != null)] | length' "$BENCH_DIR/ev.$n")" "events"
	figure "apprings_${n}_engine_xruns" "$((x1 - x0))" "xruns"
	figure "apprings_${n}_amcat_wakeups" \
	    "$(awk -v a="$v0" -v b="$v1" -v k="$k" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / k / n }')" \
	    "per second per amcat" "engine periods" 375
	bench_amixd_stop
	if [ -s "$BENCH_DIR/amcat.err" ]; then
		echo "apprings: amcat said:" >&2
		sort "$BENCH_DIR/amcat.err" | uniq -c >&2
		: >"$BENCH_DIR/amcat.err"
	fi
}

run_streams 1
run_streams 32
rm -rf "$BENCH_DIR"
