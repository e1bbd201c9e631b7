/* SPDX-License-Identifier: MIT */
/*
 * amctl's conversation with the daemon. Every request ends in
 * amctl_request(): one request line out, then lines in until its reply.
 * The daemon answers each request with exactly one line, in order; a
 * subscribed connection also gets event lines (objects with an "event"
 * member) at any time, so every event line before the reply is printed
 * as it comes and the first other line is the reply. Lines are printed
 * exactly as the daemon sent them, one a line, and flushed, so a reader
 * such as jq sees each at once.
 *
 * One thread. SIGINT and SIGTERM are blocked except inside ppoll() and
 * while a script line is read: the handler only records the signal, and
 * ppoll() unblocks it atomically, so it is never lost between checking
 * the flag and going to sleep. SIGPIPE is ignored: EPIPE on stdout is a
 * normal end, EPIPE on the socket means the daemon went away.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "util.h"

#include "amctl.h"

volatile sig_atomic_t amctl_signo;

/*
 * SIGINT, SIGTERM: remember the signal; the wait loops look at it.
 */
static void
amctl_sig(int signo)
{
	amctl_signo = signo;
}

/*
 * Install the handlers, without SA_RESTART so a blocked read returns
 * EINTR, and block both signals outside the waits. The mask to wait
 * with is the one we were started with.
 */
void
amctl_sig_init(struct amctl *c)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = amctl_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &c->waitmask);
	sigdelset(&c->waitmask, SIGINT);
	sigdelset(&c->waitmask, SIGTERM);
}

/*
 * Print one line the daemon sent, with its newline, and flush. Return
 * AMCTL_GO, AMCTL_END when the reader of stdout has gone (EPIPE), or
 * AMCTL_FAIL on another write error.
 */
static int
amctl_print(const char *line)
{
	if (fputs(line, stdout) != EOF && putchar('\n') != EOF &&
	    fflush(stdout) == 0)
		return AMCTL_GO;
	if (errno == EPIPE)
		return AMCTL_END;
	am_warn("stdout: %s", strerror(errno));
	return AMCTL_FAIL;
}

/*
 * Next line from the daemon, waiting until the monotonic time deadline
 * (ns; 0: forever). *line stays valid until the next call. Return 1
 * with a line, 0 on timeout, -EINTR when a signal asked us to stop,
 * -EPIPE at end of file, -E2BIG for an oversized line (skipped), or
 * -errno.
 */
