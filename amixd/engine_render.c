/* SPDX-License-Identifier: MIT */
/*
 * Offline renders: the current graph run as fast as its file sinks take
 * it, with no device, period after period of rt_cycle. The same graph
 * gives the same bytes every time.
 *
 * A render asked for on the control socket runs on its own thread, which
 * behaves like the real-time thread: it adopts published plans at each
 * cycle and acknowledges them in rt.seen, so graph edits, set and
 * reclaiming go on as while running (the engine is ENGINE_RENDERING,
 * engine_live). The control thread keeps answering every client; it
 * learns that the render ended from engine_poll (engine_render_join),
 * which then settles and flushes like a stop. A --render script runs
 * engine_render on the control thread instead: nothing else waits.
 *
 * Waiting for room (ready) sleeps: the render thread is an ordinary
 * thread, not SCHED_FIFO, and may. It reads the nodes through the plan
 * it runs, never through the graph the control thread edits.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dsp.h"
#include "engine.h"
#include "engine_impl.h"
#include "node.h"
#include "plan.h"
#include "sig.h"

#define RENDER_WAIT_TRIES	50000	/* of 100 us: 5 s per node */

/*
 * Render thread (or control in a script render): 1 when every node of
 * steps can take frames frames. The domains below are looked at too.
 */
static int
engine_render_ready(struct plan_step *steps, uint32_t nsteps,
    uint32_t frames)
{
	uint32_t i;

	for (i = 0; i < nsteps; i++) {
		if (steps[i].ops->ready != NULL &&
		    !steps[i].ops->ready(steps[i].state, frames))
			return 0;
		if (steps[i].ndom > 0 && !engine_render_ready(steps[i].dom,
		    steps[i].ndom, frames))
			return 0;
	}
	return 1;
}

/*
 * Wait until every file sink can take a period without losing it, and
 * every file source has one ready. Bounded: a node that stays unready
 * for 5 s underruns instead. Also ends on quit.
 */
static void
engine_render_wait(struct engine *e, uint32_t frames)
{
	struct timespec us = { 0, 100000 };
	struct plan *p = e->rt.cur;
	int i;

	/*
	 * The plan the last cycle ran; rt_cycle may adopt a newer one, whose
	 * new nodes have empty rings anyway.
	 */
	for (i = 0; p != NULL && i < RENDER_WAIT_TRIES &&
	    !atomic_load_explicit(&e->render_quit, memory_order_relaxed) &&
	    !engine_render_ready(p->steps, p->nsteps, frames); i++)
		nanosleep(&us, NULL);
}

/* True when a signal that stops the daemon waits: so does a render. */
static int
engine_render_interrupted(void)
{
	return sig_quit_pending();
}

/*
 * Offline render on this thread (a --render script): run the current
 * plan frames frames as fast as the file sinks take it. A pending signal
 * of sig_quitset (blocked in the daemon, read by its loop) stops it
 * early: -EINTR, with what was rendered flushed. It renders with denormals
 * flushed to zero, as the real-time threads do (dsp_ftz), so a render
 * computes the numbers a live run does; the thread's own mode comes
 * back afterwards. Control thread, engine stopped.
 */
int
engine_render(struct engine *e, uint64_t frames, char *err, size_t errlen)
{
	uint64_t done = 0;
	unsigned long fpmode;
	uint32_t n;

	if (e->state != ENGINE_STOPPED) {
		snprintf(err, errlen, "the engine is %s: stop it before "
		    "rendering", engine_state_name(e->state));
		return -EBUSY;
	}
	engine_rt_prepare(e);	/* dev_in zeroed too */
	rt_enter(&e->rt);	/* after a watchdog, a new generation */
	e->rt.skip_meters = 1;	/* nobody watches meters of a render */
	fpmode = dsp_ftz();
	while (done < frames) {
		if ((done / e->dev.period) % 256 == 0 &&
		    engine_render_interrupted()) {
			dsp_ftz_restore(fpmode);
			e->rt.skip_meters = 0;
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
	e->rt.skip_meters = 0;
	engine_flush(e);
	return 0;
}

/* The render thread: render_frames frames, or fewer on render_quit. */
static void *
engine_render_thread(void *arg)
{
	struct engine *e = arg;
	uint64_t done = 0, frames = e->render_frames;
	uint32_t n;

	pthread_setname_np(pthread_self(), "amixd-render");
	(void)dsp_ftz();	/* its own thread: no mode to restore */
	while (done < frames && !atomic_load_explicit(&e->render_quit,
	    memory_order_acquire)) {
		n = frames - done < e->render_period ?
		    (uint32_t)(frames - done) : e->render_period;
		engine_render_wait(e, n);
		/* Told to end while waiting for room: no cycle to lose. */
		if (atomic_load_explicit(&e->render_quit,
		    memory_order_acquire))
			break;
		rt_cycle(&e->rt, n, e->render_rate);
		done += n;
		atomic_store_explicit(&e->render_pos, done,
		    memory_order_relaxed);
	}
	atomic_store_explicit(&e->render_end, 1, memory_order_release);
	return NULL;
}

/*
 * Start an offline render of frames frames on its own thread; the
 * engine is ENGINE_RENDERING until engine_poll says it ended. Control
 * thread, engine stopped. 0, or -errno with a message in err.
 */
int
engine_render_begin(struct engine *e, uint64_t frames, char *err,
    size_t errlen)
{
	int rc;

	if (e->state != ENGINE_STOPPED) {
		snprintf(err, errlen, "the engine is %s: %s",
		    engine_state_name(e->state), e->state == ENGINE_RENDERING ?
		    "one render at a time" : "stop it before rendering");
		return -EBUSY;
	}
	engine_rt_prepare(e);	/* dev_in zeroed too */
	e->rt.skip_meters = 1;	/* nobody watches meters of a render */
	e->render_frames = frames;
	e->render_rate = e->dev.rate;
	e->render_period = e->dev.period;
	atomic_store(&e->render_quit, 0);
	atomic_store(&e->render_end, 0);
	atomic_store(&e->render_pos, 0);
	e->op_rc = 0;
	e->flush_ns = 0;
	e->settled = 0;
	e->state = ENGINE_RENDERING;	/* live: plans go through pending */
	rc = pthread_create(&e->render_thread, NULL, engine_render_thread, e);
	if (rc != 0) {
		e->state = ENGINE_STOPPED;
		e->rt.skip_meters = 0;
		snprintf(err, errlen, "cannot start the render thread: %s",
		    strerror(rc));
		return -rc;
	}
	return 0;
}

/*
 * Collect the render thread once it ended (wait: until it does; set
 * render_quit first for that). Then the engine is ENGINE_STOPPING with
 * nothing in flight: engine_poll settles and flushes, and op_rc is the
 * render's result (-EINTR when it ended early). 0, or -EINPROGRESS
 * while it runs and wait is 0.
 */
int
engine_render_join(struct engine *e, int wait)
{
	uint64_t done;

	if (e->state != ENGINE_RENDERING)
		return 0;
	if (!wait && !atomic_load_explicit(&e->render_end,
	    memory_order_acquire))
		return -EINPROGRESS;
	pthread_join(e->render_thread, NULL);
	e->rt.skip_meters = 0;
	done = atomic_load(&e->render_pos);
	if (done < e->render_frames) {
		e->op_rc = -EINTR;
		snprintf(e->op_err, sizeof(e->op_err), "stopped after %llu "
		    "frames", (unsigned long long)done);
	}
	/* Nothing runs the plans any more: the next poll settles. */
	e->settled = 0;
	e->state = ENGINE_STOPPING;
	return 0;
}
