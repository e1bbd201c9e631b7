#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# amcat: usage, playing (bit-exact at the graph rate, resampled from
# 44.1 kHz, WAV and FLAC input, --db), backpressure over a minute of
# audio in real time, 32 streams at once, recording (bit-exact against
# an offline render, frames lost when the reader stalls), signals, the
# progress line, and the EXAMPLES of amcat(1); channels (issue 16): 8
# channels through the graph and back, a 5.1 stream down-mixed by rule,
# a pair relabelled by --layout, WAVEX headers of recordings.

load helpers
load apphelpers


setup_file() {
	amixd_start
	req '{"cmd":"start"}' >/dev/null
	DEV=$(jget "$(req '{"cmd":"create_node","type":"device_sink"}')" .id)
	export DEV
}

teardown_file() {
	amixd_stop
}

# A status field of process $1 (voluntary_ctxt_switches, VmRSS...).
pstat() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

@test "amcat: -h prints the usage; bad usage exits 2" {
	run -0 --separate-stderr amcat -h
	assert_match '^usage: amcat \[-v\] \[-s SOCK\]' "$output"
	run -2 --separate-stderr amcat --record -f s16
	assert_match 'record takes only' "$stderr"
	run -2 --separate-stderr amcat -c 0
	assert_match '^amcat: -c: .*out of range' "$stderr"
	run -2 --separate-stderr amcat -c 65
	assert_match '^amcat: -c: .*out of range' "$stderr"
	run -2 --separate-stderr amcat --record --layout FL,FL
	assert_match '^amcat: --layout: .*FL' "$stderr"
	run -1 --separate-stderr amcat --layout 5.1 -c 2 </dev/null
	assert_match 'layout FL,FR,FC,LFE,RL,RR has 6 channels, the stream 2' "$stderr"
	run -1 --separate-stderr amcat --record --layout 5.1 -c 8
	assert_match 'has 6 channels, the stream 8' "$stderr"
	run -2 --separate-stderr amcat --from 3
	assert_match 'need --record' "$stderr"
	run -2 --separate-stderr amcat -f u8
	assert_match 'unknown format: u8' "$stderr"
	run -2 --separate-stderr amcat --latency -1
	assert_match 'out of range' "$stderr"
	run -2 --separate-stderr amcat --latency 5001
	assert_match 'out of range' "$stderr"
	run -1 --separate-stderr amcat --to 999 </dev/null
	assert_match 'no node 999' "$stderr"
}

@test "amtone -f 1000 -d 2 -F f32 | amcat: the file holds exactly the input, sample for sample" {
	local d=$BATS_TEST_TMPDIR fs out
	fs=$(file_sink "$d/out.wav")
	amtone -f 1000 -d 2 -F f32 >"$d/in.f32"
	run -0 --separate-stderr bash -c "amtone -f 1000 -d 2 -F f32 | amcat --to $fs"
	assert_eq "" "$stderr" "amcat is quiet when stderr is no terminal"
	destroy_wait "$fs" "$d/out.wav"
	out=$(seg same "$d/out.wav" "$d/in.f32")
	assert_eq true "$(jget "$out" .equal)" "bit-exact ($out)"
	assert_eq 96000 "$(jget "$out" .frames)" "frames"
	assert_eq 0 "$(jget "$out" .outside)" "silence around it"
}

@test "amtone -r 44100 | amcat -r 44100: right frequency and level at 48 kHz" {
	local d=$BATS_TEST_TMPDIR fs out
	fs=$(file_sink "$d/out.wav")
	run -0 bash -c "amtone -r 44100 -f 1000 -d 2 | amcat -r 44100 --to $fs"
	destroy_wait "$fs" "$d/out.wav"
	seg trim "$d/out.wav" "$d/trim.wav"
	out=$(sinefit "$d/trim.wav" 0 0.1)
	assert_eq 48000 "$(jget "$out" .rate)" "rate"
	assert_near 2.0 "$(jget "$out" .frames | awk '{print $1 / 48000}')" 0.01 "seconds"
	assert_near 1000 "$(jget "$out" .freq)" 0.05 "frequency (Hz)"
	assert_near -6.0 "$(jget "$out" .amp_db)" 0.05 "level (dBFS)"
	[ "$(jget "$out" .resid_db | cut -d. -f1)" -lt -60 ] ||
	    flunk "residual: $out"
}

