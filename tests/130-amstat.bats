#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# amstat: usage and exit codes; JSON lines (every stats field with its
# type, levels, -n, -e, -i, SIGINT, the daemon missing or dying); the
# live table (--top) driven in tmux: nodes, a meter that follows a level
# change, new nodes, resize, q, SIGTERM and the daemon dying all leave
# the terminal as it was; and a subscriber that never reads, which must
# not disturb the daemon or amstat, and is told what it lost; and the
# EXAMPLES of amstat(1) but "amstat -n 3", which 910-examples runs.
#
# One daemon for the file (backend null) plays tone -> gain -> sink;
# tests that kill a daemon or load it with many nodes start their own.

load helpers

setup_file() {
	amixd_start
	local t g s
	t=$(amctl create tone freq=440 db=-6 | jq -r .id)
	g=$(amctl create gain db=0 | jq -r .id)
	s=$(amctl create device_sink | jq -r .id)
	amctl connect "$t" "$g" >/dev/null
	amctl connect "$g" "$s" >/dev/null
	amctl start >/dev/null
	export TONE=$t GAIN=$g SINK=$s
}

teardown_file() {
	amixd_stop
}

teardown() {
	if [ -n "${TMUX_SOCK:-}" ]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
	if [ -n "${OWN_DAEMON:-}" ]; then
		amixd_stop
	fi
}

# Start a daemon of this test's own, on a socket in its tmpdir.
own_daemon() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
	OWN_DAEMON=1
	amixd_start
}

# Each line of stdin prefixed by the time it was read, in seconds.
stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$l"
	done
}

# The mean gap between the stamped lines of stdin, in seconds.
mean_gap() {
	awk 'NR == 1 { a = $1 } { b = $1; n = NR } END {
		if (n > 1) printf "%.4f\n", (b - a) / (n - 1) }'
}

# The mean gap between the lines a command prints, in seconds.
gap_of() {
	"$@" | stamp | mean_gap
}

# amstat --top in a detached tmux pane 120x40, run by a script that
# records its pid in $BATS_TEST_TMPDIR/pid and, once it exits, prints
# "EXITED <status>" and the terminal's icanon flag, then stays.
top_start() {
	local dir=$BATS_TEST_TMPDIR
	TMUX_SOCK=$dir/tmux.sock
	cat >"$dir/top.sh" <<'EOF'
sh -c 'echo $$ >"$1"; exec amstat --top' sh "$(dirname "$0")/pid"
echo "EXITED $?"
stty -a | grep -o -- '-*icanon'
exec sleep 600
EOF
	TMUX= tmux -f /dev/null -S "$TMUX_SOCK" new-session -d -s top \
	    -x 120 -y 40 "bash $dir/top.sh"
}

# The text of the pane, and one of its tmux formats.
pane() {
	tmux -S "$TMUX_SOCK" capture-pane -p -t top
}

pane_fmt() {
	tmux -S "$TMUX_SOCK" display -p -t top "$1"
}

# True when the pane shows a line matching the extended regex $1.
pane_has() {
	pane | grep -qE -- "$1"
}

# The table row of node $1.
row() {
	pane | awk -v id="$1" '$1 == id { print; exit }'
}

# True when node $1 has no row.
no_row() {
	[ -z "$(row "$1")" ]
}

# True when node $1's row is at most $2 columns wide.
row_fits() {
	local l
	l=$(row "$1")
	[ -n "$l" ] && [ "${#l}" -le "$2" ]
}

