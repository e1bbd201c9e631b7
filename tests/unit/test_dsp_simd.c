/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the kernel sets of amixd/dsp_kern.h (dsp_isa.h): every
 * set this machine runs (SSE2, AVX2, NEON...) gives the scalar
 * reference's bits, for every kernel, on tables with edge rows: lengths
 * 0 to 67 and a few long ones, every misalignment of source and
 * destination (offsets 0 to 7 floats), and samples that are NaN, +-Inf,
 * +-full scale, +-FLT_MAX, denormal, -0 and ordinary. Sums of squares
 * too: the kernels keep eight lanes in a fixed order, so the bound is 0
 * ULP. Both with the default floating-point mode and with denormals
 * flushed (dsp_ftz), as the real-time thread runs. Link conversion
 * (matrix_add) likewise, but for which NaN a sum of two NaNs gives.
 * Also: the set chosen
 * at load is the last one listed, and dsp.c's entry points use it.
 */

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp.h"
#include "dsp_isa.h"
#include "t.h"

#define T_MAX	4200
#define T_PAD	8

static float t_src[T_MAX + T_PAD], t_dst0[T_MAX + T_PAD];
static float t_a[T_MAX + T_PAD], t_b[T_MAX + T_PAD];
static uint32_t t_seed = 12345;

static uint32_t
t_rand(void)
{
	t_seed = t_seed * 1664525u + 1013904223u;
	return t_seed >> 8;
}

/* Sample i of table kind: mostly ordinary, with edge values mixed in. */
static float
t_value(int kind, uint32_t i)
{
	static const float edge[] = {
		1.0f, -1.0f, 32767.0f / 32768.0f, -1.0f, FLT_MAX, -FLT_MAX,
		1e-40f, -1e-40f, FLT_MIN, -0.0f, 0.0f, 0.5f,
	};
	uint32_t r = t_rand();

	switch (kind) {
	case 0:		/* ordinary, +-1 */
		return (float)((int32_t)(r % 2000001) - 1000000) / 1e6f;
	case 1:		/* edges */
		return edge[i % (sizeof(edge) / sizeof(edge[0]))];
	case 2:		/* non-finite now and then */
		if (r % 7 == 0)
			return r % 3 == 0 ? NAN : r % 3 == 1 ? INFINITY :
			    -INFINITY;
		return (float)((int32_t)(r % 2001) - 1000) / 1000.0f;
	default:	/* denormals */
		return (float)((int32_t)(r % 2001) - 1000) * 1e-42f;
	}
}

static int
t_same(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

/*
 * The same bits, or both NaN: which NaN comes out of a sum with two
 * NaN operands depends on the order the compiler gave them. (The
 * engine never gives dsp_matrix_add one: every node's output is made
 * finite first.)
 */
static int
t_same_nan(const float *a, const float *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!t_same(&a[i], &b[i], sizeof(a[i])) &&
		    !(isnan(a[i]) && isnan(b[i])))
			return 0;
	}
	return 1;
}

