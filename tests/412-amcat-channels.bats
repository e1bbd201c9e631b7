#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# amcat and files with many channels, end to end (issue 16), against
# tools nobody here wrote where they exist: an 8-channel stream from
# amtone --spread on a pipe into amcat -c 8, through its app_source
# into a file_sink that records its input's channels (8, WAVEX 7.1,
# bit for bit, each channel its own frequency and nothing else); and
# the other way, a 5.1 FLAC made with sox played by a file_source into
# amcat --record -c 6 (WAVEX 5.1, each channel fitted); the README's
# 5.1 film through the default graph, run verbatim. 410 holds the 5.1
# stream recorded as stereo (the down-mix).

load helpers
load apphelpers

setup_file() {
	amixd_start
	req '{"cmd":"start"}' >/dev/null
}

teardown_file() {
	amixd_stop
}

# chfit FILE FREQ...: tests/tools/chfit.py (amplitude of each FREQ in
# each channel, JSON).
chfit() {
	"$PY" "$AM_TOP/tests/tools/chfit.py" "$@"
}

# diagonal JSON N A WHAT: chfit's JSON holds N channels, channel k has
# FREQ k at amplitude A (±1e-3) and every other FREQ below 1e-4 (-80
# dB): no channel lost, swapped or leaking into another.
diagonal() {
	local k j want
	assert_eq "$2" "$(jq .channels <<<"$1")" "$4: channels"
	for ((k = 0; k < $2; k++)); do
		for ((j = 0; j < $2; j++)); do
			want=0
			[ "$j" != "$k" ] || want=$3
			assert_near "$want" "$(jq ".amp[$k][$j]" <<<"$1")" \
			    "$([ "$j" = "$k" ] && echo 1e-3 || echo 1e-4)" \
			    "$4: channel $k, tone $j"
		done
	done
}

has_eof() {
	grep -q '"eof"' "$1"
}

@test "amtone -c 8 --spread | amcat -c 8 into a file_sink: 8 channels, WAVEX 7.1, bit for bit, each its tone" {
	local d=$BATS_TEST_TMPDIR fs out
	# -12 dBFS: A = 0.251189
	amtone -c 8 -f 200 --spread 100 --db -12 -d 1 -t wav >"$d/ref.wav"
	fs=$(file_sink "$d/out.wav")
	run -0 bash -c "amtone -c 8 -f 200 --spread 100 --db -12 -d 1 -F f32 |
	    amcat -c 8 --to $fs"
	wait_until 10 no_app_nodes
	destroy_wait "$fs" "$d/out.wav"
	assert_eq "0xfffe 8 0x63f" "$(wavex "$d/out.wav")" "the file_sink: WAVEX, 7.1"
	assert_eq 8 "$(soxi -c "$d/out.wav")" "soxi: 8 channels"
	out=$(seg same "$d/out.wav" "$d/ref.wav")
	assert_eq true "$(jget "$out" .equal)" "the stream, bit for bit: $out"
	assert_eq 0 "$(jget "$out" .outside)" "nothing else in the file"
	seg trim "$d/out.wav" "$d/out.trim.wav"
	out=$(chfit "$d/out.trim.wav" 200 300 400 500 600 700 800 900)
	diagonal "$out" 8 0.251189 "7.1"
	# and each a clean sine by itself, at its frequency
	assert_eq 8 "$(fits_spread "$d/out.wav" 200 100)" "channels with a tone"
}

@test "a 5.1 FLAC made with sox, through a file_source into amcat --record -c 6: WAVEX 5.1, each channel fitted" {
	local d=$BATS_TEST_TMPDIR src pid ev out f args=
	# sox gives the n-th sine to the n-th channel: FL 300 Hz ... RR 1300
	for f in 300 500 700 900 1100 1300; do
		args="$args sine $f"
	done
	# shellcheck disable=SC2086
	sox -n -r 48000 -c 6 -b 24 "$d/f51.flac" synth 2 $args gain -10
	# Stopped, so that the recorder is in place before the first frame.
	req '{"cmd":"stop"}' >/dev/null
	src=$(jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_source\",\"args\":{\"path\":\"$d/f51.flac\"}}")" .id)
	[ "$(req '{"cmd":"list"}' | jq ".nodes[] | select(.id == $src) | .channels")" = 6 ] ||
	    flunk "the file_source has not 6 channels" "$(req '{"cmd":"list"}')"
	amctl '{"cmd":"subscribe","events":["node"]}' >"$d/ev" 3>&- &
	ev=$!
	timeout 60 amcat --record -c 6 --from "$src" -d 2.5 >"$d/r6.wav" 3>&- &
	pid=$!
	wait_until 20 count_type_is app_sink 1
	req '{"cmd":"start"}' >/dev/null
	wait "$pid" || flunk "amcat --record failed"
	wait_until 10 has_eof "$d/ev"
	kill "$ev"
	wait "$ev" 2>/dev/null || true
	destroy "$src"
	assert_eq "0xfffe 6 0x3f" "$(wavex "$d/r6.wav")" "the recording: WAVEX, 5.1"
	seg trim "$d/r6.wav" "$d/r6.trim.wav"
	# the whole file, give or take the periods the FLAC's first and
	# last samples (zero: a sine's phase 0) take to show
	assert_near 2 "$(soxi -D "$d/r6.trim.wav")" 0.01 "seconds of sound"
	out=$(chfit "$d/r6.trim.wav" 300 500 700 900 1100 1300)
	# -10 dB, quantised to 24 bits
	diagonal "$out" 6 0.316228 "5.1"
	wait_until 5 no_app_nodes
}

@test "README: a 5.1 film through the default graph, run verbatim: six.wav keeps the six channels" {
	local d=$BATS_TEST_TMPDIR out f args=
	awk '/^A 5.1 film track plays/ { s = 1 } s && /^```sh/ { f = 1; next }
	    f && /^```/ { exit } f' "$AM_TOP/README.md" >"$d/film.sh"
	grep -q '^amcat film-5.1.flac' "$d/film.sh" ||
	    flunk "README: no film block"
	# A daemon of its own with the shipped default graph (master -> out).
	AMIXD_DIR=$d/daemon amixd_start -f "$AM_TOP/amixd/default.am"
	# The film: FL 300 Hz ... RR 1300 Hz, 4 s
	for f in 300 500 700 900 1100 1300; do
		args="$args sine $f"
	done
	# shellcheck disable=SC2086
	sox -n -r 48000 -c 6 -b 24 "$d/film-5.1.flac" synth 4 $args gain -10
	echo 'wait "$!"' >>"$d/film.sh"
	(cd "$d" && closed timeout 60 bash -e film.sh) ||
	    flunk "the README block failed"
	AMIXD_DIR=$d/daemon amixd_stop
	assert_eq "0xfffe 6 0x3f" "$(wavex "$d/six.wav")" "six.wav: WAVEX, 5.1"
	seg trim "$d/six.wav" "$d/six.trim.wav"
	out=$(chfit "$d/six.trim.wav" 300 500 700 900 1100 1300)
	# each channel its own tone alone (an xrun of this loaded machine
	# may cut a buffer: ±0.01 where a tone is)
	local k j want
	for k in 0 1 2 3 4 5; do
		for j in 0 1 2 3 4 5; do
			want=0
			[ "$j" != "$k" ] || want=0.316228
			assert_near "$want" "$(jq ".amp[$k][$j]" <<<"$out")" 0.01 \
			    "channel $k, tone $j"
		done
	done
}
