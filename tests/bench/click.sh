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
# the write (a run whose clock restarted, after an xrun, is left out,
# as the reply read at its end does not time frames before the restart,
# and another is run in its place, up to RUNS more in all).
# Figures: medians over all the clicks of a buffer size of
# the measured latency, the reported delay and their difference (the
# error of snd_pcm_delay), in ms.
#
# The peer: the alsa-plugins jack PCM (behind plug) into jackd -S -d
# dummy -p 128, the same writer, the click found by clickjack.py, a JACK
# client (libjack through ctypes) on the PCM's ports that notes the JACK
# frame of the click and turns it into a time with jack_frames_to_time
# (the start of the period that holds it) plus system:playback_1's
# playback latency (0 frames with the dummy driver), JACK's clock
# (CLOCK_MONOTONIC_RAW) brought to CLOCK_MONOTONIC by their offset.
# amixd's time is when the frame is heard: its period starts one period
# (latency_frames) before.
#
# PipeWire: pipewire-alsa's PCM (its .deb unpacked under
# build/bench-cache, not installed) into the private PipeWire of
# pwlib.sh (null sink at quantum 128, no session manager: the stream is
# linked by bench_pw_link), the same writer, and the same clickjack.py
# as a JACK client of PipeWire through pipewire-jack's libjack.so.0
# (also unpacked from its .deb, never installed: it would stand in for
# jackd2's libjack), put first on clickjack.py's LD_LIBRARY_PATH only.
# It records the stream's output port, which feeds the sink's
# playback_FL in the same cycle, and times the click's frame with
# PipeWire's own jack_frames_to_time (the driver's cycle start,
# CLOCK_MONOTONIC) plus playback_FL's playback latency (0 frames for
# the null sink). pw-record of the sink's monitor, tried first, gives
# no time base for its frames.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pwlib.sh"
RUNS=${RUNS:-3}
CLICKS=${CLICKS:-5}
PLUG=$B/alsa/libasound_module_pcm_amixd.so
trap 'exit 143' TERM
trap 'bench_amixd_stop; bench_jack_stop; bench_pw_stop; rm -rf "$BENCH_DIR"' EXIT

[ -f "$PLUG" ] || { echo "click.sh: $PLUG is not built" >&2; exit 1; }
pw=yes
for t in pipewire pw-cli pw-link pw-dump; do
	command -v "$t" >/dev/null || pw="no $t"
done
[ "$pw" = yes ] && ! bench_pw_alsa_fetch && pw="no pipewire-alsa plugin"
[ "$pw" = yes ] && ! bench_pw_jack_fetch && pw="no pipewire-jack libjack"
cat >"$BENCH_DIR/asound.conf" <<EOF
pcm_type.amixd { lib "$PLUG" }
pcm.bench_amixd { type amixd }
pcm.bench_jack { type plug  slave.pcm { type jack
    playback_ports { 0 system:playback_1  1 system:playback_2 } } }
pcm_type.pipewire { lib "$PW_ALSA_PLUG" }
pcm.bench_pipewire { type pipewire }
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
py=(/usr/bin/python3 "$top/tests/bench/clickplay.py")

# one BUFFER_US: a run's clickplay find line on stdout, or nothing
one() {
	bench_amixd_start -p 128 -f "$BENCH_DIR/graph.am" || return 1
	timeout 30 "${py[@]}" play bench_amixd "$1" "$CLICKS" >"$BENCH_DIR/play.json" ||
	    { bench_amixd_stop; return 1; }
	amctl '{"cmd":"clock"}' >"$BENCH_DIR/clock.json"
	bench_amixd_stop
	"${py[@]}" find "$BENCH_DIR/rec.f32" "$BENCH_DIR/clock.json" "$BENCH_DIR/play.json"
}

# pw_one BUFFER_US: a PipeWire run's clickjack line on stdout, or
# nothing. bench_pw_link gives the stream its ports and links it, in the
# background: clickjack.py waits for both before its first click.
pw_one() {
	local lp
	bench_pw_link 1 "ALSA Playback" >/dev/null 2>>"$BENCH_DIR/pipewire.err" &
	lp=$!
	LD_LIBRARY_PATH=$PW_JACK_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
	    timeout 30 "${py_jack[@]}" bench_pipewire "$1" "$CLICKS" \
	    "$PW_SINK:playback_FL" 2>>"$BENCH_DIR/pipewire.err"
	kill "$lp" 2>/dev/null
	wait "$lp" 2>/dev/null
}

