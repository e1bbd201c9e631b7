/* SPDX-License-Identifier: MIT */
/*
 * The engine's plans: compiling and publishing them, reclaiming what
 * the real-time thread no longer uses, routing parameter changes, and
 * changing the nodes' rate.
 *
 * Publishing: engine_commit compiles a new plan and, while a real-time
 * thread runs (engine_live), stores it with one atomic exchange into
 * rt.pending. The RT thread adopts it at its next period and
 * acknowledges by storing the plan's seq in rt.seen; engine_reclaim then
 * frees every older plan and every removed node (zombie) retired before
 * it. While stopped there is no RT thread and the swap happens in place.
 *
 * A change of device rate while running (JACK's sample-rate callback)
 * must rebuild the rate-dependent state of nodes (converters, a file
 * sink's file), which the RT thread may be using. engine_on_device_changed
 * therefore publishes a plan with no nodes at all (silence for a period
 * or two) and remembers the rate; engine_reclaim, once rt.seen says the
 * RT thread runs that plan and has applied every queued command, changes
 * the nodes' rate state and publishes the real plan. Until then every
 * plan published is empty: no node's rate state is touched while a
 * plan the RT thread may run references it.
 *
 * Offline renders run on their own thread (engine_render.c) with the
 * same publishing rules. Control thread only.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "engine_impl.h"
#include "log.h"
#include "plan.h"
#include "util.h"

/* Free plans older than keep and zombies retired at or before keep. */
static void
engine_free_before(struct engine *e, uint64_t keep)
{
	struct plan **pp, *p;
	struct node **np, *n;

	if (e->wedged)
		return;		/* a cycle that never ended may use any */
	for (pp = &e->plans; (p = *pp) != NULL;) {
		if (p->seq < keep) {
			*pp = p->next;
			plan_del(p);
		} else
			pp = &p->next;
	}
	for (np = &e->graph.zombies; (n = *np) != NULL;) {
		if (n->dead_seq <= keep) {
			*np = n->next;
			node_del(n);
		} else
			np = &n->next;
	}
}

#if defined(AM_DEBUG) && AM_DEBUG
/* Do steps, or the domains below them, run node n? */
static int
engine_steps_use(const struct plan_step *steps, uint32_t nsteps,
    const struct node *n)
{
	uint32_t i;

	for (i = 0; i < nsteps; i++) {
		if (steps[i].node == n || (steps[i].ndom > 0 &&
		    engine_steps_use(steps[i].dom, steps[i].ndom, n)))
			return 1;
	}
	return 0;
}
#endif

/*
 * Tell every node the graph rate changed; the first refusal wins. A bug
 * (DEBUG: panic) if a plan a running thread may hold still runs one:
 * control-side node state may change only once no such plan does.
 */