int
amctl_next(struct amctl *c, char **line, uint64_t deadline)
{
	struct timespec ts, *tsp;
	struct pollfd pfd;
	uint64_t now;
	int rc;

	for (;;) {
		/* timeout 0: take what has arrived, never sleep here */
		if ((rc = am_conn_recv(&c->conn, line, 0)) != 0)
			return rc;
		if (amctl_signo != 0)
			return -EINTR;
		tsp = NULL;
		if (deadline != 0) {
			now = am_clock_ns();
			if (now >= deadline)
				return 0;
			am_clock_ts(deadline - now, &ts);
			tsp = &ts;
		}
		pfd.fd = c->conn.fd;
		pfd.events = POLLIN;
		if (ppoll(&pfd, 1, tsp, &c->waitmask) < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Parse a line from the daemon: a new JSON object, or NULL after a
 * message (the daemon broke the protocol).
 */
cJSON *
amctl_parse(const char *where, const char *line)
{
	cJSON *j;

	if ((j = cJSON_Parse(line)) != NULL && cJSON_IsObject(j))
		return j;
	cJSON_Delete(j);
	am_warn("%snot a JSON object from the daemon: '%.60s'", where,
	    line);
	return NULL;
}

/*
 * Print an event line and count it.
 */
static int
amctl_event(struct amctl *c, const char *line)
{
	c->nevents++;
	return amctl_print(line);
}

/*
 * Subscriptions after the ok reply to req: the reply's "events" array
 * says which remain; without one, subscribe means some and unsubscribe
 * none.
 */
static void
amctl_track(struct amctl *c, const cJSON *req, const cJSON *reply)
{
	const char *cmd;
	const cJSON *ev;

	cmd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req,
	    "cmd"));
	if (cmd == NULL || (strcmp(cmd, "subscribe") != 0 &&
	    strcmp(cmd, "unsubscribe") != 0))
		return;
	ev = cJSON_GetObjectItemCaseSensitive(reply, "events");
	if (cJSON_IsArray(ev))
		c->subscribed = cJSON_GetArraySize(ev) > 0;
	else
		c->subscribed = strcmp(cmd, "subscribe") == 0;
}

/*
 * Send req and wait for its reply, printing event lines that come
 * first and then the reply (unless -q). where prefixes messages ("" or
 * "FILE:LINE: "). On AMCTL_GO, *reply is the reply (ok or not; caller
 * cJSON_Delete()s); otherwise *reply is NULL and a message was printed
 * if needed.
 */
int
amctl_request(struct amctl *c, const cJSON *req, const char *where,
    cJSON **reply)
{
	uint64_t deadline;
	char *out, *line;
	cJSON *j;
	int rc;

	*reply = NULL;
	if ((out = am_proto_print(req, NULL)) == NULL)
		panic("out of memory printing a request");
	rc = am_conn_send(&c->conn, out, NULL, 0);
	free(out);
	if (rc == -E2BIG) {
		am_warn("%srequest longer than %d bytes", where,
		    AM_PROTO_LINE_MAX - 1);
		return AMCTL_FAIL;
	}
	/*
	 * A daemon that refuses a connection says why, then closes: the
	 * send may fail while the reason waits to be read.
	 */
	if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET) {
		am_warn("%scannot send to %s: %s", where, c->path,
		    strerror(-rc));
		return AMCTL_FAIL;
	}
	deadline = 0;
	if (c->timeout >= 0)
		deadline = am_clock_ns() + (uint64_t)c->timeout * 1000000;
	for (;;) {
		rc = amctl_next(c, &line, deadline);
		if (rc == -E2BIG) {
			am_warn("%sskipped a line over %d bytes from the "
			    "daemon", where, AM_PROTO_LINE_MAX);
			continue;
		}
		if (rc == 0) {
			am_warn("%sno reply within %d ms", where, c->timeout);
			return AMCTL_FAIL;
		}
		if (rc == -EINTR) {
			am_warn("%sinterrupted while waiting for a reply",
			    where);
			return AMCTL_FAIL;
		}
		if (rc == -EPIPE) {
			am_warn("%sdaemon closed the connection", where);
			return AMCTL_FAIL;
		}
		if (rc < 0) {
			am_warn("%sreceive: %s", where, strerror(-rc));
			return AMCTL_FAIL;
		}
		if ((j = amctl_parse(where, line)) == NULL)
			return AMCTL_FAIL;
		if (cJSON_GetObjectItemCaseSensitive(j, "event") != NULL) {
			cJSON_Delete(j);
			if ((rc = amctl_event(c, line)) != AMCTL_GO)
				return rc;
			continue;
		}
		if (!c->quiet && (rc = amctl_print(line)) != AMCTL_GO) {
			cJSON_Delete(j);
			return rc;
		}
		if (am_proto_is_ok(j))
			amctl_track(c, req, j);
		*reply = j;
		return AMCTL_GO;
	}
}

/*
 * Report a failing reply: "amctl: [WHERE]CODE: MESSAGE". AMCTL_GO if the
 * reply is ok, else AMCTL_FAIL.
 */
int
amctl_check(const cJSON *reply, const char *where)
{
	const char *code, *msg;

	if (am_proto_is_ok(reply))
		return AMCTL_GO;
	code = am_proto_err_code(reply);
	msg = am_proto_err_message(reply);
	am_warn("%s%s: %s", where, code != NULL ? code : "error",
	    msg != NULL ? msg : "request failed");
	return AMCTL_FAIL;
}

/*
 * After the last reply: print events while subscribed, until COUNT of
 * them (-n) have been printed, the daemon closes, a signal comes or
 * stdout goes away. Return AMCTL_END, or AMCTL_FAIL when the daemon closed
 * before COUNT events or reading failed.
 */
int
amctl_monitor(struct amctl *c)
{
	char *line;
	int rc;

	while (c->subscribed && (c->count == 0 || c->nevents < c->count)) {
		rc = amctl_next(c, &line, 0);
		if (rc == -E2BIG) {
			am_warn("skipped a line over %d bytes from the daemon",
			    AM_PROTO_LINE_MAX);
			continue;
		}
		if (rc == -EINTR)
			return AMCTL_END;
		if (rc == -EPIPE) {
			if (c->count == 0)
				return AMCTL_END;
			am_warn("daemon closed the connection after %ld of "
			    "%ld events", c->nevents, c->count);
			return AMCTL_FAIL;
		}
		if (rc < 0) {
			am_warn("receive: %s", strerror(-rc));
			return AMCTL_FAIL;
		}
		if ((rc = amctl_event(c, line)) != AMCTL_GO)
			return rc;
	}
	return AMCTL_END;
}