@test "amcat reads WAV from a pipe and a file, FLAC from a file, s16 raw" {
	local d=$BATS_TEST_TMPDIR fs out
	amtone -f 1000 -d 1 -F f32 >"$d/in.f32"
	fs=$(file_sink "$d/a.wav")
	run -0 bash -c "amtone -f 1000 -d 1 -t wav | amcat --to $fs"
	destroy_wait "$fs" "$d/a.wav"
	out=$(seg same "$d/a.wav" "$d/in.f32")
	assert_eq true "$(jget "$out" .equal)" "WAV on a pipe: bit-exact"
	amtone -f 1000 -d 1 -t wav >"$d/in.wav"
	fs=$(file_sink "$d/b.wav")
	run -0 amcat --to "$fs" "$d/in.wav"
	destroy_wait "$fs" "$d/b.wav"
	out=$(seg same "$d/b.wav" "$d/in.f32")
	assert_eq true "$(jget "$out" .equal)" "WAV file: bit-exact"
	sox -n -r 44100 -c 1 -b 16 "$d/in.flac" synth 1 sine 500 vol 0.5
	fs=$(file_sink "$d/c.wav")
	run -0 amcat --to "$fs" "$d/in.flac"
	destroy_wait "$fs" "$d/c.wav"
	# the sink follows its input: a mono file is recorded as mono
	assert_eq "0xfffe 1 0x4" "$(wavex "$d/c.wav")" "FLAC: a mono file"
	seg trim "$d/c.wav" "$d/c-trim.wav"
	out=$(sinefit "$d/c-trim.wav" 0 0.1)
	assert_near 500 "$(jget "$out" .freq)" 0.05 "FLAC: frequency"
	assert_near -6.02 "$(jget "$out" .amp_db)" 0.1 "FLAC: level"
	run -1 --separate-stderr bash -c "cat '$d/in.flac' | amcat --to $DEV"
	assert_match 'FLAC cannot be read from a pipe' "$stderr"
	fs=$(file_sink "$d/d.wav")
	run -0 bash -c "amtone -f 1000 -d 1 -F s16 -c 1 | amcat -f s16 -c 1 --to $fs"
	destroy_wait "$fs" "$d/d.wav"
	assert_eq "0xfffe 1 0x4" "$(wavex "$d/d.wav")" "s16 mono: a mono file"
	seg trim "$d/d.wav" "$d/d-trim.wav"
	out=$(sinefit "$d/d-trim.wav" 0 0.1)
	assert_near -6.0 "$(jget "$out" .amp_db)" 0.05 "s16 mono: level"
}

# round8 NAME AMCAT-ARGS...: amcat ARGS plays into a gain node that
# amcat --record -c 8 records: $d/NAME.wav. The nodes carry the ring's
# layout (7.1): all eight arrive.
round8() {
	local name=$1 g pid
	shift
	g=$(jget "$(req '{"cmd":"create_node","type":"gain"}')" .id)
	timeout 60 amcat --record -c 8 --from "$g" -d 2.5 >"$d/$name.wav" 3>&- &
	pid=$!
	wait_until 20 count_type_is app_sink 1
	"$@" --to "$g" || flunk "$name: amcat failed"
	wait "$pid" || flunk "$name: amcat --record failed"
	destroy "$g"
}

@test "amcat plays 8 channels (WAVEX 7.1 and raw s16) and records 8: each channel its own tone" {
	local d=$BATS_TEST_TMPDIR n
	req '{"cmd":"start"}' >/dev/null
	amtone -c 8 -f 200 --spread 100 -d 1 -t wav >"$d/in.wav"
	assert_eq "0xfffe 8 0x63f" "$(wavex "$d/in.wav")" "the input: WAVEX, 7.1"
	round8 wav amcat "$d/in.wav"
	assert_eq "0xfffe 8 0x63f" "$(wavex "$d/wav.wav")" "the recording: WAVEX, 7.1"
	n=$(fits_spread "$d/wav.wav" 200 100) || flunk "WAV input"
	assert_eq 8 "$n" "WAV: channels arrived"
	amtone -c 8 -f 300 --spread 50 -d 1 -F s16 >"$d/in.s16"
	round8 raw amcat -c 8 -f s16 "$d/in.s16"
	n=$(fits_spread "$d/raw.wav" 300 50) || flunk "raw s16 input"
	assert_eq 8 "$n" "raw: channels arrived"
	wait_until 5 no_app_nodes
}

