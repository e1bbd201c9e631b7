#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Named nodes, the start-up script and the default graph: the name rule
# (refusals change nothing), every request that names a node takes its
# name, list/events/stats/amctl views show names, amixd -f (good and
# bad scripts, nothing accepted before it is done), where the default
# graph is looked for, the default.am make install ships (amtone |
# amcat plays into master -> out, sine-fitted), and what amcat says
# when there is no default target.

load helpers

SEG=$AM_TOP/tests/tools/segcmp.py

setup_file() {
	amixd_start -n
}

teardown_file() {
	amixd_stop
}

teardown() {
	if [ -n "${OWN_PID:-}" ]; then
		kill -TERM "$OWN_PID" 2>/dev/null || true
		wait "$OWN_PID" 2>/dev/null || true
	fi
}

# Start a daemon of this test's own on $BATS_TEST_TMPDIR/own.sock with
# extra arguments; waits until it answers.
own() {
	export AUDIOMIXERD_SOCKET=$BATS_TEST_TMPDIR/own.sock
	( exec_closed amixd -b null -s "$AUDIOMIXERD_SOCKET" "$@" </dev/null \
	    >>"$BATS_TEST_TMPDIR/own.log" 2>&1 ) &
	OWN_PID=$!
	wait_until 10 amctl ping || {
		cat "$BATS_TEST_TMPDIR/own.log" >&2
		return 1
	}
}

# The names in the graph, sorted, one line.
names() {
	req '{"cmd":"list"}' | jq -r '[.nodes[] | .name // "-"] | sort | join(" ")'
}

# The id of the node called $1.
id_of() {
	req '{"cmd":"list"}' | jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .id'
}

@test "create_node takes a name; the reply, list and stats show it" {
	local out id
	out=$(req '{"cmd":"create_node","type":"gain","name":"vol.1:a-b_C"}')
	assert_eq true "$(jget "$out" .ok)" "$out"
	assert_eq vol.1:a-b_C "$(jget "$out" .name)" "name in the reply"
	id=$(jget "$out" .id)
	assert_eq "$id" "$(id_of vol.1:a-b_C)" "list"
	assert_eq vol.1:a-b_C "$(req '{"cmd":"stats"}' |
	    jq -r ".nodes[] | select(.id == $id) | .name")" "stats"
	# An unnamed node has no name member at all.
	out=$(req '{"cmd":"create_node","type":"gain"}')
	assert_eq null "$(jget "$out" .name)"
	req "{\"cmd\":\"destroy_node\",\"id\":\"vol.1:a-b_C\"}" >/dev/null
	req "{\"cmd\":\"destroy_node\",\"id\":$(jget "$out" .id)}" >/dev/null
}

@test "names: taken, bad bytes, too long, a number, empty, not a string: refused, nothing changes" {
	local long63 long64
	long63=$(printf 'a%.0s' $(seq 63))
	long64=${long63}a
	req "{\"cmd\":\"create_node\",\"type\":\"mixer\",\"name\":\"taken\"}" >/dev/null
	req "{\"cmd\":\"create_node\",\"type\":\"gain\",\"name\":\"$long63\"}" >/dev/null
	refused_unchanged state \
	    '{"cmd":"create_node","type":"gain","name":"taken"}' \
	    "{\"cmd\":\"create_node\",\"type\":\"gain\",\"name\":\"$long63\"}"
	refused_unchanged bad_request \
	    '{"cmd":"create_node","type":"gain","name":"a b"}' \
	    '{"cmd":"create_node","type":"gain","name":"a/b"}' \
	    '{"cmd":"create_node","type":"gain","name":"caf\u00e9"}' \
	    '{"cmd":"create_node","type":"gain","name":"nl\n"}' \
	    "{\"cmd\":\"create_node\",\"type\":\"gain\",\"name\":\"$long64\"}" \
	    '{"cmd":"create_node","type":"gain","name":"12"}' \
	    '{"cmd":"create_node","type":"gain","name":"007"}' \
	    '{"cmd":"create_node","type":"gain","name":""}' \
	    '{"cmd":"create_node","type":"gain","name":12}' \
	    '{"cmd":"create_node","type":"gain","name":null}' \
	    '{"cmd":"create_node","type":"gain","name":["x"]}'
	run -1 --separate-stderr amctl create gain name=12
	assert_match "name '12' is a number" "$output"
	req '{"cmd":"destroy_node","id":"taken"}' >/dev/null
	req "{\"cmd\":\"destroy_node\",\"id\":\"$long63\"}" >/dev/null
	assert_eq "" "$(names)" "all gone: $(req '{"cmd":"list"}' | jq -c .nodes)"
}

