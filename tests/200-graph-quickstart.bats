#!/usr/bin/env bats
# The design card's quick start, its JSON lines verbatim, plus a file sink
# on the gain: one second later the file holds a 440 Hz sine at -6 dBFS.

load helpers

setup_file() {
	amixd_start
}

teardown_file() {
	amixd_stop
}

@test "quick start: tone 440 -> gain -6 dB -> device_sink, recorded" {
	local wav=$BATS_FILE_TMPDIR/quick.wav out
	run -0 req '{"cmd":"device_open","name":"default","rate":48000,"channels":2,"period":128}'
	assert_eq true "$(jget "$output" .ok)"
	run -0 req '{"cmd":"create_node","type":"tone","args":{"freq":440}}'
	assert_eq '{"ok":true,"id":1}' "$output"
	run -0 req '{"cmd":"create_node","type":"gain","args":{"db":-6.0}}'
	assert_eq '{"ok":true,"id":2}' "$output"
	run -0 req '{"cmd":"create_node","type":"device_sink"}'
	assert_eq '{"ok":true,"id":3}' "$output"
	run -0 req '{"cmd":"connect","from":1,"to":2}'
	assert_eq '{"ok":true}' "$output"
	run -0 req '{"cmd":"connect","from":2,"to":3}'
	assert_eq '{"ok":true}' "$output"
	run -0 req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$wav\"}}"
	assert_eq '{"ok":true,"id":4}' "$output"
	run -0 req '{"cmd":"connect","from":2,"to":4}'
	assert_eq '{"ok":true}' "$output"
	run -0 req '{"cmd":"start"}'
	assert_eq '{"ok":true}' "$output"
	# One second of audio (48000 frames) reached the file sink.
	wait_until 10 node_frames_above 4 48000
	run -0 req '{"cmd":"stop"}'
	run -0 req '{"cmd":"destroy_node","id":4}'
	out=$(sinefit "$wav")
	assert_near 440 "$(jget "$out" .freq)" 1 "frequency (Hz)"
	assert_near -6.0 "$(jget "$out" .amp_db)" 0.1 "level (dBFS)"
	assert_eq 48000 "$(jget "$out" .rate)" "rate"
	assert_eq 0 "$(jget "$out" .chan_diff)" "left minus right"
	# sox agrees on the peak level.
	run -0 sox "$wav" -n stats
	assert_match 'Pk lev dB +-6\.0' "$output"
}

@test "the subscribe line of the design card streams stats and xrun" {
	local out
	run -0 req '{"cmd":"start"}'
	# The first stats event, whatever xrun events a loaded machine sends.
	out=$(printf '%s\n' '{"cmd":"subscribe","events":["stats","xrun"]}' |
	    timeout 10 socat -t 3 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" |
	    awk 'NR == 1 || /"event":"stats"/ { print } /"event":"stats"/ { exit }')
	assert_eq '{"ok":true,"events":["xrun","stats"]}' \
	    "$(printf '%s\n' "$out" | head -n 1)"
	out=$(printf '%s\n' "$out" | sed -n 2p)
	assert_eq stats "$(jget "$out" .event)"
	assert_eq 128 "$(jget "$out" .period)"
	assert_eq number "$(jget "$out" '.cpu_pct | type')"
	assert_eq number "$(jget "$out" '.late_us | type')"
	assert_eq number "$(jget "$out" '.late_us_max | type')"
	assert_eq number "$(jget "$out" '.xruns | type')"
	assert_eq boolean "$(jget "$out" '.rt | type')"
	run -0 req '{"cmd":"stop"}'
}
