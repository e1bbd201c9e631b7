#!/usr/bin/env bats
# Channels in the graph (issue 16): multichannel tones, link conversion
# by the documented matrices (amixd(7) CHANNELS AND LAYOUTS), the
# channel_map node, refusals that leave the graph unchanged, and what
# list shows. Each source channel plays its own frequency (tone
# "spread"), so tests/tools/chfit.py, fitting every frequency in every
# output channel, reads the matrix a render applied.

load helpers

setup_file() {
	amixd_start
}

teardown_file() {
	amixd_stop
}

# chfit FILE FREQ...: the JSON of tests/tools/chfit.py.
chfit() {
	"$PY" "$AM_TOP/tests/tools/chfit.py" "$@"
}

# amp JSON CH K: the fitted amplitude of frequency K in channel CH.
amp() {
	jq -r ".amp[$2][$3]" <<<"$1"
}

# render SECONDS SCRIPT-LINES...: an offline render of a script that
# opens the device at 48 kHz, in BATS_TEST_TMPDIR.
render() {
	local s=$1 f=$BATS_TEST_TMPDIR/g.am
	shift
	printf '%s\n' "open rate=48000 period=128" "$@" >"$f"
	run -0 amixd --render "$s" "$f"
}

# A 5.1 tone at -10 dBFS, channel k at 500 + 500 k Hz: FL 500, FR 1000,
# FC 1500, LFE 2000, RL 2500, RR 3000.
T51="t = create tone channels=6 freq=500 spread=500 db=-10"
A=0.316228	# 10^(-10/20)
H=0.223607	# A / sqrt(2): -3 dB

@test "5.1 into a stereo sink: the BS.775 down-mix, LFE left out" {
	local d=$BATS_TEST_TMPDIR out
	render 1 "$T51" "f = create file_sink path=$d/dm.wav channels=2" 'connect $t $f'
	out=$(chfit "$d/dm.wav" 500 1000 1500 2000 2500 3000)
	assert_eq 2 "$(jq .channels <<<"$out")" "a stereo file"
	# L = FL + FC/sqrt2 + RL/sqrt2; R = FR + FC/sqrt2 + RR/sqrt2
	local want_l=($A 0 $H 0 $H 0) want_r=(0 $A $H 0 0 $H) k
	for k in 0 1 2 3 4 5; do
		assert_near "${want_l[$k]}" "$(amp "$out" 0 $k)" 1e-4 \
		    "L: amplitude of source channel $k"
		assert_near "${want_r[$k]}" "$(amp "$out" 1 $k)" 1e-4 \
		    "R: amplitude of source channel $k"
	done
	# Nothing else in it: the fit explains the signal.
	assert_near -300 "$(jq '.resid_db | max' <<<"$out")" 200 "residual"
}

@test "a 6-channel resample domain: the same down-mix after conversion" {
	local d=$BATS_TEST_TMPDIR out k
	# The tone runs at 44.1 kHz in the domain, 6 channels converted.
	render 2 "$T51" 'r = create resample rate=44100 channels=6' \
	    "f = create file_sink path=$d/rs.wav channels=2" 'connect $t $r' \
	    'connect $r $f'
	sox "$d/rs.wav" "$d/rs1.wav" trim 0.5
	out=$(chfit "$d/rs1.wav" 500 1000 1500 2000 2500 3000)
	local want_l=($A 0 $H 0 $H 0) want_r=(0 $A $H 0 0 $H)
	for k in 0 1 2 3 4 5; do
		assert_near "${want_l[$k]}" "$(amp "$out" 0 $k)" 1e-3 \
		    "L: amplitude of source channel $k"
		assert_near "${want_r[$k]}" "$(amp "$out" 1 $k)" 1e-3 \
		    "R: amplitude of source channel $k"
	done
	# A stereo resample converts the 5.1 into it by rule instead.
	render 1 "$T51" 'r = create resample rate=44100' \
	    "f = create file_sink path=$d/rs2.wav" 'connect $t $r' \
	    'connect $r $f'
	assert_eq 2 "$(soxi -c "$d/rs2.wav")" "stereo"
}

