#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# App rings on the daemon side: app_source and app_sink refuse every
# spoilt ring with a clear bad_request and create nothing; clients that
# corrupt their counters, scribble over their samples, or are killed
# mid-stream leave the engine running, a stream played beside them
# bit-exact, and no node or descriptor behind; latency telemetry.
# tests/tools/ringclient.py is the unruly client (python, memfd + mmap).

load helpers

RC=$AM_TOP/tests/tools/ringclient.py

setup_file() {
	amixd_start
	req '{"cmd":"start"}' >/dev/null
	DEV=$(jget "$(req '{"cmd":"create_node","type":"device_sink"}')" .id)
	export DEV
}

teardown_file() {
	amixd_stop
}

# Descriptors the daemon holds now.
nfds() {
	ls "/proc/$AMIXD_PID/fd" | wc -l
}

# The ids of nodes of type $1, one line.
nodes_of() {
	req '{"cmd":"list"}' | jq -c "[.nodes[] | select(.type == \"$1\") | .id]"
}

no_app_nodes() {
	[ "$(nodes_of app_source)" = "[]" ] && [ "$(nodes_of app_sink)" = "[]" ]
}

# A new file sink at $1; prints its id.
file_sink() {
	jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$1\"}}")" .id
}

# The daemon holds no more descriptors than $1 (within 5 s): a node's
# wake pipe closes when the node is reclaimed, which may come a little
# after it leaves the graph, so a count taken before can be high but
# never low.
fds_back() {
	fds_at_most() { [ "$(nfds)" -le "$1" ]; }
	wait_until 5 fds_at_most "$1"
}

@test "every spoilt ring is refused with bad_request and nothing is created" {
	local before out n
	before=$(nfds)
	run -0 "$PY" "$RC" "$AUDIOMIXERD_SOCKET" refuse
	out=$output
	n=$(printf '%s\n' "$out" | wc -l)
	[ "$n" -ge 30 ] || flunk "only $n cases ran" "$out"
	# All but the last (a good ring named as the design card does).
	run -0 jq -rs '.[:-1][] | select(.ok != false or .code != "bad_request") | .case' <<<"$out"
	assert_eq "" "$output" "cases not refused with bad_request"
	assert_eq true "$(printf '%s\n' "$out" | tail -n 1 | jq .ok)" \
	    'the good ring, passed as "memfd":17'
	# Clear messages, naming what is wrong.
	assert_match 'F_SEAL_SHRINK' "$(jq -r 'select(.case == "unsealed") | .message' <<<"$out")"
	assert_match 'memfd holds 37376 bytes' "$(jq -r 'select(.case == "too_big") | .message' <<<"$out")"
	assert_match 'capacity 3000 frames' "$(jq -r 'select(.case == "cap_not_pow2") | .message' <<<"$out")"
	assert_match 'not an eventfd' "$(jq -r 'select(.case == "eventfd_pipe") | .message' <<<"$out")"
	# Channels (issue 16): 1 to 64, each a position once, none past them.
	assert_match '65 channels \(1 to 64\)' "$(jq -r 'select(.case == "channels65_hdr") | .message' <<<"$out")"
	assert_match 'position FL twice' "$(jq -r 'select(.case == "layout_twice") | .message' <<<"$out")"
	assert_match 'for channel 3 of 2' "$(jq -r 'select(.case == "layout_past") | .message' <<<"$out")"
	assert_match 'channel 3: no such position \(0\)' "$(jq -r 'select(.case == "layout_hole") | .message' <<<"$out")"
	assert_match 'channel 2: no such position \(40\)' "$(jq -r 'select(.case == "layout_bad") | .message' <<<"$out")"
	assert_match 'layout: 5.1 has 6 channels, but the ring has 2' "$(jq -r 'select(.case == "layout_arg") | .message' <<<"$out")"
	# The good one went with its connection; no descriptor stayed.
	wait_until 5 no_app_nodes
	fds_back "$before"
	run -0 amctl ping
}

@test "rings of 1 to 64 channels, labelled in the header or by \"layout\", are taken" {
	local before out
	before=$(nfds)
	run -0 "$PY" "$RC" "$AUDIOMIXERD_SOCKET" accept
	out=$output
	assert_eq 5 "$(printf '%s\n' "$out" | wc -l)" "cases run"
	run -0 jq -rs '.[] | select(.ok != true) | "\(.case): \(.message)"' <<<"$out"
	assert_eq "" "$output" "good rings refused"
	fds_back "$before"
}

