#!/usr/bin/env bats
# Reference renders: a fixed set of graphs (tests/reference/render.sh:
# every tone waveform, gain, mixer, level ramps, resample domains, file
# sources played and converted, file sinks of every container and sample
# format, amtone's encoders) rendered offline give the bytes whose
# checksums are committed in tests/reference/SHA256SUMS. A refactor that
# keeps behaviour keeps every byte; one that means to change the output
# regenerates the file and says why.
#
# The sample kernels are dispatched at run time (SSE2, AVX2, NEON or the
# scalar reference); each set computes the reference's bits by design
# (no FMA contraction, fixed lane order; tests/unit/test_dsp_simd.c and
# test_afmt_simd.c check the kernels on edge tables). Here every set this
# CPU runs is forced in turn with AMIXD_KERNELS and must give the same
# checksums, so the committed ones hold on any CPU. They do depend on the
# libraries the renders call (libm's sin, libsamplerate, libsoxr,
# libsndfile and libFLAC as Debian 12 ships them).

load helpers

REF=$BATS_TEST_DIRNAME/reference

# kernels: the sets to force, the default ("") and the reference first.
kernels() {
	local k="default ref"
	case $(uname -m) in
	x86_64)
		k="$k sse2"
		grep -qw avx2 /proc/cpuinfo && k="$k avx2"
		;;
	aarch64) k="$k neon" ;;
	esac
	echo "$k"
}

@test "reference graphs render to the committed bytes with every kernel set" {
	local d=$BATS_TEST_TMPDIR k
	for k in $(kernels); do
		if [ "$k" = default ]; then
			run -0 --separate-stderr "$REF/render.sh" "$d/$k"
		else
			AMIXD_KERNELS=$k run -0 --separate-stderr \
			    "$REF/render.sh" "$d/$k"
		fi
		printf '%s\n' "$output" >"$d/$k.sums"
		diff -u "$REF/SHA256SUMS" "$d/$k.sums" ||
		    flunk "kernels $k: renders differ from tests/reference/SHA256SUMS"
	done
}

@test "the reference set is not trivial: every output has sound, of the length asked" {
	local d=$BATS_TEST_TMPDIR f
	run -0 --separate-stderr "$REF/render.sh" "$d/r"
	[ "$(wc -l <"$REF/SHA256SUMS")" -ge 40 ] || flunk "too few references"
	for f in "$d"/r/*.wav "$d"/r/*.flac "$d"/r/*.aiff; do
		out=$(sox -V1 "$f" -n stats 2>&1 | awk '/^Pk lev dB/ { print $4 }')
		[ -n "$out" ] && [ "$out" != "-inf" ] || flunk "$f is silent"
	done
	assert_eq 24000 "$(soxi -s "$d/r/sine.wav")" "frames of sine.wav"
	# Four renders of 0.25 s, then the 0.001 s of --render.
	assert_eq 48048 "$(soxi -s "$d/r/ramp.wav")" "frames of ramp.wav"
	assert_eq 28800 "$(soxi -s "$d/r/conv-best.wav")" "frames of conv-best.wav"
}
