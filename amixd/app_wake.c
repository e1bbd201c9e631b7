/* SPDX-License-Identifier: MIT */
/*
 * app_wake: how an app node (nodes/app.c) wakes the client sleeping on
 * its ring. The client sets the ring's waiting flag and sleeps; when the
 * level it waits for is reached, nodes/app.c takes the flag
 * (am_aring_wake_due), marks the wake-up due, and app_wake_post sends
 * it at the end of the node's period. Two ways:
 *
 * "wake": true (amcat, the ALSA plugin): the engine makes a pipe and
 * owns it. The real-time thread writes one byte to the write end
 * itself, at most once a period (and once per sleep, the flag being
 * taken): no hop through the control thread, whose wake-up every period
 * was most of what a low-latency stream cost (and its lateness, the
 * underruns). The read end goes to the client with the create_node
 * reply (SCM_RIGHTS, "wake_fd", app_wake_reply_fd). Why a pipe and not
 * an eventfd: O_NONBLOCK lives in the open file description, and an
 * eventfd has only one, which a client holding it could make blocking,
 * with its counter at the top, and stall the RT write; an eventfd
 * cannot be reopened into a description of its own (/proc/self/fd gives
 * ENXIO). A pipe's write end is a description only the engine holds,
 * non-blocking for good; the client's read end cannot write into it. A
 * client that never reads fills the pipe (64 KiB of wake-ups): the
 * write gives EAGAIN, a wake-up it did not want anyway. One that closes
 * its end: EPIPE (SIGPIPE is ignored by amixd.c); no write is tried
 * again. The write end is closed at done, so a client blocked in
 * read(2) sees the end (0) when its node is destroyed or the daemon
 * exits.
 *
 * "eventfd": N (the older way, kept): the client passes an eventfd; the
 * RT side posts a wake node event, and the control thread writes the
 * eventfd (app_wake_control), only if a zero-time poll says the write
 * cannot block (the client shares that descriptor's flags). It costs
 * the control thread a wake-up for every client wake-up.
 *
 * Threads: init, done, reply_fd and control on the control thread;
 * post on the real-time thread.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app_wake.h"
#include "node.h"

/* Control: is fd an eventfd? Then make it non-blocking. 0 or -errno. */
static int
app_wake_eventfd(int fd, char *err, size_t errlen)
{
	char path[64], link[64];
	ssize_t n;
	int fl;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = '\0', strcmp(link,
	    "anon_inode:[eventfd]") != 0)) {
		snprintf(err, errlen, "eventfd: the descriptor is not an "
		    "eventfd");
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Control: the engine's wake pipe (see the essay): the write end made
 * O_NONBLOCK, the read end left blocking for the client (its own file
 * description: it may change that). 0 or -errno.
 */
static int
app_wake_pipe(struct app_wake *w, char *err, size_t errlen)
{
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(err, errlen, "wake: cannot make a pipe: %s",
		    strerror(errno));
		return rc;
	}
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		snprintf(err, errlen, "wake: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return rc;
	}
	w->rfd = p[0];
	w->wfd = p[1];
	return 0;
}

/*
 * Control: set w up with the client's eventfd evfd (or -1), or, with
 * pipe, the engine's wake pipe; not both. 0, or -errno with a message
 * in err and nothing kept (evfd stays the caller's).
 */
int
app_wake_init(struct app_wake *w, int evfd, int pipe, char *err,
    size_t errlen)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->evfd = w->wfd = w->rfd = -1;
	if (evfd >= 0 && pipe) {
		snprintf(err, errlen, "give an \"eventfd\" or ask for "
		    "\"wake\", not both");
		return -EINVAL;
	}
	if (evfd >= 0 && (rc = app_wake_eventfd(evfd, err, errlen)) < 0)
		return rc;
	if (pipe)
		return app_wake_pipe(w, err, errlen);
	w->evfd = evfd;
	return 0;
}

/*
 * Control: wake the client sleeping on its eventfd. Only when a write
 * cannot block: the client shares the descriptor's flags and could make
 * it blocking, and push its counter to the top. The RT side never
 * writes it; it asks through a node event (NODE_EV_WAKE).
 */
void
app_wake_control(struct app_wake *w)
{
	struct pollfd pfd = { w->evfd, POLLOUT, 0 };
	uint64_t one = 1;
	ssize_t rc;

	if (w->evfd < 0 || poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT))
		return;
	rc = write(w->evfd, &one, sizeof(one));
	(void)rc;
}

/*
 * Control, after create_node succeeded: the read end of the wake pipe
 * for the reply, handed over (the caller sends and closes it), or -1.
 */
int
app_wake_reply_fd(struct app_wake *w)
{
	int fd = w->rfd;

	w->rfd = -1;
	return fd;
}

/*
 * RT: send a due wake-up. The engine's pipe: one write(2) of one byte
 * to the write end, O_NONBLOCK in a file description no one else has,
 * so it never waits: EAGAIN (the client left 64 KiB of wake-ups
 * unread) loses a wake-up it would not read anyway; after EPIPE (the
 * client closed its end) none is tried again. A client's eventfd: a
 * node event for the control thread (app_wake_control); one the full
 * event queue drops waits a period.
 */
void
app_wake_post(struct app_wake *w, const struct node_cycle *c)
{
	static const char one = 1;
	ssize_t rc;

	if (!w->due)
		return;
	if (w->wfd >= 0) {
		w->due = 0;
		if (w->dead)
			return;
		rc = write(w->wfd, &one, 1);
		if (rc < 0 && errno == EPIPE)
			w->dead = 1;
	} else if (node_event(c, NODE_EV_WAKE, 0) == 0)
		w->due = 0;
}

/* Control: a last wake-up for an eventfd client, then close all. */
void
app_wake_done(struct app_wake *w)
{
	if (w->evfd >= 0) {
		app_wake_control(w);
		close(w->evfd);
	}
	if (w->wfd >= 0)
		close(w->wfd);		/* the client's read(2) sees the end */
	if (w->rfd >= 0)
		close(w->rfd);
	w->evfd = w->wfd = w->rfd = -1;
}
