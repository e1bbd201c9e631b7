/* SPDX-License-Identifier: MIT */
#ifndef AM_WAV_H
#define AM_WAV_H

#include <stddef.h>
#include <stdint.h>

#define AM_WAV_PCM	1		/* WAVE_FORMAT_PCM */
#define AM_WAV_FLOAT	3		/* WAVE_FORMAT_IEEE_FLOAT */
#define AM_WAV_EXT	0xfffe		/* WAVE_FORMAT_EXTENSIBLE */
#define AM_WAV_HDR_MAX	80		/* bytes, the extensible float one */

struct am_layout;

/*
 * am_put_le: v as n (1 to 8) little-endian bytes at p.
 * am_wav_header: the RIFF/WAVE header of a stream (see wav.c) into buf
 * (AM_WAV_HDR_MAX bytes); returns its length. am_wav_header_layout:
 * the same for channels at l's positions (l->n channels).
 */
void am_put_le(unsigned char *p, uint64_t v, int n);
size_t am_wav_header(unsigned char *buf, uint32_t rate, uint32_t nch,
    uint32_t bps, int isfloat, uint64_t frames, int endless);
size_t am_wav_header_layout(unsigned char *buf, uint32_t rate,
    const struct am_layout *l, uint32_t bps, int isfloat, uint64_t frames,
    int endless);

#endif /* !defined(AM_WAV_H) */
