#!/usr/bin/env bats
# The security policy: who may connect, quotas, which files a client may
# make the daemon open, and dropping root (-u). CI runs as root, so other
# users are played with setpriv.

load helpers

# Other users must reach the socket: a directory of its own under /tmp,
# named like the daemon's own directory so -u may hand it over.
setup() {
	SEC_DIR=$(mktemp -d /tmp/amixd-sec.XXXXXX)
	chmod 755 "$SEC_DIR"
	export AMIXD_DIR=$SEC_DIR/copperline
	mkdir -m 755 "$AMIXD_DIR"
}

teardown() {
	amixd_stop
	rm -rf "$SEC_DIR"
}

# amctl as user nobody, with or without the audio group.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

as_nobody_audio() {
	setpriv --reuid=nobody --regid=nogroup --groups=audio "$@"
}

@test "the socket is mode 0660 in a 0750 directory it creates" {
	export AUDIOMIXERD_SOCKET=$BATS_TEST_TMPDIR/run/copperline/amixd.sock
	amixd -b null </dev/null 3>&- &
	AMIXD_PID=$!
	wait_until 10 amctl ping
	assert_eq 660 "$(stat -c %a "$AUDIOMIXERD_SOCKET")" "socket mode"
	assert_eq 750 "$(stat -c %a "$(dirname "$AUDIOMIXERD_SOCKET")")" \
	    "directory mode"
}

@test "another user is refused with one clear error line; -g lets a group in" {
	amixd_start
	chmod 777 "$AUDIOMIXERD_SOCKET"	# the file mode is not what stops it
	run -1 --separate-stderr as_nobody amctl ping
	assert_match '"code":"denied"' "$output"
	assert_match 'permission denied: neither' "$stderr"
	amixd_stop
	amixd_start -g audio
	chmod 777 "$AUDIOMIXERD_SOCKET"
	run -1 --separate-stderr as_nobody amctl ping
	run -0 as_nobody_audio amctl ping
	run -0 amctl ping
}

