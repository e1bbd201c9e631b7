/* SPDX-License-Identifier: MIT */
/*
 * The engine: turns graph edits into published plans, reclaims what the
 * real-time thread no longer uses, routes parameter changes, and drives
 * the backend through open/start/stop/close and offline renders.
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
 * sink's file), which the RT thread may be using. engine_reconfig
 * therefore publishes a plan with no nodes at all (silence for a period
 * or two) and remembers the rate; engine_reclaim, once rt.seen says the
 * RT thread runs that plan and has applied every queued command, changes
 * the nodes' rate state and publishes the real plan. Until then every
 * plan published is empty: no node's rate state is touched while a
 * plan the RT thread may run references it.
 *
 * Stopping never frees what a cycle may still hold. The backend stops
 * its thread, or only asks for it and reports through busy (JACK: the
 * process callback may be in a cycle, deactivation may hang on a frozen
 * server). The engine is ENGINE_STOPPING until busy says 0 and the file
 * sinks flushed; until busy says no cycle is in flight it also stays
 * live for publishing: nothing is freed in place. engine_stop waits a
 * bounded time for that and, if the backend never lets go, marks the
 * engine wedged and leaks its plans and nodes on purpose rather than
 * free memory a cycle may use, until the backend confirms after all.
 * engine_stop_begin and engine_poll do the same without blocking, for
 * the control socket (a deferred reply); there the file sinks' flush is
 * polled too. Offline renders run on their own
 * thread (engine_render.c) with the same publishing rules. Control
 * thread only.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "log.h"
#include "plan.h"
#include "rtkit.h"
#include "util.h"
#include "watchdog.h"

#define ENGINE_FLUSH_NS	(10 * AM_NSEC_PER_SEC)	/* file sinks, at most */
#define ENGINE_HALT_NS	(2 * AM_NSEC_PER_SEC)	/* engine_stop's wait */

static void engine_settle(struct engine *e);
static int engine_backend_busy(struct engine *e);

const char *
engine_state_name(int state)
{
	static const char *const names[] = {
		"stopped", "running", "device_lost", "rendering", "stopping"
	};

	return names[state];
}

/* Device clock against CLOCK_MONOTONIC; 0 for a timer-driven backend. */
double
engine_drift_ppm(struct engine *e)
{
	if (e->state != ENGINE_RUNNING || e->backend->drift_ppm == NULL)
		return 0.0;
	return e->backend->drift_ppm(e);
}

int
engine_init(struct engine *e, const struct backend_ops *b,
    const struct dev_config *defaults)
{
	int rc;

	memset(e, 0, sizeof(*e));
	graph_init(&e->graph);
	rc = rt_init(&e->rt);
	if (rc < 0)
		return rc;
	e->backend = b;
	e->dev = *defaults;
	return engine_commit(e);
}

/*
 * Does a real-time (or render) thread hold the plans? Then plans are
 * published through rt.pending and freed only once acknowledged.
 */
int
engine_live(const struct engine *e)
{
	return e->state == ENGINE_RUNNING || e->state == ENGINE_RENDERING ||
	    (e->state == ENGINE_STOPPING && !e->settled);
}

/* Is a render or a stop still finishing (engine_poll)? */
int
engine_busy(const struct engine *e)
{
	return e->state == ENGINE_RENDERING || e->state == ENGINE_STOPPING;
}

void
engine_done(struct engine *e)
{
	struct plan *p;

	engine_stop(e);
	if (e->wedged) {
		/* A cycle may still run on them: leaked on purpose. */
		logx(1, "a real-time cycle never ended: its plans and nodes "
		    "are left to it");
		return;
	}
	engine_close(e);
	while ((p = e->plans) != NULL) {
		e->plans = p->next;
		plan_del(p);
	}
	e->rt.cur = NULL;
	graph_done(&e->graph);
	rt_done(&e->rt);
}

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
static int
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
static void
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
	    am_ring_count(&e->rt.cmds) == 0)
		engine_rate_apply(e);
}

