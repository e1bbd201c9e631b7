/* SPDX-License-Identifier: MIT */
/*
 * Sample kernels: the only place that loops over samples for mixing,
 * gain, level ramps, metering and the non-finite check. Every function
 * here is bounded and runs on the real-time thread; no allocation, and
 * no state but what the caller holds (struct dsp_ramp). Buffers are
 * interleaved float32 (stereo, unless a function takes a channel count)
 * and n counts samples. The loops themselves
 * are in dsp_kern.h, compiled once per instruction set (dsp_ref.c, the
 * scalar reference; dsp_sse2.c; dsp_avx2.c; dsp_neon.c on aarch64);
 * a constructor picks the best set the CPU runs, once, before main, and
 * the functions here call through that table (dsp_isa.h). dsp_ftz sets the calling thread's floating-point
 * mode so every rendering thread computes the same numbers.
 */

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "cpu.h"
#include "dsp.h"
#include "dsp_isa.h"
#include "level.h"

#define DSP_RAMP_MS	5	/* shortest level ramp, ms */

#define DSP_OPS(name) \
	static const struct dsp_ops dsp_ops_##name = { #name, \
	    dsp_add_##name, dsp_scale_##name, dsp_ramp_seg_##name, \
	    dsp_peak_##name, dsp_sumsq_##name, dsp_finite_##name, \
	    dsp_meter_##name, dsp_matrix_add_##name };
DSP_OPS(ref)
#if defined(__x86_64__)
DSP_OPS(sse2)
DSP_OPS(avx2)
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
DSP_OPS(neon)
#endif

/* Every set there is, the reference first; dsp_ops_init drops the rest. */
static const struct dsp_ops *dsp_ops_list[] = {
	&dsp_ops_ref,
#if defined(__x86_64__)
	&dsp_ops_sse2,
	&dsp_ops_avx2,
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
	&dsp_ops_neon,
#endif
	NULL
};
const struct dsp_ops *dsp_ops_cur = &dsp_ops_ref;

/*
 * At load, before main and so before any thread: keep the sets this
 * CPU runs (AVX2 only where usable, cpu.h) and use the last, or the one
 * AMIXD_KERNELS names when this CPU runs it (tests compare renders
 * across sets). Written once here, read only afterwards.
 */
__attribute__((constructor)) static void
dsp_ops_init(void)
{
	const struct dsp_ops *want;
	const char *env;
	size_t i, n = 0;

	for (i = 0; dsp_ops_list[i] != NULL; i++) {
#if defined(__x86_64__)
		if (dsp_ops_list[i] == &dsp_ops_avx2 &&
		    !am_cpu_avx2())
			continue;
#endif
		dsp_ops_list[n++] = dsp_ops_list[i];
	}
	dsp_ops_list[n] = NULL;
	dsp_ops_cur = dsp_ops_list[n - 1];
	env = getenv("AMIXD_KERNELS");
	if (env != NULL && (want = dsp_ops_find(env)) != NULL)
		dsp_ops_cur = want;
}

/* The i-th set this machine runs, the reference first; NULL past. */
const struct dsp_ops *
dsp_ops_nth(size_t i)
{
	size_t k;

	for (k = 0; k < i && dsp_ops_list[k] != NULL; k++)
		;
	return dsp_ops_list[k];
}

/* The set named isa, if this machine runs it; else NULL. */
const struct dsp_ops *
dsp_ops_find(const char *isa)
{
	size_t i;

	for (i = 0; dsp_ops_list[i] != NULL; i++) {
		if (strcmp(dsp_ops_list[i]->isa, isa) == 0)
			return dsp_ops_list[i];
	}
	return NULL;
}

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
	dsp_ops_cur->add(dst, src, n);
}

/*
 * RT: dst (out_ch channels) += m * src (in_ch channels), frames frames:
 * a link between two layouts (plan.c), m with a row of in_ch gains per
 * output channel (lib/chlayout.h's am_layout_matrix).
 */
