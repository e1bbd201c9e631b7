#!/bin/bash
# SPDX-License-Identifier: MIT
# The engine core's figures (null backend): exec to first ping reply,
# against jackd -d dummy to first jack_lsp success; ping round trip on
# one CPU and across two, each beside its floor;
# cpu_pct of the 64-node graph at period 128; offline render speed of
# that graph in multiples of real time.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
trap 'exit 143' TERM
trap 'bench_amixd_stop; bench_jack_stop; rm -rf "$BENCH_DIR"' EXIT

# exec to first ping reply, next to the machine's cost of exec'ing /bin/true
for r in $(seq "$RUNS"); do
	ambench boot 20 "$B/amixd/amixd" "$BENCH_DIR/boot.sock" | jq .p50_us
done | median >"$BENCH_DIR/boot"
for r in $(seq "$RUNS"); do
	ambench exec 20 /bin/true | jq .p50_us
done | median >"$BENCH_DIR/true"

# jackd: fork+exec to the first jack_lsp that succeeds. A jack_lsp that
# finds no server takes ~25 ms here, so the figure has that granularity.
: >"$BENCH_DIR/jboot"
: >"$BENCH_DIR/jfail"
for r in $(seq "$RUNS"); do
	export JACK_DEFAULT_SERVER=amixd-boot.$$.$r
	t0=$(date +%s%N)
	jackd -R -S -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 128 \
	    </dev/null >"$BENCH_DIR/jackd.log" 2>&1 &
	JACK_PID=$!
	bench_pid_record "$JACK_PID"
	n=0
	until jack_lsp >/dev/null 2>&1; do
		n=$((n + 1))
		[ "$n" -lt 2000 ] || break
	done
	t1=$(date +%s%N)
	[ "$n" -lt 2000 ] && echo $(((t1 - t0) / 1000)) >>"$BENCH_DIR/jboot"
	[ "$n" -gt 0 ] && echo $(((t1 - t0) / 1000 / (n + 1))) >>"$BENCH_DIR/jfail"
	bench_jack_stop
done
jboot=$(median <"$BENCH_DIR/jboot")
figure boot_ms "$(us_to_ms <"$BENCH_DIR/boot")" ms \
    "jackd -d dummy to first jack_lsp" "$(echo "$jboot" | us_to_ms)" lower \
    "amixd: ambench boot, median of $RUNS x 20; jackd: median of $RUNS, polled by jack_lsp every ~$(median <"$BENCH_DIR/jfail" | us_to_ms | awk '{ printf "%d", $1 }') ms"
figure exec_true_ms "$(us_to_ms <"$BENCH_DIR/true")" ms "" "" \
    lower "context: fork+exec+wait of /bin/true"

# Request round trips. Placed, not left to the scheduler, whose choice
# decides the figure on a VM: waking another CPU costs ~55 us there,
# waking a process on the same one ~3 us, so an unplaced run measured
# either. The daemon (every thread) on CPU 0: the client there too
# gives the daemon's own round trip (ping_p50_us, the target); the
# client on CPU 1 adds the machine's wake-up of another CPU
# (ping_xcpu_p50_us). Beside each, as its peer, the floor: ambench echo,
# a child that only echoes amixd's reply, placed the same way.
bench_amixd_start
last=$(($(nproc) - 1))
xcpu=$((last > 0 ? 1 : 0))
taskset -apc 0 "$BENCH_PID" >/dev/null
: >"$BENCH_DIR/ping"; : >"$BENCH_DIR/echo"
: >"$BENCH_DIR/xping"; : >"$BENCH_DIR/xecho"
for r in $(seq "$RUNS"); do
	taskset -c 0 ambench ping 10000 "$AUDIOMIXERD_SOCKET" >>"$BENCH_DIR/ping"
	taskset -c 0 ambench echo 10000 0 >>"$BENCH_DIR/echo"
	taskset -c $xcpu ambench ping 10000 "$AUDIOMIXERD_SOCKET" \
	    >>"$BENCH_DIR/xping"
	taskset -c $xcpu ambench echo 10000 0 >>"$BENCH_DIR/xecho"
done
taskset -apc "0-$last" "$BENCH_PID" >/dev/null
note="10,000 pings on one connection, median of $RUNS runs; the daemon and the client on CPU 0; peer: the floor, a child that only echoes the reply (ambench echo), placed the same way. JACK has no ping, and its requests (libjack calls over its own channel, with a graph lock) are not the same work; see ctl_* for whole commands"
for p in p50 p99; do
	figure "ping_${p}_us" "$(jq .${p}_us "$BENCH_DIR/ping" | median)" us \
	    "echo floor (ambench echo), one CPU" \
	    "$(jq .${p}_us "$BENCH_DIR/echo" | median)" lower "$note"
