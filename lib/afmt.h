/* SPDX-License-Identifier: MIT */
#ifndef AM_AFMT_H
#define AM_AFMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sample formats, all little-endian, and their one conversion to and
 * from float (lib/afmt.c says how). The first four codes are the app
 * ring's (AM_ARING_S16 ...), so a ring's format is an afmt code.
 */
#define AM_AFMT_S16	0		/* 2 bytes */
#define AM_AFMT_S24_3	1		/* 3 bytes, packed */
#define AM_AFMT_S32	2		/* 4 bytes */
#define AM_AFMT_F32	3		/* 4 bytes, IEEE 754 */
#define AM_AFMT_S24	4		/* 4 bytes, the low 24 bits hold it */
#define AM_AFMT_N	5

#define AM_AFMT_DITHER_SEED	0x2545f491u	/* a nonzero xorshift32 state */

uint32_t am_afmt_bytes(int fmt);
uint32_t am_xorshift32(uint32_t *state);
float am_afmt_tpdf(uint32_t *state);
int32_t am_afmt_quant(float x, int bits, uint32_t *dither, uint64_t *clipped);
float am_afmt_get(int fmt, const void *src);
int am_afmt_put(int fmt, void *dst, float x, uint32_t *dither);
void am_afmt_decode(int fmt, float *dst, const void *src, size_t n);
uint64_t am_afmt_encode(int fmt, void *dst, const float *src, size_t n,
    uint32_t *dither);
uint64_t am_afmt_clip(float *buf, size_t n);
uint64_t am_afmt_overs(const float *buf, size_t n);
float am_afmt_sane(float x, float max);

#endif /* !defined(AM_AFMT_H) */
