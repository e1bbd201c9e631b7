#!/usr/bin/env bats
# The real-time cycle's guarantees seen from a client: device nodes stay
# out of rate domains (the issue's one-request crash), the cycle runs
# domain blocks far longer than any period, and NaN or infinite samples
# from a source become silence, counted in "nonfinite" and metered over
# full scale, live and in a render. Run it on the ASan build to see the
# real-time thread stay within its buffers.

load helpers

setup_file() {
	amixd_start -p 2048
}

teardown_file() {
	amixd_stop
}

setup() {
	req '{"cmd":"stop"}' >/dev/null
	req '{"cmd":"device_close"}' >/dev/null
	local id
	for id in $(req '{"cmd":"list"}' | jq '.nodes[].id'); do
		req "{\"cmd\":\"destroy_node\",\"id\":$id}" >/dev/null
	done
}

mk() {
	local args=${2:-'{}'}
	req "{\"cmd\":\"create_node\",\"type\":\"$1\",\"args\":$args}" |
	    jq -e .id
}

# A stereo float WAV of 4800 frames of 0.25 with NaN, +Inf and -Inf at
# frames 100, 200, 300 (left) and frame 400 (both channels).
nan_wav() {
	"$PY" - "$1" <<'EOP'
import struct, sys
n = 4800
s = [0.25] * (2 * n)
s[200] = float("nan"); s[400] = float("inf"); s[600] = float("-inf")
s[800] = s[801] = float("nan")
data = struct.pack("<%df" % len(s), *s)
fmt = struct.pack("<HHIIHH", 3, 2, 48000, 48000 * 8, 8, 32)
with open(sys.argv[1], "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 4 + 8 + 16 + 8 + len(data)) + b"WAVE")
    f.write(b"fmt " + struct.pack("<I", 16) + fmt)
    f.write(b"data" + struct.pack("<I", len(data)) + data)
EOP
}

@test "device_source into a 192 kHz domain at period 2048: refused, graph unchanged, daemon runs" {
	local s r k g before out
	run -0 req '{"cmd":"device_open","rate":48000,"period":2048}'
	s=$(mk device_source)
	r=$(mk resample '{"rate":192000}')
	k=$(mk device_sink)
	g=$(mk gain)
	before=$(graph_shape)
	out=$(req "{\"cmd\":\"connect\",\"from\":$s,\"to\":$r}")
	assert_eq bad_request "$(jget "$out" .error.code)" "code"
	assert_match "device node" "$(jget "$out" .error.message)"
	assert_eq "$before" "$(graph_shape)" "list after the refusal"
	# At the graph rate it is fine; a later link into the domain is not.
	run -0 req "{\"cmd\":\"connect\",\"from\":$s,\"to\":$g}"
	before=$(graph_shape)
	out=$(req "{\"cmd\":\"connect\",\"from\":$g,\"to\":$r}")
	assert_eq bad_request "$(jget "$out" .error.code)" "later link"
	assert_eq "$before" "$(graph_shape)" "list after the later refusal"
	# The domain itself runs: a tone at 192 kHz, 8192-frame blocks.
	t=$(mk tone)
	run -0 req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$r}"
	run -0 req "{\"cmd\":\"connect\",\"from\":$r,\"to\":$k}"
	run -0 req "{\"cmd\":\"connect\",\"from\":$g,\"to\":$k}"
	run -0 req '{"cmd":"start"}'
	wait_until 10 node_frames_above "$t" 40000
	amixd_alive || flunk "the daemon died"
	req '{"cmd":"stop"}'
}

@test "NaN and Inf from a file become 0 before the mix, counted as nonfinite, in a render" {
	local d=$BATS_TEST_TMPDIR f g k out
	nan_wav "$d/nan.wav"
	run -0 req '{"cmd":"device_open","rate":48000,"period":128}'
	f=$(mk file_source "{\"path\":\"$d/nan.wav\"}")
	g=$(mk gain)
	k=$(mk file_sink "{\"path\":\"$d/out.wav\",\"sample\":\"f32\"}")
	req "{\"cmd\":\"connect\",\"from\":$f,\"to\":$g}"
	req "{\"cmd\":\"connect\",\"from\":$g,\"to\":$k}"
	run -0 req '{"cmd":"render","seconds":0.1}'
	out=$(req '{"cmd":"stats"}')
	assert_eq 5 "$(jget "$out" ".nodes[] | select(.id == $f) | .nonfinite")" \
	    "file_source nonfinite"
	assert_eq 0 "$(jget "$out" ".nodes[] | select(.id == $g) | .nonfinite")" \
	    "gain nonfinite"
	req "{\"cmd\":\"destroy_node\",\"id\":$k}"
	wait_until 10 test -s "$d/out.wav"
	out=$("$PY" - "$d/out.wav" <<'EOP'
import subprocess, sys
import numpy as np
raw = subprocess.run(["sox", "-V1", sys.argv[1], "-t", "f32", "-"],
                     capture_output=True, check=True).stdout
x = np.frombuffer(raw, dtype="<f4").reshape(-1, 2)
bad = [(i, c) for i in range(4800) for c in (0, 1)
       if abs(x[i, c] - (0 if (i, c) in ((100, 0), (200, 0), (300, 0),
                                         (400, 0), (400, 1)) else 0.25)) > 1e-4]
print(int(np.isfinite(x).all()), len(bad))
EOP
)
	assert_eq "1 0" "$out" "finite, zeros exactly where the NaN and Inf were"
}

@test "a live source of NaN meters over full scale, not silent" {
	local d=$BATS_TEST_TMPDIR f k out
	nan_wav "$d/nan.wav"
	run -0 req '{"cmd":"device_open","rate":48000,"period":128}'
	f=$(mk file_source "{\"path\":\"$d/nan.wav\",\"loop\":true}")
	k=$(mk device_sink)
	req "{\"cmd\":\"connect\",\"from\":$f,\"to\":$k}"
	run -0 req '{"cmd":"start"}'
	wait_until 10 node_frames_above "$f" 20000
	# The file loops every 0.1 s: an interval of 0.3 s holds its NaNs.
	req '{"cmd":"stats"}' >/dev/null
	sleep 0.3
	out=$(req '{"cmd":"stats"}')
	[ "$(jget "$out" ".nodes[] | select(.id == $f) | .nonfinite > 0")" = true ] ||
	    flunk "nonfinite not counted: $out"
	[ "$(jget "$out" ".nodes[] | select(.id == $f) | .peak_db >= 6")" = true ] ||
	    flunk "peak_db not over full scale: $out"
	assert_near -12.04 "$(jget "$out" ".nodes[] | select(.id == $k) | .peak_db")" 0.01 \
	    "the sink meters the clean signal"
	req '{"cmd":"stop"}'
}