# rec2 NAME AMCAT-ARGS...: as round8, recorded as stereo: $d/NAME.wav,
# trimmed to $d/NAME.trim.wav.
rec2() {
	local name=$1 g pid
	shift
	g=$(jget "$(req '{"cmd":"create_node","type":"gain"}')" .id)
	timeout 60 amcat --record --from "$g" -d 2.5 >"$d/$name.wav" 3>&- &
	pid=$!
	wait_until 20 count_type_is app_sink 1
	"$@" --to "$g" || flunk "$name: amcat failed"
	wait "$pid" || flunk "$name: amcat --record failed"
	destroy "$g"
	seg trim "$d/$name.wav" "$d/$name.trim.wav"
}

@test "amcat: a 5.1 stream recorded as stereo is down-mixed by rule (BS.775, LFE out); --layout FR,FL swaps a pair" {
	local d=$BATS_TEST_TMPDIR out k fits
	# A: -12 dBFS; H: A / sqrt(2), what FC and the rears give each side
	# (L peaks at A + 2H = 0.6: no down-mix headroom needed)
	local A=0.251189 H=0.177617
	req '{"cmd":"start"}' >/dev/null
	amtone -c 6 -f 200 --spread 100 --db -12 -d 1 -t wav >"$d/in51.wav"
	rec2 dm amcat "$d/in51.wav"
	out=$("$PY" "$AM_TOP/tests/tools/chfit.py" "$d/dm.trim.wav" 200 300 400 500 600 700)
	assert_eq 2 "$(jq .channels <<<"$out")" "a stereo recording"
	local want_l=($A 0 $H 0 $H 0) want_r=(0 $A $H 0 0 $H)
	for k in 0 1 2 3 4 5; do
		assert_near "${want_l[$k]}" "$(jq ".amp[0][$k]" <<<"$out")" 1e-3 "L: source channel $k"
		assert_near "${want_r[$k]}" "$(jq ".amp[1][$k]" <<<"$out")" 1e-3 "R: source channel $k"
	done
	# a pair labelled FR,FL: the link matches positions by name
	amtone -c 2 -f 200 --spread 100 -d 1 >"$d/pair.f32"
	rec2 sw amcat -c 2 --layout FR,FL "$d/pair.f32"
	fits=$(sinefit "$d/sw.trim.wav" all 0.1)
	assert_near 300 "$(jq -r 'select(.channel == 0) | .freq' <<<"$fits")" 0.05 "FL gets the channel labelled FL"
	assert_near 200 "$(jq -r 'select(.channel == 1) | .freq' <<<"$fits")" 0.05 "FR gets the channel labelled FR"
	wait_until 5 no_app_nodes
}

