/* SPDX-License-Identifier: MIT */
/*
 * The engine's real-time thread, spawned for a backend: SCHED_FIFO when
 * the kernel allows it, RealtimeKit's grant when it does not, and a
 * record of which (engine.rt_via, rt_policy, rt_prio, rt_error) for the
 * status reply. Before any thread runs a cycle (a backend's, JACK's or
 * a render's) engine_rt_prepare locks the daemon's memory, the first
 * time only, and touches the device buffers: the lock waits for the
 * first start rather than costing every daemon's start-up. Control
 * thread only.
 */

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "engine_impl.h"
#include "log.h"
#include "rtkit.h"

/*
 * Lock the daemon's memory, as it is and as it grows, so the real-time
 * path does not page-fault; 1 when locked. Only when nothing bounds it
 * (CAP_IPC_LOCK, or an unlimited RLIMIT_MEMLOCK): under a finite limit,
 * MCL_FUTURE charges every later mapping to it, and the first that does
 * not fit fails, be it the real-time thread's stack or a library loaded
 * on first use, so an ordinary user's daemon could not start its engine.
 * MCL_ONFAULT: a page is locked once touched, so what is touched before
 * a thread runs (plans, rings, the device buffers) is locked, and the
 * untouched rest of the mappings costs no memory.
 */
static int
engine_mlockall(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return 0;	/* not with a sanitizer's terabytes of shadow */
#else
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
	    0 };
	struct __user_cap_data_struct data[2];
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    (syscall(SYS_capget, &hdr, data) < 0 ||
	    (data[0].effective & (1U << CAP_IPC_LOCK)) == 0)) {
		logx(2, "memory not locked: RLIMIT_MEMLOCK is %llu kB, and "
		    "no CAP_IPC_LOCK", (unsigned long long)rl.rlim_cur / 1024);
		return 0;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0) {
		logx(2, "memory not locked: mlockall: %s", strerror(errno));
		return 0;
	}
	return 1;
#endif
}

/*
 * Before a real-time or render thread runs its first cycle: when the
 * daemon asked for it (mlock_ask), lock the memory, once for the
 * daemon's life (MCL_FUTURE covers every later start), and in any case
 * touch the device buffers so no cycle faults their pages in. MCL_CURRENT
 * locks every page touched so far, all the engine's pre-faulted state
 * among them; pages touched after, as this does the device buffers, are
 * locked as they are faulted in. Control thread, no cycle running.
 */
void
engine_rt_prepare(struct engine *e)
{
	if (e->mlock_ask) {
		e->mlock_ask = 0;
		e->mlocked = engine_mlockall();
	}
	rt_dev_touch(&e->rt);
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
