#!/usr/bin/env bats
# The watchdog (amixd(8) WATCHDOG) and the cpu_load node. cpu_load costs
# what it is told, as per-node cost in stats shows. The watchdog never
# fires on a stopped or idle engine; when a node hangs, the event names
# it, the stuck thread drops to SCHED_OTHER at nice 19 while a fresh
# real-time thread takes over, the rest of the graph plays on (a second
# recording keeps growing and is a clean sine after the event), the
# socket keeps answering, and the daemon still stops and exits cleanly,
# the stuck thread spinning to the end. One daemon for the file, null
# backend, -w 200; the tests run in order.

load helpers

WD_MS=200

setup_file() {
	amixd_start -w "$WD_MS"
	export EVENTS=$BATS_FILE_TMPDIR/events
	: >"$EVENTS"
	watch_events "$EVENTS"
	echo "$WATCH_PID" >"$BATS_FILE_TMPDIR/watch.pid"
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/watch.pid")" 2>/dev/null || true
	amixd_stop
}

# A connection subscribed to watchdog events, appending what it gets to
# file $1; WATCH_PID is its process. Returns once subscribed.
watch_events() {
	( exec_closed "$PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["AUDIOMIXERD_SOCKET"])
s.sendall(b"{\"cmd\":\"subscribe\",\"events\":[\"watchdog\"]}\n")
f = open(sys.argv[1], "ab", buffering=0)
while True:
    d = s.recv(65536)
    if not d:
        break
    f.write(d)
' "$1" </dev/null >/dev/null 2>&1 ) &
	WATCH_PID=$!
	wait_until 10 grep -q '"events":\["watchdog"\]' "$1"
}

# The watchdog events received so far.
wd_events() {
	grep '"event":"watchdog"' "$EVENTS" || true
}

# Threads of the daemon: "tid state policy nice rtprio" per line
# (proc(5) stat fields 3, 41, 19 and 40; the name is cut off first).
threads() {
	local t
	for t in /proc/"$AMIXD_PID"/task/*; do
		printf '%s ' "${t##*/}"
		sed 's/.*) //' "$t/stat" | awk '{ print $1, $39, $17, $38 }'
	done
}

# The tids of SCHED_FIFO threads at priority $1.
fifo_at() {
	threads | awk -v p="$1" '$3 == 1 && $5 == p { print $1 }'
}

# Per-node cost in us of node $1 over a fresh interval of ~0.5 s.
cost_of() {
	req '{"cmd":"stats"}' >/dev/null
	sleep 0.5
	req '{"cmd":"stats"}' | jq -r ".nodes[] | select(.id == $1) | .cost_us"
}

@test "watchdog: a stopped engine, then an idle one, never fire" {
	run -0 amctl '{"cmd":"list"}'
	assert_eq stopped "$(jget "$output" .state)" "state"
	sleep 0.8	# four timeouts
	run -0 amctl '{"cmd":"start"}'
	# Running with no node at all, then with a cheap graph.
	req '{"cmd":"stats"}' >/dev/null
	sleep 0.8
	[ "$(req '{"cmd":"stats"}' | jq .cycles)" -gt 100 ] ||
	    flunk "the engine did not run"
	run -0 amctl stop
	sleep 0.5
	assert_eq 0 "$(req '{"cmd":"stats"}' | jq .watchdog)" "watchdog count"
	assert_eq "" "$(wd_events)" "watchdog events"
}

@test "cpu_load: us and pct cost what they say, in per-node stats" {
	local d=$BATS_FILE_TMPDIR c
	cat >"$d/g.am" <<EOS
t = create tone freq=440 db=-6
l = create cpu_load
s = create device_sink
a = create file_sink path=$d/a.wav
connect \$t \$l
connect \$l \$s
connect \$l \$a
t2 = create tone freq=1000 db=-6
b = create file_sink path=$d/b.wav
connect \$t2 \$b
start
EOS
	run -0 amctl -f "$d/g.am"
	run -0 amctl '{"cmd":"list"}'
	assert_eq 2 "$(jget "$output" '.nodes[] | select(.type == "cpu_load") | .id')" "cpu_load id"
	c=$(cost_of 2)
	[ "${c%.*}" -lt 100 ] || flunk "cost with nothing to burn: $c us"
	run -0 amctl '{"cmd":"set","id":2,"args":{"us":500}}'
	c=$(cost_of 2)
	assert_near 600 "$c" 100 "cost of us=500, us (500 to 700)"
	# 10 % of 128 frames at 48 kHz: 266.7 us.
	run -0 amctl '{"cmd":"set","id":2,"args":{"us":0,"pct":10}}'
	c=$(cost_of 2)
	assert_near 366 "$c" 100 "cost of pct=10, us (267 to 466)"
	run -0 amctl '{"cmd":"set","id":2,"args":{"pct":0}}'
	assert_eq 0 "$(req '{"cmd":"stats"}' | jq .watchdog)" "watchdog count"
	assert_eq "" "$(wd_events)" "watchdog events under load"
}