@test "a refusal names the channel_map for 64 channels in full" {
	local t s out
	t=$(req '{"cmd":"create_node","type":"tone","args":{"channels":64}}' | jq .id)
	s=$(req '{"cmd":"create_node","type":"device_sink"}' | jq .id)
	out=$(req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$s}")
	assert_eq false "$(jget "$out" .ok)" "64 AUX into the stereo device"
	assert_match '"channel_map".*\]\}$' "$(jget "$out" .error.message)" \
	    "the suggested node, whole"
	req "{\"cmd\":\"destroy_node\",\"id\":$t}" >/dev/null
	req "{\"cmd\":\"destroy_node\",\"id\":$s}" >/dev/null
}

@test "channel_map: [1,0] swaps a pair; names pick from a 5.1 input" {
	local d=$BATS_TEST_TMPDIR out
	render 1 "t = create tone freq=500 spread=500 db=-10" \
	    'm = create channel_map map=[1,0]' \
	    "f = create file_sink path=$d/swap.wav" 'connect $t $m' \
	    'connect $m $f'
	out=$(chfit "$d/swap.wav" 500 1000)
	assert_near $A "$(amp "$out" 0 1)" 1e-4 "left is the right (1 kHz)"
	assert_near $A "$(amp "$out" 1 0)" 1e-4 "right is the left (500 Hz)"
	assert_near 0 "$(amp "$out" 0 0)" 1e-4 "nothing of 500 Hz left"
	render 1 "$T51" "m = create channel_map map='[\"LFE\",\"RR\"]'" \
	    "f = create file_sink path=$d/pick.wav" 'connect $t $m' \
	    'connect $m $f'
	out=$(chfit "$d/pick.wav" 500 1000 1500 2000 2500 3000)
	assert_near $A "$(amp "$out" 0 3)" 1e-4 "LFE (2 kHz) on the left"
	assert_near $A "$(amp "$out" 1 5)" 1e-4 "RR (3 kHz) on the right"
	assert_near 0 "$(jq '[.amp[0][0,1,2,4,5], .amp[1][0,1,2,3,4]] | max' \
	    <<<"$out")" 1e-4 "nothing else"
}

@test "channel_map: a matrix of gains, and a layout relabel" {
	local d=$BATS_TEST_TMPDIR out
	# out 0 = FL/2 + FC; out 1 = -RR (an inversion)
	render 1 "$T51" \
	    'm = create channel_map matrix=[[0.5,0,1,0,0,0],[0,0,0,0,0,-1]]' \
	    "f = create file_sink path=$d/mx.wav" 'connect $t $m' \
	    'connect $m $f'
	out=$(chfit "$d/mx.wav" 500 1000 1500 2000 2500 3000)
	assert_near 0.158114 "$(amp "$out" 0 0)" 1e-4 "FL / 2"
	assert_near $A "$(amp "$out" 0 2)" 1e-4 "FC"
	assert_near $A "$(amp "$out" 1 5)" 1e-4 "RR"
	assert_near 0 "$(jq '[.amp[0][1,3,4,5], .amp[1][0,1,2,3,4]] | max' \
	    <<<"$out")" 1e-4 "nothing else"
	# FL,FR relabelled FR,FL: the link into the stereo sink then
	# matches by name, so a stereo sink gets them swapped back.
	render 1 "t = create tone freq=500 spread=500 db=-10" \
	    'm = create channel_map layout=FR,FL' \
	    "f = create file_sink path=$d/rl.wav layout=stereo" 'connect $t $m' \
	    'connect $m $f'
	out=$(chfit "$d/rl.wav" 500 1000)
	assert_near $A "$(amp "$out" 0 1)" 1e-4 "relabelled: FL is 1 kHz"
	assert_near $A "$(amp "$out" 1 0)" 1e-4 "relabelled: FR is 500 Hz"
}

