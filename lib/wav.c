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
 *
 * More than two channels, or channels at other positions than a mono or
 * stereo file implies, take WAVE_FORMAT_EXTENSIBLE: a 40-byte format
 * chunk whose dwChannelMask names the positions (am_layout_to_mask,
 * lib/chlayout.c; 0 when they have no bits or are out of bit order, as
 * AUX channels: "no positions", which players read as such), valid
 * bits the sample's, and the PCM or IEEE float subformat GUID; float
 * keeps its fact chunk. Mono and stereo at the default positions keep
 * the plain header, byte for byte as before.
 */

#include <string.h>

#include "chlayout.h"
#include "wav.h"

/* KSDATAFORMAT_SUBTYPE_*: the format code, then this GUID tail. */
static const unsigned char wav_guid_tail[14] = {
	0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00,
	0x38, 0x9b, 0x71
};

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
 * AM_WAV_HDR_MAX bytes; ext: WAVE_FORMAT_EXTENSIBLE with mask. The riff
 * size counts the pad byte an odd data chunk gets at its end. Returns
 * the header's length: 44 or 58 plain, 68 or 80 extensible.
 */
static size_t
wav_header(unsigned char *buf, uint32_t rate, uint32_t nch, uint32_t bps,
    int isfloat, uint64_t frames, int endless, int ext, uint32_t mask)
{
	uint64_t data, riff, fact;
	size_t hlen, fmtlen;
	int code = isfloat ? AM_WAV_FLOAT : AM_WAV_PCM;

	fmtlen = ext ? 40 : isfloat ? 18 : 16;
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
	am_put_le(buf + 20, ext ? AM_WAV_EXT : code, 2);
	am_put_le(buf + 22, nch, 2);
	am_put_le(buf + 24, rate, 4);
	am_put_le(buf + 28, (uint64_t)rate * nch * bps, 4);
	am_put_le(buf + 32, nch * bps, 2);
	am_put_le(buf + 34, 8 * bps, 2);
	buf += 36;
	if (ext) {
		am_put_le(buf, 22, 2);		/* cbSize */
		am_put_le(buf + 2, 8 * bps, 2);	/* wValidBitsPerSample */
		am_put_le(buf + 4, mask, 4);	/* dwChannelMask */
		am_put_le(buf + 8, code, 2);	/* SubFormat */
		memcpy(buf + 10, wav_guid_tail, sizeof(wav_guid_tail));
		buf += 24;
	} else if (isfloat) {
		am_put_le(buf, 0, 2);		/* cbSize */
		buf += 2;
	}
	if (isfloat) {
		memcpy(buf, "fact", 4);
		am_put_le(buf + 4, 4, 4);
		am_put_le(buf + 8, fact, 4);
		buf += 12;
	}
	memcpy(buf, "data", 4);
	am_put_le(buf + 4, data, 4);
	return hlen;
}

/*
 * The header of nch channels at their default positions (plain for 1
 * and 2, extensible with the default layout's mask above): see
 * wav_header.
 */
size_t
am_wav_header(unsigned char *buf, uint32_t rate, uint32_t nch, uint32_t bps,
    int isfloat, uint64_t frames, int endless)
{
	struct am_layout l;

	if (nch <= 2 || am_layout_default(&l, nch) < 0)
		return wav_header(buf, rate, nch, bps, isfloat, frames,
		    endless, 0, 0);
	return am_wav_header_layout(buf, rate, &l, bps, isfloat, frames,
	    endless);
}

/*
 * The header of l->n channels at l's positions: plain for mono and
 * stereo at their default positions, else extensible with l's mask.
 */
size_t
am_wav_header_layout(unsigned char *buf, uint32_t rate,
    const struct am_layout *l, uint32_t bps, int isfloat, uint64_t frames,
    int endless)
{
	struct am_layout def;
	int ext;

	ext = l->n > 2 || am_layout_default(&def, l->n) < 0 ||
	    !am_layout_eq(&def, l);
	return wav_header(buf, rate, l->n, bps, isfloat, frames, endless,
	    ext, ext ? am_layout_to_mask(l) : 0);
}
