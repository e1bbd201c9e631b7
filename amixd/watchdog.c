/* SPDX-License-Identifier: MIT */
/*
 * The watchdog: a node that never returns must not take the machine, the
 * audio or the control socket with it. While the engine runs, a thread
 * of its own wakes every eighth of the timeout (-w, WATCHDOG_MS) and
 * looks at two numbers the real-time thread publishes (rt.c): the count
 * of finished periods and the id of the node it is running (0 between
 * periods). When a period has been running for the timeout without
 * finishing, the watchdog thread drops the real-time thread to
 * SCHED_OTHER at nice 19, so the core it held is free again, and wakes
 * the control thread, which then (watchdog_fire):
 *
 * - takes the node out of the schedule: it is marked bypassed and a new
 *   plan runs a pass-through (or silence) in its place (bypass.c);
 *   if it sits in a resample node's domain, that node too, since its
 *   code is on the stuck thread's stack;
 * - leaves the stuck thread behind: its generation is bumped, so should
 *   the node ever return the thread touches nothing shared again
 *   (rt_left) and ends; the plan it holds and the bypassed nodes are
 *   never freed (node_del skips them; this file keeps pointers to them,
 *   so a leak checker sees them reachable) and the plan is unlinked from
 *   the engine's list, so the reclaim machinery never waits for the
 *   stuck thread's acknowledgement;
 * - asks the backend for a fresh real-time thread (backend abandon: the
 *   null and ALSA loops). JACK's process thread belongs to JACK: there
 *   the node is bypassed and reported and the thread demoted; should the
 *   node return, the next period runs without it, else amixd is silent
 *   in JACK until a stop and start, or until the server drops the
 *   client (a lost device). A stop leaves the thread behind as above
 *   (watchdog_leave, asked by the backend's busy) without waiting for
 *   it, and jack_deactivate then cancels it. XXX restart it by itself;
 * - sends {"event":"watchdog",...} to the watchdog event class.
 *
 * It never fires on an idle or stopped engine: its thread exists only
 * while the engine runs, and a period that is not running (node id 0: a
 * backend waiting for its device) is never late in this sense.
 *
 * Scheduling. When the real-time thread has SCHED_FIFO or SCHED_RR from
 * the kernel, the watchdog thread gets SCHED_FIFO one priority above it:
 * it sleeps all the time but a few microseconds a tick, and a spinning
 * real-time thread can then never keep it off its core. Without that
 * privilege (rtkit, no real time, JACK's thread) it is an ordinary
 * thread and relies on another core and on the kernel's RT throttling.
 *
 * RLIMIT_RTTIME. With rtkit the process has RLIMIT_RTTIME (rtkit.c):
 * a real-time thread that runs that long without sleeping gets SIGXCPU
 * at the soft limit and SIGKILL at the hard one (rtkit sets both equal:
 * SIGKILL at once). The watchdog acts first: its timeout is capped at
 * half the lower of the two limits, and demoting the thread stops the
 * kernel's count, so neither signal comes. (Should a SIGXCPU come all
 * the same, say from RLIMIT_CPU, sig.c stops the daemon in order.) With
 * -w 0 the limit alone stands and the kernel ends the daemon.
 *
 * watchdog_init/done/start/stop and watchdog_fire run on the control
 * thread; watchdog_thread only reads atomics, calls sched_setscheduler
 * and setpriority once, and writes an eventfd.
 */

#include <sys/resource.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "engine.h"
#include "ev.h"
#include "events.h"
#include "log.h"
#include "plan.h"
#include "req.h"
#include "watchdog.h"

#define WATCHDOG_LEAK_MAX	(WATCHDOG_THREADS_MAX * 8)
#define WATCHDOG_NEST_MAX	8	/* resample domains around a node */

static struct watchdog {
	struct engine *e;		/* borrowed: main */
	uint32_t ms;			/* -w; 0: off */
	uint64_t timeout_ns;		/* in force: ms, capped by RTTIME */
	int tick_ms;
	int stopfd;			/* eventfd: stop the thread */
	int firefd;			/* eventfd: it fired */
	struct ev_file *ev;
	pthread_t thread;
	int running;			/* thread not yet joined */
	uint64_t skip;			/* cycles of a stuck thread told */
	_Atomic int fired;
	/* Set by the thread before fired, read by control after. */
	uint32_t f_step;		/* node id */
	uint64_t f_ns;			/* stuck so long when seen */
	uint64_t f_cycles;
	int f_demoted;			/* 0 or -errno */
	uint64_t count;			/* fired */
	int threads;			/* left behind */
	void *leaked[WATCHDOG_LEAK_MAX];	/* plans and nodes, kept */
	int nleaked;
} wd = { .stopfd = -1, .firefd = -1, .skip = UINT64_MAX };

