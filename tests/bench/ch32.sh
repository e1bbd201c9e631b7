#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/ch32: a 32-channel graph at period 64 (issue 16, Performance),
# amixd against the same in JACK. One jackd (dummy driver, -S, period
# 64 at 48 kHz, 32 playback ports, a private server name) serves three
# windows of the same length, one after another:
#   idle   jackd alone: the baseline for CPU and xruns on this machine
#   amixd  amixd -b jack, device_open "channels":32, playing one tone
#          node of 32 channels (channels=32 spread=25, each channel its
#          own frequency) -> gain -> device_sink; its playback_1..32
#          connected in order to system:playback_1..32 (autoconnect)
#   simple 16 jack_simple_client processes, one per channel pair: each
#          connects itself to system:playback_1 and _2, and is moved to
#          its own pair (2k+1, 2k+2) with jack_disconnect/jack_connect
# Then, without JACK, the engine's own cost: amixd -b null -p 64 with
# the same 32-channel graph on a 32-channel device, over a window of
# the same length.
# CPU is each process's own count (/proc/PID/task/*/schedstat, lib.sh's
# cpu_ns: exact, where tick sampling reads a process that runs for less
# than a tick at a time as idle), in % of one core, for jackd and for
# the clients; xruns are jackd's "XRun" reports within the window. The
# host stalls now and then whatever the load (TESTRIG.md): read xruns
# against idle. The table goes to stderr; the figure lines (lib.sh) for
# run.sh to stdout, at the end.
#
# usage: SECS=N tests/bench/ch32.sh   (default 10 s per window)
set -u
. "$(dirname "$0")/lib.sh"
secs=${SECS:-10}
period=64
nch=32
npair=$((nch / 2))
# One fixed name per checkout, no PID: JACK's shm registry has 8 server
# slots, and a killed server's slot is only freed by a server of the
# same name (tests/helpers.bash, jack_server_name).
JACK_DEFAULT_SERVER=amixd-ch32.$(printf '%s' "$top" | cksum | cut -d' ' -f1)
export JACK_DEFAULT_SERVER
JACK_LOG=$BENCH_DIR/jackd.log
simple=()
shm_clean() {
	rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_* \
	    /dev/shm/jack_"$JACK_DEFAULT_SERVER"_*
}
trap 'exit 143' TERM
trap 'bench_amixd_stop; bench_jack_stop "${simple[@]}"; shm_clean;
    rm -rf "$BENCH_DIR"' EXIT
shm_clean

# measure NAME CLIENT_PID...: one window of $secs s; writes
# "JACKD% CLIENTS% TOTAL% XRUNS" to $BENCH_DIR/row.NAME.
measure() {
	local name=$1 j0 c0 x0 t0 j1 c1 x1 t1 row
	shift
	j0=$(cpu_ns "$JACK_PID") c0=$(cpu_ns "$@") x0=$(jack_xruns)
	t0=$(date +%s%N)
	sleep "$secs"
	j1=$(cpu_ns "$JACK_PID") c1=$(cpu_ns "$@") x1=$(jack_xruns)
	t1=$(date +%s%N)
	echo "$(ns_pct $((j1 - j0)) $((t1 - t0))) $(ns_pct $((c1 - c0)) \
	    $((t1 - t0))) $(ns_pct $((j1 - j0 + c1 - c0)) $((t1 - t0))) \
	    $((x1 - x0))" >"$BENCH_DIR/row.$name"
	read -ra row <"$BENCH_DIR/row.$name"
	printf '%-8s %8s %9s %8s %7s\n' "$name" "${row[@]}" >&2
}

# graph32: the 32-channel graph on the device already open.
graph32() {
	amctl -q -f - <<-EOF
	t = create tone channels=$nch freq=100 spread=25 db=-30
	g = create gain db=-6
	s = create device_sink
	connect \$t \$g
	connect \$g \$s
	start
	EOF
}

bench_daemon "$JACK_LOG" jackd -R -S -n "$JACK_DEFAULT_SERVER" \
    -d dummy -r 48000 -p "$period" -P "$nch"
JACK_PID=$!
bench_pid_record "$JACK_PID"
wait_for jack_lsp || { cat "$JACK_LOG" >&2; exit 1; }
echo "ch32.sh: jackd -S -d dummy -r 48000 -p $period -P $nch, $secs s" \
    "per window, $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf '%-8s %8s %9s %8s %7s\n' run "jackd%" "clients%" "total%" xruns >&2
