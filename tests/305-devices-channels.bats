#!/usr/bin/env bats
# Devices of more than two channels (issue 16), against real peers: ALSA
# `file` PCMs over `null` (exact copies of what was written, any channel
# count, a channel map from the null PCM's "chmap"), a `multi` PCM that
# takes exactly two channels, and jackd's dummy driver with 8 capture
# and 8 playback ports, recorded with jack_rec. Every channel of every
# recording is checked on its own: the tone by a sine fit where it
# belongs, silence (peak 0) where it does not, so a channel written to
# the wrong place, a wrong stride or a dropped channel all show.

load helpers

RAWCHECK=("$PY" "$BATS_TEST_DIRNAME/alsa/rawcheck.py")
CHPEAK=("$PY" "$BATS_TEST_DIRNAME/tools/chpeak.py")

setup_file() {
	local d=$BATS_FILE_TMPDIR
	jack_server_name 305
	cat >"$d/asound.conf" <<EOF2
pcm.raw { type file  slave.pcm "null"  file "$d/raw.out"  format "raw"  perm 0644 }
pcm.nullmap { type null  chmap [ "FL,FR,RL,RR,FC,LFE" ] }
pcm.rawmap { type file  slave.pcm "nullmap"  file "$d/raw.out"  format "raw"  perm 0644 }
pcm.multi2 { type multi  slaves.a { pcm "raw"  channels 2 }
    bindings { 0 { slave a  channel 0 }  1 { slave a  channel 1 } } }
pcm.cap8 { type file  slave.pcm "null"  file "/dev/null"  infile "$d/cap8.in"  format "raw" }
EOF2
	export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$d/asound.conf
}

