#!/usr/bin/env bats
# The JACK backend against a real server: jackd with the dummy driver,
# synchronous (-S), paced in real time, under a server name of this file
# alone. amixd plays into its ports and records from them; jack_rec and
# a second amixd are the other JACK clients. Recordings are compared
# sample for sample with offline renders of the same graph.

load helpers

ALIGN=("$PY" "$BATS_TEST_DIRNAME/jack/align.py")

setup_file() {
	# Never let libjack start a server of its own; the server has a
	# name of this file (and checkout) alone, never a PID (helpers.bash).
	jack_server_name 310
}

# A server killed with SIGKILL leaves its semaphores in /dev/shm; the
# name is this file's alone, so whatever carries it can go.
teardown_file() {
	jack_server_clean
}

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
	SRC_PID=
	SUB_PID=
}

teardown() {
	amixd_stop
	[ -z "$SRC_PID" ] || AMIXD_PID=$SRC_PID amixd_stop
	[ -z "$SUB_PID" ] || { kill "$SUB_PID" 2>/dev/null; wait "$SUB_PID"; } || true
	jackd_stop
}

# True when jack_lsp -c lists port $2 among the connections of port $1.
jack_linked() {
	jack_lsp -c "$1" 2>/dev/null | grep -qx "[[:space:]]*$2"
}

# The test graph: a 997 Hz tone at -3 dB plus seeded noise at -60 dB
# (so a recording has one place in a render only), mixed, through a
# gain of -6 dB. Creates it on the daemon; prints the gain's id.
graph_live() {
	local t n m g
	t=$(req '{"cmd":"create_node","type":"tone","args":{"freq":997,"db":-3}}' | jq .id)
	n=$(req '{"cmd":"create_node","type":"tone","args":{"waveform":"noise","db":-60,"seed":7}}' | jq .id)
	m=$(req '{"cmd":"create_node","type":"mixer"}' | jq .id)
	g=$(req '{"cmd":"create_node","type":"gain","args":{"db":-6}}' | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$m}" >/dev/null
	req "{\"cmd\":\"connect\",\"from\":$n,\"to\":$m}" >/dev/null
	req "{\"cmd\":\"connect\",\"from\":$m,\"to\":$g}" >/dev/null
	echo "$g"
}

# graph_render PERIOD SECONDS FILE: the same graph rendered offline from
# position 0 into an f32 file, with the period the live run had.
graph_render() {
	cat >"$BATS_TEST_TMPDIR/render.am" <<EOS
open rate=48000 period=$1
t = create tone freq=997 db=-3
n = create tone waveform=noise db=-60 seed=7
m = create mixer
g = create gain db=-6
f = create file_sink path=$3 sample=f32
connect \$t \$m
connect \$n \$m
connect \$m \$g
connect \$g \$f
EOS
	amixd -b null --render "$2" "$BATS_TEST_TMPDIR/render.am"
}

