#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Sample formats end to end (lib/afmt.c; amixd(7) SAMPLE FORMATS): every
# 16-bit value, and 24-bit ones, through a file (file_source -> file_sink)
# and an app ring (amcat -f s16 -> file_sink s16) come out bit-identical;
# a processed signal (-6.02 dB) is dithered at the level theory gives;
# a float file keeps what is beyond full scale and counts it in
# "clipped". The ALSA device edge is tested in 300-backend-alsa.bats.

load helpers

BITSAME=("$PY" "$AM_TOP/tests/tools/bitsame.py")

setup_file() {
	local d=$BATS_FILE_TMPDIR
	"${BITSAME[@]}" --make 16 "$d/all16.wav"
	"${BITSAME[@]}" --make 24 "$d/some24.wav"
	sox "$d/all16.wav" -t s16 "$d/all16.raw"
	amixd_start
}

teardown_file() {
	amixd_stop
}

# render SECONDS SCRIPT-LINES...: an offline render of the lines.
render() {
	local s=$BATS_TEST_TMPDIR/render.am secs=$1
	shift
	printf '%s\n' "$@" >"$s"
	amixd --render "$secs" "$s"
}

@test "every 16-bit value, and 24-bit ones, through file_source and file_sink are bit-identical" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR out
	render 2 "s = create file_source path=$d/all16.wav" \
	    "f = create file_sink path=$t/out16.wav sample=s16" \
	    'connect $s $f'
	out=$("${BITSAME[@]}" "$t/out16.wav" "$d/all16.wav")
	assert_eq true "$(jget "$out" .equal)" "s16 -> f32 -> s16 ($out)"
	assert_eq 65536 "$(jget "$out" .frames)" "frames"
	assert_eq 0 "$(jget "$out" .outside)" "silence after it"
	render 2 "s = create file_source path=$d/some24.wav" \
	    "f = create file_sink path=$t/out24.wav sample=s24" \
	    'connect $s $f'
	out=$("${BITSAME[@]}" "$t/out24.wav" "$d/some24.wav")
	assert_eq true "$(jget "$out" .equal)" "s24 -> f32 -> s24 ($out)"
	# At 0 dB through a gain node too: exact samples are not dithered.
	render 2 "s = create file_source path=$d/all16.wav" \
	    "g = create gain db=0" \
	    "f = create file_sink path=$t/gain0.wav sample=s16" \
	    'connect $s $g' 'connect $g $f'
	out=$("${BITSAME[@]}" "$t/gain0.wav" "$d/all16.wav")
	assert_eq true "$(jget "$out" .equal)" "through gain db=0 ($out)"
}

@test "processed 16-bit output is dithered: -6.02 dB has 1/2 LSB RMS error, at most 1.5 LSB" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR out g
	render 2 "s = create file_source path=$d/all16.wav" \
	    "g = create gain db=-6.02" \
	    "f = create file_sink path=$t/g.wav sample=s16" \
	    'connect $s $g' 'connect $g $f'
	g=$(awk 'BEGIN { printf "%.9f", 10 ^ (-6.02 / 20) }')
	out=$("${BITSAME[@]}" --gain "$g" "$t/g.wav" "$d/all16.wav")
	# TPDF (1/6 LSB^2) plus rounding (1/12): 0.5 LSB RMS; undithered
	# rounding alone would give 0.289.
	assert_near 0.5 "$(jget "$out" .rms_err)" 0.02 "error RMS (LSB) ($out)"
	[ "$(jget "$out" '.max_err < 1.5')" = true ] ||
	    flunk "max error $(jget "$out" .max_err) LSB"
	# The same render twice: the same dither.
	render 2 "s = create file_source path=$d/all16.wav" \
	    "g = create gain db=-6.02" \
	    "f = create file_sink path=$t/g2.wav sample=s16" \
	    'connect $s $g' 'connect $g $f'
	cmp "$t/g.wav" "$t/g2.wav" || flunk "two renders dithered differently"
}

@test "an s16 stream through an app ring (amcat -f s16) is recorded bit-identical by an s16 file_sink" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR fs out
	req '{"cmd":"start"}' >/dev/null
	fs=$(jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$t/ring.wav\",\"sample\":\"s16\"}}")" .id)
	run -0 amcat -f s16 -c 2 --to "$fs" "$d/all16.raw"
	run -0 req '{"cmd":"stats"}'
	assert_eq 0 "$(jget "$output" "[.nodes[] | select(.type == \"app_source\")] | length")" \
	    "the app_source is gone with amcat"
	req "{\"cmd\":\"destroy_node\",\"id\":$fs}" >/dev/null
	out=$("${BITSAME[@]}" "$t/ring.wav" "$d/all16.raw:s16:2")
	assert_eq true "$(jget "$out" .equal)" "through the ring ($out)"
	assert_eq 0 "$(jget "$out" .outside)" "silence around it"
}

@test "+6 dB into a float file_sink is kept beyond full scale and counted in clipped" {
	local t=$BATS_TEST_TMPDIR tone gain fs frames clipped peak overs
	# Built while stopped, so the sink sees the tone from its first frame.
	req '{"cmd":"stop"}' >/dev/null
	tone=$(jget "$(req '{"cmd":"create_node","type":"tone","args":{"freq":1000,"db":0}}')" .id)
	gain=$(jget "$(req '{"cmd":"create_node","type":"gain","args":{"db":6.0206}}')" .id)
	fs=$(jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$t/over.raw\"}}")" .id)
	req "{\"cmd\":\"connect\",\"from\":$tone,\"to\":$gain}" >/dev/null
	req "{\"cmd\":\"connect\",\"from\":$gain,\"to\":$fs}" >/dev/null
	req '{"cmd":"start"}' >/dev/null
	wait_until 10 node_frames_above "$fs" 24000
	req '{"cmd":"stop"}' >/dev/null
	run -0 req '{"cmd":"stats"}'
	frames=$(jget "$output" ".nodes[] | select(.id == $fs) | .frames")
	clipped=$(jget "$output" ".nodes[] | select(.id == $fs) | .clipped")
	assert_eq 0 "$(jget "$output" ".nodes[] | select(.id == $tone) | .clipped")" \
	    "a tone counts nothing"
	req "{\"cmd\":\"destroy_node\",\"id\":$fs}" >/dev/null
	req "{\"cmd\":\"destroy_node\",\"id\":$gain}" >/dev/null
	req "{\"cmd\":\"destroy_node\",\"id\":$tone}" >/dev/null
	# 1 kHz at 48 kHz, peak 2: 15 of every 24 samples are beyond 1
	# (2 sin(30 deg) is exactly 1: full scale, not an over).
	assert_near 0.625 "$(awk -v c="$clipped" -v f="$frames" \
	    'BEGIN { printf "%.4f", c / (2 * f) }')" 0.002 \
	    "clipped per sample ($clipped of $frames frames)"
	read -r peak overs < <("$PY" -c 'import sys, numpy as np
x = np.abs(np.fromfile(sys.argv[1], "<f4"))
print("%.3f %d" % (x.max(), np.count_nonzero(x > 1)))' "$t/over.raw")
	assert_eq "$clipped" "$overs" "clipped counts every over in the file"
	assert_near 2.0 "$peak" 0.01 "the float file keeps the overs"
}