int
engine_rate(struct engine *e, uint32_t rate, char *err, size_t errlen)
{
	struct node *n;
	int rc;
#if defined(AM_DEBUG) && AM_DEBUG
	struct plan *p;

	for (p = e->plans; engine_live(e) && p != NULL; p = p->next) {
		for (n = e->graph.nodes; n != NULL; n = n->next) {
			if (n->ops->rate != NULL &&
			    engine_steps_use(p->steps, p->nsteps, n))
				panic("engine: node %u changes rate while plan "
				    "%llu may run it", n->id,
				    (unsigned long long)p->seq);
		}
	}
#endif

	for (n = e->graph.nodes; n != NULL; n = n->next) {
		if (n->ops->rate == NULL)
			continue;
		rc = n->ops->rate(n->state, rate, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The waiting rate change, now that no running plan references a node
 * and no queued command is left for the RT thread to apply: the nodes'
 * rate state, then a plan with them again.
 */
void
engine_rate_apply(struct engine *e)
{
	char err[256];
	uint32_t rate = e->rate_want;

	if (engine_rate(e, rate, err, sizeof(err)) < 0)
		logx(1, "rate change: %s", err);
	e->dev.rate = rate;
	e->rate_want = 0;
	if (engine_commit(e) < 0)
		logx(1, "rate change: no plan: %s", strerror(errno));
}

/*
 * Free what the real-time thread has acknowledged it no longer uses,
 * and finish a rate change once it runs the plan without nodes. A
 * wedged engine frees everything once the backend says the cycle that
 * never ended has ended after all.
 */
void
engine_reclaim(struct engine *e)
{
	uint64_t seen;

	if (e->wedged) {
		/* Confirmed only by a backend still there to ask. */
		if (e->bdata == NULL || engine_backend_busy(e) == 2)
			return;
		logx(2, "the stuck real-time cycle ended: freeing");
		e->wedged = 0;
		engine_settle(e);
		return;
	}
	if (!engine_live(e))
		return;
	seen = atomic_load_explicit(&e->rt.seen, memory_order_acquire);
	engine_free_before(e, seen);
	/* No command may reach a node while its rate state changes. */
	if (e->rate_want != 0 && seen >= e->quiet_seq &&
	    am_queue_count(&e->rt.cmds) == 0)
		engine_rate_apply(e);
}

/* Is there work for engine_reclaim: plans, nodes, a rate change? */
int
engine_has_garbage(const struct engine *e)
{
	return (e->wedged && e->bdata != NULL) || (engine_live(e) &&
	    ((e->plans != NULL && e->plans->next != NULL) ||
	    e->graph.zombies != NULL || e->rate_want != 0));
}

/* A node left the graph: keep it until no running plan can use it. */
void
engine_retire(struct engine *e, struct node *n)
{
	n->dead_seq = e->seq + 1;
	n->next = e->graph.zombies;
	e->graph.zombies = n;
}

/* The first device sink's id, named in xrun events. */
static uint32_t
engine_sink_id(struct engine *e)
{
	struct node *n;

	for (n = e->graph.nodes; n != NULL; n = n->next) {
		/* device_sink: the one type both a sink and the device's */
		if ((n->ops->flags & (NODE_SINK | NODE_DEVICE)) ==
		    (NODE_SINK | NODE_DEVICE))
			return n->id;
	}
	return 0;
}

/* The plan to publish: the graph's, or none while the rate changes. */
static struct plan *
engine_plan_new(struct engine *e)
{
	struct graph *none;
	struct plan *p;

	if (e->rate_want == 0)
		return plan_new(&e->graph, e->dev.period, e->dev.rate);
	none = xmalloc(sizeof(*none));
	graph_init(none);
	p = plan_new(none, e->dev.period, e->dev.rate);
	graph_done(none);
	free(none);
	return p;
}

/*
 * Compile the graph and publish the plan. Live: one atomic exchange; a
 * plan the RT thread never took is freed at once. Stopped: in place.
 */
int
engine_commit(struct engine *e)
{
	struct plan *p, *old, **pp;

	p = engine_plan_new(e);
	if (p == NULL)
		return -errno;
	p->seq = ++e->seq;
	p->xrun_node = engine_sink_id(e);
	if (!engine_live(e)) {
		/* A plan left pending by a wedged stop is older: drop it. */
		atomic_store(&e->rt.pending, NULL);
		e->rt.cur = p;
		atomic_store(&e->rt.seen, p->seq);
		p->next = e->plans;
		e->plans = p;
		engine_free_before(e, p->seq);
		return 0;
	}
	old = atomic_exchange_explicit(&e->rt.pending, p,
	    memory_order_acq_rel);
	if (old != NULL) {
		for (pp = &e->plans; *pp != old; pp = &(*pp)->next)
			;
		*pp = old->next;
		plan_del(old);
	}
	p->next = e->plans;
	e->plans = p;
	return 0;
}

/*
 * Change a live argument. Running: queued to the RT thread, applied at
 * the next period and ramped over it; -EAGAIN when the queue is full.
 */
int
engine_set(struct engine *e, struct node *n, int arg, double val)
{
	struct rt_cmd cmd = { n->state, n->ops, arg, val };

	if (!engine_live(e)) {
		n->ops->set(n->state, arg, val);
		return 0;
	}
	return am_queue_push(&e->rt.cmds, &cmd);
}

/*
 * After the RT thread let go: adopt a pending plan, apply leftover
 * commands, free retired plans, finish a waiting rate change. The
 * caller flushes the file sinks.
 */
void
engine_settle(struct engine *e)
{
	struct rt_cmd cmd;
	struct plan *p;

	e->settled = 1;
	aclock_stop(&e->rt.clock);	/* the clock stands still */
	p = atomic_exchange(&e->rt.pending, NULL);
	if (p != NULL)
		e->rt.cur = p;
	while (am_queue_pop(&e->rt.cmds, &cmd) == 0)
		cmd.ops->set(cmd.state, cmd.arg, cmd.val);
	if (e->rt.cur != NULL) {
		atomic_store(&e->rt.seen, e->rt.cur->seq);
		engine_free_before(e, e->rt.cur->seq);
	}
	atomic_store(&e->rt.closing, 0);	/* watchdog_stop set it */
	if (e->rate_want != 0)
		engine_rate_apply(e);
}