/* Is there work for engine_reclaim: plans, nodes, a rate change? */
int
engine_garbage(const struct engine *e)
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
		if (n->ops == &node_device_sink_ops)
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
	return am_ring_push(&e->rt.cmds, &cmd);
}

/*
 * Open the device (closing one already open). Engine stopped. When the
 * new one cannot be opened, the one that was open is opened again, so a
 * refused request leaves things as they were.
 */
int
engine_open(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen)
{
	struct dev_config prev = e->dev_req, req = *cfg;
	char err2[256];
	int rc, had = e->dev_open;

	engine_close(e);
	if (e->state == ENGINE_LOST)
		e->state = ENGINE_STOPPED;	/* the caller takes over */
	rc = e->backend->open(e, cfg, err, errlen);
	if (rc == 0 && cfg->rate != e->dev.rate) {
		rc = engine_rate(e, cfg->rate, err, errlen);
		if (rc < 0)
			e->backend->close(e);
	}
	if (rc < 0) {
		if (had && e->backend->open(e, &prev, err2,
		    sizeof(err2)) == 0)
			e->dev_open = 1;
		return rc;
	}
	e->dev_req = req;
	e->dev = *cfg;
	e->dev_open = 1;
	return engine_commit(e);
}

void
engine_close(struct engine *e)
{
	if (e->state == ENGINE_LOST)
		e->state = ENGINE_STOPPED;
	if (!e->dev_open)
		return;
	engine_stop(e);
	e->backend->close(e);
	e->dev_open = 0;
}

/* Start the real-time thread, opening the device first if needed. */
int
engine_start(struct engine *e, char *err, size_t errlen)
{
	struct dev_config cfg;
	int rc;

	if (e->state == ENGINE_RUNNING)
		return 0;
	if (engine_busy(e)) {
		snprintf(err, errlen, "the engine is %s; wait for it",
		    engine_state_name(e->state));
		return -EBUSY;
	}
	if (e->wedged) {
		snprintf(err, errlen, "a real-time cycle never ended: "
		    "restart amixd");
		return -EBUSY;
	}
	if (e->state == ENGINE_LOST)
		return engine_recover(e, err, errlen);
	if (!e->dev_open) {
		cfg = e->dev;
		rc = engine_open(e, &cfg, err, errlen);
		if (rc < 0)
			return rc;
	}
	e->start_ns = am_clock_ns();
	e->start_frames = atomic_load(&e->rt.frames);
	e->settled = 0;
	e->state = ENGINE_RUNNING;
	rc = e->backend->start(e, err, errlen);
	if (rc < 0)
		e->state = ENGINE_STOPPED;
	else
		watchdog_start(e);
	return rc;
}

/*
 * Write every file sink's pending frames out: ask them all, then wait
 * until each says it is done. Bounded: a stuck disk gives up after 10 s.
 */
void
engine_flush(struct engine *e)
{
	struct timespec ms = { 0, 1000000 };
	struct node *n;
	int i, busy;

	for (n = e->graph.nodes; n != NULL; n = n->next) {
		if (n->ops->flush != NULL)
			n->ops->flush(n->state);
	}
	for (i = 0; i < 10000; i++) {
		busy = 0;
		for (n = e->graph.nodes; n != NULL; n = n->next) {
			if (n->ops->flushed != NULL &&
			    !n->ops->flushed(n->state))
				busy = 1;
		}
		if (!busy)
			return;
		nanosleep(&ms, NULL);
	}
}

/*
 * Never blocks: are the file sinks' pending frames on disk? The first
 * call asks every sink to flush; the next ones look. 1 once all are,
 * or after ENGINE_FLUSH_NS (logged: a stuck disk must not stop the
 * engine from stopping).
 */
