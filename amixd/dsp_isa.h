/* SPDX-License-Identifier: MIT */
#ifndef DSP_ISA_H
#define DSP_ISA_H

#include <stddef.h>
#include <stdint.h>

/*
 * The sample kernels of dsp_kern.h, one set per instruction set, and
 * the table dsp.c dispatches through (chosen once, at load).
 */
struct dsp_ops {
	const char *isa;
	void (*add)(float *restrict dst, const float *restrict src,
	    uint32_t n);
	void (*scale)(float *dst, const float *src, float g, uint32_t n);
	float (*ramp_seg)(float *dst, const float *src, float from,
	    float step, float to, uint32_t pos, uint32_t len, uint32_t k);
	float (*peak)(const float *src, uint32_t n);
	double (*sumsq)(const float *src, uint32_t n);
	uint32_t (*finite)(float *buf, uint32_t n);
	uint32_t (*meter)(float *buf, uint32_t n, float *peak,
	    double *sumsq);
	void (*matrix_add)(float *restrict dst, const float *restrict src,
	    uint32_t frames, uint32_t in_ch, uint32_t out_ch,
	    const float *restrict m);
};

#define DSP_DECLARE(isa) \
	void dsp_add_##isa(float *restrict, const float *restrict, \
	    uint32_t); \
	void dsp_scale_##isa(float *, const float *, float, uint32_t); \
	float dsp_ramp_seg_##isa(float *, const float *, float, float, \
	    float, uint32_t, uint32_t, uint32_t); \
	float dsp_peak_##isa(const float *, uint32_t); \
	double dsp_sumsq_##isa(const float *, uint32_t); \
	uint32_t dsp_finite_##isa(float *, uint32_t); \
	uint32_t dsp_meter_##isa(float *, uint32_t, float *, double *); \
	void dsp_matrix_add_##isa(float *restrict, const float *restrict, \
	    uint32_t, uint32_t, uint32_t, const float *restrict);

DSP_DECLARE(ref)
#if defined(__x86_64__)
DSP_DECLARE(sse2)
DSP_DECLARE(avx2)
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
DSP_DECLARE(neon)
#endif

/*
 * dsp_ops_nth(i): the kernel sets this machine runs, the reference
 * first and the one dispatched to by default last; NULL past the end.
 * dsp_ops_find: one by name, or NULL. dsp_ops_cur: the set dsp.c calls,
 * chosen at load; tests and benchmarks may point it at another while
 * no other thread runs kernels.
 */
extern const struct dsp_ops *dsp_ops_cur;
const struct dsp_ops *dsp_ops_nth(size_t i);
const struct dsp_ops *dsp_ops_find(const char *isa);

#endif /* !defined(DSP_ISA_H) */
