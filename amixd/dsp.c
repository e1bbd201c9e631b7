/* SPDX-License-Identifier: MIT */
/*
 * Sample kernels: the only place that loops over samples for mixing,
 * gain and metering. Every function here is pure, bounded and runs on the
 * real-time thread; no allocation, no state. Buffers are interleaved
 * stereo float32 and n counts samples. Written plainly so the compiler
 * vectorises them (-O2); restrict tells it source and destination differ.
 */

#include <math.h>
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "dsp.h"

/* RT: clear n samples. */
void
dsp_zero(float *dst, uint32_t n)
{
	memset(dst, 0, n * sizeof(float));
}

/* RT: copy n samples. */
void
dsp_copy(float *restrict dst, const float *restrict src, uint32_t n)
{
	memcpy(dst, src, n * sizeof(float));
}

/* RT: dst += src, n samples. */
void
dsp_add(float *restrict dst, const float *restrict src, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		dst[i] += src[i];
}

/*
 * RT: dst = src * g, g moving linearly from g0 to g1 over the n/2 frames,
 * both channels of a frame sharing one value, so a change never clicks.
 * A constant gain takes the plain loop; 1.0 is an exact copy, which keeps
 * 0 dB paths bit-exact.
 */
void
dsp_gain_ramp(float *restrict dst, const float *restrict src, uint32_t n,
    float g0, float g1)
{
	uint32_t i, frames = n / 2;
	float g, step;

	if (g0 == g1) {
		if (g0 == 1.0f) {
			if (dst != src)
				memcpy(dst, src, n * sizeof(float));
			return;
		}
		for (i = 0; i < n; i++)
			dst[i] = src[i] * g0;
		return;
	}
	step = (g1 - g0) / (float)frames;
	for (i = 0; i < frames; i++) {
		g = g0 + step * (float)(i + 1);
		dst[2 * i] = src[2 * i] * g;
		dst[2 * i + 1] = src[2 * i + 1] * g;
	}
}

/*
 * RT: largest absolute sample. Eight lanes, so the compiler can use
 * vector max without reordering anything (max is exact in any order).
 */
float
dsp_peak(const float *src, uint32_t n)
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

/*
 * RT: sum of squares, for RMS over an interval. Eight partial sums in a
 * fixed order: vectorisable, and the same result every run.
 */
double
dsp_sumsq(const float *src, uint32_t n)
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

/*
 * RT: flush denormals to zero on this thread (FTZ and DAZ), so decaying
 * signals never hit the slow path of the FPU.
 */
void
dsp_ftz(void)
{
#if defined(__SSE__)
	_mm_setcsr(_mm_getcsr() | 0x8040);
#endif
}

/* Decibels to a linear factor. */
float
dsp_db_to_gain(double db)
{
	return (float)pow(10.0, db / 20.0);
}
