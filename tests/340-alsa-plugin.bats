#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The ALSA PCM plugin (alsa/, libasound_module_pcm_amixd.so) with real
# clients nobody here wrote: aplay, arecord, speaker-test, sox, ffmpeg,
# mpv. Each plays into a mixer that feeds a device_sink (null backend)
# and a file_sink recording the mix; the recording is checked with a
# sine fit. Also: two players mixed, pause and resume, a player killed,
# an xrun and its recovery, the daemon gone mid-play, no daemon at all.

load helpers

PLUG=$AM_TOP/build/alsa/libasound_module_pcm_amixd.so
TONES=$AM_TOP/tests/tools/tones.py
PAUSE=$AM_TOP/tests/tools/alsapause.py

setup_file() {
	[ -f "$PLUG" ] || flunk "$PLUG not built"
	# The shipped default graph: mixer "master" into device_sink "out".
	amixd_start -f "$AM_TOP/amixd/default.am"
	MIX=$(req '{"cmd":"list"}' | jq '.nodes[] | select(.name == "master") | .id')
	[ -n "$MIX" ] || flunk "no master"
	TONE=$(jget "$(req '{"cmd":"create_node","type":"tone","name":"capture","args":{"freq":1000,"db":-6}}')" .id)
	export MIX TONE
	# The plugin's defaults: play to master, record "capture".
	cat >"$BATS_FILE_TMPDIR/asound.conf" <<-EOC
	pcm_type.amixd { lib "$PLUG" }
	pcm.amixd { type amixd }
	pcm.amixdcap { type amixd }
	pcm.amixdmaster { type amixd target "master" }
	pcm.amixdgone { type amixd socket "$BATS_FILE_TMPDIR/gone/amixd.sock" }
	pcm.amixdnone { type amixd socket "$BATS_FILE_TMPDIR/none.sock" }
	EOC
	export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$BATS_FILE_TMPDIR/asound.conf
}

teardown_file() {
	amixd_stop
}

setup() {
	D=$BATS_TEST_TMPDIR
}

app_nodes() {
	req '{"cmd":"list"}' | jq '[.nodes[] | select(.type | startswith("app_"))] | length'
}

no_app_nodes() {
	[ "$(app_nodes)" = 0 ]
}

