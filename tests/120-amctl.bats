#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# amctl: usage and exit codes, every short form, raw JSON operands,
# scripts with bindings, subscriptions with -n, and the EXAMPLES of
# amctl(1). One daemon (backend null) for the file; each test removes the
# nodes it made and reads ids from replies, never assumes them.

load helpers

setup_file() {
	amixd_start
}

teardown_file() {
	amixd_stop
}

# The id in a create reply; fails unless the reply is ok.
new_id() {
	local id
	id=$(jget "$1" 'select(.ok == true) | .id')
	[ -n "$id" ] && [ "$id" != null ] || flunk "no id in '$1'"
	printf '%s\n' "$id"
}

# The number of nodes in the graph.
node_count() {
	amctl list | jq '.nodes | length'
}

# Does node $1 exist?
node_exists() {
	amctl list | jq -e ".nodes[] | select(.id == $1)" >/dev/null
}

# True once file $1 holds at least $2 lines.
lines_at_least() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# The links from node $2 to node $3 in list reply $1: 0 or 1.
nlinks() {
	jget "$1" "[.links[] | select(.from == $2 and .to == $3)] | length"
}

# Argument $3 of node $2 in list reply $1.
node_arg() {
	jget "$1" ".nodes[] | select(.id == $2).args.$3"
}

# The newest node of type $2 in list reply $1.
last_of() {
	jget "$1" "[.nodes[] | select(.type == \"$2\")] | max_by(.id).id"
}

# Line $1 of $output.
line() {
	printf '%s\n' "$output" | sed -n "${1}p"
}

@test "amctl -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr amctl -h
	assert_match \
	    '^usage: amctl \[-hq\] \[-n COUNT\] \[-s SOCKET\] \[-t MS\] ' \
	    "$output"
	assert_eq 3 "${#lines[@]}" "usage lines"
	assert_eq "" "$stderr" "stderr"
}

@test "usage, getopt string and SYNOPSIS agree" {
	local syn use opts flags
	syn=$(mandoc -Tascii "$AM_TOP/man/amctl.1" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | grep 'amctl' |
	    sed 's/^ *//')
	use=$(amctl -h | sed 's/^usage: //; s/^ *//')
	assert_eq "$syn" "$use" "SYNOPSIS vs usage"
	# Every option letter of the usage is in getopt's string, and back.
	opts=$(sed -n 's/^#define AMCTL_OPTS[^"]*"\([^"]*\)".*/\1/p' \
	    "$AM_TOP/amctl/amctl.h" | tr -d ':' | fold -w1 | sort | tr -d '\n')
	flags=$(amctl -h | grep -o '\[-[a-z]*\|-f' | tr -d '[-' | fold -w1 |
	    sort -u | tr -d '\n')
	assert_eq "$opts" "$flags" "getopt letters vs usage"
}

@test "no operands, a bad option, a bad command: usage errors, exit 2" {
	run -2 --separate-stderr amctl
	assert_eq "" "$output" "stdout"
	assert_match '^usage: amctl' "$stderr"
	run -2 --separate-stderr amctl -x ping
	assert_match '^amctl: unknown option -x' "$stderr"
	run -2 --separate-stderr amctl -s
	assert_match '^amctl: -s: missing argument' "$stderr"
	run -2 --separate-stderr amctl -n 0 ping
	assert_match '^amctl: -n: out of range' "$stderr"
	run -2 --separate-stderr amctl -t soon ping
	assert_eq "amctl: -t: not an integer: soon" "$stderr"
	run -2 --separate-stderr amctl frobnicate 1
	assert_eq "" "$output" "stdout"
	assert_eq "amctl: unknown command 'frobnicate'" "$stderr"
	run -2 --separate-stderr amctl connect 1
	assert_eq "amctl: connect: expected FROM TO" "$stderr"
	run -2 --separate-stderr amctl -f /dev/null ping
	assert_match '^amctl: -f takes no operands' "$stderr"
}

@test "a malformed JSON operand is a usage error and nothing is sent" {
	local before
	before=$(node_count)
	run -2 --separate-stderr amctl \
	    '{"cmd":"create_node","type":"tone","args":{}}' '{"cmd":'
	assert_eq "" "$output" "stdout"
	assert_match '^amctl: operand 2: bad JSON request' "$stderr"
	run -2 --separate-stderr amctl '{"cmd":"ping"}' ping
	assert_eq "amctl: operand 2: expected a JSON request, got 'ping'" \
	    "$stderr"
	run -2 --separate-stderr amctl '[1,2]'
	assert_eq "amctl: unknown command '[1,2]'" "$stderr"
	assert_eq "$before" "$(node_count)" "node count"
}

