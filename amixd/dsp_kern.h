/* SPDX-License-Identifier: MIT */
/*
 * The sample kernels, written once and compiled once per instruction
 * set: dsp_ref.c (the scalar reference, vectoriser off), dsp_sse2.c
 * (x86-64's baseline, -O3), dsp_avx2.c (-O3 -mavx2) and, on aarch64,
 * dsp_neon.c. Each includes this file with DSP_ISA set to its suffix
 * and gets dsp_add_<isa> and the rest. The loops keep eight lanes of
 * partial results in a fixed order and no compilation contracts a
 * multiply and an add (ISO C mode: -ffp-contract=off, and no -mfma), so
 * every variant gives the reference's bits, sums of squares included;
 * tests/unit/test_dsp_simd.c checks that on edge tables. Interleaved
 * stereo float32; n counts samples. RT: no allocation, no state.
 */

#include <float.h>
#include <math.h>
#include <stdint.h>

#define DSP_CAT2(a, b)	a##_##b
#define DSP_CAT(a, b)	DSP_CAT2(a, b)
#define DSP_K(name)	DSP_CAT(name, DSP_ISA)

/* dst += src. */
void
DSP_K(dsp_add)(float *restrict dst, const float *restrict src, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		dst[i] += src[i];
}

/*
 * Link conversion: for frames frames, dst (out_ch interleaved) += m *
 * src (in_ch interleaved), m a row of in_ch gains per output channel.
 * Each output sample adds its terms in input order onto dst's value.
 */
void
DSP_K(dsp_matrix_add)(float *restrict dst, const float *restrict src,
    uint32_t frames, uint32_t in_ch, uint32_t out_ch,
    const float *restrict m)
{
	uint32_t f, o, i;
	const float *row;
	float acc;

	for (f = 0; f < frames; f++) {
		for (o = 0; o < out_ch; o++) {
			row = m + (size_t)o * in_ch;
			acc = dst[(size_t)f * out_ch + o];
			for (i = 0; i < in_ch; i++)
				acc += row[i] * src[(size_t)f * in_ch + i];
			dst[(size_t)f * out_ch + o] = acc;
		}
	}
}

/* dst = src * g; dst may be src. */
void
DSP_K(dsp_scale)(float *dst, const float *src, float g, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i] * g;
}

/*
 * Frames [0, k) of a ramp: frame i is at from + step * (pos + i + 1),
 * except the ramp's last (pos + i + 1 == len), exactly to; both
 * channels share the value. dst may be src. Returns the last value.
 */
float
DSP_K(dsp_ramp_seg)(float *dst, const float *src, float from, float step,
    float to, uint32_t pos, uint32_t len, uint32_t k)
{
	uint32_t i, m;
	float g;

	/* Only frame k - 1 can be the ramp's last: the loop has no test. */
	m = pos + k == len && k > 0 ? k - 1 : k;
	/*
	 * Over samples, not frames (both channels of frame i / 2 get the
	 * same g): a unit-stride loop. Signed: x86 has no vector
	 * unsigned-to-float (len < 2^31).
	 */
	for (i = 0; i < 2 * m; i++) {
		g = from + step * (float)(int32_t)(pos + i / 2 + 1);
		dst[i] = src[i] * g;
	}
	if (m < k) {
		dst[2 * m] = src[2 * m] * to;
		dst[2 * m + 1] = src[2 * m + 1] * to;
		return to;
	}
	return k > 0 ? from + step * (float)(int32_t)(pos + k) : from;
}

/* Largest absolute sample: eight lanes of max (exact in any order). */
float
DSP_K(dsp_peak)(const float *src, uint32_t n)
{
	float p[8] = { 0 }, a, m = 0.0f;
	uint32_t i, k;

	for (i = 0; i + 8 <= n; i += 8) {
		for (k = 0; k < 8; k++) {
			a = fabsf(src[i + k]);
			p[k] = a > p[k] ? a : p[k];
		}
	}
	for (; i < n; i++) {
		a = fabsf(src[i]);
		p[0] = a > p[0] ? a : p[0];
	}
	for (k = 0; k < 8; k++)
		m = p[k] > m ? p[k] : m;
	return m;
}

/* Sum of squares: eight partial sums in a fixed order. */
double
DSP_K(dsp_sumsq)(const float *src, uint32_t n)
{
	float s[8] = { 0 };
	uint32_t i, k;
	double t = 0.0;

	for (i = 0; i + 8 <= n; i += 8) {
		for (k = 0; k < 8; k++)
			s[k] += src[i + k] * src[i + k];
	}
	for (; i < n; i++)
		s[0] += src[i] * src[i];
	for (k = 0; k < 8; k++)
		t += s[k];
	return t;
}

/* Every NaN and infinity of buf to 0, on the bits; returns how many. */
uint32_t
DSP_K(dsp_finite)(float *buf, uint32_t n)
{
	uint32_t i, u, bad, count = 0;

	for (i = 0; i < n; i++) {
		memcpy(&u, &buf[i], sizeof(u));
		bad = (u & 0x7f800000u) == 0x7f800000u;
		u &= bad - 1;		/* bad: all zero bits, else kept */
		memcpy(&buf[i], &u, sizeof(u));
		count += bad;
	}
	return count;
}

/* finite, peak and sumsq in one pass: see dsp_meter in dsp.c. */
uint32_t
DSP_K(dsp_meter)(float *buf, uint32_t n, float *peak, double *sumsq)
{
	float p[8] = { 0 }, s[8] = { 0 }, a, x, m = 0.0f;
	uint32_t i, k, bad, count = 0;
	double t = 0.0;

	for (i = 0; i + 8 <= n; i += 8) {
		for (k = 0; k < 8; k++) {
			x = buf[i + k];
			bad = !(fabsf(x) <= FLT_MAX);
			x = bad ? 0.0f : x;
			buf[i + k] = x;
			count += bad;
			a = fabsf(x);
			p[k] = a > p[k] ? a : p[k];
			s[k] += x * x;
		}
	}
	for (; i < n; i++) {
		x = buf[i];
		bad = !(fabsf(x) <= FLT_MAX);
		x = bad ? 0.0f : x;
		buf[i] = x;
		count += bad;
		a = fabsf(x);
		p[0] = a > p[0] ? a : p[0];
		s[0] += x * x;
	}
	for (k = 0; k < 8; k++) {
		m = p[k] > m ? p[k] : m;
		t += s[k];
	}
	*peak = m;
	*sumsq = t;
	return count;
}
