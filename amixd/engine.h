/* SPDX-License-Identifier: MIT */
#ifndef ENGINE_H
#define ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "backends/backend.h"
#include "graph.h"
#include "rt.h"

#define ENGINE_RATE_MIN		8000
#define ENGINE_RATE_MAX		192000
#define ENGINE_RT_PRIO		70	/* asked for; rtkit may cap it */

/*
 * The engine: graph model, published plans, the state shared with the
 * real-time thread, and the backend. Owned by main, used by the control
 * thread; the real-time thread only touches rt and what plans borrow.
 */
struct engine {
	struct graph graph;
	struct rt rt;
	const struct backend_ops *backend;
	void *bdata;			/* backend private, owned by it */
	struct dev_config dev;		/* granted by the backend */
	struct dev_config dev_req;	/* asked for, to reopen after loss */
	int dev_open;
	int state;
#define ENGINE_STOPPED	0
#define ENGINE_RUNNING	1
#define ENGINE_LOST	2		/* device gone, retrying */
#define ENGINE_RENDERING 3		/* an offline render on its thread */
#define ENGINE_STOPPING	4		/* waiting for backend, file sinks */
	struct plan *plans;		/* published, newest first */
	uint64_t seq;			/* of the newest plan */
	int rt_via;			/* how the RT thread got real time */
#define ENGINE_RT_NONE	0		/* it did not: rt_error says why */
#define ENGINE_RT_SCHED	1		/* set by the daemon (or JACK) */
#define ENGINE_RT_RTKIT	2		/* granted by RealtimeKit */
	int rt_policy;			/* SCHED_* read back; -1 unknown */
	int rt_prio;			/* its priority, read back */
	char rt_error[256];		/* why no real time; "" if none */
	int mlock_ask;			/* lock memory at the first start */
	int mlocked;			/* mlockall succeeded */
	uint64_t start_ns;		/* CLOCK_MONOTONIC at start */
	uint64_t start_frames;		/* rt.frames at start */
	uint32_t rate_want;		/* rate change waiting, Hz, or 0 */
	uint64_t quiet_seq;		/* its plan without nodes */
	int settled;			/* STOPPING: RT let go of everything */
	int wedged;			/* RT never let go: free nothing */
	uint64_t flush_ns;		/* STOPPING: flushing since, or 0 */
	int op_rc;			/* result of the render or stop */
	char op_err[256];		/* its message when op_rc < 0 */
	pthread_t render_thread;
	_Atomic int render_quit;	/* control -> render: end early */
	_Atomic int render_end;		/* render -> control: it returned */
	_Atomic uint64_t render_pos;	/* frames rendered, render thread */
	uint64_t render_frames;		/* frames asked for */
	uint32_t render_rate;		/* Hz, fixed while it runs */
	uint32_t render_period;		/* frames per cycle */
	/*
	 * Told when the real-time thread starts and before it stops: the
	 * watchdog sets these (watchdog_init), so the engine needs not know
	 * it. NULL: nobody watches.
	 */
	void (*watch_start)(struct engine *e);
	void (*watch_stop)(struct engine *e);
};

int engine_init(struct engine *e, const struct backend_ops *b,
    const struct dev_config *defaults);
void engine_done(struct engine *e);
int engine_commit(struct engine *e);
void engine_reclaim(struct engine *e);
int engine_has_garbage(const struct engine *e);
void engine_retire(struct engine *e, struct node *n);
int engine_set(struct engine *e, struct node *n, int arg, double val);
int engine_open(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen);
void engine_close(struct engine *e);
int engine_start(struct engine *e, char *err, size_t errlen);
void engine_stop(struct engine *e);
int engine_stop_begin(struct engine *e);
int engine_poll(struct engine *e, char *err, size_t errlen);
int engine_busy(const struct engine *e);
int engine_live(const struct engine *e);
void engine_on_device_lost(struct engine *e);
int engine_on_device_changed(struct engine *e, uint32_t rate,
    uint32_t period);
int engine_recover(struct engine *e, char *err, size_t errlen);
int engine_render(struct engine *e, uint64_t frames, char *err,
    size_t errlen);
int engine_render_begin(struct engine *e, uint64_t frames, char *err,
    size_t errlen);
int engine_render_join(struct engine *e, int wait);
void engine_flush(struct engine *e);
int engine_rt_spawn(struct engine *e, pthread_t *t, void *(*fn)(void *),
    void *arg);
const char *engine_state_name(int state);
double engine_drift_ppm(struct engine *e);

#endif /* !defined(ENGINE_H) */