@test "ping: the reply line exactly as the daemon sent it" {
	run -0 --separate-stderr amctl ping
	assert_eq '{"ok":true,"name":"audiomixerd","version":"0.1.0"}' "$output"
	assert_eq "$(req '{"cmd":"ping"}')" "$output" "same as socat"
	assert_eq "" "$stderr" "stderr"
}

@test "create, set, connect, disconnect, destroy as short forms" {
	local t g
	run -0 amctl create tone freq=440
	t=$(new_id "$output")
	run -0 amctl create gain db=-6
	g=$(new_id "$output")
	run -0 amctl connect "$t" "$g"
	assert_eq '{"ok":true}' "$output"
	run -0 amctl set "$g" db=-12
	assert_eq '{"ok":true}' "$output"
	run -0 amctl list
	assert_eq 440 "$(node_arg "$output" "$t" freq)"
	assert_eq -12 "$(node_arg "$output" "$g" db)"
	assert_eq 1 "$(nlinks "$output" "$t" "$g")" "link"
	run -0 amctl disconnect "$t" "$g"
	assert_eq '{"ok":true}' "$output"
	run -0 amctl list
	assert_eq 0 "$(nlinks "$output" "$t" "$g")" "link"
	run -0 amctl destroy "$g"
	assert_eq '{"ok":true}' "$output"
	run -0 amctl destroy_node "$t"
	assert_eq '{"ok":true}' "$output"
	run ! node_exists "$t"
	run ! node_exists "$g"
}

@test "backend, open, start, stats, stop, render, list as short forms" {
	run -0 amctl backend null
	assert_eq '{"ok":true}' "$output"
	run -0 amctl stop
	assert_eq '{"ok":true}' "$output"
	run -0 amctl open rate=48000 period=128
	assert_eq true "$(jget "$output" .device.open)"
	assert_eq 128 "$(jget "$output" .device.period)"
	assert_eq 48000 "$(jget "$output" .device.rate)"
	run -0 amctl render 2
	assert_eq '{"ok":true,"frames":96000,"seconds":2}' "$output"
	run -0 amctl start
	assert_eq '{"ok":true}' "$output"
	run -0 amctl list
	assert_eq running "$(jget "$output" .state)"
	run -0 amctl stats
	assert_eq true "$(jget "$output" .ok)"
	assert_eq 128 "$(jget "$output" .period)"
	assert_eq null "$(jget "$output" .event)"
}

@test "subscribe and unsubscribe as short forms" {
	run -0 amctl start
	# subscribed, amctl goes on printing events: -n 1 ends it
	run -0 timeout 20 amctl -n 1 subscribe stats xrun
	assert_eq '{"ok":true,"events":["xrun","stats"]}' "$(line 1)"
	run -0 amctl unsubscribe
	assert_eq '{"ok":true,"events":[]}' "$output"
	run -0 timeout 20 amctl '{"cmd":"subscribe","events":["state"]}' \
	    '{"cmd":"unsubscribe","events":["state"]}'
	assert_eq '{"ok":true,"events":[]}' "$(line 2)"
}

@test "raw JSON operands: one request each, replies in order" {
	local t
	run -0 --separate-stderr amctl '{"cmd":"ping","tag":"a"}' \
	    '{"cmd":"create_node","type":"tone","args":{"freq":220},"tag":2}'
	assert_eq 2 "${#lines[@]}" "reply lines"
	assert_eq \
	    '{"ok":true,"tag":"a","name":"audiomixerd","version":"0.1.0"}' \
	    "$(line 1)"
	assert_eq 2 "$(jget "$(line 2)" .tag)"
	t=$(new_id "$(line 2)")
	run -0 amctl "{\"cmd\":\"destroy_node\",\"id\":$t}"
	assert_eq '{"ok":true}' "$output"
}

@test "a failing reply: printed, CODE: MESSAGE on stderr, exit 1" {
	run -1 --separate-stderr amctl destroy 999999
	assert_eq '{"ok":false,"error":{"code":"not_found",'\
'"message":"no node 999999"}}' "$output"
	assert_eq "amctl: not_found: no node 999999" "$stderr"
	run -1 --separate-stderr amctl '{"cmd":"frob"}'
	assert_eq "amctl: unknown_cmd: unknown command 'frob'" "$stderr"
}

@test "the first failing JSON operand stops the rest" {
	local before
	before=$(node_count)
	run -1 --separate-stderr amctl '{"cmd":"ping"}' \
	    '{"cmd":"destroy_node","id":999999}' \
	    '{"cmd":"create_node","type":"tone","args":{}}'
	assert_eq 2 "${#lines[@]}" "reply lines"
	assert_eq false "$(jget "$(line 2)" .ok)"
	assert_eq "amctl: not_found: no node 999999" "$stderr"
	assert_eq "$before" "$(node_count)" "node count"
}