static void watchdog_ev_cb(void *arg, int revents);

/* How many times it fired since amixd started. */
uint64_t
watchdog_count(void)
{
	return wd.count;
}

/*
 * Control thread, once: watch engine e with a timeout of ms (0: never).
 * Its wake-up goes through the control loop.
 */
void
watchdog_init(struct engine *e, uint32_t ms)
{
	wd.e = e;
	wd.ms = ms;
	e->watch_start = watchdog_start;
	e->watch_stop = watchdog_stop;
	if (ms == 0)
		return;
	wd.stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	wd.firefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wd.stopfd < 0 || wd.firefd < 0) {
		logx(1, "watchdog: eventfd: %s: off", strerror(errno));
		wd.ms = 0;
		return;
	}
	wd.ev = ev_file_new(wd.firefd, POLLIN, watchdog_ev_cb, NULL);
}

/* Control thread, at exit, after the engine stopped. */
void
watchdog_done(void)
{
	if (wd.ev != NULL)
		ev_file_del(wd.ev);
	if (wd.stopfd >= 0)
		close(wd.stopfd);
	if (wd.firefd >= 0)
		close(wd.firefd);
	wd.ev = NULL;
	wd.stopfd = wd.firefd = -1;
	wd.ms = 0;
}

/*
 * Any thread: drop thread tid to SCHED_OTHER at nice 19, keeping the
 * SCHED_RESET_ON_FORK flag rtkit gave it (an ordinary user may not
 * clear it). 0 or -errno.
 */
static int
watchdog_demote(int tid)
{
	struct sched_param sp;
	int pol;

	if (tid <= 0)
		return -ESRCH;
	memset(&sp, 0, sizeof(sp));
	pol = sched_getscheduler(tid);
	if (pol < 0)
		return -errno;
	if (sched_setscheduler(tid, SCHED_OTHER | (pol & SCHED_RESET_ON_FORK),
	    &sp) < 0)
		return -errno;
	if (setpriority(PRIO_PROCESS, (id_t)tid, 19) < 0)
		return -errno;
	return 0;
}

/* The watchdog thread: see the module comment. */
static void *
watchdog_thread(void *arg)
{
	struct rt *rt = &wd.e->rt;
	struct pollfd pfd = { wd.stopfd, POLLIN, 0 };
	uint64_t now, since, cycles, last, one = 1;
	uint32_t step;
	ssize_t n;

	(void)arg;
	last = atomic_load(&rt->cycles);
	since = am_clock_ns();
	while (poll(&pfd, 1, wd.tick_ms) == 0) {
		now = am_clock_ns();
		cycles = atomic_load_explicit(&rt->cycles,
		    memory_order_relaxed);
		step = atomic_load_explicit(&rt->step, memory_order_relaxed);
		if (cycles != last || step == 0 || cycles == wd.skip) {
			last = cycles;
			since = now;
			continue;
		}
		if (now - since < wd.timeout_ns)
			continue;
		wd.f_step = step;
		wd.f_ns = now - since;
		wd.f_cycles = cycles;
		wd.f_demoted = watchdog_demote(atomic_load(&rt->tid));
		atomic_store_explicit(&wd.fired, 1, memory_order_release);
		n = write(wd.firefd, &one, sizeof(one));
		(void)n;
		break;
	}
	return NULL;
}

/* The timeout under RLIMIT_RTTIME, when that binds a real-time thread. */
static void
watchdog_timeout(struct engine *e)
{
	struct rlimit rl;
	uint64_t cap;
	rlim_t lim;

	wd.timeout_ns = (uint64_t)wd.ms * 1000000;
	if (e->rt_via != ENGINE_RT_NONE &&
	    getrlimit(RLIMIT_RTTIME, &rl) == 0) {
		lim = rl.rlim_cur < rl.rlim_max ? rl.rlim_cur : rl.rlim_max;
		cap = lim == RLIM_INFINITY ? UINT64_MAX : (uint64_t)lim * 500;
		if (wd.timeout_ns > cap) {
			wd.timeout_ns = cap;
			logx(2, "watchdog: %llu ms, half of RLIMIT_RTTIME",
			    (unsigned long long)(cap / 1000000));
		}
	}
	wd.tick_ms = (int)(wd.timeout_ns / 8000000);
	wd.tick_ms = wd.tick_ms < 1 ? 1 : wd.tick_ms > 50 ? 50 : wd.tick_ms;
}

/*
 * The engine started running: start watching. SCHED_FIFO above the
 * real-time thread when that has it from the kernel. Control thread.
 */
