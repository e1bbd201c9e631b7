#!/usr/bin/env bats
# Work that takes long never stalls the control socket: an offline
# render, a stop waiting for a file sink's writer, a stop waiting for a
# frozen JACK server. One client's request waits for its (deferred)
# reply; every other client is answered meanwhile (a ping within
# 100 ms), and the waiting client gets its reply in the end.

load helpers

setup_file() {
	export JACK_NO_START_SERVER=1
	export JACK_DEFAULT_SERVER=amixd245.$$
}

teardown_file() {
	rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_* \
	    /dev/shm/jack_"$JACK_DEFAULT_SERVER"_*
}

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
	JACKD_PID=
}

teardown() {
	[ -z "$JACKD_PID" ] || kill -CONT "$JACKD_PID" 2>/dev/null || true
	amixd_stop
	jackd_stop
}

# stall.py REQUEST STATE [options]: see tests/tools/stall.py.
stall() {
	"$PY" "$AM_TOP/tests/tools/stall.py" "$AUDIOMIXERD_SOCKET" "$@"
}

# A field of a JSON line, compact.
jgetc() {
	printf '%s\n' "$1" | jq -c "$2"
}

# The pings of a stall.py report were answered: at least 9 of 10 within
# 100 ms (the VM stalls now and then), and none took a second.
pings_fast() {
	local out=$1 fast slow
	fast=$(jget "$out" '[.pings_ms[] | select(. != null and . < 100)] | length')
	slow=$(jget "$out" '[.pings_ms[] | select(. == null or . >= 1000)] | length')
	[ "$fast" -ge 9 ] && [ "$slow" -eq 0 ] ||
	    flunk "pings within 100 ms: 9 of 10, none over 1 s" \
	    "pings (ms): $(jgetc "$out" .pings_ms)"
}

# tone -> file_sink at $1 (s16); the sink's id is 2.
tone_to_file() {
	req '{"cmd":"create_node","type":"tone","args":{"freq":440,"db":-6}}' >/dev/null
	req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$1\",\"sample\":\"s16\"}}" >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
}

@test "a 600 s render runs on its own thread: pings, list, stats answered; start refused; stop ends it" {
	local out f=$BATS_TEST_TMPDIR/r.wav frames
	amixd_start
	tone_to_file "$f"
	run -0 stall '{"cmd":"render","seconds":600,"tag":"long"}' rendering \
	    --refused '{"cmd":"start"}' \
	    --refused '{"cmd":"render","seconds":1}' \
	    --refused '{"cmd":"device_open"}' \
	    --then '{"cmd":"stop"}'
	out=$output
	pings_fast "$out"
	assert_eq true "$(jget "$out" .list_ok)" "list during the render"
	assert_eq true "$(jget "$out" .stats_ok)" "stats during the render"
	assert_eq rendering "$(jget "$out" .state)"
	assert_eq '["state","state","state"]' "$(jgetc "$out" .refused)"
	assert_eq '{"ok":true}' "$(jgetc "$out" .then)" "stop"
	# The render's own reply: ended early by the stop, with its tag.
	assert_eq long "$(jget "$out" .a_reply.tag)"
	assert_eq state "$(jget "$out" .a_reply.error.code)"
	assert_match '^stopped after [0-9]+ frames$' \
	    "$(jget "$out" .a_reply.error.message)"
	frames=$(jget "$out" .a_reply.error.message | tr -dc 0-9)
	# Flushed before the reply: the file holds every frame rendered.
	assert_eq "$frames" "$(soxi -s "$f")" "frames in the file"
	assert_eq stopped "$(req '{"cmd":"list"}' | jq -r .state)"
	run -0 req '{"cmd":"start"}'
	assert_eq running "$(req '{"cmd":"list"}' | jq -r .state)"
}

@test "a render that completes is answered with its frames; edits meanwhile are published" {
	local out f=$BATS_TEST_TMPDIR/r.wav
	amixd_start
	tone_to_file "$f"
	run -0 stall '{"cmd":"render","seconds":20}' rendering \
	    --then '{"cmd":"create_node","type":"gain"}'
	out=$output
	pings_fast "$out"
	assert_eq '{"ok":true,"id":3}' "$(jgetc "$out" .then)" \
	    "create_node during a render"
	assert_eq '{"ok":true,"frames":960000,"seconds":20}' \
	    "$(jgetc "$out" .a_reply)"
	assert_eq 960000 "$(soxi -s "$f")" "frames in the file"
	assert_eq 3 "$(req '{"cmd":"list"}' | jq '.nodes | length')"
}