static int
engine_flushed(struct engine *e)
{
	struct node *n;
	uint64_t now = am_clock_ns();
	int ask = e->flush_ns == 0, all = 1;

	for (n = e->graph.nodes; ask && n != NULL; n = n->next) {
		if (n->ops->flush != NULL)
			n->ops->flush(n->state);
	}
	if (ask)
		e->flush_ns = now;
	for (n = e->graph.nodes; n != NULL; n = n->next) {
		if (n->ops->flushed != NULL && !n->ops->flushed(n->state))
			all = 0;
	}
	if (!all && now - e->flush_ns >= ENGINE_FLUSH_NS) {
		logx(1, "file sinks not flushed after %d s: going on",
		    (int)(ENGINE_FLUSH_NS / AM_NSEC_PER_SEC));
		all = 1;
	}
	if (all)
		e->flush_ns = 0;
	return all;
}

/*
 * Is the backend still stopping? 2: a cycle may be in flight, 1: only
 * the backend's own stopping (JACK's deactivation), 0: done.
 */
static int
engine_backend_busy(struct engine *e)
{
	if (e->backend->busy == NULL || e->bdata == NULL)
		return 0;
	return e->backend->busy(e);
}

/*
 * Wait, bounded, until no cycle is in flight after stop (the backend's
 * own stopping is left to close). 0, or -ETIMEDOUT: then the engine is
 * wedged, and keeps every plan and node the cycle may still use.
 */
static int
engine_halt_wait(struct engine *e)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t t0 = am_clock_ns();

	while (engine_backend_busy(e) == 2) {
		if (am_clock_ns() - t0 >= ENGINE_HALT_NS) {
			logx(1, "the real-time thread did not stop: its plans "
			    "and nodes are kept");
			e->wedged = 1;
			return -ETIMEDOUT;
		}
		nanosleep(&ms, NULL);
	}
	return 0;
}

/*
 * Stop the real-time thread or the render, waiting for both (bounded)
 * and for the file sinks. Afterwards the control thread owns
 * everything: leftover commands are applied, retired plans freed, and
 * file sinks flushed. Used where a reply cannot wait (device_open,
 * exit); the control socket uses engine_stop_begin.
 */
void
engine_stop(struct engine *e)
{
	if (e->state == ENGINE_LOST)
		e->state = ENGINE_STOPPED;
	if (e->state == ENGINE_RENDERING) {
		atomic_store(&e->render_quit, 1);
		engine_render_join(e, 1);
	}
	if (e->state == ENGINE_RUNNING) {
		watchdog_stop(e);	/* may replace a stuck RT thread first */
		if (e->state != ENGINE_RUNNING)
			return;		/* it halted: no thread of ours to join */
		e->backend->stop(e);
		e->settled = 0;
		e->state = ENGINE_STOPPING;
	}
	if (e->state != ENGINE_STOPPING)
		return;
	if (!e->settled && engine_halt_wait(e) < 0) {
		e->state = ENGINE_STOPPED;
		return;
	}
	engine_settle(e);
	engine_flush(e);
	e->flush_ns = 0;
	e->state = ENGINE_STOPPED;
}

/*
 * Begin to stop without blocking: the backend is asked to stop, or the
 * render to end early. 0 when the engine is stopped on return, 1 when
 * engine_poll has to finish it.
 */
int
engine_stop_begin(struct engine *e)
{
	if (e->state == ENGINE_LOST)
		e->state = ENGINE_STOPPED;
	if (e->state == ENGINE_RUNNING)
		watchdog_stop(e);	/* may halt it: then it is stopped */
	if (e->state == ENGINE_RUNNING) {
		e->backend->stop(e);
		e->op_rc = 0;
		e->flush_ns = 0;
		e->settled = 0;
		e->state = ENGINE_STOPPING;
	} else if (e->state == ENGINE_RENDERING)
		atomic_store(&e->render_quit, 1);
	return engine_poll(e, NULL, 0) == -EINPROGRESS;
}