void
watchdog_start(struct engine *e)
{
	struct sched_param sp;
	pthread_attr_t attr;
	int rc = -1;

	if (wd.ms == 0 || wd.running)
		return;
	watchdog_timeout(e);
	atomic_store(&wd.fired, 0);
	if (e->rt_via == ENGINE_RT_SCHED && (e->rt_policy == SCHED_FIFO ||
	    e->rt_policy == SCHED_RR) &&
	    e->rt_prio < sched_get_priority_max(SCHED_FIFO)) {
		pthread_attr_init(&attr);
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		memset(&sp, 0, sizeof(sp));
		sp.sched_priority = e->rt_prio + 1;
		pthread_attr_setschedparam(&attr, &sp);
		rc = pthread_create(&wd.thread, &attr, watchdog_thread, NULL);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0)
		rc = pthread_create(&wd.thread, NULL, watchdog_thread, NULL);
	if (rc != 0) {
		logx(1, "watchdog: cannot start: %s", strerror(rc));
		return;
	}
	wd.running = 1;
}

/* Keep p (a plan or a node) forever, where a leak checker sees it. */
static void
watchdog_leak(void *p)
{
	if (wd.nleaked < WATCHDOG_LEAK_MAX)
		wd.leaked[wd.nleaked++] = p;
}

/* A node by id, live or already removed (a zombie), or NULL. */
static struct node *
watchdog_node(struct engine *e, uint32_t id)
{
	struct node *n = graph_node(&e->graph, id);

	if (n != NULL)
		return n;
	for (n = e->graph.zombies; n != NULL && n->id != id; n = n->next)
		;
	return n;
}

/*
 * The resample node whose domain holds the step of node id in plan p,
 * or 0: its code is on the stack below that step.
 */
static uint32_t
watchdog_owner(const struct plan *p, uint32_t id)
{
	uint32_t k, j, total = p->nsteps;

	for (k = 0; k < total; k++)
		total += p->steps[k].ndom;
	for (k = 0; k < total; k++) {
		for (j = 0; j < p->steps[k].ndom; j++) {
			if (p->steps[k].dom[j].id == id)
				return p->steps[k].id;
		}
	}
	return 0;
}

/* Give up on the engine: stopped, the thread left where it is. */
static void
watchdog_halt(struct engine *e, const char *why)
{
	logx(1, "watchdog: %s: engine stopped", why);
	e->state = ENGINE_STOPPED;
	atomic_store(&e->rt.closing, 0);
	events_state();
}

/*
 * Control thread: the real-time thread is stuck in node wd.f_step. Take
 * that node (and the resample nodes around it) out of the schedule,
 * leave the thread behind with what it holds, start a fresh one, and
 * tell the watchdog subscribers. See the module comment.
 */
static void
watchdog_fire(struct engine *e)
{
	struct plan **pp, *held;
	struct node *n;
	char err[256];
	const char *thread = "stuck", *type = "unknown";
	uint32_t id, ids[WATCHDOG_NEST_MAX];
	int i, nids = 0, rc;
	cJSON *ev, *a;

	wd.count++;
	for (pp = &e->plans; *pp != NULL && (*pp)->seq !=
	    atomic_load(&e->rt.seen); pp = &(*pp)->next)
		;
	held = *pp;
	if (held != NULL) {
		*pp = held->next;	/* never freed: the thread holds it */
		held->next = NULL;
		watchdog_leak(held);
	}
	if (wd.f_step == RT_STEP_BUSY)
		wd.f_step = 0;		/* stuck before any node: none to name */
	for (id = wd.f_step; id != 0 && nids < WATCHDOG_NEST_MAX;
	    id = held != NULL ? watchdog_owner(held, id) : 0) {
		ids[nids++] = id;
		if ((n = watchdog_node(e, id)) == NULL)
			continue;
		if (nids == 1)
			type = n->ops->type;
		if (!n->bypassed)
			watchdog_leak(n);
		n->bypassed = 1;
	}
	if (engine_commit(e) < 0) {
		/* A new thread would run the held plan, node and all. */
		atomic_fetch_add(&e->rt.gen, 1);
		e->rt.cur = NULL;	/* silent until the next commit */
		thread = "failed";
		watchdog_halt(e, "cannot compile a plan without the node");
	} else if (e->backend->abandon != NULL &&
	    wd.threads < WATCHDOG_THREADS_MAX) {
		/* From here a return from the node finds itself left. */
		atomic_fetch_add(&e->rt.gen, 1);
		atomic_store(&e->rt.step, 0);
		e->rt.in_cycle = 0;
		wd.threads++;
		wd.skip = UINT64_MAX;
		rc = e->backend->abandon(e, err, sizeof(err));
		thread = "replaced";
		if (rc < 0) {
			thread = "failed";
			watchdog_halt(e, err);
		}
	} else if (e->backend->abandon != NULL) {
		atomic_fetch_add(&e->rt.gen, 1);
		thread = "failed";
		watchdog_halt(e, "too many stuck threads");
	} else
		wd.skip = wd.f_cycles;	/* JACK's: tell it once */

	logx(1, "watchdog: node %u (%s) ran %llu ms without returning: "
	    "bypassed, thread %s%s", wd.f_step, type,
	    (unsigned long long)(wd.f_ns / 1000000), thread,
	    wd.f_demoted < 0 ? ", could not be demoted" : "");
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "event", "watchdog");
	cJSON_AddNumberToObject(ev, "node", wd.f_step);
	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddNumberToObject(ev, "ms", (double)(wd.f_ns / 1000000));
	cJSON_AddBoolToObject(ev, "demoted", wd.f_demoted == 0);
	cJSON_AddStringToObject(ev, "thread", thread);
	a = cJSON_AddArrayToObject(ev, "bypassed");
	for (i = 0; i < nids; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(ids[i]));
	cJSON_AddNumberToObject(ev, "count", (double)wd.count);
	req_event(REQ_EV_WATCHDOG, ev);
}