done
figure ping_xcpu_p50_us "$(jq .p50_us "$BENCH_DIR/xping" | median)" us \
    "echo floor (ambench echo), across CPUs" \
    "$(jq .p50_us "$BENCH_DIR/xecho" | median)" lower \
    "as ping_p50_us, the client on CPU $xcpu (the daemon on 0): the machine's wake-up of another CPU is in both figures"

graph64 | amctl -q -f -
amctl -q start
sleep 1
for r in $(seq "$RUNS"); do
	amctl stats >/dev/null	# restart the stats command's interval
	sleep 3
	amctl stats | jq .cpu_pct
done | median >"$BENCH_DIR/cpu"
figure graph64_cpu_pct "$(cat "$BENCH_DIR/cpu")" "% of one core" "" "" lower \
    "null backend, period 128; engine's cpu_pct"
bench_amixd_stop

graph64 >"$BENCH_DIR/g64.am"
for r in $(seq "$RUNS"); do
	s=$(date +%s%N)
	amixd --render 60 "$BENCH_DIR/g64.am"
	e=$(date +%s%N)
	awk -v ns=$((e - s)) 'BEGIN { print 60 / (ns / 1e9) }'
done | median >"$BENCH_DIR/render"
figure graph64_render_x "$(cat "$BENCH_DIR/render")" "x real time" "" "" \
    higher "offline render of 60 s"

# Instructions per period of the same stereo graph (callgrind, inside
# rt_cycle only: no start-up, no decoding): a figure that does not move
# with the machine's load, so a change to the real-time path shows
# (issue 16: channels cost a stereo graph nothing). 2 s at period 128:
# 750 periods. Beside it, the same count for amixd as it was before the
# channels work (commit $pre, the last before it on main), built once
# from `git archive` under build/bench-cache (about 10 s, kept), the
# peer of the target "a stereo graph after channels <= before". Where
# that commit cannot be had (a shallow clone, no git), the count chcore
# measured there with the same command stands in: 99,183,629 Ir in all,
# 132,245 a period, and the note says so.
pre=15d83f1
pre_ir=99183629
# cycle_instr AMIXD: callgrind's Ir inside rt_cycle for the 2 s render.
cycle_instr() {
	valgrind --tool=callgrind --toggle-collect=rt_cycle \
	    --callgrind-out-file="$BENCH_DIR/cg.out" \
	    "$1" --render 2 "$BENCH_DIR/g64.am" \
	    >/dev/null 2>"$BENCH_DIR/cg.err" || return 1
	sed -n 's/^summary: *//p' "$BENCH_DIR/cg.out"
}
# pre_amixd: the path of amixd built at $pre, built if need be; 1 when
# it cannot be.
pre_amixd() {
	local c=$top/build/bench-cache/pre-channels-$pre t
	if [ ! -x "$c/src/build/amixd/amixd" ]; then
		t=$c.tmp.$$
		rm -rf "$t" && mkdir -p "$t/src" &&
		    git -C "$top" archive "$pre" | tar -x -C "$t/src" &&
		    make -C "$t/src" -j2 build/amixd/amixd >"$t/build.log" 2>&1 ||
		    { rm -rf "$t"; return 1; }
		rm -rf "$c" && mv "$t" "$c" || return 1
	fi
	echo "$c/src/build/amixd/amixd"
}
if command -v valgrind >/dev/null 2>&1; then
	ir=$(cycle_instr "$B/amixd/amixd")
	if old=$(pre_amixd 2>/dev/null) && oir=$(cycle_instr "$old") &&
	    [ -n "$oir" ]; then
		how="amixd built at $pre (build/bench-cache), measured in this run"
	else
		oir=$pre_ir
		how="$pre could not be built here: chcore's count at $pre, same command"
	fi
	figure graph64_cycle_instr "$(awk -v i="${ir:-}" \
	    'BEGIN { if (i != "") printf "%.0f", i / 750 }')" \
	    "instructions/period" "amixd before channels ($pre)" \
	    "$(awk -v i="$oir" 'BEGIN { printf "%.0f", i / 750 }')" lower \
	    "callgrind Ir inside rt_cycle, 64-node stereo graph, period 128, offline render of 2 s / 750 periods; before: $how"
fi
