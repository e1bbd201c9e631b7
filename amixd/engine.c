/* SPDX-License-Identifier: MIT */
/*
 * The engine: turns graph edits into published plans, reclaims what the
 * real-time thread no longer uses, routes parameter changes, and drives
 * the backend through open/start/stop/close and offline renders.
 *
 * Publishing: engine_commit compiles a new plan and, while a real-time
 * thread runs, stores it with one atomic exchange into rt.pending. The
 * RT thread adopts it at its next period and acknowledges by storing the
 * plan's seq in rt.seen; engine_reclaim then frees every older plan and
 * every removed node (zombie) retired before it. While stopped there is
 * no RT thread and the swap happens in place. Control thread only.
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
#include "dsp.h"
#include "engine.h"
#include "log.h"
#include "plan.h"
#include "rtkit.h"
#include "sig.h"
#include "util.h"
#include "watchdog.h"

static void engine_settle(struct engine *e);

const char *
engine_state_name(int state)
{
	static const char *const names[] = {
		"stopped", "running", "device_lost"
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

void
engine_done(struct engine *e)
{
	struct plan *p;

	engine_stop(e);
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

/* Free what the real-time thread has acknowledged it no longer uses. */
void
engine_reclaim(struct engine *e)
{
	if (e->state == ENGINE_RUNNING)
		engine_free_before(e, atomic_load_explicit(&e->rt.seen,
		    memory_order_acquire));
}

/* Are there plans or nodes for engine_reclaim to free? */
int
engine_garbage(const struct engine *e)
{
	return e->state == ENGINE_RUNNING && ((e->plans != NULL &&
	    e->plans->next != NULL) || e->graph.zombies != NULL);
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

/*
 * Compile the graph and publish the plan. Running: one atomic exchange;
 * a plan the RT thread never took is freed at once. Stopped: in place.
 */
int
engine_commit(struct engine *e)
{
	struct plan *p, *old, **pp;

	p = plan_new(&e->graph, e->dev.period, e->dev.rate);
	if (p == NULL)
		return -errno;
	p->seq = ++e->seq;
	p->xrun_node = engine_sink_id(e);
	if (e->state != ENGINE_RUNNING) {
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

	if (e->state != ENGINE_RUNNING) {
		n->ops->set(n->state, arg, val);
		return 0;
	}
	return am_ring_push(&e->rt.cmds, &cmd);
}

/* Tell every node the graph rate changed; the first refusal wins. */
static int
engine_rate(struct engine *e, uint32_t rate, char *err, size_t errlen)
{
	struct node *n;
	int rc;

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
 * Stop the real-time thread. Afterwards the control thread owns
 * everything: leftover commands are applied, retired plans freed, and
 * file sinks flushed.
 */
void
engine_stop(struct engine *e)
{
	if (e->state == ENGINE_LOST)
		e->state = ENGINE_STOPPED;
	if (e->state != ENGINE_RUNNING)
		return;
	watchdog_stop(e);	/* may replace a stuck RT thread first */
	if (e->state != ENGINE_RUNNING)
		return;		/* it halted: no thread of ours to join */
	e->backend->stop(e);
	e->state = ENGINE_STOPPED;
	engine_settle(e);
}

/*
 * The device went away: stop the RT thread, close the device, keep the
 * graph. engine_recover reopens it; the control plane works meanwhile.
 */
void
engine_lost(struct engine *e)
{
	if (e->state != ENGINE_RUNNING)
		return;
	watchdog_stop(e);
	if (e->state != ENGINE_RUNNING)
		return;
	e->backend->stop(e);
	e->state = ENGINE_LOST;
	engine_settle(e);
	e->backend->close(e);
	e->dev_open = 0;
}

/*
 * The running device changed rate or period by itself: follow it with a
 * plan sized for the new period. 0 or -errno.
 */
int
engine_reconfig(struct engine *e, uint32_t rate, uint32_t period)
{
	char err[256];

	if (period < RT_FRAMES_MIN || period > RT_FRAMES_MAX ||
	    rate < ENGINE_RATE_MIN || rate > ENGINE_RATE_MAX) {
		logx(1, "device at %u Hz, period %u: out of range", rate,
		    period);
		return -ERANGE;
	}
	if (rate != e->dev.rate && engine_rate(e, rate, err, sizeof(err)) < 0)
		logx(1, "rate change: %s", err);
	e->dev.rate = rate;
	e->dev.period = period;
	return engine_commit(e);
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
 * After the RT thread is gone: adopt a pending plan, apply leftover
 * commands, free retired plans, flush file sinks.
 */
static void
engine_settle(struct engine *e)
{
	struct rt_cmd cmd;
	struct plan *p;

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
	engine_flush(e);
}

/* Wait until every file sink can take a period without losing it. */
static void
engine_render_wait(struct engine *e, uint32_t frames)
{
	struct timespec us = { 0, 100000 };
	struct node *n;
	int i;

	/* Bounded: a node that stays unready for 5 s underruns instead. */
	for (n = e->graph.nodes; n != NULL; n = n->next) {
		for (i = 0; i < 50000 && n->ops->ready != NULL &&
		    !n->ops->ready(n->state, frames); i++)
			nanosleep(&us, NULL);
	}
}

/* True when a signal that stops the daemon waits: so does a render. */
static int
engine_render_interrupted(void)
{
	return sig_quit_pending();
}

/*
 * Offline render: run the current plan frames frames as fast as the
 * file sinks take it, on this thread, with no device. The same graph
 * gives the same bytes every time. A pending signal of sig_quitset
 * (blocked in the daemon, read by its loop) stops it early: -EINTR,
 * with what was rendered flushed. It renders with denormals flushed to
 * zero, as the real-time threads do (dsp_ftz), so a render computes the
 * numbers a live run does; the thread's own mode comes back afterwards.
 */
int
engine_render(struct engine *e, uint64_t frames, char *err, size_t errlen)
{
	uint64_t done = 0;
	unsigned long fpmode;
	uint32_t n;

	if (e->state == ENGINE_RUNNING) {
		snprintf(err, errlen, "stop the engine before rendering");
		return -EBUSY;
	}
	memset(e->rt.dev_in, 0, sizeof(e->rt.dev_in));
	rt_enter(&e->rt);	/* after a watchdog, a new generation */
	e->rt.offline = 1;	/* nobody watches meters of a render */
	fpmode = dsp_ftz();
	while (done < frames) {
		if ((done / e->dev.period) % 256 == 0 &&
		    engine_render_interrupted()) {
			dsp_ftz_restore(fpmode);
			e->rt.offline = 0;
			engine_flush(e);
			snprintf(err, errlen, "interrupted after %llu frames",
			    (unsigned long long)done);
			return -EINTR;
		}
		n = frames - done < e->dev.period ? (uint32_t)(frames - done) :
		    e->dev.period;
		engine_render_wait(e, n);
		rt_cycle(&e->rt, n, e->dev.rate);
		done += n;
	}
	dsp_ftz_restore(fpmode);
	e->rt.offline = 0;
	engine_flush(e);
	return 0;
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