/*
 * A backend whose real-time thread is not ours (JACK) is stopping and a
 * cycle is still in flight: is it the one the watchdog gave up on, the
 * thread still in that node? Then leave the thread behind now, as
 * watchdog_fire does for the other backends: the plan it holds and the
 * bypassed nodes are already kept for ever, and with the generation
 * bumped, should the node return, the thread touches nothing shared
 * (rt_left) and the backend's callback must not either. 1 when it was
 * left behind here, 0 when no such cycle runs. Control thread.
 */
int
watchdog_leave(struct engine *e)
{
	struct rt *rt = &e->rt;

	if (wd.ms == 0 || wd.skip == UINT64_MAX ||
	    atomic_load(&rt->step) == 0 || atomic_load(&rt->cycles) != wd.skip)
		return 0;
	atomic_fetch_add(&rt->gen, 1);
	atomic_store(&rt->step, 0);
	rt->in_cycle = 0;
	wd.skip = UINT64_MAX;
	logx(1, "watchdog: the stuck thread is left behind: the engine stops");
	return 1;
}

/* Control: join the watchdog thread, which has ended or is told to. */
static void
watchdog_join(void)
{
	uint64_t one = 1, junk;
	ssize_t n;

	if (!wd.running)
		return;
	n = write(wd.stopfd, &one, sizeof(one));
	pthread_join(wd.thread, NULL);
	n = read(wd.stopfd, &junk, sizeof(junk));
	(void)n;
	wd.running = 0;
}

/* Control loop: the watchdog thread fired. */
static void
watchdog_ev_cb(void *arg, int revents)
{
	struct engine *e = wd.e;
	uint64_t junk;
	ssize_t n;

	(void)arg;
	(void)revents;
	n = read(wd.firefd, &junk, sizeof(junk));
	(void)n;
	if (!atomic_exchange(&wd.fired, 0))
		return;
	watchdog_join();
	if (e->state != ENGINE_RUNNING)
		return;
	watchdog_fire(e);
	if (e->state == ENGINE_RUNNING)
		watchdog_start(e);
}

/*
 * The engine is about to stop its real-time thread, which joins it: a
 * thread stuck in a node would hang the daemon there. So first stop
 * watching, then make sure the thread is not stuck: a fire not yet
 * handled is handled now, and a period still running after the timeout
 * is treated as one. rt.closing keeps a period from starting after the
 * check (rt_cycle). The backend then stops a thread that runs, unless
 * the watchdog had to halt the engine (state no longer running: there
 * is no thread of ours left to join). Control thread.
 */
void
watchdog_stop(struct engine *e)
{
	struct rt *rt = &e->rt;
	struct timespec ms = { 0, 1000000 };
	uint64_t t0, last;

	if (wd.ms == 0)
		return;
	watchdog_join();
	atomic_store(&rt->closing, 1);	/* no cycle starts after the check */
	if (!atomic_exchange(&wd.fired, 0)) {
		t0 = am_clock_ns();
		last = atomic_load(&rt->cycles);
		while (atomic_load(&rt->step) != 0 &&
		    atomic_load(&rt->cycles) == last && last != wd.skip) {
			if (am_clock_ns() - t0 >= wd.timeout_ns) {
				wd.f_step = atomic_load(&rt->step);
				wd.f_ns = am_clock_ns() - t0;
				wd.f_cycles = last;
				wd.f_demoted = watchdog_demote(
				    atomic_load(&rt->tid));
				watchdog_fire(e);
				break;
			}
			nanosleep(&ms, NULL);
		}
	} else
		watchdog_fire(e);
}
