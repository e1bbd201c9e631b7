#!/usr/bin/env bats
# Every refusal leaves the graph as it was: a table of bad requests,
# sent against a graph holding every node type, stopped and running,
# each checked by tests/tools/refusal.py ("list" before and after must be
# identical: state, device, nodes with their args, links). The fuzzer
# tests/fuzz/fuzz_graph.c checks the same on random graphs.

load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	amixd_start
	sox -n -r 44100 -c 2 -b 16 "$d/in.wav" synth 0.5 sine 300
	# 1 mixer -> 2 resample (8 kHz domain) -> 3 gain -> 4 mixer
	# 5 file_source -> 4 mixer -> 6 device_sink, 4 -> 7 file_sink
	# 8 device_source; 10 tone -> 9 resample (96 kHz, nested) -> 1
	req '{"cmd":"create_node","type":"mixer"}'
	req '{"cmd":"create_node","type":"resample","args":{"rate":8000}}'
	req '{"cmd":"create_node","type":"gain","args":{"db":-6}}'
	req '{"cmd":"create_node","type":"mixer"}'
	req "{\"cmd\":\"create_node\",\"type\":\"file_source\",\"args\":{\"path\":\"$d/in.wav\",\"loop\":true}}"
	req '{"cmd":"create_node","type":"device_sink"}'
	req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/out.wav\"}}"
	req '{"cmd":"create_node","type":"device_source"}'
	req '{"cmd":"create_node","type":"resample","args":{"rate":96000}}'
	req '{"cmd":"create_node","type":"tone","args":{"freq":1000}}'
	local l
	for l in 1:2 2:3 3:4 5:4 4:6 4:7 10:9 9:1; do
		l="{\"cmd\":\"connect\",\"from\":${l%:*},\"to\":${l#*:}}"
		[ "$(jget "$(req "$l")" .ok)" = true ] || {
			echo "setup: $l refused" >&2
			return 1
		}
	done
}

teardown_file() {
	amixd_stop
}

# The table: requests the daemon must refuse in any state.
bad_requests() {
	cat <<'EOF'
{"cmd":"connect","from":3,"to":1}
{"cmd":"connect","from":4,"to":3}
{"cmd":"connect","from":1,"to":2}
{"cmd":"connect","from":6,"to":3}
{"cmd":"connect","from":3,"to":5}
{"cmd":"connect","from":99,"to":3}
{"cmd":"connect","from":3,"to":3}
{"cmd":"disconnect","from":1,"to":3}
{"cmd":"disconnect","from":99,"to":1}
{"cmd":"destroy_node","id":99}
{"cmd":"destroy_node","id":0}
{"cmd":"destroy_node","id":-1}
{"cmd":"set","id":3,"args":{"db":41}}
{"cmd":"set","id":3,"args":{"db":-6,"nope":1}}
{"cmd":"set","id":10,"args":{"freq":440,"db":100}}
{"cmd":"set","id":10,"args":{"freq":880,"waveform":"hum"}}
{"cmd":"set","id":10,"args":{"seed":7}}
{"cmd":"set","id":1,"args":{"freq":440}}
{"cmd":"set","id":2,"args":{"rate":48000}}
{"cmd":"set","id":5,"args":{"path":"/tmp/x.wav"}}
{"cmd":"set","id":6,"args":{}}
{"cmd":"set","id":99,"args":{"db":0}}
{"cmd":"create_node","type":"tone","args":{"freq":0}}
{"cmd":"create_node","type":"resample","args":{"rate":7999}}
{"cmd":"create_node","type":"resample"}
{"cmd":"create_node","type":"file_source","args":{"path":"/nonexistent/x.wav"}}
{"cmd":"create_node","type":"file_sink","args":{"path":"/etc/x.wav"}}
{"cmd":"create_node","type":"app_source","args":{"fd":0}}
{"cmd":"create_node","type":"app_sink"}
{"cmd":"create_node","type":"gain","args":{"db":"loud"}}
{"cmd":"create_node","type":"nope"}
{"cmd":"device_open","period":15}
{"cmd":"device_open","rate":192001}
{"cmd":"device_open","channels":65}
{"cmd":"device_open","layout":"5.1","channels":8}
{"cmd":"subscribe","events":["nope"]}
{"cmd":"render","seconds":0}
{"cmd":"backend","driver":"nope"}
{"cmd":"nope"}
EOF
}

@test "refusals change nothing while the engine is stopped" {
	run -0 refused_unchanged - < <(bad_requests)
	assert_eq "$(bad_requests | wc -l)" "$(grep -c '^ok ' <<<"$output")" \
	    "refusals checked"
}

@test "refusals change nothing while the engine runs, and audio goes on" {
	local f0
	req '{"cmd":"start"}'
	f0=$(node_frames 6)
	run -0 refused_unchanged - < <(bad_requests
	    # Refused only while running.
	    echo '{"cmd":"device_open","period":256}'
	    echo '{"cmd":"device_close"}'
	    echo '{"cmd":"render","seconds":1}'
	    echo '{"cmd":"backend","driver":"null"}')
	assert_eq $(($(bad_requests | wc -l) + 4)) \
	    "$(grep -c '^ok ' <<<"$output")" "refusals checked"
	wait_until 5 node_frames_above 6 "$f0"
	req '{"cmd":"stop"}'
}

@test "refusal.py fails on an accepted request and on a refusal that changed list" {
	# Accepted although --refused: exit 1, and it says what.
	run -1 --separate-stderr refused_unchanged - <<<'{"cmd":"ping"}'
	assert_match 'accepted' "$stderr"
	# Refused with another code than the one asked for; requests as
	# arguments as well as on stdin.
	run -1 --separate-stderr refused_unchanged not_found '{"cmd":"nope"}'
	assert_match 'code unknown_cmd, expected not_found' "$stderr"
	run -0 refused_unchanged bad_request '[]' '{"cmd":7}'
	assert_eq 2 "$(grep -c '^ok bad_request ' <<<"$output")" "refusals"
	# A server whose "list" changes with a refusal: the check must see it.
	run -0 "$PY" - "$BATS_TEST_TMPDIR/fake.sock" <<'EOP'
import json, os, socket, sys, threading
sys.path.insert(0, os.environ["AM_TOP"] + "/tests/tools")
from refusal import Conn, checked_req
path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(1)
def serve():
    c, _ = srv.accept()
    f, n = c.makefile("r"), 0
    for line in f:
        r = json.loads(line)
        if r["cmd"] == "list":
            n += 1
            out = {"ok": True, "nodes": [{"id": 1}] * n, "links": []}
        else:
            out = {"ok": False, "error": {"code": "bad_request",
                                           "message": "no"}}
        c.sendall((json.dumps(out) + "\n").encode())
threading.Thread(target=serve, daemon=True).start()
try:
    checked_req(Conn(path), {"cmd": "set", "id": 1, "args": {}})
except AssertionError as e:
    assert "the graph changed" in str(e), e
    print("caught")
else:
    sys.exit("a changed list went unnoticed")
EOP
	assert_eq caught "$output"
}
