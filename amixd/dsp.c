/* SPDX-License-Identifier: MIT */
/*
 * Sample kernels: the only place that loops over samples for mixing,
 * gain, level ramps, metering and the non-finite check. Every function
 * here is bounded and runs on the real-time thread; no allocation, and
 * no state but what the caller holds (struct dsp_ramp). Buffers are
 * interleaved stereo float32 and n counts samples. Written plainly so
 * the compiler vectorises them (-O2); restrict tells it source and
 * destination differ. dsp_ftz sets the calling thread's floating-point
 * mode so every rendering thread computes the same numbers.
 */

#include <float.h>
#include <math.h>
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "dsp.h"

#define DSP_RAMP_MS	5	/* shortest level ramp, ms */

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
 * Frames a level change ramps over at rate Hz with periods of period
 * frames: at least DSP_RAMP_MS (a shorter ramp clicks), at least one
 * period (as before: a long period keeps its one-period ramp).
 */
uint32_t
dsp_ramp_frames(uint32_t period, uint32_t rate)
{
	uint32_t min = (uint32_t)(((uint64_t)rate * DSP_RAMP_MS + 999) /
	    1000);

	return period > min ? period : min;
}

/* Control or RT: a level standing at gain, linear. */
void
dsp_ramp_init(struct dsp_ramp *r, float gain)
{
	r->from = r->to = r->cur = gain;
	r->step = 0.0f;
	r->pos = r->len = 0;
}

/*
 * RT: move to gain, linear, from wherever the level is now; the ramp's
 * length is fixed by the next dsp_ramp_run, which knows the period.
 */
void
dsp_ramp_set(struct dsp_ramp *r, float gain)
{
	r->to = gain;
	r->pos = r->len = 0;
}

/*
 * RT: dst = src * level for frames stereo frames at rate Hz; dst may be
 * src. A ramp moves linearly, frame k of it at from + step * (k + 1),
 * both channels sharing one value, and its last frame is exactly its
 * target, so 0 dB is an exact copy again afterwards. The values depend
 * only on the ramp's length, not on how periods split it.
 */
void
dsp_ramp_run(struct dsp_ramp *r, float *dst, const float *src,
    uint32_t frames, uint32_t rate)
{
	uint32_t i, k = 0;
	float g = r->cur;

	if (r->len == 0 && r->cur != r->to) {
		r->from = r->cur;
		r->len = dsp_ramp_frames(frames, rate);
		r->step = (r->to - r->from) / (float)r->len;
	}
	if (r->pos < r->len) {
		k = r->len - r->pos < frames ? r->len - r->pos : frames;
		for (i = 0; i < k; i++) {
			g = r->pos + i + 1 == r->len ? r->to :
			    r->from + r->step * (float)(r->pos + i + 1);
			dst[2 * i] = src[2 * i] * g;
			dst[2 * i + 1] = src[2 * i + 1] * g;
		}
		r->pos += k;
		r->cur = g;
	}
	if (k == frames)
		return;
	g = r->to;
	if (g == 1.0f) {
		if (dst != src)
			memmove(dst + 2 * k, src + 2 * k, (size_t)(frames - k) *
			    2 * sizeof(float));
		return;
	}
	for (i = 2 * k; i < 2 * frames; i++)
		dst[i] = src[i] * g;
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

/* RT: 1 when the float with bits u is NaN or infinite. */
static inline uint32_t
dsp_nonfinite(uint32_t u)
{
	return (u & 0x7f800000u) == 0x7f800000u;
}

/*
 * RT: replace every NaN and infinity of buf by 0; returns how many
 * there were. Works on the bits, branch-free, so it vectorises and
 * never raises a floating-point exception.
 */
uint32_t
dsp_finite(float *buf, uint32_t n)
{
	uint32_t i, u, bad, count = 0;

	for (i = 0; i < n; i++) {
		memcpy(&u, &buf[i], sizeof(u));
		bad = dsp_nonfinite(u);
		u &= bad - 1;		/* bad: all zero bits, else kept */
		memcpy(&buf[i], &u, sizeof(u));
		count += bad;
	}
	return count;
}

/*
 * RT: dsp_finite, dsp_peak and dsp_sumsq in one pass over buf (one
 * read and one write of each sample): buf is made finite, then its peak
 * and sum of squares go to *peak and *sumsq exactly as the two kernels
 * would give them. Returns the count of non-finite samples replaced.
 * Here the test is a comparison, which vectorises with the max and the
 * squares in eight lanes (a NaN compares false): the pass costs little
 * more than the meter alone did.
 */
uint32_t
dsp_meter(float *buf, uint32_t n, float *peak, double *sumsq)
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

/*
 * RT: flush denormals to zero on the calling thread, so decaying
 * signals never take the FPU's slow path and every thread that renders
 * (the RT thread, JACK's process thread, an offline render on the
 * control thread) computes the same numbers. x86: MXCSR FTZ (bit 15)
 * and DAZ (bit 6); aarch64: FPCR FZ (bit 24); elsewhere nothing.
 * Returns the previous mode, for dsp_ftz_restore.
 */
unsigned long
dsp_ftz(void)
{
#if defined(__SSE__)
	unsigned int old = _mm_getcsr();

	_mm_setcsr(old | DSP_FTZ_BITS);
	return old;
#elif defined(__aarch64__)
	unsigned long old;

	__asm__ __volatile__("mrs %0, fpcr" : "=r"(old));
	__asm__ __volatile__("msr fpcr, %0" : : "r"(old | DSP_FTZ_BITS));
	return old;
#else
	return 0;
#endif
}

/* The calling thread's floating-point mode bits that dsp_ftz sets. */
unsigned long
dsp_ftz_mode(void)
{
#if defined(__SSE__)
	return _mm_getcsr() & DSP_FTZ_BITS;
#elif defined(__aarch64__)
	unsigned long v;

	__asm__ __volatile__("mrs %0, fpcr" : "=r"(v));
	return v & DSP_FTZ_BITS;
#else
	return 0;
#endif
}

/* Put back the mode dsp_ftz returned (an offline render's caller). */
void
dsp_ftz_restore(unsigned long old)
{
#if defined(__SSE__)
	_mm_setcsr((unsigned int)old);
#elif defined(__aarch64__)
	__asm__ __volatile__("msr fpcr, %0" : : "r"(old));
#else
	(void)old;
#endif
}

/* Decibels to a linear factor. */
float
dsp_db_to_gain(double db)
{
	return (float)pow(10.0, db / 20.0);
}
