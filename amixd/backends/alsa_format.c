/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend's format edge: the graph's stereo float to the
 * device's channels and sample format, and back for capture. RT.
 *
 * Channels: the graph is stereo. A mono device gets (L + R) / 2, a mono
 * capture is copied to both sides; devices with more channels get L and
 * R on the first two and silence on the rest, and give their first two.
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

/* RT: device channel c of frame i of the stereo graph output. */
static inline float
backend_alsa_out(const float *src, uint32_t i, uint32_t c, uint32_t ch)
{
	if (ch == 1)
		return 0.5f * (src[2 * i] + src[2 * i + 1]);
	return c < 2 ? src[2 * i + c] : 0.0f;
}

/*
 * RT: stereo float frames to the device's channels and format at p->buf,
 * through lib/afmt (rounded, clipped, NaN as 0; s16 dithered where not
 * exact). The number of samples clipped.
 */
uint64_t
backend_alsa_encode(struct backend_alsa_pcm *p, const float *src,
    uint32_t frames)
{
	uint32_t i, c, ch = p->channels;
	int af = backend_alsa_fmts[p->fmt].afmt;
	uint32_t bs = backend_alsa_fmts[p->fmt].bytes;
	uint32_t *dither = p->fmt == AL_S16 ? &p->seed : NULL;
	unsigned char *b = p->buf;
	uint64_t clipped = 0;

	if (ch == 2)
		return am_afmt_encode(af, p->buf, src, (size_t)frames * 2,
		    dither);
	for (i = 0; i < frames; i++)
		for (c = 0; c < ch; c++, b += bs)
			clipped += (uint64_t)am_afmt_put(af, b,
			    backend_alsa_out(src, i, c, ch), dither);
	return clipped;
}

/* RT: the device's capture frames to stereo float. */
void
backend_alsa_decode(const struct backend_alsa_pcm *p, float *dst,
    uint32_t frames)
{
	const uint8_t *q = p->buf;
	int af = backend_alsa_fmts[p->fmt].afmt;
	uint32_t i, bs = backend_alsa_fmts[p->fmt].bytes;

	if (p->channels == 2) {
		am_afmt_decode(af, dst, q, (size_t)frames * 2);
		return;
	}
	for (i = 0; i < frames; i++, q += p->bpf) {
		dst[2 * i] = am_afmt_get(af, q);
		dst[2 * i + 1] = p->channels == 1 ? dst[2 * i] :
		    am_afmt_get(af, q + bs);
	}
}
