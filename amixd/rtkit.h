/* SPDX-License-Identifier: MIT */
#ifndef RTKIT_H
#define RTKIT_H

#include <sys/types.h>

#include <pthread.h>
#include <stddef.h>

/*
 * Real time from RealtimeKit (rtkit.c), for a daemon that may not set
 * SCHED_FIFO itself: rtkit_spawn starts an ordinary thread and tells its
 * kernel thread id; rtkit_make_realtime asks RealtimeKit, over the D-Bus
 * system bus, to make that thread real-time. Control thread only.
 */
int rtkit_spawn(pthread_t *t, void *(*fn)(void *), void *arg, pid_t *tid);
int rtkit_make_realtime(pid_t tid, int prio, char *err, size_t errlen);

#endif /* !defined(RTKIT_H) */