@test "list shows channels and layouts, a converting link its conversion" {
	local t m g f out
	t=$(req '{"cmd":"create_node","type":"tone","args":{"channels":6}}' | jq .id)
	g=$(req '{"cmd":"create_node","type":"gain"}' | jq .id)
	m=$(req '{"cmd":"create_node","type":"channel_map","args":{"map":["FC"]}}' | jq .id)
	f=$(req '{"cmd":"create_node","type":"device_sink"}' | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$g}" >/dev/null
	req "{\"cmd\":\"connect\",\"from\":$g,\"to\":$m}" >/dev/null
	req "{\"cmd\":\"connect\",\"from\":$m,\"to\":$f}" >/dev/null
	out=$(req '{"cmd":"list"}')
	assert_eq '6 "FL,FR,FC,LFE,RL,RR"' "$(jq -r ".nodes[] | select(.id == $t) | \"\(.channels) \(.layout|tojson)\"" <<<"$out")" "tone"
	assert_eq '6 "FL,FR,FC,LFE,RL,RR"' "$(jq -r ".nodes[] | select(.id == $g) | \"\(.channels) \(.layout|tojson)\"" <<<"$out")" "gain: its input's"
	assert_eq '1 "MONO" "FL,FR,FC,LFE,RL,RR"' "$(jq -r ".nodes[] | select(.id == $m) | \"\(.channels) \(.layout|tojson) \(.in_layout|tojson)\"" <<<"$out")" "channel_map: mono out of 5.1"
	assert_eq '2 "FL,FR"' "$(jq -r ".nodes[] | select(.id == $f) | \"\(.channels) \(.layout|tojson)\"" <<<"$out")" "the device's"
	assert_eq '"MONO -> FL,FR"' "$(jq -c ".links[] | select(.from == $m) | .convert" <<<"$out")" "mono into the device"
	assert_eq null "$(jq -c ".links[] | select(.from == $t) | .convert" <<<"$out")" "no conversion tone -> gain"
	assert_eq '["FC"]' "$(jq -c ".nodes[] | select(.id == $m) | .args.map" <<<"$out")" "map as given"
	for id in $t $g $m $f; do
		req "{\"cmd\":\"destroy_node\",\"id\":$id}" >/dev/null
	done
}

@test "refusals: no rule, bad maps and matrices; the graph unchanged" {
	local aux rs m out
	aux=$(req '{"cmd":"create_node","type":"tone","args":{"channels":3,"layout":"AUX0,AUX1,AUX2"}}' | jq .id)
	rs=$(req '{"cmd":"create_node","type":"resample","args":{"rate":44100,"channels":4}}' | jq .id)
	m=$(req '{"cmd":"create_node","type":"channel_map","args":{"map":[2,"FC"]}}' | jq .id)
	out=$(req "{\"cmd\":\"connect\",\"from\":$aux,\"to\":$rs}")
	assert_eq false "$(jget "$out" .ok)" "3 AUX into a 4-channel (quad) resample"
	assert_match 'channel_map' "$(jget "$out" .error.message)"
	refused_unchanged - \
	    "{\"cmd\":\"connect\",\"from\":$aux,\"to\":$rs}" \
	    "{\"cmd\":\"connect\",\"from\":$aux,\"to\":$m}" \
	    '{"cmd":"create_node","type":"channel_map","args":{"map":[64]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"map":["XY"]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"map":[]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"map":[1.5]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"matrix":[[1,0],[1]]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"matrix":[[1,1e999]]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"matrix":[[1000]]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"map":[0],"matrix":[[1]]}}' \
	    '{"cmd":"create_node","type":"channel_map","args":{"map":[0,1],"layout":"5.1"}}' \
	    '{"cmd":"create_node","type":"tone","args":{"channels":65}}' \
	    '{"cmd":"create_node","type":"tone","args":{"channels":3,"layout":"stereo"}}' \
	    "{\"cmd\":\"set\",\"id\":$m,\"args\":{\"map\":[0,1]}}"
	# The map's reasons, said plainly.
	out=$(req "{\"cmd\":\"connect\",\"from\":$aux,\"to\":$m}")
	assert_match 'map entry 1: no FC in the input \(AUX0' "$(jget "$out" .error.message)"
	out=$(req '{"cmd":"create_node","type":"channel_map","args":{"map":["XY"]}}')
	assert_match "unknown position 'XY'" "$(jget "$out" .error.message)"
	out=$(req '{"cmd":"create_node","type":"channel_map","args":{"matrix":[[1,0],[1]]}}')
	assert_match 'row 1 has 1 gains, row 0 2' "$(jget "$out" .error.message)"
	for id in $aux $rs $m; do
		req "{\"cmd\":\"destroy_node\",\"id\":$id}" >/dev/null
	done
}

