#!/usr/bin/env bats
# Files and channels through the graph (issue 16), against sox: a 5.1
# FLAC made with sox, each channel its own frequency, played through a
# file_source into a file_sink that follows it (six channels, each
# checked by a sine fit, WAVE mask 0x3F), and down-mixed to stereo by
# the link into a two-channel sink, each output checked tone by tone
# against amixd(7)'s 5.1 to stereo matrix (FC, RL, RR at g = -3.01 dB,
# LFE left out); a 16-channel WAV recorded channel by channel (mask 0);
# the file played at another rate, every channel converted.

load helpers

TONES=$AM_TOP/tests/tools/tones.py
F51="300 500 700 900 1100 1300"

setup_file() {
	local d=$BATS_FILE_TMPDIR f i
	# sox gives the n-th sine to the n-th channel: FL 300 Hz ... RR 1300.
	# shellcheck disable=SC2086
	sox -n -r 48000 -c 6 -b 24 "$d/f51.flac" synth 2 \
	    $(for f in $F51; do printf 'sine %s ' "$f"; done) gain -10
	sox "$d/f51.flac" -r 44100 "$d/f51_44.flac"
	# shellcheck disable=SC2046
	sox -n -r 48000 -c 16 -b 16 "$d/c16.wav" synth 2 \
	    $(for i in $(seq 0 15); do printf 'sine %s ' $((200 + 100 * i)); done) \
	    gain -10
}

# The dwChannelMask of WAVE file $1 as 0x%X, or "none"; with $2, set it.
wave_mask() {
	"$PY" "$AM_TOP/tests/tools/wavemask.py" "$@"
}

# chan_fit FILE CH: tones.py on channel CH (0-based) of FILE, the first
# and last 0.1 s left out, at the frequencies of the rest of the line.
chan_fit() {
	local f=$1 ch=$2 t=$BATS_TEST_TMPDIR/ch.wav
	shift 2
	sox "$f" "$t" remix $((ch + 1)) trim 0.1 1.8
	"$PY" "$TONES" "$t" "$@"
}

# render SRC SINK_ARGS SECONDS: SRC through a file_source into a float
# file_sink at $BATS_TEST_TMPDIR/out.wav with SINK_ARGS.
render() {
	local d=$BATS_TEST_TMPDIR
	cat >"$d/p.am" <<EOS
open rate=48000 period=128
s = create file_source path=$1
f = create file_sink path=$d/out.wav $2
connect \$s \$f
EOS
	run -0 amixd --render "$3" "$d/p.am"
}

@test "a 5.1 FLAC made with sox: six channels recorded, each its frequency and level, mask 0x3F" {
	local out ch f i
	render "$BATS_FILE_TMPDIR/f51.flac" "" 2
	assert_eq 6 "$(soxi -c "$BATS_TEST_TMPDIR/out.wav")" "channels"
	assert_eq 0x3F "$(wave_mask "$BATS_TEST_TMPDIR/out.wav")" "mask"
	ch=0
	for f in $F51; do
		out=$(sinefit "$BATS_TEST_TMPDIR/out.wav" "$ch" 0.1)
		assert_near "$f" "$(jget "$out" .freq)" 0.1 "frequency, ch $ch"
		assert_near -10 "$(jget "$out" .amp_db)" 0.05 "level, ch $ch"
		ch=$((ch + 1))
	done
	# Nothing leaks between channels: FL holds 300 Hz alone.
	# shellcheck disable=SC2086
	out=$(chan_fit "$BATS_TEST_TMPDIR/out.wav" 0 $F51)
	for i in 1 2 3 4 5; do
		assert_match '^-(9[0-9]|[1-9][0-9][0-9])' \
		    "$(jget "$out" ".amp_db[$i]")" "FL: tone $i absent"
	done
}

@test "5.1 down-mixed to stereo by the link, per channel as amixd(7)'s matrix says" {
	local out
	render "$BATS_FILE_TMPDIR/f51.flac" "channels=2" 2
	assert_eq 2 "$(soxi -c "$BATS_TEST_TMPDIR/out.wav")" "channels"
	# FL = FL + g FC + g RL; FR = FR + g FC + g RR; LFE left out.
	# shellcheck disable=SC2086
	out=$(chan_fit "$BATS_TEST_TMPDIR/out.wav" 0 $F51)
	assert_near -10 "$(jget "$out" '.amp_db[0]')" 0.05 "L: FL at 1"
	assert_near -13.01 "$(jget "$out" '.amp_db[2]')" 0.05 "L: FC at g"
	assert_near -13.01 "$(jget "$out" '.amp_db[4]')" 0.05 "L: RL at g"
	for i in 1 3 5; do
		assert_match '^-(9[0-9]|[1-9][0-9][0-9])' \
		    "$(jget "$out" ".amp_db[$i]")" "L: tone $i absent"
	done
	# shellcheck disable=SC2086
	out=$(chan_fit "$BATS_TEST_TMPDIR/out.wav" 1 $F51)
	assert_near -10 "$(jget "$out" '.amp_db[1]')" 0.05 "R: FR at 1"
	assert_near -13.01 "$(jget "$out" '.amp_db[2]')" 0.05 "R: FC at g"
	assert_near -13.01 "$(jget "$out" '.amp_db[5]')" 0.05 "R: RR at g"
	for i in 0 3 4; do
		assert_match '^-(9[0-9]|[1-9][0-9][0-9])' \
		    "$(jget "$out" ".amp_db[$i]")" "R: tone $i absent"
	done
}

@test "a 16-channel WAV recorded channel by channel, mask 0" {
	local out ch
	render "$BATS_FILE_TMPDIR/c16.wav" "" 2
	assert_eq 16 "$(soxi -c "$BATS_TEST_TMPDIR/out.wav")" "channels"
	assert_eq 0x0 "$(wave_mask "$BATS_TEST_TMPDIR/out.wav")" "mask"
	for ch in $(seq 0 15); do
		out=$(sinefit "$BATS_TEST_TMPDIR/out.wav" "$ch" 0.1)
		assert_near $((200 + 100 * ch)) "$(jget "$out" .freq)" 0.1 \
		    "frequency, ch $ch"
		assert_near -10 "$(jget "$out" .amp_db)" 0.05 "level, ch $ch"
	done
}

@test "a 5.1 FLAC at 44.1 kHz: all six channels converted to 48 kHz" {
	local out ch f
	render "$BATS_FILE_TMPDIR/f51_44.flac" "" 2
	assert_eq 6 "$(soxi -c "$BATS_TEST_TMPDIR/out.wav")" "channels"
	ch=0
	for f in $F51; do
		out=$(sinefit "$BATS_TEST_TMPDIR/out.wav" "$ch" 0.1)
		assert_near "$f" "$(jget "$out" .freq)" 0.1 "frequency, ch $ch"
		assert_near -10 "$(jget "$out" .amp_db)" 0.1 "level, ch $ch"
		ch=$((ch + 1))
	done
}
