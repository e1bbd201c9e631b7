/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the sample kernels against tables of exact answers,
 * worked out beforehand in IEEE single precision (numpy float32), not by
 * the code under test: mixing (dsp_add: ties to even, overflow to
 * infinity, signed zeros, denormals kept, no clipping), gain (dsp_scale
 * at 0 dB is an exact copy, halving rounds the smallest denormal to 0),
 * level ramps (frame k of a ramp at from + step * k, its last exactly
 * its target, whatever the period split), the non-finite check
 * (dsp_finite), clipping (am_afmt_clip: to +-1, NaN to 0, counted), link
 * conversion (dsp_matrix_add) and ramps over other channel counts.
 * Each table runs through every kernel set this machine runs (the
 * scalar reference, SSE2, AVX2, NEON) by pointing dsp_ops_cur and
 * am_afmt_ops_cur at it and calling the public entry points, so both
 * the kernels and the dispatch are checked; test_dsp_simd.c compares
 * the sets with each other on random tables. Lengths of 67 samples run
 * the eight-lane bodies and the tails. Default floating-point mode (no
 * FTZ): the denormal rows hold there.
 */

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "afmt.h"
#include "afmt_isa.h"
#include "dsp.h"
#include "dsp_isa.h"
#include "t.h"

#define LEN	67		/* samples: bodies of 8 and 16, and a tail */
#define GAIN_N	7		/* samples of gain_in */

struct mix_row {
	float a, b, sum;
	const char *what;
};

struct gain_row {
	float g;
	float out[GAIN_N];
	const char *what;
};

static const struct mix_row mix_rows[] = {
	{ 0x1p-1f, 0x1p-2f, 0x1.8p-1f, "exact sum" },
	{ 0x1p+0f, 0x1p+0f, 0x1p+1f, "over full scale: no clipping in a mix" },
	{ -0.0f, 0.0f, 0.0f, "-0 + +0 = +0" },
	{ -0.0f, -0.0f, -0.0f, "-0 + -0 = -0" },
	{ 0x1p-149f, 0.0f, 0x1p-149f, "smallest denormal kept" },
	{ 0x1.fffffep+127f, 0x1.fffffep+127f, INFINITY, "overflow to +inf" },
	{ -0x1.fffffep+127f, -0x1.fffffep+127f, -INFINITY,
	    "overflow to -inf" },
	{ 0x1p+0f, 0x1p-24f, 0x1p+0f, "a tie rounds to even: down" },
	{ 0x1p+0f, 0x1.8p-24f, 0x1.000002p+0f, "above the tie: up" },
	{ 0x1.99999ap-4f, 0x1.99999ap-3f, 0x1.333334p-2f, "0.1f + 0.2f" },
	{ -0x1p+0f, 0x1p-2f, -0x1.8p-1f, "signs" },
	{ 0x1p+0f, -0x1p+0f, 0.0f, "cancel to +0" },
};

/* The samples every gain row scales. */
static const float gain_in[GAIN_N] = {
	0x1.8p-1f, -0.0f, 0x1p-149f, 0x1p+0f, 0x1.fffffep+127f,
	0x1.99999ap-4f, -0x1.333334p-2f
};

static const struct gain_row gain_rows[] = {
	{ 0x1p+0f, { 0x1.8p-1f, -0.0f, 0x1p-149f, 0x1p+0f, 0x1.fffffep+127f,
	    0x1.99999ap-4f, -0x1.333334p-2f },
	    "0 dB: an exact copy, -0 and denormals too" },
	{ 0x1p-1f, { 0x1.8p-2f, -0.0f, 0.0f, 0x1p-1f, 0x1.fffffep+126f,
	    0x1.99999ap-5f, -0x1.333334p-3f },
	    "halved: the smallest denormal rounds to 0" },
	{ 0x1.99999ap-4f, { 0x1.333334p-4f, -0.0f, 0.0f, 0x1.99999ap-4f,
	    0x1.999998p+124f, 0x1.47ae16p-7f, -0x1.eb852p-6f },
	    "-20 dB" },
	{ -0x1p+0f, { -0x1.8p-1f, 0.0f, -0x1p-149f, -0x1p+0f,
	    -0x1.fffffep+127f, -0x1.99999ap-4f, 0x1.333334p-2f },
	    "inverted" },
	{ 0.0f, { 0.0f, -0.0f, 0.0f, 0.0f, 0.0f, 0.0f, -0.0f },
	    "silence keeps the signs" },
};

