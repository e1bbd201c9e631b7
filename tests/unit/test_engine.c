/* SPDX-License-Identifier: MIT */
/*
 * The schedule swap, the parameter queue and the event queue under two
 * threads: a stand-in RT thread runs rt_cycle back to back while this
 * thread edits the graph, publishes plans, reclaims retired plans and
 * nodes, queues parameter changes and drains events. Run under ASan it
 * catches a plan or node freed too early; under TSan, a race.
 *
 * Then the same RT thread runs while the device rate changes again and
 * again (what JACK's sample-rate callback causes): resample nodes
 * rebuild their converters, which the RT thread must never be running
 * at that moment. Last, a backend whose cycle never ends: stopping must
 * free nothing that cycle holds until the backend says it ended.
 */

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "graph.h"
#include "node.h"
#include "plan.h"
#include "rt.h"
#include "t.h"
#include "tgraph.h"
#include "util.h"

#define EDITS	3000
#define RATES	300		/* rate changes while running */

static struct engine e;
static atomic_int quit;
static atomic_int bad;			/* RT saw a sample out of range */
static _Atomic uint32_t dev_rate = 48000;	/* as the "device" runs */

/* A node of ops with every argument at its default. */
static struct node *
mknode(const struct node_ops *ops)
{
	return t_node_new(&e.graph, ops, 0);
}

static void *
rt_thread(void *arg)
{
	uint32_t i;

	(void)arg;
	while (!atomic_load(&quit)) {
		rt_cycle(&e.rt, 128, atomic_load(&dev_rate));
		for (i = 0; i < 256; i++) {
			if (!isfinite(e.rt.dev_out[i]) ||
			    fabsf(e.rt.dev_out[i]) > 2.0f)
				atomic_store(&bad, 1);
		}
		rt_xrun(&e.rt, RT_XRUN_UNDERRUN, 1);
	}
	return NULL;
}

static void
test_edits(void)
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
	tone = mknode(node_ops_find("tone"));
	sink = mknode(node_ops_find("device_sink"));
	is_int(graph_link(&e.graph, tone->id, sink->id, err, sizeof(err)), 0,
	    "tone -> sink");
	is_int(engine_commit(&e), 0, "first plan");

	/* From here a real thread runs the cycle, as a backend would. */
	e.state = ENGINE_RUNNING;
	pthread_create(&t, NULL, rt_thread, NULL);
	for (i = 0; i < EDITS; i++) {
		g = mknode(node_ops_find("gain"));
		rc = graph_link(&e.graph, tone->id, g->id, err, sizeof(err));
		rc |= graph_link(&e.graph, g->id, sink->id, err, sizeof(err));
		rc |= engine_commit(&e);
		/* A full queue is allowed: the RT side may lag. */
		(void)engine_set(&e, g, 0, -(double)(i % 40));
		engine_reclaim(&e);
		engine_retire(&e, graph_remove(&e.graph, g->id));
		rc |= engine_commit(&e);
		engine_reclaim(&e);
		while (am_queue_pop(&e.rt.events, &ev) == 0)
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
}

/*
 * The device changes rate under a running RT thread, as JACK tells it:
 * the rate the cycles run at changes first, then the control thread
 * hears of it (engine_on_device_changed) and finishes it in
 * engine_reclaim. The
 * graph has two resample domains, one nested, and edits and parameter
 * changes keep coming meanwhile.
 */
