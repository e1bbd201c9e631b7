/* SPDX-License-Identifier: MIT */
/*
 * The engine's real-time thread, spawned for a backend: SCHED_FIFO when
 * the kernel allows it, RealtimeKit's grant when it does not, and a
 * record of which (engine.rt_via, rt_policy, rt_prio, rt_error) for the
 * status reply. Control thread only.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "rtkit.h"

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
