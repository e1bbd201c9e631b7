#!/usr/bin/env bats
# Files: file_source plays any rate and format into the graph (resampled
# to the graph rate), loops seamlessly, says eof, refuses bad files
# clearly; file_sink writes every container and sample format, loses
# nothing on stop, destroy_node, SIGTERM or SIGINT, keeps a readable file
# on SIGKILL, and reports overruns.

load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	amixd_start
	# 1 kHz at -6 dB, 2 s at 44.1 kHz: stereo float WAV, 24-bit FLAC,
	# mono; loops of 250 whole cycles at 44.1 and 48 kHz; a short one.
	amtone -f 1000 --db -6 -r 44100 -d 2 -F f32 -t wav >"$d/s44.wav"
	sox "$d/s44.wav" -b 24 "$d/s44.flac"
	sox "$d/s44.wav" "$d/m44.wav" remix 1
	amtone -f 1000 --db -3 -r 44100 -d 0.25 -F f32 -t wav >"$d/loop44.wav"
	amtone -f 1000 --db -3 -r 48000 -d 0.25 -F f32 -t wav >"$d/loop48.wav"
	amtone -f 1000 --db -1 -r 48000 -d 0.25 -F s16 -t wav >"$d/loop48s16.wav"
	amtone -f 500 --db -10 -r 44100 -d 0.2 -F s16 -t wav >"$d/short.wav"
	amtone -f 300 --db -10 -r 22050 -d 3 -F s16 -t wav >"$d/s22.wav"
}

teardown_file() {
	amixd_stop
}

# Index of the last frame of FILE louder than -60 dBFS (channel 0).
last_loud() {
	"$PY" - "$1" <<'EOP'
import subprocess, sys
import numpy as np
raw = subprocess.run(["sox", "-V1", sys.argv[1], "-t", "f32", "-"],
                     capture_output=True, check=True).stdout
x = np.frombuffer(raw, dtype="<f4").reshape(-1, 2)[:, 0]
print(int(np.nonzero(np.abs(x) > 1e-3)[0][-1]))
EOP
}

# play_check SRC [SINK_ARGS]: SRC (2 s of 1 kHz at -6 dB, 44.1 kHz)
# through a file_source into a 48 kHz float file sink (with SINK_ARGS),
# rendered for 3 s: exact
# frequency and level, noise 90 dB down or better, both channels equal,
# and the audio ends 2 s in, to a period.
play_check() {
	local src=$1 d=$BATS_TEST_TMPDIR out ch
	cat >"$d/p.am" <<EOS
open rate=48000 period=128
s = create file_source path=$src
f = create file_sink path=$d/p.wav ${2:-}
connect \$s \$f
EOS
	run -0 amixd --render 3 "$d/p.am"
	assert_eq 144000 "$(soxi -s "$d/p.wav")" "frames in the sink"
	assert_eq 48000 "$(soxi -r "$d/p.wav")" "rate of the sink"
	# The 2 s of audio, less the filter's run-in and run-out.
	sox "$d/p.wav" "$d/t.wav" trim 0.1 1.8
	for ch in 0 1; do
		out=$(sinefit "$d/t.wav" "$ch")
		assert_near 1000 "$(jget "$out" .freq)" 0.1 "frequency, ch $ch"
		assert_near -6 "$(jget "$out" .amp_db)" 0.1 "level, ch $ch"
		[ "$(jget "$out" '.resid_db <= -90')" = true ] ||
		    flunk "residual $(jget "$out" .resid_db) dB, ch $ch"
	done
	assert_eq 0 "$(jget "$out" .chan_diff)" "left - right"
	assert_near 96000 "$(last_loud "$d/p.wav")" 128 "last loud frame"
}

@test "a 44.1 kHz stereo WAV plays at 48 kHz: frequency, level, noise, length" {
	play_check "$BATS_FILE_TMPDIR/s44.wav"
}

@test "a 44.1 kHz FLAC plays at 48 kHz just as well" {
	play_check "$BATS_FILE_TMPDIR/s44.flac"
}

