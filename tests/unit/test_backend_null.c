/* SPDX-License-Identifier: MIT */
/*
 * The null backend's restart after an xrun, on its real RT thread: a
 * node holds one cycle for three periods, then the next cycle must wait
 * a whole period after the late one, as a device restarted after an
 * underrun would, so that a client the late cycle woke (an app ring of
 * one period) has that period to refill. The old restart ran the next
 * cycle at once and found every such ring empty.
 *
 * Only lower bounds on time are asserted: clock_nanosleep never returns
 * early, and a loaded machine can only make a gap longer.
 */

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "node.h"
#include "queue.h"
#include "rt.h"
#include "t.h"
#include "tgraph.h"

#define HOLD_AT		40	/* the cycle held */
#define CYCLES		(HOLD_AT + 20)
#define PERIOD		128
#define RATE		48000

static struct engine e;
static uint64_t t_start[CYCLES], t_end[CYCLES];
static atomic_uint calls;

/* A sink that stamps each call and holds one for three periods. */
static void
stamp_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	uint32_t k = atomic_load(&calls);
	uint64_t per = am_clock_frames_ns(PERIOD, RATE);

	(void)st;
	(void)c;
	(void)in;
	(void)out;
	if (k >= CYCLES)
		return;
	t_start[k] = am_clock_ns();
	if (k == HOLD_AT) {
		while (am_clock_ns() < t_start[k] + 3 * per)
			;
	}
	t_end[k] = am_clock_ns();
	atomic_store(&calls, k + 1);
}

static const struct node_ops stamp_ops = {
	.type = "stamp",
	.size = 1,
	.flags = NODE_SINK,
	.process = stamp_process,
};

int
main(void)
{
	struct dev_config dev;
	struct node *tone, *stamp;
	struct timespec ts = { 0, 1000000 };
	uint64_t per = am_clock_frames_ns(PERIOD, RATE), gap;
	struct rt_event rev;
	uint64_t pos = 0;
	char err[160];
	int i;

	memset(&dev, 0, sizeof(dev));
	dev.rate = RATE;
	dev.period = PERIOD;
	dev.channels = 2;
	is_int(engine_init(&e, &backend_null_ops, &dev), 0, "engine_init");
	tone = t_node_new(&e.graph, node_ops_find("tone"), 0);
	stamp = t_node_init(&e.graph, &stamp_ops, NULL);
	is_int(t_link(&e.graph, tone->id, stamp->id), 0, "tone -> stamp");
	is_int(engine_commit(&e), 0, "committed");
	is_int(engine_start(&e, err, sizeof(err)), 0, "null backend starts");
	for (i = 0; i < 5000 && atomic_load(&calls) < CYCLES; i++)
		nanosleep(&ts, NULL);
	engine_stop(&e);
	is_int((long long)atomic_load(&calls), CYCLES, "%d cycles ran", CYCLES);
	ok(atomic_load(&e.rt.xruns) >= 1, "the held cycle is an xrun");
	gap = t_start[HOLD_AT + 1] - t_end[HOLD_AT];
	ok(gap >= per, "the cycle after the xrun starts a period after the "
	    "late one ended (%.3f ms, period %.3f ms)", gap / 1e6, per / 1e6);
	for (i = HOLD_AT + 2; i < CYCLES; i++) {
		if (t_start[i] < t_end[HOLD_AT] +
		    (uint64_t)(i - HOLD_AT) * per)
			break;
	}
	is_int(i, CYCLES, "and the clock goes on from there, a period a "
	    "cycle, never ahead");
	while (am_queue_pop(&e.rt.events, &rev) == 0) {
		/* Load may add xruns of its own: look for the held one. */
		if (rev.type == RT_EV_XRUN &&
		    rev.pos == (uint64_t)(HOLD_AT + 1) * PERIOD)
			pos = rev.pos;
	}
	is_int((long long)pos, (long long)(HOLD_AT + 1) * PERIOD,
	    "an xrun event's pos is the first frame of the cycle after "
	    "the late one");
	engine_done(&e);
	return t_done();
}