@test "every request that takes a node takes its name: connect, set, disconnect, destroy_node" {
	local t m out
	t=$(jget "$(req '{"cmd":"create_node","type":"tone","name":"t1"}')" .id)
	m=$(jget "$(req '{"cmd":"create_node","type":"mixer","name":"m1"}')" .id)
	out=$(req '{"cmd":"connect","from":"t1","to":"m1"}')
	assert_eq true "$(jget "$out" .ok)" "connect: $out"
	assert_eq "[{\"from\":$t,\"to\":$m}]" \
	    "$(req '{"cmd":"list"}' | jq -c .links)" "the link"
	out=$(req '{"cmd":"set","id":"t1","args":{"db":-20}}')
	assert_eq true "$(jget "$out" .ok)" "set: $out"
	assert_eq -20 "$(req '{"cmd":"list"}' | jq ".nodes[] | select(.id == $t) | .args.db")"
	# A string of digits is an id.
	out=$(req "{\"cmd\":\"set\",\"id\":\"$t\",\"args\":{\"db\":-21}}")
	assert_eq true "$(jget "$out" .ok)" "set by \"$t\": $out"
	out=$(req '{"cmd":"disconnect","from":"t1","to":"m1"}')
	assert_eq true "$(jget "$out" .ok)" "disconnect: $out"
	assert_eq "[]" "$(req '{"cmd":"list"}' | jq -c .links)"
	# Unknown names: not_found, nothing changes.
	refused_unchanged not_found \
	    '{"cmd":"connect","from":"t1","to":"nope"}' \
	    '{"cmd":"connect","from":"nope","to":"m1"}' \
	    '{"cmd":"disconnect","from":"t1","to":"nope"}' \
	    '{"cmd":"set","id":"nope","args":{"db":-1}}' \
	    '{"cmd":"destroy_node","id":"nope"}' \
	    '{"cmd":"destroy_node","id":""}' \
	    '{"cmd":"destroy_node","id":"T1"}'
	out=$(req '{"cmd":"destroy_node","id":"t1"}')
	assert_eq true "$(jget "$out" .ok)" "destroy: $out"
	out=$(req '{"cmd":"destroy_node","id":"m1"}')
	assert_eq true "$(jget "$out" .ok)" "destroy: $out"
	assert_eq "" "$(names)"
}

@test "amctl short forms: create name=, set/connect/disconnect/destroy by name" {
	local out
	run -0 amctl create tone name=tone1 freq=440
	assert_eq tone1 "$(jget "$output" .name)"
	run -0 amctl create mixer name=master
	run -0 amctl connect tone1 master
	run -0 amctl set tone1 db=-12
	assert_eq -12 "$(req '{"cmd":"list"}' | jq '.nodes[] | select(.name == "tone1") | .args.db')"
	run -0 amctl disconnect tone1 master
	run -1 --separate-stderr amctl set nope db=1
	assert_match "no node named 'nope'" "$output$stderr"
	run -0 amctl destroy tone1
	run -0 amctl destroy master
	assert_eq "" "$(names)"
}

@test "amctl list shows a NAME column once a node has a name; dot labels it" {
	local t g
	t=$(amctl create tone | jq -r .id)
	run -0 script -qec "amctl list" /dev/null
	[[ "$output" != *NAME* ]] || flunk "a NAME column without names" "$output"
	g=$(amctl create gain name=quiet db=-12 | jq -r .id)
	run -0 script -qec "amctl list" /dev/null
	output=$(printf '%s\n' "$output" | tr -d '\r')
	assert_match '^ +ID +NAME +TYPE +CH +IN +OUT +ARGS$' \
	    "$(printf '%s\n' "$output" | sed -n 3p)"
	assert_match "^ *$g  quiet +gain +2 +- +- +db=-12\$" \
	    "$(printf '%s\n' "$output" | grep -E "^ *$g  ")"
	assert_match "^ *$t  - +tone " \
	    "$(printf '%s\n' "$output" | grep -E "^ *$t  ")"
	run -0 amctl dot
	assert_match "label=\"$g quiet: gain" "$output"
	assert_match "label=\"$t: tone" "$output"
	amctl destroy "$t" >/dev/null
	amctl destroy quiet >/dev/null
}

