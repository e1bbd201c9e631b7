/* SPDX-License-Identifier: MIT */
/*
 * resample: everything upstream of it runs at "rate" (its domain, see
 * plan.c); it converts that to the graph rate. Pull model: each period
 * it asks its domain for blocks of input as the converter needs them:
 * its plan step is a PLAN_PULL step, and node_cycle.pull is rt.c's
 * rt_domain, which runs the domain's steps for one block. A resample
 * node inside another one's domain runs at that domain's rate, not the
 * graph's: its converter is made with RESAMPLER_VARY and follows the
 * rate it is run at; at its own rate it copies.
 *
 * Channels: its converter is made at init for "channels" (default 2),
 * never remade for another count (a plan may be running it, and making
 * one allocates): upstream layouts with another count are converted to
 * it by the link rules, or the link is refused. Put a resample node
 * with "channels":6 behind a 5.1 source. init/done/rate run on the
 * control thread; process on the real-time thread.
 */

#include <stdio.h>

#include "chlayout.h"
#include "node.h"
#include "resampler.h"
#include "rt.h"

enum { RS_ARG_RATE, RS_ARG_QUALITY, RS_ARG_CHANNELS };

static const struct node_argdesc resample_args[] = {
	{ "rate", NODE_ARG_INT, 8000, 192000, 44100, NULL, 1, 0 },
	{ "quality", NODE_ARG_ENUM, 0, 0, RESAMPLER_BEST,
	    resampler_qualities, 0, 0 },
	{ "channels", NODE_ARG_INT, 1, AM_CH_MAX, 2, NULL, 0, 0 },
};

struct resample {
	struct resampler rs;
	uint32_t rate;			/* upstream rate, Hz */
	int quality;
	uint32_t ch;			/* channels its converter has */
	const struct node_cycle *cycle;	/* RT: the period being pulled */
};

static int
resample_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct resample *r = st;

	r->rate = (uint32_t)v[RS_ARG_RATE].num;
	r->quality = (int)v[RS_ARG_QUALITY].num;
	r->ch = (uint32_t)v[RS_ARG_CHANNELS].num;
	return resampler_init_ch(&r->rs, r->quality | RESAMPLER_VARY, r->ch,
	    r->rate, rate, RT_FRAMES_MAX, err, errlen);
}

static void
resample_done(void *st)
{
	struct resample *r = st;

	resampler_done(&r->rs);
}

/* Control: the graph rate changed while stopped: a new converter. */
static int
resample_rate(void *st, uint32_t rate, char *err, size_t errlen)
{
	struct resample *r = st;

	resampler_done(&r->rs);
	return resampler_init_ch(&r->rs, r->quality | RESAMPLER_VARY, r->ch,
	    r->rate, rate, RT_FRAMES_MAX, err, errlen);
}

/*
 * Control: it takes and gives its "channels": its upstream's layout
 * when that has as many, else the default layout of that many, every
 * link converted to it by rule (a link no rule converts is refused).
 */
static int
resample_layout(void *st, const struct am_layout *up, struct am_layout *in,
    struct am_layout *out, char *err, size_t errlen)
{
	struct resample *r = st;

	(void)err;
	(void)errlen;
	if (up != NULL && up->n == r->ch)
		*in = *up;
	else
		(void)am_layout_default(in, r->ch);
	*out = *in;
	return 0;
}

static uint32_t
resample_domain_rate(void *st)
{
	struct resample *r = st;

	return r->rate;
}

/* RT: one block of upstream input, from the domain. */
static void
resample_pull(void *ctx, float *dst, uint32_t frames)
{
	struct resample *r = ctx;
	const float *in;
	uint32_t i;

	in = r->cycle->pull(r->cycle, frames);
	for (i = 0; i < frames * r->ch; i++)
		dst[i] = in[i];
}

/* RT: one period at the rate run at (the graph's or a domain's). */
static void
resample_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct resample *r = st;

	(void)in;
	r->cycle = c;
	if (c->rate == r->rate)
		resample_pull(r, out, c->frames);
	else {
		if (c->rate != r->rs.out_rate)
			resampler_retarget(&r->rs, c->rate);
		resampler_run(&r->rs, out, c->frames, resample_pull, r);
	}
	r->cycle = NULL;
}

const struct node_ops node_resample_ops = {
	.type = "resample",
	.size = sizeof(struct resample),
	.flags = NODE_DOMAIN,
	.args = resample_args,
	.nargs = 3,
	.init = resample_init,
	.done = resample_done,
	.process = resample_process,
	.rate = resample_rate,
	.domain_rate = resample_domain_rate,
	.layout = resample_layout,
};
