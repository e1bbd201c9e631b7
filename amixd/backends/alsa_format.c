/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend's format edge: the engine's device buffers (float,
 * the device's channels interleaved in the device's own order) to the
 * device's sample format, and back for capture. RT.
 *
 * Channels are not mapped here: the buffers carry exactly the device's
 * channels (1..64) in its channel map's order, and the device nodes
 * convert the graph's layout to the device's. Only a capture PCM that
 * granted another count than playback is padded or cut (decode).
 * Samples go through lib/afmt (k / 2^(n-1) both ways, so capture and
 * playback of the same integer samples are bit-exact). Every format,
 * f32 included, is clipped to full scale: nothing beyond it reaches the
 * device, and each clipped sample is counted in the device sinks'
 * "clipped". s16 gets TPDF dither from a fixed-seed generator where a
 * sample is not exact, so the same graph gives the same bytes and a
 * 16-bit source at 0 dB plays bit-perfect.
 */

#include <stdint.h>

#include "alsa.h"

const struct backend_alsa_fmt backend_alsa_fmts[AL_NFMTS] = {
	[AL_F32] = { SND_PCM_FORMAT_FLOAT_LE, "f32", 4, AM_AFMT_F32 },
	[AL_S32] = { SND_PCM_FORMAT_S32_LE, "s32", 4, AM_AFMT_S32 },
	[AL_S24] = { SND_PCM_FORMAT_S24_LE, "s24", 4, AM_AFMT_S24 },
	[AL_S24_3] = { SND_PCM_FORMAT_S24_3LE, "s24_3", 3, AM_AFMT_S24_3 },
	[AL_S16] = { SND_PCM_FORMAT_S16_LE, "s16", 2, AM_AFMT_S16 },
};

/*
 * RT: float frames of p->channels channels, in the device's order, to
 * the device's format at p->buf, through lib/afmt (rounded, clipped,
 * NaN as 0; s16 dithered where not exact). The number of samples
 * clipped. A flat run of samples whatever the channels: no per-channel
 * work, no branch per frame.
 */
uint64_t
backend_alsa_encode(struct backend_alsa_pcm *p, const float *src,
    uint32_t frames)
{
	return am_afmt_encode(backend_alsa_fmts[p->fmt].afmt, p->buf, src,
	    (size_t)frames * p->channels, p->fmt == AL_S16 ? &p->seed : NULL);
}

/*
 * RT: the device's capture frames to ch channels of float. The same
 * count (the rule: capture opens with playback's channels) is one flat
 * conversion; a capture PCM that granted another count gives its first
 * ch channels, zero for those it lacks, or a mono one its channel on
 * every side.
 */
void
backend_alsa_decode(const struct backend_alsa_pcm *p, float *dst,
    uint32_t ch, uint32_t frames)
{
	const uint8_t *q = p->buf;
	int af = backend_alsa_fmts[p->fmt].afmt;
	uint32_t i, c, bs = backend_alsa_fmts[p->fmt].bytes;

	if (p->channels == ch) {
		am_afmt_decode(af, dst, q, (size_t)frames * ch);
		return;
	}
	for (i = 0; i < frames; i++, q += p->bpf, dst += ch) {
		for (c = 0; c < ch; c++) {
			if (c < p->channels)
				dst[c] = am_afmt_get(af, q + c * bs);
			else
				dst[c] = p->channels == 1 ? dst[0] : 0.0f;
		}
	}
}