@test "corrupt counters and scribbled samples: engine up, the stream beside them bit-exact" {
	local d=$BATS_TEST_TMPDIR before shape ref out pc ps
	before=$(nfds)
	shape=$(graph_shape)
	ref=$(file_sink "$d/ref.wav")
	amtone -f 1000 -d 4 -F f32 >"$d/tone.f32"
	amcat --to "$ref" <"$d/tone.f32" 3>&- &
	pc=$!
	"$PY" "$RC" "$AUDIOMIXERD_SOCKET" corrupt "$DEV" 3 >"$d/c.out" 3>&- &
	ps=$!
	"$PY" "$RC" "$AUDIOMIXERD_SOCKET" scribble "$DEV" 3 >"$d/s.out" 3>&-
	wait "$ps" || flunk "the corrupting client failed" "$(cat "$d/c.out")"
	wait "$pc" || flunk "amcat beside them failed"
	run -0 amctl ping
	amixd_alive || flunk "the daemon died"
	req "{\"cmd\":\"destroy_node\",\"id\":$ref}" >/dev/null
	wait_until 5 no_app_nodes
	out=$(PYTHONPATH=$AM_TOP/tests/tools "$PY" "$AM_TOP/tests/tools/segcmp.py" same "$d/ref.wav" "$d/tone.f32")
	assert_eq true "$(jget "$out" .equal)" "reference stream bit-exact ($out)"
	assert_eq 0 "$(jget "$out" .outside)" "nothing but silence around it"
	assert_eq "$shape" "$(graph_shape)" "graph as before"
	fds_back "$before"
}

@test "a scribbled ring plays clamped, finite samples" {
	local d=$BATS_TEST_TMPDIR fs
	fs=$(file_sink "$d/scribble.wav")
	run -0 "$PY" "$RC" "$AUDIOMIXERD_SOCKET" scribble "$fs" 1
	wait_until 5 no_app_nodes
	req "{\"cmd\":\"destroy_node\",\"id\":$fs}" >/dev/null
	run -0 env PYTHONPATH="$AM_TOP/tests/tools" "$PY" -c '
import sys, numpy as np
from wavf32 import load
x = load(sys.argv[1])
assert np.all(np.isfinite(x)), "non-finite samples"
assert np.max(np.abs(x)) == 64.0, np.max(np.abs(x))
print("ok")' "$d/scribble.wav"
	assert_eq ok "$output"
}

@test "amcat killed with SIGKILL mid-stream: its node and descriptors go" {
	local before shape pid
	before=$(nfds)
	shape=$(graph_shape)
	amtone -d 30 2>/dev/null | amcat 3>&- &
	pid=$!
	# Generous: a sanitizer build on a loaded machine starts slowly.
	wait_until 60 has_type app_source
	wait_until 60 node_frames_above "$(nodes_of app_source | jq '.[0]')" 4800
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	wait_until 5 no_app_nodes
	amixd_alive || flunk "the daemon died"
	assert_eq "$shape" "$(graph_shape)" "graph as before"
	fds_back "$before"
}

@test "latency telemetry: latency_us of a stream is its buffering" {
	local id lat pid
	amtone -d 4 | amcat --latency 100 3>&- &
	pid=$!
	wait_until 20 has_type app_source
	id=$(nodes_of app_source | jq '.[0]')
	wait_until 5 node_frames_above "$id" 48000
	lat=$(req '{"cmd":"stats"}' | jq ".nodes[] | select(.id == $id) | .latency_us")
	wait "$pid"
	# The newest frame waits the high watermark, 100 ms, give or take.
	assert_near 100000 "$lat" 15000 "latency_us"
}

@test "app_sink: a client that does not read loses frames, counted as overruns" {
	local out
	run -0 "$PY" - "$AUDIOMIXERD_SOCKET" "$DEV" <<'EOP'
import json, os, socket, sys, time
sys.path.insert(0, os.environ["AM_TOP"] + "/tests/tools")
from ringclient import Conn, make_ring
c = Conn(sys.argv[1])
fd = make_ring(cap=1024, low=0, high=256)
r = c.req({"cmd": "create_node", "type": "tone"})
tone = r["id"]
r = c.req({"cmd": "create_node", "type": "app_sink", "args": {"fd": 0}}, [fd])
assert r["ok"], r
sink = r["id"]
assert c.req({"cmd": "connect", "from": tone, "to": sink})["ok"]
time.sleep(0.5)
st = c.req({"cmd": "stats"})
n = [x for x in st["nodes"] if x["id"] == sink][0]
c.req({"cmd": "destroy_node", "id": tone})
print(json.dumps(n))
EOP
	out=$output
	[ "$(jget "$out" .overruns)" -gt 10000 ] || flunk "overruns: $out"
	wait_until 5 no_app_nodes
}

@test "issue 12: a paused reader gives the memfd to the line it came with" {
	local before
	before=$(nfds)
	run -0 "$PY" "$AM_TOP/tests/tools/fdsplit.py" "$AUDIOMIXERD_SOCKET" issue
	assert_match 'ring is at 12345 Hz' "$output"
	fds_back "$before"
}

@test "descriptors reach their own line however bytes and descriptors are split" {
	local before
	before=$(nfds)
	# Seeded: a failure prints the seed, the request and the cuts.
	run -0 "$PY" "$AM_TOP/tests/tools/fdsplit.py" "$AUDIOMIXERD_SOCKET" 6 120
	assert_match '^ok 6 x 2 modes' "$output"
	fds_back "$before"
	run -0 amctl ping
}