static void
test_rates(void)
{
	static const uint32_t rates[] = { 44100, 96000, 48000, 22050 };
	struct dev_config dev;
	struct node *tone, *rs, *rs2, *g, *sink, *extra;
	pthread_t t;
	char err[128];
	int i, k, rc = 0, slow = 0;

	memset(&dev, 0, sizeof(dev));
	dev.rate = 48000;
	dev.period = 128;
	dev.channels = 2;
	atomic_store(&quit, 0);
	atomic_store(&dev_rate, 48000);
	is_int(engine_init(&e, &backend_null_ops, &dev), 0, "engine_init");
	tone = mknode(node_ops_find("tone"));
	rs = mknode(node_ops_find("resample"));
	g = mknode(node_ops_find("gain"));
	rs2 = mknode(node_ops_find("resample"));
	sink = mknode(node_ops_find("device_sink"));
	rc |= graph_link(&e.graph, tone->id, rs->id, err, sizeof(err));
	rc |= graph_link(&e.graph, rs->id, g->id, err, sizeof(err));
	rc |= graph_link(&e.graph, g->id, rs2->id, err, sizeof(err));
	rc |= graph_link(&e.graph, rs2->id, sink->id, err, sizeof(err));
	rc |= engine_commit(&e);
	is_int(rc, 0, "tone -> resample -> gain -> resample -> sink");

	e.state = ENGINE_RUNNING;
	pthread_create(&t, NULL, rt_thread, NULL);
	for (i = 0; i < RATES; i++) {
		atomic_store(&dev_rate, rates[i % 4]);
		rc |= engine_on_device_changed(&e, rates[i % 4], 128);
		/* An edit and a change while the rate change waits. */
		extra = mknode(node_ops_find("gain"));
		rc |= graph_link(&e.graph, tone->id, extra->id, err,
		    sizeof(err));
		rc |= engine_commit(&e);
		(void)engine_set(&e, g, 0, -(double)(i % 20));
		engine_retire(&e, graph_remove(&e.graph, extra->id));
		rc |= engine_commit(&e);
		for (k = 0; e.rate_want != 0 && k < 2000000; k++) {
			engine_reclaim(&e);
			sched_yield();
		}
		slow += e.rate_want != 0;
	}
	while (atomic_load(&e.rt.seen) != e.seq)
		;
	atomic_store(&quit, 1);
	pthread_join(t, NULL);
	engine_reclaim(&e);
	e.state = ENGINE_STOPPED;

	is_int(rc, 0, "%d rate changes and edits published", RATES);
	is_int(slow, 0, "every rate change finished while running");
	is_int((long long)e.dev.rate, (long long)rates[(RATES - 1) % 4],
	    "the engine runs at the last rate");
	is_int(atomic_load(&bad), 0, "every sample finite and in range");
	ok(e.plans != NULL && e.plans->nsteps > 0,
	    "the plan runs the nodes again");
	ok(e.graph.zombies == NULL, "every removed node freed");
	engine_done(&e);
}

/* A backend whose cycle may be held in flight by the test. */
static atomic_int fk_quit, fk_cycle, fk_hold, fk_held;
static pthread_t fk_thread;
static int fk_dev;

/* Its RT thread: busy/quit as JACK's process callback does it. */
static void *
fk_run(void *arg)
{
	struct plan *p;
	volatile uint32_t sum = 0;
	uint32_t i;

	(void)arg;
	for (;;) {
		atomic_store(&fk_cycle, 1);
		if (atomic_load(&fk_quit)) {
			atomic_store(&fk_cycle, 0);
			break;
		}
		rt_cycle(&e.rt, 128, 48000);
		if (atomic_load(&fk_hold)) {
			/* A cycle that takes "forever", holding its plan. */
			p = e.rt.cur;
			atomic_store(&fk_held, 1);
			while (atomic_load(&fk_hold))
				sched_yield();
			for (i = 0; i < p->nsteps; i++)
				sum += p->steps[i].node->id +
				    (uint32_t)p->steps[i].out[0];
			atomic_store(&fk_held, 0);
		}
		atomic_store(&fk_cycle, 0);
	}
	(void)sum;
	return NULL;
}

static int
fk_open(struct engine *en, struct dev_config *cfg, char *err, size_t len)
{
	(void)cfg;
	(void)err;
	(void)len;
	en->bdata = &fk_dev;
	return 0;
}

static void
fk_close(struct engine *en)
{
	en->bdata = NULL;
}

static int
fk_start(struct engine *en, char *err, size_t len)
{
	(void)en;
	(void)err;
	(void)len;
	atomic_store(&fk_quit, 0);
	return -pthread_create(&fk_thread, NULL, fk_run, NULL);
}

