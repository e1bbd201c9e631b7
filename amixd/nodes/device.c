/* SPDX-License-Identifier: MIT */
/*
 * device_sink and device_source: the graph's ends at the device. A sink
 * adds its input into the backend's playback buffer (several sinks mix);
 * a source copies the backend's capture buffer out (silence on a backend
 * without capture, such as null). Both run on the real-time thread and
 * keep no state. Both see the device's buffers, one period at the
 * device rate: they are NODE_DEVICE, never placed in a resample node's
 * rate domain (graph_domains refuses the link that would). Their
 * layout is the device's (graph.dev_layout, which engine_open sets from
 * the backend; graph_layout.c gives it them), with node_cycle.dev_ch
 * channels in the device buffers.
 *
 * Clipping happens where the playback buffer meets the device (the
 * backend): device_sink_clipped then adds what was clipped to every
 * device sink's "clipped", since the sinks share that one buffer.
 */

#include <stdatomic.h>

#include "dsp.h"
#include "node.h"
#include "plan.h"

extern const struct node_ops node_device_sink_ops;	/* below */

/*
 * RT: the channels both sides have, from src (sch channels) to dst
 * (dch), added or copied; dst's other channels are left (add) or
 * cleared. Only when the plan's device layout and the device's
 * buffers disagree, which engine_open never lets a running plan see.
 */
static void
device_remap(float *dst, uint32_t dch, const float *src, uint32_t sch,
    uint32_t frames, int add)
{
	uint32_t f, k;

	for (f = 0; f < frames; f++) {
		for (k = 0; k < dch; k++) {
			if (k < sch && add)
				dst[(size_t)f * dch + k] += src[(size_t)f *
				    sch + k];
			else if (!add)
				dst[(size_t)f * dch + k] = k < sch ?
				    src[(size_t)f * sch + k] : 0.0f;
		}
	}
}

/* RT */
static void
device_sink_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	(void)st;
	(void)out;
	if (c->in_ch == c->dev_ch)
		dsp_add(c->dev_out, in, c->frames * c->dev_ch);
	else
		device_remap(c->dev_out, c->dev_ch, in, c->in_ch, c->frames,
		    1);
}

/* RT */
static void
device_source_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	(void)st;
	(void)in;
	if (c->out_ch == c->dev_ch)
		dsp_copy(out, c->dev_in, c->frames * c->dev_ch);
	else
		device_remap(out, c->out_ch, c->dev_in, c->dev_ch, c->frames,
		    0);
}

/*
 * RT: n samples of the period the plan p just ran were clipped at the
 * device (or, for JACK, went out beyond full scale): count them in each
 * of p's device sinks. The RT thread is the counter's only writer.
 */
void
device_sink_clipped(const struct plan *p, uint64_t n)
{
	struct node_stats *st;
	uint32_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].ops != &node_device_sink_ops)
			continue;
		st = p->steps[i].stats;
		atomic_store_explicit(&st->clipped, atomic_load_explicit(
		    &st->clipped, memory_order_relaxed) + n,
		    memory_order_relaxed);
	}
}

const struct node_ops node_device_sink_ops = {
	.type = "device_sink",
	.flags = NODE_SINK | NODE_DEVICE,
	.process = device_sink_process,
};

const struct node_ops node_device_source_ops = {
	.type = "device_source",
	.flags = NODE_SOURCE | NODE_DEVICE,
	.process = device_source_process,
};