@test "20 s of a 44.1 kHz file play at 48 kHz at every quality without a gap" {
	local d=$BATS_TEST_TMPDIR q out
	# The converter used to leave a few frames of silence every few
	# seconds (a 2 s file never showed it); a gap ruins the fit.
	amtone -f 1000 --db -6 -r 44100 -d 20 -F f32 -t wav >"$d/long.wav"
	for q in best medium fast; do
		cat >"$d/l.am" <<EOS
open rate=48000 period=256
s = create file_source path=$d/long.wav quality=$q
f = create file_sink path=$d/l.wav
connect \$s \$f
EOS
		run -0 amixd --render 20 "$d/l.am"
		sox "$d/l.wav" "$d/t.wav" trim 0.1 19.8
		out=$(sinefit "$d/t.wav" 0)
		[ "$(jget "$out" '.resid_db <= -120')" = true ] ||
		    flunk "$q: residual $(jget "$out" .resid_db) dB"
	done
}

@test "a mono WAV plays on both channels of a stereo sink, equal; a sink that follows it records mono" {
	local d=$BATS_TEST_TMPDIR
	assert_eq 1 "$(soxi -c "$BATS_FILE_TMPDIR/m44.wav")"
	# The link converts mono to stereo: both sides at full level.
	play_check "$BATS_FILE_TMPDIR/m44.wav" channels=2
	# Without "channels" the sink takes its input's layout: one channel.
	cat >"$d/m.am" <<EOS
open rate=48000 period=128
s = create file_source path=$BATS_FILE_TMPDIR/m44.wav
f = create file_sink path=$d/m.wav
connect \$s \$f
EOS
	run -0 amixd --render 1 "$d/m.am"
	assert_eq 1 "$(soxi -c "$d/m.wav")" "channels of a following sink"
}

@test "a file at the graph rate is copied bit for bit, and loops sample-exact" {
	local d=$BATS_TEST_TMPDIR src
	# float, and 16-bit (read as stored, converted by amixd: the same
	# floats as sox's and libsndfile's, s / 32768)
	for src in loop48.wav loop48s16.wav; do
		cat >"$d/l.am" <<EOS
s = create file_source path=$BATS_FILE_TMPDIR/$src loop=true
f = create file_sink path=$d/l.wav
connect \$s \$f
EOS
		run -0 amixd --render 1.3 "$d/l.am"
		copy_check "$BATS_FILE_TMPDIR/$src" "$d/l.wav"
	done
}

