#!/bin/bash
# SPDX-License-Identifier: MIT
# One control command as a whole process, fork to exit, as a user or a
# script pays for it:
#   ctl_connect_ms  amctl connect A B   against  jack_connect A B
#   ctl_list_ms     amctl list          against  jack_lsp
# amixd runs on the null backend with a small graph (4 tones, a gain, a
# mixer, a device_sink); jackd (dummy driver, -S, period 128) runs with
# 4 jack_simple_client instances (8 ports, plus the system ports). Each
# connect is undone, untimed, before the next, so every timed command
# succeeds. Figures are the median over RUNS runs of N commands each.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
N=${N:-30}
clients=()
trap 'exit 143' TERM
trap 'bench_amixd_stop; bench_jack_stop "${clients[@]}"; rm -rf "$BENCH_DIR"' EXIT

# time_pair N CMD... -- UNDO...: N timed runs of CMD, each undone by UNDO.
time_pair() {
	local n=$1 i cmd=() undo=()
	shift
	while [ "$1" != "--" ]; do cmd+=("$1"); shift; done
	shift
	undo=("$@")
	for i in $(seq "$n"); do
		ambench exec 1 "${cmd[@]}" | tail -n 1 | jq .p50_us
		"${undo[@]}" >/dev/null 2>&1
	done
}

bench_amixd_start
{
	echo "m = create mixer"
	echo "s = create device_sink"
	echo 'connect $m $s'
	for i in 1 2 3 4; do
		echo "t$i = create tone freq=$((200 * i)) db=-30"
		echo "connect \$t$i \$m"
	done
	echo "start"
} | amctl -q -f - || exit 1
g=$(amctl create gain | jq .id)
m=$(amctl list | jq '.nodes[] | select(.type == "mixer").id')
amctl=$B/amctl/amctl
# check once that the pair works
"$amctl" -q connect "$g" "$m" && "$amctl" -q disconnect "$g" "$m" || exit 1

bench_jack_start 128 || exit 1
for i in 1 2 3 4; do
	jack_simple_client "c$i" </dev/null >"$BENCH_DIR/c$i.log" 2>&1 &
	clients+=($!)
done
for i in 1 2 3 4; do
	until jack_lsp "c$i:output2" 2>/dev/null | grep -q .; do sleep 0.05; done
done
sleep 0.5
jack_disconnect c1:output1 system:playback_1 2>/dev/null
jconnect=$(command -v jack_connect)
jdisconnect=$(command -v jack_disconnect)
jlsp=$(command -v jack_lsp)
"$jconnect" c1:output1 system:playback_1 &&
    "$jdisconnect" c1:output1 system:playback_1 || exit 1

: >"$BENCH_DIR/ac"; : >"$BENCH_DIR/jc"; : >"$BENCH_DIR/al"; : >"$BENCH_DIR/jl"
for r in $(seq "$RUNS"); do
	time_pair "$N" "$amctl" -q connect "$g" "$m" -- \
	    "$amctl" -q disconnect "$g" "$m" | median >>"$BENCH_DIR/ac"
	time_pair "$N" "$jconnect" c1:output1 system:playback_1 -- \
	    "$jdisconnect" c1:output1 system:playback_1 | median >>"$BENCH_DIR/jc"
	ambench exec "$N" "$amctl" list | tail -n 1 | jq .p50_us >>"$BENCH_DIR/al"
	ambench exec "$N" "$jlsp" | tail -n 1 | jq .p50_us >>"$BENCH_DIR/jl"
done
note="whole process, fork to exit; median of $RUNS x $N"
figure ctl_connect_ms "$(median <"$BENCH_DIR/ac" | us_to_ms)" ms \
    "jack_connect" "$(median <"$BENCH_DIR/jc" | us_to_ms)" lower "$note"
figure ctl_list_ms "$(median <"$BENCH_DIR/al" | us_to_ms)" ms \
    "jack_lsp" "$(median <"$BENCH_DIR/jl" | us_to_ms)" lower \
    "$note; amixd: $(amctl list | jq '.nodes | length') nodes, jackd: $(jack_lsp | wc -l) ports"
