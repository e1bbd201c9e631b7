/* SPDX-License-Identifier: MIT */
/*
 * mixer: sums every link into its input (the plan does the summing, as
 * for any node with several inputs) and applies a master level, ramped
 * like gain. A mixer with no links outputs silence. set and process run
 * on the real-time thread.
 */

#include <math.h>

#include "dsp.h"
#include "node.h"

static const struct node_argdesc mixer_args[] = {
	{ "db", NODE_ARG_NUM, -200.0, 40.0, 0.0, NULL, 0, 1 },
};

struct mixer {
	float gain;			/* linear, reached at period end */
	float gain_prev;		/* linear, at period start */
};

static int
mixer_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct mixer *m = st;

	(void)rate;
	(void)err;
	(void)errlen;
	m->gain = m->gain_prev = dsp_db_to_gain(v[0].num);
	return 0;
}

/* RT */
static void
mixer_set(void *st, int arg, double val)
{
	struct mixer *m = st;

	(void)arg;
	m->gain = (float)pow(10.0, val / 20.0);
}

/* RT */
static void
mixer_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct mixer *m = st;

	dsp_gain_ramp(out, in, c->frames * 2, m->gain_prev, m->gain);
	m->gain_prev = m->gain;
}

const struct node_ops node_mixer_ops = {
	.type = "mixer",
	.size = sizeof(struct mixer),
	.args = mixer_args,
	.nargs = 1,
	.init = mixer_init,
	.set = mixer_set,
	.process = mixer_process,
};
