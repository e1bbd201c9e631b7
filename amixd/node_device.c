/* SPDX-License-Identifier: MIT */
/*
 * device_sink and device_source: the graph's ends at the device. A sink
 * adds its input into the backend's playback buffer (several sinks mix);
 * a source copies the backend's capture buffer out (silence on a backend
 * without capture, such as null). Both run on the real-time thread and
 * keep no state.
 */

#include "dsp.h"
#include "node.h"

/* RT */
static void
device_sink_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	(void)st;
	(void)out;
	dsp_add(c->dev_out, in, c->frames * 2);
}

/* RT */
static void
device_source_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	(void)st;
	(void)in;
	dsp_copy(out, c->dev_in, c->frames * 2);
}

const struct node_ops node_device_sink_ops = {
	.type = "device_sink",
	.flags = NODE_SINK,
	.process = device_sink_process,
};

const struct node_ops node_device_source_ops = {
	.type = "device_source",
	.flags = NODE_SOURCE,
	.process = device_source_process,
};
