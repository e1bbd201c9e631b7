/* SPDX-License-Identifier: MIT */
#ifndef AMCTL_H
#define AMCTL_H

/*
 * amctl's parts (amctl.c, request.c, view.c, script.c) share the state
 * of one run, struct amctl, and these functions. Not the daemon's ctl.h:
 * amctl is a client and uses only lib/.
 */

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "proto.h"

/* getopt(3) options: usage_str and the SYNOPSIS of amctl(1) agree */
#define AMCTL_OPTS	"f:hn:qs:t:"
#define AMCTL_TIMEOUT_DEF	30000	/* ms to wait for a reply */
#define AMCTL_PATH_MAX	4096		/* bytes, socket path */
#define AMCTL_ERR_MAX	512		/* bytes, one parse error */
#define AMCTL_WHERE_MAX	4096		/* bytes, "FILE:LINE: " */
#define AMCTL_ARGS_MAX	1024		/* bytes, a node's "k=v" list */
#define AMCTL_IDS_MAX	24		/* columns, a list of ids */
#define AMCTL_LEVELS_S	0.05		/* s, dot's levels window */
#define AMCTL_DB_SILENT	-199.0		/* dBFS, silence (-200) */

/* What a step tells its caller: one of below */
#define AMCTL_GO	0		/* carry on */
#define AMCTL_END	1		/* stop, exit 0 */
#define AMCTL_FAIL	2		/* stop, exit 1; message printed */

/* How the reply to the operands is shown: one of below */
#define AMCTL_VIEW_RAW	0		/* the reply line as sent */
#define AMCTL_VIEW_LIST	1		/* list, as a table */
#define AMCTL_VIEW_DOT	2		/* dot: Graphviz */

struct amctl {
	struct am_conn conn;
	char path[AMCTL_PATH_MAX];	/* socket, for messages */
	sigset_t waitmask;		/* signal mask inside ppoll() */
	int timeout;			/* ms, reply wait; -1: no limit */
	int quiet;			/* -q: replies are not printed */
	int subscribed;			/* the daemon may send events */
	long count;			/* -n COUNT; 0: no limit */
	long nevents;			/* event lines printed */
	int view;			/* AMCTL_VIEW_* */
};

/* The signal that asked us to stop, 0 if none; set by amctl_sig() only. */
extern volatile sig_atomic_t amctl_signo;

/* amctl.c: the usage lines, as the SYNOPSIS of amctl(1). */
void amctl_usage(FILE *fp);

/*
 * request.c, talking to the daemon. amctl_sig_init: the SIGINT/SIGTERM
 * handlers and the mask to wait with. amctl_next: the next line, until
 * deadline (ns; 0 forever): 1, 0 on timeout, or -errno. amctl_parse: a
 * line as a JSON object, or NULL after a message. amctl_request: send
 * req, print the events before its reply and the reply; *reply is the
 * caller's on AMCTL_GO. amctl_check: AMCTL_GO for an ok reply, else
 * AMCTL_FAIL after "CODE: MESSAGE". amctl_monitor: events after the last
 * reply, AMCTL_END or AMCTL_FAIL.
 */
void amctl_sig_init(struct amctl *c);
int amctl_next(struct amctl *c, char **line, uint64_t deadline);
cJSON *amctl_parse(const char *where, const char *line);
int amctl_request(struct amctl *c, const cJSON *req, const char *where,
    cJSON **reply);
int amctl_check(const cJSON *reply, const char *where);
int amctl_monitor(struct amctl *c);

/* view.c: send req and show its reply as a table (list) or DOT (dot). */
int amctl_run_view(struct amctl *c, const cJSON *req);

/*
 * script.c. amctl_operands: the operands as requests into reqs (room for
 * argc): how many, or -1 after a message. amctl_run_reqs: send them in
 * order, stopping at the first failure. amctl_run_script: the lines of
 * fp, named name in messages. Each returns AMCTL_GO when all succeeded,
 * else AMCTL_END or AMCTL_FAIL.
 */
int amctl_operands(int argc, char *argv[], cJSON **reqs);
int amctl_run_reqs(struct amctl *c, cJSON **reqs, int n);
int amctl_run_script(struct amctl *c, FILE *fp, const char *name);

#endif /* !defined(AMCTL_H) */