# True when the graph holds $1 app nodes (for wait_until: evaluated
# at each try).
app_nodes_are() {
	[ "$(app_nodes)" "${2:--eq}" "$1" ]
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

file_grows() {
	[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt 20000 ]
}

# Record the mix into $D/$1.wav from now on (once it is recording).
rec_start() {
	REC=$(jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$D/$1.wav\"}}")" .id)
	req "{\"cmd\":\"connect\",\"from\":$MIX,\"to\":$REC}" >/dev/null
	wait_until 5 file_grows "$D/$1.wav"
}

# Stop recording; $D/$1.trim.wav is the recording without the silence
# at either end.
rec_stop() {
	sleep 0.3
	req "{\"cmd\":\"destroy_node\",\"id\":$REC}" >/dev/null
	sox -V1 "$D/$1.wav" "$D/$1.trim.wav" silence 1 0.01 0.1% reverse \
	    silence 1 0.01 0.1% reverse
}

# The recording $1 (trimmed) holds one clean sine of $2 Hz lasting $3 s
# (±$4 s).
clean_sine() {
	local out
	out=$(sinefit "$D/$1.trim.wav")
	assert_near "$2" "$(jget "$out" .freq)" 0.5 "$1: frequency"
	below -50 "$(jget "$out" .resid_db)" "$1: residual (dB)"
	# An xrun on this loaded machine may drop a buffer at the start.
	assert_near "$3" "$(soxi -D "$D/$1.trim.wav" 2>/dev/null)" \
	    "${4:-0.3}" "$1: seconds"
}

# $2 < $1 (numbers)
below() {
	awk -v m="$1" -v a="$2" 'BEGIN { exit !(a != "" && a < m) }' ||
	    flunk "${3:-value}: expected below $1" "${3:-value}: actual $2"
}

# $1 (a recording, skipping $2 s) holds a clean 1 kHz tone at -6 dBFS,
# the "capture" tone node.
capture_tone() {
	local out
	out=$(sinefit "$1" 0 "$2")
	echo "$3: $out"
	assert_near 1000 "$(jget "$out" .freq)" 0.05 "$3: frequency"
	assert_near -6.02 "$(jget "$out" .amp_db)" 0.2 "$3: level"
	below -50 "$(jget "$out" .resid_db)" "$3: residual"
}

# $1, alsapause.py check's line for a recording with one pause: after it
# the sine goes on in phase, the second part $3 (default 0) frames from
# one frame (the ramp down's last, silenced) after the first; ramped at
# both edges, no click.
paused_in_phase() {
	assert_near 1 "$(jget "$1" .offset)" "${3:-0}" "$2: stream offset after resume"
	below -50 "$(jget "$1" .resid_db)" "$2: residual of one sine over both parts (dB)"
	below -14 "$(jget "$1" .edge_db)" "$2: peak at the gap's edges (dB)"
}

# $2 > $1 (numbers)
above() {
	awk -v m="$1" -v a="$2" 'BEGIN { exit !(a != "" && a > m) }' ||
	    flunk "${3:-value}: expected above $1" "${3:-value}: actual $2"
}

tones() {
	"$PY" "$TONES" "$@"
}

@test "aplay: a 44.1 kHz s16 WAV plays whole and clean; its node goes at the end" {
	sox -n -r 44100 -c 2 -b 16 "$D/in.wav" synth 2 sine 440 vol 0.5
	rec_start a
	run -0 timeout 20 aplay -q -D amixd "$D/in.wav"
	rec_stop a
	clean_sine a 440 2.0
	assert_near -6.02 "$(jget "$(sinefit "$D/a.trim.wav")" .amp_db)" 0.2 \
	    "level (dBFS)"
	no_app_nodes
}

@test "the app node is named after the client; target \"master\" by name plays" {
	sox -n -r 44100 -c 2 -b 16 "$D/in.wav" synth 3 sine 440 vol 0.5
	( exec_closed aplay -q -D amixdmaster "$D/in.wav" ) &
	local ap=$!
	wait_until 5 app_nodes_are 1
	run -0 req '{"cmd":"list"}'
	assert_eq "aplay.$ap" "$(jget "$output" '.nodes[] | select(.type == "app_source") | .name')" "node name"
	run -0 amctl set "aplay.$ap" db=-6
	kill -TERM "$ap"
	wait "$ap" || true
	wait_until 5 no_app_nodes
}

@test "no default target: open fails saying what to create" {
	local dir=$BATS_FILE_TMPDIR/empty
	(
		AMIXD_DIR=$dir
		amixd_start -n
	)
	cat >"$D/e.conf" <<-EOC
	pcm.amixdempty { type amixd socket "$dir/amixd.sock" }
	EOC
	ALSA_CONFIG_PATH=$ALSA_CONFIG_PATH:$D/e.conf run ! timeout 20 \
	    aplay -q -D amixdempty /dev/null
	assert_match 'amixd: .*(master|device_sink)' "$output"
	kill -TERM "$(cat "$dir/amixd.pid")"
}

@test "aplay: 22050 Hz mono S24_3LE, float and S32 play clean" {
	sox -n -r 22050 -c 1 -b 24 "$D/in24.wav" synth 1 sine 330 vol 0.5
	sox -n -r 22050 -c 2 -e float -b 32 "$D/inf.wav" synth 1 sine 550 vol 0.5
	sox -n -r 32000 -c 2 -b 32 "$D/in32.wav" synth 1 sine 770 vol 0.5
	rec_start m24
	run -0 timeout 20 aplay -q -D amixd "$D/in24.wav"
	rec_stop m24
	clean_sine m24 330 1.0
	rec_start f32
	run -0 timeout 20 aplay -q -D amixd "$D/inf.wav"
	rec_stop f32
	clean_sine f32 550 1.0
	rec_start s32
	run -0 timeout 20 aplay -q -D amixd "$D/in32.wav"
	rec_stop s32
	clean_sine s32 770 1.0
}

@test "aplay: a 5.1 WAV (6 channels) is taken, its ring carries 6; 9 channels are refused" {
	# FL and FR a 440 Hz sine, the other four silent: the stereo mix
	# hears the pair, whether the graph passes FL/FR (stereo buffers) or
	# down-mixes 5.1 to stereo.
	sox -n -r 48000 -c 6 -b 16 "$D/in6.wav" synth 1 sine 440 sine 440 \
	    sine 440 sine 440 sine 440 sine 440 remix 1 2 0 0 0 0 vol 0.5
	rec_start six
	run -0 timeout 20 aplay -q -D amixd "$D/in6.wav"
	rec_stop six
	clean_sine six 440 1.0
	sox -n -r 48000 -c 9 -b 16 "$D/in9.wav" synth 0.1 sine 440
	run ! timeout 20 aplay -q -D amixd "$D/in9.wav"
	assert_match 'hannels' "$output" "aplay says the channel count is refused"
}

@test "aplay -M (mmap) and a 500 ms buffer: clean, few wake-ups" {
	sox -n -r 48000 -c 2 -b 16 "$D/in.wav" synth 2 sine 440 vol 0.5
	rec_start mm
	run -0 timeout 20 /usr/bin/time -f 'ctxsw %w' aplay -q -M -B 500000 \
	    -F 125000 -D amixd "$D/in.wav"
	rec_stop mm
	clean_sine mm 440 2.0
	# One wake-up per avail_min (a period, 125 ms): ~16 in 2 s, not
	# one per engine period (hundreds).
	local n=${output##*ctxsw }
	[ "$n" -lt 80 ] || flunk "aplay slept $n times in 2 s"
}

@test "aplay at 128-frame periods is woken by the engine's pipe, not the control thread" {
	local pid v0 v1 ctl rc=0
	sox -n -r 48000 -c 2 -b 16 "$D/lo-in.wav" synth 3 sine 440 vol 0.5
	rec_start lo
	timeout 20 aplay -q -B 10667 -F 2667 -D amixd "$D/lo-in.wav" 3>&- &
	pid=$!
	sleep 1
	# The main thread is the daemon's control thread.
	v0=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' \
	    "/proc/$AMIXD_PID/task/$AMIXD_PID/status")
	sleep 1
	v1=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' \
	    "/proc/$AMIXD_PID/task/$AMIXD_PID/status")
	wait "$pid" || rc=$?
	assert_eq 0 "$rc" "aplay's status"
	rec_stop lo
	ctl=$((v1 - v0))
	echo "# control thread: $ctl wake-ups/s; aplay wakes each 2.67 ms" >&3
	# Through the control thread that was one a period of aplay's
	# (375/s) at least; what is left is its timers.
	[ "$ctl" -le 150 ] || flunk "control thread: $ctl wake-ups/s"
	# An xrun of this loaded machine may cut the stream: a sine still.
	assert_near 440 "$(jget "$(sinefit "$D/lo.trim.wav")" .freq)" 0.5 \
	    "frequency"
}

@test "speaker-test -t sine plays a clean sine, S16_LE and S24_LE (24 in 32)" {
	local f out lvl=
	for f in S16_LE S24_LE; do
		rec_start "st$f"
		run -0 timeout 30 speaker-test -D amixd -t sine -f 440 -c 1 \
		    -l 1 -r 48000 -F "$f"
		assert_match "$f" "$output"
		rec_stop "st$f"
		out=$(sinefit "$D/st$f.trim.wav")
		assert_near 440 "$(jget "$out" .freq)" 0.5 "$f: frequency"
		below -50 "$(jget "$out" .resid_db)" "$f: residual (dB)"
		# The same level whatever the format: S24_LE's 24 bits are
		# scaled, not taken as the top of a 32-bit sample.
		[ -n "$lvl" ] || lvl=$(jget "$out" .amp_db)
		assert_near "$lvl" "$(jget "$out" .amp_db)" 0.1 "$f: level"
		below 0 "$lvl" "level"
		below "$lvl" -20 "level (dBFS, above -20)"
	done
}

@test "aplay -N (non-blocking) plays clean" {
	sox -n -r 48000 -c 2 -b 16 "$D/in.wav" synth 2 sine 440 vol 0.5
	rec_start nb
	run -0 timeout 20 aplay -q -N -D amixd "$D/in.wav"
	rec_stop nb
	clean_sine nb 440 2.0
}

@test "sox -t alsa amixd: output at 44100 and 22050 Hz" {
	rec_start sx
	run -0 timeout 20 sox -q -n -r 44100 -t alsa amixd synth 2 sine 440 vol 0.5
	rec_stop sx
	clean_sine sx 440 2.0
	rec_start sy
	run -0 timeout 20 sox -q -n -r 22050 -c 1 -t alsa amixd synth 1 sine 660 vol 0.5
	rec_stop sy
	clean_sine sy 660 1.0
}

@test "ffmpeg -f alsa amixd plays; mpv --ao=alsa plays" {
	rec_start ff
	run -0 timeout 20 ffmpeg -nostdin -loglevel error -f lavfi \
	    -i "sine=frequency=440:duration=2:sample_rate=44100" -f alsa amixd
	rec_stop ff
	clean_sine ff 440 2.0
	sox -n -r 44100 -c 2 -b 16 "$D/in.wav" synth 2 sine 550 vol 0.5
	rec_start mp
	run -0 timeout 20 mpv --no-config --really-quiet --no-video \
	    --ao=alsa --audio-device=alsa/amixd "$D/in.wav"
	rec_stop mp
	clean_sine mp 550 2.0
	no_app_nodes
}

@test "two players at once are mixed; one killed with SIGKILL: its node goes, the other plays on" {
	sox -n -r 44100 -c 2 -b 16 "$D/a.wav" synth 8 sine 440 vol 0.25
	rec_start two
	# No timeout(1) in between: the signals go to the players.
	( exec_closed aplay -q -D amixd "$D/a.wav" 2>"$D/a.err" ) &
	local ap=$!
	( exec_closed sox -q -n -r 22050 -t alsa amixd synth 3 sine 660 vol 0.25 ) &
	local sx=$!
	wait_until 5 app_nodes_are 2
	sleep 1
	kill -KILL "$ap"
	wait_until 5 app_nodes_are 1 -le
	wait_until 10 gone "$sx"
	wait "$sx"
	rec_stop two
	wait "$ap" || true
	no_app_nodes
	# Both tones were there, each at -12 dBFS, while both played.
	sox -V1 "$D/two.trim.wav" "$D/both.wav" trim 0.2 0.6
	local out
	out=$(tones "$D/both.wav" 440 660)
	assert_near -12 "$(jget "$out" '.amp_db[0]')" 0.5 "440 Hz (dBFS)"
	assert_near -12 "$(jget "$out" '.amp_db[1]')" 0.5 "660 Hz (dBFS)"
	below -40 "$(jget "$out" .resid_db)" "residual (dB)"
	# The sox stream lasts 3 s whatever became of aplay.
	out=$(tones "$D/two.trim.wav" 660)
	assert_near 3.0 "$(jget "$out" .active_s)" 0.15 "660 Hz seconds"
}

@test "mpv paused and resumed: silence while paused, then the rest, in phase" {
	sox -n -r 44100 -c 2 -b 16 "$D/in.wav" synth 2 sine 440 vol 0.5
	rec_start pz
	timeout 20 mpv --no-config --really-quiet --no-video --ao=alsa \
	    --audio-device=alsa/amixd --input-ipc-server="$D/mpv.sock" \
	    "$D/in.wav" &
	local mp=$!
	# Pause once it plays (mpv starts slowly on a loaded machine).
	wait_until 10 app_nodes_are 1
	wait_until 5 test -S "$D/mpv.sock"
	sleep 0.5
	echo '{"command":["set_property","pause",true]}' |
	    socat - UNIX-CONNECT:"$D/mpv.sock" >/dev/null
	sleep 1.5
	# Resume, and ask mpv that it took it: a command sent while mpv
	# still handles the pause can go unanswered on a loaded machine.
	local try r
	for try in 1 2 3 4 5; do
		echo '{"command":["set_property","pause",false]}' |
		    socat - UNIX-CONNECT:"$D/mpv.sock" >/dev/null
		sleep 0.2
		r=$(echo '{"command":["get_property","pause"]}' |
		    socat - UNIX-CONNECT:"$D/mpv.sock" 2>/dev/null)
		case $r in *'"data":false'*) break ;; esac
	done
	wait "$mp"
	rec_stop pz
	local out
	out=$(tones "$D/pz.trim.wav" 440)
	# 2 s of sound (what the 100 ms buffer held at the pause is played,
	# not lost; an xrun on this loaded machine may cost a buffer), with
	# a pause of ~1.5 s in it.
	assert_near 2.0 "$(jget "$out" .active_s)" 0.25 "seconds of sound"
	assert_near 3.4 "$(jget "$out" .seconds)" 0.35 "seconds in all"
	# A true pause: exact silence, then the sine goes on where it
	# stopped: one sine fits both parts, the second one frame (the
	# ramp down's last, silenced) after the first.
	out=$("$PY" "$PAUSE" check "$D/pz.wav" 440 96000)
	echo "$out"
	above 48000 "$(jget "$out" .gap)" "frames of silence while paused"
	# (resampled: within a frame)
	paused_in_phase "$out" mpv 1
	assert_near -6.02 "$(jget "$out" .amp_db)" 0.2 "level"
}

# The engine's period, frames.
engine_period() {
	req '{"cmd":"list"}' | jq '.device.period'
}

# A pause's ramp, frames at 48 kHz: a period, at least 5 ms.
pause_ramp() {
	local p
	p=$(engine_period)
	echo $((p > 240 ? p : 240))
}

@test "snd_pcm_pause is a true pause: silence at once, then the sine goes on in phase, nothing lost (48000, 44100 Hz)" {
	local rate r out period ramp
	period=$(engine_period)
	ramp=$(pause_ramp)
	for rate in 48000 44100; do
		rec_start "tp$rate"
		r=$(timeout 20 "$PY" "$PAUSE" play amixd "$rate")
		rec_stop "tp$rate"
		echo "$r"
		out=$("$PY" "$PAUSE" check "$D/tp$rate.wav" 997 96000 \
		    "$period" "$ramp" "$r")
		echo "$out"
		# Silence while paused (exact zeros, for about the 1 s).
		assert_near 48000 "$(jget "$out" .gap)" 9600 "$rate: gap (frames)"
		# Sound after the pause: what the engine had taken, then at
		# most a period and the ramp (a period more for the noise of
		# a loaded machine between avail and pause).
		below "$((period + ramp + period + 1))" "$(jget "$out" .after)" \
		    "$rate: frames of sound after the pause"
		above -2 "$(jget "$out" .after)" \
		    "$rate: frames the engine had taken, unheard"
		# Nothing lost, nothing twice: every frame heard (but two
		# silent ones), and the sine goes on where it stopped.
		if [ "$rate" = 48000 ]; then
			paused_in_phase "$out" "$rate"
			# Not heard: the sine's first sample (sin 0) and the
			# ramp down's last; a third by chance at 0.
			assert_near 2 "$(jget "$out" .missing)" 1 "$rate: frames not heard"
		else
			# Resampled: the converter's delay holds a few frames
			# at the end (not drained); none go at the pause.
			paused_in_phase "$out" "$rate" 1
			# (the count comes from a phase fit: a few frames either way)
			assert_near 20 "$(jget "$out" .missing)" 24 "$rate: frames not heard"
		fi
		assert_near 997 "$(jget "$out" .freq)" 0.05 "$rate: frequency"
		assert_near -6.02 "$(jget "$out" .amp_db)" 0.2 "$rate: level"
		# snd_pcm_delay while paused: what the ring holds plus the
		# output latency (0 to 50 ms), not falling with time (less
		# the few frames a resampler holds, which it does not count).
		below 4800 "$(jget "$out" .paused_delay_max)" "$rate: delay - held, paused (max)"
		above -300 "$(jget "$out" .paused_delay_min)" "$rate: delay - held, paused (min)"
		# At least the first paused delay less two periods, that
		# bound included (it was met exactly once).
		above "$(($(jget "$r" .paused_delays[0]) - 2 * period - 1))" \
		    "$(jget "$r" '.paused_delays | min')" "$rate: delay while paused (lowest)"
	done
	no_app_nodes
}

@test "a running stream's tail below the engine's start level is played, not held back" {
	# 1000 frames, less than the ring's low watermark (~75 ms), started
	# by hand and waited for by the delay, with no drain.
	run -0 timeout 20 "$PY" "$AM_TOP/tests/tools/alsatail.py" amixd 1000 3
	wait_until 5 no_app_nodes
}

@test "an xrun (aplay stopped for 0.5 s) is -EPIPE; aplay recovers and finishes" {
	sox -n -r 48000 -c 2 -b 16 "$D/in.wav" synth 3 sine 440 vol 0.5
	( exec_closed aplay -D amixd -B 100000 "$D/in.wav" 2>"$D/err" ) &
	local ap=$!
	wait_until 5 app_nodes_are 1
	sleep 0.5
	kill -STOP "$ap"
	sleep 0.5
	kill -CONT "$ap"
	wait_until 10 gone "$ap"
	wait "$ap"
	grep -q 'underrun' "$D/err" || flunk "no underrun reported:" "$(cat "$D/err")"
	no_app_nodes
}

@test "snd_pcm_delay comes from the engine's clock: it falls between periods, at the rate" {
	# From ring fill and device buffer alone it would move only when the
	# engine runs a period (every 2.67 ms): about 15 values in 40 ms.
	# From the clock it falls with time: a new value at nearly every
	# read (about one a millisecond), at 48000 frames a second.
	local r try
	# A host stall inside the 40 ms window restarts the clock (a slope
	# of 39444 once in .ci/run, in a spell of stalls): up to three
	# windows for one at the rate; the checks below are on the last.
	for try in 1 2 3; do
		r=$(/usr/bin/python3 "$AM_TOP/tests/tools/alsadelay.py" amixd)
		echo "# try $try: $r" >&3
		jq -e '.slope <= -43200 and .slope >= -52800' <<<"$r" \
		    >/dev/null && break
	done
	echo "$r"
	[ "$(jq '.distinct >= 0.8 * .reads' <<<"$r")" = true ] ||
	    flunk "delay moved in steps: $r"
	assert_near 48000 "$(jq '-.slope' <<<"$r")" 4800 "frames/s the delay falls"
	# What a full 200 ms buffer and the device's two periods hold.
	[ "$(jq '.first > 4800 and .first < 12800' <<<"$r")" = true ] ||
	    flunk "delay out of range: $r"
}

@test "arecord, sox and ffmpeg record a tone node through the capture PCM" {
	run -0 timeout 20 arecord -q -D amixdcap -f S16_LE -r 48000 -c 2 -d 1 "$D/ar.wav"
	local out
	out=$(sinefit "$D/ar.wav" 0 0.05)
	assert_near 1000 "$(jget "$out" .freq)" 0.5 "arecord: frequency"
	assert_near -6.02 "$(jget "$out" .amp_db)" 0.2 "arecord: level"
	below -50 "$(jget "$out" .resid_db)" "arecord: residual"
	assert_eq 48000 "$(soxi -s "$D/ar.wav")" "arecord: samples"
	run -0 timeout 20 sox -q -t alsa amixdcap -r 48000 -c 1 -b 32 -e float "$D/sx.wav" trim 0 1
	out=$(sinefit "$D/sx.wav" 0 0.05)
	assert_near 1000 "$(jget "$out" .freq)" 0.5 "sox: frequency"
	below -50 "$(jget "$out" .resid_db)" "sox: residual"
	run -0 timeout 20 ffmpeg -nostdin -loglevel error -f alsa \
	    -sample_rate 48000 -channels 2 -i amixdcap -t 1 -y "$D/ff.wav"
	out=$(sinefit "$D/ff.wav" 0 0.05)
	assert_near 1000 "$(jget "$out" .freq)" 0.5 "ffmpeg: frequency"
	no_app_nodes
}

@test "capture at 44100 and 22050 Hz, no plug: the engine converts, clean" {
	local rate
	for rate in 44100 22050; do
		run -0 timeout 20 arecord -q -D amixdcap -f S16_LE -r "$rate" -c 2 -d 1 "$D/r$rate.wav"
		assert_eq "$rate" "$(soxi -r "$D/r$rate.wav")" "arecord -r $rate: rate"
		assert_eq "$rate" "$(soxi -s "$D/r$rate.wav")" "arecord -r $rate: samples"
		capture_tone "$D/r$rate.wav" 0.05 "arecord -r $rate"
	done
	run -0 timeout 20 sox -q -t alsa amixdcap -r 44100 -c 1 -b 16 "$D/sx44.wav" trim 0 1
	assert_eq 44100 "$(soxi -r "$D/sx44.wav")" "sox: rate"
	capture_tone "$D/sx44.wav" 0.05 "sox 44100"
	no_app_nodes
}

@test "capture paused: the engine stops writing; resumed: the tone again, clean" {
	local r rate=44100 a
	r=$(ALSAPAUSE_OUT=$D/cp. timeout 20 "$PY" "$PAUSE" capture amixdcap "$rate")
	echo "$r"
	# Paused: nothing more to read after the ramp (1 s at 44.1 kHz
	# would be 44100 frames, or an overrun).
	for a in $(jq '.avails[]' <<<"$r"); do
		above -1 "$a" "avail while paused"
		assert_eq "$(jq '.avails[0]' <<<"$r")" "$a" "avail while paused"
	done
	for a in before after; do
		sox -t raw -r "$rate" -e signed -b 16 -c 2 "$D/cp.$a.raw" "$D/cp.$a.wav"
	done
	capture_tone "$D/cp.before.wav" 0.05 before
	# After: what the ring held at the pause, the ramps, then the tone.
	capture_tone "$D/cp.after.wav" 0.2 after
	no_app_nodes
}

@test "amctl set NAME paused=1 pauses an application's node; paused=0 resumes it, in phase" {
	local ap out period
	period=$(engine_period)
	sox -n -r 48000 -c 2 -b 16 "$D/s.wav" synth 2 sine 997 vol 0.5
	rec_start ap
	( exec_closed aplay -q -D amixd -B 300000 "$D/s.wav" ) &
	ap=$!
	wait_until 5 app_nodes_are 1
	sleep 0.5
	run -0 amctl set "aplay.$ap" paused=1
	run -0 req '{"cmd":"list"}'
	assert_eq 1 "$(jget "$output" ".nodes[] | select(.name == \"aplay.$ap\") | .args.paused")" "paused, as listed"
	# A bad value is refused and changes nothing.
	run ! amctl set "aplay.$ap" paused=2
	assert_match 'paused' "$output"
	sleep 1
	run -0 amctl set "aplay.$ap" paused=0
	wait_until 10 gone "$ap"
	wait "$ap"
	rec_stop ap
	out=$("$PY" "$PAUSE" check "$D/ap.wav" 997 96000)
	echo "$out"
	above 43200 "$(jget "$out" .gap)" "frames of silence while paused"
	paused_in_phase "$out" "amctl set"
	assert_near 2 "$(jget "$out" .missing)" 1 "frames not heard (sin 0, the ramp's last)"
}

@test "the daemon gone mid-play: aplay exits with an error at once, naming why" {
	local dir=$BATS_FILE_TMPDIR/gone pid
	(
		AMIXD_DIR=$dir
		amixd_start -f "$AM_TOP/amixd/default.am"
	)
	pid=$(cat "$dir/amixd.pid")
	sox -n -r 44100 -c 2 -b 16 "$D/in.wav" synth 10 sine 440 vol 0.5
	( exec_closed timeout 30 aplay -q -D amixdgone "$D/in.wav" 2>"$D/err" ) &
	local ap=$! rc=0
	AUDIOMIXERD_SOCKET=$dir/amixd.sock wait_until 5 app_nodes_are 1
	kill -KILL "$pid"
	local t0=$SECONDS
	wait "$ap" || rc=$?
	[ "$rc" -ne 0 ] || flunk "aplay exited 0"
	[ "$rc" -ne 124 ] || flunk "aplay hung"
	[ $((SECONDS - t0)) -le 3 ] || flunk "aplay took $((SECONDS - t0)) s"
	grep -q 'amixd: the daemon went away' "$D/err" || flunk "$(cat "$D/err")"
}

@test "no daemon: snd_pcm_open fails, naming the socket" {
	run ! timeout 20 aplay -q -D amixdnone "$D/none.wav"
	assert_match "cannot connect to amixd at $BATS_FILE_TMPDIR/none.sock" "$output"
	run ! timeout 20 sox -q -n -t alsa amixdnone synth 0.1 sine 440
	assert_match "none.sock" "$output"
}

@test "bad plugin options are refused with a clear error" {
	cat >"$D/bad.conf" <<-EOC
	pcm.amixdbad { type amixd color "red" }
	pcm.amixdnonode { type amixd target 9999 }
	EOC
	local cfg=$ALSA_CONFIG_PATH:$D/bad.conf
	run ! env ALSA_CONFIG_PATH="$cfg" timeout 20 aplay -q -D amixdbad /dev/null
	assert_match 'unknown option color' "$output"
	run ! env ALSA_CONFIG_PATH="$cfg" timeout 20 aplay -q -D amixdnonode /dev/null
	assert_match '9999' "$output"
	no_app_nodes
}

# chfit FILE FREQ...: the amplitude of each FREQ in each channel (JSON).
chfit() {
	"$PY" "$AM_TOP/tests/tools/chfit.py" "$@"
}

# fits_are JSON ROW WANT...: in channel ROW of chfit's JSON, tone k at
# WANT k: ±0.01 where a tone is wanted (an xrun of this loaded machine
# may cut a buffer), below 1e-3 (-60 dB) where none is.
fits_are() {
	local out=$1 row=$2 k=0 w
	shift 2
	for w in "$@"; do
		if [ "$w" = 0 ]; then
			below 1e-3 "$(jq ".amp[$row][$k]" <<<"$out")" \
			    "channel $row, tone $k (none)"
		else
			assert_near "$w" "$(jq ".amp[$row][$k]" <<<"$out")" \
			    0.01 "channel $row, tone $k"
		fi
		k=$((k + 1))
	done
}

@test "aplay of a 5.1 WAV into master: a 6-channel file_sink records each channel, the stereo one the down-mix" {
	local f args= six out k
	# sox gives the n-th sine to the n-th channel: FL 300 Hz ... RR 1300
	for f in 300 500 700 900 1100 1300; do
		args="$args sine $f"
	done
	# shellcheck disable=SC2086
	sox -n -r 48000 -c 6 -b 16 "$D/in51.wav" synth 2 $args gain -10
	six=$(jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$D/six.wav\",\"layout\":\"5.1\"}}")" .id)
	req "{\"cmd\":\"connect\",\"from\":$MIX,\"to\":$six}" >/dev/null
	rec_start two
	run -0 timeout 20 aplay -q -D amixd "$D/in51.wav"
	rec_stop two
	req "{\"cmd\":\"destroy_node\",\"id\":$six}" >/dev/null
	wait_until 10 sink_closed "$D/six.wav"
	sox -V1 "$D/six.wav" "$D/six.trim.wav" silence 1 0.01 0.1% reverse \
	    silence 1 0.01 0.1% reverse
	assert_eq 6 "$(soxi -c "$D/six.trim.wav")" "six: channels"
	assert_near 2 "$(soxi -D "$D/six.trim.wav")" 0.3 "six: seconds"
	out=$(chfit "$D/six.trim.wav" 300 500 700 900 1100 1300)
	# -10 dBFS: A = 0.316228, each channel its own tone alone
	for k in 0 1 2 3 4 5; do
		# shellcheck disable=SC2046
		fits_are "$out" "$k" $(for f in 0 1 2 3 4 5; do
			[ "$f" = "$k" ] && echo 0.316228 || echo 0; done)
	done
	# amixd(7): L = FL + g FC + g RL, R = FR + g FC + g RR, g = 1/sqrt 2,
	# LFE left out: g A = 0.223607
	assert_eq 2 "$(soxi -c "$D/two.trim.wav")" "two: channels"
	out=$(chfit "$D/two.trim.wav" 300 500 700 900 1100 1300)
	fits_are "$out" 0 0.316228 0 0.223607 0 0.223607 0
	fits_are "$out" 1 0 0.316228 0.223607 0 0 0.223607
}

@test "speaker-test -c 6 -t sine: the plugin's channel map names each channel; each sounds in turn where it says" {
	local six order
	six=$(jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$D/st6.wav\",\"layout\":\"5.1\"}}")" .id)
	req "{\"cmd\":\"connect\",\"from\":$MIX,\"to\":$six}" >/dev/null
	wait_until 5 file_grows "$D/st6.wav"
	# 3 s of sine per channel, in speaker-test's order of positions
	run -0 timeout 90 speaker-test -D amixd -t sine -f 440 -c 6 -l 1 \
	    -r 48000 -F S16_LE -b 200000 -p 50000
	req "{\"cmd\":\"destroy_node\",\"id\":$six}" >/dev/null
	# get_chmap: amixd's 5.1 is FL FR FC LFE RL RR, not ALSA's guess
	# (FL FR RL RR FC LFE): without it "4 - Center" played on RL
	assert_match ' 2 - Front Center' "$output" "speaker-test: FC is channel 2"
	assert_match ' 3 - LFE' "$output" "speaker-test: LFE is channel 3"
	order=$(sed -n 's/^ *\([0-5]\) - .*/\1/p' <<<"$output" | tr '\n' ' ')
	assert_eq "0 2 1 5 4 3 " "$order" "speaker-test's order"
	wait_until 10 sink_closed "$D/st6.wav"
	# Each channel of the recording: when it is loud (0.1 s blocks
	# above -40 dBFS RMS); they must take turns in that order, each
	# for about its 3 s, two at once only in a block that straddles a
	# turn.
	run -0 "$PY" -c '
import subprocess, sys, numpy as np
raw = subprocess.run(["sox", "-V1", sys.argv[1], "-t", "f32", "-"],
                     capture_output=True, check=True).stdout
x = np.frombuffer(raw, "<f4").reshape(-1, 6)
b = 4800
e = np.sqrt((x[:len(x) // b * b].reshape(-1, b, 6) ** 2).mean(axis=1))
on = e > 0.01
both = int((on.sum(axis=1) > 1).sum())
assert both <= 5, "two channels at once in %d blocks" % both
first = [int(np.argmax(on[:, k])) if on[:, k].any() else -1 for k in range(6)]
for k in range(6):
    assert 20 <= on[:, k].sum() <= 40, "channel %d: %d blocks" % (k, on[:, k].sum())
print(" ".join(str(k) for k in sorted(range(6), key=lambda k: first[k])))
' "$D/st6.wav" 2>&1
	assert_eq "${order% }" "$output" "the recording: channels in turn"
}
