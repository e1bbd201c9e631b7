#!/bin/bash
# SPDX-License-Identifier: MIT
# N sources mixed at period 128 (48 kHz) for SECS seconds, N in NS
# (default 1 16 64), each side on a fresh jackd -S -d dummy -p 128, so
# both are paced by the same real-time clock and both end in
# system:playback_1/2:
#   amixd  amixd -b jack, a mixer into a device_sink; N client pipelines
#          "amtone -f F | amcat --to MIXER" (app rings, default latency)
#   jack   N jack_simple_client processes (a sine each), which JACK
#          mixes into system:playback_N itself (as jack.sh does)
# CPU is utime+stime from /proc/PID/stat over the window, in % of one
# core: everything (server(s) + clients), the server side (amixd + the
# jackd under it, against jackd alone) and the clients. xruns are
# jackd's own XRun reports in the window: the host stalls now and then
# whatever the load (TESTRIG.md), so read them side by side, never
# against zero. If app rings do not work, amixd mixes N tone nodes
# instead, and the figures say so.
set -u
. "$(dirname "$0")/lib.sh"
SECS=${SECS:-30}
NS=${NS:-1 16 64}
export BENCH_BACKEND=jack
cli=()
trap 'exit 143' TERM
cleanup() {
	bench_jack_stop "${cli[@]}"	# jack_simple_client ids, if any
	stop_pipelines
	bench_amixd_stop
	rm -rf "$BENCH_DIR"
}
trap cleanup EXIT

# Wait up to $2 seconds of wall time for command $1 (a function) to
# succeed.
wait_until() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		$1 && return 0
		sleep 0.2
	done
	echo "mix.sh: timed out after $2 s: $1" >&2
	return 1
}

amixd_graph() {
	amctl -q open || return 1
	mix=$(amctl create mixer | jq .id)
	sink=$(amctl create device_sink | jq .id)
	amctl -q connect "$mix" "$sink" && amctl -q start
}

n_sources() {
	[ "$(amctl stats | jq '[.nodes[] | select(.type == "app_source")] | length')" -ge "$want" ]
}

n_jack_clients() {
	[ "$(timeout 5 jack_lsp 2>/dev/null | grep -c '^mix[0-9]*:output1$')" -ge "$want" ]
}

underruns() {
	amctl stats | jq '[.nodes[] | select(.type == "app_source") | .underruns] | add // 0'
}

# Do app rings work? One short stream on a null-backend daemon.
mode=amcat
BENCH_BACKEND=null bench_amixd_start
m=$(amctl create mixer | jq .id)
s=$(amctl create device_sink | jq .id)
amctl -q connect "$m" "$s" && amctl -q start
if ! amtone -d 0.3 | timeout 10 amcat --to "$m" 2>"$BENCH_DIR/amcat.try"; then
	mode=tones
	echo "mix.sh: amcat does not work, falling back to tone nodes:" >&2
	cat "$BENCH_DIR/amcat.try" >&2
fi
bench_amixd_stop

if [ "$mode" = amcat ]; then
	what="amtone | amcat pipelines"
else
	what="tone nodes in amixd (amcat not working)"
fi

# The amcat pipelines: amcat ($cli) and amtone, both children of this shell.
stop_pipelines() {
	local p
	for p in "${cli[@]}" $(pgrep -P $$ -x amtone); do
		kill "$p" 2>/dev/null
	done
	for p in "${cli[@]}"; do wait "$p" 2>/dev/null; done
	cli=()
}

run_amixd() {
	local n=$1 i j0 a0 c0 x0 u0 t0 j1 a1 c1 x1 u1 t1 pids
	bench_jack_start 128 || return 1
	bench_amixd_start -q rings=256 || return 1
	amixd_graph || return 1
	cli=()
	for i in $(seq "$n"); do
		if [ "$mode" = amcat ]; then
			amtone -f $((200 + 11 * i)) --db -40 -d $((SECS + 60)) |
			    amcat --to "$mix" 2>>"$BENCH_DIR/amcat.err" &
			cli+=($!)
		else
			t=$(amctl create tone freq=$((200 + 11 * i)) db=-40 | jq .id)
			amctl -q connect "$t" "$mix"
		fi
	done
	if [ "$mode" = amcat ]; then
		want=$n
		wait_until n_sources 60 || return 1
	fi
	sleep 2
	# the amtone half of each pipeline is a child of this shell too
	pids=("${cli[@]}" $(pgrep -P $$ -x amtone))
	amctl stats >/dev/null
	u0=$(underruns)
	j0=$(ticks "$JACK_PID"); a0=$(ticks "$BENCH_PID"); c0=$(ticks "${pids[@]}")
	x0=$(jack_xruns); t0=$(date +%s%N)
	sleep "$SECS"
	j1=$(ticks "$JACK_PID"); a1=$(ticks "$BENCH_PID"); c1=$(ticks "${pids[@]}")
	x1=$(jack_xruns); t1=$(date +%s%N)
	u1=$(underruns)
	cpu_st=$(amctl stats | jq -c '{cpu_pct, late_us_p99, xruns}')
	dt=$((t1 - t0))
	A_total=$(pct $((j1 - j0 + a1 - a0 + c1 - c0)) $dt)
	A_server=$(pct $((j1 - j0 + a1 - a0)) $dt)
	A_amixd=$(pct $((a1 - a0)) $dt)
	A_clients=$(pct $((c1 - c0)) $dt)
	A_xruns=$((x1 - x0))
	A_under=$((u1 - u0))
	stop_pipelines
	bench_amixd_stop
	bench_jack_stop
	echo "mix.sh: amixd N=$n: total $A_total%, amixd $A_amixd%, jackd+amixd $A_server%, clients $A_clients%, xruns $A_xruns, underruns $A_under, stats $cpu_st" >&2
}

