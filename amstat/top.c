/* SPDX-License-Identifier: MIT */
/*
 * The live table's loop: ask for the graph, subscribe, take the
 * terminal, then wait on the socket, the keyboard and the next list
 * request; redraw when something changed; 'q', a signal or the daemon
 * going away end it, with the terminal given back first. ^Z gives the
 * terminal back while suspended and takes it again after.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#include "amstat.h"

/*
 * Ask for the graph once more, unless a list request is on its way.
 * 0, or -errno when the daemon went away.
 */
static int
top_list(struct top *t)
{
	int rc;

	t->list_due = am_clock_ns() + TOP_LIST_NS;
	if (t->list_wait)
		return 0;
	if ((rc = am_conn_send(t->conn, "{\"cmd\":\"list\"}", NULL, 0)) < 0)
		return rc;
	t->list_wait = 1;
	return 0;
}

/*
 * Read the keys typed: 'q' quits (1), ^L redraws from scratch. 0 or 1.
 */
static int
top_keys(struct top *t)
{
	char buf[64];
	ssize_t n, i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		t->keys = 0;		/* no more keys; ^C still works */
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == 'q' || buf[i] == 'Q')
			return 1;
		if (buf[i] == '\f') {
			top_puts(t, "\033[2J");
			t->dirty = 1;
		}
	}
	return 0;
}

/*
 * Stop ourselves on ^Z with the terminal given back, and take it again
 * once continued.
 */
static void
top_suspend(struct top *t)
{
	amstat_tstp = 0;
	top_leave(t);
	raise(SIGSTOP);
	top_size(t);
	top_enter(t);
}

/*
 * The live table until 'q' or a signal (0), or until the daemon or the
 * terminal goes away (1, after a message, the terminal restored).
 */
static int
top_run(struct top *t)
{
	char *line;
	int rc, ev;

	top_size(t);
	top_enter(t);
	for (;;) {
		if (amstat_stop) {
			rc = 0;
			break;
		}
		if (amstat_tstp)
			top_suspend(t);
		if (amstat_winch) {
			amstat_winch = 0;
			top_size(t);
			t->dirty = 1;
		}
		while ((rc = am_conn_recv(t->conn, &line, 0)) == 1 ||
		    rc == -E2BIG) {
			if (rc == 1)
				top_on_line(t, line);
			else
				snprintf(t->note, sizeof(t->note), "skipped "
				    "an event over %d bytes",
				    AM_PROTO_LINE_MAX);
		}
		if (rc < 0 || (am_clock_ns() >= t->list_due &&
		    (rc = top_list(t)) < 0)) {
			top_leave(t);
			amstat_gone(rc);
			rc = 1;
			break;
		}
		if (t->dirty && (rc = top_draw(t)) < 0) {
			top_leave(t);
			am_warn("terminal: %s", strerror(-rc));
			rc = 1;
			break;
		}
		ev = amstat_wait(t->conn->fd, t->keys, t->list_due,
		    t->waitmask);
		if (ev < 0) {
			top_leave(t);
			am_warn("poll: %s", strerror(-ev));
			rc = 1;
			break;
		}
		if ((ev & 2) && top_keys(t)) {
			rc = 0;
			break;
		}
	}
	top_leave(t);
	return rc;
}

/*
 * The table: the graph first, then the subscription, so a refusal is
 * reported before the screen is taken. Exit status.
 */
int
top_main(struct am_conn *conn, double interval, const sigset_t *waitmask)
{
	struct top t;
	cJSON *reply;
	char *req;
	int rc;

	memset(&t, 0, sizeof(t));
	t.conn = conn;
	t.waitmask = waitmask;
	t.keys = isatty(STDIN_FILENO);
	t.interval = interval > 0 ? interval : TOP_STATS_S;
	snprintf(t.state, sizeof(t.state), "?");
	snprintf(t.backend, sizeof(t.backend), "?");
	if (amstat_ask(conn, "list", "{\"cmd\":\"list\"}", &reply) < 0)
		return 1;
	top_on_list(&t, reply);
	cJSON_Delete(reply);
	req = amstat_request(TOP_EVENTS, t.interval, TOP_LEVELS_S);
	rc = amstat_ask(conn, "subscribe", req, &reply);
	free(req);
	if (rc < 0)
		return 1;
	cJSON_Delete(reply);
	t.list_due = am_clock_ns() + TOP_LIST_NS;
	rc = top_run(&t);
	cJSON_Delete(t.stats);
	free(t.nodes);
	free(t.fb);
	return rc;
}
