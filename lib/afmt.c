/* SPDX-License-Identifier: MIT */
/*
 * afmt: every conversion between float samples and the integer and
 * float formats amixd meets (device, app ring, file, tool output), in
 * one place, so that one direction and back is bit-transparent.
 *
 * The convention: an n-bit integer sample k stands for k / 2^(n-1).
 * Decoding is that division (exact in float for n <= 24; s32 keeps the
 * 24 bits float has). Encoding is round(x * 2^(n-1)) to nearest, ties
 * to even, clipped to [-2^(n-1), 2^(n-1) - 1]. So every s16, s24 and
 * s24_3 value comes back unchanged through float, s16 to s32 is a shift
 * by 16, and +1.0 (one step above the largest sample) becomes the
 * largest sample. Only x > 1 or x < -1 (infinities included) count as
 * clipped: the lost step at +1.0 is the convention, not an over. NaN
 * becomes 0 (silence, not a click) and is not counted here; decoded f32
 * is passed as it is, for the caller to judge (am_afmt_sane).
 *
 * Dither: when the caller passes a generator state, the sample gets TPDF
 * dither of +-1 step (two uniform draws from one xorshift32 step) before
 * rounding, but only when x * 2^(n-1) is not already an integer: a
 * sample exactly representable in the output passes unchanged, so a
 * 16-bit file played at 0 dB comes out bit-perfect, while anything a
 * gain, a mix or a resampler touched is dithered. Which outputs dither
 * is the caller's choice (amixd: s16 only; 24 bits from a 24-bit float
 * mantissa need none). The generator is a fixed-seed xorshift32 whose
 * state the caller keeps, so a render is reproducible.
 *
 * Every function here may run on the real-time thread: no allocation,
 * no locks, no system calls, loops bounded by n.
 *
 * Speed: the undithered block conversions (decode and encode of s16,
 * s24 and s32, and clipping f32) run the vectorisable loops of
 * afmt_kern.h, compiled per instruction set (afmt_sse2.c, afmt_avx2.c;
 * afmt_neon.c on aarch64) and picked once at load; the code below is
 * their reference (the *_ref functions) and what runs for dither, s24_3
 * and machines with no such set.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "afmt.h"
#include "afmt_isa.h"
#include "cpu.h"

#define AFMT_OPS(name) \
	static const struct afmt_ops afmt_ops_##name = { #name, \
	    afmt_dec_s16_##name, afmt_dec_s24_##name, afmt_dec_s32_##name, \
	    afmt_enc_s16_##name, afmt_enc_s24_##name, afmt_enc_s32_##name, \
	    afmt_clip_##name };
#if defined(__x86_64__)
AFMT_OPS(sse2)
AFMT_OPS(avx2)
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
AFMT_OPS(neon)
#endif

/* Every set there is; afmt_ops_init drops those the CPU cannot run. */
static const struct afmt_ops *afmt_ops_list[] = {
#if defined(__x86_64__)
	&afmt_ops_sse2,
	&afmt_ops_avx2,
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
	&afmt_ops_neon,
#endif
	NULL
};
const struct afmt_ops *am_afmt_ops_cur;

/*
 * At load, before main and so before any thread: keep the sets this
 * CPU runs (AVX2 only where usable, cpu.h) and use the last, or the one
 * AMIXD_KERNELS names when this CPU runs it ("ref": the scalar code
 * here; tests compare renders across sets). Written once here, read
 * only afterwards.
 */
__attribute__((constructor)) static void
afmt_ops_init(void)
{
	const char *env;
	size_t i, n = 0;

	for (i = 0; afmt_ops_list[i] != NULL; i++) {
#if defined(__x86_64__)
		if (afmt_ops_list[i] == &afmt_ops_avx2 &&
		    !am_cpu_avx2())
			continue;
#endif
		afmt_ops_list[n++] = afmt_ops_list[i];
	}
	afmt_ops_list[n] = NULL;
	am_afmt_ops_cur = n > 0 ? afmt_ops_list[n - 1] : NULL;
	if ((env = getenv("AMIXD_KERNELS")) == NULL)
		return;
	if (strcmp(env, "ref") == 0)
		am_afmt_ops_cur = NULL;
	for (i = 0; i < n; i++) {
		if (strcmp(afmt_ops_list[i]->isa, env) == 0)
			am_afmt_ops_cur = afmt_ops_list[i];
	}
}

