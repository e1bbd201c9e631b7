#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# amtone: exact lengths, WAVE headers, levels, frequency, determinism,
# EPIPE, usage errors and the man page SYNOPSIS.

load helpers

setup_file() {
	# Least-squares frequency fit of a mono f32 file: the FFT peak, then
	# a golden-section search on the residual of a sin/cos/dc fit.
	# usage: fit.py FILE RATE [FROM_S TO_S]
	cat >"$BATS_FILE_TMPDIR/fit.py" <<'EOF'
import sys
import numpy as np
rate = float(sys.argv[2])
x = np.fromfile(sys.argv[1], dtype='<f4').astype(float)
if len(sys.argv) > 3:
    x = x[int(float(sys.argv[3]) * rate):int(float(sys.argv[4]) * rate)]
t = np.arange(len(x)) / rate
def resid(f):
    m = np.column_stack([np.sin(2 * np.pi * f * t),
        np.cos(2 * np.pi * f * t), np.ones_like(t)])
    return np.linalg.lstsq(m, x, rcond=None)[1][0]
spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8 * len(x)))
f0 = np.argmax(spec) * rate / (8 * len(x))
lo, hi = f0 - rate / len(x), f0 + rate / len(x)
g = (np.sqrt(5) - 1) / 2
for _ in range(60):
    c, d = hi - g * (hi - lo), lo + g * (hi - lo)
    if resid(c) < resid(d):
        hi = d
    else:
        lo = c
print("%.6f" % ((lo + hi) / 2))
EOF
}

# sox_stat FILE WHAT: "Pk" or "RMS" level in dB of a WAVE file, from
# sox stats (one channel).
sox_stat() {
	sox "$1" -n stats 2>&1 | awk -v w="$2" '$1 == w && $2 == "lev" { print $4 }'
}

# fit FILE RATE [FROM TO]: frequency of a mono f32 raw file, Hz.
fit() {
	"$PY" "$BATS_FILE_TMPDIR/fit.py" "$@"
}

@test "amtone: -d gives exactly round(seconds * rate) frames" {
	local args want
	while read -r want args; do
		# shellcheck disable=SC2086
		run -0 bash -c "amtone $args | wc -c"
		assert_eq "$want" "$output" "bytes of amtone $args"
	done <<'EOF'
176400 -d 1 -r 44100 -c 2 -F s16
264600 -d 1 -r 44100 -c 2 -F s24
352800 -d 1 -r 44100 -c 2 -F s32
352800 -d 1 -r 44100 -c 2 -F f32
384000 -d 1
108000 -d 1.5 -r 8000 -c 3 -F s24
2 -d 0.0000114 -r 44100 -c 1 -F s16
0 -d 0.0000113 -r 44100 -c 1 -F s16
0 -d 0
EOF
}

# (3 channels: the extensible header, 68 bytes, 80 with float's fact)
@test "amtone: -t wav is read by soxi with exact rate, channels, samples" {
	local f=$BATS_TEST_TMPDIR/t.wav fmt bits enc hdr
	while read -r fmt bits enc hdr; do
		amtone -d 0.5 -r 44100 -c 3 -F "$fmt" -t wav >"$f"
		assert_eq 44100 "$(soxi -r "$f")" "$fmt rate"
		assert_eq 3 "$(soxi -c "$f")" "$fmt channels"
		assert_eq 22050 "$(soxi -s "$f")" "$fmt samples"
		assert_eq "$bits" "$(soxi -b "$f")" "$fmt bits"
		assert_eq "$enc" "$(soxi -e "$f" | cut -d' ' -f1)" "$fmt encoding"
		assert_eq $((hdr + 22050 * 3 * bits / 8)) "$(stat -c %s "$f")" \
		    "$fmt file size"
	done <<'EOF'
s16 16 Signed 68
s24 24 Signed 68
s32 32 Signed 68
f32 32 Floating 80
EOF
}

@test "amtone: an odd-sized wav data chunk gets its pad byte" {
	local f=$BATS_TEST_TMPDIR/odd.wav
	# 3 frames of s24 mono: 9 bytes of data, then a pad byte
	amtone -d 0.00007 -r 44100 -c 1 -F s24 -t wav >"$f"
	assert_eq $((44 + 9 + 1)) "$(stat -c %s "$f")" "file size"
	assert_eq $((36 + 9 + 1)) "$(od -An -tu4 -j4 -N4 "$f" | tr -d ' ')" \
	    "RIFF size"
	assert_eq 9 "$(od -An -tu4 -j40 -N4 "$f" | tr -d ' ')" "data size"
	assert_eq 3 "$(soxi -s "$f")" samples
}