/* One set against the reference on one table; returns mismatches. */
static int
t_set(const struct dsp_ops *ref, const struct dsp_ops *o, int kind)
{
	static const uint32_t lens[] = { 4095, 4096, 4097, 2048, 1000, 511 };
	uint32_t n, off, doff, c1, c2, i, k;
	float p1, p2, g1, g2;
	double s1, s2;
	int bad = 0;

	for (k = 0; k < 68 + sizeof(lens) / sizeof(lens[0]); k++) {
		n = k < 68 ? k : lens[k - 68];
		off = k % T_PAD;
		doff = (k * 3 + 1) % T_PAD;
		for (i = 0; i < T_MAX + T_PAD; i++) {
			t_src[i] = t_value(kind, i);
			t_dst0[i] = t_value(kind == 2 ? 0 : kind, i);
		}
		/* add */
		memcpy(t_a, t_dst0, sizeof(t_a));
		memcpy(t_b, t_dst0, sizeof(t_b));
		ref->add(t_a + doff, t_src + off, n);
		o->add(t_b + doff, t_src + off, n);
		bad += !t_same(t_a, t_b, sizeof(t_a));
		/* scale, out of place and in place */
		ref->scale(t_a + doff, t_src + off, 0.70710677f, n);
		o->scale(t_b + doff, t_src + off, 0.70710677f, n);
		bad += !t_same(t_a, t_b, sizeof(t_a));
		ref->scale(t_a + doff, t_a + doff, -3.5f, n);
		o->scale(t_b + doff, t_b + doff, -3.5f, n);
		bad += !t_same(t_a, t_b, sizeof(t_a));
		/* ramp segment: frames, a ramp ending inside or beyond */
		g1 = ref->ramp_seg(t_a + doff, t_src + off, 1.0f, -1.0f / 240,
		    0.0f, 3, n / 2 + 4 - k % 5, n / 2);
		g2 = o->ramp_seg(t_b + doff, t_src + off, 1.0f, -1.0f / 240,
		    0.0f, 3, n / 2 + 4 - k % 5, n / 2);
		bad += !t_same(t_a, t_b, sizeof(t_a)) || !t_same(&g1, &g2,
		    sizeof(g1));
		/* matrix: n / 8 frames, 6 channels into 2 and 3 into 8 */
		memcpy(t_a, t_dst0, sizeof(t_a));
		memcpy(t_b, t_dst0, sizeof(t_b));
		ref->matrix_add(t_a + doff, t_src + off, n / 8, 6, 2,
		    t_dst0 + T_MAX - 64);
		o->matrix_add(t_b + doff, t_src + off, n / 8, 6, 2,
		    t_dst0 + T_MAX - 64);
		ref->matrix_add(t_a + doff, t_src + off, n / 8, 3, 8,
		    t_dst0 + T_MAX - 32);
		o->matrix_add(t_b + doff, t_src + off, n / 8, 3, 8,
		    t_dst0 + T_MAX - 32);
		bad += !t_same_nan(t_a, t_b, T_MAX + T_PAD);
		/* peak, sumsq */
		p1 = ref->peak(t_src + off, n);
		p2 = o->peak(t_src + off, n);
		s1 = ref->sumsq(t_src + off, n);
		s2 = o->sumsq(t_src + off, n);
		if (kind != 2)	/* NaN makes max order-dependent: see meter */
			bad += !t_same(&p1, &p2, sizeof(p1));
		bad += !t_same(&s1, &s2, sizeof(s1)) && !(isnan(s1) &&
		    isnan(s2));
		/* finite, meter (in place) */
		memcpy(t_a, t_src, sizeof(t_a));
		memcpy(t_b, t_src, sizeof(t_b));
		c1 = ref->finite(t_a + off, n);
		c2 = o->finite(t_b + off, n);
		bad += c1 != c2 || !t_same(t_a, t_b, sizeof(t_a));
		memcpy(t_a, t_src, sizeof(t_a));
		memcpy(t_b, t_src, sizeof(t_b));
		c1 = ref->meter(t_a + off, n, &p1, &s1);
		c2 = o->meter(t_b + off, n, &p2, &s2);
		bad += c1 != c2 || !t_same(t_a, t_b, sizeof(t_a)) ||
		    !t_same(&p1, &p2, sizeof(p1)) || !t_same(&s1, &s2,
		    sizeof(s1));
	}
	return bad;
}

int
main(void)
{
	static const char *const kinds[] = {
		"ordinary", "edge values", "NaN and Inf", "denormals"
	};
	const struct dsp_ops *ref = dsp_ops_nth(0), *o, *last = ref;
	unsigned long mode;
	size_t i;
	int kind, ftz, sets = 0;
	float buf[16] = { 1, -2, 3, NAN }, p;
	double s;

	ok(ref != NULL && strcmp(ref->isa, "ref") == 0,
	    "the reference set comes first");
	for (i = 1; (o = dsp_ops_nth(i)) != NULL; i++) {
		sets++;
		last = o;
		for (ftz = 0; ftz < 2; ftz++) {
			mode = ftz ? dsp_ftz() : 0;
			for (kind = 0; kind < 4; kind++)
				is_int(t_set(ref, o, kind), 0, "%s, %s%s: "
				    "every kernel bit for bit as the "
				    "reference", o->isa, kinds[kind],
				    ftz ? ", denormals flushed" : "");
			if (ftz)
				dsp_ftz_restore(mode);
		}
	}
#if defined(__x86_64__)
	ok(sets >= 1 && dsp_ops_find("sse2") != NULL,
	    "x86-64: SSE2 kernels are there (%d sets)", sets);
	ok((dsp_ops_find("avx2") != NULL) ==
	    (__builtin_cpu_supports("avx2") != 0),
	    "AVX2 kernels exactly when the CPU has AVX2");
#endif
	ok(dsp_ops_cur == last, "dispatch uses the last set: %s",
	    dsp_ops_cur->isa);
	is_int(dsp_meter(buf, 16, &p, &s), 1, "dsp_meter through the table");
	ok(p == 3.0f && s == 14.0, "peak and sum of squares through it");
	return t_done();
}
