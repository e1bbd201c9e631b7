/* SPDX-License-Identifier: MIT */
/*
 * What runs in place of a node the watchdog took out of the schedule
 * (watchdog.c, plan.c); not node types a request can name, so not in
 * node.c's registry nor in nodes/. The node's own code is never called
 * again, since an abandoned thread may still be inside it. bypass passes the input
 * through (an effect, a sink); mute outputs silence, for a node whose
 * input is no signal of the graph rate (a source, a resample node, whose
 * upstream runs at another rate): it is flagged NODE_DOMAIN so rt.c
 * hands it no input and never sums one, and it never pulls. Neither has
 * state. Both run on the real-time thread.
 */

#include <stddef.h>

#include "dsp.h"
#include "node.h"

/*
 * RT: out = in; with other channel counts (a channel_map taken out),
 * the channels both have, the rest of out silent.
 */
static void
bypass_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	uint32_t f, k;

	(void)st;
	if (c->in_ch == c->out_ch) {
		dsp_copy(out, in, c->frames * c->in_ch);
		return;
	}
	for (f = 0; f < c->frames; f++) {
		for (k = 0; k < c->out_ch; k++)
			out[(size_t)f * c->out_ch + k] = k < c->in_ch ?
			    in[(size_t)f * c->in_ch + k] : 0.0f;
	}
}

/* RT: out = 0. */
static void
mute_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	(void)st;
	(void)in;
	dsp_zero(out, c->frames * c->out_ch);
}

const struct node_ops node_bypass_ops = {
	.type = "bypass",
	.process = bypass_process,
};

const struct node_ops node_mute_ops = {
	.type = "mute",
	.flags = NODE_DOMAIN,
	.process = mute_process,
};