@test "amtone: endless wav has 0xffffffff sizes and sox reads it" {
	local f=$BATS_TEST_TMPDIR/e.wav
	run -0 bash -c 'amtone -F s16 -t wav | head -c 48044 >"$1"' _ "$f"
	assert_eq ffffffff "$(od -An -tx4 -j4 -N4 "$f" | tr -d ' ')" "RIFF size"
	assert_eq ffffffff "$(od -An -tx4 -j40 -N4 "$f" | tr -d ' ')" "data size"
	run -0 sox -t wav "$f" -n stats
}

@test "amtone: example: amtone -d 2 -t wav > a.wav" {
	local f=$BATS_TEST_TMPDIR/a.wav
	amtone -d 2 -t wav >"$f"
	assert_eq 96000 "$(soxi -s "$f")" samples
	assert_eq 2 "$(soxi -c "$f")" channels
	assert_eq $((58 + 768000)) "$(stat -c %s "$f")" "file size"
	sox "$f" -t f32 "$BATS_TEST_TMPDIR/left.f32" remix 1
	assert_near 440 "$(fit "$BATS_TEST_TMPDIR/left.f32" 48000)" 0.1 \
	    frequency
}

@test "amtone: example: amtone -f 1000 -d 2 -F f32 (the amcat input)" {
	run -0 bash -c 'amtone -f 1000 -d 2 -F f32 | wc -c'
	assert_eq $((2 * 48000 * 2 * 4)) "$output" bytes
}

@test "amtone: example: sweep -f 20 --to 20000 -d 10 -t wav" {
	local f=$BATS_TEST_TMPDIR/sweep.wav
	amtone -w sweep -f 20 --to 20000 -d 10 -t wav >"$f"
	assert_eq 480000 "$(soxi -s "$f")" samples
	assert_near -6.0 "$(sox_stat "$f" Pk)" 0.1 "peak dB"
}

@test "amtone: example: pink noise at --db -20 through sox stats" {
	run -0 bash -c 'amtone -w pink --db -20 -d 1 -t wav | sox - -n stats 2>&1'
	assert_match 'RMS lev dB' "$output"
}

@test "amtone: sine at --db -6 has the right peak and RMS level" {
	local f=$BATS_TEST_TMPDIR/s.wav fmt
	for fmt in f32 s16 s24 s32; do
		amtone -f 1000 --db -6 -d 1 -c 1 -F "$fmt" -t wav >"$f"
		assert_near -6.0 "$(sox_stat "$f" Pk)" 0.1 "$fmt peak dB"
		assert_near -9.01 "$(sox_stat "$f" RMS)" 0.1 "$fmt RMS dB"
	done
	amtone -f 1000 --db -20 -d 1 -c 1 -t wav >"$f"
	assert_near -20.0 "$(sox_stat "$f" Pk)" 0.1 "peak dB at --db -20"
}

@test "amtone: waveform levels (peak, RMS) at --db -6" {
	local f=$BATS_TEST_TMPDIR/w.wav w pk rms tol
	while read -r w pk rms tol; do
		amtone -w "$w" -f 1000 -d 1 -c 1 -t wav >"$f"
		assert_near "$pk" "$(sox_stat "$f" Pk)" 0.1 "$w peak dB"
		assert_near "$rms" "$(sox_stat "$f" RMS)" "$tol" "$w RMS dB"
	done <<'EOF'
square -6.0 -6.0 0.1
saw -6.0 -10.77 0.1
triangle -6.0 -10.77 0.1
noise -6.0 -10.77 0.1
EOF
	# pink: peak within the amplitude, RMS about 15 dB below it
	amtone -w pink -d 1 -c 1 -t wav >"$f"
	run -0 awk -v p="$(sox_stat "$f" Pk)" 'BEGIN { exit !(p != "" && p <= -6.0) }'
	assert_near -21.1 "$(sox_stat "$f" RMS)" 1.0 "pink RMS dB"
}

@test "amtone: sine frequency by least-squares fit within 0.1 Hz" {
	local f=$BATS_TEST_TMPDIR/s.f32
	amtone -f 997.3 -d 1 -c 1 >"$f"
	assert_near 997.3 "$(fit "$f" 48000)" 0.1 "997.3 Hz at 48000"
	amtone -f 12345.678 -d 0.5 -r 44100 -c 1 >"$f"
	assert_near 12345.678 "$(fit "$f" 44100)" 0.1 "12345.678 Hz at 44100"
	amtone -f 20 -d 1 -r 8000 -c 1 >"$f"
	assert_near 20 "$(fit "$f" 8000)" 0.1 "20 Hz at 8000"
}