@test "amcat --record -c and --layout: a WAVEX header with the layout's mask, mono and stereo plain" {
	local d=$BATS_TEST_TMPDIR tone out
	req '{"cmd":"start"}' >/dev/null
	tone=$(jget "$(req '{"cmd":"create_node","type":"tone","args":{"freq":997,"db":-6}}')" .id)
	timeout 60 amcat --record --from "$tone" -c 6 --layout 5.1 -d 0.5 >"$d/r6.wav"
	assert_eq "0xfffe 6 0x3f" "$(wavex "$d/r6.wav")" "5.1: WAVEX, its mask"
	assert_eq 6 "$(soxi -c "$d/r6.wav")" "soxi: 6 channels"
	assert_eq 24000 "$(soxi -s "$d/r6.wav")" "soxi: frames"
	# the stereo tone on FL and FR, the other four silent
	run -0 "$PY" -c '
import subprocess, sys, numpy as np
raw = subprocess.run(["sox", "-V1", sys.argv[1], "-t", "f32", "-"],
                     capture_output=True, check=True).stdout
x = np.frombuffer(raw, "<f4").reshape(-1, 6)[4800:]
print(" ".join("%.2f" % (20 * np.log10(max(np.abs(x[:, k]).max(), 1e-10)))
               for k in range(6)))' "$d/r6.wav"
	assert_eq "-6.00 -6.00 -200.00 -200.00 -200.00 -200.00" "$output" "peak dBFS by channel"
	timeout 60 amcat --record --from "$tone" --layout FL,FR,LFE -d 0.2 >"$d/r3.wav"
	assert_eq "0xfffe 3 0xb" "$(wavex "$d/r3.wav")" "FL,FR,LFE: WAVEX, mask 0xb"
	timeout 60 amcat --record --from "$tone" -c 1 -d 0.2 >"$d/r1.wav"
	assert_eq "3 1" "$(wavex "$d/r1.wav")" "mono: the plain float header"
	out=$(sinefit "$d/r1.wav" 0 0.05)
	assert_near 997 "$(jget "$out" .freq)" 0.05 "mono: frequency"
	assert_near -6.02 "$(jget "$out" .amp_db)" 0.1 "mono: level"
	timeout 60 amcat --record --from "$tone" -d 0.2 >"$d/r2.wav"
	assert_eq "3 2" "$(wavex "$d/r2.wav")" "stereo: the plain float header, as before"
	destroy "$tone"
	wait_until 5 no_app_nodes
}

@test "amcat --db puts a gain node between, and takes it away" {
	local d=$BATS_TEST_TMPDIR fs out shape
	shape=$(graph_shape)
	fs=$(file_sink "$d/g.wav")
	run -0 bash -c "amtone -f 1000 -d 1 | amcat --db -6 --to $fs"
	destroy_wait "$fs" "$d/g.wav"
	seg trim "$d/g.wav" "$d/g-trim.wav"
	# The peak: a gap from an underrun on a loaded machine leaves it be.
	out=$(sox -V1 "$d/g-trim.wav" -n stats 2>&1 |
	    awk '/^Pk lev dB/ { print $4 }')
	assert_near -12.0 "$out" 0.05 "peak level (dBFS)"
	assert_eq "$shape" "$(graph_shape)" "graph as before"
}

@test "backpressure: a minute of audio takes a minute, flat memory, few wake-ups" {
	local pid t0 t1 rss0 rss1 v0 v1 secs rate
	t0=$(date +%s.%N)
	amtone -d 60 | amcat --to "$DEV" 3>&- &
	pid=$!
	sleep 5
	rss0=$(pstat "$pid" VmRSS)
	v0=$(pstat "$pid" voluntary_ctxt_switches)
	sleep 40
	rss1=$(pstat "$pid" VmRSS)
	v1=$(pstat "$pid" voluntary_ctxt_switches)
	wait "$pid"
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	assert_near 60 "$secs" 3 "seconds for 60 s of audio (±5 %)"
	[ $((rss1 - rss0)) -le 64 ] || flunk "RSS grew from $rss0 to $rss1 kB"
	rate=$(((v1 - v0) / 40))
	# One wake-up per half latency (50 ms): 20/s, against 375 periods/s.
	[ "$rate" -le 40 ] || flunk "$rate wake-ups/s"
}

# Stream underrun events in xrun event file $1 (they name their frames).
stream_underruns() {
	jq -s '[.[] | select(.event == "xrun" and .type == "underrun" and .frames != null)] | length' "$1"
}

# Play $2 streams of 8 s into mixer $1, events to $3; prints the
# engine's own xruns meanwhile.
streams() {
	local i ev x0 x1 pids=()
	amctl '{"cmd":"subscribe","events":["xrun"]}' >"$3" 3>&- &
	ev=$!
	x0=$(req '{"cmd":"stats"}' | jq .xruns)
	for i in $(seq 1 "$2"); do
		amtone -f $((200 + 20 * i)) --db -40 -d 8 | amcat --to "$1" 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
	x1=$(req '{"cmd":"stats"}' | jq .xruns)
	kill "$ev"
	wait "$ev" 2>/dev/null || true
	echo $((x1 - x0))
}

