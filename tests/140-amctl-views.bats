#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# amctl's views of the graph: "amctl dot" is DOT that Graphviz draws,
# with every node (type, arguments, level) and every link; "amctl list"
# is a table on a terminal that names every node, and stays the raw
# JSON reply on a pipe, so "amctl list | jq" works as before. One daemon
# (backend null) for the file playing two tones through gains into a
# mixer and the sink, and a gain with no input, which is silent.

load helpers

setup_file() {
	amixd_start
	local t1 t2 g1 g2 m s q
	t1=$(amctl create tone freq=440 db=-6 | jq -r .id)
	t2=$(amctl create tone freq=660 db=-20 waveform=square | jq -r .id)
	g1=$(amctl create gain db=0 | jq -r .id)
	g2=$(amctl create gain db=-3 | jq -r .id)
	m=$(amctl create mixer | jq -r .id)
	s=$(amctl create device_sink | jq -r .id)
	q=$(amctl create gain db=-12 | jq -r .id)
	amctl -q -f - <<EOF
connect $t1 $g1
connect $t2 $g2
connect $g1 $m
connect $g2 $m
connect $m $s
start
EOF
	export T1=$t1 T2=$t2 G1=$g1 G2=$g2 MIX=$m SINK=$s QUIET=$q
	export LINKS="$t1>$g1 $t2>$g2 $g1>$m $g2>$m $m>$s"
}

teardown_file() {
	amixd_stop
}

# A test that started a daemon of its own stops it, also on failure.
teardown() {
	if [ "${AMIXD_DIR:-}" = "$BATS_TEST_TMPDIR" ]; then
		amixd_stop
	fi
}

# Run a command on a pseudo-terminal, so its stdout is a terminal;
# carriage returns removed.
on_tty() {
	script -qec "$*" /dev/null </dev/null | tr -d '\r'
}

# A page rendered as text, wide enough that nothing wraps, blanks
# before each line removed.
page() {
	mandoc -Tascii -O width=200 "$AM_TOP/man/$1" | col -bx | sed 's/^ *//'
}

# Page $1 shows line $2 (leading blanks aside).
page_has() {
	page "$1" | grep -qxF -- "$2" || flunk "man/$1 no longer shows: $2"
}

# The lines of page $1 after the line that is exactly $2 (leading blanks
# aside), up to the next blank line.
page_after() {
	page "$1" | awk -v l="$2" 'on && /^$/ { exit } on { print } $0 == l { on = 1 }'
}

# The DOT statement lines of node $2 in DOT text $1.
dot_node() {
	printf '%s\n' "$1" | grep -E "^[[:space:]]n$2 \\["
}

@test "amctl dot: DOT that dot -Tsvg accepts, every node and every link" {
	local dotf=$BATS_TEST_TMPDIR/g.dot svg=$BATS_TEST_TMPDIR/g.svg id l
	run -0 --separate-stderr amctl dot
	assert_eq "" "$stderr" "stderr"
	printf '%s\n' "$output" >"$dotf"
	assert_eq "digraph amixd {" "${lines[0]}"
	dot -Tsvg -o "$svg" "$dotf" || flunk "dot refused:" "$output"
	# Graphviz names each node and edge in a <title>.
	for id in $T1 $T2 $G1 $G2 $MIX $SINK $QUIET; do
		dot_node "$output" "$id" >/dev/null ||
		    flunk "no node $id in:" "$output"
		grep -q "<title>n$id</title>" "$svg" || flunk "node $id not drawn"
	done
	assert_eq 7 "$(grep -c '^	n[0-9]* \[' "$dotf")" "node statements"
	for l in $LINKS; do
		printf '%s\n' "$output" | grep -qx "	n${l%>*} -> n${l#*>};" ||
		    flunk "no edge $l in:" "$output"
		grep -q "<title>n${l%>*}&#45;&gt;n${l#*>}</title>" "$svg" ||
		    flunk "edge $l not drawn"
	done
	assert_eq 5 "$(grep -c -- ' -> ' "$dotf")" "edges"
}

@test "amctl dot: labels carry type, arguments and the current level" {
	run -0 amctl dot
	assert_match "label=\"$T1: tone\\\\n2 ch FL,FR\\\\nfreq=440 db=-6 waveform=sine seed=1 channels=2 spread=0\\\\npeak -6\\.0 dBFS, rms -9\\.0 dBFS\"" \
	    "$(dot_node "$output" "$T1")"
	assert_match "label=\"$T2: tone\\\\n2 ch FL,FR\\\\nfreq=660 db=-20 waveform=square " \
	    "$(dot_node "$output" "$T2")"
	assert_match "label=\"$MIX: mixer\\\\n2 ch FL,FR\\\\ndb=0\\\\npeak " \
	    "$(dot_node "$output" "$MIX")"
	assert_match "label=\"$SINK: device_sink\\\\n2 ch FL,FR\\\\npeak " \
	    "$(dot_node "$output" "$SINK")"
	# Nothing flows into this gain: silent, drawn dashed.
	assert_match "label=\"$QUIET: gain\\\\n2 ch FL,FR\\\\ndb=-12\\\\nsilent\", style=\"rounded,dashed\"" \
	    "$(dot_node "$output" "$QUIET")"
	assert_match 'label="amixd: running, null, 48000 Hz, period 128"' \
	    "${lines[1]}"
	# The level is current: it follows a change at once.
	amctl set "$T1" db=-30 >/dev/null
	wait_until 10 bash -c "amctl dot | grep -q 'n$T1 .*peak -30\\.0 dBFS'"
	amctl set "$T1" db=-6 >/dev/null
}

