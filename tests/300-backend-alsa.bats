#!/usr/bin/env bats
# The ALSA backend on real ALSA user-space PCMs, with no sound card: a
# `file` PCM over `null` (not paced: exact copies of what was written),
# `linear` and `upmix` plugins that only take s32 (or give s24_3) or s16
# (bit-identical 16- and 24-bit sources, clipping of f32), and `jack`
# PCMs into a real jackd with the dummy driver (paced in real time), for
# playback, capture, clocking, xruns and device loss. The configuration
# is written into this file's temporary directory and loaded with
# ALSA_CONFIG_PATH; jackd runs under a server name of this file alone.

load helpers

RAWCHECK=("$PY" "$BATS_TEST_DIRNAME/alsa/rawcheck.py")
BITSAME=("$PY" "$BATS_TEST_DIRNAME/tools/bitsame.py")

setup_file() {
	local d=$BATS_FILE_TMPDIR jp
	# Never let libjack start a server of its own; the server has a
	# name of this file (and checkout) alone, never a PID (helpers.bash).
	jack_server_name 300
	jp='playback_ports { 0 system:playback_1  1 system:playback_2 }'
	cat >"$d/asound.conf" <<EOF
pcm.raw { type file  slave.pcm "null"  file "$d/raw.out"  format "raw"  perm 0644 }
pcm.raw_s32 { type linear  slave { pcm "raw"  format S32_LE } }
pcm.raw_s16 { type upmix  slave.pcm "raw"  channels 4 }
pcm.raw_s24 { type linear  slave { pcm "raw"  format S24_3LE } }
pcm.cap_raw { type file  slave.pcm "null"  file "/dev/null"  infile "$d/cap.in"  format "raw" }
pcm.jack_direct { type jack  $jp }
pcm.paced { type plug  slave.pcm { type jack  $jp } }
pcm.paced_rec { type plug  slave.pcm { type file  file "$d/paced.out"
    format "raw"  perm 0644  slave.pcm { type jack  $jp } } }
pcm.mono_rec { type file  file "$d/mono.out"  format "raw"  perm 0644
    slave.pcm { type jack  playback_ports { 0 system:playback_1 } } }
pcm.duplex { type plug  slave.pcm { type jack  $jp
    capture_ports { 0 system:monitor_1  1 system:monitor_2 } } }
EOF
	export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$d/asound.conf
}

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
	SUB_PID=
	JACKD_PID=
	rm -f "$BATS_FILE_TMPDIR"/*.out
}

teardown() {
	amixd_stop
	[ -z "$SUB_PID" ] || { kill "$SUB_PID" 2>/dev/null; wait "$SUB_PID"; } || true
	jackd_stop
}

# subscribe: state and xrun events into $BATS_TEST_TMPDIR/events.
subscribe() {
	local log=$BATS_TEST_TMPDIR/events
	( printf '%s\n' '{"cmd":"subscribe","events":["state","xrun"]}' |
	    socat -t 120 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	SUB_PID=$!
	wait_until 5 grep -q '"ok":true' "$log"
}

# tone_graph FREQ DB: tone (node 1) into a device sink (node 2).
tone_graph() {
	req "{\"cmd\":\"create_node\",\"type\":\"tone\",\"args\":{\"freq\":$1,\"db\":$2}}" >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
}

# render_tone FREQ DB SECONDS FILE: the same tone rendered offline to
# raw float32.
render_tone() {
	local s=$BATS_TEST_TMPDIR/render.am
	cat >"$s" <<EOF
t = create tone freq=$1 db=$2
f = create file_sink path=$4
connect \$t \$f
EOF
	amixd --render "$3" "$s"
}

engine_state_is() {
	[ "$(req '{"cmd":"stats"}' | jq -r .state)" = "$1" ]
}

# check_device REQUEST REGEX: a device error whose message matches.
check_device() {
	run -0 req "$1"
	assert_eq false "$(jget "$output" .ok)" "ok of $1"
	assert_eq device "$(jget "$output" .error.code)" "code of $1"
	assert_match "$2" "$(jget "$output" .error.message)" "message of $1"
}

@test "device_open reports what the PCM granted; what it cannot do is a device error with ALSA's reason" {
	jackd_start 128 -m
	AUDIOMIXERD_DEVICE=paced amixd_start -b alsa
	run -0 req '{"cmd":"list"}'
	assert_eq paced "$(jget "$output" .device.name)" "AUDIOMIXERD_DEVICE"
	run -0 req '{"cmd":"device_open","period":256,"periods":3}'
	assert_eq true "$(jget "$output" .ok)"
	assert_eq alsa "$(jget "$output" .device.backend)"
	assert_eq paced "$(jget "$output" .device.name)"
	assert_eq 48000 "$(jget "$output" .device.rate)"
	assert_eq 2 "$(jget "$output" .device.channels)"
	assert_eq 256 "$(jget "$output" .device.period)"
	assert_eq 768 "$(jget "$output" .device.buffer)"
	assert_eq f32 "$(jget "$output" .device.format)"
	assert_eq false "$(jget "$output" .device.capture)"

	check_device '{"cmd":"device_open","name":"nosuchpcm"}' \
	    '^nosuchpcm: cannot open for playback: No such file or directory \(Unknown PCM nosuchpcm\)$'
	check_device '{"cmd":"device_open","name":"hw:9,0"}' \
	    '^hw:9,0: cannot open for playback: '
	# A jack PCM without plug runs at the server's rate and periods of
	# at least the server's: strict refuses, otherwise the nearest.
	check_device '{"cmd":"device_open","name":"jack_direct","rate":44100,"strict":true}' \
	    'rate 44100 Hz \(the device does 48000 to 48000 Hz\): Invalid argument$'
	check_device '{"cmd":"device_open","name":"jack_direct","period":64,"strict":true}' \
	    'period 64 frames at 48000 Hz \(the device does 128 to 8192\): Invalid argument$'
	run -0 req '{"cmd":"device_open","name":"jack_direct","rate":44100,"period":64}'
	assert_eq 48000 "$(jget "$output" .device.rate)" "granted rate"
	assert_eq 128 "$(jget "$output" .device.period)" "granted period"
	# The rate the device runs at is the graph's.
	run -0 req '{"cmd":"stats"}'
	assert_eq 48000 "$(jget "$output" .rate)"
	# A capture device that is not there: the new device is refused and
	# the one open before stays open, as it was.
	check_device '{"cmd":"device_open","name":"paced","capture_name":"nosuchcap"}' \
	    '^nosuchcap: cannot open for capture: No such file or directory'
	run -0 req '{"cmd":"list"}'
	assert_eq true "$(jget "$output" .device.open)"
	assert_eq jack_direct "$(jget "$output" .device.name)"
	assert_eq false "$(jget "$output" .device.capture)"
	run -0 req '{"cmd":"device_open","capture":"yes"}'
	assert_eq bad_request "$(jget "$output" .error.code)"
	run -0 req '{"cmd":"device_open","capture_name":""}'
	assert_eq bad_request "$(jget "$output" .error.code)"
	# The JACK server gone: an error at once, not a hang.
	jackd_stop
	check_device '{"cmd":"device_open","name":"paced"}' \
	    '^paced: cannot open for playback: '
	run -0 req '{"cmd":"start"}'
	assert_eq device "$(jget "$output" .error.code)" "start without a device"
	run -0 amctl ping
}

@test "playback into a raw file PCM holds exactly the offline render of the graph" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR buf
	amixd_start -b alsa
	tone_graph 997 -3
	run -0 req '{"cmd":"device_open","name":"raw"}'
	assert_eq f32 "$(jget "$output" .device.format)"
	buf=$(jget "$output" .device.buffer)
	req '{"cmd":"start"}'
	# The null slave is not paced: this takes a few milliseconds.
	wait_until 10 node_frames_above 2 48000
	req '{"cmd":"stop"}'
	req '{"cmd":"device_close"}'
	render_tone 997 -3 1 "$t/ref.raw"
	# buffer frames of silence first, then the render sample for sample.
	cmp -n $((buf * 8)) "$d/raw.out" /dev/zero ||
	    flunk "the first $buf frames are not silence"
	cmp -n $((48000 * 8)) -i $((buf * 8)):0 "$d/raw.out" "$t/ref.raw" ||
	    flunk "the device did not get the render"
}

@test "an s32 device gets exact samples, an s16 one TPDF dither that is the same every run" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR buf out
	render_tone 997 -3 1 "$t/ref.raw"
	amixd_start -b alsa
	tone_graph 997 -3
	run -0 req '{"cmd":"device_open","name":"raw_s32"}'
	assert_eq s32 "$(jget "$output" .device.format)"
	buf=$(jget "$output" .device.buffer)
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 2 48000
	req '{"cmd":"stop"}'
	req '{"cmd":"device_close"}'
	out=$("${RAWCHECK[@]}" s32 2 "$d/raw.out" "$t/ref.raw" "$buf" 48000)
	assert_eq 0 "$(jget "$out" .max_err_rounded)" "s32 error in LSB"

	# upmix takes s16 only; its first two channels are ours.
	for run in 1 2; do
		amixd_stop
		amixd_start -b alsa
		tone_graph 997 -3
		run -0 req '{"cmd":"device_open","name":"raw_s16"}'
		assert_eq s16 "$(jget "$output" .device.format)"
		req '{"cmd":"start"}'
		wait_until 10 node_frames_above 2 48000
		req '{"cmd":"stop"}'
		req '{"cmd":"device_close"}'
		mv "$d/raw.out" "$t/s16.$run"
	done
	out=$("${RAWCHECK[@]}" s16 4 "$t/s16.1" "$t/ref.raw" "$buf" 48000)
	# TPDF of +-1 LSB plus rounding: at most 1.5 LSB, 0.5 LSB RMS.
	[ "$(jget "$out" '.max_err <= 1.5')" = true ] ||
	    flunk "s16 max error $(jget "$out" .max_err) LSB"
	assert_near 0.5 "$(jget "$out" .rms_err)" 0.03 "s16 error RMS (LSB)"
	cmp -n $(((buf + 48000) * 8)) "$t/s16.1" "$t/s16.2" ||
	    flunk "two runs dithered differently"
}

@test "16- and 24-bit sources reach s16, s32 and s24_3 devices bit-identical (exact samples are not dithered)" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR pcm src raw ch shift
	local fmt out frames
	"${BITSAME[@]}" --make 16 "$t/all16.wav"
	"${BITSAME[@]}" --make 24 "$t/some24.wav"
	# PCM, source, what the file PCM holds, its channels, the shift
	# from the source's bits to it, the format amixd gets.
	while read -r pcm src raw ch shift fmt; do
		rm -f "$d/raw.out"
		amixd_start -b alsa
		req "{\"cmd\":\"create_node\",\"type\":\"file_source\",\"args\":{\"path\":\"$t/$src.wav\"}}" >/dev/null
		req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
		req '{"cmd":"connect","from":1,"to":2}' >/dev/null
		run -0 req "{\"cmd\":\"device_open\",\"name\":\"$pcm\"}"
		assert_eq "$fmt" "$(jget "$output" .device.format)" "$pcm format"
		frames=$(soxi -s "$t/$src.wav")
		req '{"cmd":"start"}' >/dev/null
		wait_until 10 node_frames_above 2 $((frames + 4800))
		req '{"cmd":"stop"}' >/dev/null
		run -0 req '{"cmd":"stats"}'
		assert_eq 0 "$(jget "$output" '.nodes[] | select(.id == 1) | .underruns')" \
		    "the file_source kept up with the unpaced PCM"
		assert_eq 0 "$(jget "$output" '.nodes[] | select(.id == 2) | .clipped')" \
		    "nothing clipped"
		req '{"cmd":"device_close"}' >/dev/null
		out=$("${BITSAME[@]}" --shift "$shift" "$d/raw.out:$raw:$ch" \
		    "$t/$src.wav")
		assert_eq true "$(jget "$out" .equal)" "$src through $pcm ($out)"
		assert_eq 0 "$(jget "$out" .outside)" "$pcm: silence around it"
		amixd_stop
	done <<EOF
raw_s16 all16 s16 4 0 s16
raw_s32 all16 s32 2 16 s32
raw_s32 some24 s32 2 8 s32
raw_s24 some24 s24_3 2 0 s32
EOF
}

@test "+6 dB into an f32 ALSA device is clipped to +-1 and counted in the device sink's clipped" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR buf frames clipped out
	amixd_start -b alsa
	req '{"cmd":"create_node","type":"tone","args":{"freq":1000,"db":0}}' >/dev/null
	req '{"cmd":"create_node","type":"gain","args":{"db":6.0206}}' >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
	req '{"cmd":"connect","from":2,"to":3}' >/dev/null
	run -0 req '{"cmd":"device_open","name":"raw"}'
	assert_eq f32 "$(jget "$output" .device.format)"
	buf=$(jget "$output" .device.buffer)
	req '{"cmd":"start"}' >/dev/null
	wait_until 10 node_frames_above 3 48000
	req '{"cmd":"stop"}' >/dev/null
	run -0 req '{"cmd":"stats"}'
	frames=$(jget "$output" '.nodes[] | select(.id == 3) | .frames')
	clipped=$(jget "$output" '.nodes[] | select(.id == 3) | .clipped')
	assert_eq 0 "$(jget "$output" '.nodes[] | select(.id == 2) | .clipped')" \
	    "a gain counts nothing"
	req '{"cmd":"device_close"}' >/dev/null
	cat >"$t/r.am" <<EOF
t = create tone freq=1000 db=0
g = create gain db=6.0206
f = create file_sink path=$t/ref.raw
connect \$t \$g
connect \$g \$f
EOF
	amixd --render $(((frames + 47999) / 48000)) "$t/r.am"
	# The device got the render clipped to +-1, sample for sample, and
	# clipped counts the render's samples beyond 1.
	out=$("$PY" - "$d/raw.out" "$t/ref.raw" "$buf" "$frames" <<'EOP'
import json, sys
import numpy as np
dev = np.fromfile(sys.argv[1], "<f4")
ref = np.fromfile(sys.argv[2], "<f4")
skip, n = 2 * int(sys.argv[3]), 2 * int(sys.argv[4])
seg = dev[skip:skip + n]
print(json.dumps({"max": float(np.abs(dev).max()),
    "equal": bool(np.array_equal(seg, np.clip(ref[:n], -1, 1))),
    "overs": int(np.count_nonzero(np.abs(ref[:n]) > 1))}))
EOP
)
	assert_eq 1 "$(jget "$out" .max)" "largest sample at the device"
	assert_eq true "$(jget "$out" .equal)" "the render, clipped"
	assert_eq "$(jget "$out" .overs)" "$clipped" "clipped samples counted"
	assert_near 0.625 "$(awk -v c="$clipped" -v f="$frames" \
	    'BEGIN { printf "%.4f", c / (2 * f) }')" 0.002 "clipped per sample"
}

@test "plug into jack is paced in real time and the server gets the tone" {
	local d=$BATS_FILE_TMPDIR f0 f1 t0 t1 out xruns
	jackd_start 128 -m
	amixd_start -b alsa
	tone_graph 1000 -6
	run -0 req '{"cmd":"device_open","name":"paced_rec"}'
	assert_eq 256 "$(jget "$output" .device.buffer)"
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 2 4800
	f0=$(node_frames 2)
	t0=$(date +%s%N)
	wait_until 15 node_frames_above 2 $((f0 + 144000))
	f1=$(node_frames 2)
	t1=$(date +%s%N)
	# 3 s of audio take 3 s, +-5 %.
	assert_near 1 "$(awk -v f=$((f1 - f0)) -v t=$((t1 - t0)) \
	    'BEGIN { printf "%.4f", f / 48000 / (t / 1e9) }')" 0.05 \
	    "audio seconds per wall-clock second"
	jack_lsp -c system:playback_1 | grep -q 'out_000' ||
	    flunk "not connected to system:playback_1"
	run -0 req '{"cmd":"stats"}'
	assert_eq running "$(jget "$output" .state)"
	assert_eq true "$(jget "$output" .rt)" "SCHED_FIFO as root"
	# The dummy driver runs on CLOCK_MONOTONIC: no drift to speak of,
	# within the pacing bound above (5 %): a host stall makes jackd's
	# dummy driver drop time it never makes up (its own xrun), which
	# reads as a slow device clock since the start (-2.6 % once, in
	# .ci/run). A wrong drift (a sign, a unit) is far outside it.
	assert_near 0 "$(jget "$output" .drift_ppm)" 50000 "drift (ppm)"
	[ "$(jget "$output" .wakeups)" -gt 0 ] || flunk "no wake-ups counted"
	xruns=$(jget "$output" .xruns)
	req '{"cmd":"stop"}'
	req '{"cmd":"device_close"}'
	sox -t f32 -r 48000 -c 2 "$d/paced.out" "$BATS_TEST_TMPDIR/paced.wav"
	out=$(sinefit "$BATS_TEST_TMPDIR/paced.wav" 0 0.1)
	assert_near 1000 "$(jget "$out" .freq)" 0.01 "frequency"
	assert_near -6 "$(jget "$out" .amp_db)" 0.01 "level"
	assert_eq 0 "$(jget "$out" .chan_diff)" "left - right"
	# An xrun (the host stalls now and then) refills silence: only a
	# clean run must be clean.
	if [ "$xruns" -eq 0 ]; then
		[ "$(jget "$out" '.resid_db < -100')" = true ] ||
		    flunk "residual $(jget "$out" .resid_db) dB with no xrun"
	fi
}

@test "a mono device gets the average of left and right" {
	local d=$BATS_FILE_TMPDIR out
	jackd_start 128 -m
	amixd_start -b alsa
	tone_graph 500 -12
	run -0 req '{"cmd":"device_open","name":"mono_rec","channels":2}'
	assert_eq 1 "$(jget "$output" .device.channels)" "granted channels"
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 2 48000
	req '{"cmd":"stop"}'
	req '{"cmd":"device_close"}'
	sox -t f32 -r 48000 -c 1 "$d/mono.out" "$BATS_TEST_TMPDIR/mono.wav"
	out=$(sinefit "$BATS_TEST_TMPDIR/mono.wav" 0 0.1)
	assert_near 500 "$(jget "$out" .freq)" 0.01 "frequency"
	assert_near -12 "$(jget "$out" .amp_db)" 0.01 "level"
}

@test "capture from a file PCM reaches a device_source sample for sample" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR
	# 440 Hz left, 660 Hz right: the channel order shows.
	sox -n -r 48000 -c 2 -t f32 "$d/cap.in" synth 1 sine 440 sine 660 gain -6
	amixd_start -b alsa
	req '{"cmd":"create_node","type":"device_source"}'
	req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$t/cap.raw\"}}"
	req '{"cmd":"connect","from":1,"to":2}'
	run -0 req '{"cmd":"device_open","name":"null","capture_name":"cap_raw"}'
	assert_eq true "$(jget "$output" .device.capture)"
	assert_eq cap_raw "$(jget "$output" .device.capture_name)"
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 2 48000
	req '{"cmd":"stop"}'
	req '{"cmd":"device_close"}'
	cmp -n $((48000 * 8)) "$t/cap.raw" "$d/cap.in" ||
	    flunk "the capture is not the file"
}

@test "capture through a jack PCM: device_source records the tone the server carries" {
	local t=$BATS_TEST_TMPDIR out ch xruns
	jackd_start 128 -m
	amixd_start -b alsa
	# The tone goes out to system:playback_N; the capture PCM reads
	# system:monitor_N, which jackd -m fills with the same signal.
	tone_graph 997 -6
	req '{"cmd":"create_node","type":"device_source"}'
	req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$t/cap.wav\"}}"
	req '{"cmd":"connect","from":3,"to":4}'
	run -0 req '{"cmd":"device_open","name":"duplex","capture":true}'
	assert_eq true "$(jget "$output" .device.capture)"
	assert_eq duplex "$(jget "$output" .device.capture_name)"
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 4 96000
	xruns=$(req '{"cmd":"stats"}' | jq .xruns)
	req '{"cmd":"stop"}'
	for ch in 0 1; do
		out=$(sinefit "$t/cap.wav" "$ch" 0.25)
		assert_near 997 "$(jget "$out" .freq)" 0.01 "frequency, channel $ch"
		assert_near -6 "$(jget "$out" .amp_db)" 0.05 "level, channel $ch"
		if [ "$xruns" -eq 0 ]; then
			[ "$(jget "$out" '.resid_db < -100')" = true ] ||
			    flunk "residual $(jget "$out" .resid_db) dB"
		fi
	done
}

@test "a stalled JACK server is an xrun event and the audio goes on" {
	local ev f
	jackd_start 128 -m
	amixd_start -b alsa
	tone_graph 1000 -6
	subscribe
	req '{"cmd":"device_open","name":"paced"}'
	req '{"cmd":"start"}'
	wait_until 5 grep -q '"value":"running"' "$BATS_TEST_TMPDIR/events"
	wait_until 5 node_frames_above 2 4800
	kill -STOP "$JACKD_PID"
	sleep 0.2
	kill -CONT "$JACKD_PID"
	wait_until 5 grep -q '"event":"xrun"' "$BATS_TEST_TMPDIR/events"
	ev=$(grep '"event":"xrun"' "$BATS_TEST_TMPDIR/events" |
	    jq -s -c 'max_by(.usec)')
	assert_eq underrun "$(jget "$ev" .type)"
	assert_eq 2 "$(jget "$ev" .node)" "node of the xrun"
	# The gap is the stall, within the JACK and host granularity.
	[ "$(jget "$ev" '.usec > 150000 and .usec < 400000')" = true ] ||
	    flunk "usec $(jget "$ev" .usec)"
	f=$(node_frames 2)
	wait_until 5 node_frames_above 2 $((f + 48000))
	engine_state_is running
}

@test "the daemon itself stalled: underrun, recovery, and JACK ports connected again" {
	local f
	jackd_start 128 -m
	amixd_start -b alsa
	tone_graph 1000 -6
	subscribe
	req '{"cmd":"device_open","name":"paced"}'
	req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	kill -STOP "$AMIXD_PID"
	sleep 0.1
	kill -CONT "$AMIXD_PID"
	wait_until 5 grep -q '"type":"underrun"' "$BATS_TEST_TMPDIR/events"
	f=$(node_frames 2)
	wait_until 5 node_frames_above 2 $((f + 48000))
	jack_lsp -c system:playback_2 | grep -q 'out_001' ||
	    flunk "not connected to system:playback_2 after the restart"
	run -0 req '{"cmd":"stats"}'
	[ "$(jget "$output" .xruns)" -ge 1 ] || flunk "xruns not counted"
	assert_eq running "$(jget "$output" .state)"
}

@test "stop, start and close cycles; start opens the last device again" {
	local i f
	jackd_start 128 -m
	amixd_start -b alsa
	tone_graph 1000 -6
	req '{"cmd":"device_open","name":"paced","period":64,"periods":4}'
	for i in 1 2 3; do
		run -0 req '{"cmd":"start"}'
		assert_eq true "$(jget "$output" .ok)" "start $i"
		f=$(node_frames 2)
		wait_until 5 node_frames_above 2 $((f + 4800))
		req '{"cmd":"stop"}'
	done
	run -0 req '{"cmd":"device_close"}'
	run -0 req '{"cmd":"list"}'
	assert_eq false "$(jget "$output" .device.open)"
	run -0 req '{"cmd":"start"}'
	assert_eq true "$(jget "$output" .ok)"
	run -0 req '{"cmd":"list"}'
	assert_eq true "$(jget "$output" .device.open)"
	assert_eq paced "$(jget "$output" .device.name)"
	assert_eq 128 "$(jget "$output" .device.period)" "the server's period"
	f=$(node_frames 2)
	wait_until 5 node_frames_above 2 $((f + 4800))
}

@test "the JACK server killed: device_lost, the daemon answers, a new server brings it back" {
	local f
	jackd_start 128 -m
	amixd_start -b alsa
	tone_graph 1000 -6
	subscribe
	req '{"cmd":"device_open","name":"paced"}'
	req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	jackd_stop KILL
	wait_until 10 grep -q '"value":"device_lost"' "$BATS_TEST_TMPDIR/events"
	run -0 amctl ping
	engine_state_is device_lost
	# The same server name again: the engine reopens it by itself.
	jackd_start 128 -m
	wait_until 15 engine_state_is running
	f=$(node_frames 2)
	wait_until 5 node_frames_above 2 $((f + 48000))
	assert_eq 2 "$(grep -c '"value":"running"' "$BATS_TEST_TMPDIR/events")" \
	    "running events"
	amixd_alive || flunk "the daemon died"
}