# The number of '#' in the meter of node $1's row.
bar() {
	row "$1" | sed -n 's/.*\[\(.*\)\].*/\1/p' | tr -cd '#' | wc -c
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

# After amstat left: its status, the normal screen, the cursor, and
# the terminal modes of before.
assert_restored() {
	wait_until 10 pane_has '^EXITED '
	# stty runs after the EXITED line: on a loaded machine, wait for it.
	wait_until 10 pane_has '^-*icanon$'
	assert_match "^EXITED $1\$" "$(pane | grep '^EXITED')" "exit"
	assert_eq "0 1" "$(pane_fmt '#{alternate_on} #{cursor_flag}')" \
	    "alternate screen, cursor"
	assert_eq icanon "$(pane | grep -E -- '^-*icanon$')" "stty"
	if pane_has 'COST/us|LEVEL'; then
		flunk "the table is still on the screen:" "$(pane)"
	fi
}

@test "amstat -h, and usage errors exit 2 before connecting" {
	run -0 --separate-stderr amstat -h
	assert_eq "usage: amstat [-ht] [-e events] [-i seconds] [-n count] [-s socket]" \
	    "$output"
	run -0 --separate-stderr amstat --help
	assert_match '^usage: amstat' "$output"
	run -2 --separate-stderr amstat -x
	assert_match 'usage: amstat' "$stderr"
	run -2 --separate-stderr amstat -n 0
	assert_eq "amstat: -n 0: a count of 1 or more" "$stderr"
	run -2 --separate-stderr amstat -i 0.01
	assert_match '^amstat: -i 0.01: seconds from ' "$stderr"
	run -2 --separate-stderr amstat -e stats -i 0.05
	assert_eq "amstat: -i 0.05: stats come at most every 0.1 s" "$stderr"
	run -2 --separate-stderr amstat --top -n 3
	assert_match '^amstat: -t shows a table' "$stderr"
	run -2 --separate-stderr amstat stats
	assert_match 'usage: amstat' "$stderr"
	assert_eq "" "$output" "stdout"
}

@test "no daemon: a clear message, exit 1, nothing on stdout, also for --top" {
	run -1 --separate-stderr amstat -s "$BATS_TEST_TMPDIR/none.sock"
	assert_eq "amstat: cannot connect to $BATS_TEST_TMPDIR/none.sock: No such file or directory" \
	    "$stderr"
	assert_eq "" "$output" "stdout"
	run -1 --separate-stderr amstat --top -s "$BATS_TEST_TMPDIR/none.sock"
	assert_match '^amstat: cannot connect to ' "$stderr"
	assert_eq "" "$output" "stdout"
}

@test "a refused subscription: the daemon's error, exit 1" {
	run -1 --separate-stderr amstat -e stats,bogus
	assert_match '^amstat: subscribe: bad_request: unknown event bogus' \
	    "$stderr"
}

@test "JSON lines: every stats field is there with its type" {
	local l
	amctl set "$TONE" db=-6 >/dev/null
	run -0 --separate-stderr amstat -e stats -i 0.2 -n 2
	assert_eq 2 "${#lines[@]}" "lines"
	for l in "${lines[@]}"; do
		jq -e . >/dev/null <<<"$l" || flunk "not JSON: $l"
		assert_eq stats "$(jget "$l" .event)" "event"
		assert_eq true "$(jget "$l" '
		    (.cpu_pct | type) == "number" and
		    (.period | type) == "number" and
		    (.late_us | type) == "number" and
		    (.late_us_p99 | type) == "number" and
		    (.late_us_max | type) == "number" and
		    (.cycle_us_p50 | type) == "number" and
		    (.cycle_us_p99 | type) == "number" and
		    (.cycle_us_max | type) == "number" and
		    (.xruns | type) == "number" and
		    (.rt | type) == "boolean" and
		    (.rate | type) == "number" and
		    (.backend | type) == "string" and
		    (.state | type) == "string" and
		    (.drift_ppm | type) == "number" and
		    (.nodes | type) == "array"')" "engine field types"
		assert_eq true "$(jget "$l" '[.nodes[] |
		    (.id | type) == "number" and
		    (.type | type) == "string" and
		    (.frames | type) == "number" and
		    (.cost_us | type) == "number" and
		    (.peak_db | type) == "number" and
		    (.rms_db | type) == "number" and
		    (.underruns | type) == "number" and
		    (.overruns | type) == "number"] | all')" "node field types"
		assert_eq "null 48000 running" \
		    "$(jget "$l" '"\(.backend) \(.rate) \(.state)"')"
		assert_eq "$TONE tone,$GAIN gain,$SINK device_sink" \
		    "$(jget "$l" '[.nodes | sort_by(.id)[] | "\(.id) \(.type)"] | join(",")')"
	done
	# A sine at -6 dBFS: peak -6, RMS 3 dB below.
	assert_near -6 "$(jget "${lines[1]}" ".nodes[] | select(.id == $TONE).peak_db")" 0.1 "peak"
	assert_near -9.01 "$(jget "${lines[1]}" ".nodes[] | select(.id == $TONE).rms_db")" 0.1 "rms"
	assert_eq "" "$stderr" "stderr"
}