void
dsp_matrix_add(float *restrict dst, const float *restrict src,
    uint32_t frames, uint32_t in_ch, uint32_t out_ch,
    const float *restrict m)
{
	dsp_ops_cur->matrix_add(dst, src, frames, in_ch, out_ch, m);
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
 * RT: frames [0, k) of a ramp over ch channels other than two (the
 * kernels' ramp_seg is stereo): the same values, frame i at from +
 * step * (pos + i + 1), the ramp's last exactly to. Returns the last.
 */
static float
dsp_ramp_seg_ch(float *dst, const float *src, const struct dsp_ramp *r,
    uint32_t k, uint32_t ch)
{
	uint32_t i, c;
	float g = r->from;

	for (i = 0; i < k; i++) {
		g = r->pos + i + 1 == r->len ? r->to : r->from + r->step *
		    (float)(int32_t)(r->pos + i + 1);
		for (c = 0; c < ch; c++)
			dst[(size_t)i * ch + c] = src[(size_t)i * ch + c] * g;
	}
	return g;
}

/* RT: dsp_ramp_run's body, inlined for ch 2 as it always was. */
static inline __attribute__((always_inline)) void
dsp_ramp_core(struct dsp_ramp *r, float *dst, const float *src,
    uint32_t frames, uint32_t ch, uint32_t rate)
{
	uint32_t k = 0;
	float g = r->cur;

	if (r->len == 0 && r->cur != r->to) {
		r->from = r->cur;
		r->len = dsp_ramp_frames(frames, rate);
		r->step = (r->to - r->from) / (float)r->len;
	}
	if (r->pos < r->len && frames > 0) {
		k = r->len - r->pos < frames ? r->len - r->pos : frames;
		if (ch == 2)
			g = dsp_ops_cur->ramp_seg(dst, src, r->from, r->step,
			    r->to, r->pos, r->len, k);
		else
			g = dsp_ramp_seg_ch(dst, src, r, k, ch);
		r->pos += k;
		r->cur = g;
	}
	if (k == frames)
		return;
	g = r->to;
	if (g == 1.0f) {
		if (dst != src)
			memmove(dst + ch * k, src + ch * k, (size_t)(frames -
			    k) * ch * sizeof(float));
		return;
	}
	dsp_ops_cur->scale(dst + ch * k, src + ch * k, g, ch * (frames - k));
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
	dsp_ramp_core(r, dst, src, frames, 2, rate);
}

/*
 * RT: dsp_ramp_run over ch interleaved channels (1..64), every channel
 * of a frame at the same level; ch 2 is dsp_ramp_run itself.
 */
void
dsp_ramp_run_ch(struct dsp_ramp *r, float *dst, const float *src,
    uint32_t frames, uint32_t ch, uint32_t rate)
{
	dsp_ramp_core(r, dst, src, frames, ch, rate);
}

/* RT: largest absolute sample. */
float
dsp_peak(const float *src, uint32_t n)
{
	return dsp_ops_cur->peak(src, n);
}

/* RT: sum of squares, for RMS over an interval. */
double
dsp_sumsq(const float *src, uint32_t n)
{
	return dsp_ops_cur->sumsq(src, n);
}

/*
 * RT: replace every NaN and infinity of buf by 0; returns how many
 * there were. Works on the bits, branch-free, so it vectorises and
 * never raises a floating-point exception.
 */
uint32_t
dsp_finite(float *buf, uint32_t n)
{
	return dsp_ops_cur->finite(buf, n);
}

/*
 * RT: dsp_finite, dsp_peak and dsp_sumsq in one pass over buf (one
 * read and one write of each sample): buf is made finite, then its peak
 * and sum of squares go to *peak and *sumsq exactly as the two kernels
 * would give them. Returns the count of non-finite samples replaced.
 * The test is a comparison, which vectorises with the max and the
 * squares in eight lanes (a NaN compares false).
 */
uint32_t
dsp_meter(float *buf, uint32_t n, float *peak, double *sumsq)
{
	return dsp_ops_cur->meter(buf, n, peak, sumsq);
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

/* Decibels to a linear factor (lib/level.c), in float. */
float
dsp_db_to_gain(double db)
{
	return (float)am_db_to_gain(db);
}
