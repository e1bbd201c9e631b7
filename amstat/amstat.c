/* SPDX-License-Identifier: MIT */
/*
 * amstat: the telemetry of amixd, two ways.
 *
 * JSON lines (standard output not a terminal, or -e or -n given):
 * subscribe to the event classes of -e and print every event line
 * exactly as the daemon sent it, one a line, line-buffered, so "amstat |
 * jq" sees each at once. Stops after COUNT events, on SIGINT, SIGTERM or
 * SIGHUP, or when the reader of standard output goes away (status 0),
 * or when the daemon goes away (status 1, with a message).
 *
 * Top (-t, or standard output a terminal, neither -e nor -n given, and
 * TERM not "dumb"): a live table on the alternate screen, redrawn in
 * place with ANSI escapes, in the spirit of pw-top: the engine from the
 * stats events, one row per node with its cost, frames and xruns from
 * the same events, and a meter from the levels events, which come 15
 * times a second. The same connection carries a "list" request every
 * second and whenever an event names a node we do not know, so rows get
 * their type and arguments (a named node shows its name before its
 * type); a reply is told from an event by having no "event" member.
 * Keys are read with the terminal in non-canonical, no-echo mode ('q'
 * quits); the terminal is restored on every way out: q, SIGINT,
 * SIGTERM, SIGHUP, the daemon going away (restore first, then the
 * message), and around a suspend (^Z).
 *
 * One thread, one poll loop. The signals we handle are blocked except
 * inside ppoll(); their handlers only set flags, so none is lost between
 * a check and the sleep, and no write to the terminal is interrupted.
 *
 * The parts: this file (options, main), daemon_io.c (signals, waiting,
 * subscribing, the JSON lines mode), top.c (the table's loop),
 * top_state.c (what events and list replies say), top_draw.c (the
 * terminal and the frame drawn on it); amstat.h holds what they share.
 */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#include "amstat.h"

/*
 * Print the usage, the same text as the SYNOPSIS of amstat(1).
 */
static void
usage(FILE *fp)
{
	fprintf(fp, "usage: amstat [-ht] [-e events] [-i seconds] "
	    "[-n count] [-s socket]\n");
}

/*
 * Check the options (exit 2 on a usage error) before connecting; then
 * the table or JSON lines.
 */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "top", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *events = NULL, *term;
	char path[256];
	struct am_conn conn;
	sigset_t waitmask;
	double interval = 0;
	long count = -1;
	cJSON *reply;
	char *req;
	int c, rc, top = 0;

	am_log_init("amstat");
	while ((c = getopt_long(argc, argv, AMSTAT_OPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'e':
			events = optarg;
			break;
		case 'i':
			if (am_parse_double(optarg, AMSTAT_IVAL_MIN,
			    AMSTAT_IVAL_MAX, &interval) < 0) {
				am_warn("-i %s: seconds from %g (%g with "
				    "stats) to %g", optarg, AMSTAT_IVAL_MIN,
				    AMSTAT_STATS_MIN, AMSTAT_IVAL_MAX);
				return 2;
			}
			break;
		case 'n':
			if (am_parse_long(optarg, 1, 1L << 40, &count) < 0) {
				am_warn("-n %s: a count of 1 or more",
				    optarg);
				return 2;
			}
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			top = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (top && (events != NULL || count > 0)) {
		am_warn("-t shows a table: -e and -n are for JSON lines");
		return 2;
	}
	term = getenv("TERM");
	if (!top && events == NULL && count < 0 && isatty(STDOUT_FILENO) &&
	    (term == NULL || strcmp(term, "dumb") != 0))
		top = 1;
	if (events == NULL)
		events = AMSTAT_EVENTS;
	if (interval > 0 && interval < AMSTAT_STATS_MIN &&
	    (top || amstat_has(events, "stats"))) {
		am_warn("-i %g: stats come at most every %g s", interval,
		    AMSTAT_STATS_MIN);
		return 2;
	}

	amstat_sig_init(top, &waitmask);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sock == NULL && am_proto_socket_path(path, sizeof(path)) == 0)
		sock = path;
	if ((rc = am_conn_open(&conn, sock)) < 0) {
		am_warn("cannot connect to %s: %s",
		    sock != NULL ? sock : "the daemon", strerror(-rc));
		return 1;
	}
	if (top)
		rc = top_main(&conn, interval, &waitmask);
	else {
		req = amstat_request(events, amstat_has(events, "stats") ?
		    interval : 0, amstat_has(events, "levels") ?
		    interval : 0);
		rc = amstat_ask(&conn, "subscribe", req, &reply);
		free(req);
		if (rc == 0) {
			cJSON_Delete(reply);
			rc = amstat_lines(&conn, count, &waitmask);
		} else
			rc = 1;
	}
	am_conn_close(&conn);
	return rc;
}
