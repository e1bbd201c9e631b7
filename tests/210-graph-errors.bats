#!/usr/bin/env bats
# Bad input of every kind gets a clear error and changes nothing: after
# each, the same connection still answers, the graph is unchanged, and
# the engine keeps rendering audio.

load helpers

setup_file() {
	amixd_start
	# 1 tone -> 2 gain -> 3 device_sink; 4 gain -> 5 gain (for cycles).
	req '{"cmd":"create_node","type":"tone","args":{"freq":440}}'
	req '{"cmd":"create_node","type":"gain","args":{"db":-6}}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"create_node","type":"gain"}'
	req '{"cmd":"create_node","type":"gain"}'
	req '{"cmd":"connect","from":1,"to":2}'
	req '{"cmd":"connect","from":2,"to":3}'
	req '{"cmd":"connect","from":4,"to":5}'
	req '{"cmd":"start"}'
}

teardown_file() {
	amixd_stop
}

# check_reply CODE OUT: the first reply line is an error with CODE and a
# message, the last is the ping that followed on the same connection.
check_reply() {
	local code=$1 out=$2 first
	first=$(printf '%s\n' "$out" | head -n 1)
	assert_eq false "$(jget "$first" .ok)" "ok of $first"
	assert_eq "$code" "$(jget "$first" .error.code)" "code of $first"
	assert_match '^.{8,}$' "$(jget "$first" .error.message)" "message"
	assert_eq '{"ok":true,"name":"audiomixerd","version":"0.1.0"}' \
	    "$(printf '%s\n' "$out" | tail -n 1)" "ping after the error"
}