@test "watchdog: a hung node is named, bypassed, its thread demoted and replaced" {
	local old new ev f0 t0 t1 i
	run -0 amctl '{"cmd":"stats"}'
	assert_eq true "$(jget "$output" .rt)" "real time (the test runs as root)"
	old=$(fifo_at 70)
	[ "$(printf '%s\n' "$old" | wc -w)" = 1 ] ||
	    flunk "one SCHED_FIFO thread at 70 expected" "$(threads)"

	run -0 amctl '{"cmd":"set","id":2,"args":{"hang":true}}'
	wait_until 10 grep -q '"event":"watchdog"' "$EVENTS"
	ev=$(wd_events)
	f0=$(node_frames 6)
	echo "$f0" >"$BATS_FILE_TMPDIR/f0"
	assert_eq 2 "$(jget "$ev" .node)" "node named"
	assert_eq cpu_load "$(jget "$ev" .type)" "type named"
	assert_eq replaced "$(jget "$ev" .thread)" "thread"
	assert_eq true "$(jget "$ev" .demoted)" "demoted"
	assert_eq "[2]" "$(jq -c .bypassed <<<"$ev")" "bypassed"
	[ "$(jget "$ev" .ms)" -ge "$WD_MS" ] || flunk "fired after $(jget "$ev" .ms) ms"

	# The old thread spins on at SCHED_OTHER, nice 19; a new one is RT.
	threads | awk -v t="$old" '$1 == t' | grep -Eq "^$old R 0 19 0$" ||
	    flunk "old RT thread $old not SCHED_OTHER nice 19" "$(threads)"
	new=$(fifo_at 70)
	[ -n "$new" ] && [ "$new" != "$old" ] ||
	    flunk "no new SCHED_FIFO thread" "$(threads)"

	run -0 amctl '{"cmd":"list"}'
	assert_eq true "$(jget "$output" '.nodes[] | select(.id == 2) | .bypassed')" "list: bypassed"
	run -0 amctl '{"cmd":"stats"}'
	assert_eq true "$(jget "$output" '.nodes[] | select(.id == 2) | .bypassed')" "stats: bypassed"
	assert_eq 1 "$(jget "$output" .watchdog)" "stats: watchdog count"
	run -1 amctl '{"cmd":"set","id":2,"args":{"hang":false}}'
	assert_match '"code":"state"' "$output" "set on a bypassed node"

	# The socket answers promptly (2 s: a loaded machine, not a hang).
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		run -0 amctl ping
		t1=$(date +%s%N)
		[ $(((t1 - t0) / 1000000)) -lt 2000 ] ||
		    flunk "ping took $(((t1 - t0) / 1000000)) ms"
	done
	# Both recordings go on: the bypassed chain and the other one.
	wait_until 10 node_frames_above 6 $((f0 + 48000))
	wait_until 10 node_frames_above 4 $((f0 + 48000))
}

@test "watchdog: after the event both recordings are clean sines" {
	local d=$BATS_FILE_TMPDIR skip out
	# Closing the sinks writes the files out.
	run -0 amctl '{"cmd":"destroy_node","id":6}'
	run -0 amctl '{"cmd":"destroy_node","id":4}'
	wait_until 10 [ "$(count_type file_sink)" = 0 ]
	skip=$(awk -v f="$(cat "$d/f0")" 'BEGIN { print f / 48000 + 0.05 }')
	out=$(sinefit "$d/b.wav" 0 "$skip")
	echo "# b.wav after ${skip}s: $out" >&3
	assert_near 1000 "$(jget "$out" .freq)" 0.1 "frequency, other chain"
	assert_near -6 "$(jget "$out" .amp_db)" 0.1 "level, other chain"
	[ "$(jget "$out" .frames)" -gt 48000 ] || flunk "short: $out"
	awk -v r="$(jget "$out" .resid_db)" 'BEGIN { exit !(r < -60) }' ||
	    flunk "not a clean sine: $out"
	out=$(sinefit "$d/a.wav" 0 "$skip")
	echo "# a.wav after ${skip}s: $out" >&3
	assert_near 440 "$(jget "$out" .freq)" 0.1 "frequency, bypassed chain"
	awk -v r="$(jget "$out" .resid_db)" 'BEGIN { exit !(r < -60) }' ||
	    flunk "bypassed chain not a clean sine: $out"
}

@test "watchdog: stop while a node hangs, restart, and exit with threads spinning" {
	local t0 t1 f
	# A second node hangs; stop comes before the watchdog could see it.
	run -0 amctl '{"cmd":"create_node","type":"cpu_load"}'
	run -0 amctl '{"cmd":"connect","from":1,"to":7}'
	run -0 amctl '{"cmd":"set","id":7,"args":{"hang":true}}'
	t0=$(date +%s%N)
	run -0 timeout 20 amctl stop
	t1=$(date +%s%N)
	echo "# stop took $(((t1 - t0) / 1000000)) ms" >&3
	wait_until 10 [ "$(wd_events | wc -l)" = 2 ]
	assert_eq 7 "$(wd_events | tail -n 1 | jq .node)" "second node named"
	run -0 amctl '{"cmd":"list"}'
	assert_eq stopped "$(jget "$output" .state)" "state"

	# It starts again without the two bypassed nodes' code.
	f=$(node_frames 3)
	run -0 amctl '{"cmd":"start"}'
	wait_until 10 node_frames_above 3 $((f + 48000))
	[ "$(threads | awk '$2 == "R" && $4 == 19' | wc -l)" -ge 2 ] ||
	    flunk "two stuck threads expected at nice 19" "$(threads)"

	# SIGTERM: the daemon exits, the stuck threads end with it. It
	# was started by setup_file, so its status is not ours to wait
	# for: a clean teardown removes the socket and says so.
	kill -TERM "$AMIXD_PID"
	timeout 20 tail --pid="$AMIXD_PID" -f /dev/null ||
	    flunk "no exit in 20 s"
	[ ! -e "$AUDIOMIXERD_SOCKET" ] || flunk "socket left: no clean exit"
	! grep -E -A 20 'Sanitizer|runtime error' "$AMIXD_LOG_FILE" ||
	    flunk "sanitizer report"
}