run_jack() {
	local n=$1 i j0 c0 x0 t0 j1 c1 x1 t1
	bench_jack_start 128 || return 1
	cli=()
	for i in $(seq "$n"); do
		jack_simple_client "mix$i" </dev/null >/dev/null 2>&1 &
		cli+=($!)
	done
	want=$n
	wait_until n_jack_clients 60 || return 1
	sleep 2
	j0=$(ticks "$JACK_PID"); c0=$(ticks "${cli[@]}")
	x0=$(jack_xruns); t0=$(date +%s%N)
	sleep "$SECS"
	j1=$(ticks "$JACK_PID"); c1=$(ticks "${cli[@]}")
	x1=$(jack_xruns); t1=$(date +%s%N)
	dt=$((t1 - t0))
	J_total=$(pct $((j1 - j0 + c1 - c0)) $dt)
	J_server=$(pct $((j1 - j0)) $dt)
	J_clients=$(pct $((c1 - c0)) $dt)
	J_xruns=$((x1 - x0))
	bench_jack_stop "${cli[@]}"
	cli=()
	echo "mix.sh: jack N=$n: total $J_total%, jackd $J_server%, clients $J_clients%, xruns $J_xruns" >&2
}

for n in $NS; do
	A_total= A_server= A_amixd= A_clients= A_xruns= A_under=
	J_total= J_server= J_clients= J_xruns=
	run_amixd "$n" || { echo "mix.sh: amixd side failed for N=$n" >&2
		stop_pipelines; bench_amixd_stop; bench_jack_stop; }
	run_jack "$n" || { echo "mix.sh: jack side failed for N=$n" >&2
		bench_jack_stop "${cli[@]}"; cli=(); }
	note="$n $what vs $n jack_simple_client; period 128, $SECS s, one run"
	figure "mix_${n}_cpu_pct" "$A_total" "% of one core" \
	    "jackd + $n jack_simple_client" "$J_total" lower \
	    "$note; every process: jackd + amixd -b jack + clients vs jackd + clients"
	figure "mix_${n}_server_cpu_pct" "$A_server" "% of one core" \
	    "jackd" "$J_server" lower \
	    "amixd $A_amixd % + the jackd it runs under, vs jackd mixing the clients itself"
	figure "mix_${n}_clients_cpu_pct" "$A_clients" "% of one core" \
	    "$n jack_simple_client" "$J_clients" lower \
	    "$([ "$mode" = amcat ] && echo "amtone + amcat, $n of each" || echo "no client processes: tone nodes")"
	figure "mix_${n}_xruns" "$A_xruns" "xruns in window" \
	    "jackd + $n jack_simple_client" "$J_xruns" lower \
	    "jackd's XRun reports in the $SECS s window, each side on its own jackd"
	[ "$mode" = amcat ] && figure "mix_${n}_stream_underrun_pct" \
	    "$(awk -v u="$A_under" -v n="$n" -v s="$SECS" 'BEGIN {
		if (u != "") printf "%.3f", 100 * u / (n * 48000 * s) }')" \
	    "% of the streams' frames" "" "" lower \
	    "frames the app_sources played as silence (amixd stats: $A_under); JACK clients have no ring to underrun"
done
# "interrupted" is our own kill at the end of each window
if grep -qv 'amcat: interrupted' "$BENCH_DIR/amcat.err" 2>/dev/null; then
	echo "mix.sh: amcat said:" >&2
	grep -v 'amcat: interrupted' "$BENCH_DIR/amcat.err" | sort | uniq -c |
	    head -20 >&2
fi
