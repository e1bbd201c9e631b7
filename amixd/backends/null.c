/* SPDX-License-Identifier: MIT */
/*
 * The null backend: a device with no sound card, clocked by absolute
 * deadlines on CLOCK_MONOTONIC. Deadline k is start + k periods, counted
 * in frames so the clock never drifts from rounding. A cycle that ends
 * after the next deadline missed it: an xrun, reported with how late it
 * was; the clock then restarts with its next deadline one period after
 * that cycle ended, as a real device would after an underrun, instead
 * of racing to catch up. Not at once: a client woken by the late cycle
 * (an app ring of one period) needs that period to refill, and a cycle
 * run right away would find every such ring empty. Playback is
 * discarded and capture is silence.
 *
 * The audio clock (aclock.c) is fed the deadline itself, not the late
 * wake-up: a period rendered for deadline k is "heard" one period later
 * (the output latency of a double buffer), and its capture entered one
 * period before (the input latency).
 *
 * open/close/start/stop run on the control thread; backend_null_thread is
 * the real-time thread: it only sleeps on its deadline and runs rt_cycle.
 * abandon (the watchdog) replaces a thread stuck in a node; the old one
 * quits should it ever come back (rt_left).
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "clock.h"
#include "dsp.h"
#include "engine.h"
#include "util.h"

struct backend_null {
	struct engine *e;		/* borrowed: main */
	pthread_t thread;
	_Atomic int quit;
	uint32_t rate, period;
};

/* The real-time thread. */
static void *
backend_null_thread(void *arg)
{
	struct backend_null *d = arg;
	struct rt *rt = &d->e->rt;
	struct timespec ts;
	uint64_t t0, k = 0, deadline, next, now, end, per;

	dsp_ftz();
	t0 = am_clock_ns();
	while (!atomic_load_explicit(&d->quit, memory_order_acquire)) {
		deadline = t0 + am_clock_frames_ns(k * d->period, d->rate);
		am_clock_ts(deadline, &ts);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		now = am_clock_ns();
		rt_late(rt, now > deadline ? now - deadline : 0);
		per = am_clock_frames_ns(d->period, d->rate);
		rt_clock(rt, deadline + per, now + per, rt->pos, d->rate,
		    d->period, d->period, d->period);
		rt_cycle(rt, d->period, d->rate);
		if (rt_left(rt))
			return NULL;	/* the watchdog replaced us */
		end = am_clock_ns();
		k++;
		next = t0 + am_clock_frames_ns(k * d->period, d->rate);
		if (end > next) {
			rt_xrun(rt, RT_XRUN_UNDERRUN, (end - next) / 1000);
			t0 = end;
			k = 1;
		}
	}
	return NULL;
}

static int
backend_null_open(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen)
{
	struct backend_null *d;

	(void)err;
	(void)errlen;
	d = xcalloc(1, sizeof(*d));
	d->e = e;
	d->rate = cfg->rate;
	d->period = cfg->period;
	if (cfg->periods == 0)
		cfg->periods = 2;
	snprintf(cfg->format, sizeof(cfg->format), "f32");
	if (cfg->layout_asked)
		cfg->layout_from = DEV_LAYOUT_SET;	/* any layout will do */
	e->bdata = d;
	return 0;
}

static void
backend_null_close(struct engine *e)
{
	free(e->bdata);
	e->bdata = NULL;
}

static int
backend_null_start(struct engine *e, char *err, size_t errlen)
{
	struct backend_null *d = e->bdata;
	int rc;

	atomic_store(&d->quit, 0);
	rc = engine_rt_spawn(e, &d->thread, backend_null_thread, d);
	if (rc < 0)
		snprintf(err, errlen, "cannot start the real-time thread: %s",
		    strerror(-rc));
	return rc;
}

/*
 * The watchdog gave up on the real-time thread, stuck in a node: leave
 * it (detached, never joined; it ends by itself should the node return)
 * and start a fresh one. Control thread. 0 or -errno.
 */
static int
backend_null_abandon(struct engine *e, char *err, size_t errlen)
{
	struct backend_null *d = e->bdata;

	pthread_detach(d->thread);
	return backend_null_start(e, err, errlen);
}

static void
backend_null_stop(struct engine *e)
{
	struct backend_null *d = e->bdata;

	atomic_store_explicit(&d->quit, 1, memory_order_release);
	pthread_join(d->thread, NULL);
}

const struct backend_ops backend_null_ops = {
	.name = "null",
	.open = backend_null_open,
	.close = backend_null_close,
	.start = backend_null_start,
	.stop = backend_null_stop,
	.abandon = backend_null_abandon,
};
