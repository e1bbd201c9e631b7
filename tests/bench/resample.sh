#!/bin/bash
# SPDX-License-Identifier: MIT
# The resampler, per quality (best, medium, fast, linear): a 1 kHz sine
# at -6 dBFS made at 44.1 kHz and converted to 48 kHz into a 32-bit float
# WAV, offline:
#   amixd  amixd --render: tone -> resample rate=44100 quality=Q -> file_sink
#   sox    sox -n: synth sine 1000 at 44.1 kHz, vol -6dB, rate (default
#          quality, -h) to 48 kHz, the same chain in one process
# SNR is -resid_db of tests/tools/sinefit.py on 1 s from the middle of a
# 2 s render (the first and last 0.5 s dropped: sox's output ends with
# its filter's tail), each file's floats read as written: sox (trim or
# decode) would put amixd's on the grid of 2^-24 that sox writes floats
# on, a floor of 146 dB at -6 dBFS that cost amixd's fast 1 dB and hid
# what best and medium do. sox's own output is on that grid (its float
# writer: samples are 32-bit integers inside sox), which its figure
# keeps: 138.6 dB, where a 32-bit integer WAV of the same run gives
# 139.1. Speed is output frames per
# second of wall time for a SECS-second render, file writing included,
# median of RUNS.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
SECS=${SECS:-30}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
trap 'exit 143' TERM
trap 'rm -rf "$BENCH_DIR"' EXIT

graph() {	# graph QUALITY FILE
	echo "open rate=48000"
	echo "t = create tone freq=1000 db=-6"
	echo "r = create resample rate=44100 quality=$1"
	echo "f = create file_sink path=$2"
	echo 'connect $t $r'
	echo 'connect $r $f'
}

snr() {		# snr FILE: -resid_db of 1 s from the middle
	"$PY" "$top/tests/tools/sinefit.py" "$1" 0 0.5 1 | jq '-.resid_db'
}

# mfps CMD...: run it, print output Mframes per second of wall time
mfps() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1 || return 1
	e=$(date +%s%N)
	awk -v ns=$((e - s)) -v f=$((48000 * SECS)) \
	    'BEGIN { printf "%.3f\n", f / (ns / 1e9) / 1e6 }'
}

soxrate() {	# soxrate SECONDS FILE
	sox -r 44100 -c 2 -n -e floating-point -b 32 "$2" \
	    synth "$1" sine 1000 vol -6dB rate 48000
}

# The 1-minute load average: wall-time speeds mean little when other
# work shares the cores.
figure resample_loadavg_before "$(cut -d' ' -f1 /proc/loadavg)" "1-min load"
soxrate 2 "$BENCH_DIR/sox3.wav" 2>/dev/null
sox_snr=$(snr "$BENCH_DIR/sox3.wav")
for r in $(seq "$RUNS"); do
	mfps soxrate "$SECS" "$BENCH_DIR/sox.wav"
done | median >"$BENCH_DIR/soxspeed"
sox_speed=$(cat "$BENCH_DIR/soxspeed")

for q in best medium fast linear; do
	graph "$q" "$BENCH_DIR/$q.3.wav" >"$BENCH_DIR/$q.3.am"
	amixd --render 2 "$BENCH_DIR/$q.3.am" >/dev/null 2>&1
	s=$(snr "$BENCH_DIR/$q.3.wav")
	graph "$q" "$BENCH_DIR/$q.wav" >"$BENCH_DIR/$q.am"
	for r in $(seq "$RUNS"); do
		mfps amixd --render "$SECS" "$BENCH_DIR/$q.am"
	done | median >"$BENCH_DIR/$q.speed"
	figure "resample_${q}_snr_db" "$s" dB "sox rate (default -h)" \
	    "$sox_snr" higher \
	    "1 kHz sine 44.1 -> 48 kHz, -resid_db of a sine fit"
	figure "resample_${q}_speed_mfps" "$(cat "$BENCH_DIR/$q.speed")" \
	    "M frames/s" "sox rate (default -h)" "$sox_speed" higher \
	    "$SECS s rendered (synth + convert + write f32 WAV), median of $RUNS"
done

figure resample_loadavg_after "$(cut -d' ' -f1 /proc/loadavg)" "1-min load"

# The engines side by side (srcbench): libsamplerate, libsoxr and
# speexdsp on the same signals, speed in CPU time of one thread, and
# amixd's converter as the real-time thread (amixd_rt) and a file
# source's decoder (amixd_file) run it ("holds": how far it reads
# ahead). The peer is sox's default quality, rate -h, in libsoxr: the
# 20-bit filter (soxr HQ) computed in double as sox's own rate effect
# computes it (HQ_DP; soxr computes HQ in floats, 5 dB worse).
srcbench 44100 48000 "$SECS" >"$BENCH_DIR/engines.json" || exit 1
peer_speed=$(jq -r 'select(.lib == "soxr" and .setting == "HQ_DP") | .mfps' \
    "$BENCH_DIR/engines.json")
peer_snr=$(jq -r 'select(.lib == "soxr" and .setting == "HQ_DP") | .snr_db' \
    "$BENCH_DIR/engines.json")
jq -r '"\(.lib)_\(.setting) \(.mfps) \(.snr_db) \(.hf_snr_db) \(.pass_db) \(.held_ms)"' \
    "$BENCH_DIR/engines.json" | while read -r what mfps snr hf pass held; do
	figure "engine_${what}_mfps" "$mfps" "M frames/s CPU" \
	    "soxr HQ_DP (sox rate -h)" "$peer_speed" higher \
	    "44.1 -> 48 kHz stereo, 1024-frame blocks"
	figure "engine_${what}_snr_db" "$snr" dB "soxr HQ_DP (sox rate -h)" \
	    "$peer_snr" higher "1 kHz sine; 0.4 fs: $hf dB; 0.45 fs gain $pass dB; holds $held ms"
done