static void
fk_stop(struct engine *en)
{
	(void)en;
	atomic_store(&fk_quit, 1);
}

static int
fk_busy(struct engine *en)
{
	(void)en;
	return atomic_load(&fk_cycle) ? 2 : 0;
}

static const struct backend_ops fk_ops = {
	.name = "stuck", .open = fk_open, .close = fk_close,
	.start = fk_start, .stop = fk_stop, .busy = fk_busy,
};

/* Start the fake backend's engine with plans and a zombie to keep. */
static void
fk_setup(struct node **gain)
{
	struct dev_config dev;
	struct node *tone, *sink;
	char err[128];

	memset(&dev, 0, sizeof(dev));
	dev.rate = 48000;
	dev.period = 128;
	dev.channels = 2;
	engine_init(&e, &fk_ops, &dev);
	tone = mknode(node_ops_find("tone"));
	*gain = mknode(node_ops_find("gain"));
	sink = mknode(node_ops_find("device_sink"));
	graph_link(&e.graph, tone->id, (*gain)->id, err, sizeof(err));
	graph_link(&e.graph, (*gain)->id, sink->id, err, sizeof(err));
	engine_commit(&e);
	is_int(engine_start(&e, err, sizeof(err)), 0, "stuck backend starts");
	while (atomic_load(&e.rt.seen) != e.seq)
		sched_yield();
	atomic_store(&fk_hold, 1);
	while (!atomic_load(&fk_held))
		sched_yield();
}

/*
 * Stopping a backend that cannot confirm its cycle ended: engine_stop
 * gives up waiting and keeps everything (wedged); the cycle then reads
 * its plan and nodes (ASan: no use after free); once the backend says
 * it ended, engine_reclaim frees them. Then the same without blocking:
 * engine_stop_begin, and engine_poll in progress until the cycle ends.
 */
static void
test_stuck(void)
{
	struct node *g;
	char err[128];
	int i, n;

	fk_setup(&g);
	engine_retire(&e, graph_remove(&e.graph, g->id));
	engine_commit(&e);
	engine_stop(&e);
	ok(e.wedged, "a stop the backend cannot confirm wedges the engine");
	ok(e.graph.zombies != NULL && e.plans->next != NULL,
	    "its plans and the removed node are kept");
	engine_reclaim(&e);
	engine_commit(&e);
	ok(e.graph.zombies != NULL, "still kept after edits and reclaim");
	ok(engine_start(&e, err, sizeof(err)) == -EBUSY,
	    "start refused while wedged: %s", err);
	atomic_store(&fk_hold, 0);
	pthread_join(fk_thread, NULL);
	ok(engine_has_garbage(&e), "reclaim has work once it may look again");
	engine_reclaim(&e);
	ok(!e.wedged && e.graph.zombies == NULL && e.plans->next == NULL,
	    "freed once the backend confirms");
	engine_done(&e);

	fk_setup(&g);
	engine_retire(&e, graph_remove(&e.graph, g->id));
	engine_commit(&e);
	is_int(engine_stop_begin(&e), 1, "a stop that must wait is deferred");
	for (i = 0, n = 0; i < 100; i++)
		n += engine_poll(&e, err, sizeof(err)) == -EINPROGRESS;
	is_int(n, 100, "engine_poll: in progress while the cycle runs");
	is_int(e.state, ENGINE_STOPPING, "the engine is stopping");
	engine_commit(&e);
	engine_reclaim(&e);
	ok(e.graph.zombies != NULL, "nothing freed while the cycle runs");
	ok(engine_start(&e, err, sizeof(err)) == -EBUSY,
	    "start refused while stopping: %s", err);
	atomic_store(&fk_hold, 0);
	pthread_join(fk_thread, NULL);
	is_int(engine_poll(&e, err, sizeof(err)), 0, "then the stop ends");
	is_int(e.state, ENGINE_STOPPED, "stopped");
	ok(e.graph.zombies == NULL && e.plans->next == NULL,
	    "and everything retired is freed");
	engine_done(&e);
}

int
main(void)
{
	test_edits();
	test_rates();
	test_stuck();
	return t_done();
}
