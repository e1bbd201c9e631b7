/* SPDX-License-Identifier: MIT */
/*
 * The engine when the device changes under it: lost (stop, close, keep
 * the graph, let the control plane work on; engine_recover reopens it
 * later), or running on at another rate or period
 * (engine_on_device_changed: a new period is a new plan, a new rate
 * waits for a plan without nodes, see engine_plan.c). Events the
 * control thread hears of from the RT side (events.c). Control thread
 * only.
 */

#include <errno.h>
#include <stdatomic.h>

#include "clock.h"
#include "engine.h"
#include "engine_impl.h"
#include "log.h"

/*
 * The device went away: stop the RT thread, close the device, keep the
 * graph. engine_recover reopens it; the control plane works meanwhile.
 */
void
engine_on_device_lost(struct engine *e)
{
	struct node *n;

	if (e->state != ENGINE_RUNNING)
		return;
	engine_watch_stop(e);
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
engine_on_device_changed(struct engine *e, uint32_t rate,
    uint32_t period)
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
	engine_dev_ask(&cfg);
	rc = e->backend->open(e, &cfg, err, errlen);
	if (rc == 0)
		rc = engine_dev_buffers(e, &cfg, err, errlen);
	if (rc < 0)
		return rc;
	if (cfg.rate != e->dev.rate &&
	    engine_rate(e, cfg.rate, err, errlen) < 0)
		logx(1, "after the device came back: %s", err);
	if (engine_dev_layout(e, &cfg) || cfg.rate != e->dev.rate ||
	    cfg.period != e->dev.period) {
		e->dev = cfg;
		engine_commit(e);
	}
	e->dev = cfg;
	e->dev_open = 1;
	e->start_ns = am_clock_ns();
	e->start_frames = atomic_load(&e->rt.frames);
	e->settled = 0;
	e->state = ENGINE_RUNNING;
	engine_rt_prepare(e);
	rc = e->backend->start(e, err, errlen);
	if (rc < 0) {
		e->state = ENGINE_LOST;
		e->backend->close(e);
		e->dev_open = 0;
	} else
		engine_watch_start(e);
	return rc;
}