/*
 * Move a render or a stop on, never blocking: the render thread ended,
 * the backend let go, the file sinks flushed. -EINPROGRESS while it is
 * not finished; then the result of the render (0, or -errno with a
 * message in err) or 0 for a stop, and the engine is stopped.
 */
int
engine_poll(struct engine *e, char *err, size_t errlen)
{
	int busy;

	if (e->state == ENGINE_RENDERING && engine_render_join(e, 0) < 0)
		return -EINPROGRESS;
	if (e->state == ENGINE_STOPPING) {
		busy = engine_backend_busy(e);
		if (busy == 2)
			return -EINPROGRESS;	/* a cycle may use anything */
		if (!e->settled)
			engine_settle(e);
		if (!engine_flushed(e) || busy)
			return -EINPROGRESS;
		e->state = ENGINE_STOPPED;
	}
	if (e->op_rc < 0 && err != NULL)
		snprintf(err, errlen, "%s", e->op_err);
	return e->op_rc;
}

/*
 * The device went away: stop the RT thread, close the device, keep the
 * graph. engine_recover reopens it; the control plane works meanwhile.
 */
void
engine_lost(struct engine *e)
{
	struct node *n;

	if (e->state != ENGINE_RUNNING)
		return;
	watchdog_stop(e);
	if (e->state != ENGINE_RUNNING)
		return;
	e->backend->stop(e);
	e->settled = 0;
	e->state = ENGINE_STOPPING;
	if (engine_halt_wait(e) == 0)
		engine_settle(e);
	/* Ask the file sinks to write out, without waiting on a disk. */
	for (n = e->graph.nodes; n != NULL; n = n->next) {
		if (n->ops->flush != NULL)
			n->ops->flush(n->state);
	}
	e->state = ENGINE_LOST;
	e->backend->close(e);
	e->dev_open = 0;
}

/*
 * The running device changed rate or period by itself: follow it with a
 * plan sized for the new period. A new rate while a thread runs the
 * plans waits until it runs one without nodes (engine_reclaim). 0 or
 * -errno.
 */
int
engine_reconfig(struct engine *e, uint32_t rate, uint32_t period)
{
	int rc;

	if (period < RT_FRAMES_MIN || period > RT_FRAMES_MAX ||
	    rate < ENGINE_RATE_MIN || rate > ENGINE_RATE_MAX) {
		logx(1, "device at %u Hz, period %u: out of range", rate,
		    period);
		return -ERANGE;
	}
	e->dev.period = period;
	if (rate == e->dev.rate && e->rate_want == 0)
		return engine_commit(e);
	e->rate_want = rate;
	if (!engine_live(e)) {
		engine_rate_apply(e);
		return 0;
	}
	rc = engine_commit(e);
	if (rc == 0)
		e->quiet_seq = e->seq;
	return rc;
}

/* Try to reopen and restart a lost device. 0 or -errno. */
int
engine_recover(struct engine *e, char *err, size_t errlen)
{
	struct dev_config cfg = e->dev_req;
	int rc;

	if (e->state != ENGINE_LOST)
		return 0;
	rc = e->backend->open(e, &cfg, err, errlen);
	if (rc < 0)
		return rc;
	if (cfg.rate != e->dev.rate &&
	    engine_rate(e, cfg.rate, err, errlen) < 0)
		logx(1, "after the device came back: %s", err);
	if (cfg.rate != e->dev.rate || cfg.period != e->dev.period) {
		e->dev = cfg;
		engine_commit(e);
	}
	e->dev = cfg;
	e->dev_open = 1;
	e->start_ns = am_clock_ns();
	e->start_frames = atomic_load(&e->rt.frames);
	e->settled = 0;
	e->state = ENGINE_RUNNING;
	rc = e->backend->start(e, err, errlen);
	if (rc < 0) {
		e->state = ENGINE_LOST;
		e->backend->close(e);
		e->dev_open = 0;
	} else
		watchdog_start(e);
	return rc;
}