@test "amtone: sweep is logarithmic from -f to --to" {
	local f=$BATS_TEST_TMPDIR/sw.f32
	amtone -w sweep -f 100 --to 1000 -d 2 -c 1 >"$f"
	# geometric mean in the middle: sqrt(100 * 1000) = 316.23 Hz
	assert_near 316.23 "$(fit "$f" 48000 0.99 1.01)" 0.5 "middle"
	assert_near 100 "$(fit "$f" 48000 0 0.05)" 3 "start"
	assert_near 1000 "$(fit "$f" 48000 1.95 2)" 30 "end"
}

@test "amtone: noise, pink and dither are deterministic" {
	local args a b
	for args in "-w noise" "-w pink" "-F s16" "-w noise -F s16 -c 3"; do
		# shellcheck disable=SC2086
		a=$(amtone $args -d 1 | sha256sum)
		# shellcheck disable=SC2086
		b=$(amtone $args -d 1 | sha256sum)
		assert_eq "$a" "$b" "sha256 of amtone $args"
	done
	a=$(amtone -w noise -d 1 | sha256sum)
	b=$(amtone -w pink -d 1 | sha256sum)
	[ "$a" != "$b" ] || flunk "noise and pink are the same"
}

@test "amtone: every channel carries the same samples" {
	run -0 bash -c 'amtone -w noise -d 0.1 -c 5 -F s16 | "$1" -c "
import sys, numpy as np
x = np.frombuffer(sys.stdin.buffer.read(), \"<i2\").reshape(-1, 5)
print(int((x != x[:, :1]).sum()), len(x))"' _ "$PY"
	assert_eq "0 4800" "$output" "differing samples, frames"
}

# below VALUE LIMIT MSG: VALUE is a number under LIMIT.
below() {
	awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "" && v + 0 < l + 0) }' ||
	    flunk "$3: expected below $2" "$3: actual $1"
}

# wavex FILE: "TAG CHANNELS MASK VALIDBITS SUBFORMAT" of a WAV's fmt chunk.
wavex() {
	"$PY" -c '
import struct, sys
b = open(sys.argv[1], "rb").read(80)
tag, ch = struct.unpack_from("<HH", b, 20)
if tag != 0xfffe:
    print(tag, ch)
else:
    vb, mask, sub = struct.unpack_from("<HIH", b, 38)
    print("%#x %d %#x %d %d %s" % (tag, ch, mask, vb, sub,
          b[46:60].hex()))' "$1"
}

@test "amtone: 6 and 16 channels with --spread, each channel its own sine by fit; WAVEX mask" {
	local f=$BATS_TEST_TMPDIR/six.wav g=$BATS_TEST_TMPDIR/sixteen.wav
	local fits k
	amtone -c 6 -f 300 --spread 250 -d 1 -t wav >"$f"
	assert_eq 6 "$(soxi -c "$f")" "soxi: 6 channels"
	assert_eq 48000 "$(soxi -s "$f")" "soxi: 48000 frames"
	assert_eq "0xfffe 6 0x3f 32 3 000000001000800000aa00389b71" \
	    "$(wavex "$f")" "WAVEX, 5.1's mask, float subformat"
	fits=$("$PY" "$AM_TOP/tests/tools/sinefit.py" "$f" all)
	for k in 0 1 2 3 4 5; do
		assert_near $((300 + 250 * k)) "$(jq -r "select(.channel == $k) | .freq" <<<"$fits")" 0.01 "6 channels: channel $k"
		assert_near -6 "$(jq -r "select(.channel == $k) | .amp_db" <<<"$fits")" 0.01 "6 channels: level of $k"
		below "$(jq -r "select(.channel == $k) | .resid_db" <<<"$fits")" -100 "6 channels: channel $k a clean sine"
	done
	# 16 channels of s16: AUX positions (mask 0), dithered, 100 Hz apart
	amtone -c 16 -f 200 --spread 100 -d 1 -F s16 -t wav >"$g"
	assert_eq 16 "$(soxi -c "$g")" "soxi: 16 channels"
	assert_eq 16 "$(soxi -b "$g")" "soxi: 16 bits"
	assert_eq "0xfffe 16 0x0 16 1 000000001000800000aa00389b71" \
	    "$(wavex "$g")" "WAVEX, no positions, PCM subformat"
	fits=$("$PY" "$AM_TOP/tests/tools/sinefit.py" "$g" all)
	assert_eq 16 "$(jq -s length <<<"$fits")" "a fit per channel"
	for k in $(seq 0 15); do
		assert_near $((200 + 100 * k)) "$(jq -r "select(.channel == $k) | .freq" <<<"$fits")" 0.01 "16 channels: channel $k"
		below "$(jq -r "select(.channel == $k) | .resid_db" <<<"$fits")" -80 "16 channels: channel $k a clean sine (s16)"
	done
}