# A server killed with SIGKILL leaves its semaphores in /dev/shm.
teardown_file() {
	jack_server_clean
}

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
	SRC_PID=
	JACKD_PID=
	rm -f "$BATS_FILE_TMPDIR"/*.out
}

teardown() {
	amixd_stop
	[ -z "$SRC_PID" ] || AMIXD_PID=$SRC_PID amixd_stop
	jackd_stop
}

# check_device REQUEST REGEX: a device error whose message matches.
check_device() {
	run -0 req "$1"
	assert_eq false "$(jget "$output" .ok)" "ok of $1"
	assert_eq device "$(jget "$output" .error.code)" "code of $1"
	assert_match "$2" "$(jget "$output" .error.message)" "message of $1"
}

# device_is REPLY CHANNELS LAYOUT FROM: a device_open reply's channels.
device_is() {
	assert_eq true "$(jget "$1" .ok)" "ok: $1"
	assert_eq "$2" "$(jget "$1" .device.channels)" "channels: $1"
	assert_eq "$3" "$(jget "$1" .device.layout)" "layout: $1"
	assert_eq "$4" "$(jget "$1" .device.layout_from)" "layout_from: $1"
}

# tone8_graph: an 8-channel tone, 300 Hz on channel 0, 500 on 1 ... 1700
# on 7, at -6 dBFS (node 1), into a device sink (node 2).
tone8_graph() {
	req '{"cmd":"create_node","type":"tone","args":{"freq":300,"spread":200,"channels":8,"db":-6}}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":1,"to":2}'
}

# rec8_check: amixd's 8 playback ports recorded with jack_rec for 2 s,
# each channel tone8_graph's frequency for it (a clean sine unless the
# server counted xruns meanwhile).
rec8_check() {
	local t=$BATS_TEST_TMPDIR k x0 ports=()
	for ((k = 1; k <= 8; k++)); do
		ports+=("amixd:playback_$k")
	done
	x0=$(req '{"cmd":"stats"}' | jq .xruns)
	jack_rec -f "$t/rec.wav" -d 2 -b 32 "${ports[@]}" >/dev/null 2>&1
	[ "$(req '{"cmd":"stats"}' | jq .xruns)" = "$x0" ] || RESID_DB=0
	check_freqs "$t/rec.wav" 0.2 -6 300 500 700 900 1100 1300 1500 1700
}

# play_second: start, run until node 2 (the device sink) has played a
# second, stop and close the device (the file PCM is then complete).
play_second() {
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 2 48000
	req '{"cmd":"stop"}'
	req '{"cmd":"device_close"}'
}

# tone_graph FREQ DB: tone (node 1) into a device sink (node 2).
tone_graph() {
	req "{\"cmd\":\"create_node\",\"type\":\"tone\",\"args\":{\"freq\":$1,\"db\":$2}}" >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
}

# check_freqs FILE SKIP DB F0 F1 ...: every channel of FILE (anything sox
# reads) after SKIP seconds, one argument per channel: a frequency is a
# clean sine there at DB dBFS (sine fit), 0 is silence (peak 0). The
# file must have exactly that many channels. The residual must be below
# RESID_DB (-90 unless set: a JACK run with xruns has gaps, and sets it
# to 0).
check_freqs() {
	local f=$1 skip=$2 db=$3 peaks k=0 want out
	shift 3
	assert_eq "$#" "$(soxi -c "$f")" "channels of $f"
	peaks=$("${CHPEAK[@]}" "$f" "$skip")
	for want in "$@"; do
		if [ "$want" = 0 ]; then
			assert_eq 0 "$(jget "$peaks" ".[$k]")" "peak of channel $k (silent)"
		else
			out=$(sinefit "$f" "$k" "$skip")
			assert_near "$want" "$(jget "$out" .freq)" 0.01 "frequency, channel $k"
			assert_near "$db" "$(jget "$out" .amp_db)" 0.05 "level, channel $k"
			[ "$(jget "$out" ".resid_db < ${RESID_DB:--90}")" = true ] ||
			    flunk "channel $k: residual $(jget "$out" .resid_db) dB"
		fi
		k=$((k + 1))
	done
}

@test "ALSA device_open: 1 to 64 channels, with the device's channel map, the layout asked for, or the default" {
	amixd_start -b alsa
	# No map (file over null): the default layout for the count.
	run -0 req '{"cmd":"device_open","name":"raw","channels":6}'
	device_is "$output" 6 FL,FR,FC,LFE,RL,RR default
	# The null PCM's map, in its own order, forwarded by the file PCM.
	run -0 req '{"cmd":"device_open","name":"rawmap"}'
	device_is "$output" 6 FL,FR,RL,RR,FC,LFE device
	run -0 req '{"cmd":"device_open","name":"rawmap","layout":"FL,FR,RL,RR,FC,LFE"}'
	device_is "$output" 6 FL,FR,RL,RR,FC,LFE asked
	# A map the device does not have: kept as a label, and said so.
	run -0 req '{"cmd":"device_open","name":"rawmap","layout":"5.1"}'
	device_is "$output" 6 FL,FR,FC,LFE,RL,RR unconfirmed
	run -0 req '{"cmd":"device_open","name":"raw","layout":"7.1"}'
	device_is "$output" 8 FL,FR,FC,LFE,RL,RR,SL,SR unconfirmed
	grep -q 'raw: the device did not confirm the layout FL,FR,FC,LFE,RL,RR,SL,SR' \
	    "$AMIXD_LOG_FILE" || flunk "no log line for the unconfirmed layout"
	run -0 req '{"cmd":"device_open","name":"raw","channels":64}'
	assert_eq 64 "$(jget "$output" .device.channels)"
	assert_eq AUX63 "$(jget "$output" '.device.layout | split(",") | .[63]')"
	# The count alone is the nearest the device does; with a layout or
	# strict it is exact, and refused with ALSA's range, the device open
	# before staying open.
	run -0 req '{"cmd":"device_open","name":"multi2","channels":6}'
	device_is "$output" 2 FL,FR default
	run -0 req '{"cmd":"device_open","name":"multi2","channels":2}'
	check_device '{"cmd":"device_open","name":"multi2","layout":"5.1"}' \
	    '^multi2: playback channels 6 \(the device does 2 to 2\): Invalid argument$'
	check_device '{"cmd":"device_open","name":"multi2","channels":8,"strict":true}' \
	    '^multi2: playback channels 8 \(the device does 2 to 2\): Invalid argument$'
	run -0 req '{"cmd":"list"}'
	assert_eq multi2 "$(jget "$output" .device.name)"
	assert_eq FL,FR "$(jget "$output" .device.layout)"
	# amctl's list view (on a terminal) shows it.
	run -0 req '{"cmd":"device_open","name":"raw","channels":6}'
	run -0 script -qec "amctl list" /dev/null </dev/null
	assert_match 'device raw: 48000 Hz, 6 channels \(FL,FR,FC,LFE,RL,RR\), period' "$output"
}

@test "a stereo tone into 6- and 8-channel file PCMs: FL and FR carry the render (stereo to 5.1 and 7.1), every other channel is silent" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR ch buf out
	cat >"$t/render.am" <<EOF2
t = create tone freq=997 db=-3
f = create file_sink path=$t/ref.raw
connect \$t \$f
EOF2
	amixd --render 1 "$t/render.am"
	for ch in 6 8; do
		rm -f "$d/raw.out"
		# A new daemon each time: the tone starts at frame 0 again.
		[ "$ch" = 6 ] || amixd_stop
		amixd_start -b alsa
		tone_graph 997 -3
		run -0 req "{\"cmd\":\"device_open\",\"name\":\"raw\",\"channels\":$ch}"
		assert_eq "$ch" "$(jget "$output" .device.channels)"
		buf=$(jget "$output" .device.buffer)
		play_second
		# FL and FR: the offline render, sample for sample (the stereo
		# to 5.1 and 7.1 rule puts the pair there, untouched).
		out=$("${RAWCHECK[@]}" f32 "$ch" "$d/raw.out" "$t/ref.raw" "$buf" 48000)
		assert_eq 0 "$(jget "$out" .max_err)" "$ch channels: FL FR against the render"
		# Every channel of that second on its own.
		sox -t f32 -r 48000 -c "$ch" "$d/raw.out" "$t/dev$ch.wav" \
		    trim "${buf}s" 48000s
		if [ "$ch" = 6 ]; then
			check_freqs "$t/dev$ch.wav" 0 -3 997 997 0 0 0 0
		else
			check_freqs "$t/dev$ch.wav" 0 -3 997 997 0 0 0 0 0 0
		fi
	done
}

@test "a 5.1 tone into a device with its own channel map: each position lands on the device's channel of that name" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR buf
	amixd_start -b alsa
	# FL 300, FR 400, FC 500, LFE 600, RL 700, RR 800 Hz.
	req '{"cmd":"create_node","type":"tone","args":{"freq":300,"spread":100,"layout":"5.1","db":-6}}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":1,"to":2}'
	run -0 req '{"cmd":"device_open","name":"rawmap","channels":6}'
	device_is "$output" 6 FL,FR,RL,RR,FC,LFE device
	buf=$(jget "$output" .device.buffer)
	play_second
	sox -t f32 -r 48000 -c 6 "$d/raw.out" "$t/dev.wav" trim "${buf}s" 48000s
	# In the device's order: FL FR RL RR FC LFE.
	check_freqs "$t/dev.wav" 0 -6 300 400 700 800 500 600
}

@test "an 8-channel tone into an 8-channel file PCM, and an 8-channel capture: every channel in its place" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR buf k
	amixd_start -b alsa
	tone8_graph >/dev/null
	run -0 req '{"cmd":"device_open","name":"raw","layout":"7.1"}'
	buf=$(jget "$output" .device.buffer)
	play_second
	sox -t f32 -r 48000 -c 8 "$d/raw.out" "$t/dev.wav" trim "${buf}s" 48000s
	check_freqs "$t/dev.wav" 0 -6 300 500 700 900 1100 1300 1500 1700

	# Capture: an 8-channel infile, a different frequency on each
	# channel; the device_source gives all 8, four channel_map nodes
	# take a pair each into a stereo file_sink.
	amixd_stop
	sox -n -r 48000 -c 8 -t f32 "$d/cap8.in" synth 1 sine 300 sine 500 \
	    sine 700 sine 900 sine 1100 sine 1300 sine 1500 sine 1700 gain -6
	amixd_start -b alsa
	# The device first: the device_source takes its layout.
	run -0 req '{"cmd":"device_open","name":"null","channels":8,"capture_name":"cap8"}'
	device_is "$output" 8 FL,FR,FC,LFE,RL,RR,SL,SR default
	req '{"cmd":"create_node","type":"device_source"}'
	for k in 0 2 4 6; do
		req "{\"cmd\":\"create_node\",\"type\":\"channel_map\",\"name\":\"m$k\",\"args\":{\"map\":[$k,$((k + 1))]}}"
		req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"name\":\"f$k\",\"args\":{\"path\":\"$t/cap$k.raw\"}}"
		req "{\"cmd\":\"connect\",\"from\":1,\"to\":\"m$k\"}"
		req "{\"cmd\":\"connect\",\"from\":\"m$k\",\"to\":\"f$k\"}"
	done
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 9 48000
	req '{"cmd":"stop"}'
	req '{"cmd":"device_close"}'
	# Each pair is exactly the file's, sample for sample.
	for k in 0 2 4 6; do
		sox -t f32 -r 48000 -c 8 "$d/cap8.in" -t f32 "$t/want$k.raw" \
		    remix $((k + 1)) $((k + 2))
		cmp -n $((48000 * 8)) "$t/cap$k.raw" "$t/want$k.raw" ||
		    flunk "channels $k and $((k + 1)) are not the file's"
	done
}

@test "JACK: 8 playback and 8 capture ports, connected in order to the dummy driver's 8 and 8, recorded with jack_rec" {
	local k
	jackd_start 128 -C 8 -P 8
	amixd_start -b jack
	tone8_graph >/dev/null
	run -0 req '{"cmd":"device_open","channels":8}'
	device_is "$output" 8 FL,FR,FC,LFE,RL,RR,SL,SR default
	req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	for ((k = 1; k <= 8; k++)); do
		jack_lsp -c "amixd:playback_$k" | grep -qx "[[:space:]]*system:playback_$k" ||
		    flunk "amixd:playback_$k not connected to system:playback_$k"
		jack_lsp -c "amixd:capture_$k" | grep -qx "[[:space:]]*system:capture_$k" ||
		    flunk "system:capture_$k not connected to amixd:capture_$k"
		assert_eq 1 "$(jack_lsp -c "amixd:playback_$k" | grep -c '^[[:space:]]')" \
		    "connections of playback_$k"
	done
	assert_eq 16 "$(jack_lsp | grep -c '^amixd:')" "amixd's ports"
	# Our own ports, bit-exact (JACK's monitor ports lag).
	rec8_check
}

# linked_to PORT: the ports PORT is connected to, space separated, sorted.
linked_to() {
	jack_lsp -c "$1" | sed -n 's/^[[:space:]]\{1,\}//p' | sort | tr '\n' ' '
}

@test "JACK: ports connected by name, \"\" leaving one alone; bad names are refused and the device stays as it was" {
	jackd_start 128 -C 8 -P 8
	amixd_start -b jack
	tone_graph 997 -6
	run -0 req '{"cmd":"device_open","channels":4,"connect":["system:playback_8","","system:playback_3"],"connect_capture":["","system:capture_5"]}'
	device_is "$output" 4 FL,FR,RL,RR default
	req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	assert_eq "system:playback_8 " "$(linked_to amixd:playback_1)" playback_1
	assert_eq "" "$(linked_to amixd:playback_2)" playback_2
	assert_eq "system:playback_3 " "$(linked_to amixd:playback_3)" playback_3
	assert_eq "" "$(linked_to amixd:playback_4)" "playback_4 (no entry)"
	assert_eq "" "$(linked_to amixd:capture_1)" capture_1
	assert_eq "system:capture_5 " "$(linked_to amixd:capture_2)" capture_2
	assert_eq "" "$(linked_to amixd:capture_3)" capture_3
	req '{"cmd":"stop"}'
	check_device '{"cmd":"device_open","connect":["system:nope"]}' \
	    "^jack: \"connect\": no port 'system:nope' for playback_1$"
	check_device '{"cmd":"device_open","connect":["","system:capture_1"]}' \
	    "^jack: \"connect\": port 'system:capture_1' is an output: playback_2 cannot connect to it$"
	check_device '{"cmd":"device_open","connect_capture":["system:playback_1"]}' \
	    "^jack: \"connect_capture\": port 'system:playback_1' is an input: capture_1 cannot connect to it$"
	check_device '{"cmd":"device_open","channels":2,"connect":["","",""]}' \
	    '^jack: "connect" names 3 ports for 2 channels$'
	run -0 req '{"cmd":"device_open","connect":[1]}'
	assert_eq bad_request "$(jget "$output" .error.code)"
	# The device open before, with its connections, as it was.
	run -0 req '{"cmd":"list"}'
	assert_eq 4 "$(jget "$output" .device.channels)"
	req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 9600
	assert_eq "system:playback_8 " "$(linked_to amixd:playback_1)" "playback_1 again"
	assert_eq "system:capture_5 " "$(linked_to amixd:capture_2)" "capture_2 again"
}

@test "JACK capture: 8 capture ports fed by name from another client, each channel from its own port" {
	local d=$BATS_TEST_TMPDIR ds fs x0
	jackd_start 128 -C 8 -P 8
	# The other client: a second amixd named src, 8 channels, 300 Hz
	# on playback_1, 500 on playback_2 ... 1700 on playback_8, not
	# connected.
	AMIXD_DIR=$d/src amixd_start -b jack -d src
	SRC_PID=$AMIXD_PID
	run -0 req '{"cmd":"device_open","channels":8,"autoconnect":false}'
	tone8_graph >/dev/null
	req '{"cmd":"start"}'

	AMIXD_DIR=$d/main amixd_start -b jack
	run -0 req '{"cmd":"device_open","channels":8,"autoconnect":false,"connect_capture":["src:playback_3","src:playback_1","src:playback_2"]}'
	ds=$(req '{"cmd":"create_node","type":"device_source"}' | jq .id)
	# Two of the eight device channels into a stereo recording.
	req '{"cmd":"create_node","type":"channel_map","name":"pick","args":{"map":[0,1]}}'
	fs=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/cap.wav\",\"sample\":\"f32\"}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$ds,\"to\":\"pick\"}"
	req "{\"cmd\":\"connect\",\"from\":\"pick\",\"to\":$fs}"
	x0=$(req '{"cmd":"stats"}' | jq .xruns)
	req '{"cmd":"start"}'
	assert_eq "src:playback_3 " "$(linked_to amixd:capture_1)" capture_1
	assert_eq "src:playback_1 " "$(linked_to amixd:capture_2)" capture_2
	assert_eq "" "$(linked_to amixd:capture_4)" capture_4
	assert_eq "" "$(linked_to amixd:playback_1)" "playback_1 (autoconnect false)"
	wait_until 10 node_frames_above "$fs" 48000
	[ "$(req '{"cmd":"stats"}' | jq .xruns)" = "$x0" ] || RESID_DB=0
	req '{"cmd":"stop"}'
	# capture_1 has src's third channel, capture_2 its first.
	check_freqs "$d/cap.wav" 0.2 -6 700 300
}

state_is() {
	[ "$(req '{"cmd":"list"}' | jq -r .state)" = "$1" ]
}

# linked_is PORT LIST: PORT's connections are LIST (as linked_to says).
linked_is() {
	[ "$(linked_to "$1")" = "$2" ]
}

@test "JACK server killed and back: the 8 channels, the layout asked for and the connections by name come back" {
	jackd_start 128 -C 8 -P 8
	amixd_start -b jack
	tone8_graph >/dev/null
	run -0 req '{"cmd":"device_open","layout":"7.1","connect":["system:playback_2","system:playback_1"]}'
	device_is "$output" 8 FL,FR,FC,LFE,RL,RR,SL,SR asked
	req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	jackd_stop KILL
	wait_until 5 state_is device_lost
	jackd_start 128 -C 8 -P 8
	wait_until 10 state_is running
	run -0 req '{"cmd":"list"}'
	assert_eq 8 "$(jget "$output" .device.channels)"
	assert_eq FL,FR,FC,LFE,RL,RR,SL,SR "$(jget "$output" .device.layout)"
	assert_eq 16 "$(jack_lsp | grep -c '^amixd:')" "amixd's ports"
	assert_eq asked "$(jget "$output" .device.layout_from)"
	wait_until 5 linked_is amixd:playback_1 "system:playback_2 "
	assert_eq "system:playback_1 " "$(linked_to amixd:playback_2)" playback_2
	assert_eq "" "$(linked_to amixd:playback_3)" "playback_3 (no name)"
	assert_eq "system:capture_1 " "$(linked_to amixd:capture_1)" "capture_1 (autoconnected)"
	rec8_check
}
