#!/bin/bash
# SPDX-License-Identifier: MIT
# Latency from snd_pcm_writei to the device (issue 14, "Measured"): the
# delay the amixd ALSA plugin reports against a click timed in a
# recording of the device mix. For a 100 ms and a 10 ms buffer, RUNS
# times (default 3), a fresh amixd -b null -p 128 whose graph is built
# before the engine starts: mixer "master" into device_sink "out" and
# into a file_sink (raw float), so the file's frame 0 is engine frame 0.
# clickplay.py plays silence through the plugin (the default target,
# master), and CLICKS times (default 5) writes a block that starts with
# one full-scale frame, noting CLOCK_MONOTONIC and snd_pcm_delay right
# before that snd_pcm_writei. Then amixd's {"cmd":"clock"} (engine frame
# <-> CLOCK_MONOTONIC, when it is heard) turns the click's frame in the
# recording into a time: measured latency = that time minus the time of
# the write. Figures: medians over all the clicks of a buffer size of
# the measured latency, the reported delay and their difference (the
# error of snd_pcm_delay), in ms.
#
# Peers: not measured. The jack PCM would need a JACK client that
# timestamps the click's frame (python3-jack-client is not installed
# here, jack_rec gives no frame time) and PipeWire's pw-record of the
# monitor no time base for its first frame; their figures are null.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
CLICKS=${CLICKS:-5}
PLUG=$B/alsa/libasound_module_pcm_amixd.so
trap 'exit 143' TERM
trap 'bench_amixd_stop; rm -rf "$BENCH_DIR"' EXIT

[ -f "$PLUG" ] || { echo "click.sh: $PLUG is not built" >&2; exit 1; }
cat >"$BENCH_DIR/asound.conf" <<EOF
pcm_type.amixd { lib "$PLUG" }
pcm.bench_amixd { type amixd }
EOF
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$BENCH_DIR/asound.conf
cat >"$BENCH_DIR/graph.am" <<EOF
create mixer name=master
create device_sink name=out
create file_sink name=rec path=$BENCH_DIR/rec.f32 format=raw sample=f32
connect master out
connect master rec
start
EOF
py="/usr/bin/python3 $top/tests/bench/clickplay.py"

# one BUFFER_US: a run's clickplay find line on stdout, or nothing
one() {
	bench_amixd_start -p 128 -f "$BENCH_DIR/graph.am" || return 1
	timeout 30 $py play bench_amixd "$1" "$CLICKS" >"$BENCH_DIR/play.json" ||
	    { bench_amixd_stop; return 1; }
	amctl '{"cmd":"clock"}' >"$BENCH_DIR/clock.json"
	bench_amixd_stop
	$py find "$BENCH_DIR/rec.f32" "$BENCH_DIR/clock.json" "$BENCH_DIR/play.json"
}

for buf in 100000 10000; do
	ms=$((buf / 1000))
	: >"$BENCH_DIR/all.$ms"
	for r in $(seq "$RUNS"); do
		l=$(one "$buf") || { echo "click.sh: ${ms} ms run $r failed" >&2; continue; }
		echo "click.sh: ${ms} ms run $r: $l" >&2
		echo "$l" >>"$BENCH_DIR/all.$ms"
	done
	m=$(jq '.clicks[].measured_ms' "$BENCH_DIR/all.$ms" | median)
	d=$(jq '.clicks[].delay_ms' "$BENCH_DIR/all.$ms" | median)
	e=$(jq '.clicks[] | .measured_ms - .delay_ms' "$BENCH_DIR/all.$ms" | median)
	n=$(jq -s '[.[].clicks | length] | add // 0' "$BENCH_DIR/all.$ms")
	w=$(jq -s '[.[].written] | add // 0' "$BENCH_DIR/all.$ms")
	J="aplay-like writer through the jack PCM into jackd -S -d dummy -p 128 (not measured: no time base for its recording here)"
	figure "click_measured_${ms}ms" "$m" ms "$J" "" lower \
	    "snd_pcm_writei of a click to when its frame is heard (amixd clock), median of $n clicks found of $w written, $RUNS runs, ${ms} ms buffer kept full"
	figure "click_delay_${ms}ms" "$d" ms "$J" "" "" \
	    "snd_pcm_delay right before the click's write, median of the same clicks"
	figure "click_error_${ms}ms" "$e" ms "" "" "" \
	    "measured latency minus reported delay, per click, median (0 is a delay that is right; one period is 2.667 ms)"
done
exit 0