/* dB to the float factor nodes use: values exact in binary or rounded. */
static const struct {
	double db;
	float gain;
} db_rows[] = {
	{ 0.0, 0x1p+0f }, { 20.0, 0x1.4p+3f }, { 40.0, 0x1.9p+6f },
	{ -20.0, 0x1.99999ap-4f }, { -40.0, 0x1.47ae14p-7f },
	{ -200.0, 0x1.b7cdfep-34f },
};

static float t_a[LEN], t_b[LEN], t_out[LEN];

/* Same bits (so -0 is not 0 and a wrong NaN is caught). */
static int
same(float x, float y)
{
	uint32_t a, b;

	memcpy(&a, &x, sizeof(a));
	memcpy(&b, &y, sizeof(b));
	return a == b;
}

/* The first sample of n where got and want differ, or -1. */
static int
first_diff(const float *got, const float *want, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!same(got[i], want[i]))
			return i;
	}
	return -1;
}

/* Mixing: dst += src over rows cycled through LEN samples. */
static void
test_mix(const char *isa)
{
	const int nrows = (int)(sizeof(mix_rows) / sizeof(mix_rows[0]));
	float want[LEN];
	int i, d;

	for (i = 0; i < LEN; i++) {
		t_a[i] = mix_rows[i % nrows].a;
		t_b[i] = mix_rows[i % nrows].b;
		want[i] = mix_rows[i % nrows].sum;
	}
	dsp_add(t_a, t_b, LEN);
	d = first_diff(t_a, want, LEN);
	ok(d < 0, "%s: mix table", isa);
	if (d >= 0)
		printf("#   sample %d (%s): got %a, want %a\n", d,
		    mix_rows[d % nrows].what, (double)t_a[d], (double)want[d]);
}

/*
 * Gain: a steady level through dsp_ramp_run, as gain and mixer nodes
 * apply it (0 dB is a copy, any other level dsp_scale).
 */
static void
test_gain(const char *isa)
{
	struct dsp_ramp r;
	float want[LEN];
	size_t k;
	int i, d;

	for (k = 0; k < sizeof(gain_rows) / sizeof(gain_rows[0]); k++) {
		for (i = 0; i < LEN - 1; i++) {
			t_a[i] = gain_in[i % GAIN_N];
			want[i] = gain_rows[k].out[i % GAIN_N];
		}
		dsp_ramp_init(&r, gain_rows[k].g);
		dsp_ramp_run(&r, t_out, t_a, (LEN - 1) / 2, 48000);
		d = first_diff(t_out, want, LEN - 1);
		ok(d < 0, "%s: gain %a: %s", isa, (double)gain_rows[k].g,
		    gain_rows[k].what);
		if (d >= 0)
			printf("#   sample %d: got %a, want %a\n", d,
			    (double)t_out[d], (double)want[d]);
		/* In place, as a gain after a mixer runs. */
		dsp_ramp_run(&r, t_a, t_a, (LEN - 1) / 2, 48000);
		ok(first_diff(t_a, want, LEN - 1) < 0, "%s: gain %a in place",
		    isa, (double)gain_rows[k].g);
	}
}

/*
 * A ramp from 1 to 0.25 at 48 kHz takes 240 frames (5 ms) at any period
 * up to 240: frame k (1..240) at 1 + step * k with step (0.25 - 1) / 240
 * in float, the last exactly 0.25, then steady. Periods of 16, 7 (an
 * odd split), 100 and 240 frames give the same bits.
 */