# copy_check SRC OUT: OUT is SRC (12000 frames) looped, bit for bit.
copy_check() {
	# 12000 frames looped: output frame i is input frame i mod 12000.
	run -0 "$PY" - "$1" "$2" <<'EOP'
import subprocess, sys
import numpy as np
def rd(p, ch):
    raw = subprocess.run(["sox", "-V1", p, "-t", "f32", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, ch)
a, b = rd(sys.argv[1], 2), rd(sys.argv[2], 2)
want = np.tile(a, (len(b) // len(a) + 1, 1))[:len(b)]
print(len(a), len(b), int(np.sum(want != b)))
EOP
	assert_eq "12000 62400 0" "$output" "$1: input, output, frames differing"
}

@test "loop:true at another rate plays seamlessly across the loop points" {
	local d=$BATS_TEST_TMPDIR out
	cat >"$d/l.am" <<EOS
s = create file_source path=$BATS_FILE_TMPDIR/loop44.wav loop=true
f = create file_sink path=$d/l.wav
connect \$s \$f
EOS
	run -0 amixd --render 3 "$d/l.am"
	# Twelve loop points in 3 s: a click at any would show here.
	out=$(sinefit "$d/l.wav" 0 0.05)
	assert_near 1000 "$(jget "$out" .freq)" 0.001 "frequency"
	assert_near -3 "$(jget "$out" .amp_db)" 0.01 "level"
	[ "$(jget "$out" '.resid_db <= -120')" = true ] ||
	    flunk "residual $(jget "$out" .resid_db) dB"
}

@test "loop:false ends in silence with one eof event; live, no underrun" {
	local log=$BATS_TEST_TMPDIR/events sub s k f0 out
	( printf '%s\n' '{"cmd":"subscribe","events":["node","xrun"]}' |
	    socat -t 30 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	sub=$!
	wait_until 5 grep -q '"ok":true' "$log"
	s=$(req "{\"cmd\":\"create_node\",\"type\":\"file_source\",\"args\":{\"path\":\"$BATS_FILE_TMPDIR/short.wav\"}}" | jq .id)
	k=$(req '{"cmd":"create_node","type":"device_sink"}' | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$s,\"to\":$k}"
	req '{"cmd":"start"}'
	wait_until 10 grep -q '"type":"eof"' "$log"
	assert_eq "{\"event\":\"node\",\"id\":$s,\"type\":\"eof\"}" \
	    "$(grep '"type":"eof"' "$log")" "the eof event"
	# Half a second more: still one eof, and never an underrun.
	f0=$(node_frames "$s")
	wait_until 10 node_frames_above "$s" $((f0 + 24000))
	assert_eq 1 "$(grep -c '"type":"eof"' "$log")" "eof events"
	out=$(req '{"cmd":"stats"}')
	assert_eq 0 "$(jget "$out" ".nodes[] | select(.id == $s) | .underruns")" \
	    "underruns"
	[ "$(jget "$out" ".nodes[] | select(.id == $s) | .peak_db < -100")" = true ] ||
	    flunk "not silent after the end: $out"
	req '{"cmd":"stop"}'
	req "{\"cmd\":\"destroy_node\",\"id\":$s}"
	req "{\"cmd\":\"destroy_node\",\"id\":$k}"
	kill "$sub" 2>/dev/null || true
}

# bad_source CODE REGEX ARGS: create_node file_source with ARGS is refused
# with CODE and a message matching REGEX; a ping on the same connection
# answers; the graph is unchanged.
bad_source() {
	local code=$1 re=$2 before out first
	before=$(graph_shape)
	out=$(printf '%s\n' \
	    "{\"cmd\":\"create_node\",\"type\":\"file_source\",\"args\":$3}" \
	    '{"cmd":"ping"}' | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
	first=$(printf '%s\n' "$out" | head -n 1)
	assert_eq false "$(jget "$first" .ok)" "ok of $first"
	assert_eq "$code" "$(jget "$first" .error.code)" "code of $first"
	assert_match "$re" "$(jget "$first" .error.message)" "message"
	assert_eq true "$(printf '%s\n' "$out" | sed -n 2p | jq .ok)" \
	    "ping after $3"
	assert_eq "$before" "$(graph_shape)" "graph after $3"
}

@test "bad files are refused at create_node with a clear error, nothing made" {
	local d=$BATS_TEST_TMPDIR
	echo "just text" >"$d/text.wav"
	head -c 30 "$BATS_FILE_TMPDIR/s44.wav" >"$d/trunc.wav"
	head -c 44 "$BATS_FILE_TMPDIR/short.wav" >"$d/empty.wav"
	mkdir "$d/dir.wav"
	mkfifo "$d/fifo.wav"
	# A WAVE header claiming 5000 channels, and a real 100-channel file.
	"$PY" - "$BATS_FILE_TMPDIR/s44.wav" "$d/chans.wav" <<'EOP'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<H", d, d.find(b"fmt ") + 10, 5000)
open(sys.argv[2], "wb").write(d)
EOP
	sox -n -r 8000 -c 100 -b 16 "$d/c100.wav" synth 0.1 sine 440
	bad_source not_found 'No such file' "{\"path\":\"$d/missing.wav\"}"
	bad_source bad_request 'not a regular file' "{\"path\":\"$d/dir.wav\"}"
	bad_source bad_request 'not a regular file' "{\"path\":\"$d/fifo.wav\"}"
	bad_source bad_request 'not a regular file' '{"path":"/dev/zero"}'
	bad_source bad_request 'not a sound file.*Format not recognised' \
	    "{\"path\":\"$d/text.wav\"}"
	bad_source bad_request "not a sound file libsndfile can read: .*WAV" \
	    "{\"path\":\"$d/trunc.wav\"}"
	bad_source bad_request 'holds no audio frames' \
	    "{\"path\":\"$d/empty.wav\"}"
	bad_source bad_request 'not a sound file.*channels' \
	    "{\"path\":\"$d/chans.wav\"}"
	bad_source bad_request '100 channels \(1 to 64 are played\)' \
	    "{\"path\":\"$d/c100.wav\"}"
	bad_source bad_request 'absolute path' '{"path":"s44.wav"}'
	bad_source bad_request 'needs "path"' '{}'
	bad_source bad_request 'quality: expected one of best, medium' \
	    "{\"path\":\"$BATS_FILE_TMPDIR/s44.wav\",\"quality\":\"superb\"}"
	bad_source bad_request 'loop: expected true or false' \
	    "{\"path\":\"$BATS_FILE_TMPDIR/s44.wav\",\"loop\":1}"
	amixd_alive
}

@test "a daemon running as nobody refuses a file it cannot read or write" {
	local d
	d=$(mktemp -d /tmp/amixd-files.XXXXXX)
	chmod 755 "$d"
	cp "$BATS_FILE_TMPDIR/short.wav" "$d/secret.wav"
	chmod 000 "$d/secret.wav"
	AMIXD_DIR=$BATS_TEST_TMPDIR amixd_start -u nobody
	bad_source denied 'cannot open: Permission denied' \
	    "{\"path\":\"$d/secret.wav\"}"
	run -0 req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/out.wav\"}}"
	assert_eq denied "$(jget "$output" .error.code)" "code"
	assert_match 'cannot write: Permission denied' \
	    "$(jget "$output" .error.message)" "message"
	assert_eq 0 "$(req '{"cmd":"list"}' | jq '.nodes | length')" "nodes"
	amixd_stop
	rm -rf "$d"
}

@test "an unwritable file_sink path is refused at create_node, never blocking" {
	local d=$BATS_TEST_TMPDIR out p
	mkdir "$d/dir.wav"
	mkfifo "$d/fifo.wav"
	for p in "not_found:$d/no/such/dir.wav" "bad_request:$d/dir.wav" \
	    "bad_request:$d/fifo.wav" bad_request:/dev/null; do
		out=$(printf '%s\n' \
		    "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"${p#*:}\"}}" \
		    '{"cmd":"ping"}' |
		    socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET")
		assert_eq "${p%%:*}" "$(printf '%s\n' "$out" | head -n 1 |
		    jq -r .error.code)" "code for $p"
		assert_eq true "$(printf '%s\n' "$out" | sed -n 2p | jq .ok)" \
		    "ping after $p"
	done
	[ ! -e "$d/no" ] || flunk "a directory was made"
	assert_eq 0 "$(req '{"cmd":"list"}' | jq '.nodes | length')" "nodes"
}

@test "file_sink: every container and sample format, checked by soxi; s16 dither is deterministic" {
	local d=$BATS_TEST_TMPDIR k fmt smp f bits bytes
	local fmts="wav flac w64 rf64 aiff raw" smps="f32 s16 s24"
	for k in 1 2; do
		mkdir -p "$d/$k"
		{
			echo "t = create tone freq=997 db=-6"
			for fmt in $fmts; do
				for smp in $smps; do
					[ "$fmt$smp" = flacf32 ] && continue
					echo "f_${fmt}_$smp = create file_sink path=$d/$k/$smp.$fmt sample=$smp"
					echo "connect \$t \$f_${fmt}_$smp"
				done
			done
			# Defaults: f32 by extension, s24 for FLAC; format= wins.
			echo "a = create file_sink path=$d/$k/default.wav"
			echo "b = create file_sink path=$d/$k/default.flac"
			echo "c = create file_sink path=$d/$k/named.xyz format=w64 sample=s16"
			echo "connect \$t \$a"
			echo "connect \$t \$b"
			echo "connect \$t \$c"
		} >"$d/fmt$k.am"
		run -0 amixd --render 0.5 "$d/fmt$k.am"
	done
	for fmt in $fmts; do
		for smp in $smps; do
			[ "$fmt$smp" = flacf32 ] && continue
			f=$d/1/$smp.$fmt
			bits=${smp#?}
			bits=${bits%f}
			[ "$smp" = f32 ] && bits=32
			if [ "$fmt" = raw ]; then
				bytes=$((24000 * 2 * bits / 8))
				assert_eq "$bytes" "$(stat -c %s "$f")" "size of $f"
			else
				case $fmt$smp in
				aifff32) assert_eq aifc "$(soxi -t "$f")" "type of $f" ;;
				rf64*) assert_eq RF64 "$(head -c 4 "$f")" "magic of $f" ;;
				*) assert_eq "$fmt" "$(soxi -t "$f")" "type of $f" ;;
				esac
				assert_eq 48000 "$(soxi -r "$f")" "rate of $f"
				assert_eq 2 "$(soxi -c "$f")" "channels of $f"
				assert_eq 24000 "$(soxi -s "$f")" "frames of $f"
				assert_eq "$bits" "$(soxi -b "$f")" "bits of $f"
				# sox reads float W64 as integers (its own too):
				# check that one by playing it back through amixd.
				[ "$fmt$smp" = w64f32 ] && f=$(playback "$f")
				out=$(sinefit "$f")
				assert_near -6 "$(jget "$out" .amp_db)" 0.01 "level of $f"
				f=$d/1/$smp.$fmt
			fi
			assert_eq "$(sha256sum <"$f")" \
			    "$(sha256sum <"$d/2/$smp.$fmt")" "two renders of $f"
		done
	done
	assert_eq 32 "$(soxi -b "$d/1/default.wav")" "default wav bits"
	assert_match 'Floating' "$(soxi -e "$d/1/default.wav")" "default wav"
	assert_eq 24 "$(soxi -b "$d/1/default.flac")" "default flac bits"
	assert_eq riff "$(head -c 4 "$d/1/named.xyz")" "format= wins"
	cp "$d/1/named.xyz" "$d/1/named.w64"
	assert_eq 16 "$(soxi -b "$d/1/named.w64")" "sample= wins"
	# FLAC holds no float.
	printf 't = create tone\nf = create file_sink path=%s format=flac sample=f32\n' \
	    "$d/bad.flac" >"$d/bad.am"
	run -1 --separate-stderr amixd --render 0.1 "$d/bad.am"
	assert_match 'flac holds s16 or s24' "$stderr"
}

@test "s16 output is dithered (TPDF, +-1 LSB) and s24 clips instead of wrapping" {
	local d=$BATS_TEST_TMPDIR out
	cat >"$d/q.am" <<EOS
t = create tone freq=1000 db=-200
l = create tone freq=1000 db=6
q = create file_sink path=$d/quiet.wav sample=s16
c = create file_sink path=$d/loud.wav sample=s24
connect \$t \$q
connect \$l \$c
EOS
	run -0 amixd --render 1 "$d/q.am"
	run -0 "$PY" - "$d/quiet.wav" "$d/loud.wav" <<'EOP'
import subprocess, sys
import numpy as np
def rd(p):
    raw = subprocess.run(["sox", "-V1", p, "-t", "s32", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i4").astype(np.int64)
q = rd(sys.argv[1]) >> 16          # 16-bit samples of silence
l = rd(sys.argv[2]) >> 8           # 24-bit samples of a +6 dB sine
print(int(q.min()), int(q.max()), round(np.count_nonzero(q) / len(q), 2),
      int(l.max()), int(l.min()))
EOP
	# Silence becomes -1, 0, +1 LSB noise, triangular: |d| >= 1/2 LSB,
	# so a sample is not 0, a quarter of the time. +6 dB sits at full
	# scale.
	assert_eq "-1 1 0.25 8388607 -8388608" "$output" \
	    "s16 min max non-zero share, s24 max min"
}

# Play FILE through a file_source into a 48 kHz float WAV; print its name.
playback() {
	printf 's = create file_source path=%s\nf = create file_sink path=%s\nconnect $s $f\n' \
	    "$1" "$1.wav" >"$1.am"
	amixd --render 0.5 "$1.am" && echo "$1.wav"
}

# Start a daemon of its own with a tone recorded into the sinks named.
record_start() {
	local p id=2
	AMIXD_DIR=$BATS_TEST_TMPDIR AMIXD_LOG=2 amixd_start
	req '{"cmd":"create_node","type":"tone","args":{"freq":440,"db":-6}}'
	for p in "$@"; do
		req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$p\"}}"
		req "{\"cmd\":\"connect\",\"from\":1,\"to\":$id}"
		id=$((id + 1))
	done
	req '{"cmd":"start"}'
}

# The frame count file_sink logged when it closed PATH, and what it lost.
closed_line() {
	grep -F "$1: closed," "$BATS_TEST_TMPDIR/amixd.log" |
	    sed 's/.*closed, \([0-9]*\) frames, \([0-9]*\) lost.*/\1 \2/'
}

@test "SIGKILL mid-recording leaves files soxi reads, short by at most a second" {
	local d=$BATS_TEST_TMPDIR f0 n f
	record_start "$d/k.wav" "$d/k.w64" "$d/k.rf64"
	wait_until 10 node_frames_above 2 $((48000 * 3))
	f0=$(node_frames 2)
	kill -KILL "$AMIXD_PID"
	wait "$AMIXD_PID" || true
	unset AMIXD_PID
	for f in "$d/k.wav" "$d/k.w64" "$d/k.rf64"; do
		n=$(soxi -s "$f")
		[ "$n" -ge $((f0 - 48000)) ] ||
		    flunk "$f: $n frames, node had $f0 before the kill"
		[ "${f##*.}" = w64 ] && f=$(playback "$f")
		run -0 sox "$f" -n stats
		assert_match 'RMS lev dB +-9' "$output" "$f level"
	done
}

@test "SIGTERM and SIGINT finalize every frame the sink took" {
	local d=$BATS_TEST_TMPDIR sig f0 n
	for sig in TERM INT; do
		record_start "$d/$sig.wav"
		wait_until 10 node_frames_above 2 48000
		f0=$(node_frames 2)
		kill -"$sig" "$AMIXD_PID"
		wait "$AMIXD_PID" || flunk "exit status $? on SIG$sig"
		unset AMIXD_PID
		n=$(soxi -s "$d/$sig.wav")
		[ "$n" -ge "$f0" ] || flunk "SIG$sig: $n frames, node had $f0"
		assert_eq 0 $((n % 128)) "frames % period"
		assert_eq "$n 0" "$(closed_line "$d/$sig.wav")" \
		    "frames in the file and lost, as the sink counted them"
		rm -f "$BATS_TEST_TMPDIR/amixd.log"
	done
}

@test "stop and destroy_node finalize: frames in the file == the node's frames" {
	local d=$BATS_TEST_TMPDIR frames n
	record_start "$d/a.wav" "$d/b.flac"
	wait_until 10 node_frames_above 2 24000
	req '{"cmd":"stop"}'
	# Stopped: every frame the node took is in the file already.
	frames=$(node_frames 2)
	assert_eq "$frames" "$(soxi -s "$d/a.wav")" "after stop"
	req '{"cmd":"destroy_node","id":2}'
	assert_eq "$frames" "$(soxi -s "$d/a.wav")" "after destroy_node"
	# Destroyed while running: the sink closes its file with all of it.
	req '{"cmd":"start"}'
	frames=$(node_frames 3)
	wait_until 10 node_frames_above 3 $((frames + 24000))
	req '{"cmd":"destroy_node","id":3}'
	wait_until 5 grep -q "b.flac: closed" "$BATS_TEST_TMPDIR/amixd.log"
	n=$(soxi -s "$d/b.flac")
	assert_eq "$n 0" "$(closed_line "$d/b.flac")" "frames and lost"
	[ "$n" -gt "$frames" ] || flunk "$n frames"
	amixd_stop
}

# True once the overrun events in LOG add up to node 2's overruns.
overruns_reported() {
	local lost sum
	lost=$(req '{"cmd":"stats"}' | jq '.nodes[] | select(.id == 2) | .overruns')
	sum=$(grep '"type":"overrun"' "$1" | jq -s 'map(.frames) | add // 0')
	[ "$lost" -gt 0 ] && [ "$lost" = "$sum" ]
}

@test "a writer that falls behind loses frames: counted and reported as overrun events" {
	local d=$BATS_TEST_TMPDIR log=$BATS_TEST_TMPDIR/events sub lost sum
	record_start "$d/o.wav"
	( printf '%s\n' '{"cmd":"subscribe","events":["xrun"]}' |
	    socat -t 30 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	sub=$!
	wait_until 5 grep -q '"ok":true' "$log"
	# Hold the sink's writer thread alone (ptrace) until the ring of
	# 2.7 s is full and frames are lost; the engine keeps running.
	run "$PY" "$AM_TOP/tests/tools/freeze.py" "$AMIXD_PID" amixd-fsink -- \
	    bash -c 'end=$((SECONDS + 10)); while [ $SECONDS -lt $end ]; do
		[ "$(amctl stats | jq ".nodes[] | select(.id == 2) | .overruns")" -gt 0 ] && exit 0
		sleep 0.05
	    done; exit 1'
	[ "$status" -ne 2 ] || skip "cannot ptrace here: $output"
	assert_eq 0 "$status" "freeze.py: no overrun within 10 s"
	# The writer runs again: the losses end, and their last report
	# follows within a tenth of a second.
	wait_until 5 overruns_reported "$log"
	req '{"cmd":"stop"}'
	lost=$(req '{"cmd":"stats"}' | jq '.nodes[] | select(.id == 2) | .overruns')
	[ "$lost" -gt 0 ] || flunk "no overruns counted"
	grep '"type":"overrun"' "$log" | jq -e '.node == 2' >/dev/null ||
	    flunk "event names another node: $(grep overrun "$log")"
	sum=$(grep '"type":"overrun"' "$log" | jq -s 'map(.frames) | add')
	assert_eq "$lost" "$sum" "frames in overrun events"
	# Rate-limited: nowhere near one event per lost period.
	[ "$(grep -c '"type":"overrun"' "$log")" -le 20 ] ||
	    flunk "$(grep -c overrun "$log") overrun events"
	amixd_stop
	# What the writer had left is in the file; the rest was lost.
	assert_eq "$(soxi -s "$d/o.wav") $lost" "$(closed_line "$d/o.wav")" \
	    "frames and lost at close"
	kill "$sub" 2>/dev/null || true
}

@test "two renders of file sources, converters and a resample node are byte-identical" {
	local d=$BATS_TEST_TMPDIR k
	for k in 1 2; do
		cat >"$d/g$k.am" <<EOS
open rate=48000 period=256
a = create file_source path=$BATS_FILE_TMPDIR/s44.flac
b = create file_source path=$BATS_FILE_TMPDIR/m44.wav quality=medium
c = create file_source path=$BATS_FILE_TMPDIR/loop44.wav loop=true quality=fast
e = create file_source path=$BATS_FILE_TMPDIR/s22.wav
t = create tone freq=333 db=-20
r = create resample rate=44100
ga = create gain db=-12
gb = create gain db=-12
m = create mixer
f = create file_sink path=$d/g$k.wav
connect \$a \$ga
connect \$b \$gb
connect \$ga \$m
connect \$gb \$m
connect \$c \$gb
connect \$t \$r
connect \$e \$r
connect \$r \$m
connect \$m \$f
EOS
		run -0 amixd --render 3.5 "$d/g$k.am"
	done
	assert_eq 168000 "$(soxi -s "$d/g1.wav")" "frames"
	assert_eq "$(sha256sum <"$d/g1.wav")" "$(sha256sum <"$d/g2.wav")" \
	    "sha256 of the two renders"
	run -0 sox "$d/g1.wav" -n stats
	assert_match 'Pk lev dB +-[0-9]' "$output"
}

@test "init failures that are not the client's fault are not bad_request" {
	# Missing: not_found; corrupt: bad_request (above). Out of
	# descriptors (EMFILE): internal, and the graph is as it was.
	AMIXD_DIR=$BATS_TEST_TMPDIR amixd_start
	run env PYTHONPATH="$AM_TOP/tests/tools" "$PY" - \
	    "$AUDIOMIXERD_SOCKET" "$AMIXD_PID" "$BATS_FILE_TMPDIR/short.wav" <<'EOP'
import json, os, resource, socket, sys
from refusal import list_shape
path, pid, wav = sys.argv[1], sys.argv[2], sys.argv[3]

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s, s.makefile("rb")

def req(c, obj):
    c[0].sendall((json.dumps(obj) + "\n").encode())
    return json.loads(c[1].readline())

src = {"cmd": "create_node", "type": "file_source", "args": {"path": wav}}
c = conn()
# Load libsndfile first: dlopen needs a descriptor too.
r = req(c, src)
assert r["ok"], r
assert req(c, {"cmd": "destroy_node", "id": r["id"]})["ok"]
fds = lambda: sorted(int(f) for f in os.listdir("/proc/%s/fd" % pid))
top = max(fds()) + 1
resource.prlimit(int(pid), resource.RLIMIT_NOFILE, (top, top + 64))
more = []
while len(fds()) < top:         # fill the holes below the limit
    more.append(conn())
    assert req(more[-1], {"cmd": "ping"})["ok"]
before = list_shape(c[0], c[1])
r = req(c, src)
print(json.dumps(r))
assert not r["ok"] and r["error"]["code"] == "internal", r
assert "Too many open files" in r["error"]["message"], r
assert list_shape(c[0], c[1]) == before, "graph changed"
resource.prlimit(int(pid), resource.RLIMIT_NOFILE, (top + 64, top + 64))
r = req(c, src)
assert r["ok"], r
EOP
	[ "$status" -eq 0 ] || flunk "$output"
	amixd_alive
	amixd_stop
}