@test "amtone: --layout names the positions: WAVEX mask; mono and stereo keep the plain header" {
	local f=$BATS_TEST_TMPDIR/l.wav
	amtone --layout 7.1 -d 0.01 -F s24 -t wav >"$f"
	assert_eq "0xfffe 8 0x63f 24 1 000000001000800000aa00389b71" \
	    "$(wavex "$f")" "7.1"
	assert_eq 8 "$(soxi -c "$f")" "soxi: 7.1 is 8 channels"
	amtone --layout FL,FR,LFE -d 0.01 -t wav >"$f"
	assert_eq "0xfffe 3 0xb 32 3 000000001000800000aa00389b71" \
	    "$(wavex "$f")" "2.1: FL FR LFE"
	amtone -c 2 -d 0.01 -F s16 -t wav >"$f"
	assert_eq "1 2" "$(wavex "$f")" "stereo: plain PCM"
	amtone -c 1 -d 0.01 -t wav >"$f"
	assert_eq "3 1" "$(wavex "$f")" "mono: plain float"
	# 64 channels, raw: frames of 64 samples, every one the same
	run -0 bash -c 'amtone -c 64 -d 0.01 -F s16 -t raw | "$1" -c "
import sys, numpy as np
x = np.frombuffer(sys.stdin.buffer.read(), \"<i2\").reshape(-1, 64)
print(len(x), int((x != x[:, :1]).sum()))"' _ "$PY"
	assert_eq "480 0" "$output" "64 channels: frames, differing samples"
}

@test "amtone: EPIPE is a quiet normal end" {
	local args
	for args in "" "-t wav" "-w pink -F s16 -c 8" "-d 100"; do
		run -0 --separate-stderr bash -c \
		    'amtone $1 | head -c 1000 >/dev/null; echo "${PIPESTATUS[0]}"' \
		    _ "$args"
		assert_eq 0 "$output" "status of amtone $args | head"
		assert_eq "" "$stderr" "stderr of amtone $args | head"
	done
}

@test "amtone: a write error exits 1 with a message" {
	run -1 --separate-stderr bash -c 'amtone -d 1 >/dev/full'
	assert_match '^amtone: write: ' "$stderr"
}

@test "amtone: bad options exit 2 with one message and the usage" {
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr amtone $args
		assert_eq "" "$output" "stdout of amtone $args"
		assert_match '^amtone: [^'$'\n'']+'$'\n''usage: amtone ' \
		    "$stderr" "stderr of amtone $args"
	done <<'EOF'
-f abc
-f nan
-f inf
-f -5
-f 0
-f 24000
-f 30000 -r 48000
-r 7999
-r 192001
-r 48k
-c 0
-c 65
-c 1.5
--spread -1
--spread x
-w noise --spread 10
-w sweep -d 1 --spread 10
-f 1000 -c 8 -r 8000 --spread 500
--layout 5.1 -c 2
--layout FL,FL
--layout XYZ
--layout
-w foo
-F s8
-t au
-d -1
-d nan
-d x
--db 1
--db x
--db inf
-w sweep
--to 100
-w sweep -d 1 --to 30000
-w sweep -d 1 --to 0
-w sweep -d 1 --to inf
-d 1e10
-d 20000 -t wav -r 192000 -c 8 -F s32
-d 5000 -t wav -r 192000 -c 64 -F s32
-x
--bogus
-f
--to
--help=1
extra
EOF
}

@test "amtone: --help and -h print the usage on stdout and exit 0" {
	local opt
	for opt in --help -h; do
		run -0 --separate-stderr amtone "$opt"
		assert_match '^usage: amtone ' "$output" "$opt stdout"
		assert_eq "" "$stderr" "$opt stderr"
	done
}

@test "amtone: usage matches the man page SYNOPSIS" {
	local man usage
	man=$(mandoc -Tascii -O width=1000 "$AM_TOP/man/amtone.1" | col -b |
	    awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
	    tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	usage=$(amtone --help | tr -s ' \t\n' ' ' | sed 's/^usage: //; s/ $//')
	assert_eq "$man" "$usage" "SYNOPSIS vs usage"
}
