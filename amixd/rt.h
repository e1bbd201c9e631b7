/* SPDX-License-Identifier: MIT */
#ifndef RT_H
#define RT_H

#include <stdatomic.h>
#include <stdint.h>

#include "aclock.h"
#include "queue.h"

#define RT_FRAMES_MAX	4096	/* largest period, frames */
#define RT_FRAMES_MIN	16
#define RT_CMD_MAX	1024	/* parameter changes in flight */
#define RT_EVENT_MAX	256	/* events in flight to control */
#define RT_HIST		80	/* histogram buckets, see rt_hist_bucket */
#define RT_MAX_TRIES	8	/* compare-exchanges to raise a maximum */
#define RT_STEP_BUSY	UINT32_MAX	/* rt.step: in a cycle, before any node */
#define RT_PEAK_NONFINITE 2.0f	/* least peak of a node that made NaN/Inf */

struct node_ops;
struct plan;

/* A parameter change, control -> RT. */
struct rt_cmd {
	void *state;			/* borrowed: node */
	const struct node_ops *ops;
	int arg;
	double val;
};

/* An event, RT -> control. */
struct rt_event {
	uint32_t type;
#define RT_EV_XRUN	1		/* a: usec, b: RT_XRUN_* */
#define RT_EV_NODE	2		/* b: NODE_EV_*, a: its value */
#define RT_EV_CLOCK	3		/* a: AM_CLOCK_*, b: discont count */
	uint32_t node;			/* node id or 0 */
	uint64_t a;
	uint64_t b;
	uint64_t pos;			/* rt->pos when it was queued */
};

#define RT_XRUN_UNDERRUN	0	/* playback starved */
#define RT_XRUN_OVERRUN		1	/* capture overflowed */

/* Microsecond histogram, four buckets per octave. */
struct rt_hist {
	_Atomic uint64_t b[RT_HIST];
};

/*
 * What the real-time thread and the control thread share. The control
 * thread publishes a plan in pending; the RT thread adopts it at the next
 * period, applies queued commands, then stores the plan's seq in seen:
 * plans and nodes retired before seen may then be freed.
 */
struct rt {
	_Atomic(struct plan *) pending;
	struct plan *cur;		/* RT-owned while running */
	_Atomic uint64_t seen;		/* seq of the plan in use */
	struct am_queue cmds;		/* struct rt_cmd */
	struct am_queue events;		/* struct rt_event */
	int evfd;			/* eventfd: events waiting */
	uint64_t pos;			/* frames since start, RT */
	_Atomic int lost;		/* the backend lost its device */
	int skip_meters;		/* rendering: no meters to feed */
	int in_cycle;			/* RT: inside rt_cycle */
	int ev_due;			/* RT: events queued, no wake-up yet */
	int ev_woke;			/* RT: control woken this period */
	_Atomic uint64_t reconfig;	/* rate << 32 | period, or 0 */
	_Atomic uint64_t ev_dropped;
	_Atomic uint64_t cycles;
	_Atomic uint64_t frames;
	_Atomic uint64_t busy_ns;	/* time spent in cycles */
	_Atomic uint64_t xruns;
	_Atomic uint64_t late_max_ns;	/* since start */
	_Atomic uint64_t late_int_ns;	/* since control last took it */
	_Atomic uint64_t cycle_max_ns;	/* since control last took it */
	_Atomic uint64_t wakeups;	/* device clock wake-ups (alsa) */
	_Atomic uint64_t wakeups_empty;	/* of them, nothing to do */
	/*
	 * The watchdog's view (watchdog.c): the node the RT thread runs
	 * (0 outside a cycle), that thread's kernel id, and the generation
	 * of the one thread allowed to run cycles; a thread that finds
	 * another generation was left behind and must stop (rt_left).
	 * closing: the engine is stopping, cycles no longer start.
	 */
	_Atomic uint32_t step;		/* node id, or RT_STEP_BUSY */
	_Atomic int tid;
	_Atomic uint32_t gen;
	_Atomic int closing;
	struct rt_hist late;		/* wake-up lateness, us */
	struct rt_hist cost;		/* cycle time, us */
	struct aclock clock;		/* RT-owned; control reads its page */
	/*
	 * The device's buffers: RT_FRAMES_MAX frames of dev_ch channels,
	 * interleaved float in the device's layout order; sized by
	 * rt_dev_size while no cycle runs, their pages touched by
	 * rt_dev_touch before a thread runs cycles.
	 */
	float *dev_out;
	float *dev_in;
	uint32_t dev_ch;		/* channels of dev_out and dev_in */
	uint32_t dev_cap;		/* channels they have room for */
};

int rt_init(struct rt *rt);
void rt_done(struct rt *rt);
int rt_dev_size(struct rt *rt, uint32_t ch, int keep);
void rt_dev_touch(struct rt *rt);
void rt_cycle(struct rt *rt, uint32_t frames, uint32_t rate);
void rt_enter(struct rt *rt);
int rt_left(struct rt *rt);
void rt_late(struct rt *rt, uint64_t late_ns);
void rt_xrun(struct rt *rt, int type, uint64_t usec);
void rt_lost(struct rt *rt);
void rt_clock(struct rt *rt, uint64_t t_ns, uint64_t raw_ns,
    uint64_t dev_frames, uint32_t rate, uint32_t period, uint32_t latency,
    uint32_t in_latency);
int rt_node_event(struct rt *rt, uint32_t node, int kind, uint64_t a);
void rt_reconfig(struct rt *rt, uint32_t rate, uint32_t period);
void rt_raise(_Atomic uint64_t *c, uint64_t v, uint64_t old);
void rt_max(_Atomic uint64_t *c, uint64_t v);
void rt_raise_peak(_Atomic uint32_t *c, float v, uint32_t old);
int rt_hist_bucket(uint64_t us);
uint64_t rt_hist_value(int bucket);

#endif /* !defined(RT_H) */