static void
test_ramp(const char *isa)
{
	static float in[2 * 300], out[2 * 300], want[2 * 300];
	static const uint32_t periods[] = { 16, 7, 100, 240 };
	const float from = 1.0f, to = 0.25f;
	const float step = (to - from) / 240.0f;
	struct dsp_ramp r;
	uint32_t p, done, n, k;
	float g;
	size_t i;
	int d;

	for (k = 0; k < 300; k++) {
		in[2 * k] = 0.5f;
		in[2 * k + 1] = -0.75f;
		g = k + 1 < 240 ? from + step * (float)(k + 1) : to;
		want[2 * k] = 0.5f * g;
		want[2 * k + 1] = -0.75f * g;
	}
	is_int(dsp_ramp_frames(16, 48000), 240, "%s: ramp of 5 ms at 48 kHz",
	    isa);
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		p = periods[i];
		dsp_ramp_init(&r, from);
		dsp_ramp_set(&r, to);
		memset(out, 0, sizeof(out));
		for (done = 0; done < 300; done += n) {
			n = 300 - done < p ? 300 - done : p;
			dsp_ramp_run(&r, out + 2 * done, in + 2 * done, n,
			    48000);
		}
		d = first_diff(out, want, 600);
		ok(d < 0, "%s: ramp in periods of %u", isa, p);
		if (d >= 0)
			printf("#   sample %d: got %a, want %a\n", d,
			    (double)out[d], (double)want[d]);
	}
}

/* The non-finite check: NaN and infinities become +0, counted. */
static void
test_finite(const char *isa)
{
	static const float row[8] = {
		1.0f, NAN, -INFINITY, INFINITY, -0.0f, FLT_MAX, 0x1p-149f,
		-NAN
	};
	static const float clean[8] = {
		1.0f, 0.0f, 0.0f, 0.0f, -0.0f, FLT_MAX, 0x1p-149f, 0.0f
	};
	float want[LEN];
	int i, bad = 0;

	for (i = 0; i < LEN; i++) {
		t_a[i] = row[i % 8];
		want[i] = clean[i % 8];
		bad += !isfinite(row[i % 8]);
	}
	is_int(dsp_finite(t_a, LEN), bad, "%s: finite counts NaN and inf",
	    isa);
	ok(first_diff(t_a, want, LEN) < 0, "%s: finite table", isa);
}

/* Clipping to full scale, as the sinks and encoders do. */
static void
test_clip(const char *isa)
{
	static const float row[12] = {
		0.5f, 1.0f, 0x1.000002p+0f, -1.0f, -2.0f, INFINITY, -INFINITY,
		NAN, -0.0f, FLT_MAX, 0x1p-149f, -0x1.fffffep-1f
	};
	static const float clipped[12] = {
		0.5f, 1.0f, 1.0f, -1.0f, -1.0f, 1.0f, -1.0f, 0.0f, -0.0f,
		1.0f, 0x1p-149f, -0x1.fffffep-1f
	};
	float want[LEN];
	int i, over = 0;

	for (i = 0; i < LEN; i++) {
		t_a[i] = row[i % 12];
		want[i] = clipped[i % 12];
		over += row[i % 12] > 1.0f || row[i % 12] < -1.0f;
	}
	is_int(am_afmt_clip(t_a, LEN), over,
	    "%s: clip counts samples beyond full scale", isa);
	ok(first_diff(t_a, want, LEN) < 0, "%s: clip table", isa);
}

/*
 * Link conversion (dsp_matrix_add): 3 channels into 2 over 5 frames,
 * onto what dst holds, with gains and samples exact in binary so the
 * answer is exact: out o of frame f = dst + sum_i m[o][i] * x[f][i].
 */