/*
 * After the RT thread let go: adopt a pending plan, apply leftover
 * commands, free retired plans, finish a waiting rate change. The
 * caller flushes the file sinks.
 */
static void
engine_settle(struct engine *e)
{
	struct rt_cmd cmd;
	struct plan *p;

	e->settled = 1;
	aclock_stop(&e->rt.clock);	/* the clock stands still */
	p = atomic_exchange(&e->rt.pending, NULL);
	if (p != NULL)
		e->rt.cur = p;
	while (am_ring_pop(&e->rt.cmds, &cmd) == 0)
		cmd.ops->set(cmd.state, cmd.arg, cmd.val);
	if (e->rt.cur != NULL) {
		atomic_store(&e->rt.seen, e->rt.cur->seq);
		engine_free_before(e, e->rt.cur->seq);
	}
	atomic_store(&e->rt.closing, 0);	/* watchdog_stop set it */
	if (e->rate_want != 0)
		engine_rate_apply(e);
}

/*
 * Spawn a real-time thread. SCHED_FIFO at ENGINE_RT_PRIO when the kernel
 * allows it (root, CAP_SYS_NICE or RLIMIT_RTPRIO); when it refuses, an
 * ordinary thread that RealtimeKit is then asked to make real-time
 * (rtkit.c: SCHED_RR at its highest allowed priority), from here, before
 * this returns: the thread itself never deals with D-Bus. rt_via says
 * which way worked, rt_policy and rt_prio what the thread has (read back
 * from the kernel), rt_error why it has none. Control thread; 0, or
 * -errno when no thread could be started at all.
 */
int
engine_rt_spawn(struct engine *e, pthread_t *t, void *(*fn)(void *),
    void *arg)
{
	struct sched_param sp;
	pthread_attr_t attr;
	char why[200];
	pid_t tid;
	int rc, fifo_err;

	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = ENGINE_RT_PRIO;
	pthread_attr_setschedparam(&attr, &sp);
	rc = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	e->rt_via = ENGINE_RT_NONE;
	e->rt_error[0] = '\0';
	if (rc == 0) {
		e->rt_via = ENGINE_RT_SCHED;
		if (pthread_getschedparam(*t, &e->rt_policy, &sp) != 0)
			e->rt_policy = -1;
	} else if (rc == EPERM || rc == EINVAL) {
		fifo_err = rc;
		rc = rtkit_spawn(t, fn, arg, &tid);
		if (rc < 0)
			return rc;
		if (rtkit_make_realtime(tid, ENGINE_RT_PRIO, why,
		    sizeof(why)) == 0)
			e->rt_via = ENGINE_RT_RTKIT;
		e->rt_policy = sched_getscheduler(tid);
		if (e->rt_policy >= 0)
			e->rt_policy &= ~SCHED_RESET_ON_FORK;
		if (sched_getparam(tid, &sp) < 0)
			sp.sched_priority = 0;
		if (e->rt_via == ENGINE_RT_NONE)
			snprintf(e->rt_error, sizeof(e->rt_error),
			    "SCHED_FIFO: %s; %s", strerror(fifo_err), why);
	} else
		return -rc;
	e->rt_prio = sp.sched_priority;
	if (e->rt_via != ENGINE_RT_NONE && e->rt_policy != SCHED_FIFO &&
	    e->rt_policy != SCHED_RR) {
		snprintf(e->rt_error, sizeof(e->rt_error), "granted, but the "
		    "thread's policy is %d", e->rt_policy);
		e->rt_via = ENGINE_RT_NONE;
	}
	if (e->rt_via == ENGINE_RT_NONE)
		logx(2, "real time: none (%s): running without it",
		    e->rt_error);
	else
		logx(2, "real time: %s priority %d, via %s",
		    e->rt_policy == SCHED_FIFO ? "SCHED_FIFO" : "SCHED_RR",
		    e->rt_prio, e->rt_via == ENGINE_RT_RTKIT ? "rtkit" :
		    "sched");
	return 0;
}
