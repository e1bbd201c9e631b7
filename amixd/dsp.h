/* SPDX-License-Identifier: MIT */
#ifndef DSP_H
#define DSP_H

#include <stdint.h>

/*
 * Pure sample kernels over interleaved stereo float32. n counts samples
 * (frames * 2). All are RT-safe.
 */
void dsp_zero(float *dst, uint32_t n);
void dsp_copy(float *restrict dst, const float *restrict src, uint32_t n);
void dsp_add(float *restrict dst, const float *restrict src, uint32_t n);
void dsp_gain_ramp(float *restrict dst, const float *restrict src,
    uint32_t n, float g0, float g1);
float dsp_peak(const float *src, uint32_t n);
double dsp_sumsq(const float *src, uint32_t n);
void dsp_ftz(void);
float dsp_db_to_gain(double db);

#endif /* !defined(DSP_H) */
