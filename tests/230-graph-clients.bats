#!/usr/bin/env bats
# Many clients at once, and clients that do not read: none of them may
# stall the daemon or the others.

load helpers

setup_file() {
	amixd_start
	req '{"cmd":"create_node","type":"tone"}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":1,"to":2}'
	req '{"cmd":"start"}'
}

teardown_file() {
	amixd_stop
}

@test "100 clients connected at once are all served" {
	run -0 "$PY" "$AM_TOP/tests/tools/manyclients.py" "$AUDIOMIXERD_SOCKET" \
	    100 10 list
	assert_eq ok "$output"
	run -0 req '{"cmd":"ping"}'
}

@test "a subscriber that never reads stalls nothing and is told what it lost" {
	local i f0
	# Enough nodes to make stats and levels events large.
	for i in $(seq 1 150); do
		printf '{"cmd":"create_node","type":"tone","args":{"freq":%d}}\n' $((100 + i))
	done | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >/dev/null
	f0=$(node_frames 2)
	run -0 "$PY" "$AM_TOP/tests/tools/slowsub.py" "$AUDIOMIXERD_SOCKET" 6
	assert_match '^ok [0-9]+$' "$output"
	# Audio kept flowing all along.
	wait_until 5 node_frames_above 2 $((f0 + 48000 * 5))
	run -0 req '{"cmd":"ping"}'
}

@test "a client that sends requests but never reads replies is throttled" {
	run -0 "$PY" - "$AUDIOMIXERD_SOCKET" <<'EOP'
import socket, sys, time
path = sys.argv[1]
hog = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
hog.connect(path)
hog.setblocking(False)
sent = 0
line = b'{"cmd":"list"}\n' * 100
t_end = time.monotonic() + 3
while time.monotonic() < t_end:
    try:
        sent += hog.send(line)
    except BlockingIOError:
        time.sleep(0.01)
# The daemon stopped reading it: far less was taken than 3 s could send.
assert sent < 8 * 1024 * 1024, "the daemon took %d bytes" % sent
other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
other.connect(path)
other.settimeout(5)
other.sendall(b'{"cmd":"ping"}\n')
assert other.makefile().readline().startswith('{"ok":true')
print("ok")
EOP
	assert_eq ok "$output"
	# The daemon's memory stayed bounded (well under 200 MB).
	local rss
	rss=$(awk '/VmRSS/ {print $2}' /proc/"$AMIXD_PID"/status)
	[ "$rss" -lt 200000 ] || flunk "RSS $rss kB"
}