/* The i-th set this machine runs; NULL past the end. */
const struct afmt_ops *
am_afmt_ops_nth(size_t i)
{
	size_t k;

	for (k = 0; k < i && afmt_ops_list[k] != NULL; k++)
		;
	return afmt_ops_list[k];
}

static const uint32_t afmt_bytes[AM_AFMT_N] = {
	[AM_AFMT_S16] = 2, [AM_AFMT_S24_3] = 3, [AM_AFMT_S32] = 4,
	[AM_AFMT_F32] = 4, [AM_AFMT_S24] = 4,
};

/* RT: bytes one sample of fmt takes (0 for an unknown format). */
uint32_t
am_afmt_bytes(int fmt)
{
	return fmt >= 0 && fmt < AM_AFMT_N ? afmt_bytes[fmt] : 0;
}

/*
 * RT: one step of xorshift32 (Marsaglia) on *state, which must not be
 * zero; the new state, uniform over [1, 2^32).
 */
uint32_t
am_xorshift32(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/*
 * RT: triangular noise in (-1, 1), in steps of the last bit: the
 * difference of the two 16-bit halves of one generator step.
 */
float
am_afmt_tpdf(uint32_t *state)
{
	uint32_t x = am_xorshift32(state);

	return (float)((int32_t)(x & 0xffff) - (int32_t)(x >> 16)) *
	    (1.0f / 65536.0f);
}

/*
 * RT: v rounded to the nearest integer, ties to even, for |v| < 2^31:
 * added to 1.5 * 2^52 in double, the integer lands in the low bits of
 * the mantissa. lrintf does the same, but is a libm call unless errno
 * is given up for all of the file; this is an add and a move.
 */
static inline int32_t
afmt_round(float v)
{
	double d = (double)v + 6755399441055744.0;
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return (int32_t)(uint32_t)u;
}

/*
 * RT: x as an integer of the scale 2^(n-1) (scale) and largest value
 * max, dithered when dither is not NULL and x is not exact; clipped
 * samples are added to *clipped.
 */
static inline int32_t
afmt_q(float x, float scale, int32_t max, uint32_t *dither,
    uint64_t *clipped)
{
	float v = x * scale;
	int32_t r;

	if (!(v < scale)) {
		if (v != v)
			return 0;	/* NaN: silence */
		*clipped += x > 1.0f;
		return max;
	}
	if (v < -scale) {
		(*clipped)++;
		return -max - 1;
	}
	r = afmt_round(v);
	if (dither != NULL && (float)r != v)
		r = afmt_round(v + am_afmt_tpdf(dither));
	/*
	 * Rounding or dither may step one past an end. No overflow: only
	 * a v that is not an integer is dithered, so |v| < 2^23 then.
	 */
	return r > max ? max : r < -max - 1 ? -max - 1 : r;
}

/*
 * RT: x as a signed integer sample of bits bits (16, 24 or 32), by the
 * rules above. dither: generator state, or NULL for none. Each clipped
 * sample adds one to *clipped.
 */
int32_t
am_afmt_quant(float x, int bits, uint32_t *dither, uint64_t *clipped)
{
	switch (bits) {
	case 16:
		return afmt_q(x, 32768.0f, 32767, dither, clipped);
	case 24:
		return afmt_q(x, 8388608.0f, 8388607, dither, clipped);
	default:
		return afmt_q(x, 2147483648.0f, 2147483647, dither, clipped);
	}
}

/* RT: the little-endian bytes of v, n of them, at p. */
static inline void
afmt_le(unsigned char *p, uint32_t v, int n)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	if (n > 2)
		p[2] = (unsigned char)(v >> 16);
	if (n > 3)
		p[3] = (unsigned char)(v >> 24);
}