@test "amctl dot: quotes and backslashes in arguments are escaped" {
	local p=$BATS_TEST_TMPDIR/a\"b\\c.wav id out
	id=$(amctl "$(jq -cn --arg p "$p" \
	    '{cmd: "create_node", type: "file_sink", args: {path: $p}}')" |
	    jq -r .id)
	[ -n "$id" ] && [ "$id" != null ] || flunk "no file_sink"
	run -0 amctl dot
	out=$output
	amctl destroy "$id" >/dev/null
	assert_match 'path=.*/a\\"b\\\\c\.wav' "$(dot_node "$out" "$id")"
	printf '%s\n' "$out" | dot -Tsvg >/dev/null || flunk "dot refused:" "$out"
}

@test "amctl dot | dot -Tpng draws a picture" {
	local png=$BATS_TEST_TMPDIR/g.png
	run -0 bash -c "amctl dot | dot -Tpng -o '$png'"
	[ -s "$png" ] || flunk "no picture"
	assert_eq "89 50 4e 47" "$(head -c 4 "$png" | od -An -tx1 | sed 's/^ //')" \
	    "PNG signature"
}

@test "amctl dot: usage error with an argument, exit 1 without a daemon" {
	run -2 --separate-stderr amctl dot 1
	assert_eq "amctl: dot: unexpected argument '1'" "$stderr"
	assert_eq "" "$output" "stdout"
	run -1 --separate-stderr amctl -s "$BATS_TEST_TMPDIR/none.sock" dot
	assert_match '^amctl: cannot connect to ' "$stderr"
	assert_eq "" "$output" "stdout"
}

@test "amctl list on a terminal: a table naming every node with its links" {
	local id
	run -0 on_tty amctl list
	assert_eq "engine running, backend null" "${lines[0]}"
	assert_eq "device default: 48000 Hz, 2 channels (FL,FR), period 128 (2.67 ms), buffer 256" \
	    "${lines[1]}"
	assert_match '^ +ID +TYPE +CH +IN +OUT +ARGS$' "${lines[2]}"
	assert_eq "7 nodes, 5 links" "${lines[${#lines[@]} - 1]}" "summary"
	for id in $T1 $T2 $G1 $G2 $MIX $SINK $QUIET; do
		printf '%s\n' "$output" | grep -qE "^ *$id  " ||
		    flunk "node $id not named in:" "$output"
	done
	assert_match "^ *$T1  tone +2 +- +$G1 +freq=440 db=-6 waveform=sine seed=1 channels=2 spread=0\$" \
	    "$(printf '%s\n' "$output" | grep -E "^ *$T1  ")"
	assert_match "^ *$MIX  mixer +2 +$G1,$G2 +$SINK +db=0\$" \
	    "$(printf '%s\n' "$output" | grep -E "^ *$MIX  ")"
	assert_match "^ *$SINK  device_sink +2 +$MIX +-\$" \
	    "$(printf '%s\n' "$output" | grep -E "^ *$SINK  ")"
	assert_match "^ *$QUIET  gain +2 +- +- +db=-12\$" \
	    "$(printf '%s\n' "$output" | grep -E "^ *$QUIET  ")"
}

@test "amctl list to a pipe stays the JSON reply; raw JSON and -q as before" {
	run -0 --separate-stderr amctl list
	assert_eq 1 "${#lines[@]}" "lines"
	assert_eq true "$(jget "$output" .ok)"
	assert_eq 7 "$(jget "$output" '.nodes | length')" "nodes"
	assert_eq "$(req '{"cmd":"list"}' | jq -c '{nodes, links}')" \
	    "$(jget "$output" '{nodes, links}' | jq -c .)" "same as the protocol"
	run -0 bash -c "amctl list | jq -c '[.nodes[].id]'"
	assert_eq "[$T1,$T2,$G1,$G2,$MIX,$SINK,$QUIET]" \
	    "$(jq -c 'sort' <<<"$output")"
	# On a terminal, a raw JSON request still gets the raw reply, and
	# -q prints nothing.
	run -0 on_tty "amctl '{\"cmd\":\"list\"}'"
	assert_match '^\{"ok":true,"state":"running",' "$output"
	run -0 on_tty amctl -q list
	assert_eq "" "$output"
}

@test "amctl(1) EXAMPLES: the table of amctl list and amctl dot | dot -Tpng" {
	local png=$BATS_TEST_TMPDIR/graph.png
	export AMIXD_DIR=$BATS_TEST_TMPDIR
	amixd_start
	amctl -q -f - <<EOF
open name=default rate=48000 channels=2 period=128
create tone freq=440
create gain db=-6.0
create device_sink
connect 1 2
connect 2 3
start
EOF
	page_has amctl.1 '$ amctl list'
	run -0 on_tty amctl list
	# The page's table, blanks before each line aside.
	assert_eq "$(page_after amctl.1 '$ amctl list')" \
	    "$(printf '%s\n' "$output" | sed 's/^ *//')" "table"
	page_has amctl.1 '$ amctl dot | dot -Tpng -o graph.png'
	(cd "$BATS_TEST_TMPDIR" && amctl dot | dot -Tpng -o graph.png) ||
	    flunk "amctl dot | dot -Tpng failed"
	[ -s "$png" ] || flunk "no graph.png"
}