@test "32 concurrent streams mix without underruns beyond the baseline" {
	local d=$BATS_TEST_TMPDIR mix x1 x32 b1 n32
	mix=$(jget "$(req '{"cmd":"create_node","type":"mixer"}')" .id)
	req "{\"cmd\":\"connect\",\"from\":$mix,\"to\":$DEV}" >/dev/null
	# The baseline: one stream alone, on this machine, now.
	x1=$(streams "$mix" 1 "$d/ev1")
	b1=$(stream_underruns "$d/ev1")
	x32=$(streams "$mix" 32 "$d/ev32")
	n32=$(stream_underruns "$d/ev32")
	destroy "$mix"
	wait_until 5 no_app_nodes
	echo "# underrun events: 1 stream $b1 (engine xruns $x1), 32 streams $n32 (engine xruns $x32)" >&3
	# Each of the 32 may starve as often as the one did alone; beyond
	# that, a client starves only if it misses its wake-up by 50 ms (half
	# the latency), and a stall of the machine that long also makes the
	# engine late: allow one event per engine xrun, plus 2.
	[ "$n32" -le $((32 * b1 + x32 + 2)) ] ||
	    flunk "$n32 underrun events with 32 streams; 1 stream: $b1; engine xruns: $x32"
}

@test "amcat --record of a tone node matches an offline render of it" {
	local d=$BATS_TEST_TMPDIR tone pid out
	req '{"cmd":"stop"}' >/dev/null
	tone=$(jget "$(req '{"cmd":"create_node","type":"tone","args":{"freq":997,"db":-3}}')" .id)
	timeout 60 amcat --record --from "$tone" -d 1 >"$d/rec.wav" 3>&- &
	pid=$!
	wait_until 20 count_type_is app_sink 1
	req '{"cmd":"start"}' >/dev/null
	wait "$pid" || flunk "amcat --record failed"
	destroy "$tone"
	printf '%s\n' 't = create tone freq=997 db=-3' \
	    "f = create file_sink path=$d/render.wav" 'connect $t $f' >"$d/g.am"
	run -0 amixd --render 2 "$d/g.am"
	run -0 soxi -s "$d/rec.wav"
	assert_eq 48000 "$output" "frames recorded"
	out=$(seg find "$d/render.wav" "$d/rec.wav")
	assert_eq 0 "$(jget "$out" .offset)" "offset in the render"
	assert_eq 0 "$(jget "$out" .maxdiff)" "largest difference"
}

@test "amcat --record exits 1 and says how many frames were lost" {
	local tone
	req '{"cmd":"start"}' >/dev/null	# whatever the test before left
	tone=$(jget "$(req '{"cmd":"create_node","type":"tone"}')" .id)
	run -1 --separate-stderr bash -c \
	    "set -o pipefail; timeout 60 amcat --record --from $tone -d 2 -t raw | { sleep 3; cat >/dev/null; }"
	assert_match '^amcat: [0-9]+ frames lost' "$stderr"
	destroy "$tone"
	wait_until 5 no_app_nodes
}

@test "amcat --record takes the first mixer by default; -t raw is bare f32" {
	local mix tone out
	mix=$(jget "$(req '{"cmd":"create_node","type":"mixer"}')" .id)
	tone=$(jget "$(req '{"cmd":"create_node","type":"tone","args":{"freq":1000}}')" .id)
	req "{\"cmd\":\"connect\",\"from\":$tone,\"to\":$mix}" >/dev/null
	amcat --record -d 0.5 -t raw >"$BATS_TEST_TMPDIR/r.f32"
	destroy "$tone"
	destroy "$mix"
	assert_eq $((24000 * 8)) "$(stat -c %s "$BATS_TEST_TMPDIR/r.f32")" "bytes"
	sox -t f32 -r 48000 -c 2 "$BATS_TEST_TMPDIR/r.f32" "$BATS_TEST_TMPDIR/r.wav"
	out=$(sinefit "$BATS_TEST_TMPDIR/r.wav" 0 0.1)
	assert_near 1000 "$(jget "$out" .freq)" 0.1 "frequency (Hz)"
}