@test "levels events: id, peak_db and rms_db of every node, at the rate asked" {
	local l iv
	run -0 amstat -e levels -n 1
	l=${lines[0]}
	assert_eq levels "$(jget "$l" .event)"
	assert_eq true "$(jget "$l" '[.nodes[] | (.id | type) == "number" and
	    (.peak_db | type) == "number" and (.rms_db | type) == "number"] |
	    all')" "field types"
	assert_eq 3 "$(jget "$l" '.nodes | length')" "nodes"
	# The daemon schedules on a 30 Hz tick: ask multiples of it.
	for iv in 0.1 0.2; do
		run -0 gap_of amstat -e levels -i "$iv" -n 16
		assert_near "$iv" "$output" "$(awk -v i="$iv" 'BEGIN { print i / 10 }')" \
		    "mean period at -i $iv"
	done
}

@test "-i sets the stats period: events counted over a window, ended by SIGINT" {
	local n
	# 2 s at 0.2 s a report: about 10; SIGINT ends amstat with 0.
	run -0 timeout --preserve-status -s INT 2.1 amstat -e stats -i 0.2
	n=${#lines[@]}
	assert_near 10 "$n" 2 "stats events in 2.1 s at -i 0.2"
	run -0 gap_of amstat -e stats -i 0.5 -n 5
	assert_near 0.5 "$output" 0.05 "mean period at -i 0.5"
}

@test "-n and -e: exactly COUNT lines, only the classes asked for" {
	run -0 bash -c "amstat -e stats,levels -i 0.2 -n 7 | jq -r .event"
	assert_eq 7 "${#lines[@]}" "lines"
	assert_eq "levels stats" \
	    "$(printf '%s\n' "${lines[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//')" \
	    "classes"
	run -0 bash -c "amstat -e levels -n 3 | jq -r .event"
	assert_eq "levels levels levels" "$(echo ${lines[*]})"
	# state only: nothing comes until the engine changes state.
	local log=$BATS_TEST_TMPDIR/state pid
	amstat -e state -n 2 >"$log" 3>&- &
	pid=$!
	wait_until 10 bash -c "amctl stop >/dev/null; amctl start >/dev/null; [ \$(wc -l <'$log') -ge 2 ]"
	wait "$pid" || flunk "amstat exited with status $?"
	amctl start >/dev/null
	assert_eq "state state" "$(jq -r .event "$log" | tr '\n' ' ' | sed 's/ $//')"
}

@test "the default classes: stats, xrun, state" {
	local e
	run -0 bash -c "amstat -i 0.2 -n 4 | jq -r .event"
	assert_eq 4 "${#lines[@]}" "lines"
	for e in "${lines[@]}"; do
		assert_match '^(stats|xrun|state)$' "$e" "event"
	done
	assert_match stats "${lines[*]}"
}

@test "the daemon dies: amstat exits 1 with a message" {
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err pid rc=0
	own_daemon
	amstat -e stats,levels >"$out" 2>"$err" 3>&- &
	pid=$!
	wait_until 10 test -s "$out"
	kill -KILL "$AMIXD_PID"
	wait "$pid" || rc=$?
	assert_eq 1 "$rc" "exit status"
	assert_eq "amstat: the daemon went away: connection closed" "$(cat "$err")"
	jq -e . "$out" >/dev/null || flunk "output before the end is not JSON"
}

@test "--top: the nodes of the graph, the engine, and a meter that follows the level" {
	local b1 b2
	amctl set "$TONE" db=-6 >/dev/null
	top_start
	wait_until 10 pane_has "^ *$TONE tone freq=440 db=-6 .* -6\\.0 +-9\\.0 +\\["
	assert_eq "1 0" "$(pane_fmt '#{alternate_on} #{cursor_flag}')" \
	    "alternate screen, cursor hidden"
	assert_match "^ *$GAIN gain db=0 " "$(row "$GAIN")"
	assert_match "^ *$SINK device_sink " "$(row "$SINK")"
	assert_match 'ID +NODE +CH +COST/us +FRAMES +UNDER +OVER +CLIP +PEAK +RMS +LEVEL' \
	    "$(pane)"
	assert_match '^amixd  null  48000 Hz  period 128 \(2\.67 ms\)  running  rt (yes|no)  drift ' \
	    "$(pane | head -n 1)"
	wait_until 10 pane_has '^cpu [0-9.]+%  xruns [0-9]+  late us p99/max [0-9]+/[0-9]+'
	b1=$(bar "$TONE")
	amctl set "$TONE" db=-40 >/dev/null
	wait_until 10 pane_has "^ *$TONE tone .* -40\\.0 +-43\\.0 +\\["
	b2=$(bar "$TONE")
	[ "$b1" -ge $((b2 + 10)) ] ||
	    flunk "meter of node $TONE: $b1 cells at -6 dB, $b2 at -40 dB" "$(pane)"
	# The gain follows its input.
	assert_match ' -40\.0 +-43\.0 +\[' "$(row "$GAIN")" "gain row"
	amctl set "$TONE" db=-6 >/dev/null
	wait_until 10 pane_has "^ *$TONE tone .* -6\\.0 +-9\\.0 +\\["
	assert_eq "$b1" "$(bar "$TONE")" "meter back at -6 dB"
}

@test "--top: q quits and the terminal is as it was" {
	top_start
	wait_until 10 pane_has "^ *$TONE tone "
	tmux -S "$TMUX_SOCK" send-keys -t top q
	assert_restored 0
}

@test "--top: new and destroyed nodes come and go; a resize redraws" {
	local id
	top_start
	wait_until 10 pane_has "^ *$TONE tone "
	id=$(amctl create tone freq=1234 | jq -r .id)
	wait_until 10 pane_has "^ *$id tone freq=1234 "
	amctl destroy "$id" >/dev/null
	wait_until 10 no_row "$id"
	tmux -S "$TMUX_SOCK" resize-window -t top -x 90 -y 20
	wait_until 10 row_fits "$TONE" 90
	assert_match '\[#+' "$(row "$TONE")" "meter at 90 columns"
	tmux -S "$TMUX_SOCK" send-keys -t top q
	assert_restored 0
}

@test "--top: a named node shows its name before its type" {
	local id
	id=$(amctl create tone name=hum freq=50 db=-60 | jq -r .id)
	top_start
	wait_until 10 pane_has "^ *$id hum tone freq=50 db=-60 "
	amctl destroy hum >/dev/null
	wait_until 10 no_row "$id"
	tmux -S "$TMUX_SOCK" send-keys -t top q
	assert_restored 0
}

@test "--top: SIGTERM restores the terminal, status 0" {
	top_start
	wait_until 10 pane_has "^ *$TONE tone "
	kill -TERM "$(cat "$BATS_TEST_TMPDIR/pid")"
	assert_restored 0
}

@test "--top: the daemon dies: the terminal is restored, then the message, status 1" {
	own_daemon
	amctl create tone >/dev/null
	top_start
	wait_until 10 pane_has '^ *1 tone '
	kill -KILL "$AMIXD_PID"
	assert_restored 1
	assert_match 'amstat: the daemon went away: connection closed' "$(pane)"
}

@test "a subscriber that never reads: the daemon and amstat go on, it is told what it lost" {
	local i
	own_daemon
	# 150 nodes make stats and levels events large, so the queue fills.
	for i in $(seq 1 150); do
		printf '{"cmd":"create_node","type":"tone","args":{"freq":%d}}\n' $((100 + i))
	done | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >/dev/null
	amctl start >/dev/null
	run -0 env PYTHONPATH="$AM_TOP/tests/tools" "$PY" - "$AUDIOMIXERD_SOCKET" <<'EOP'
import json, subprocess, sys, threading, time
from slowsub import subscribe_and_stall, ping_while, dropped_count
path = sys.argv[1]
slow = subscribe_and_stall(path, 0.0334)
# Meanwhile amstat reads levels at 10 Hz; note when each line comes.
other = subprocess.Popen(["amstat", "-e", "levels", "-i", "0.1", "-n", "50"],
                         stdout=subprocess.PIPE)
got = []
def reader():
    for line in iter(other.stdout.readline, b''):
        got.append((time.monotonic(), json.loads(line)))
th = threading.Thread(target=reader)
th.start()
worst = ping_while(path, lambda: not th.is_alive())
th.join()
assert other.wait() == 0, "amstat exited with %d" % other.returncode
assert len(got) == 50, "amstat printed %d lines" % len(got)
assert all(ev["event"] == "levels" and len(ev["nodes"]) == 150
           for _, ev in got), "amstat lost or changed events"
period = (got[-1][0] - got[0][0]) / 49
assert 0.09 <= period <= 0.11, "amstat got levels every %.3f s" % period
assert worst < 0.5, "a ping took %.3f s" % worst
dropped = dropped_count(slow)
assert dropped > 0, "no dropped event"
print("ok %d" % dropped)
EOP
	assert_match '^ok [0-9]+$' "$output"
	amixd_alive || flunk "the daemon died"
	run -0 amctl ping
}

@test "amstat(1) EXAMPLES: the table at 72 columns, levels at 30 Hz, the costliest node" {
	local want got
	own_daemon
	amctl -q -f - <<EOF
create tone freq=440 db=-6
create gain db=-3
create device_sink
connect 1 2
connect 2 3
start
EOF
	page_has amstat.1 '$ amstat'
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	TMUX= tmux -f /dev/null -S "$TMUX_SOCK" new-session -d -s top \
	    -x 72 -y 12 "amstat; exec sleep 600"
	wait_until 10 pane_has '^ *3 device_sink +2 +[0-9]+\.[0-9]{2} .* -9\.0 +-12\.0 +\['
	# From the header on, the costs (which vary) aside.
	want=$(page amstat.1 | sed -n '/^ID NODE  /,/^3 device_sink/p' |
	    sed -E 's/ [0-9]+\.[0-9]{2} / X /')
	got=$(pane | sed 's/^ *//' | sed -n '/^ID NODE/,$p' | grep -v '^$' |
	    sed -E 's/ [0-9]+\.[0-9]{2} / X /')
	assert_eq "$want" "$got" "table"
	assert_match '^amixd  null  48000 Hz  period 128 \(2\.67 ms\)  running  rt (yes|no)  drift' \
	    "$(pane | head -n 1)"
	page_has amstat.1 "\$ amstat -e levels -i 0.034 | jq -c '.nodes[] | {id, peak_db}'"
	run -0 bash -c "amstat -e levels -i 0.034 -n 1 | jq -c '.nodes[] | {id, peak_db}'"
	assert_eq '{"id":1,"peak_db":-6} {"id":2,"peak_db":-9} {"id":3,"peak_db":-9}' \
	    "${lines[*]}"
	page_has amstat.1 "\$ amstat -e stats -n 1 | jq -c '.nodes | max_by(.cost_us) | {id, cost_us}'"
	run -0 bash -c "amstat -e stats -n 1 | jq -c '.nodes | max_by(.cost_us) | {id, cost_us}'"
	assert_match '^\{"id":[123],"cost_us":[0-9.]+\}$' "$output"
}

@test "amstat(1) EXAMPLES: xrun and state events, stats twice a second, levels" {
	local log=$BATS_TEST_TMPDIR/events pid
	amctl set "$TONE" db=-6 >/dev/null
	page_has amstat.1 "\$ amstat -e stats -i 0.5 | jq -c '{late_us, late_us_p99, xruns}'"
	run -0 bash -c "amstat -e stats -i 0.5 -n 2 | jq -c '{late_us, late_us_p99, xruns}'"
	assert_eq 2 "${#lines[@]}" "lines"
	assert_match '^\{"late_us":[0-9]+,"late_us_p99":[0-9]+,"xruns":[0-9]+\}$' \
	    "${lines[0]}"
	page_has amstat.1 "\$ amstat -e levels | jq -c '.nodes[] | {id, peak_db}'"
	run -0 bash -c "amstat -e levels -n 1 | jq -c '.nodes[] | {id, peak_db}'"
	assert_eq "{\"id\":$TONE,\"peak_db\":-6}" \
	    "$(printf '%s\n' "${lines[@]}" | grep "\"id\":$TONE,")" "the tone"
	# The state event of the page, when the engine starts.
	page_has amstat.1 '$ amstat -e xrun,state'
	page_has amstat.1 '{"event":"state","value":"running"}'
	amctl stop >/dev/null
	amstat -e xrun,state >"$log" 3>&- &
	pid=$!
	# amstat subscribes at once; stop and start until it has seen one.
	wait_until 10 bash -c "amctl start >/dev/null; grep -q state '$log' ||
	    { amctl stop >/dev/null; false; }"
	amctl start >/dev/null
	kill -TERM "$pid"
	wait "$pid" || flunk "amstat exited with status $?"
	grep -qxF '{"event":"state","value":"running"}' "$log" ||
	    flunk "no running state event in:" "$(cat "$log")"
	jq -e 'select(.event != "state" and .event != "xrun")' "$log" &&
	    flunk "an event not asked for"
	true
}
