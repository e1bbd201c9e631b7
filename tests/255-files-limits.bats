#!/usr/bin/env bats
# file_sink at the limits: a disk that fills (a 256 KiB tmpfs: ENOSPC) or
# a file size limit (RLIMIT_FSIZE: EFBIG, SIGXFSZ ignored) ends that
# recording with one error event that gives the system's reason, leaves
# a valid file holding every frame written up to there, counts the rest
# as overruns, and keeps the engine, every other node and the control
# socket running (a render exits 1 saying why); a WAV stays a plain RIFF WAVE while small and becomes
# RF64 past 4 GiB, read back whole.

load helpers

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
}

teardown() {
	amixd_stop
	[ -z "${FULL_MNT:-}" ] || umount "$FULL_MNT" 2>/dev/null || true
	unset FULL_MNT
	rm -f "$BATS_TEST_TMPDIR"/*.wav
}

# WAV FILE...: for each, "frames" when it is a valid RIFF or RF64 WAVE
# whose data chunk ends the file, holding whole stereo float frames and
# agreeing with the header's sizes; else a line saying what is wrong.
wav_frames() {
	"$PY" - "$@" <<'EOP'
import os, struct, sys
for path in sys.argv[1:]:
    n = os.path.getsize(path)
    with open(path, "rb") as f:
        b = f.read(4096)
    magic, riff = b[:4], struct.unpack_from("<I", b, 4)[0]
    ds64 = None
    off, out = 12, path + ": no data chunk"
    while off + 8 <= len(b):
        cid, size = b[off:off + 4], struct.unpack_from("<I", b, off + 4)[0]
        if cid == b"ds64":
            ds64 = struct.unpack_from("<QQQ", b, off + 8)
        if cid == b"data":
            if magic == b"RF64":
                riff, size = ds64[0], ds64[1]
            if magic not in (b"RIFF", b"RF64") or riff != n - 8:
                out = "%s: %s size %d, file %d" % (path, magic, riff, n)
            elif off + 8 + size != n or size % 8:
                out = "%s: data %d at %d, file %d" % (path, size, off, n)
            elif magic == b"RF64" and ds64[2] != size // 8:
                out = "%s: ds64 frames %d" % (path, ds64[2])
            else:
                out = str(size // 8)
            break
        off += 8 + size + (size & 1)
    print(out)
EOP
}

# The first N frames of A equal B's, bit for bit: prints "same" or not.
wav_prefix() {
	"$PY" - "$@" <<'EOP'
import sys
sys.path.insert(0, sys.argv[4])
from wavf32 import load
a, b, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
print("same" if len(a) >= n and len(b) >= n and (a[:n] == b[:n]).all()
      else "differ")
EOP
}

# node_stat ID FIELD, from one stats reply in $stats.
node_stat() {
	jget "$stats" ".nodes[] | select(.id == $1) | .$2"
}

# full_run DIR REASON [OTHER]: a 1 kHz tone recorded to DIR/full.wav,
# which cannot hold it all, and, when given, to OTHER, which can. The
# error event names full.wav and REASON; pings are answered while the
# engine runs on; then every frame is accounted for.
full_run() {
	local dir=$1 reason=$2 other=${3:-} log=$BATS_TEST_TMPDIR/events
	local sub t a b=0 ev f0 stats n
	( printf '%s\n' '{"cmd":"subscribe","events":["node"]}' |
	    socat -t 60 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	sub=$!
	wait_until 5 grep -q '"ok":true' "$log"
	t=$(req '{"cmd":"create_node","type":"tone","args":{"freq":1000,"db":-6}}' | jq .id)
	a=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$dir/full.wav\"}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$a}" >/dev/null
	if [ -n "$other" ]; then
		b=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$other\"}}" | jq .id)
		req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$b}" >/dev/null
	fi
	req '{"cmd":"start"}' >/dev/null
	wait_until 30 grep -q '"type":"error"' "$log"
	ev=$(grep '"type":"error"' "$log")
	assert_eq "$a" "$(jget "$ev" .id)" "node of the error event"
	assert_match "^$dir/full.wav: recording stopped after [0-9]+ frames: $reason\$" \
	    "$(jget "$ev" .message)" "message"
	# The engine goes on: a second more of audio, pings answered.
	f0=$(node_frames "$t")
	wait_until 20 node_frames_above "$t" $((f0 + 48000))
	run -0 amctl ping
	req '{"cmd":"stop"}' >/dev/null
	stats=$(req '{"cmd":"stats"}')
	kill "$sub" 2>/dev/null || true
	assert_eq 1 "$(grep -c '"type":"error"' "$log")" "error events"
	amixd_alive || flunk "the daemon is gone"
	amixd_stop
	n=$(wav_frames "$dir/full.wav")
	[ "$n" -gt 0 ] 2>/dev/null || flunk "$n"
	assert_match "stopped after $n frames" "$(jget "$ev" .message)" \
	    "the event counts the frames in the file"
	# Every frame the node took is in the file or an overrun.
	assert_eq "$(node_stat "$a" frames)" \
	    $((n + $(node_stat "$a" overruns))) "frames = file + overruns"
	[ -n "$other" ] || return 0
	assert_eq "$(node_stat "$b" frames)" "$(wav_frames "$other")" \
	    "the other sink's file holds all it took"
	assert_eq 0 "$(node_stat "$b" overruns)" "the other sink's overruns"
	assert_eq same "$(wav_prefix "$dir/full.wav" "$other" "$n" \
	    "$AM_TOP/tests/tools")" "the full file's samples"
	# The other recording is the tone a render makes, bit for bit.
	cat >"$BATS_TEST_TMPDIR/ref.am" <<EOS
t = create tone freq=1000 db=-6
f = create file_sink path=$BATS_TEST_TMPDIR/ref.wav
connect \$t \$f
EOS
	run -0 amixd --render 30 "$BATS_TEST_TMPDIR/ref.am"
	assert_eq same "$(wav_prefix "$other" "$BATS_TEST_TMPDIR/ref.wav" \
	    "$(node_stat "$b" frames)" "$AM_TOP/tests/tools")" \
	    "the other file's samples"
}

@test "a full disk ends that recording with an error event; the rest runs on" {
	FULL_MNT=$BATS_TEST_TMPDIR/small
	mkdir "$FULL_MNT"
	mount -t tmpfs -o size=256k tmpfs "$FULL_MNT"
	amixd_start
	full_run "$FULL_MNT" 'No space left on device' "$BATS_TEST_TMPDIR/ok.wav"
}

@test "a file size limit ends that recording the same way, SIGXFSZ ignored" {
	amixd_start
	prlimit --pid "$AMIXD_PID" --fsize=262144:
	full_run "$BATS_TEST_TMPDIR" 'File too large'
}

@test "amixd --render with a full disk: exit 1, the reason said, the rest rendered" {
	local d=$BATS_TEST_TMPDIR n
	FULL_MNT=$d/small
	mkdir "$FULL_MNT"
	mount -t tmpfs -o size=256k tmpfs "$FULL_MNT"
	cat >"$d/r.am" <<EOS
t = create tone freq=1000 db=-6
f = create file_sink path=$FULL_MNT/full.wav
g = create file_sink path=$d/ok.wav
connect \$t \$f
connect \$t \$g
EOS
	run -1 --separate-stderr amixd --render 5 "$d/r.am"
	assert_match "$FULL_MNT/full.wav: recording stopped after [0-9]+ frames: No space left on device" \
	    "$stderr" "what it says"
	n=$(wav_frames "$FULL_MNT/full.wav")
	[ "$n" -gt 0 ] 2>/dev/null || flunk "$n"
	assert_match "stopped after $n frames" "$stderr" "frames in the file"
	assert_eq 240000 "$(wav_frames "$d/ok.wav")" "the roomy file"
	assert_eq same "$(wav_prefix "$FULL_MNT/full.wav" "$d/ok.wav" "$n" \
	    "$AM_TOP/tests/tools")" "the full file's samples"
}

@test "a render request whose sink fills the disk after its last period still says so" {
	local log=$BATS_TEST_TMPDIR/events sub a n stats
	FULL_MNT=$BATS_TEST_TMPDIR/small
	mkdir "$FULL_MNT"
	mount -t tmpfs -o size=256k tmpfs "$FULL_MNT"
	amixd_start
	( printf '%s\n' '{"cmd":"subscribe","events":["node"]}' |
	    socat -t 30 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	sub=$!
	wait_until 5 grep -q '"ok":true' "$log"
	req '{"cmd":"create_node","type":"tone"}' >/dev/null
	a=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$FULL_MNT/full.wav\"}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":1,\"to\":$a}" >/dev/null
	# 1 s is 384000 bytes: all of it fits the ring before the writer
	# finds the disk full, so no period is left to see the error.
	run -0 req '{"cmd":"render","seconds":1}'
	assert_eq true "$(jget "$output" .ok)" "the render"
	wait_until 10 grep -q '"type":"error"' "$log"
	assert_match "No space left on device" "$(grep '"type":"error"' "$log")"
	stats=$(req '{"cmd":"stats"}')
	n=$(wav_frames "$FULL_MNT/full.wav")
	assert_eq 48000 $((n + $(node_stat "$a" overruns))) "file + overruns"
	kill "$sub" 2>/dev/null || true
}

# frames and format of FILE as libsndfile reads them: "FRAMES 0xFORMAT".
sf_info() {
	"$PY" - "$1" <<'EOP'
import ctypes, ctypes.util, sys
class Info(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]
sf = ctypes.CDLL(ctypes.util.find_library("sndfile") or "libsndfile.so.1")
sf.sf_open.restype = ctypes.c_void_p
info = Info()
h = sf.sf_open(sys.argv[1].encode(), 0x10, ctypes.byref(info))
print("%d 0x%x" % (info.frames, info.format) if h else "unreadable")
if h:
    sf.sf_close(ctypes.c_void_p(h))
EOP
}

# The last second of a 192 kHz stereo float FILE: a 1 kHz sine at -6 dB
# on both channels? Prints "sine" or what it found.
tail_sine() {
	"$PY" - "$1" <<'EOP'
import sys
import numpy as np
path = sys.argv[1]
with open(path, "rb") as f:
    f.seek(-192000 * 8, 2)
    x = np.frombuffer(f.read(), dtype="<f4").reshape(-1, 2).astype(float)
t = np.arange(len(x)) / 192000.0
m = np.column_stack([np.sin(2 * np.pi * 1000 * t), np.cos(2 * np.pi * 1000 * t)])
ok = True
for ch in (0, 1):
    c, *_ = np.linalg.lstsq(m, x[:, ch], rcond=None)
    amp, resid = np.hypot(*c), np.std(x[:, ch] - m @ c)
    ok = ok and abs(amp - 10 ** (-6 / 20)) < 1e-3 and resid < 1e-4
    print(ch, amp, resid, file=sys.stderr)
print("sine" if ok else "not a sine")
EOP
}

@test "a WAV is plain RIFF WAVE while small and RF64 past 4 GiB, read back whole" {
	local d=$BATS_TEST_TMPDIR big
	cat >"$d/small.am" <<EOS
t = create tone freq=1000 db=-6
f = create file_sink path=$d/small.wav
connect \$t \$f
EOS
	run -0 amixd --render 1 "$d/small.am"
	assert_eq RIFF "$(head -c 4 "$d/small.wav")" "magic of a small WAV"
	assert_eq 48000 "$(wav_frames "$d/small.wav")" "its frames"
	assert_eq "48000 0x$(printf %x $((0x130000 | 0x0006)))" \
	    "$(sf_info "$d/small.wav")" "libsndfile: frames, WAVEX float"
	# 2^32 bytes of data and a period more: 536875008 stereo float
	# frames, 2796.224 s at 192 kHz, rendered into RAM, not onto disk.
	FULL_MNT=$d/big
	mkdir "$FULL_MNT"
	mount -t tmpfs -o size=4200m tmpfs "$FULL_MNT"
	big=$FULL_MNT/big.wav
	cat >"$d/big.am" <<EOS
open rate=192000 period=4096
t = create tone freq=1000 db=-6
f = create file_sink path=$big
connect \$t \$f
EOS
	run -0 amixd --render 2796.224 "$d/big.am"
	assert_eq RF64 "$(head -c 4 "$big")" "magic past 4 GiB"
	assert_eq 536875008 "$(wav_frames "$big")" "frames, by its ds64 chunk"
	assert_eq "536875008 0x$(printf %x $((0x220000 | 0x0006)))" \
	    "$(sf_info "$big")" "libsndfile: frames, RF64 float"
	assert_eq 536875008 "$(soxi -V1 -s "$big")" "frames, by sox"
	assert_eq sine "$(tail_sine "$big")" "the last second"
	rm -f "$big"
}