@test "script: bindings, comments, JSON lines, a reply per line" {
	local f=$BATS_TEST_TMPDIR/ok.am t g
	cat >"$f" <<-'EOF'
	# a tone into a gain

	t = create tone freq=330	# trailing comment
	g=create gain db=-3
	connect $t ${g}
	{"cmd":"set","id":$g,"args":{"db":-9}}
	list
	EOF
	run -0 --separate-stderr amctl -f "$f"
	assert_eq "" "$stderr" "stderr"
	assert_eq 5 "${#lines[@]}" "reply lines"
	t=$(new_id "$(line 1)")
	g=$(new_id "$(line 2)")
	assert_eq '{"ok":true}' "$(line 3)"
	assert_eq '{"ok":true}' "$(line 4)"
	assert_eq 1 "$(nlinks "$(line 5)" "$t" "$g")" "link"
	assert_eq -9 "$(node_arg "$(line 5)" "$g" db)"
	amctl destroy "$g" >/dev/null
	amctl destroy "$t" >/dev/null
}

@test "script: a failing line names FILE:LINE, earlier lines took effect" {
	local f=$BATS_TEST_TMPDIR/bad.am a b before
	before=$(node_count)
	cat >"$f" <<-'EOF'
	a = create tone
	b = create gain
	# the next line fails
	connect $a 999999
	create tone freq=1000
	EOF
	run -1 --separate-stderr amctl -f "$f"
	assert_eq "amctl: $f:4: not_found: no node 999999" "$stderr"
	assert_eq 3 "${#lines[@]}" "reply lines"
	assert_eq false "$(jget "$(line 3)" .ok)"
	a=$(new_id "$(line 1)")
	b=$(new_id "$(line 2)")
	node_exists "$a" || flunk "node $a from line 1 is gone"
	node_exists "$b" || flunk "node $b from line 2 is gone"
	assert_eq $((before + 2)) "$(node_count)" "node count"
	amctl destroy "$a" >/dev/null
	amctl destroy "$b" >/dev/null
}

@test "script: a line that does not parse names FILE:LINE, exit 1" {
	local f=$BATS_TEST_TMPDIR/parse.am
	printf 'ping\nconnect $nope 1\nping\n' >"$f"
	run -1 --separate-stderr amctl -f "$f"
	assert_eq "amctl: $f:2: unknown variable \$nope" "$stderr"
	assert_eq 1 "${#lines[@]}" "reply lines"
	f=$BATS_TEST_TMPDIR/absent.am
	run -1 --separate-stderr amctl -f "$f"
	assert_eq "amctl: $f: No such file or directory" "$stderr"
}

@test "script from stdin, named stdin in messages; -q prints no replies" {
	local t
	run -0 --separate-stderr amctl -f - <<-'EOF'
	t = create tone freq=550
	destroy $t
	EOF
	assert_eq 2 "${#lines[@]}" "reply lines"
	t=$(new_id "$(line 1)")
	run ! node_exists "$t"
	run -1 --separate-stderr amctl -f - <<<$'ping\n\ndestroy 999999'
	assert_eq "amctl: stdin:3: not_found: no node 999999" "$stderr"
	run -0 --separate-stderr amctl -q -f - <<<$'ping\nlist'
	assert_eq "" "$output" "stdout with -q"
	assert_eq "" "$stderr" "stderr with -q"
}

@test "-n COUNT: the subscribe reply, then COUNT stats events, exit 0" {
	run -0 amctl start
	run -0 --separate-stderr timeout 20 amctl -n 2 subscribe stats
	assert_eq 3 "${#lines[@]}" "lines"
	assert_eq '{"ok":true,"events":["stats"]}' "$(line 1)"
	assert_eq stats "$(jget "$(line 2)" .event)"
	assert_eq stats "$(jget "$(line 3)" .event)"
	assert_eq 128 "$(jget "$(line 3)" .period)"
	run -0 timeout 20 amctl -n 1 '{"cmd":"subscribe","events":["stats"]}'
	assert_eq 2 "${#lines[@]}" "lines"
	assert_eq stats "$(jget "$(line 2)" .event)"
}