static void
test_matrix(const char *isa)
{
	static const float m[2 * 3] = {
		0x1p+0f, 0x1p-1f, 0.0f,		/* out 0: x0 + x1 / 2 */
		-0x1p-2f, 0.0f, 0x1p+1f,	/* out 1: -x0 / 4 + 2 x2 */
	};
	static const float x[5 * 3] = {
		1, 2, 3,  -4, 0.5f, 0,  0, 0, 0,  0x1p-20f, 8, -1,
		100, -100, 0.25f,
	};
	float dst[5 * 2] = { 1, 1, 0, 0, -0.5f, 0.5f, 0, 0, 10, -10 };
	static const float want[5 * 2] = {
		1 + 1 + 1, 1 - 0.25f + 6,
		-4 + 0.25f, 1,
		-0.5f, 0.5f,
		0x1p-20f + 4, -0x1p-22f - 2,
		10 + 100 - 50, -10 - 25 + 0.5f,
	};
	float dst1[2] = { 0x1p-1f, 0 }, x1[1] = { 0x1p-3f };
	static const float m1[2] = { 0x1p+0f, 0x1p+0f };
	int d;

	dsp_matrix_add(dst, x, 5, 3, 2, m);
	d = first_diff(dst, want, 10);
	ok(d < 0, "%s: matrix 3 -> 2 onto dst", isa);
	if (d >= 0)
		printf("#   sample %d: got %a, want %a\n", d, (double)dst[d],
		    (double)want[d]);
	dsp_matrix_add(dst1, x1, 1, 1, 2, m1);
	ok(same(dst1[0], 0x1.4p-1f) && same(dst1[1], 0x1p-3f),
	    "%s: mono to both of a pair", isa);
}

/*
 * A level ramp over 3 channels (dsp_ramp_run_ch): every channel of a
 * frame at the value the stereo ramp gives that frame, whatever the
 * period split.
 */
static void
test_ramp_ch(const char *isa)
{
	static float one[3 * 300], o3[3 * 300], o2[2 * 300];
	struct dsp_ramp r2, r3;
	uint32_t f, k, done, bad = 0;

	for (f = 0; f < 3 * 300; f++)
		one[f] = 1.0f;
	dsp_ramp_init(&r2, 1.0f);
	dsp_ramp_init(&r3, 1.0f);
	dsp_ramp_set(&r2, 0.25f);
	dsp_ramp_set(&r3, 0.25f);
	for (done = 0; done < 300; done += 60) {
		dsp_ramp_run(&r2, o2 + 2 * done, one, 60, 48000);
		dsp_ramp_run_ch(&r3, o3 + 3 * done, one, 60, 3, 48000);
	}
	for (f = 0; f < 300; f++) {
		for (k = 0; k < 3; k++)
			bad += !same(o3[3 * f + k], o2[2 * f]);
	}
	ok(bad == 0, "%s: 3-channel ramp = the stereo ramp, frame by frame",
	    isa);
	ok(same(o3[3 * 299 + 2], 0.25f), "%s: it ends exactly at its target",
	    isa);
}

int
main(void)
{
	const struct dsp_ops *o, *dsp_def = dsp_ops_cur;
	const struct afmt_ops *a, *afmt_def = am_afmt_ops_cur;
	size_t i, k;

	for (i = 0; (o = dsp_ops_nth(i)) != NULL; i++) {
		dsp_ops_cur = o;
		test_mix(o->isa);
		test_gain(o->isa);
		test_ramp(o->isa);
		test_finite(o->isa);
		test_matrix(o->isa);
		test_ramp_ch(o->isa);
	}
	dsp_ops_cur = dsp_def;
	am_afmt_ops_cur = NULL;
	test_clip("afmt ref");
	for (i = 0; (a = am_afmt_ops_nth(i)) != NULL; i++) {
		am_afmt_ops_cur = a;
		test_clip(a->isa);
	}
	am_afmt_ops_cur = afmt_def;
	for (k = 0; k < sizeof(db_rows) / sizeof(db_rows[0]); k++)
		ok(same(dsp_db_to_gain(db_rows[k].db), db_rows[k].gain),
		    "dsp_db_to_gain(%g) = %a", db_rows[k].db,
		    (double)db_rows[k].gain);
	return t_done();
}