sleep 1
measure idle

# amixd on JACK: 32 ports, one 32-channel chain.
BENCH_BACKEND=jack bench_amixd_start -n || exit 1
amctl -q "{\"cmd\":\"device_open\",\"channels\":$nch}" || exit 1
graph32 || exit 1
for ((k = 1; k <= nch; k++)); do
	wait_for jack_lsp -c "amixd:playback_$k" || exit 1
	jack_lsp -c "amixd:playback_$k" | grep -qx "[[:space:]]*system:playback_$k" || {
		echo "ch32.sh: amixd:playback_$k is not connected to system:playback_$k" >&2
		exit 1
	}
done
sleep 1
amctl stats >/dev/null		# start the stats interval
measure amixd "$BENCH_PID"
jst=$(amctl stats)
jq -c '{cpu_pct, cycle_us_p50, cycle_us_p99, cycle_us_max,
    xruns, cycles}' <<<"$jst" | sed 's/^/ch32.sh: amixd -b jack stats: /' >&2
bench_amixd_stop

# JACK's way: one jack_simple_client per channel pair.
for ((k = 0; k < npair; k++)); do
	bench_daemon "$BENCH_DIR/simple$k.log" jack_simple_client "ch32s$k"
	simple+=($!)
done
for ((k = 0; k < npair; k++)); do
	c=ch32s$k
	for o in 1 2; do
		wait_for eval "jack_lsp -c $c:output$o | grep -qx '[[:space:]]*system:playback_$o'" ||
		    exit 1
		p=$((2 * k + o))
		[ "$p" = "$o" ] && continue
		jack_disconnect "$c:output$o" "system:playback_$o" &&
		    jack_connect "$c:output$o" "system:playback_$p" || exit 1
	done
done
sleep 1
measure simple "${simple[@]}"
bench_jack_stop "${simple[@]}"
simple=()

# The engine alone: null backend, period 64, the same graph.
bench_amixd_start -n -p "$period" || exit 1
amctl -q "{\"cmd\":\"device_open\",\"channels\":$nch}" || exit 1
graph32 || exit 1
sleep 1
amctl stats >/dev/null
n0=$(cpu_ns "$BENCH_PID") t0=$(date +%s%N)
sleep "$secs"
n1=$(cpu_ns "$BENCH_PID") t1=$(date +%s%N)
nullst=$(amctl stats)
null_pct=$(ns_pct $((n1 - n0)) $((t1 - t0)))
null_eng=$(jq -r .cpu_pct <<<"$nullst")
bench_amixd_stop
printf '%-8s %8s %9s %8s %7s\n' null - "$null_pct" "$null_pct" \
    "$(jq -r .xruns <<<"$nullst")" >&2

read -r ij _ it ix <"$BENCH_DIR/row.idle"
read -r aj ac at ax <"$BENCH_DIR/row.amixd"
read -r sj sc st sx <"$BENCH_DIR/row.simple"
peer="jackd + $npair jack_simple_client"
figure ch32_total_cpu_pct "$at" "% of one core" "$peer" "$st" lower \
    "32 channels at period 64: jackd + amixd -b jack (one 32-channel tone -> gain -> device_sink, 32 ports) against jackd + $npair jack_simple_client, one per pair of the 32 playback ports; idle jackd $it %; $secs s"
figure ch32_amixd_jack_cpu_pct "$ac" "% of one core" \
    "$npair jack_simple_client (ch32_jack_clients_cpu_pct)" "$sc" lower \
    "the clients alone: amixd's process against the $npair clients' sum"
figure ch32_jackd_cpu_pct "$aj" "% of one core" \
    "jackd serving $npair jack_simple_client" "$sj" lower \
    "the server alone, serving amixd (32 ports) or the $npair clients; idle jackd $ij %"
figure ch32_jack_idle_jackd_cpu_pct "$ij" "% of one core" "" "" lower \
    "context: jackd -d dummy -p 64 -P 32 alone, same window"
figure ch32_amixd_null_cpu_pct "$null_pct" "% of one core" "" "" lower \
    "amixd -b null -p 64, the same 32-channel graph, no JACK: the engine's own cost (its cpu_pct: $null_eng %)"
figure ch32_xruns "$ax" "xruns in window" "$peer" "$sx" lower \
    "jackd's XRun reports; idle jackd had $ix in the same length of window; amixd's own count (stats xruns) $(jq -r .xruns <<<"$jst")"
