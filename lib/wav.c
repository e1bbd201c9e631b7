/* SPDX-License-Identifier: MIT */
/*
 * wav: little-endian byte order and the RIFF/WAVE header the tools write
 * before a stream of samples (amtone, amcat's record). The header is
 * the plainest one players accept: a 16-byte PCM format chunk for
 * integers, an 18-byte IEEE float one plus a "fact" chunk for float,
 * then "data". A stream of unknown length (endless) has 0xffffffff in
 * every size field, as sox and ffmpeg write to pipes; so has one whose
 * sizes do not fit in 32 bits. The samples themselves are encoded by
 * afmt.c. Any thread, no allocation.
 */

#include <string.h>

#include "wav.h"

/* v as n little-endian bytes at p. */
void
am_put_le(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * The header of frames frames (or endless) of nch channels of bps bytes
 * a sample at rate, float (bps 4) or integer, into buf, which holds
 * AM_WAV_HDR_MAX bytes. The riff size counts the pad byte an odd data
 * chunk gets at its end. Returns the header's length, 44 or 58.
 */
size_t
am_wav_header(unsigned char *buf, uint32_t rate, uint32_t nch, uint32_t bps,
    int isfloat, uint64_t frames, int endless)
{
	uint64_t data, riff, fact;
	size_t hlen, fmtlen;

	fmtlen = isfloat ? 18 : 16;
	hlen = 12 + 8 + fmtlen + (isfloat ? 12 : 0) + 8;
	data = frames * nch * bps;
	riff = hlen - 8 + data + (data & 1);
	fact = frames;
	if (endless || riff > 0xffffffffULL)
		data = riff = 0xffffffff;
	if (endless || fact > 0xffffffffULL)
		fact = 0xffffffff;

	memcpy(buf, "RIFF", 4);
	am_put_le(buf + 4, riff, 4);
	memcpy(buf + 8, "WAVEfmt ", 8);
	am_put_le(buf + 16, fmtlen, 4);
	am_put_le(buf + 20, isfloat ? AM_WAV_FLOAT : AM_WAV_PCM, 2);
	am_put_le(buf + 22, nch, 2);
	am_put_le(buf + 24, rate, 4);
	am_put_le(buf + 28, (uint64_t)rate * nch * bps, 4);
	am_put_le(buf + 32, nch * bps, 2);
	am_put_le(buf + 34, 8 * bps, 2);
	buf += 36;
	if (isfloat) {
		am_put_le(buf, 0, 2);		/* cbSize */
		memcpy(buf + 2, "fact", 4);
		am_put_le(buf + 6, 4, 4);
		am_put_le(buf + 10, fact, 4);
		buf += 14;
	}
	memcpy(buf, "data", 4);
	am_put_le(buf + 4, data, 4);
	return hlen;
}
