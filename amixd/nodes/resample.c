/* SPDX-License-Identifier: MIT */
/*
 * resample: everything upstream of it runs at "rate" (its domain, see
 * plan.c); it converts that to the graph rate. Pull model: each period
 * it asks its domain for blocks of input as the converter needs them:
 * its plan step is a PLAN_PULL step, and node_cycle.pull is rt.c's
 * rt_domain, which runs the domain's steps for one block. A resample
 * node inside another one's domain runs at that domain's rate, not the
 * graph's: its converter is made with RESAMPLER_VARY and follows the
 * rate it is run at; at its own rate it copies. init/done/rate run on
 * the control thread; process on the real-time thread.
 */

#include <stdio.h>

#include "node.h"
#include "resampler.h"
#include "rt.h"

enum { RS_ARG_RATE, RS_ARG_QUALITY };

static const struct node_argdesc resample_args[] = {
	{ "rate", NODE_ARG_INT, 8000, 192000, 44100, NULL, 1, 0 },
	{ "quality", NODE_ARG_ENUM, 0, 0, RESAMPLER_BEST,
	    resampler_qualities, 0, 0 },
};

struct resample {
	struct resampler rs;
	uint32_t rate;			/* upstream rate, Hz */
	int quality;
	const struct node_cycle *cycle;	/* RT: the period being pulled */
};

static int
resample_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct resample *r = st;

	r->rate = (uint32_t)v[RS_ARG_RATE].num;
	r->quality = (int)v[RS_ARG_QUALITY].num;
	return resampler_init(&r->rs, r->quality | RESAMPLER_VARY, r->rate,
	    rate, RT_FRAMES_MAX, err, errlen);
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
	return resampler_init(&r->rs, r->quality | RESAMPLER_VARY, r->rate,
	    rate, RT_FRAMES_MAX, err, errlen);
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
	for (i = 0; i < frames * 2; i++)
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
	.nargs = 2,
	.init = resample_init,
	.done = resample_done,
	.process = resample_process,
	.rate = resample_rate,
	.domain_rate = resample_domain_rate,
};
