/* SPDX-License-Identifier: MIT */
/*
 * The undithered conversions of afmt.c, written so a vectoriser can
 * take them (no branch, no byte assembly on little-endian machines) and
 * compiled once per instruction set: afmt_sse2.c, afmt_avx2.c and, on
 * aarch64, afmt_neon.c include this file with AFMT_ISA set. They give
 * the bits of afmt.c's scalar code, the reference (tests/unit/
 * test_afmt_simd.c): decode is one exact multiply; encode rounds in
 * double (exact for |v| < 2^31: ((double)v + 1.5 * 2^52) - 1.5 * 2^52 is
 * v rounded to nearest, ties to even, as afmt_round), then clamps, with
 * NaN to 0 and the same clip count. Dithered encoding stays scalar (its
 * generator is sequential). RT: no allocation, no state.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define AFMT_CAT2(a, b)	a##_##b
#define AFMT_CAT(a, b)	AFMT_CAT2(a, b)
#define AFMT_K(name)	AFMT_CAT(name, AFMT_ISA)

/* Samples per pass: a 32-bit clip count cannot wrap within one. */
#define AFMT_CHUNK	((size_t)1 << 24)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define AFMT_LE	1
#else
#define AFMT_LE	0
#endif

static inline int32_t
AFMT_K(afmt_ld32)(const unsigned char *p)
{
	uint32_t u;

	if (AFMT_LE)
		memcpy(&u, p, sizeof(u));
	else
		u = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return (int32_t)u;
}

static inline void
AFMT_K(afmt_st32)(unsigned char *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	if (AFMT_LE)
		memcpy(p, &u, sizeof(u));
	else {
		p[0] = (unsigned char)u;
		p[1] = (unsigned char)(u >> 8);
		p[2] = (unsigned char)(u >> 16);
		p[3] = (unsigned char)(u >> 24);
	}
}

/* n s16 samples at p to float. */
void
AFMT_K(afmt_dec_s16)(float *restrict dst, const unsigned char *restrict p,
    size_t n)
{
	size_t i;
	int16_t s;

	for (i = 0; i < n; i++) {
		if (AFMT_LE)
			memcpy(&s, p + 2 * i, sizeof(s));
		else
			s = (int16_t)(uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
		dst[i] = (float)s * (1.0f / 32768.0f);
	}
}

/* n s24 samples in 4-byte containers (top byte ignored) to float. */
void
AFMT_K(afmt_dec_s24)(float *restrict dst, const unsigned char *restrict p,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = (float)((int32_t)((uint32_t)AFMT_K(afmt_ld32)(p +
		    4 * i) << 8) >> 8) * (1.0f / 8388608.0f);
}

/* n s32 samples to float. */
void
AFMT_K(afmt_dec_s32)(float *restrict dst, const unsigned char *restrict p,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = (float)AFMT_K(afmt_ld32)(p + 4 * i) *
		    (1.0f / 2147483648.0f);
}

/*
 * x as an integer of scale (2^(bits-1)) and largest value max, as
 * afmt_q without dither; *clipped counts as it does.
 */
static inline int32_t
AFMT_K(afmt_q)(float x, float scale, int32_t max, uint32_t *clipped)
{
	float v = x * scale;
	int hi = !(v < scale), lo = v < -scale, nan = v != v;
	double d;
	int32_t r;

	*clipped += (uint32_t)((hi & (x > 1.0f)) | lo);
	v = hi | lo ? 0.0f : v;
	d = ((double)v + 6755399441055744.0) - 6755399441055744.0;
	r = (int32_t)d;
	r = r > max ? max : r;
	r = r < -max - 1 ? -max - 1 : r;
	r = hi ? (nan ? 0 : max) : r;
	return lo ? -max - 1 : r;
}

/* n floats to s16 at p, undithered; the count clipped. */
uint64_t
AFMT_K(afmt_enc_s16)(unsigned char *restrict p, const float *restrict src,
    size_t n)
{
	uint32_t clipped;
	uint64_t total = 0;
	size_t i, b, m;
	int16_t s;

	for (b = 0; b < n; b += m) {
		m = n - b < AFMT_CHUNK ? n - b : AFMT_CHUNK;
		clipped = 0;
		for (i = b; i < b + m; i++) {
			s = (int16_t)AFMT_K(afmt_q)(src[i], 32768.0f, 32767,
			    &clipped);
			if (AFMT_LE)
				memcpy(p + 2 * i, &s, sizeof(s));
			else {
				p[2 * i] = (unsigned char)s;
				p[2 * i + 1] = (unsigned char)((uint16_t)s >>
				    8);
			}
		}
		total += clipped;
	}
	return total;
}

/* n floats to s24 in 4-byte containers, sign-extended; count clipped. */
uint64_t
AFMT_K(afmt_enc_s24)(unsigned char *restrict p, const float *restrict src,
    size_t n)
{
	uint32_t clipped;
	uint64_t total = 0;
	size_t i, b, m;

	for (b = 0; b < n; b += m) {
		m = n - b < AFMT_CHUNK ? n - b : AFMT_CHUNK;
		clipped = 0;
		for (i = b; i < b + m; i++)
			AFMT_K(afmt_st32)(p + 4 * i, AFMT_K(afmt_q)(src[i],
			    8388608.0f, 8388607, &clipped));
		total += clipped;
	}
	return total;
}

/* n floats to s32; the count clipped. */
uint64_t
AFMT_K(afmt_enc_s32)(unsigned char *restrict p, const float *restrict src,
    size_t n)
{
	uint32_t clipped;
	uint64_t total = 0;
	size_t i, b, m;

	for (b = 0; b < n; b += m) {
		m = n - b < AFMT_CHUNK ? n - b : AFMT_CHUNK;
		clipped = 0;
		for (i = b; i < b + m; i++)
			AFMT_K(afmt_st32)(p + 4 * i, AFMT_K(afmt_q)(src[i],
			    2147483648.0f, 2147483647, &clipped));
		total += clipped;
	}
	return total;
}

/* Clip n floats to [-1, 1] in place, NaN to 0; the count beyond. */
uint64_t
AFMT_K(afmt_clip)(float *buf, size_t n)
{
	uint32_t clipped;
	uint64_t total = 0;
	size_t i, b, m;
	float x;
	int over, under;

	for (b = 0; b < n; b += m) {
		m = n - b < AFMT_CHUNK ? n - b : AFMT_CHUNK;
		clipped = 0;
		for (i = b; i < b + m; i++) {
			x = buf[i];
			over = x > 1.0f;
			under = x < -1.0f;
			clipped += (uint32_t)(over | under);
			x = x != x ? 0.0f : x;
			x = over ? 1.0f : x;
			buf[i] = under ? -1.0f : x;
		}
		total += clipped;
	}
	return total;
}
