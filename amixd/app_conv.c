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
 * exact, f32 as it is). Both take frames x channels samples at once
 * through lib/afmt's bulk conversions, whatever the count: the values
 * are those of its per-sample ones (am_afmt_get/put; the dither is
 * drawn once per sample, in the same order), so a stereo ring gets the
 * bytes it always did, and for fewer instructions than the per-sample
 * loops app.c had.
 *
 * Channels between the node and the graph: the engine sizes buffers by
 * channels (node_cycle.in_ch/out_ch) and an app node's layout hook asks
 * for the ring's layout, so links convert and the counts agree.
 * app_conv_adapt is the guard for buffers of another count (0, from a
 * caller that gives none, is stereo): mono is copied to both channels
 * (source) or the pair averaged (sink), as app nodes did before
 * layouts; other counts keep the channels they share and zero the
 * rest, never touching a sample past either buffer.
 *
 * app_conv_layout, on the control thread at init, is the layout the
 * node gives or takes: the ring's (checked at attach, lib/aring.c), or
 * the "layout" argument's, a relabelling of the same count.
 *
 * The rest is RT: loads, stores and arithmetic; no call outside
 * lib/afmt.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "afmt.h"
#include "app_conv.h"

/*
 * RT: n ring frames at src as float frames of the ring's channels:
 * lib/afmt's bulk decode (its SIMD kernels give am_afmt_get's values),
 * then f32 made sane where it is not already.
 */
void
app_conv_in(const struct am_aring *r, const unsigned char *src,
    float *dst, uint32_t n)
{
	size_t i, m = (size_t)n * r->channels;
	float x;

	am_afmt_decode((int)r->format, dst, src, m);
	if (r->format != AM_ARING_F32)
		return;
	for (i = 0; i < m; i++) {
		x = dst[i];
		if (!(x >= -AM_ARING_F32_MAX && x <= AM_ARING_F32_MAX))
			dst[i] = am_afmt_sane(x, AM_ARING_F32_MAX);
	}
}

/*
 * RT: n float frames of the ring's channels at src into ring frames:
 * f32 copied as it is (overs kept, as in a float file), integers by
 * lib/afmt's bulk encode, s16 dithered from seed (am_afmt_put's values
 * and draws, in order).
 */
void
app_conv_out(const struct am_aring *r, uint32_t *seed, const float *src,
    unsigned char *dst, uint32_t n)
{
	size_t m = (size_t)n * r->channels;

	if (r->format == AM_ARING_F32)
		memcpy(dst, src, m * sizeof(float));
	else
		am_afmt_encode((int)r->format, dst, src, m,
		    r->format == AM_ARING_S16 ? seed : NULL);
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
 * Control: into *l, the layout of the node on ring r: the ring's, or
 * s's (the "layout" argument, NULL if none) when it has the ring's
 * channel count. 0, or -EINVAL with err; *l is then the ring's.
 */
int
app_conv_layout(const struct am_aring *r, const char *s,
    struct am_layout *l, char *err, size_t errlen)
{
	char why[160], have[AM_LAYOUT_STRLEN];

	*l = r->layout;
	if (s == NULL)
		return 0;
	if (am_layout_parse(l, s, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s", why);	/* names the layout */
		return -EINVAL;
	}
	if (l->n != r->channels) {
		snprintf(err, errlen, "layout: %s has %u channels, but the "
		    "ring has %u (%s)", s, l->n, r->channels,
		    am_layout_str(&r->layout, have, sizeof(have)));
		*l = r->layout;
		return -EINVAL;
	}
	return 0;
}
