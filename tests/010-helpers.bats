#!/usr/bin/env bats
# The shared helpers the other suites lean on: wait_until bounds wall
# time, not tries (a full make check once spent minutes in a
# "wait_until 5" whose every try took a second); sinefit sees below the
# noise of anything it judges (it once read every float WAV through sox,
# whose floats stop at 146 dB for a -6 dBFS sine).

load helpers

# A probe that takes a second and fails.
slow_false() {
	sleep 1
	false
}

@test "wait_until: a slow probe cannot stretch the bound" {
	local t0
	now_us
	t0=$REPLY
	run -1 --separate-stderr wait_until 1.5 slow_false
	now_us
	assert_match "not true after 1.5s" "$stderr"
	[ $((REPLY - t0)) -lt 2500000 ] ||
	    flunk "took $(((REPLY - t0) / 1000)) ms for a bound of 1.5 s"
}

@test "wait_until: a probe that hangs is killed with its children" {
	local t0 mark=$BATS_TEST_TMPDIR/alive
	now_us
	t0=$REPLY
	# The pipeline's sleep touches the mark unless it was killed.
	run -1 wait_until 1 bash -c "sleep 3 && touch '$mark' | cat"
	now_us
	[ $((REPLY - t0)) -lt 2000000 ] ||
	    flunk "took $(((REPLY - t0) / 1000)) ms for a bound of 1 s"
	sleep 2.5
	[ ! -e "$mark" ] || flunk "a child of the probe outlived it"
}

@test "wait_until: succeeds as soon as the probe does, and sees variables" {
	local f=$BATS_TEST_TMPDIR/x want=yes
	( sleep 0.3; echo yes >"$f" ) 3>&- &
	has_it() { [ "$(cat "$f" 2>/dev/null)" = "$want" ]; }
	wait_until 5 has_it
	run -1 wait_until 0.2 false
}

@test "sinefit: a WAV of floats is read as written, not on sox's grid of 2^-24" {
	local d=$BATS_TEST_TMPDIR out
	amtone -f 1000 --db -6 -r 48000 -d 2 -F f32 -t wav >"$d/f.wav"
	out=$(sinefit "$d/f.wav" 0 0.5 1)
	assert_eq 96000 "$(jget "$out" .frames)" "frames: all of the file"
	# float32 rounding alone: 153 dB down.
	[ "$(jget "$out" '.resid_db <= -150')" = true ] ||
	    flunk "residual $(jget "$out" .resid_db) dB, want <= -150"
	# sox rewrites the floats on its grid: 146 dB, which this sees.
	sox "$d/f.wav" -e floating-point -b 32 "$d/sox.wav"
	out=$(sinefit "$d/sox.wav" 0 0.5 1)
	[ "$(jget "$out" '.resid_db > -147')" = true ] ||
	    flunk "sox's copy: residual $(jget "$out" .resid_db) dB, want > -147"
}
