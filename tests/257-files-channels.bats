#!/usr/bin/env bats
# Files and channels (issue 16): file_source takes every channel of a
# file, 1 to 64, in the layout its WAVE mask names (65 refused clearly;
# odd masks handled); file_sink records the channels it is given, writes
# the layout as a WAVE_FORMAT_EXTENSIBLE mask, and refuses layouts it
# cannot write with a clear error. These run through offline renders
# (amixd --render) and a daemon's create_node. The per-channel checks
# of a 5.1 FLAC, the 5.1 to stereo down-mix and a 16-channel recording
# need the engine to carry channels between nodes; see 258.

load helpers

setup_file() {
	amixd_start
}

teardown_file() {
	amixd_stop
}

# The dwChannelMask of WAVE file $1 as 0x%X, or "none"; with $2, set it.
wave_mask() {
	"$PY" "$AM_TOP/tests/tools/wavemask.py" "$@"
}

# create_node of a TYPE with ARGS is refused with bad_request and a
# message matching RE; the graph is unchanged and the daemon answers.
bad_node() {
	local type=$1 re=$2 before out
	before=$(graph_shape)
	out=$(req "{\"cmd\":\"create_node\",\"type\":\"$type\",\"args\":$3}")
	assert_eq false "$(jget "$out" .ok)" "ok of $out"
	assert_eq bad_request "$(jget "$out" .error.code)" "code of $out"
	assert_match "$re" "$(jget "$out" .error.message)" "message"
	assert_eq "$before" "$(graph_shape)" "graph after $3"
}

@test "a 64-channel file is accepted and 65 refused, saying the range" {
	local d=$BATS_TEST_TMPDIR out id
	sox -n -r 8000 -c 64 -b 16 "$d/c64.wav" synth 0.1 sine 440
	sox -n -r 8000 -c 65 -b 16 "$d/c65.wav" synth 0.1 sine 440
	out=$(req "{\"cmd\":\"create_node\",\"type\":\"file_source\",\"args\":{\"path\":\"$d/c64.wav\"}}")
	assert_eq true "$(jget "$out" .ok)" "64 channels: $out"
	id=$(jget "$out" .id)
	bad_node file_source '65 channels \(1 to 64 are played\)' \
	    "{\"path\":\"$d/c65.wav\"}"
	out=$(req "{\"cmd\":\"destroy_node\",\"id\":$id}")
	assert_eq true "$(jget "$out" .ok)" "destroy: $out"
	amixd_alive
}

@test "bad layouts are refused at create_node with a clear error" {
	local d=$BATS_TEST_TMPDIR
	sox -n -r 48000 -c 6 -b 16 "$d/six.wav" synth 0.1 sine 440
	bad_node file_source 'layout: stereo has 2 channels, .* has 6' \
	    "{\"path\":\"$d/six.wav\",\"layout\":\"stereo\"}"
	bad_node file_source 'layout: .*FX' \
	    "{\"path\":\"$d/six.wav\",\"layout\":\"FL,FX\"}"
	bad_node file_sink 'layout: flac keeps 6 channels in one order only \(FL,FR,FC,LFE,RL,RR\)' \
	    "{\"path\":\"$d/x.flac\",\"layout\":\"FL,FR,FC,LFE,SL,SR\"}"
	bad_node file_sink 'flac holds at most 8 channels' \
	    "{\"path\":\"$d/y.flac\",\"channels\":16}"
	bad_node file_sink '"channels" says 2' \
	    "{\"path\":\"$d/z.wav\",\"channels\":2,\"layout\":\"5.1\"}"
	bad_node file_sink 'channels: ' \
	    "{\"path\":\"$d/z.wav\",\"channels\":65}"
	amixd_alive
}

@test "file_sink channels 6: the stereo mix on FL and FR, silence elsewhere, mask 0x3F" {
	local d=$BATS_TEST_TMPDIR out ch
	cat >"$d/p.am" <<EOS
open rate=48000 period=128
t = create tone freq=1000 db=-6
f = create file_sink path=$d/six.wav channels=6
connect \$t \$f
EOS
	run -0 amixd --render 1 "$d/p.am"
	assert_eq 6 "$(soxi -c "$d/six.wav")" "channels"
	assert_eq 48000 "$(soxi -s "$d/six.wav")" "frames"
	assert_eq 0x3F "$(wave_mask "$d/six.wav")" "mask"
	for ch in 0 1; do
		out=$(sinefit "$d/six.wav" "$ch")
		assert_near 1000 "$(jget "$out" .freq)" 0.1 "frequency, ch $ch"
		assert_near -6 "$(jget "$out" .amp_db)" 0.05 "level, ch $ch"
	done
	for ch in 3 4 5 6; do
		out=$(sox "$d/six.wav" -n remix "$ch" stat 2>&1 |
		    awk '/Maximum amplitude/ {print $3}')
		assert_eq 0.000000 "$out" "channel $ch silent"
	done
}

@test "file_sink layout 5.1 with side surrounds writes mask 0x60F, stereo stays 0x3" {
	local d=$BATS_TEST_TMPDIR
	cat >"$d/p.am" <<EOS
open rate=48000 period=128
t = create tone freq=1000 db=-6
f = create file_sink path=$d/side.wav layout="FL,FR,FC,LFE,SL,SR"
g = create file_sink path=$d/two.wav
connect \$t \$f
connect \$t \$g
EOS
	run -0 amixd --render 0.5 "$d/p.am"
	assert_eq 6 "$(soxi -c "$d/side.wav")" "channels"
	assert_eq 0x60F "$(wave_mask "$d/side.wav")" "5.1 side mask"
	assert_eq 2 "$(soxi -c "$d/two.wav")" "stereo channels"
	assert_eq 0x3 "$(wave_mask "$d/two.wav")" "stereo mask"
}

@test "a WAV whose mask has only reserved bits, or more bits than channels, plays" {
	local d=$BATS_TEST_TMPDIR out ch mask
	# A file sink writes WAVE_FORMAT_EXTENSIBLE: the mask is there.
	cat >"$d/m.am" <<EOS
open rate=48000 period=128
t = create tone freq=1000 db=-6
f = create file_sink path=$d/t.wav
connect \$t \$f
EOS
	run -0 amixd --render 1 "$d/m.am"
	for mask in 0x80000000 0x63F 0x0; do
		cp "$d/t.wav" "$d/x.wav"
		wave_mask "$d/x.wav" "$mask" >/dev/null
		assert_eq "$(printf '0x%X' "$mask")" "$(wave_mask "$d/x.wav")" \
		    "mask set"
		cat >"$d/p.am" <<EOS
open rate=48000 period=128
s = create file_source path=$d/x.wav
f = create file_sink path=$d/o.wav
connect \$s \$f
EOS
		run -0 amixd --render 1 "$d/p.am"
		for ch in 0 1; do
			out=$(sinefit "$d/o.wav" "$ch")
			assert_near 1000 "$(jget "$out" .freq)" 0.1 \
			    "mask $mask: frequency, ch $ch"
			assert_near -6 "$(jget "$out" .amp_db)" 0.05 \
			    "mask $mask: level, ch $ch"
		done
	done
}
