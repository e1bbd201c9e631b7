#!/bin/bash
# SPDX-License-Identifier: MIT
# App rings (null backend, period 128): N concurrent "amtone | amcat"
# streams into a mixer for SECS seconds, for each N of NS (default
# "1 16 64") and each latency of LATS (default "def 0": amcat's default
# ring, 100 ms, and --latency 0, one period of the engine, 2.67 ms).
# Figures: CPU of the daemon and of all clients (amtone and amcat) in %
# of one core, stream underrun events and frames and engine xruns over
# the run, the wake-ups per second of each amcat and of the daemon's
# control thread (voluntary context switches; the engine runs
# 48000 / 128 = 375 periods a second), and the load average at the
# start. SECS defaults to 30. Figures at the default latency are named
# apprings_N_*, the others apprings_latMS_N_*.
set -u
. "$(dirname "$0")/lib.sh"
SECS=${SECS:-30}
NS=${NS:-1 16 64}
LATS=${LATS:-def 0}

# CPU ticks (user + system) of the processes named by the pids in $@,
# summed; shell builtins only, so sampling 64 processes is quick even
# on a loaded machine. Processes gone count 0: the caller checks.
cpu_ticks() {
	local p f t=0
	for p in "$@"; do
		read -r -a f <"/proc/$p/stat" 2>/dev/null || continue
		t=$((t + f[13] + f[14]))
	done
	echo "$t"
}

# voluntary_ctxt_switches of the pids in $@, summed (builtins only).
vcs() {
	local p k v t=0
	for p in "$@"; do
		while read -r k v; do
			[ "$k" = voluntary_ctxt_switches: ] && t=$((t + v))
		done <"/proc/$p/status" 2>/dev/null
	done
	echo "$t"
}

run_streams() {
	local n=$1 lat=$2 i c bad alive hz mix ev pids=() cats=() c0 c1 d0 d1 x0 x1 v0 v1 w0 w1 t0 t1 k
	local f=apprings_$n opt=
	if [ "$lat" != def ]; then
		f=apprings_lat${lat}_$n
		opt="--latency $lat"
	fi
	figure "${f}_loadavg" "$(cut -d' ' -f1 /proc/loadavg)" "load, 1 min"
	bench_amixd_start -p 128
	mix=$(amctl create mixer | jq .id)
	dev=$(amctl create device_sink | jq .id)
	amctl -q connect "$mix" "$dev"
	amctl -q start
	# appended, so the file can be emptied at the window's start
	: >"$BENCH_DIR/ev.$n"
	amctl '{"cmd":"subscribe","events":["xrun"]}' >>"$BENCH_DIR/ev.$n" &
	ev=$!
	for i in $(seq 1 "$n"); do
		amtone -f $((200 + 20 * i)) --db -40 -d $((SECS + 20)) |
		    amcat $opt --to "$mix" 2>>"$BENCH_DIR/amcat.err" &
	done
	sleep $((2 + n / 16))	# past the start-up of every stream
	# Both ends of every pipeline are children of this shell.
	cats=($(pgrep -P $$ -x amcat))
	pids=("${cats[@]}" $(pgrep -P $$ -x amtone))
	[ "${#cats[@]}" -eq "$n" ] || echo "apprings: ${#cats[@]} of $n amcat running" >&2
	x0=$(amctl stats | jq .xruns)
	t0=$(date +%s%N)
	d0=$(cpu_ticks "$BENCH_PID")
	c0=$(cpu_ticks "${pids[@]}")
	v0=$(vcs "${cats[@]}")
	w0=$(vcs "$BENCH_PID")
	: >"$BENCH_DIR/ev.$n"
	sleep "$SECS"
	w1=$(vcs "$BENCH_PID")
	cp "$BENCH_DIR/ev.$n" "$BENCH_DIR/win.$n"
	d1=$(cpu_ticks "$BENCH_PID")
	c1=$(cpu_ticks "${pids[@]}")
	v1=$(vcs "${cats[@]}")
	t1=$(date +%s%N)
	x1=$(amctl stats | jq .xruns)
	alive=$(for c in "${cats[@]}"; do [ -e "/proc/$c" ] && echo; done | wc -l)
	[ "$alive" -eq "$n" ] ||
	    echo "apprings: only $alive of $n amcat lasted the window" >&2
	# End the inputs: each amcat plays out what it holds and exits 0.
	kill $(pgrep -P $$ -x amtone) 2>/dev/null
	bad=0
	for c in "${cats[@]}"; do
		wait "$c" 2>/dev/null || bad=$((bad + 1))
	done
	[ "$bad" -eq 0 ] || echo "apprings: $bad of $n amcat failed" >&2
	kill "$ev" 2>/dev/null
	wait "$ev" 2>/dev/null
	k=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
	hz=$(getconf CLK_TCK)
	figure "${f}_daemon_cpu_pct" \
	    "$(awk -v a="$d0" -v b="$d1" -v k="$k" -v hz="$hz" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / k }')" "% of one core"
	figure "${f}_clients_cpu_pct" \
	    "$(awk -v a="$c0" -v b="$c1" -v k="$k" -v hz="$hz" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / k }')" "% of one core"
	figure "${f}_stream_underruns" \
	    "$(jq -s '[.[] | select(.event == "xrun" and .frames != null)] | length' "$BENCH_DIR/win.$n")" "events"
	figure "${f}_underrun_frames" \
	    "$(jq -s '[.[] | select(.event == "xrun" and .type == "underrun" and .frames != null) | .frames] | add // 0' "$BENCH_DIR/win.$n")" "frames"
	figure "${f}_engine_xruns" "$((x1 - x0))" "xruns"
	figure "${f}_daemon_ctl_wakeups" \
	    "$(awk -v a="$w0" -v b="$w1" -v k="$k" 'BEGIN { printf "%.1f", (b - a) / k }')" \
	    "per second, control thread"
	figure "${f}_amcat_wakeups" \
	    "$(awk -v a="$v0" -v b="$v1" -v k="$k" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / k / n }')" \
	    "per second per amcat" "engine periods" 375
	bench_amixd_stop
	if [ -s "$BENCH_DIR/amcat.err" ]; then
		echo "apprings: amcat said:" >&2
		sort "$BENCH_DIR/amcat.err" | uniq -c >&2
		: >"$BENCH_DIR/amcat.err"
	fi
}

for lat in $LATS; do
	for n in $NS; do
		run_streams "$n" "$lat"
	done
done
rm -rf "$BENCH_DIR"