# runs NAME BUFFER_US: RUNS find lines into all.NAME.MS. A run left out
# (amixd's clock restarted) is made up by another, up to RUNS more
# tries in all; when none is kept, a line says so.
runs() {
	local ms=$(($2 / 1000)) r=0 counted=0 l
	: >"$BENCH_DIR/all.$1.$ms"
	while [ "$counted" -lt "$RUNS" ] && [ "$r" -lt $((2 * RUNS)) ]; do
		r=$((r + 1))
		case $1 in
		amixd) l=$(one "$2") ;;
		jack) l=$(timeout 30 "${py_jack[@]}" bench_jack "$2" "$CLICKS" \
		    2>>"$BENCH_DIR/jack.err") ;;
		pipewire) l=$(pw_one "$2") ;;
		esac
		# a run that failed is not tried again: the next would too
		if [ -z "$l" ]; then
			echo "click.sh: $1 ${ms} ms run $r failed" >&2
			counted=$((counted + 1))
			continue
		fi
		echo "click.sh: $1 ${ms} ms run $r: $l" >&2
		# amixd's clock restarted after its start (an xrun): the one
		# clock reply read at the end no longer times the frames
		# before the restart, so the run is left out.
		if [ "$(jq '.discontinuities // 1' <<<"$l")" -gt 1 ]; then
			echo "click.sh: $1 ${ms} ms run $r left out: the clock restarted" >&2
			echo "$ms" >>"$BENCH_DIR/restarted"
			continue
		fi
		echo "$l" >>"$BENCH_DIR/all.$1.$ms"
		counted=$((counted + 1))
	done
	[ -s "$BENCH_DIR/all.$1.$ms" ] ||
	    echo "click.sh: $1 ${ms} ms: no run kept of $r" >&2
}
py_jack=(/usr/bin/python3 "$top/tests/bench/clickjack.py")

runs amixd 100000
runs amixd 10000
if bench_jack_start 128; then
	runs jack 100000
	runs jack 10000
	echo "click.sh: jackd xruns: $(jack_xruns)" >&2
	bench_jack_stop
else
	echo "click.sh: jackd did not start: JACK not measured" >&2
fi

if [ "$pw" = yes ] && bench_pw_start; then
	runs pipewire 100000
	runs pipewire 10000
	bench_pw_stop
else
	[ "$pw" = yes ] && pw="pipewire did not start"
	echo "click.sh: $pw: PipeWire not measured" >&2
fi
for f in jack pipewire; do
	[ -s "$BENCH_DIR/$f.err" ] || continue
	echo "click.sh: $f said:" >&2
	sort "$BENCH_DIR/$f.err" | uniq -c | sort -rn | head -5 >&2
done

# med NAME MS JQ: median over all the clicks of NAME's runs
med() {
	[ -f "$BENCH_DIR/all.$1.$2" ] || return 0
	jq ".clicks[] | $3" "$BENCH_DIR/all.$1.$2" | median
}
# sum NAME MS JQ: JQ (a count of a run) summed over NAME's runs
sum() {
	[ -f "$BENCH_DIR/all.$1.$2" ] || return 0
	jq -s "[.[] | $3] | add // 0" "$BENCH_DIR/all.$1.$2"
}
J="the jack PCM (plug) into jackd -S -d dummy -p 128"
P="pipewire-alsa into pipewire (null sink, quantum 128)"
for ms in 100 10; do
	n=$(sum amixd $ms '.clicks | length')
	w=$(sum amixd $ms .written)
	e=$(sum amixd $ms .errors)
	x=$(grep -cx "$ms" "$BENCH_DIR/restarted" 2>/dev/null)
	for peer in jack pipewire; do
		[ $peer = jack ] && pn=$J || pn=$P
		pc=$(sum $peer $ms '.clicks | length')
		pe=$(sum $peer $ms .errors)
		figure "click_${peer}_measured_${ms}ms" "$(med amixd $ms .measured_ms)" ms \
		    "$pn" "$(med $peer $ms .measured_ms)" lower \
		    "snd_pcm_writei of a click to when its frame reaches the device mix, median of $n clicks found of $w written ($peer: ${pc:-0}), $RUNS runs (amixd's left out and tried again, its clock restarted by an xrun: ${x:-0}), ${ms} ms buffer kept full; writes that underran (-EPIPE, recovered): amixd $e, $peer ${pe:-none}"
		figure "click_${peer}_delay_${ms}ms" "$(med amixd $ms .delay_ms)" ms \
		    "$pn" "$(med $peer $ms .delay_ms)" "" \
		    "snd_pcm_delay right before the click's write, median of the same clicks"
		figure "click_${peer}_error_${ms}ms" "$(med amixd $ms '.measured_ms - .delay_ms')" ms \
		    "$pn" "$(med $peer $ms '.measured_ms - .delay_ms')" "" \
		    "measured latency minus reported delay, per click, median: 0 is a delay that is right (one period is 2.667 ms)"
	done
done
exit 0
