/* SPDX-License-Identifier: MIT */
/*
 * gain and mixer: one level, in dB, on the node's input. They are the
 * same code under two names: a mixer is a gain one links many inputs
 * into (the plan sums every link into a node's input, as for any node
 * with several; a mixer with no links outputs silence), and its level
 * is the master level. A change ramps linearly over one period or 5 ms,
 * whichever is longer, across as many periods as that takes (dsp_ramp:
 * no click even at 16 frames a period); at 0 dB the path is an exact
 * copy. Any layout: the node takes and gives its widest input's (no
 * layout hook), every channel at the same level. init runs on the
 * control thread; set and process on the real-time one.
 */

#include "dsp.h"
#include "node.h"

static const struct node_argdesc gain_args[] = {
	{ "db", NODE_ARG_NUM, -200.0, 40.0, 0.0, NULL, 0, 1 },
};

struct gain {
	struct dsp_ramp level;		/* linear */
};

static int
gain_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct gain *g = st;

	(void)rate;
	(void)err;
	(void)errlen;
	dsp_ramp_init(&g->level, dsp_db_to_gain(v[0].num));
	return 0;
}

/* RT: new level, ramped to from the next period on. */
static void
gain_set(void *st, int arg, double val)
{
	struct gain *g = st;

	(void)arg;
	dsp_ramp_set(&g->level, dsp_db_to_gain(val));
}

/* RT */
static void
gain_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct gain *g = st;

	if (c->in_ch == 2)	/* the stereo kernel, as always */
		dsp_ramp_run(&g->level, out, in, c->frames, c->rate);
	else
		dsp_ramp_run_ch(&g->level, out, in, c->frames, c->in_ch,
		    c->rate);
}

/* One table under two names: a mixer is a gain a graph links many into. */
#define GAIN_OPS(name) {						\
	.type = (name),							\
	.size = sizeof(struct gain),					\
	.args = gain_args,						\
	.nargs = 1,							\
	.init = gain_init,						\
	.set = gain_set,						\
	.process = gain_process,					\
}

const struct node_ops node_gain_ops = GAIN_OPS("gain");
const struct node_ops node_mixer_ops = GAIN_OPS("mixer");
