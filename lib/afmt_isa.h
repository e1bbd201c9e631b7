/* SPDX-License-Identifier: MIT */
#ifndef AM_AFMT_ISA_H
#define AM_AFMT_ISA_H

#include <stddef.h>
#include <stdint.h>

/*
 * The vectorisable conversions of afmt_kern.h, one set per instruction
 * set, and the table afmt.c dispatches through (chosen once, at load).
 */
struct afmt_ops {
	const char *isa;
	void (*dec_s16)(float *restrict, const unsigned char *restrict,
	    size_t);
	void (*dec_s24)(float *restrict, const unsigned char *restrict,
	    size_t);
	void (*dec_s32)(float *restrict, const unsigned char *restrict,
	    size_t);
	uint64_t (*enc_s16)(unsigned char *restrict, const float *restrict,
	    size_t);
	uint64_t (*enc_s24)(unsigned char *restrict, const float *restrict,
	    size_t);
	uint64_t (*enc_s32)(unsigned char *restrict, const float *restrict,
	    size_t);
	uint64_t (*clip)(float *, size_t);
};

#define AFMT_DECLARE(isa) \
	void afmt_dec_s16_##isa(float *restrict, \
	    const unsigned char *restrict, size_t); \
	void afmt_dec_s24_##isa(float *restrict, \
	    const unsigned char *restrict, size_t); \
	void afmt_dec_s32_##isa(float *restrict, \
	    const unsigned char *restrict, size_t); \
	uint64_t afmt_enc_s16_##isa(unsigned char *restrict, \
	    const float *restrict, size_t); \
	uint64_t afmt_enc_s24_##isa(unsigned char *restrict, \
	    const float *restrict, size_t); \
	uint64_t afmt_enc_s32_##isa(unsigned char *restrict, \
	    const float *restrict, size_t); \
	uint64_t afmt_clip_##isa(float *, size_t);

#if defined(__x86_64__)
AFMT_DECLARE(sse2)
AFMT_DECLARE(avx2)
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
AFMT_DECLARE(neon)
#endif

/*
 * am_afmt_ops_nth(i): the sets this machine runs, the one dispatched to
 * last; NULL past the end (and at 0 where there is none: the scalar
 * code of afmt.c runs). am_afmt_ops_cur: the set in use, or NULL; tests
 * and benchmarks may change it while no other thread converts. The
 * scalar reference: am_afmt_decode_ref, am_afmt_encode_ref and
 * am_afmt_clip_ref, the code afmt.c had before.
 */
extern const struct afmt_ops *am_afmt_ops_cur;
const struct afmt_ops *am_afmt_ops_nth(size_t i);
void am_afmt_decode_ref(int fmt, float *dst, const void *src, size_t n);
uint64_t am_afmt_encode_ref(int fmt, void *dst, const float *src, size_t n,
    uint32_t *dither);
uint64_t am_afmt_clip_ref(float *buf, size_t n);

#endif /* !defined(AM_AFMT_ISA_H) */
