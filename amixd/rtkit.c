/* SPDX-License-Identifier: MIT */
/*
 * Real time without privileges, from RealtimeKit: when the kernel
 * refuses SCHED_FIFO (no root, no CAP_SYS_NICE, no RLIMIT_RTPRIO), the
 * engine asks the rtkit daemon, over the D-Bus system bus, to make its
 * real-time thread real-time. RealtimeKit checks with PolicyKit, then
 * gives the thread SCHED_RR | SCHED_RESET_ON_FORK at no more than its
 * MaxRealtimePriority, and only to a process whose RLIMIT_RTTIME is at
 * most its RTTimeUSecMax: a thread that then runs that long without
 * sleeping gets SIGXCPU, and the kernel kills the daemon at the hard
 * limit, so a runaway thread cannot lock up the machine.
 *
 * The request names the thread by its kernel thread id, which only the
 * thread itself can learn (gettid): rtkit_spawn starts it through a small
 * trampoline that hands its id over before it enters the real-time loop.
 * The D-Bus conversation happens here, on the control thread, on a
 * private connection opened for the one request and closed after it, so
 * the real-time loop never touches D-Bus. libdbus is loaded on the first
 * request (dl_dbus.c), not when amixd starts.
 */

#include <sys/resource.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dbus/dbus.h>

#include "dl.h"
#include "rtkit.h"

#define RTKIT_NAME	"org.freedesktop.RealtimeKit1"
#define RTKIT_PATH	"/org/freedesktop/RealtimeKit1"
#define RTKIT_TIMEOUT	5000	/* ms for one call, PolicyKit included */

/*
 * What the trampoline needs, and the thread id it hands back. One thread
 * is started at a time, from the control thread, so one static copy is
 * enough, and it outlives any sem_post still returning in a thread.
 */
static struct rtkit_start {
	void *(*fn)(void *);
	void *arg;
	pid_t tid;
	sem_t ready;		/* posted once tid is set */
} rtkit_start;

static pthread_once_t rtkit_once = PTHREAD_ONCE_INIT;

static void
rtkit_init(void)
{
	sem_init(&rtkit_start.ready, 0, 0);
}

/* The new thread: tell its id, then run the real-time loop. */
static void *
rtkit_thread(void *p)
{
	struct rtkit_start *s = p;
	void *(*fn)(void *) = s->fn;
	void *arg = s->arg;

	s->tid = gettid();
	sem_post(&s->ready);
	return fn(arg);
}

/*
 * Start fn(arg) on an ordinary thread and set *tid to its kernel thread
 * id, for rtkit_make_realtime. Control thread. 0 or -errno (then no
 * thread runs).
 */
int
rtkit_spawn(pthread_t *t, void *(*fn)(void *), void *arg, pid_t *tid)
{
	int rc;

	pthread_once(&rtkit_once, rtkit_init);
	rtkit_start.fn = fn;
	rtkit_start.arg = arg;
	rc = pthread_create(t, NULL, rtkit_thread, &rtkit_start);
	if (rc != 0)
		return -rc;
	while (sem_wait(&rtkit_start.ready) < 0 && errno == EINTR)
		;
	*tid = rtkit_start.tid;
	return 0;
}

/* A D-Bus error as "rtkit: what: name: message", and -EPERM. */
static int
rtkit_fail(DBusError *de, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "rtkit: %s: %s: %s", what, de->name,
	    de->message != NULL ? de->message : "");
	dbus_error_free(de);
	return -EPERM;
}

/*
 * Send m (which this unrefs) and wait for the reply: the reply, or NULL
 * with the reason in err.
 */
static DBusMessage *
rtkit_call(DBusConnection *c, DBusMessage *m, const char *what, char *err,
    size_t errlen)
{
	DBusMessage *r;
	DBusError de;

	dbus_error_init(&de);
	r = dbus_connection_send_with_reply_and_block(c, m, RTKIT_TIMEOUT,
	    &de);
	dbus_message_unref(m);
	if (r == NULL)
		rtkit_fail(&de, what, err, errlen);
	return r;
}

/*
 * One of RealtimeKit's integer properties (MaxRealtimePriority,
 * RTTimeUSecMax) into *v. 0, or -EPERM with the reason in err.
 */