@test "a matrix set while running ramps to the new gains; a new shape is refused" {
	local d=$BATS_TEST_TMPDIR t m f out
	req '{"cmd":"device_open","backend":"null","rate":48000,"period":256}' >/dev/null
	t=$(req '{"cmd":"create_node","type":"tone","args":{"freq":500,"spread":500,"db":-10}}' | jq .id)
	m=$(req '{"cmd":"create_node","type":"channel_map","args":{"matrix":[[1,0],[0,1]]}}' | jq .id)
	f=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/live.wav\"}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$m}" >/dev/null
	req "{\"cmd\":\"connect\",\"from\":$m,\"to\":$f}" >/dev/null
	assert_eq true "$(jget "$(req '{"cmd":"start"}')" .ok)" "start"
	wait_until 10 node_frames_above "$f" 24000
	out=$(req "{\"cmd\":\"set\",\"id\":$m,\"args\":{\"matrix\":[[0,1],[1,0]]}}")
	assert_eq true "$(jget "$out" .ok)" "a new matrix, the same shape"
	assert_eq '[[0,1],[1,0]]' "$(req '{"cmd":"list"}' | jq -c ".nodes[] | select(.id == $m) | .args.matrix")" "list has it"
	refused_unchanged - "{\"cmd\":\"set\",\"id\":$m,\"args\":{\"matrix\":[[1,0,0],[0,1,0]]}}"
	local n
	n=$(node_frames "$f")
	wait_until 10 node_frames_above "$f" $((n + 48000))
	req '{"cmd":"stop"}' >/dev/null
	req "{\"cmd\":\"destroy_node\",\"id\":$f}" >/dev/null
	# The last half second: swapped, and nothing of the old gains.
	sox "$d/live.wav" "$d/end.wav" reverse trim 0 0.5 reverse
	out=$(chfit "$d/end.wav" 500 1000)
	assert_near $A "$(amp "$out" 0 1)" 1e-4 "left now 1 kHz"
	assert_near $A "$(amp "$out" 1 0)" 1e-4 "right now 500 Hz"
	assert_near 0 "$(amp "$out" 0 0)" 1e-4 "no 500 Hz left on the left"
	req "{\"cmd\":\"destroy_node\",\"id\":$t}" >/dev/null
	req "{\"cmd\":\"destroy_node\",\"id\":$m}" >/dev/null
}

@test "README: the channels example renders verbatim, as it says" {
	local d=$BATS_TEST_TMPDIR out
	awk '/^## Channels/ { s = 1 } s && /^```sh/ { f = 1; next }
	    f && /^```/ { exit } f' "$AM_TOP/README.md" >"$d/ch.sh"
	grep -q '^amixd --render 2 surround.am' "$d/ch.sh" ||
	    flunk "README: no channels block"
	(cd "$d" && bash -e ch.sh) || flunk "the README block failed"
	out=$(chfit "$d/downmix.wav" 500 1000 1500 2000 2500 3000)
	assert_near $A "$(amp "$out" 0 0)" 1e-4 "down-mix: FL on the left"
	assert_near $H "$(amp "$out" 1 2)" 1e-4 "down-mix: FC at -3 dB"
	out=$(chfit "$d/front.wav" 500 1000 1500)
	assert_near $A "$(amp "$out" 0 0)" 1e-4 "front pair: FL"
	assert_near $A "$(amp "$out" 1 1)" 1e-4 "front pair: FR"
	assert_near 0 "$(amp "$out" 0 2)" 1e-4 "front pair: no FC"
}
