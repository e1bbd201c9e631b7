/* SPDX-License-Identifier: MIT */
/*
 * amstat's side of the connection: the signals (flags only, blocked but
 * inside ppoll), waiting on the socket and the keyboard, the subscribe
 * request and one-off requests whose reply is told from events by having
 * no "event" member, and the JSON lines mode, which prints every line
 * exactly as the daemon sent it, line-buffered, until COUNT lines, a
 * signal, the end of standard output (status 0) or the daemon's (1).
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "util.h"

#include "amstat.h"

volatile sig_atomic_t amstat_stop;	/* SIGINT, SIGTERM, SIGHUP */
volatile sig_atomic_t amstat_winch;	/* SIGWINCH */
volatile sig_atomic_t amstat_tstp;	/* SIGTSTP */

/*
 * The signal handler: only records the signal for the loops.
 */
static void
amstat_sig(int signo)
{
	if (signo == SIGWINCH)
		amstat_winch = 1;
	else if (signo == SIGTSTP)
		amstat_tstp = 1;
	else
		amstat_stop = 1;
}

/*
 * Handle SIGINT, SIGTERM and SIGHUP (and, for the table, SIGWINCH and
 * SIGTSTP) by setting flags, block them, and leave in *waitmask the mask
 * to wait with, which lets them in. SIGPIPE is ignored: EPIPE on stdout
 * is a normal end, on the socket the daemon going away.
 */
void
amstat_sig_init(int top, sigset_t *waitmask)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH,
	    SIGTSTP };
	struct sigaction sa;
	sigset_t set;
	size_t i, n;

	n = top ? AM_NELEM(sigs) : 3;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = amstat_sig;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (i = 0; i < n; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_BLOCK, &set, waitmask);
	for (i = 0; i < n; i++)
		sigdelset(waitmask, sigs[i]);
}

/*
 * Wait for the socket (and fd 0 when keys is set) to become readable,
 * a signal, or the monotonic deadline (ns; 0: none). Return a mask (1:
 * the socket, 2: a key), 0 for a timeout or a signal, or -errno.
 */
int
amstat_wait(int fd, int keys, uint64_t deadline, const sigset_t *waitmask)
{
	struct pollfd pfd[2];
	struct timespec ts, *tsp = NULL;
	uint64_t now;
	int n;

	if (deadline != 0) {
		now = am_clock_ns();
		am_clock_ts(deadline > now ? deadline - now : 0, &ts);
		tsp = &ts;
	}
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = 0;
	pfd[1].events = POLLIN;
	n = ppoll(pfd, keys ? 2 : 1, tsp, waitmask);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return (pfd[0].revents != 0 ? 1 : 0) |
	    (keys && pfd[1].revents != 0 ? 2 : 0);
}

/*
 * The subscribe request for a comma-separated list of event classes,
 * with the stats and levels periods (s; 0: the daemon's default). A new
 * string the caller frees.
 */
char *
amstat_request(const char *events, double interval, double levels)
{
	cJSON *req, *arr;
	char *list, *tok, *save = NULL, *s;

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "subscribe");
	arr = cJSON_AddArrayToObject(req, "events");
	list = xstrdup(events);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
	free(list);
	if (interval > 0)
		cJSON_AddNumberToObject(req, "interval", interval);
	if (levels > 0)
		cJSON_AddNumberToObject(req, "levels_interval", levels);
	s = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (s == NULL)
		panic("out of memory");
	return s;
}

/*
 * Does the comma-separated list events name the class name?
 */
int
amstat_has(const char *events, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = events; (p = strstr(p, name)) != NULL; p += n) {
		if ((p == events || p[-1] == ',') &&
		    (p[n] == ',' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

/*
 * Send line and wait for its reply, skipping events. 0 with *reply
 * (the caller cJSON_Delete()s it), or -1 after a message.
 */
int
amstat_ask(struct am_conn *conn, const char *what, const char *line,
    cJSON **reply)
{
	int rc;

	if ((rc = am_conn_request(conn, line, NULL, 0, reply)) < 0) {
		am_warn("%s: %s", what, rc == -EPIPE ?
		    "the daemon closed the connection" : strerror(-rc));
		return -1;
	}
	if (!am_proto_is_ok(*reply)) {
		am_warn("%s: %s: %s", what, am_proto_err_code(*reply),
		    am_proto_err_message(*reply));
		cJSON_Delete(*reply);
		*reply = NULL;
		return -1;
	}
	return 0;
}

/*
 * The daemon's connection ended or failed (rc, -errno): say so.
 */
void
amstat_gone(int rc)
{
	am_warn("the daemon went away: %s", rc == -EPIPE ?
	    "connection closed" : strerror(-rc));
}

/*
 * JSON lines: print each line the daemon sends until count lines (-1:
 * no limit), a signal, or the end of standard output (0), or until the
 * daemon goes away (1, after a message).
 */
int
amstat_lines(struct am_conn *conn, long count, const sigset_t *waitmask)
{
	long seen = 0;
	char *line;
	int rc;

	while (!amstat_stop && (count < 0 || seen < count)) {
		rc = am_conn_recv(conn, &line, 0);
		if (rc == -E2BIG) {
			am_warn("skipped a line over %d bytes",
			    AM_PROTO_LINE_MAX);
			continue;
		}
		if (rc < 0) {
			amstat_gone(rc);
			return 1;
		}
		if (rc == 0) {
			if ((rc = amstat_wait(conn->fd, 0, 0,
			    waitmask)) < 0) {
				am_warn("poll: %s", strerror(-rc));
				return 1;
			}
			continue;
		}
		if (printf("%s\n", line) < 0) {
			if (errno == EPIPE)
				return 0;
			am_warn("stdout: %s", strerror(errno));
			return 1;
		}
		seen++;
	}
	return 0;
}
