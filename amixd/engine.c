/* SPDX-License-Identifier: MIT */
/*
 * The engine: turns graph edits into published plans, reclaims what the
 * real-time thread no longer uses, routes parameter changes, and drives
 * the backend through open/start/stop/close and offline renders. One
 * concern a file:
 *
 *	engine.c		set-up, teardown, the state's names
 *	engine_plan.c		publishing plans, reclaiming, rate changes
 *	engine_device.c		open, start, stop, flush: the device's life
 *	engine_recover.c	a device lost, reconfigured, reopened
 *	engine_thread.c		spawning the real-time thread
 *	engine_render.c		offline renders on their own thread
 *
 * engine_impl.h declares what the files share and no one else calls.
 * Control thread only.
 */

#include <string.h>

#include "engine.h"
#include "engine_impl.h"
#include "log.h"
#include "plan.h"

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
	/* rt_init made them stereo: nothing to do for two channels. */
	if (e->dev.channels != 0 && e->dev.channels != e->rt.dev_ch) {
		rc = rt_dev_size(&e->rt, e->dev.channels, 0);
		if (rc < 0) {
			rt_done(&e->rt);
			return rc;
		}
	}
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