@test "amcat --record -r 44100 and -r 22050: the engine converts; a clean tone at the rate asked" {
	local tone rate out d=$BATS_TEST_TMPDIR
	req '{"cmd":"start"}' >/dev/null
	tone=$(jget "$(req '{"cmd":"create_node","type":"tone","args":{"freq":997,"db":-6}}')" .id)
	for rate in 44100 22050; do
		timeout 60 amcat --record --from "$tone" -r "$rate" -d 1 >"$d/r$rate.wav"
		assert_eq "$rate" "$(soxi -r "$d/r$rate.wav")" "-r $rate: rate"
		assert_eq "$rate" "$(soxi -s "$d/r$rate.wav")" "-r $rate: frames"
		out=$(sinefit "$d/r$rate.wav" 0 0.05)
		assert_near 997 "$(jget "$out" .freq)" 0.05 "-r $rate: frequency"
		assert_near -6.02 "$(jget "$out" .amp_db)" 0.1 "-r $rate: level"
		[ "$(jq '.resid_db < -60' <<<"$out")" = true ] ||
		    flunk "-r $rate: residual above -60 dB" "$out"
	done
	destroy "$tone"
	wait_until 5 no_app_nodes
}

@test "amcat shows a progress line on a terminal" {
	command -v script >/dev/null || skip "no script(1)"
	run -0 script -qec "amtone -d 1 | amcat --to $DEV" /dev/null
	assert_match 'amcat: +[0-9]+\.[0-9]{2} s  buffer +[0-9]+%  underruns 0' "$output"
}

@test "SIGINT ends amcat cleanly, status 1; a destroyed node ends it too" {
	local pid id rc
	amtone -d 30 | amcat --to "$DEV" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until 20 count_type_is app_source 1
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_eq 1 "$rc" "exit status"
	assert_eq "amcat: interrupted" "$(cat "$BATS_TEST_TMPDIR/err")" "stderr"
	wait_until 5 no_app_nodes
	amtone -d 30 | amcat --to "$DEV" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until 20 count_type_is app_source 1
	id=$(req '{"cmd":"list"}' | jq '.nodes[] | select(.type == "app_source") | .id')
	destroy "$id"
	rc=0
	wait "$pid" || rc=$?
	assert_eq 1 "$rc" "exit status"
	assert_eq "amcat: our node was destroyed" "$(cat "$BATS_TEST_TMPDIR/err")" "stderr"
}

# amcat(1) rendered as text; page_has: it shows line $1.
page_has() {
	mandoc -Tascii -O width=200 "$AM_TOP/man/amcat.1" | col -bx |
	    sed 's/^ *//' | grep -qxF -- "$1" ||
	    flunk "man/amcat.1 no longer shows: $1"
}

@test "amcat(1) EXAMPLES: play a tone, play raw CD-rate audio, record the mix" {
	local d=$BATS_TEST_TMPDIR t0 t1 mix tone
	mix=$(jget "$(req '{"cmd":"create_node","type":"mixer"}')" .id)
	tone=$(jget "$(req '{"cmd":"create_node","type":"tone","args":{"freq":440}}')" .id)
	req "{\"cmd\":\"connect\",\"from\":$tone,\"to\":$mix}" >/dev/null
	req "{\"cmd\":\"connect\",\"from\":$mix,\"to\":$DEV}" >/dev/null
	cd "$d"
	page_has '$ amtone -f 1000 -d 2 -F f32 | amcat'
	t0=$(date +%s%N)
	run -0 --separate-stderr bash -c 'amtone -f 1000 -d 2 -F f32 | amcat'
	t1=$(date +%s%N)
	assert_near 2.1 "$(awk -v n=$((t1 - t0)) 'BEGIN { print n / 1e9 }')" 0.3 "seconds"
	page_has '$ amcat -r 44100 -f s16 --db -6 < song.raw'
	amtone -r 44100 -F s16 -d 1 >song.raw
	run -0 bash -c 'amcat -r 44100 -f s16 --db -6 < song.raw'
	page_has '$ amcat --record -d 5 > mix.wav'
	run -0 bash -c 'amcat --record -d 5 > mix.wav'
	assert_eq 240000 "$(soxi -s mix.wav)" "frames recorded"
	assert_near 440 "$(jget "$(sinefit mix.wav)" .freq)" 0.1 "frequency (Hz)"
	destroy "$tone"
	destroy "$mix"
}