# A device sink after node $1; prints its id.
add_sink() {
	local s
	s=$(req '{"cmd":"create_node","type":"device_sink"}' | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$1,\"to\":$s}" >/dev/null
	echo "$s"
}

# True when FILE ($3) has exactly $1 lines matching $2.
count_is() {
	[ "$(grep -c -- "$2" "$3")" -eq "$1" ]
}

# True when the daemon's device runs period $1.
period_is() {
	[ "$(req '{"cmd":"list"}' | jq .device.period)" = "$1" ]
}

# Destroy every node of the daemon's graph.
graph_clear() {
	local id
	for id in $(req '{"cmd":"list"}' | jq '.nodes[].id'); do
		req "{\"cmd\":\"destroy_node\",\"id\":$id}" >/dev/null
	done
}

# Milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# record_check PERIOD SINK SECONDS: jack_rec amixd's playback ports and
# check the tone's frequency and level, then that the recording is the
# offline render of the same graph, sample for sample, once aligned.
record_check() {
	local d=$BATS_TEST_TMPDIR rec=$BATS_TEST_TMPDIR/rec.wav out pos
	rm -f "$rec"
	run -0 timeout 30 jack_rec -f "$rec" -d "$3" -b 32 amixd:playback_1 \
	    amixd:playback_2
	assert_eq $((48000 * $3)) "$(soxi -s "$rec")" "frames recorded"
	out=$(sinefit "$rec")
	assert_near 997 "$(jget "$out" .freq)" 0.01 "frequency"
	assert_near -9 "$(jget "$out" .amp_db)" 0.02 "level (dB)"
	# The noise is ~59 dB below the tone; a click would show far above.
	assert_near -58.8 "$(jget "$out" .resid_db)" 2 "residual (dB)"
	assert_eq 0 "$(jget "$out" .chan_diff)" "left - right"
	# Render past where the live graph is now, then find the recording.
	pos=$(node_frames "$2")
	graph_render "$1" $((pos / 48000 + 2)) "$d/ref.wav"
	out=$("${ALIGN[@]}" "$rec" "$d/ref.wav")
	[ "$(jget "$out" .offset)" != null ] ||
	    flunk "recording not found in the render: $out"
	assert_eq $((48000 * $3)) "$(jget "$out" .frames)" "frames compared"
	assert_eq 0 "$(jget "$out" .mismatch)" "frames differing: $out"
}

@test "no server: device_open fails fast with a clear error, none is started" {
	local t0 ms
	amixd_start -b jack
	t0=$(now_ms)
	run -0 req '{"cmd":"device_open"}'
	ms=$(($(now_ms) - t0))
	assert_eq false "$(jget "$output" .ok)"
	assert_eq device "$(jget "$output" .error.code)"
	assert_match "no server '$JACK_DEFAULT_SERVER' is running" \
	    "$(jget "$output" .error.message)"
	echo "# device_open without a server: $ms ms" >&3
	[ "$ms" -lt 1000 ] || flunk "device_open took $ms ms"
	run -0 req '{"cmd":"start"}'
	assert_eq device "$(jget "$output" .error.code)"
	run -0 req '{"cmd":"list"}'
	assert_eq stopped "$(jget "$output" .state)"
	run ! jack_lsp
	run -0 amctl ping
}

@test "tone -> gain -> device_sink: connected to system playback, recording sample-exact" {
	local g s f out
	jackd_start 128
	amixd_start -b jack
	run -0 req '{"cmd":"device_open"}'
	assert_eq true "$(jget "$output" .ok)"
	assert_eq jack "$(jget "$output" .device.backend)"
	assert_eq amixd "$(jget "$output" .device.name)" "client name"
	assert_eq 48000 "$(jget "$output" .device.rate)"
	assert_eq 128 "$(jget "$output" .device.period)"
	assert_eq f32 "$(jget "$output" .device.format)"
	g=$(graph_live)
	s=$(add_sink "$g")
	run -0 req '{"cmd":"start"}'
	wait_until 5 jack_linked amixd:playback_1 system:playback_1
	jack_linked amixd:playback_2 system:playback_2
	jack_linked amixd:capture_1 system:capture_1
	jack_linked amixd:capture_2 system:capture_2
	wait_until 5 node_frames_above "$s" 4800
	out=$(req '{"cmd":"stats"}')
	assert_eq jack "$(jget "$out" .backend)"
	assert_eq running "$(jget "$out" .state)"
	assert_eq 128 "$(jget "$out" .period)"
	# jackd -R as root: JACK runs our process callback SCHED_FIFO.
	assert_eq true "$(jget "$out" .rt)" "real-time"
	assert_eq sched "$(jget "$out" .rt_via)" "as JACK set it up"
	record_check 128 "$s" 2
	# Stop deactivates the client (JACK drops its connections); start
	# activates it again and connects it again.
	run -0 req '{"cmd":"stop"}'
	wait_until 5 eval '! jack_linked amixd:playback_1 system:playback_1'
	f=$(node_frames "$s")
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above "$s" $((f + 4800))
	wait_until 5 jack_linked amixd:playback_1 system:playback_1
}

@test "JACK carries samples beyond full scale and counts them in the device sink's clipped" {
	local out frames clipped
	jackd_start 128
	amixd_start -b jack
	run -0 req '{"cmd":"device_open"}'
	req '{"cmd":"create_node","type":"tone","args":{"freq":1000,"db":0}}' >/dev/null
	req '{"cmd":"create_node","type":"gain","args":{"db":6.0206}}' >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
	req '{"cmd":"connect","from":2,"to":3}' >/dev/null
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above 3 9600
	run -0 req '{"cmd":"stop"}'
	out=$(req '{"cmd":"stats"}')
	frames=$(jget "$out" '.nodes[] | select(.id == 3) | .frames')
	clipped=$(jget "$out" '.nodes[] | select(.id == 3) | .clipped')
	# 1 kHz at 48 kHz, peak 2: 15 of every 24 samples are beyond 1.
	assert_near 0.625 "$(awk -v c="$clipped" -v f="$frames" \
	    'BEGIN { printf "%.4f", c / (2 * f) }')" 0.002 \
	    "clipped per sample ($clipped of $frames frames)"
	assert_eq 0 "$(jget "$out" '.nodes[] | select(.id == 2) | .clipped')" \
	    "a gain counts nothing"
}

@test "capture: another client's tone through capture ports into a file_sink, sample-exact" {
	local d=$BATS_TEST_TMPDIR src g s ds fs out
	jackd_start 128
	# The other client: a second amixd named "src", not autoconnected.
	AMIXD_DIR=$d/src amixd_start -b jack -d src
	SRC_PID=$AMIXD_PID
	src=$AUDIOMIXERD_SOCKET
	run -0 req '{"cmd":"device_open","autoconnect":false}'
	assert_eq src "$(jget "$output" .device.name)"
	g=$(graph_live)
	add_sink "$g" >/dev/null
	run -0 req '{"cmd":"start"}'

	AMIXD_DIR=$d/main amixd_start -b jack
	run -0 req '{"cmd":"device_open","autoconnect":false}'
	ds=$(req '{"cmd":"create_node","type":"device_source"}' | jq .id)
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above "$ds" 4800
	run ! jack_linked amixd:capture_1 system:capture_1
	run ! jack_linked src:playback_1 system:playback_1
	jack_connect src:playback_1 amixd:capture_1
	jack_connect src:playback_2 amixd:capture_2
	fs=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/cap.wav\",\"sample\":\"f32\"}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$ds,\"to\":$fs}"
	wait_until 10 node_frames_above "$fs" 96000
	run -0 req '{"cmd":"stop"}'
	# Skip what the sink recorded before its link was in the plan.
	out=$(sinefit "$d/cap.wav" 0 0.2)
	assert_near 997 "$(jget "$out" .freq)" 0.01 "frequency"
	assert_near -9 "$(jget "$out" .amp_db)" 0.02 "level (dB)"
	assert_near -58.8 "$(jget "$out" .resid_db)" 2 "residual (dB)"
	assert_eq 0 "$(jget "$out" .chan_diff)" "left - right"
	# Float end to end: exactly what src rendered.
	graph_render 128 $(($(AUDIOMIXERD_SOCKET=$src node_frames "$g") / 48000 + 2)) "$d/ref.wav"
	out=$("${ALIGN[@]}" "$d/cap.wav" "$d/ref.wav")
	[ "$(jget "$out" .offset)" != null ] || flunk "capture not in the render: $out"
	[ "$(jget "$out" .frames)" -ge 90000 ] || flunk "compared too little: $out"
	assert_eq 0 "$(jget "$out" .mismatch)" "frames differing: $out"
}

@test "servers at period 64 and 256: amixd follows; strict refuses what the server does not run" {
	local p g s out
	amixd_start -b jack
	for p in 64 256; do
		jackd_start "$p"
		run -0 req '{"cmd":"device_open","period":128,"strict":true}'
		assert_eq device "$(jget "$output" .error.code)" "strict at $p"
		assert_match "runs at 48000 Hz, period $p" \
		    "$(jget "$output" .error.message)"
		run -0 req '{"cmd":"device_open","period":128}'
		assert_eq "$p" "$(jget "$output" .device.period)" "granted"
		run -0 req "{\"cmd\":\"device_open\",\"period\":$p,\"strict\":true}"
		assert_eq "$p" "$(jget "$output" .device.period)" "strict ok"
		# A fresh graph: the tone restarts its phasor every period,
		# so the render matches a graph that only ever ran at $p.
		graph_clear
		g=$(graph_live)
		s=$(add_sink "$g")
		run -0 req '{"cmd":"start"}'
		run -0 req '{"cmd":"list"}'
		assert_eq "$p" "$(jget "$output" .device.period)" "list"
		assert_eq running "$(jget "$output" .state)"
		wait_until 5 jack_linked amixd:playback_1 system:playback_1
		record_check "$p" "$s" 2
		run -0 req '{"cmd":"stop"}'
		# The device stays open on a server that goes away while
		# stopped: start says so; the next device_open closes it.
		jackd_stop
		run -0 req '{"cmd":"start"}'
		assert_eq device "$(jget "$output" .error.code)" "start, no server"
		assert_match '^jack: ' "$(jget "$output" .error.message)"
	done
	run -0 req '{"cmd":"device_open"}'
	assert_eq device "$(jget "$output" .error.code)"
	run -0 amctl ping
}

@test "the server's buffer size changes live (jack_bufsize): amixd follows" {
	local g s p f out
	jackd_start 128
	amixd_start -b jack
	req '{"cmd":"device_open"}'
	g=$(graph_live)
	s=$(add_sink "$g")
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above "$s" 4800
	for p in 256 64 1024 128; do
		run -0 jack_bufsize "$p"
		wait_until 5 period_is "$p"
		f=$(node_frames "$s")
		wait_until 5 node_frames_above "$s" $((f + 4 * p))
		out=$(req '{"cmd":"stats"}')
		assert_eq "$p" "$(jget "$out" .period)" "stats period"
	done
	# After the changes: a clean tone (no silence, no clicks).
	run -0 timeout 30 jack_rec -f "$BATS_TEST_TMPDIR/rec.wav" -d 1 -b 32 \
	    amixd:playback_1 amixd:playback_2
	out=$(sinefit "$BATS_TEST_TMPDIR/rec.wav")
	assert_near 997 "$(jget "$out" .freq)" 0.01 "frequency"
	assert_near -9 "$(jget "$out" .amp_db)" 0.02 "level (dB)"
	assert_near -58.8 "$(jget "$out" .resid_db)" 2 "residual (dB)"
	assert_eq running "$(req '{"cmd":"list"}' | jq -r .state)"
}

@test "jackd killed while running: device_lost, daemon answers, audio resumes with the next server" {
	local d=$BATS_TEST_TMPDIR g s f sig log=$BATS_TEST_TMPDIR/events
	jackd_start 128
	amixd_start -b jack
	req '{"cmd":"device_open"}'
	g=$(graph_live)
	s=$(add_sink "$g")
	( printf '%s\n' '{"cmd":"subscribe","events":["state"]}' |
	    socat -t 120 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	SUB_PID=$!
	wait_until 5 grep -q '"ok":true' "$log"
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above "$s" 4800
	# A clean shutdown (TERM), then a crash (KILL); the next server
	# runs another period each time, and amixd follows it.
	local n=1 p
	for sig in TERM KILL; do
		jackd_stop "$sig"
		wait_until 5 count_is "$n" '"value":"device_lost"' "$log"
		amixd_alive || flunk "amixd died with jackd ($sig)"
		run -0 amctl ping
		run -0 req '{"cmd":"list"}'
		assert_eq device_lost "$(jget "$output" .state)"
		# Retries with backoff: still lost, still answering.
		run -0 req '{"cmd":"create_node","type":"tone"}'
		if [ "$sig" = TERM ]; then p=256; else p=64; fi
		jackd_start "$p"
		wait_until 10 count_is $((n + 1)) '"value":"running"' "$log"
		f=$(node_frames "$s")
		wait_until 5 node_frames_above "$s" $((f + 9600))
		run -0 req '{"cmd":"list"}'
		assert_eq running "$(jget "$output" .state)"
		assert_eq "$p" "$(jget "$output" .device.period)"
		wait_until 5 jack_linked amixd:playback_1 system:playback_1
		n=$((n + 1))
	done
	grep -q 'device lost' "$d/amixd.log" || flunk "no log line for the loss"
}

@test "a mono device: playback_1 and capture_1 only, feeding both system ports" {
	local g s out
	jackd_start 128
	amixd_start -b jack -d mono1
	run -0 req '{"cmd":"device_open","channels":1}'
	assert_eq 1 "$(jget "$output" .device.channels)"
	assert_eq mono1 "$(jget "$output" .device.name)"
	g=$(graph_live)
	s=$(add_sink "$g")
	run -0 req '{"cmd":"start"}'
	wait_until 5 jack_linked mono1:playback_1 system:playback_2
	jack_linked mono1:playback_1 system:playback_1
	run -0 jack_lsp mono1
	assert_eq "mono1:playback_1 mono1:capture_1" "$(echo $output)"
	wait_until 5 node_frames_above "$s" 4800
	# A recording that a host stall cut (TESTRIG.md: jack_rec's own
	# client can miss cycles under load) fits badly: its residual says
	# so, and it is taken again, at most three times in all.
	local try
	for try in 1 2 3; do
		run -0 timeout 30 jack_rec -f "$BATS_TEST_TMPDIR/m.wav" -d 1 \
		    -b 32 mono1:playback_1
		out=$(sinefit "$BATS_TEST_TMPDIR/m.wav")
		awk -v r="$(jget "$out" .resid_db)" 'BEGIN { exit !(r < -50) }' &&
		    break
	done
	assert_near 997 "$(jget "$out" .freq)" 0.01 "frequency"
	assert_near -9 "$(jget "$out" .amp_db)" 0.02 "level (dB)"
}

@test "JACK xruns become xrun events; freewheeling runs faster than real time" {
	local g s f0 f1 t0 ms log=$BATS_TEST_TMPDIR/events
	jackd_start 128
	amixd_start -b jack
	req '{"cmd":"device_open"}'
	g=$(graph_live)
	s=$(add_sink "$g")
	( printf '%s\n' '{"cmd":"subscribe","events":["xrun"]}' |
	    socat -t 120 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	SUB_PID=$!
	wait_until 5 grep -q '"ok":true' "$log"
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above "$s" 4800
	# Stall the server for 300 ms: its driver wakes up late, an xrun.
	kill -STOP "$JACKD_PID"
	sleep 0.3
	kill -CONT "$JACKD_PID"
	wait_until 5 grep -q '"event":"xrun"' "$log"
	assert_eq underrun "$(grep -m1 '"event":"xrun"' "$log" | jq -r .type)"
	assert_eq "$s" "$(grep -m1 '"event":"xrun"' "$log" | jq -r .node)"
	[ "$(req '{"cmd":"stats"}' | jq .xruns)" -ge 1 ] || flunk "no xrun counted"
	# Freewheel: JACK runs the graph as fast as it can.
	f0=$(node_frames "$s")
	t0=$(now_ms)
	run -0 jack_freewheel 1
	wait_until 10 node_frames_above "$s" $((f0 + 48000 * 20))
	ms=$(($(now_ms) - t0))
	run -0 jack_freewheel 0
	[ "$ms" -lt 10000 ] || flunk "20 s of audio took $ms ms"
	f1=$(node_frames "$s")
	wait_until 5 node_frames_above "$s" $((f1 + 9600))
	assert_eq running "$(req '{"cmd":"list"}' | jq -r .state)"
}

# True once node $1 is marked bypassed in list (the watchdog took it out).
bypassed() {
	[ "$(req '{"cmd":"list"}' | jq ".nodes[] | select(.id == $1) | .bypassed")" = true ]
}

@test "watchdog: a node stuck in JACK's process call; stop replies without it, start runs on" {
	local f t0 t1
	jackd_start 128
	amixd_start -b jack -w 250
	run -0 req '{"cmd":"device_open"}'
	req '{"cmd":"create_node","type":"tone"}' >/dev/null
	req '{"cmd":"create_node","type":"cpu_load"}' >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
	req '{"cmd":"connect","from":2,"to":3}' >/dev/null
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above 3 4800
	run -0 amctl '{"cmd":"set","id":2,"args":{"hang":true}}'
	wait_until 10 bypassed 2
	# The process call never returns: stop must not wait for it (the
	# engine branch did, for ever), and the socket answers meanwhile.
	t0=$(date +%s%N)
	run -0 timeout 15 amctl stop
	t1=$(date +%s%N)
	echo "# stop took $(((t1 - t0) / 1000000)) ms" >&3
	run -0 amctl '{"cmd":"list"}'
	assert_eq stopped "$(jget "$output" .state)" "state"
	grep -q 'stuck thread is left behind' "$AMIXD_LOG_FILE" ||
	    flunk "no log of the thread left behind" "$(cat "$AMIXD_LOG_FILE")"
	# A new JACK thread runs the graph without the node.
	f=$(node_frames 3)
	run -0 req '{"cmd":"start"}'
	wait_until 10 node_frames_above 3 $((f + 4800))
	run -0 timeout 15 amctl stop
	run -0 amctl ping
	! grep -E -A 20 'Sanitizer|runtime error' "$AMIXD_LOG_FILE" ||
	    flunk "sanitizer report"
}