@test "node and xrun events name the node" {
	local log=$BATS_TEST_TMPDIR/events sub gappy d=$BATS_TEST_TMPDIR
	amtone -d 0.05 -t wav >"$d/short.wav"
	own -n
	( printf '%s\n' '{"cmd":"subscribe","events":["node"]}' |
	    socat -t 30 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	sub=$!
	wait_until 5 grep -q '"ok":true' "$log"
	amctl create file_source name=clip path="$d/short.wav" >/dev/null
	amctl create device_sink name=out >/dev/null
	amctl connect clip out >/dev/null
	amctl start >/dev/null
	wait_until 10 grep -q '"type":"eof"' "$log"
	assert_eq '{"event":"node","id":1,"name":"clip","type":"eof"}' \
	    "$(grep '"type":"eof"' "$log")"
	kill "$sub" 2>/dev/null || true
	# An app_source that runs dry: its underrun names it.
	( printf '%s\n' '{"cmd":"subscribe","events":["xrun"]}' |
	    socat -t 30 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log.x" ) 3>&- &
	sub=$!
	wait_until 5 grep -q '"ok":true' "$log.x"
	( { amtone -d 0.3; sleep 1; amtone -d 0.3; } |
	    amcat --name gappy --to out ) 3>&- &
	gappy=$!
	wait_until 10 grep -q '"name":"gappy"' "$log.x"
	assert_match '"event":"xrun","type":"underrun".*"name":"gappy"' \
	    "$(grep '"name":"gappy"' "$log.x" | head -n 1)"
	kill "$sub" 2>/dev/null || true
	# Never a bare wait: bats' timeout watchdog is a child too.
	wait "$gappy" || true
}

@test "amixd -f: the graph is built before any client is accepted" {
	local d=$BATS_TEST_TMPDIR i n sock
	sock=$d/f.sock
	{
		echo "# many lines: a client racing the script would see a part"
		for i in $(seq 1 300); do echo "create gain name=g$i"; done
		echo "create mixer name=master"
		echo "g1_ = create tone"
		echo 'connect $g1_ g1'
	} >"$d/big.am"
	( exec_closed amixd -b null -s "$sock" -f "$d/big.am" </dev/null \
	    >"$d/f.log" 2>&1 ) &
	OWN_PID=$!
	export AUDIOMIXERD_SOCKET=$sock
	wait_until 10 test -S "$sock"
	n=$(amctl list | jq '.nodes | length')
	assert_eq 302 "$n" "nodes in the first reply"
	assert_eq 1 "$(req '{"cmd":"list"}' | jq '.links | length')"
}

@test "amixd -f: a failing line stops the daemon with file:line, exit 1, no socket left" {
	local d=$BATS_TEST_TMPDIR
	printf '%s\n' '# a comment' 'create mixer name=master' \
	    'create gain name=master' 'start' >"$d/bad.am"
	run -1 --separate-stderr timeout 20 amixd -b null -s "$d/b.sock" \
	    -f "$d/bad.am"
	assert_match "$d/bad.am:3: a node named 'master' exists already" "$stderr"
	[ ! -e "$d/b.sock" ] || flunk "socket left behind"
	printf '%s\n' 'create mixer name=x' 'conect x x' >"$d/typo.am"
	run -1 --separate-stderr timeout 20 amixd -b null -s "$d/b.sock" \
	    -f "$d/typo.am"
	assert_match "$d/typo.am:2: " "$stderr"
	[ ! -e "$d/b.sock" ] || flunk "socket left behind"
	run -1 --separate-stderr timeout 20 amixd -b null -s "$d/b.sock" \
	    -f "$d/missing.am"
	assert_match "$d/missing.am: No such file" "$stderr"
	[ ! -e "$d/b.sock" ] || flunk "socket left behind"
	run -2 --separate-stderr amixd -n -f "$d/bad.am"
	assert_match 'exclude each other' "$stderr"
	run -2 --separate-stderr amixd -n --render 1
	run -2 --separate-stderr amixd -f "$d/bad.am" --render 1
}

@test "the default graph: XDG over /etc, ~/.config without XDG, -n and -f skip it" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/xdg/amixd" "$d/etc/amixd" "$d/home/.config/amixd"
	echo "create tone name=from_xdg" >"$d/xdg/amixd/default.am"
	echo "create tone name=from_etc" >"$d/etc/amixd/default.am"
	echo "create tone name=from_home" >"$d/home/.config/amixd/default.am"
	echo "create tone name=from_f" >"$d/f.am"
	export AMIXD_SYSCONFDIR=$d/etc
	XDG_CONFIG_HOME=$d/xdg own
	assert_eq from_xdg "$(names)"
	teardown
	XDG_CONFIG_HOME=$d/nothing own
	assert_eq from_etc "$(names)"
	teardown
	XDG_CONFIG_HOME= HOME=$d/home own
	assert_eq from_home "$(names)"
	teardown
	XDG_CONFIG_HOME=$d/xdg own -n
	assert_eq "" "$(names)"
	teardown
	XDG_CONFIG_HOME=$d/xdg own -f "$d/f.am"
	assert_eq from_f "$(names)"
	teardown
	# A default graph that fails stops the daemon the same way.
	echo "create nosuchtype" >"$d/xdg/amixd/default.am"
	XDG_CONFIG_HOME=$d/xdg run -1 --separate-stderr timeout 20 \
	    amixd -b null -s "$d/x.sock"
	assert_match "$d/xdg/amixd/default.am:1: unknown node type" "$stderr"
	[ ! -e "$d/x.sock" ] || flunk "socket left behind"
}

@test "the shipped default.am: a fresh daemon plays amtone | amcat into master -> out" {
	local d=$BATS_TEST_TMPDIR out
	mkdir -p "$d/etc/amixd"
	cp "$AM_TOP/amixd/default.am" "$d/etc/amixd/default.am"
	AMIXD_SYSCONFDIR=$d/etc own
	assert_eq "master out" "$(names)"
	assert_eq running "$(req '{"cmd":"list"}' | jq -r .state)"
	amctl create file_sink name=rec path="$d/rec.wav" >/dev/null
	amctl connect master rec >/dev/null
	run -0 --separate-stderr bash -c 'amtone -f 1000 --db -6 -d 1 | amcat'
	amctl destroy rec >/dev/null
	wait_until 10 test -s "$d/rec.wav"
	PYTHONPATH=$AM_TOP/tests/tools "$PY" "$SEG" trim "$d/rec.wav" "$d/trim.wav"
	out=$(sinefit "$d/trim.wav" 0 0.05)
	assert_near 1000 "$(jget "$out" .freq)" 0.5 "frequency (Hz)"
	assert_near -6 "$(jget "$out" .amp_db)" 0.1 "level (dBFS)"
}

# The names of the graph's app_source nodes, one a line.
app_source_names() {
	req '{"cmd":"list"}' | jq -r '.nodes[] | select(.type == "app_source") | .name'
}

# True when some app_source node exists (for wait_until).
has_app_source() {
	[ -n "$(app_source_names)" ]
}

no_app_source() {
	[ -z "$(app_source_names)" ]
}

# True when a node is called $1 (for wait_until).
has_node() {
	[ -n "$(id_of "$1")" ]
}

@test "amcat: named after itself, --name, --to by name, turned down by name" {
	local d=$BATS_TEST_TMPDIR pid name
	own -n
	amctl create mixer name=master >/dev/null
	amctl create device_sink name=out >/dev/null
	amctl connect master out >/dev/null
	amctl start >/dev/null
	# amcat's own PID names it: started so that $! is amcat's.
	exec {tone}< <(amtone -d 30)
	amcat <&"$tone" 3>&- &
	pid=$!
	wait_until 10 has_app_source
	name=$(app_source_names)
	assert_eq "amcat.$pid" "$name"
	run -0 amctl set "$name" db=-12
	assert_eq -12 "$(req '{"cmd":"list"}' | jq ".nodes[] | select(.name == \"$name\") | .args.db")"
	assert_eq "[{\"from\":$(id_of "$name"),\"to\":$(id_of master)}]" \
	    "$(req '{"cmd":"list"}' | jq -c "[.links[] | select(.from == $(id_of "$name"))]")"
	kill "$pid"
	wait "$pid" || true
	exec {tone}<&-
	wait_until 10 no_app_source
	exec {tone}< <(amtone -d 30)
	amcat --name radio --to out <&"$tone" 3>&- &
	pid=$!
	wait_until 10 has_node radio
	assert_eq "[{\"from\":$(id_of radio),\"to\":$(id_of out)}]" \
	    "$(req '{"cmd":"list"}' | jq -c "[.links[] | select(.from == $(id_of radio))]")"
	kill "$pid"
	wait "$pid" || true
	exec {tone}<&-
	run -2 --separate-stderr amcat --name 42
	assert_match "amcat: --name 42: name '42' is a number" "$stderr"
	run -1 --separate-stderr amcat --to nope </dev/null
	assert_eq "amcat: no node named 'nope' in the graph (see amctl list)" "$stderr"
}

@test "amcat with no --to and no default target says what to create, in one line" {
	own -n
	run -1 --separate-stderr bash -c 'amtone -d 0.1 | amcat'
	assert_eq "amcat: no default target: create a mixer named master or a device_sink (amctl create device_sink name=out)" "$stderr"
	# Two device sinks and no master: which one is not a guess.
	amctl create device_sink >/dev/null
	amctl create device_sink >/dev/null
	run -1 --separate-stderr bash -c 'amtone -d 0.1 | amcat'
	assert_match '^amcat: no default target: 2 device_sinks and no node named master' "$stderr"
	assert_eq 1 "$(printf '%s\n' "$stderr" | wc -l)" "one line"
}
