/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the wake pipe ("wake": true) of amixd/nodes/app.c and
 * app_wake.c, nodes/app.c included here to reach its statics: the read end is handed over once, is a
 * pipe and cannot write; the real-time side writes one byte when the
 * waiting flag is set and the level reached, none otherwise; a pipe the
 * client filled (through a write end of its own, every descriptor it
 * has made blocking) costs a wake-up and never blocks the write (an
 * alarm fails the test instead of hanging it); after the client closed
 * its end the first write meets EPIPE and no write is tried again.
 */

#include <sys/stat.h>

#include <signal.h>

#include "../../amixd/nodes/app.c"

#include "t.h"
#include "util.h"

#define CAP	256		/* frames */
#define LOW	128		/* frames */

/* The alarm: the wake write blocked. Say so and fail. */
static void
on_alarm(int sig)
{
	static const char msg[] = "not ok - the wake write blocked\n";
	ssize_t rc;

	(void)sig;
	rc = write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	(void)rc;
	_exit(1);
}

/* One period of n frames taken by the engine, then its wake-up sent. */
static void
period(struct app *a, uint32_t n)
{
	static float buf[2 * CAP];

	app_pull(a, buf, n);
	app_wake_post(&a->w, NULL);
}

/* Bytes the read end holds now (non-blocking), or -errno. */
static ssize_t
pending(int fd)
{
	char b[64];
	ssize_t n;
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, b, sizeof(b));
	fcntl(fd, F_SETFL, fl);
	return n < 0 ? -errno : n;
}

int
main(void)
{
	static struct app a;
	static const float frames[2 * CAP];
	struct node_val v[NODE_ARG_MAX];
	struct am_aring prod;
	struct stat st;
	char err[256], path[64];
	int rfd, own, i, fl;

	signal(SIGPIPE, SIG_IGN);	/* as amixd.c */
	signal(SIGALRM, on_alarm);
	memset(v, 0, sizeof(v));
	for (i = 0; i < node_app_source_ops.nargs; i++)
		v[i].num = app_source_args[i].kind == NODE_ARG_FD ? -1 :
		    app_source_args[i].def;
	ok(am_aring_open(&prod, 1, AM_ARING_F32, 2, 48000, CAP, LOW, CAP) ==
	    0, "a ring");
	v[APP_ARG_FD].num = dup(prod.fd);	/* the node's, closed at done */
	v[APP_ARG_WAKE].num = 1;
	ok(app_source_init(&a, v, 48000, err, sizeof(err)) == 0,
	    "init with wake: %s", err);
	rfd = app_reply_fd(&a);
	ok(rfd >= 0 && app_reply_fd(&a) == -1, "the read end, handed once");
	ok(fstat(rfd, &st) == 0 && S_ISFIFO(st.st_mode), "a pipe");
	ok(write(rfd, "x", 1) < 0, "the client's end cannot write");
	fl = fcntl(a.w.wfd, F_GETFL);
	ok(fl >= 0 && (fl & O_NONBLOCK), "the engine's end is non-blocking");

	/* Waiting, drained to the low watermark: one byte. */
	am_aring_write(&prod, frames, CAP, 0);
	atomic_store(&prod.hdr->waiting, 1);
	period(&a, CAP - LOW);
	is_int(pending(rfd), 1, "a wake-up at the low watermark");
	is_int(atomic_load(&prod.hdr->waiting), 0, "the flag taken");
	/* Not waiting: nothing written. */
	period(&a, 64);
	is_int(pending(rfd), -EAGAIN, "no wake-up when not waiting");

	/* Filled by the client, every descriptor blocking: no block. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", rfd);
	own = open(path, O_WRONLY | O_NONBLOCK);
	ok(own >= 0, "a write end of the client's own");
	while (write(own, frames, sizeof(frames)) > 0)
		;
	while (write(own, "x", 1) > 0)
		;
	fcntl(own, F_SETFL, 0);
	fcntl(rfd, F_SETFL, 0);
	am_aring_write(&prod, frames, LOW, 0);
	atomic_store(&prod.hdr->waiting, 1);
	alarm(5);
	period(&a, LOW);
	alarm(0);
	ok(!a.w.due && !a.w.dead, "a full pipe: the wake-up is dropped");

	/* The client closes its ends: EPIPE once, then no more writes. */
	close(own);
	close(rfd);
	am_aring_write(&prod, frames, LOW, 0);
	atomic_store(&prod.hdr->waiting, 1);
	period(&a, LOW);
	ok(a.w.dead && !a.w.due, "EPIPE: the node stops writing");

	app_done(&a);
	am_aring_close(&prod);
	return t_done();
}
