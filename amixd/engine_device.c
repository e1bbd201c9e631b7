/* SPDX-License-Identifier: MIT */
/*
 * The device's life in the engine: open (and back to the previous device
 * on failure), close, start, and stopping, blocking or not.
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
 * polled too. Control thread only.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "engine_impl.h"
#include "log.h"

#define ENGINE_FLUSH_NS	(10 * AM_NSEC_PER_SEC)	/* file sinks, at most */
#define ENGINE_HALT_NS	(2 * AM_NSEC_PER_SEC)	/* engine_stop's wait */

/* Tell the watchdog, if one watches, that the RT thread started. */
void
engine_watch_start(struct engine *e)
{
	if (e->watch_start != NULL)
		e->watch_start(e);
}

/* Tell the watchdog, if one watches, that the RT thread is to stop. */
void
engine_watch_stop(struct engine *e)
{
	if (e->watch_stop != NULL)
		e->watch_stop(e);
}

/* A request's layout before the backend opens: its to find unless asked. */
void
engine_dev_ask(struct dev_config *cfg)
{
	if (!cfg->layout_asked)
		cfg->layout.n = 0;
	cfg->layout_from = DEV_LAYOUT_DEFAULT;
}

/*
 * The layout the backend granted in cfg (none: stereo) becomes the
 * device nodes' (graph_layout.c) and the size of the device buffers'
 * frames (rt.dev_ch). No real-time thread runs. Returns 1 when it
 * changed: the caller compiles a plan for it before one runs.
 */
int
engine_dev_layout(struct engine *e, struct dev_config *cfg)
{
	if (cfg->layout.n == 0)
		(void)am_layout_default(&cfg->layout, 2);
	if (am_layout_eq(&e->graph.dev_layout, &cfg->layout) &&
	    e->rt.dev_ch == cfg->layout.n)
		return 0;
	e->graph.dev_layout = cfg->layout;
	e->rt.dev_ch = cfg->layout.n;
	return 1;
}

/*
 * The device's channels and layout as opened: a layout the backend
 * did not fill in (none asked, none reported) is the default for the
 * count, and the engine's device buffers (rt.dev_out, rt.dev_in) get
 * cfg->channels channels. The backend is closed on failure. Control
 * thread, no cycle running; 0 or -errno with err.
 */
int
engine_dev_buffers(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen)
{
	int rc;

	if (cfg->layout.n != cfg->channels) {
		if (cfg->layout_asked)
			logx(1, "%s: %u channels, not the %u of the layout "
			    "asked: the default layout instead", cfg->name,
			    cfg->channels, cfg->layout.n);
		rc = am_layout_default(&cfg->layout, cfg->channels);
		cfg->layout_from = DEV_LAYOUT_DEFAULT;
	} else
		rc = 0;
	if (rc == 0)
		rc = rt_dev_size(&e->rt, cfg->channels, e->wedged);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %u channels: %s", cfg->name,
		    cfg->channels, strerror(-rc));
		e->backend->close(e);
	}
	return rc;
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
	engine_dev_ask(cfg);
	rc = e->backend->open(e, cfg, err, errlen);
	if (rc == 0)
		rc = engine_dev_buffers(e, cfg, err, errlen);
	if (rc == 0 && cfg->rate != e->dev.rate) {
		rc = engine_rate(e, cfg->rate, err, errlen);
		if (rc < 0)
			e->backend->close(e);
	}
	if (rc < 0) {
		engine_dev_ask(&prev);
		if (had && e->backend->open(e, &prev, err2,
		    sizeof(err2)) == 0 &&
		    engine_dev_buffers(e, &prev, err2, sizeof(err2)) == 0)
			e->dev_open = 1;
		return rc;
	}
	e->dev_req = req;
	(void)engine_dev_layout(e, cfg);
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
	engine_rt_prepare(e);
	rc = e->backend->start(e, err, errlen);
	if (rc < 0)
		e->state = ENGINE_STOPPED;
	else
		engine_watch_start(e);
	return rc;
}

/*
 * Write every file sink's pending frames out: ask them all, then wait
 * until each says it is done, looking every 100 us (the writers are
 * woken at once: a render's end should not wait out a long sleep).
 * Bounded: a stuck disk gives up after 10 s.
 */
void
engine_flush(struct engine *e)
{
	struct timespec step = { 0, 100000 };
	uint64_t t0 = am_clock_ns();
	struct node *n;
	int busy;

	for (n = e->graph.nodes; n != NULL; n = n->next) {
		if (n->ops->flush != NULL)
			n->ops->flush(n->state);
	}
	while (am_clock_ns() - t0 < 10 * AM_NSEC_PER_SEC) {
		busy = 0;
		for (n = e->graph.nodes; n != NULL; n = n->next) {
			if (n->ops->flushed != NULL &&
			    !n->ops->flushed(n->state))
				busy = 1;
		}
		if (!busy)
			return;
		nanosleep(&step, NULL);
	}
}

/*
 * Never blocks: are the file sinks' pending frames on disk? The first
 * call asks every sink to flush; the next ones look. 1 once all are,
 * or after ENGINE_FLUSH_NS (logged: a stuck disk must not stop the
 * engine from stopping).
 */
static int
engine_is_flushed(struct engine *e)
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
int
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
int
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
		engine_watch_stop(e);	/* may replace a stuck RT thread first */
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
		engine_watch_stop(e);	/* may halt it: then it is stopped */
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
		if (!engine_is_flushed(e) || busy)
			return -EINPROGRESS;
		e->state = ENGINE_STOPPED;
	}
	if (e->op_rc < 0 && err != NULL)
		snprintf(err, errlen, "%s", e->op_err);
	return e->op_rc;
}