@test "quotas: nodes, nodes per connection, clients, subscribers, request rate" {
	amixd_start -q nodes=3 -q client_nodes=2 -q clients=4 \
	    -q subscribers=1 -q rate=50
	local out
	out=$(printf '%s\n' '{"cmd":"create_node","type":"tone"}' \
	    '{"cmd":"create_node","type":"tone"}' \
	    '{"cmd":"create_node","type":"tone"}' |
	    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	assert_eq "true true quota" "$(printf '%s\n' "$out" |
	    jq -r 'if .ok then "true" else .error.code end' | xargs)"
	run -0 req '{"cmd":"create_node","type":"gain"}'
	run -1 amctl create gain
	assert_match quota "$output"
	assert_eq 3 "$(req '{"cmd":"list"}' | jq '.nodes | length')"
	# Subscribers: one at a time. The holder must be subscribed (its
	# reply read) before the second asks: otherwise the second may come
	# first, take the only place and, holding it for its socat's -t,
	# refuse the holder instead (seen under load, then every later try
	# subscribed too). socat itself is the background job, killed by PID.
	local sub subs=$BATS_TEST_TMPDIR/sub.out
	( exec_closed socat -t 30 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" \
	    <<<'{"cmd":"subscribe","events":["state"]}' >"$subs" ) &
	sub=$!
	wait_until 10 grep -q '"ok":true' "$subs"
	run -0 req '{"cmd":"subscribe","events":["stats"]}'
	assert_eq quota "$(jget "$output" .error.code)" "second subscriber"
	kill "$sub"
	wait "$sub" || true
	# Requests: the 51st within a second is refused, the daemon goes on.
	out=$(for i in $(seq 1 80); do echo '{"cmd":"ping"}'; done |
	    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	[ "$(printf '%s\n' "$out" | grep -c quota)" -gt 0 ] ||
	    flunk "no request was refused"
	run -0 amctl ping
	# Clients: the fifth connection is refused with a line. Four are
	# taken first, each proved live by a ping: a connection closed just
	# before (amctl's, the holder's) counts until the daemon has seen it
	# close, so a refusal then is retried, within a bound of wall time.
	run -0 "$PY" - "$AUDIOMIXERD_SOCKET" <<'EOP'
import json, socket, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(5)
    return s, s.makefile()
socks = []
t_end = time.monotonic() + 10
while len(socks) < 4:
    assert time.monotonic() < t_end, "never had 4 connections"
    s, f = conn()
    s.sendall(b'{"cmd":"ping"}\n')
    r = json.loads(f.readline())
    if r["ok"]:
        socks.append((s, f))
    else:
        assert r["error"]["code"] == "quota", r
        s.close()
        time.sleep(0.05)
s, f = conn()
line = f.readline()
assert '"quota"' in line, line
print("ok")
EOP
}

@test "file paths: only regular files under allowed directories" {
	local d=$SEC_DIR
	amixd_start
	mkfifo "$d/fifo"
	ln -s /etc "$d/etc"
	ln -s /etc/passwd "$d/passwd.wav"
	# Outside the allowed directories: denied; not there: not_found;
	# not a regular file or not absolute: bad_request.
	for p in denied:/etc/amixd.wav denied:/proc/self/x.wav \
	    "denied:$d/etc/x.wav" "denied:$d/passwd.wav" \
	    "bad_request:$d/fifo" bad_request:/dev/null "bad_request:$d" \
	    bad_request:relative.wav "not_found:$d/nodir/x.wav" \
	    "denied:$d/../../etc/x.wav"; do
		run -1 amctl create file_sink "path=${p#*:}"
		assert_match "${p%%:*}" "$output" "file_sink ${p#*:}"
	done
	[ ! -e /etc/amixd.wav ] || flunk "wrote /etc/amixd.wav"
	run -0 amctl create file_sink "path=$d/ok.wav"
	amixd_stop
	# -a replaces the defaults: now /tmp is not allowed, $d/sub is.
	mkdir "$d/sub"
	amixd_start -a "$d/sub"
	run -1 amctl create file_sink "path=$d/no.wav"
	assert_match 'outside the allowed' "$output"
	run -0 amctl create file_sink "path=$d/sub/yes.wav"
}

@test "-u drops root after listening, keeps SCHED_FIFO, cleans up" {
	amixd_start -u nobody
	assert_eq 65534 "$(awk '/^Uid:/ {print $2}' /proc/"$AMIXD_PID"/status)" \
	    "uid after -u"
	req '{"cmd":"create_node","type":"tone"}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":1,"to":2}'
	req '{"cmd":"start"}'
	run -0 req '{"cmd":"stats"}'
	assert_eq true "$(jget "$output" .rt)" "SCHED_FIFO kept"
	amixd_stop
	[ ! -e "$AUDIOMIXERD_SOCKET" ] || flunk "socket left behind"
	run -2 --separate-stderr amixd -u no-such-user-here
	assert_match 'no such user' "$stderr"
}

@test "quotas: app rings, by count and by mapped memory" {
	amixd_start -q rings=2 -q ring_mb=1
	run -0 "$PY" - "$AUDIOMIXERD_SOCKET" <<'EOP'
import os, sys
sys.path.insert(0, os.environ["AM_TOP"] + "/tests/tools")
from ringclient import Conn, make_ring
c = Conn(sys.argv[1])
# By memory: one ring of 2 MiB (f32 stereo, 2^18 frames) > 1 MiB.
r = c.req({"cmd": "create_node", "type": "app_sink", "args": {"fd": 0}},
          [make_ring(cap=1 << 18, low=0, high=1024)])
assert not r["ok"] and r["error"]["code"] == "quota", r
assert "MiB" in r["error"]["message"], r
# By count: the third ring is one too many.
codes = []
for cap in (4096, 4096, 4096):
    r = c.req({"cmd": "create_node", "type": "app_sink", "args": {"fd": 0}},
              [make_ring(cap=cap, low=0, high=1024)])
    codes.append("ok" if r["ok"] else r["error"]["code"])
assert codes == ["ok", "ok", "quota"], codes
print("ok")
EOP
	assert_eq ok "$output"
	# The refused rings left no node and no descriptor behind.
	run -0 req '{"cmd":"list"}'
	assert_eq 0 "$(jget "$output" '.nodes | length')"
}
