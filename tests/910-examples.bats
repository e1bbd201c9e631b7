#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The EXAMPLES of amixd(8) and amixd(7), the amstat(1) example the README
# quotes, and the README's quick start, run as tests; amctl(1),
# amtone(1), amcat(1) and amstat(1) test their own EXAMPLES. Each test
# first checks that the page still shows the command it runs (page_has),
# so page and test cannot drift apart silently; where the page shows
# output, the test compares it. The README blocks run verbatim.

load helpers

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
}

teardown() {
	amixd_stop
}

# A page rendered as text, wide enough that nothing wraps.
page() {
	mandoc -Tascii -O width=200 "$AM_TOP/man/$1" | col -bx
}

# Page $1 shows line $2 (leading blanks aside).
page_has() {
	page "$1" | sed 's/^ *//' | grep -qxF -- "$2" ||
	    flunk "man/$1 no longer shows: $2"
}

# The lines of page $1 after the line that is exactly $2 (leading blanks
# aside), up to the next blank line or the next "$ " command; leading
# blanks removed.
page_after() {
	page "$1" | sed 's/^ *//' |
	    awk -v l="$2" 'on && (/^$/ || /^\$ /) { exit } on { print }
	    $0 == l { on = 1 }'
}

# The body of the first ```sh block after the README line matching $1.
readme_block() {
	awk -v h="$1" '$0 ~ h { on = 1 } on && /^```sh/ { f = 1; next }
	    f && /^```/ { exit } f' "$AM_TOP/README.md"
}

# The quick start of the design card, as amixd(8) shows it.
QUICK=(
	'{"cmd":"device_open","name":"default","rate":48000,"channels":2,"period":128}'
	'{"cmd":"create_node","type":"tone","args":{"freq":440}}'
	'{"cmd":"create_node","type":"gain","args":{"db":-6.0}}'
	'{"cmd":"create_node","type":"device_sink"}'
	'{"cmd":"connect","from":1,"to":2}'
	'{"cmd":"connect","from":2,"to":3}'
	'{"cmd":"start"}'
)

@test "amixd(8) EXAMPLES: a private socket, the quick start, list, stats, kill" {
	local j out dir
	page_has amixd.8 '$ export AUDIOMIXERD_SOCKET=$(mktemp -d)/amixd.sock'
	page_has amixd.8 '$ amixd -b null & pid=$!'
	page_has amixd.8 '$ amctl ping'
	# "$(mktemp -d)/amixd.sock", started the way amixd_start does it.
	dir=$(TMPDIR=$BATS_TEST_TMPDIR mktemp -d)
	AMIXD_DIR=$dir amixd_start
	assert_eq "$dir/amixd.sock" "$AUDIOMIXERD_SOCKET" "socket"
	run -0 amctl ping
	assert_eq "$(page_after amixd.8 '$ amctl ping')" "$output" "ping"

	for j in "${QUICK[@]}"; do
		page_has amixd.8 "\$ amctl '$j'"
		run -0 amctl "$j"
		out=$(page_after amixd.8 "\$ amctl '$j'")
		# The page shows the replies that carry ids; the rest are ok.
		if [ -n "$out" ]; then
			assert_eq "$out" "$output" "reply to $j"
		else
			assert_eq true "$(jget "$output" .ok)" "reply to $j"
		fi
	done

	# The latency math of the page, and the device that list reports.
	page_has amixd.8 'period:  128 / 48000 = 2.67 ms'
	page_has amixd.8 'buffer:  2 x 128 = 256 frames, 256 / 48000 = 5.33 ms'
	assert_eq 2.67 "$(awk 'BEGIN { printf "%.2f", 128 / 48000 * 1000 }')"
	assert_eq 5.33 "$(awk 'BEGIN { printf "%.2f", 256 / 48000 * 1000 }')"
	page_has amixd.8 "\$ amctl list | jq -c '.device | {rate, period, buffer}'"
	run -0 bash -c "amctl list | jq -c '.device | {rate, period, buffer}'"
	assert_eq "$(page_after amixd.8 "\$ amctl list | jq -c '.device | {rate, period, buffer}'")" \
	    "$output" "list"

	# rt, rt_via and mlock depend on privileges; the engine runs.
	page_has amixd.8 "\$ amctl stats | jq -c '{state, rt, rt_via, mlock}'"
	run -0 bash -c "amctl stats | jq -c '{state, rt, rt_via, mlock}'"
	assert_match '^\{"state":"running","rt":(true|false),"rt_via":"(sched|rtkit|none)","mlock":(true|false)\}$' \
	    "$output" "stats"

	page_has amixd.8 '$ kill $pid'
	kill "$AMIXD_PID"
	wait "$AMIXD_PID" || flunk "amixd exited with status $? on SIGTERM"
	unset AMIXD_PID
	[ ! -e "$dir/amixd.sock" ] || flunk "socket left behind"
}

@test "amixd(8) EXAMPLES: amixd --render 5 graph.am, twice, same bytes" {
	local d=$BATS_TEST_TMPDIR out sum
	page_has amixd.8 '$ amixd --render 5 graph.am'
	page_has amixd.8 '$ soxi -s tone.wav'
	# The script exactly as the page shows it.
	page "amixd.8" | sed 's/^ *//' |
	    awk '/^# 440 Hz at -6 dB, recorded$/ { on = 1 } on && /^$/ { exit } on' \
	    >"$d/graph.am"
	assert_eq 6 "$(wc -l <"$d/graph.am")" "lines of graph.am"
	cd "$d"
	run -0 amixd --render 5 graph.am
	assert_eq "$(page_after amixd.8 '$ soxi -s tone.wav')" \
	    "$(soxi -s tone.wav 2>/dev/null)" "frames"
	sum=$(sha256sum <tone.wav)
	out=$(sinefit tone.wav)
	assert_near 440 "$(jget "$out" .freq)" 0.01 "frequency (Hz)"
	assert_near -6.0 "$(jget "$out" .amp_db)" 0.01 "level (dBFS)"
	rm tone.wav
	run -0 amixd --render 5 graph.am
	assert_eq "$sum" "$(sha256sum <tone.wav)" "sha256 of the second render"
}

@test "amixd(7) EXAMPLES: the design card's lines through socat, replies as shown" {
	local block exp act i n e a
	amixd_start
	page_has amixd.7 "\$ socat -t 2 - UNIX-CONNECT:\$AUDIOMIXERD_SOCKET <<'EOF'"
	# The request lines between <<'EOF' and EOF, and the replies after.
	block=$(page amixd.7 | sed 's/^ *//' |
	    awk '/<<.EOF.$/ { on = 1; next } on && /^$/ { exit } on')
	printf '%s\n' "$block" | sed '/^EOF$/q' | sed '$d' >"$BATS_TEST_TMPDIR/req"
	exp=$(printf '%s\n' "$block" | sed '1,/^EOF$/d')
	assert_eq 8 "$(wc -l <"$BATS_TEST_TMPDIR/req")" "request lines"
	act=$(socat -t 2 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" <"$BATS_TEST_TMPDIR/req")
	n=$(printf '%s\n' "$exp" | wc -l)
	assert_eq "$n" "$(printf '%s\n' "$act" | wc -l)" "reply lines"
	for ((i = 1; i <= n; i++)); do
		e=$(printf '%s\n' "$exp" | sed -n "${i}p")
		a=$(printf '%s\n' "$act" | sed -n "${i}p")
		# "..." in the page stands for the rest of the line.
		if [[ "$e" == *"...}}" ]]; then
			e=${e%...\}\}}
			[[ "$a" == "$e"* ]] || flunk "reply $i: expected '$e...'" \
			    "reply $i: actual   '$a'"
		else
			assert_eq "$e" "$a" "reply $i"
		fi
	done
	page_has amixd.7 'The engine computes a period of 128 frames every 128 / 48000 = 2.67 ms; with two periods of buffer, a sample is played at most 256 / 48000 = 5.33 ms after the graph computed it.'
	assert_eq 48000 "$(amctl list | jq .device.rate)"
	assert_eq 256 "$(amctl list | jq .device.buffer)"
}

@test "amixd(7) EXAMPLES: subscribe to stats and xrun through socat" {
	local cmd exp i
	amixd_start
	amctl start >/dev/null
	page_has amixd.7 "\$ echo '{\"cmd\":\"subscribe\",\"events\":[\"stats\",\"xrun\"]}' |"
	page_has amixd.7 'socat -t 2 - UNIX-CONNECT:$AUDIOMIXERD_SOCKET | head -n 3'
	cmd="echo '{\"cmd\":\"subscribe\",\"events\":[\"stats\",\"xrun\"]}' |
	    socat -t 2 - UNIX-CONNECT:\$AUDIOMIXERD_SOCKET | head -n 3"
	exp=$(page_after amixd.7 'socat -t 2 - UNIX-CONNECT:$AUDIOMIXERD_SOCKET | head -n 3')
	# Events: stats once a second; xruns may come between, and on a
	# loaded machine fill all three lines: then once more, at most 10
	# times (5 tries all filled by xruns once in .ci/run).
	for i in 1 2 3 4 5 6 7 8 9 10; do
		# socat may say "Broken pipe" on stderr once head has gone.
		run -0 --separate-stderr timeout 20 bash -c "$cmd"
		assert_eq 3 "${#lines[@]}" "lines"
		assert_eq "$(printf '%s\n' "$exp" | head -n 1)" "${lines[0]}" "reply"
		assert_match '^\{"event":"(stats|xrun)",' "${lines[1]}"
		assert_match '^\{"event":"(stats|xrun)",' "${lines[2]}"
		printf '%s\n' "$output" | grep -q '"event":"stats"' && break
	done
	assert_eq 128 "$(printf '%s\n' "$output" | grep '"event":"stats"' | head -n 1 | jq .period)"
}

@test "amixd(7) EXAMPLES: a refused request with a tag" {
	local exp
	amixd_start
	for j in "${QUICK[@]}"; do
		amctl "$j" >/dev/null
	done
	page_has amixd.7 "\$ echo '{\"cmd\":\"connect\",\"from\":3,\"to\":1,\"tag\":\"t1\"}' |"
	run -0 bash -c "echo '{\"cmd\":\"connect\",\"from\":3,\"to\":1,\"tag\":\"t1\"}' |
	    socat - UNIX-CONNECT:\$AUDIOMIXERD_SOCKET"
	# The page folds the reply over two lines.
	exp=$(page_after amixd.7 'socat - UNIX-CONNECT:$AUDIOMIXERD_SOCKET' | tr -d '\n')
	assert_eq "$exp" "$output" "reply"
	assert_eq 2 "$(amctl list | jq '.links | length')" "links unchanged"
}

@test "amixd(7) EXAMPLES: the design card's file source, and its eof event" {
	local fs wav=$BATS_TEST_TMPDIR/test.wav
	amixd_start
	for j in "${QUICK[@]}"; do
		amctl "$j" >/dev/null
	done
	# As the page, with the test file in this test's directory.
	fs='{"cmd":"create_node","type":"file_source","args":{"path":"/tmp/test.wav"}}'
	page_has amixd.7 '$ amtone -f 1000 -d 2 -t wav > /tmp/test.wav'
	page_has amixd.7 "\$ amctl '$fs'"
	page_has amixd.7 '$ amctl connect 4 2'
	page_has amixd.7 '$ amctl -n 1 subscribe node'
	amtone -f 1000 -d 2 -t wav >"$wav"
	run -0 amctl "${fs//\/tmp\/test.wav/$wav}"
	assert_eq "$(page_after amixd.7 "\$ amctl '$fs'")" "$output" "reply"
	run -0 amctl connect 4 2
	run -0 timeout 20 amctl -n 1 subscribe node
	assert_eq "$(page_after amixd.7 '$ amctl -n 1 subscribe node')" \
	    "$output" "subscribe reply and eof event"
}

@test "amixd(7) EXAMPLES: the quick start as short forms, then set" {
	local l
	amixd_start
	while IFS= read -r l; do
		page_has amixd.7 "\$ $l"
		run -0 bash -c "$l"
	done <<'EOF'
amctl open name=default rate=48000 channels=2 period=128
amctl create tone freq=440
amctl create gain db=-6.0
amctl create device_sink
amctl connect 1 2
amctl connect 2 3
amctl start
amctl set 2 db=-20
EOF
	run -0 amctl list
	assert_eq running "$(jget "$output" .state)"
	assert_eq '[{"id":1,"type":"tone"},{"id":2,"type":"gain"},{"id":3,"type":"device_sink"}]' \
	    "$(jget "$output" '[.nodes[] | {id, type}]' | jq -c .)" "nodes"
	assert_eq -20 "$(jget "$output" '.nodes[1].args.db')" "gain after set"
	assert_eq '[{"from":1,"to":2},{"from":2,"to":3}]' \
	    "$(jget "$output" .links | jq -c .)" "links"
}

@test "amstat(1) EXAMPLES: amstat -n 3 | jq .cpu_pct" {
	local l
	amixd_start
	amctl create tone >/dev/null
	amctl create device_sink >/dev/null
	amctl connect 1 2 >/dev/null
	amctl start >/dev/null
	page_has amstat.1 '$ amstat -n 3 | jq .cpu_pct'
	run -0 timeout 20 bash -c 'amstat -n 3 | jq .cpu_pct'
	assert_eq 3 "${#lines[@]}" "lines"
	# A number for each stats event, null for an xrun or state event.
	for l in "${lines[@]}"; do
		assert_match '^([0-9]+(\.[0-9]+)?|null)$' "$l" "cpu_pct"
	done
}

@test "README: the quick start and the offline render run verbatim" {
	local d=$BATS_TEST_TMPDIR wav out dir
	readme_block '^## Quick start' >"$d/quickstart.sh"
	readme_block '^The same graph as a script' >"$d/render.sh"
	grep -q '^amixd -b null ' "$d/quickstart.sh" ||
	    flunk "README: no amixd in the quick start block"
	grep -q '^amixd --render 5 graph.am' "$d/render.sh" ||
	    flunk "README: no render block"
	unset AUDIOMIXERD_SOCKET
	cd "$AM_TOP"
	# The daemon the block starts is stopped by the block; should the
	# block fail half-way, the trap stops it.
	{
		echo "trap 'kill \"\${pid:-}\" 2>/dev/null || :' EXIT"
		cat "$d/quickstart.sh" "$d/render.sh"
	} >"$d/run.sh"
	run -0 closed env TMPDIR="$d" timeout 120 bash -e "$d/run.sh"
	dir=$(ls -d "$d"/tmp.*) || flunk "no directory from mktemp" "$output"
	wav=$dir/tone.wav
	[ -f "$wav" ] || flunk "no recording" "$output"
	assert_match '"id":4' "$output" "file sink created"
	assert_match '"event":"stats"' "$output" "telemetry printed"
	assert_match 'Sample Rate +: 48000' "$output" "soxi"
	out=$(sinefit "$wav")
	assert_near 440 "$(jget "$out" .freq)" 0.5 "frequency (Hz)"
	assert_near -6.0 "$(jget "$out" .amp_db)" 0.05 "level (dBFS)"
	[ ! -e "$dir/amixd.sock" ] || flunk "socket left behind"
	assert_eq 240000 "$(soxi -s "$dir/render.wav" 2>/dev/null)" \
	    "frames of the render"
}

@test "make demo: plays the quick start, prints stats, records, stops cleanly" {
	local d out
	# Outside home and /tmp, where a file sink may write by default: the
	# demo must allow the recording's directory itself.
	d=$(mktemp -d /var/tmp/amixd-demo-test.XXXXXX)
	run closed env DEMO_WAV="$d/demo.wav" DEMO_SECONDS=2 timeout 60 \
	    "$AM_TOP/tests/demo.sh"
	out=$(sinefit "$d/demo.wav" 2>&1) || out=
	rm -rf "$d"
	assert_eq 0 "$status" "demo status: $output"
	assert_match 'backend (null|alsa)' "$output"
	assert_eq 2 "$(printf '%s\n' "$output" | grep -c '^  {"event":"stats"')" \
	    "stats lines"
	assert_match "demo: stopped cleanly. The recording is $d/demo.wav" \
	    "$output"
	assert_near 440 "$(jget "$out" .freq)" 0.5 "frequency (Hz)"
	assert_near -6.0 "$(jget "$out" .amp_db)" 0.05 "level (dBFS)"
}
