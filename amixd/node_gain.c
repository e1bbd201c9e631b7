/* SPDX-License-Identifier: MIT */
/*
 * gain: scales its input by a level in dB. A change ramps linearly over
 * one period (no zipper noise); at 0 dB the path is an exact copy.
 * init runs on the control thread; set and process on the real-time one.
 */

#include <math.h>

#include "dsp.h"
#include "node.h"

static const struct node_argdesc gain_args[] = {
	{ "db", NODE_ARG_NUM, -200.0, 40.0, 0.0, NULL, 0, 1 },
};

struct gain {
	float gain;			/* linear, reached at period end */
	float gain_prev;		/* linear, at period start */
};

static int
gain_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct gain *g = st;

	(void)rate;
	(void)err;
	(void)errlen;
	g->gain = g->gain_prev = dsp_db_to_gain(v[0].num);
	return 0;
}

/* RT: new level, reached at the end of the next period. */
static void
gain_set(void *st, int arg, double val)
{
	struct gain *g = st;

	(void)arg;
	g->gain = (float)pow(10.0, val / 20.0);
}

/* RT */
static void
gain_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct gain *g = st;

	dsp_gain_ramp(out, in, c->frames * 2, g->gain_prev, g->gain);
	g->gain_prev = g->gain;
}

const struct node_ops node_gain_ops = {
	.type = "gain",
	.size = sizeof(struct gain),
	.args = gain_args,
	.nargs = 1,
	.init = gain_init,
	.set = gain_set,
	.process = gain_process,
};