@test "a stop waiting for a frozen file writer: others answered, the stop after the flush gives up" {
	local out f=$BATS_TEST_TMPDIR/o.wav
	amixd_start
	tone_to_file "$f"
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	# Hold the sink's writer thread alone (ptrace) through the stop: its
	# flush cannot finish; the engine waits for it 10 s, not the socket.
	run "$PY" "$AM_TOP/tests/tools/freeze.py" "$AMIXD_PID" amixd-fsink -- \
	    "$PY" "$AM_TOP/tests/tools/stall.py" "$AUDIOMIXERD_SOCKET" \
	    '{"cmd":"stop"}' stopping --refused '{"cmd":"start"}'
	[ "$status" -ne 2 ] || flunk "freeze.py cannot ptrace here" "$output"
	assert_eq 0 "$status" "stall.py"
	out=$output
	pings_fast "$out"
	assert_eq true "$(jget "$out" .list_ok)"
	assert_eq '["state"]' "$(jgetc "$out" .refused)" "start while stopping"
	assert_eq '{"ok":true}' "$(jgetc "$out" .a_reply)" "the stop's reply"
	[ "$(jget "$out" .a_ms)" -ge 9000 ] ||
	    flunk "stop answered after the flush gave up (~10 s)" \
	    "after $(jget "$out" .a_ms) ms"
	assert_eq stopped "$(req '{"cmd":"list"}' | jq -r .state)"
	# The writer runs again: destroying the sink finalizes the file.
	run -0 req '{"cmd":"destroy_node","id":2}'
	[ "$(soxi -s "$f")" -gt 4800 ] || flunk "file finalized" "$(soxi -s "$f")"
}

@test "JACK frozen by SIGSTOP during stop: others answered, the stop once it runs again, no use after free" {
	local out f
	jackd_start 128
	amixd_start -b jack
	run -0 req '{"cmd":"device_open"}'
	tone_to_file "$BATS_TEST_TMPDIR/j.wav"
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	req '{"cmd":"connect","from":1,"to":3}' >/dev/null
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	kill -STOP "$JACKD_PID"
	run -0 stall '{"cmd":"stop"}' stopping \
	    --refused '{"cmd":"start"}' --refused '{"cmd":"device_close"}' \
	    --then '{"cmd":"destroy_node","id":3}' \
	    --after "kill -CONT $JACKD_PID"
	out=$output
	pings_fast "$out"
	assert_eq true "$(jget "$out" .list_ok)"
	assert_eq true "$(jget "$out" .stats_ok)"
	assert_eq '["state","state"]' "$(jgetc "$out" .refused)"
	assert_eq '{"ok":true}' "$(jgetc "$out" .then)" "an edit while stopping"
	assert_eq '{"ok":true}' "$(jgetc "$out" .a_reply)" "the stop's reply"
	amixd_alive || flunk "amixd died"
	assert_eq stopped "$(req '{"cmd":"list"}' | jq -r .state)"
	# The device works again.
	run -0 req '{"cmd":"start"}'
	f=$(node_frames 2)
	wait_until 5 node_frames_above 2 "$f"
	run -0 req '{"cmd":"stop"}'
	run -0 req '{"cmd":"device_close"}'
	amixd_stop
	if asan_build; then
		! grep -q 'ERROR: AddressSanitizer' "$AMIXD_LOG_FILE" ||
		    flunk "ASan" "$(cat "$AMIXD_LOG_FILE")"
	fi
}

@test "the JACK server dies while a file writer is frozen: the socket goes on answering" {
	local out
	jackd_start 128
	amixd_start -b jack
	run -0 req '{"cmd":"device_open"}'
	tone_to_file "$BATS_TEST_TMPDIR/l.wav"
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	# Losing the device asks the sinks to write out; it must not wait
	# for a writer that cannot (held by ptrace), as it did for 10 s.
	run "$PY" "$AM_TOP/tests/tools/freeze.py" "$AMIXD_PID" amixd-fsink -- \
	    "$PY" "$AM_TOP/tests/tools/stall.py" "$AUDIOMIXERD_SOCKET" \
	    '{"cmd":"ping"}' running --gap 100 \
	    --before "kill -KILL $JACKD_PID"
	[ "$status" -ne 2 ] || flunk "freeze.py cannot ptrace here" "$output"
	assert_eq 0 "$status" "stall.py"
	out=$output
	pings_fast "$out"
	assert_eq device_lost "$(jget "$out" .state)"
	wait "$JACKD_PID" 2>/dev/null || true
	JACKD_PID=
	amixd_alive || flunk "amixd died"
}

@test "SIGTERM while the JACK server is frozen: the daemon ends within seconds, the file finalized" {
	local f=$BATS_TEST_TMPDIR/t.wav
	jackd_start 128
	amixd_start -b jack
	run -0 req '{"cmd":"device_open"}'
	tone_to_file "$f"
	run -0 req '{"cmd":"start"}'
	wait_until 5 node_frames_above 2 4800
	kill -STOP "$JACKD_PID"
	kill -TERM "$AMIXD_PID"
	# Deactivating and closing the client wait for the server; the
	# daemon leaves them to helper threads after 2 s and exits.
	wait_until 10 eval '! amixd_alive'
	wait "$AMIXD_PID" 2>/dev/null || flunk "amixd exit status" "$?"
	unset AMIXD_PID
	[ "$(soxi -s "$f")" -gt 4800 ] || flunk "file finalized" "$(soxi -s "$f")"
	if asan_build; then
		! grep -q 'ERROR: AddressSanitizer' "$AMIXD_LOG_FILE" ||
		    flunk "ASan" "$(cat "$AMIXD_LOG_FILE")"
	fi
}
