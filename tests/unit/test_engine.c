/* SPDX-License-Identifier: MIT */
/*
 * The schedule swap, the parameter queue and the event queue under two
 * threads: a stand-in RT thread runs rt_cycle back to back while this
 * thread edits the graph, publishes plans, reclaims retired plans and
 * nodes, queues parameter changes and drains events. Run under ASan it
 * catches a plan or node freed too early; under TSan, a race.
 */

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "graph.h"
#include "node.h"
#include "plan.h"
#include "rt.h"
#include "t.h"
#include "util.h"

#define EDITS	3000

static struct engine e;
static atomic_int quit;
static atomic_int bad;			/* RT saw a sample out of range */

/* A node of ops with every argument at its default. */
static struct node *
mknode(const struct node_ops *ops)
{
	struct node_val v[NODE_ARG_MAX];
	struct node *n;
	char err[128];
	int i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < ops->nargs; i++)
		v[i].num = ops->args[i].def;
	n = xcalloc(1, sizeof(*n));
	n->ops = ops;
	n->state = xcalloc(1, ops->size > 0 ? ops->size : 1);
	if (ops->init != NULL && ops->init(n->state, v, 48000, err,
	    sizeof(err)) < 0)
		abort();
	graph_add(&e.graph, n);
	return n;
}

static void *
rt_thread(void *arg)
{
	uint32_t i;

	(void)arg;
	while (!atomic_load(&quit)) {
		rt_cycle(&e.rt, 128, 48000);
		for (i = 0; i < 256; i++) {
			if (!isfinite(e.rt.dev_out[i]) ||
			    fabsf(e.rt.dev_out[i]) > 2.0f)
				atomic_store(&bad, 1);
		}
		rt_xrun(&e.rt, RT_XRUN_UNDERRUN, 1);
	}
	return NULL;
}

int
main(void)
{
	struct dev_config dev;
	struct rt_event ev;
	struct node *tone, *sink, *g;
	pthread_t t;
	uint64_t events = 0, seq;
	char err[128];
	int i, rc, fails = 0;

	memset(&dev, 0, sizeof(dev));
	dev.rate = 48000;
	dev.period = 128;
	dev.channels = 2;
	is_int(engine_init(&e, &backend_null_ops, &dev), 0, "engine_init");
	tone = mknode(&node_tone_ops);
	sink = mknode(&node_device_sink_ops);
	is_int(graph_link(&e.graph, tone->id, sink->id, err, sizeof(err)), 0,
	    "tone -> sink");
	is_int(engine_commit(&e), 0, "first plan");

	/* From here a real thread runs the cycle, as a backend would. */
	e.state = ENGINE_RUNNING;
	pthread_create(&t, NULL, rt_thread, NULL);
	for (i = 0; i < EDITS; i++) {
		g = mknode(&node_gain_ops);
		rc = graph_link(&e.graph, tone->id, g->id, err, sizeof(err));
		rc |= graph_link(&e.graph, g->id, sink->id, err, sizeof(err));
		rc |= engine_commit(&e);
		/* A full queue is allowed: the RT side may lag. */
		(void)engine_set(&e, g, 0, -(double)(i % 40));
		engine_reclaim(&e);
		engine_retire(&e, graph_remove(&e.graph, g->id));
		rc |= engine_commit(&e);
		engine_reclaim(&e);
		while (am_ring_pop(&e.rt.events, &ev) == 0)
			events++;
		fails += rc != 0;
	}
	seq = e.seq;
	/* Let the RT thread adopt the last plan, then stop it. */
	while (atomic_load(&e.rt.seen) != seq)
		;
	atomic_store(&quit, 1);
	pthread_join(t, NULL);
	engine_reclaim(&e);	/* what the RT side acknowledged */
	e.state = ENGINE_STOPPED;

	is_int(fails, 0, "%d edits published", EDITS);
	is_int(atomic_load(&bad), 0, "every sample finite and in range");
	ok(atomic_load(&e.rt.cycles) > 0, "the RT side ran %llu cycles",
	    (unsigned long long)atomic_load(&e.rt.cycles));
	ok(events > 0, "events crossed to control: %llu",
	    (unsigned long long)events);
	is_int((long long)atomic_load(&e.rt.seen), (long long)seq,
	    "the RT side runs the newest plan");
	is_int(e.graph.nnodes, 2, "two nodes left");
	ok(e.graph.zombies == NULL, "every removed node freed");
	ok(e.plans != NULL && e.plans->next == NULL,
	    "one plan left, the current one");
	engine_done(&e);
	return t_done();
}
