/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the vectorisable conversions of lib/afmt_kern.h: every
 * set this machine runs (SSE2, AVX2, NEON...) gives the bytes, floats
 * and clip counts of afmt.c's scalar reference (am_afmt_*_ref), on
 * tables with edge rows: lengths 0 to 67 and long ones, byte buffers at
 * every misalignment (0 to 7 bytes), samples at and just past full
 * scale, ties at half a step (round to even), +-Inf, NaN, -0, denormal
 * and every extreme integer code. Also: am_afmt_encode and _decode
 * dispatch to the set chosen at load, and dither still goes the scalar
 * way.
 */

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "afmt.h"
#include "afmt_isa.h"
#include "t.h"

#define T_MAX	5000
#define T_PAD	8

static float t_f[T_MAX + T_PAD], t_a[T_MAX + T_PAD], t_b[T_MAX + T_PAD];
static unsigned char t_raw[(T_MAX + T_PAD) * 4];
static unsigned char t_ra[(T_MAX + T_PAD) * 4], t_rb[(T_MAX + T_PAD) * 4];
static uint32_t t_seed = 99;

static uint32_t
t_rand(void)
{
	return am_xorshift32(&t_seed);
}

/* Sample i of a float table for an output of scale 2^(bits-1). */
static float
t_value(int kind, uint32_t i, float scale)
{
	static const float edge[] = {
		1.0f, -1.0f, 1.0000001f, -1.0000001f, 0.99999994f, -0.99999994f,
		INFINITY, -INFINITY, NAN, -0.0f, 0.0f, 1e-40f, -1e-40f,
		FLT_MAX, -FLT_MAX, 2.0f, -2.0f,
	};
	uint32_t r = t_rand();

	switch (kind) {
	case 0:		/* ordinary */
		return (float)((int32_t)(r % 2000001) - 1000000) / 1e6f;
	case 1:		/* edges */
		return edge[i % (sizeof(edge) / sizeof(edge[0]))];
	case 2:		/* ties and near-ties of the output's step */
		return ((float)((int32_t)(r % 65536) - 32768) + (r & 1 ?
		    0.5f : 0.49999997f)) / scale * (scale > 40000 ? 256 : 1);
	default:	/* a little past full scale either way */
		return (float)((int32_t)(r % 2201) - 1100) / 1000.0f;
	}
}

static int
t_set(const struct afmt_ops *o, int kind)
{
	static const int fmts[] = { AM_AFMT_S16, AM_AFMT_S24, AM_AFMT_S32,
	    AM_AFMT_F32 };
	static const float scales[] = { 32768.0f, 8388608.0f, 2147483648.0f,
	    1.0f };
	static const uint32_t lens[] = { 4095, 4096, 4097, 1000, 513 };
	uint32_t n, off, k, i, j, bs;
	uint64_t c1, c2;
	int bad = 0, fmt;

	for (j = 0; j < 4; j++) {
		fmt = fmts[j];
		bs = am_afmt_bytes(fmt);
		for (k = 0; k < 68 + sizeof(lens) / sizeof(lens[0]); k++) {
			n = k < 68 ? k : lens[k - 68];
			off = k % T_PAD;
			for (i = 0; i < T_MAX + T_PAD; i++)
				t_f[i] = t_value(kind, i, scales[j]);
			for (i = 0; i < sizeof(t_raw); i++)
				t_raw[i] = (unsigned char)t_rand();
			/* encode: bytes and counts */
			memset(t_ra, 0x5a, sizeof(t_ra));
			memset(t_rb, 0x5a, sizeof(t_rb));
			c1 = am_afmt_encode_ref(fmt, t_ra + off, t_f + off % 4,
			    n, NULL);
			am_afmt_ops_cur = o;
			c2 = am_afmt_encode(fmt, t_rb + off, t_f + off % 4, n,
			    NULL);
			bad += c1 != c2 || memcmp(t_ra, t_rb, sizeof(t_ra));
			/* decode: floats from random codes, misaligned */
			memset(t_a, 0, sizeof(t_a));
			memset(t_b, 0, sizeof(t_b));
			am_afmt_decode_ref(fmt, t_a + off % 4, t_raw + off, n);
			am_afmt_decode(fmt, t_b + off % 4, t_raw + off, n);
			bad += memcmp(t_a, t_b, sizeof(t_a)) != 0;
			/* clip in place */
			memcpy(t_a, t_f, sizeof(t_a));
			memcpy(t_b, t_f, sizeof(t_b));
			c1 = am_afmt_clip_ref(t_a + off, n);
			c2 = am_afmt_clip(t_b + off, n);
			bad += c1 != c2 || memcmp(t_a, t_b, sizeof(t_a));
			(void)bs;
		}
	}
	return bad;
}

int
main(void)
{
	static const char *const kinds[] = {
		"ordinary", "edge values", "ties", "past full scale"
	};
	const struct afmt_ops *cur = am_afmt_ops_cur, *o, *last = NULL;
	uint32_t d1 = AM_AFMT_DITHER_SEED, d2 = AM_AFMT_DITHER_SEED;
	float x[64];
	unsigned char a[128], b[128];
	size_t i;
	int kind, sets = 0;

	for (i = 0; (o = am_afmt_ops_nth(i)) != NULL; i++) {
		sets++;
		last = o;
		for (kind = 0; kind < 4; kind++)
			is_int(t_set(o, kind), 0, "%s, %s: encode, decode and "
			    "clip bit for bit as the scalar reference",
			    o->isa, kinds[kind]);
	}
	am_afmt_ops_cur = cur;
#if defined(__x86_64__)
	ok(sets >= 1, "x86-64: at least the SSE2 set (%d sets)", sets);
	ok((sets == 2) == (__builtin_cpu_supports("avx2") != 0),
	    "AVX2 set exactly when the CPU has AVX2");
#endif
	ok(cur == last, "dispatch uses the last set: %s",
	    cur != NULL ? cur->isa : "none");
	for (i = 0; i < 64; i++)
		x[i] = (float)i / 100.0f + 0.001f;
	am_afmt_encode_ref(AM_AFMT_S16, a, x, 64, &d1);
	am_afmt_encode(AM_AFMT_S16, b, x, 64, &d2);
	ok(memcmp(a, b, sizeof(a)) == 0 && d1 == d2,
	    "dithered s16 is the reference's, generator state included");
	return t_done();
}
