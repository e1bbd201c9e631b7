/* SPDX-License-Identifier: MIT */
#ifndef AM_WAV_H
#define AM_WAV_H

#include <stddef.h>
#include <stdint.h>

#define AM_WAV_PCM	1		/* WAVE_FORMAT_PCM */
#define AM_WAV_FLOAT	3		/* WAVE_FORMAT_IEEE_FLOAT */
#define AM_WAV_HDR_MAX	58		/* bytes, the float header */

/*
 * am_put_le: v as n (1 to 8) little-endian bytes at p.
 * am_wav_header: the RIFF/WAVE header of a stream (see wav.c) into buf
 * (AM_WAV_HDR_MAX bytes); returns its length.
 */
void am_put_le(unsigned char *p, uint64_t v, int n);
size_t am_wav_header(unsigned char *buf, uint32_t rate, uint32_t nch,
    uint32_t bps, int isfloat, uint64_t frames, int endless);

#endif /* !defined(AM_WAV_H) */
