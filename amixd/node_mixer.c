/* SPDX-License-Identifier: MIT */
/*
 * mixer: sums every link into its input (the plan does the summing, as
 * for any node with several inputs) and applies a master level, ramped
 * like gain. A mixer with no links outputs silence. set and process run
 * on the real-time thread.
 */

#include "dsp.h"
#include "node.h"

static const struct node_argdesc mixer_args[] = {
	{ "db", NODE_ARG_NUM, -200.0, 40.0, 0.0, NULL, 0, 1 },
};

struct mixer {
	struct dsp_ramp level;		/* linear */
};

static int
mixer_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct mixer *m = st;

	(void)rate;
	(void)err;
	(void)errlen;
	dsp_ramp_init(&m->level, dsp_db_to_gain(v[0].num));
	return 0;
}

/* RT */
static void
mixer_set(void *st, int arg, double val)
{
	struct mixer *m = st;

	(void)arg;
	dsp_ramp_set(&m->level, dsp_db_to_gain(val));
}

/* RT */
static void
mixer_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct mixer *m = st;

	dsp_ramp_run(&m->level, out, in, c->frames, c->rate);
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