# check_bad CODE LINE...: send the lines then a ping on one connection.
check_bad() {
	local code=$1 before f0 out
	shift
	before=$(graph_shape)
	f0=$(node_frames 3)
	out=$(printf '%s\n' "$@" '{"cmd":"ping"}' |
	    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	check_reply "$code" "$out"
	assert_eq "$(($# + 1))" "$(printf '%s\n' "$out" | wc -l)" \
	    "one reply per request"
	assert_eq "$before" "$(graph_shape)" "graph after the error"
	wait_until 5 node_frames_above 3 "$f0"
	amixd_alive
}

@test "malformed JSON is bad_json" {
	check_bad bad_json '{"cmd":'
	check_bad bad_json 'not json at all'
	check_bad bad_json '{"cmd":"ping"'
	check_bad bad_json '{"cmd":"create_node","type":"tone","args":{"freq":NaN}}'
	check_bad bad_json '{"cmd":"ping"} trailing'
}

@test "requests that are not command objects are bad_request" {
	check_bad bad_request '[1,2,3]'
	check_bad bad_request '"ping"'
	check_bad bad_request '{}'
	check_bad bad_request '{"cmd":5}'
	check_bad bad_request '{"command":"ping"}'
}

@test "an unknown command is unknown_cmd, and the tag is echoed" {
	local out
	check_bad unknown_cmd '{"cmd":"fly"}'
	out=$(req '{"cmd":"fly","tag":"t-17"}')
	assert_eq t-17 "$(jget "$out" .tag)"
	out=$(req '{"cmd":"ping","tag":{"n":[1,2]}}')
	assert_eq '{"n":[1,2]}' "$(jget "$out" '.tag | tostring')"
}

@test "create_node refuses unknown types, later types and bad args" {
	check_bad bad_request '{"cmd":"create_node","type":"reverb"}'
	check_bad bad_request '{"cmd":"create_node"}'
	check_bad bad_request '{"cmd":"create_node","type":7}'
	# The design card's app_source line, without the descriptor beside it.
	check_bad bad_request '{"cmd":"create_node","type":"app_source","args":{"memfd":17,"frames":4096,"channels":2,"rate":44100}}'
	check_bad bad_request '{"cmd":"create_node","type":"resample","args":{"rate":7999}}'
	check_bad bad_request '{"cmd":"create_node","type":"resample","args":{"quality":"great"}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"freq":-1}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"freq":0}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"freq":1e12}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"freq":1e999}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"freq":"440"}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"freq":null}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"volume":3}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"waveform":"sawtooth"}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":{"seed":1.5}}'
	check_bad bad_request '{"cmd":"create_node","type":"tone","args":[440]}'
	check_bad bad_request '{"cmd":"create_node","type":"gain","args":{"db":-1e308}}'
	check_bad bad_request '{"cmd":"create_node","type":"gain","args":{"db":1000}}'
	check_bad bad_request '{"cmd":"create_node","type":"file_sink"}'
	check_bad bad_request '{"cmd":"create_node","type":"file_sink","args":{"path":""}}'
	check_bad not_found '{"cmd":"create_node","type":"file_sink","args":{"path":"/nonexistent/dir/x.wav"}}'
	check_bad bad_request "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$BATS_FILE_TMPDIR\"}}"
	check_bad bad_request '{"cmd":"create_node","type":"file_sink","args":{"path":"/tmp/x.wav","sample":"u8"}}'
	check_bad bad_request "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$BATS_FILE_TMPDIR/a.flac\",\"sample\":\"f32\"}}"
}

@test "connect refuses unknown ids, cycles, duplicates and wrong ends" {
	check_bad not_found '{"cmd":"connect","from":1,"to":999}'
	check_bad not_found '{"cmd":"connect","from":999,"to":2}'
	check_bad bad_request '{"cmd":"connect","from":0,"to":2}'
	check_bad bad_request '{"cmd":"connect","from":-1,"to":2}'
	check_bad bad_request '{"cmd":"connect","from":"1","to":2}'
	check_bad bad_request '{"cmd":"connect","from":1.5,"to":2}'
	check_bad bad_request '{"cmd":"connect","to":2}'
	check_bad cycle '{"cmd":"connect","from":5,"to":4}'
	check_bad cycle '{"cmd":"connect","from":4,"to":4}'
	check_bad bad_request '{"cmd":"connect","from":1,"to":2}'
	check_bad bad_request '{"cmd":"connect","from":3,"to":4}'
	check_bad bad_request '{"cmd":"connect","from":2,"to":1}'
}

@test "disconnect, destroy_node and set refuse what does not exist" {
	check_bad not_found '{"cmd":"disconnect","from":1,"to":3}'
	check_bad not_found '{"cmd":"disconnect","from":1,"to":999}'
	check_bad not_found '{"cmd":"destroy_node","id":999}'
	check_bad bad_request '{"cmd":"destroy_node","id":-1}'
	check_bad bad_request '{"cmd":"destroy_node"}'
	check_bad not_found '{"cmd":"set","id":999,"args":{"db":1}}'
	check_bad bad_request '{"cmd":"set","id":2,"args":{"gain":1}}'
	check_bad bad_request '{"cmd":"set","id":2,"args":{"db":"loud"}}'
	check_bad bad_request '{"cmd":"set","id":2,"args":{"db":1e300}}'
	check_bad bad_request '{"cmd":"set","id":2,"args":{}}'
	check_bad bad_request '{"cmd":"set","id":2}'
	check_bad bad_request '{"cmd":"set","id":1,"args":{"seed":5}}'
	check_bad bad_request '{"cmd":"set","id":1,"args":{"freq":440,"db":99}}'
}

@test "device, backend, render and subscribe refuse bad values and states" {
	check_bad state '{"cmd":"device_open","name":"default","rate":48000,"channels":2,"period":128}'
	check_bad state '{"cmd":"device_close"}'
	check_bad bad_request '{"cmd":"device_open","rate":7999}'
	check_bad bad_request '{"cmd":"device_open","rate":192001}'
	check_bad bad_request '{"cmd":"device_open","period":15}'
	check_bad bad_request '{"cmd":"device_open","period":4097}'
	check_bad bad_request '{"cmd":"device_open","channels":0}'
	check_bad bad_request '{"cmd":"device_open","channels":65}'
	check_bad bad_request '{"cmd":"device_open","layout":"FL,XX"}'
	check_bad bad_request '{"cmd":"device_open","layout":"FL,FR,FL"}'
	check_bad bad_request '{"cmd":"device_open","layout":6}'
	check_bad bad_request '{"cmd":"device_open","channels":2,"layout":"5.1"}'
	check_bad bad_request '{"cmd":"device_open","connect":"system:playback_1"}'
	check_bad bad_request '{"cmd":"device_open","connect":[1]}'
	check_bad bad_request '{"cmd":"device_open","connect_capture":["a\nb"]}'
	check_bad bad_request '{"cmd":"device_open","name":""}'
	check_bad bad_request '{"cmd":"device_open","rate":48000.5}'
	check_bad state '{"cmd":"render","seconds":1}'
	check_bad bad_request '{"cmd":"render","seconds":-1}'
	check_bad bad_request '{"cmd":"render","seconds":"1"}'
	if nm "$AM_TOP/build/amixd/amixd" | grep -q backend_alsa_ops; then
		check_bad state '{"cmd":"backend","driver":"alsa"}'
	else
		check_bad unsupported '{"cmd":"backend","driver":"alsa"}'
	fi
	if nm "$AM_TOP/build/amixd/amixd" | grep -q backend_jack_ops; then
		check_bad state '{"cmd":"backend","driver":"jack"}'
	else
		check_bad unsupported '{"cmd":"backend","driver":"jack"}'
	fi
	check_bad bad_request '{"cmd":"backend","driver":"oss"}'
	check_bad bad_request '{"cmd":"backend"}'
	check_bad state '{"cmd":"backend","driver":"null"}'
	check_bad bad_request '{"cmd":"subscribe","events":["weather"]}'
	check_bad bad_request '{"cmd":"subscribe","events":"stats"}'
	check_bad bad_request '{"cmd":"subscribe","events":[]}'
	check_bad bad_request '{"cmd":"unsubscribe","events":[1]}'
}

@test "a 1 MiB line is too_large and the connection goes on" {
	local before f0 out
	before=$(graph_shape)
	f0=$(node_frames 3)
	out=$( { head -c 1048576 /dev/zero | tr '\0' 'x'; printf '\n%s\n' \
	    '{"cmd":"ping"}'; } | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	check_reply too_large "$out"
	assert_eq 2 "$(printf '%s\n' "$out" | wc -l)"
	assert_eq "$before" "$(graph_shape)"
	wait_until 5 node_frames_above 3 "$f0"
}

@test "a line of exactly 64 KiB is read; one byte more is too_large" {
	local pad out
	# {"cmd":"ping","pad":""} is 23 bytes; with the pad and newline, 65536.
	pad=$(head -c $((65536 - 24)) /dev/zero | tr '\0' 'x')
	out=$(printf '{"cmd":"ping","pad":"%s"}\n' "$pad" |
	    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	assert_eq true "$(jget "$out" .ok)" "64 KiB line"
	out=$(printf '{"cmd":"ping","pad":"%sx"}\n{"cmd":"ping"}\n' "$pad" |
	    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	check_reply too_large "$out"
}

@test "binary garbage is bad_json and the connection goes on" {
	local before f0 out
	before=$(graph_shape)
	f0=$(node_frames 3)
	out=$( { head -c 4096 /dev/urandom | tr -d '\n'; printf '\n%s\n' \
	    '{"cmd":"ping"}'; } | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	check_reply bad_json "$out"
	out=$(printf '\0\0\0{"cmd":"ping"}\n{"cmd":"ping"}\n' |
	    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	check_reply bad_json "$out"
	assert_eq "$before" "$(graph_shape)"
	wait_until 5 node_frames_above 3 "$f0"
}

@test "a client that disconnects mid-line changes nothing" {
	local before f0
	before=$(graph_shape)
	f0=$(node_frames 3)
	printf '{"cmd":"create_node","type":"tone","args":{"freq":4' |
	    socat -t 1 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET"
	printf '{"cmd":"destroy_node","id":1' |
	    socat -t 1 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET"
	assert_eq "$before" "$(graph_shape)"
	wait_until 5 node_frames_above 3 "$f0"
	run -0 req '{"cmd":"ping"}'
}

@test "several requests on one connection are answered in order" {
	local out
	out=$(printf '%s\n' '{"cmd":"ping","tag":1}' '{"cmd":"fly","tag":2}' \
	    '{"cmd":"list","tag":3}' '{"cmd":"ping","tag":4}' |
	    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	assert_eq "1 2 3 4" "$(printf '%s\n' "$out" | jq -r .tag | xargs)"
}

@test "a set with one bad argument applies none of them" {
	# Every order: the good argument before and after the bad one.
	refused_unchanged bad_request \
	    '{"cmd":"set","id":1,"args":{"freq":500,"db":999}}' \
	    '{"cmd":"set","id":1,"args":{"db":999,"freq":500}}' \
	    '{"cmd":"set","id":1,"args":{"freq":500,"seed":3}}' \
	    '{"cmd":"set","id":1,"args":{"freq":500,"nope":1}}' \
	    '{"cmd":"set","id":1,"args":{"freq":500,"waveform":"organ"}}'
}

@test "sets past the change queue are all or nothing" {
	# 600 sets of three changes within one 0.5 s period overflow the
	# 1024 changes the real-time thread takes a period: those refused
	# must apply nothing, so the node's args are the last set taken.
	AMIXD_DIR=$BATS_TEST_TMPDIR amixd_start
	req '{"cmd":"device_open","rate":8000,"period":4096}' >/dev/null
	req '{"cmd":"create_node","type":"tone"}' >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
	req '{"cmd":"start"}' >/dev/null
	run env PYTHONPATH="$AM_TOP/tests/tools" "$PY" - "$AUDIOMIXERD_SOCKET" <<'EOP'
import json, socket, sys
from refusal import list_shape
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
rf = s.makefile("rb")
wave = ["sine", "square", "saw", "noise"]
args = [{"freq": 100 + i, "db": -1 - i % 50, "waveform": wave[i % 3]}
        for i in range(600)]
s.sendall(b"".join((json.dumps({"cmd": "set", "id": 1, "args": a}) +
                    "\n").encode() for a in args))
last, refused = None, 0
for i in range(600):
    r = json.loads(rf.readline())
    if r.get("ok"):
        last = args[i]
    else:
        assert r["error"]["code"] == "quota", r
        refused += 1
shape = json.loads(list_shape(s, rf))
got = [n["args"] for n in shape["nodes"] if n["id"] == 1][0]
print("refused %d of 600; last taken %s; node %s" % (refused, last, got))
assert last is not None
for k, v in last.items():
    assert got[k] == v, "%s: %r, the last set taken says %r" % (k, got[k], v)
EOP
	[ "$status" -eq 0 ] || flunk "$output"
	amixd_alive
	amixd_stop
}

@test "a commit that fails leaves the graph as it was" {
	# A debug build fails every commit after the first
	# AMIXD_FAIL_COMMIT: here after three nodes and a link.
	AMIXD_DIR=$BATS_TEST_TMPDIR AMIXD_FAIL_COMMIT=4 amixd_start
	req '{"cmd":"create_node","type":"tone"}' >/dev/null
	req '{"cmd":"create_node","type":"gain"}' >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	run -0 req '{"cmd":"connect","from":1,"to":2}'
	assert_eq true "$(jget "$output" .ok)" "the fourth commit"
	refused_unchanged internal \
	    '{"cmd":"create_node","type":"tone","args":{"freq":300}}' \
	    '{"cmd":"connect","from":2,"to":3}' \
	    '{"cmd":"disconnect","from":1,"to":2}' \
	    '{"cmd":"destroy_node","id":2}' \
	    '{"cmd":"destroy_node","id":1}'
	assert_eq '[{"from":1,"to":2}]' "$(req '{"cmd":"list"}' | jq -c .links)" "links"
	run -0 amctl ping
	amixd_stop
}
