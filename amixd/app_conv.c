/* SPDX-License-Identifier: MIT */
/*
 * app_conv: the samples of an app node (nodes/app.c) between its ring
 * and the graph's float buffers, for 1 to 64 channels.
 *
 * A ring holds interleaved little-endian samples of its format; the
 * graph, interleaved floats. app_conv_in turns n ring frames into float
 * frames of the ring's own channels (f32 clamped to +-AM_ARING_F32_MAX,
 * NaN made 0, so a client's garbage stays its own); app_conv_out the
 * reverse (integers through lib/afmt, s16 dithered where a sample is not
 * exact, f32 as it is). Both walk frames x channels samples in order,
 * one loop whatever the count: a stereo ring costs what it did when
 * these loops were stereo only, and its bytes are the same (the dither
 * generator is drawn once per sample, in the same order).
 *
 * Channels between the node and the graph: with an engine that sizes
 * buffers by channels (node_cycle.in_ch/out_ch), an app node's layout
 * hook asks for the ring's layout, links convert, and the counts
 * always agree. app_conv_adapt covers the other case, an engine whose
 * buffers are all stereo (in_ch/out_ch 0): mono is copied to both
 * channels (source) or the pair averaged (sink), as app nodes always
 * did; other counts keep the channels they share and zero the rest.
 *
 * app_conv_ramp runs the pause and volume levels (struct dsp_ramp) over
 * frames of any channel count: stereo through dsp_ramp_run (its SIMD
 * kernels), others with the same arithmetic, frame k of a ramp at
 * from + step * (k + 1) and the last frame exactly at the target.
 *
 * All RT: loads, stores and arithmetic; no call outside lib/afmt and
 * dsp.c.
 */

#include <string.h>

#include "app_conv.h"
#include "dsp.h"

/* RT: n ring frames at src as float frames of the ring's channels. */
void
app_conv_in(const struct am_aring *r, const unsigned char *src,
    float *dst, uint32_t n)
{
	uint32_t i, sb = r->fbytes / r->channels;
	size_t m = (size_t)n * r->channels;

	for (i = 0; i < m; i++)
		dst[i] = app_conv_get(r->format, src + (size_t)i * sb);
}

/* RT: n float frames of the ring's channels at src into ring frames. */
void
app_conv_out(const struct am_aring *r, uint32_t *seed, const float *src,
    unsigned char *dst, uint32_t n)
{
	uint32_t i, sb = r->fbytes / r->channels;
	size_t m = (size_t)n * r->channels;

	for (i = 0; i < m; i++)
		app_conv_put(r->format, src[i], dst + (size_t)i * sb, seed);
}

/*
 * RT: n frames of sch channels at src as frames of dch channels at dst
 * (no overlap): 1 -> 2 copies, 2 -> 1 averages, otherwise the shared
 * channels are copied and the others are 0.
 */
void
app_conv_adapt(float *dst, uint32_t dch, const float *src, uint32_t sch,
    uint32_t n)
{
	uint32_t i, k, both = dch < sch ? dch : sch;

	if (sch == 1 && dch == 2) {
		for (i = 0; i < n; i++)
			dst[2 * i] = dst[2 * i + 1] = src[i];
		return;
	}
	if (sch == 2 && dch == 1) {
		for (i = 0; i < n; i++)
			dst[i] = (src[2 * i] + src[2 * i + 1]) * 0.5f;
		return;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < both; k++)
			dst[(size_t)i * dch + k] = src[(size_t)i * sch + k];
		for (; k < dch; k++)
			dst[(size_t)i * dch + k] = 0.0f;
	}
}

/*
 * RT: dst = src * level for n frames of ch channels at rate Hz; dst may
 * be src. Stereo is dsp_ramp_run; other counts the same values.
 */
void
app_conv_ramp(struct dsp_ramp *p, float *dst, const float *src, uint32_t n,
    uint32_t ch, uint32_t rate)
{
	uint32_t i, k, j = 0;
	float g;

	if (ch == 2) {
		dsp_ramp_run(p, dst, src, n, rate);
		return;
	}
	if (p->len == 0 && p->cur != p->to) {
		p->from = p->cur;
		p->len = dsp_ramp_frames(n, rate);
		p->step = (p->to - p->from) / (float)p->len;
	}
	for (; j < n && p->pos < p->len; j++) {
		p->pos++;
		g = p->pos == p->len ? p->to : p->from + p->step *
		    (float)(int32_t)p->pos;
		p->cur = g;
		for (k = 0; k < ch; k++)
			dst[(size_t)j * ch + k] = src[(size_t)j * ch + k] * g;
	}
	g = p->to;
	if (j == n || (g == 1.0f && dst == src))
		return;
	for (i = j * ch; i < n * ch; i++)
		dst[i] = src[i] * g;
}
