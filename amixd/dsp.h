/* SPDX-License-Identifier: MIT */
#ifndef DSP_H
#define DSP_H

#include <stdint.h>

/*
 * Pure sample kernels over interleaved float32. n counts samples
 * (frames * channels). All are RT-safe.
 */
void dsp_zero(float *dst, uint32_t n);
void dsp_copy(float *restrict dst, const float *restrict src, uint32_t n);
void dsp_add(float *restrict dst, const float *restrict src, uint32_t n);
float dsp_peak(const float *src, uint32_t n);
double dsp_sumsq(const float *src, uint32_t n);
uint32_t dsp_finite(float *buf, uint32_t n);
uint32_t dsp_meter(float *buf, uint32_t n, float *peak, double *sumsq);
uint32_t dsp_ramp_frames(uint32_t period, uint32_t rate);
void dsp_matrix_add(float *restrict dst, const float *restrict src,
    uint32_t frames, uint32_t in_ch, uint32_t out_ch,
    const float *restrict m);

/*
 * A level that moves linearly to a new target over dsp_ramp_frames
 * frames, across as many periods as that takes. RT after init.
 */
struct dsp_ramp {
	float from;			/* linear, where the ramp started */
	float to;			/* linear, the target */
	float step;			/* per frame */
	float cur;			/* linear, reached so far */
	uint32_t pos, len;		/* frames into the ramp, its length */
};

void dsp_ramp_init(struct dsp_ramp *r, float gain);
void dsp_ramp_set(struct dsp_ramp *r, float gain);
void dsp_ramp_run(struct dsp_ramp *r, float *dst, const float *src,
    uint32_t frames, uint32_t rate);
void dsp_ramp_run_ch(struct dsp_ramp *r, float *dst, const float *src,
    uint32_t frames, uint32_t ch, uint32_t rate);

/* Mode bits dsp_ftz sets: x86 MXCSR FTZ|DAZ, aarch64 FPCR FZ. */
#if defined(__SSE__)
#define DSP_FTZ_BITS	0x8040UL
#elif defined(__aarch64__)
#define DSP_FTZ_BITS	(1UL << 24)
#else
#define DSP_FTZ_BITS	0UL
#endif
unsigned long dsp_ftz(void);
unsigned long dsp_ftz_mode(void);
void dsp_ftz_restore(unsigned long old);
float dsp_db_to_gain(double db);

#endif /* !defined(DSP_H) */