@test "events that come before a reply are printed before it, in order" {
	run -0 amctl start
	run -0 --separate-stderr timeout 20 amctl -n 1 \
	    '{"cmd":"subscribe","events":["state"]}' '{"cmd":"stop"}' \
	    '{"cmd":"start"}'
	assert_eq 5 "${#lines[@]}" "lines"
	assert_eq '{"ok":true,"events":["state"]}' "$(line 1)"
	assert_eq '{"event":"state","value":"stopped"}' "$(line 2)"
	assert_eq '{"ok":true}' "$(line 3)"
	assert_eq '{"event":"state","value":"running"}' "$(line 4)"
	assert_eq '{"ok":true}' "$(line 5)"
}

@test "watching events ends with status 0 on SIGTERM and on a closed pipe" {
	local out=$BATS_TEST_TMPDIR/events pid rc=0
	run -0 amctl start
	amctl subscribe stats >"$out" 3>&- &
	pid=$!
	wait_until 10 lines_at_least "$out" 2
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	assert_eq 0 "$rc" "amctl status after SIGTERM"
	run -0 timeout 20 bash -c 'amctl subscribe stats |
	    head -n 2 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_eq 0 "$output" "amctl status after head exits"
}

@test "no daemon: cannot connect to PATH, exit 1" {
	local s=$BATS_TEST_TMPDIR/none.sock
	AUDIOMIXERD_SOCKET=$s run -1 --separate-stderr amctl ping
	assert_eq "" "$output" "stdout"
	assert_eq "amctl: cannot connect to $s: No such file or directory" \
	    "$stderr"
	run -1 --separate-stderr amctl -s "$s" -f /dev/null
	assert_eq "amctl: cannot connect to $s: No such file or directory" \
	    "$stderr"
}

@test "-s names the socket when AUDIOMIXERD_SOCKET is not set" {
	run -0 env -u AUDIOMIXERD_SOCKET amctl -s "$AUDIOMIXERD_SOCKET" ping
	assert_eq ok "$(jget "$output" 'if .ok then "ok" else "no" end')"
}

@test "-t MS: a daemon that never answers is given up on, exit 1" {
	local s=$BATS_TEST_TMPDIR/mute.sock pid
	"$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
time.sleep(30)' "$s" 3>&- &
	pid=$!
	wait_until 10 test -S "$s"
	run -1 --separate-stderr amctl -s "$s" -t 200 ping
	kill "$pid"
	wait "$pid" || true
	assert_eq "amctl: no reply within 200 ms" "$stderr"
}

@test "EXAMPLES: the quick start as short forms" {
	local t g s
	run -0 amctl stop
	run -0 amctl open name=default rate=48000 channels=2 period=128
	assert_eq 256 "$(jget "$output" .device.buffer)" "buffer (frames)"
	run -0 amctl create tone freq=440
	t=$(new_id "$output")
	run -0 amctl create gain db=-6.0
	g=$(new_id "$output")
	run -0 amctl create device_sink
	s=$(new_id "$output")
	run -0 amctl connect "$t" "$g"
	run -0 amctl connect "$g" "$s"
	run -0 amctl start
	wait_until 10 node_frames_above "$s" 4800
	run -0 amctl '{"cmd":"create_node","type":"tone","args":{"freq":440}}'
	amctl destroy "$(new_id "$output")" >/dev/null
	run -0 timeout 20 amctl -n 5 subscribe stats xrun
	assert_eq 6 "${#lines[@]}" "reply and 5 events"
	amctl destroy "$s" >/dev/null
	amctl destroy "$g" >/dev/null
	amctl destroy "$t" >/dev/null
}

@test "EXAMPLES: amctl -q -f graph.am, a script with bindings" {
	local f=$BATS_TEST_TMPDIR/graph.am shape t g s
	cat >"$f" <<-'EOF'
	# 440 Hz at -6 dB into the device
	open name=default rate=48000 channels=2 period=128
	tone = create tone freq=440
	gain = create gain db=-6.0
	sink = create device_sink
	connect $tone $gain
	connect $gain $sink
	start
	EOF
	run -0 amctl stop
	run -0 --separate-stderr amctl -q -f "$f"
	assert_eq "" "$output" "stdout"
	assert_eq "" "$stderr" "stderr"
	run -0 amctl list
	shape=$output
	assert_eq running "$(jget "$shape" .state)"
	t=$(last_of "$shape" tone)
	g=$(last_of "$shape" gain)
	s=$(last_of "$shape" device_sink)
	assert_eq 1 "$(nlinks "$shape" "$t" "$g")" "tone -> gain"
	assert_eq 1 "$(nlinks "$shape" "$g" "$s")" "gain -> sink"
	run -0 amctl set "$g" db=-20
	amctl destroy "$s" >/dev/null
	amctl destroy "$g" >/dev/null
	amctl destroy "$t" >/dev/null
}