/* RT: one sample of fmt at src, as float. f32 comes back untouched. */
float
am_afmt_get(int fmt, const void *src)
{
	const unsigned char *p = src;
	float f;
	uint32_t u;

	switch (fmt) {
	case AM_AFMT_S16:
		return (float)(int16_t)(uint16_t)(p[0] | p[1] << 8) *
		    (1.0f / 32768.0f);
	case AM_AFMT_S24_3:
		u = (uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 24;
		return (float)((int32_t)u >> 8) * (1.0f / 8388608.0f);
	case AM_AFMT_S24:
		/* The top byte of the container is not ours: ignored. */
		u = (uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 24;
		return (float)((int32_t)u >> 8) * (1.0f / 8388608.0f);
	case AM_AFMT_S32:
		u = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		return (float)(int32_t)u * (1.0f / 2147483648.0f);
	default:
		memcpy(&f, p, sizeof(f));
		return f;
	}
}

/*
 * RT: x as one sample of fmt at dst (f32: NaN to 0, clipped to +-1).
 * dither: generator state or NULL. 1 when x was clipped, else 0.
 */
int
am_afmt_put(int fmt, void *dst, float x, uint32_t *dither)
{
	unsigned char *p = dst;
	uint64_t clipped = 0;
	int32_t v;

	switch (fmt) {
	case AM_AFMT_S16:
		v = afmt_q(x, 32768.0f, 32767, dither, &clipped);
		afmt_le(p, (uint32_t)v, 2);
		break;
	case AM_AFMT_S24_3:
		v = afmt_q(x, 8388608.0f, 8388607, dither, &clipped);
		afmt_le(p, (uint32_t)v, 3);
		break;
	case AM_AFMT_S24:
		v = afmt_q(x, 8388608.0f, 8388607, dither, &clipped);
		afmt_le(p, (uint32_t)v, 4);	/* sign-extended */
		break;
	case AM_AFMT_S32:
		v = afmt_q(x, 2147483648.0f, 2147483647, dither, &clipped);
		afmt_le(p, (uint32_t)v, 4);
		break;
	default:
		clipped = am_afmt_clip(&x, 1);
		memcpy(p, &x, sizeof(x));
		break;
	}
	return (int)clipped;
}

/* RT: n samples of fmt at src to float at dst; the scalar reference. */
void
am_afmt_decode_ref(int fmt, float *dst, const void *src, size_t n)
{
	const unsigned char *p = src;
	uint32_t bs = am_afmt_bytes(fmt);
	size_t i;

	switch (fmt) {
	case AM_AFMT_S16:
		for (i = 0; i < n; i++, p += 2)
			dst[i] = (float)(int16_t)(uint16_t)(p[0] | p[1] << 8) *
			    (1.0f / 32768.0f);
		break;
	case AM_AFMT_F32:
		memcpy(dst, src, n * sizeof(float));
		break;
	default:
		for (i = 0; i < n; i++, p += bs)
			dst[i] = am_afmt_get(fmt, p);
		break;
	}
}

/* RT: am_afmt_encode, the scalar reference. */
uint64_t
am_afmt_encode_ref(int fmt, void *dst, const float *src, size_t n,
    uint32_t *dither)
{
	unsigned char *p = dst;
	uint64_t clipped = 0;
	size_t i;
	int32_t v;

	switch (fmt) {
	case AM_AFMT_S16:
		for (i = 0; i < n; i++, p += 2) {
			v = afmt_q(src[i], 32768.0f, 32767, dither, &clipped);
			afmt_le(p, (uint32_t)v, 2);
		}
		break;
	case AM_AFMT_S24_3:
		for (i = 0; i < n; i++, p += 3) {
			v = afmt_q(src[i], 8388608.0f, 8388607, dither,
			    &clipped);
			afmt_le(p, (uint32_t)v, 3);
		}
		break;
	case AM_AFMT_S24:
		for (i = 0; i < n; i++, p += 4) {
			v = afmt_q(src[i], 8388608.0f, 8388607, dither,
			    &clipped);
			afmt_le(p, (uint32_t)v, 4);
		}
		break;
	case AM_AFMT_S32:
		for (i = 0; i < n; i++, p += 4) {
			v = afmt_q(src[i], 2147483648.0f, 2147483647, dither,
			    &clipped);
			afmt_le(p, (uint32_t)v, 4);
		}
		break;
	default:
		if ((const void *)src != dst)
			memmove(dst, src, n * sizeof(float));
		clipped = am_afmt_clip_ref(dst, n);
		break;
	}
	return clipped;
}

/* RT: am_afmt_clip, the scalar reference. */
uint64_t
am_afmt_clip_ref(float *buf, size_t n)
{
	uint64_t clipped = 0;
	size_t i;
	float x;

	for (i = 0; i < n; i++) {
		x = buf[i];
		if (x > 1.0f) {
			buf[i] = 1.0f;
			clipped++;
		} else if (x < -1.0f) {
			buf[i] = -1.0f;
			clipped++;
		} else if (x != x)
			buf[i] = 0.0f;
	}
	return clipped;
}

/* RT: n samples of fmt at src to float at dst. */
void
am_afmt_decode(int fmt, float *dst, const void *src, size_t n)
{
	const struct afmt_ops *o = am_afmt_ops_cur;

	if (o != NULL && fmt == AM_AFMT_S16)
		o->dec_s16(dst, src, n);
	else if (o != NULL && fmt == AM_AFMT_S24)
		o->dec_s24(dst, src, n);
	else if (o != NULL && fmt == AM_AFMT_S32)
		o->dec_s32(dst, src, n);
	else
		am_afmt_decode_ref(fmt, dst, src, n);
}

/*
 * RT: n float samples at src as fmt at dst, rounded, clipped (f32 too:
 * this is the way to a device), NaN as 0, dithered when dither is not
 * NULL. The number of samples clipped.
 */
uint64_t
am_afmt_encode(int fmt, void *dst, const float *src, size_t n,
    uint32_t *dither)
{
	const struct afmt_ops *o = am_afmt_ops_cur;

	if (o == NULL || (dither != NULL && fmt != AM_AFMT_F32))
		return am_afmt_encode_ref(fmt, dst, src, n, dither);
	switch (fmt) {
	case AM_AFMT_S16:
		return o->enc_s16(dst, src, n);
	case AM_AFMT_S24:
		return o->enc_s24(dst, src, n);
	case AM_AFMT_S32:
		return o->enc_s32(dst, src, n);
	case AM_AFMT_F32:
		if ((const void *)src != dst)
			memmove(dst, src, n * sizeof(float));
		return o->clip(dst, n);
	default:
		return am_afmt_encode_ref(fmt, dst, src, n, dither);
	}
}

/*
 * RT: clip n floats at buf to [-1, 1] in place, NaN to 0. The number of
 * samples beyond full scale (infinities included).
 */
uint64_t
am_afmt_clip(float *buf, size_t n)
{
	if (am_afmt_ops_cur != NULL)
		return am_afmt_ops_cur->clip(buf, n);
	return am_afmt_clip_ref(buf, n);
}

/* RT: how many of n floats at buf lie beyond full scale; none changed. */
uint64_t
am_afmt_overs(const float *buf, size_t n)
{
	uint64_t overs = 0;
	size_t i;

	for (i = 0; i < n; i++)
		overs += buf[i] > 1.0f || buf[i] < -1.0f;
	return overs;
}

/* RT: x made finite and kept within +-max: NaN is 0, the rest clamped. */
float
am_afmt_sane(float x, float max)
{
	if (x >= -max && x <= max)
		return x;
	return x > 0 ? max : x < 0 ? -max : 0.0f;
}