static int
rtkit_property(DBusConnection *c, const char *name, int64_t *v, char *err,
    size_t errlen)
{
	const char *iface = RTKIT_NAME;
	DBusMessageIter it, var;
	DBusMessage *m, *r;
	dbus_int32_t i32;
	dbus_int64_t i64;
	int ok = 1;

	m = dbus_message_new_method_call(RTKIT_NAME, RTKIT_PATH,
	    DBUS_INTERFACE_PROPERTIES, "Get");
	if (m == NULL) {
		snprintf(err, errlen, "rtkit: out of memory");
		return -ENOMEM;
	}
	dbus_message_iter_init_append(m, &it);
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface) ||
	    !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &name)) {
		dbus_message_unref(m);
		snprintf(err, errlen, "rtkit: out of memory");
		return -ENOMEM;
	}
	if ((r = rtkit_call(c, m, name, err, errlen)) == NULL)
		return -EPERM;
	if (!dbus_message_iter_init(r, &it) ||
	    dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_VARIANT)
		ok = 0;
	else {
		dbus_message_iter_recurse(&it, &var);
		switch (dbus_message_iter_get_arg_type(&var)) {
		case DBUS_TYPE_INT32:
			dbus_message_iter_get_basic(&var, &i32);
			*v = i32;
			break;
		case DBUS_TYPE_INT64:
			dbus_message_iter_get_basic(&var, &i64);
			*v = i64;
			break;
		default:
			ok = 0;
		}
	}
	dbus_message_unref(r);
	if (!ok) {
		snprintf(err, errlen, "rtkit: %s: not an integer", name);
		return -EPERM;
	}
	return 0;
}

/*
 * Keep RLIMIT_RTTIME at or under usec, as RealtimeKit demands before it
 * grants anything. 0, or -errno with the reason in err.
 */
static int
rtkit_rttime(int64_t usec, char *err, size_t errlen)
{
	struct rlimit rl;

	if (usec <= 0) {
		snprintf(err, errlen, "rtkit: RTTimeUSecMax is %lld",
		    (long long)usec);
		return -EPERM;
	}
	if (getrlimit(RLIMIT_RTTIME, &rl) < 0)
		goto fail;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= (rlim_t)usec &&
	    rl.rlim_cur <= rl.rlim_max)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)usec)
		rl.rlim_max = (rlim_t)usec;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_RTTIME, &rl) == 0)
		return 0;
fail:
	snprintf(err, errlen, "rtkit: RLIMIT_RTTIME: %s", strerror(errno));
	return -errno;
}

/*
 * Ask RealtimeKit to make thread tid of this process real-time at prio,
 * lowered to its MaxRealtimePriority, after setting RLIMIT_RTTIME as it
 * requires. Control thread; blocks for the D-Bus round trips (bounded by
 * RTKIT_TIMEOUT each). 0 when granted; -ENOSYS when libdbus cannot be
 * loaded, -EPERM when the bus, RealtimeKit or PolicyKit says no, each
 * with the reason in err.
 */
int
rtkit_make_realtime(pid_t tid, int prio, char *err, size_t errlen)
{
	char why[256];
	DBusConnection *c;
	DBusMessageIter it;
	DBusMessage *m, *r;
	DBusError de;
	dbus_uint64_t thread = (dbus_uint64_t)tid;
	dbus_uint32_t p;
	int64_t maxprio, rttime;
	int rc;

	if (dl_dbus_load(why, sizeof(why)) < 0) {
		snprintf(err, errlen, "rtkit: %s", why);
		return -ENOSYS;
	}
	/* libdbus would otherwise ignore SIGPIPE for the whole daemon. */
	dbus_connection_set_change_sigpipe(FALSE);
	dbus_error_init(&de);
	c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &de);
	if (c == NULL)
		return rtkit_fail(&de, "system bus", err, errlen);
	/* Its default would exit(3) the daemon when the bus goes away. */
	dbus_connection_set_exit_on_disconnect(c, FALSE);

	rc = rtkit_property(c, "MaxRealtimePriority", &maxprio, err, errlen);
	if (rc < 0)
		goto out;
	rc = rtkit_property(c, "RTTimeUSecMax", &rttime, err, errlen);
	if (rc < 0)
		goto out;
	if (maxprio < 1) {
		snprintf(err, errlen, "rtkit: MaxRealtimePriority is %lld",
		    (long long)maxprio);
		rc = -EPERM;
		goto out;
	}
	p = prio < maxprio ? (dbus_uint32_t)prio : (dbus_uint32_t)maxprio;
	if ((rc = rtkit_rttime(rttime, err, errlen)) < 0)
		goto out;

	m = dbus_message_new_method_call(RTKIT_NAME, RTKIT_PATH, RTKIT_NAME,
	    "MakeThreadRealtime");
	rc = -ENOMEM;
	if (m == NULL)
		goto nomem;
	dbus_message_iter_init_append(m, &it);
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT64, &thread) ||
	    !dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &p)) {
		dbus_message_unref(m);
		goto nomem;
	}
	rc = -EPERM;
	if ((r = rtkit_call(c, m, "MakeThreadRealtime", err, errlen)) == NULL)
		goto out;
	dbus_message_unref(r);
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "rtkit: out of memory");
out:
	dbus_connection_close(c);
	dbus_connection_unref(c);
	return rc;
}
