/* SPDX-License-Identifier: MIT */
/*
 * amctl: send control requests to amixd and print its replies.
 *
 * Requests come three ways: all operands as one short command ("amctl
 * connect 1 2", made into JSON by am_cmd_parse), raw JSON operands, one
 * request each, or a script (-f) of one command a line with '#'
 * comments and "name = create ..." bindings (am_script_line). All end
 * in ctl_request(): one request line out, then lines in until its
 * reply. The daemon answers each request with exactly one line, in
 * order; a subscribed connection also gets event lines (objects with an
 * "event" member) at any time, so every event line before the reply is
 * printed as it comes and the first other line is the reply. Lines are
 * printed exactly as the daemon sent them, one a line, and flushed, so a
 * reader such as jq sees each at once.
 *
 * Operands are all parsed before anything is sent, so a usage error
 * (exit 2) never leaves half a command list done. The first failing
 * reply stops amctl, as "set -e" stops a shell script: later requests
 * are not sent, exit 1. After the last reply a subscribed connection
 * keeps printing events until the daemon closes it, SIGINT or SIGTERM
 * arrives, the reader of stdout goes away, or -n COUNT event lines have
 * been printed.
 *
 * Two commands have views as well as the raw reply. "list" prints the
 * graph as a table when standard output is a terminal (and -q is not
 * given); to a pipe or file it prints the reply line like any other
 * command, so "amctl list | jq" keeps working, and a raw JSON operand
 * always gets the raw reply. "dot" is not a daemon command: it sends
 * "list", then subscribes to levels for one event, the level of each
 * node over the next 50 ms or so (the daemon rounds up to its 30 Hz
 * tick), and prints the graph in the DOT language of Graphviz, so
 * "amctl dot | dot -Tpng -o g.png" draws it. A levels subscription and
 * not the stats command, whose interval all its callers share: the
 * level drawn is always a fresh one.
 *
 * One thread. SIGINT and SIGTERM are blocked except inside ppoll() and
 * while a script line is read: the handler only records the signal, and
 * ppoll() unblocks it atomically, so it is never lost between checking
 * the flag and going to sleep. SIGPIPE is ignored: EPIPE on stdout is a
 * normal end, EPIPE on the socket means the daemon went away.
 */

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "cmdline.h"
#include "log.h"
#include "proto.h"
#include "util.h"

/* getopt(3) options: usage_str and the SYNOPSIS of amctl(1) agree */
#define CTL_OPTS	"f:hn:qs:t:"
#define CTL_TIMEOUT_DEF	30000		/* ms to wait for a reply */
#define CTL_PATH_MAX	4096		/* bytes, socket path */
#define CTL_ERR_MAX	512		/* bytes, one parse error */
#define CTL_WHERE_MAX	4096		/* bytes, "FILE:LINE: " */
#define CTL_ARGS_MAX	1024		/* bytes, a node's "k=v ..." */
#define CTL_IDS_MAX	24		/* columns, a list of ids */
#define CTL_LEVELS_S	0.05		/* s, dot's levels window */
#define CTL_DB_SILENT	-199.0		/* dBFS, silence (-200) */

/* What a step tells its caller: one of below */
#define CTL_GO		0		/* carry on */
#define CTL_END		1		/* stop, exit 0 */
#define CTL_FAIL	2		/* stop, exit 1; message printed */

/* How the reply to the operands is shown: one of below */
#define CTL_VIEW_RAW	0		/* the reply line as sent */
#define CTL_VIEW_LIST	1		/* list, as a table */
#define CTL_VIEW_DOT	2		/* dot: Graphviz */

struct ctl {
	struct am_conn conn;
	char path[CTL_PATH_MAX];	/* socket, for messages */
	sigset_t waitmask;		/* signal mask inside ppoll() */
	int timeout;			/* ms, reply wait; -1: no limit */
	int quiet;			/* -q: replies are not printed */
	int subscribed;			/* the daemon may send events */
	long count;			/* -n COUNT; 0: no limit */
	long nevents;			/* event lines printed */
	int view;			/* CTL_VIEW_* */
};

/* The signal that asked us to stop, 0 if none; set by ctl_sig() only. */
static volatile sig_atomic_t ctl_signo;

static const char usage_str[] =
    "usage: amctl [-hq] [-n COUNT] [-s SOCKET] [-t MS] COMMAND [ARG ...]\n"
    "       amctl [-hq] [-n COUNT] [-s SOCKET] [-t MS] JSON ...\n"
    "       amctl [-hq] [-n COUNT] [-s SOCKET] [-t MS] -f FILE\n";

/*
 * Print the usage lines, the same text as the SYNOPSIS of amctl(1).
 */
static void
usage(FILE *fp)
{
	fputs(usage_str, fp);
}

/*
 * SIGINT, SIGTERM: remember the signal; the wait loops look at it.
 */
static void
ctl_sig(int signo)
{
	ctl_signo = signo;
}

/*
 * Install the handlers, without SA_RESTART so a blocked read returns
 * EINTR, and block both signals outside the waits. The mask to wait
 * with is the one we were started with.
 */
static void
ctl_sig_init(struct ctl *c)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_sig;
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
 * CTL_GO, CTL_END when the reader of stdout has gone (EPIPE), or
 * CTL_FAIL on another write error.
 */
static int
ctl_print(const char *line)
{
	if (fputs(line, stdout) != EOF && putchar('\n') != EOF &&
	    fflush(stdout) == 0)
		return CTL_GO;
	if (errno == EPIPE)
		return CTL_END;
	am_warn("stdout: %s", strerror(errno));
	return CTL_FAIL;
}

/*
 * Next line from the daemon, waiting until the monotonic time deadline
 * (ns; 0: forever). *line stays valid until the next call. Return 1
 * with a line, 0 on timeout, -EINTR when a signal asked us to stop,
 * -EPIPE at end of file, -E2BIG for an oversized line (skipped), or
 * -errno.
 */
static int
ctl_next(struct ctl *c, char **line, uint64_t deadline)
{
	struct timespec ts, *tsp;
	struct pollfd pfd;
	uint64_t now;
	int rc;

	for (;;) {
		/* timeout 0: take what has arrived, never sleep here */
		if ((rc = am_conn_recv(&c->conn, line, 0)) != 0)
			return rc;
		if (ctl_signo != 0)
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
static cJSON *
ctl_parse(const char *where, const char *line)
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
ctl_event(struct ctl *c, const char *line)
{
	c->nevents++;
	return ctl_print(line);
}

/*
 * Subscriptions after the ok reply to req: the reply's "events" array
 * says which remain; without one, subscribe means some and unsubscribe
 * none.
 */
static void
ctl_track(struct ctl *c, const cJSON *req, const cJSON *reply)
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
 * "FILE:LINE: "). On CTL_GO, *reply is the reply (ok or not; caller
 * cJSON_Delete()s); otherwise *reply is NULL and a message was printed
 * if needed.
 */
static int
ctl_request(struct ctl *c, const cJSON *req, const char *where,
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
		return CTL_FAIL;
	}
	/*
	 * A daemon that refuses a connection says why, then closes: the
	 * send may fail while the reason waits to be read.
	 */
	if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET) {
		am_warn("%scannot send to %s: %s", where, c->path,
		    strerror(-rc));
		return CTL_FAIL;
	}
	deadline = 0;
	if (c->timeout >= 0)
		deadline = am_clock_ns() + (uint64_t)c->timeout * 1000000;
	for (;;) {
		rc = ctl_next(c, &line, deadline);
		if (rc == -E2BIG) {
			am_warn("%sskipped a line over %d bytes from the "
			    "daemon", where, AM_PROTO_LINE_MAX);
			continue;
		}
		if (rc == 0) {
			am_warn("%sno reply within %d ms", where, c->timeout);
			return CTL_FAIL;
		}
		if (rc == -EINTR) {
			am_warn("%sinterrupted while waiting for a reply",
			    where);
			return CTL_FAIL;
		}
		if (rc == -EPIPE) {
			am_warn("%sdaemon closed the connection", where);
			return CTL_FAIL;
		}
		if (rc < 0) {
			am_warn("%sreceive: %s", where, strerror(-rc));
			return CTL_FAIL;
		}
		if ((j = ctl_parse(where, line)) == NULL)
			return CTL_FAIL;
		if (cJSON_GetObjectItemCaseSensitive(j, "event") != NULL) {
			cJSON_Delete(j);
			if ((rc = ctl_event(c, line)) != CTL_GO)
				return rc;
			continue;
		}
		if (!c->quiet && (rc = ctl_print(line)) != CTL_GO) {
			cJSON_Delete(j);
			return rc;
		}
		if (am_proto_is_ok(j))
			ctl_track(c, req, j);
		*reply = j;
		return CTL_GO;
	}
}

/*
 * Report a failing reply: "amctl: [WHERE]CODE: MESSAGE". CTL_GO if the
 * reply is ok, else CTL_FAIL.
 */
static int
ctl_check(const cJSON *reply, const char *where)
{
	const char *code, *msg;

	if (am_proto_is_ok(reply))
		return CTL_GO;
	code = am_proto_err_code(reply);
	msg = am_proto_err_message(reply);
	am_warn("%s%s: %s", where, code != NULL ? code : "error",
	    msg != NULL ? msg : "request failed");
	return CTL_FAIL;
}

/*
 * After the last reply: print events while subscribed, until COUNT of
 * them (-n) have been printed, the daemon closes, a signal comes or
 * stdout goes away. Return CTL_END, or CTL_FAIL when the daemon closed
 * before COUNT events or reading failed.
 */
static int
ctl_monitor(struct ctl *c)
{
	char *line;
	int rc;

	while (c->subscribed && (c->count == 0 || c->nevents < c->count)) {
		rc = ctl_next(c, &line, 0);
		if (rc == -E2BIG) {
			am_warn("skipped a line over %d bytes from the daemon",
			    AM_PROTO_LINE_MAX);
			continue;
		}
		if (rc == -EINTR)
			return CTL_END;
		if (rc == -EPIPE) {
			if (c->count == 0)
				return CTL_END;
			am_warn("daemon closed the connection after %ld of "
			    "%ld events", c->nevents, c->count);
			return CTL_FAIL;
		}
		if (rc < 0) {
			am_warn("receive: %s", strerror(-rc));
			return CTL_FAIL;
		}
		if ((rc = ctl_event(c, line)) != CTL_GO)
			return rc;
	}
	return CTL_END;
}

/*
 * After printing a view: flush stdout. CTL_GO, CTL_END when its reader
 * has gone (EPIPE), or CTL_FAIL after a message.
 */
static int
view_done(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return CTL_GO;
	if (errno == EPIPE)
		return CTL_END;
	am_warn("stdout: %s", strerror(errno));
	return CTL_FAIL;
}

/*
 * A node id member of o, or 0.
 */
static uint32_t
view_id(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    v->valuedouble > 4294967295.0)
		return 0;
	return (uint32_t)v->valuedouble;
}

/*
 * A string member of o, or def.
 */
static const char *
view_str(const cJSON *o, const char *name, const char *def)
{
	const char *s;

	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	return s != NULL ? s : def;
}

/*
 * A number member of o, or def.
 */
static double
view_num(const cJSON *o, const char *name, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/*
 * A node's arguments as "key=value ...", in the order of the reply;
 * control characters become blanks.
 */
static void
view_args(const cJSON *args, char *buf, size_t len)
{
	am_proto_args_text(args, buf, len, ' ');
}

/*
 * The nodes linked to node id, "1,2,3", as sources (in) or as
 * destinations; "-" for none, "N nodes" when too long to show.
 */
static void
view_ids(const cJSON *links, uint32_t id, int in, char *buf, size_t len)
{
	const cJSON *l;
	size_t off = 0;
	int n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(l, links) {
		if (view_id(l, in ? "to" : "from") != id)
			continue;
		n++;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%u",
			    off > 0 ? "," : "", view_id(l, in ? "from" :
			    "to"));
	}
	if (n == 0)
		snprintf(buf, len, "-");
	else if (off >= CTL_IDS_MAX)
		snprintf(buf, len, "%d nodes", n);
}

/*
 * The reply to "list" as a table for people: the engine, the device,
 * then a row per node with the nodes it takes input from and
 * gives output to, and its arguments.
 */
static int
view_list(const cJSON *r)
{
	const cJSON *dev, *nodes, *links, *n;
	char args[CTL_ARGS_MAX], in[CTL_IDS_MAX * 2], out[CTL_IDS_MAX * 2];
	double rate, period;
	int tw = 4, iw = 2, ow = 3, nw = 0, w, nn = 0;
	uint32_t id;

	dev = cJSON_GetObjectItemCaseSensitive(r, "device");
	nodes = cJSON_GetObjectItemCaseSensitive(r, "nodes");
	links = cJSON_GetObjectItemCaseSensitive(r, "links");
	rate = view_num(dev, "rate", 0);
	period = view_num(dev, "period", 0);
	printf("engine %s, backend %s\n", view_str(r, "state", "?"),
	    view_str(dev, "backend", "?"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dev, "open")))
		printf("device %s: %g Hz, %g channels, period %g (%.2f ms), "
		    "buffer %g\n", view_str(dev, "name", "?"), rate,
		    view_num(dev, "channels", 0), period, rate > 0 ?
		    1000 * period / rate : 0.0, view_num(dev, "buffer", 0));
	else
		printf("device not open\n");
	cJSON_ArrayForEach(n, nodes) {
		id = view_id(n, "id");
		if ((w = (int)strlen(view_str(n, "type", "?"))) > tw)
			tw = w;
		if ((w = (int)strlen(view_str(n, "name", ""))) > 0 &&
		    w < 4)
			w = 4;
		if (w > nw)
			nw = w;
		view_ids(links, id, 1, in, sizeof(in));
		if ((w = (int)strlen(in)) > iw)
			iw = w;
		view_ids(links, id, 0, out, sizeof(out));
		if ((w = (int)strlen(out)) > ow)
			ow = w;
	}
	/* a NAME column once any node has a name */
	printf("%4s  %-*s%s%-*s  %-*s  %-*s  %s\n", "ID", nw, nw ? "NAME" :
	    "", nw ? "  " : "", tw, "TYPE", iw, "IN", ow, "OUT", "ARGS");
	cJSON_ArrayForEach(n, nodes) {
		id = view_id(n, "id");
		view_ids(links, id, 1, in, sizeof(in));
		view_ids(links, id, 0, out, sizeof(out));
		view_args(cJSON_GetObjectItemCaseSensitive(n, "args"), args,
		    sizeof(args));
		/* no blanks at the end of a row without arguments */
		printf("%4u  %-*s%s%-*s  %-*s  %-*s%s%s\n", id, nw,
		    nw ? view_str(n, "name", "-") : "", nw ? "  " : "", tw,
		    view_str(n, "type", "?"), iw, in, args[0] != '\0' ?
		    ow : 0, out, args[0] != '\0' ? "  " : "", args);
		nn++;
	}
	printf("%d node%s, %d link%s\n", nn, nn == 1 ? "" : "s",
	    cJSON_GetArraySize(links), cJSON_GetArraySize(links) == 1 ?
	    "" : "s");
	return view_done();
}

/*
 * Print s inside a DOT double-quoted string: quotes and backslashes
 * escaped, control characters as blanks.
 */
static void
view_dot_str(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar((unsigned char)*s < ' ' || *s == 0x7f ? ' ' : *s);
	}
}

/*
 * The levels of node id in a levels event: 0, or -1 when absent.
 */
static int
view_level(const cJSON *levels, uint32_t id, double *peak, double *rms)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(levels,
	    "nodes")) {
		if (view_id(n, "id") == id) {
			*peak = view_num(n, "peak_db", -200);
			*rms = view_num(n, "rms_db", -200);
			return 0;
		}
	}
	return -1;
}

/*
 * The graph of a list reply in the DOT language: a box per node with
 * its id, type, arguments and level (from the levels event), an edge
 * per link. Silent nodes are drawn dashed.
 */
static int
view_dot(const cJSON *r, const cJSON *levels)
{
	const cJSON *dev, *n, *l;
	char args[CTL_ARGS_MAX];
	double peak, rms;
	uint32_t id;

	dev = cJSON_GetObjectItemCaseSensitive(r, "device");
	printf("digraph amixd {\n\tgraph [rankdir=LR, labelloc=t, "
	    "fontname=\"Helvetica\", label=\"amixd: ");
	view_dot_str(view_str(r, "state", "?"));
	printf(", ");
	view_dot_str(view_str(dev, "backend", "?"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dev, "open")))
		printf(", %g Hz, period %g", view_num(dev, "rate", 0),
		    view_num(dev, "period", 0));
	printf("\"];\n\tnode [shape=box, style=rounded, "
	    "fontname=\"Helvetica\"];\n");
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(r, "nodes")) {
		if ((id = view_id(n, "id")) == 0)
			continue;
		view_args(cJSON_GetObjectItemCaseSensitive(n, "args"), args,
		    sizeof(args));
		printf("\tn%u [label=\"%u", id, id);
		if (view_str(n, "name", NULL) != NULL) {
			putchar(' ');
			view_dot_str(view_str(n, "name", ""));
		}
		printf(": ");
		view_dot_str(view_str(n, "type", "?"));
		if (args[0] != '\0') {
			printf("\\n");
			view_dot_str(args);
		}
		if (view_level(levels, id, &peak, &rms) < 0)
			printf("\"];\n");
		else if (peak <= CTL_DB_SILENT)
			printf("\\nsilent\", style=\"rounded,dashed\"];\n");
		else
			printf("\\npeak %.1f dBFS, rms %.1f dBFS\"];\n",
			    peak, rms <= CTL_DB_SILENT ? -INFINITY : rms);
	}
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(r, "links"))
		printf("\tn%u -> n%u;\n", view_id(l, "from"),
		    view_id(l, "to"));
	printf("}\n");
	return view_done();
}

/*
 * For dot: subscribe to levels and wait for the first levels event,
 * the level of every node over the last CTL_LEVELS_S. CTL_GO with
 * *levels (the caller cJSON_Delete()s it), or CTL_FAIL after a message.
 * Events are not printed; the connection stays subscribed.
 */
static int
ctl_levels(struct ctl *c, cJSON **levels)
{
	uint64_t deadline = 0;
	const char *ev;
	cJSON *req, *reply, *j;
	char *line;
	int rc, quiet = c->quiet;

	*levels = NULL;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "subscribe");
	cJSON_AddItemToObject(req, "events", cJSON_CreateStringArray(
	    (const char *[]){ "levels" }, 1));
	cJSON_AddNumberToObject(req, "levels_interval", CTL_LEVELS_S);
	c->quiet = 1;
	rc = ctl_request(c, req, "", &reply);
	c->quiet = quiet;
	cJSON_Delete(req);
	if (rc != CTL_GO)
		return rc;
	rc = ctl_check(reply, "levels: ");
	cJSON_Delete(reply);
	if (rc != CTL_GO)
		return rc;
	if (c->timeout >= 0)
		deadline = am_clock_ns() + (uint64_t)c->timeout * 1000000;
	for (;;) {
		rc = ctl_next(c, &line, deadline);
		if (rc == -E2BIG)
			continue;
		if (rc <= 0) {
			am_warn("levels: %s", rc == 0 ? "no event in time" :
			    rc == -EINTR ? "interrupted" : rc == -EPIPE ?
			    "daemon closed the connection" : strerror(-rc));
			return CTL_FAIL;
		}
		if ((j = ctl_parse("levels: ", line)) == NULL)
			return CTL_FAIL;
		ev = view_str(j, "event", "");
		if (strcmp(ev, "levels") == 0) {
			*levels = j;
			return CTL_GO;
		}
		cJSON_Delete(j);
	}
}

/*
 * The operands had a view (list on a terminal, dot): send req without
 * printing its reply, then show the reply. CTL_END after a view, since
 * nothing remains to watch; else CTL_FAIL.
 */
static int
ctl_run_view(struct ctl *c, const cJSON *req)
{
	cJSON *reply, *levels = NULL;
	int rc, quiet = c->quiet;

	c->quiet = 1;
	rc = ctl_request(c, req, "", &reply);
	c->quiet = quiet;
	if (rc != CTL_GO)
		return rc;
	if ((rc = ctl_check(reply, "")) == CTL_GO) {
		if (c->view == CTL_VIEW_LIST)
			rc = view_list(reply);
		else if ((rc = ctl_levels(c, &levels)) == CTL_GO)
			rc = view_dot(reply, levels);
	}
	cJSON_Delete(levels);
	cJSON_Delete(reply);
	return rc == CTL_GO ? CTL_END : rc;
}

/*
 * Operands: a short command made of all of them, or, when the first
 * starts with '{', one JSON request each. Fill reqs (room for argc) and
 * return how many, or -1 after a message (a usage error).
 */
static int
ctl_operands(int argc, char *argv[], cJSON **reqs)
{
	char err[CTL_ERR_MAX];
	int i;

	if (argv[0][0] != '{') {
		if ((reqs[0] = am_cmd_parse(argc, argv, err,
		    sizeof(err))) == NULL) {
			am_warn("%s", err);
			return -1;
		}
		return 1;
	}
	for (i = 0; i < argc; i++) {
		if (argv[i][0] != '{') {
			am_warn("operand %d: expected a JSON request, got "
			    "'%.40s'", i + 1, argv[i]);
			goto bad;
		}
		if ((reqs[i] = am_cmd_parse(1, &argv[i], err,
		    sizeof(err))) == NULL) {
			if (argc > 1)
				am_warn("operand %d: %s", i + 1, err);
			else
				am_warn("%s", err);
			goto bad;
		}
	}
	return argc;
bad:
	while (i-- > 0)
		cJSON_Delete(reqs[i]);
	return -1;
}

/*
 * Send the n parsed requests in order, stopping at the first failing
 * reply. Return CTL_GO when all succeeded, else CTL_END or CTL_FAIL.
 */
static int
ctl_run_reqs(struct ctl *c, cJSON **reqs, int n)
{
	cJSON *reply;
	int i, rc;

	for (i = 0; i < n; i++) {
		if ((rc = ctl_request(c, reqs[i], "", &reply)) != CTL_GO)
			return rc;
		rc = ctl_check(reply, "");
		cJSON_Delete(reply);
		if (rc != CTL_GO)
			return rc;
	}
	return CTL_GO;
}

/*
 * After an ok reply to a "name = ..." line: bind name to the reply's
 * "id". CTL_GO or CTL_FAIL after a message.
 */
static int
ctl_bind(struct am_script *s, const char *name, const cJSON *reply,
    const char *where)
{
	const cJSON *id;
	int rc;

	id = cJSON_GetObjectItemCaseSensitive(reply, "id");
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    id->valuedouble > (double)LONG_MAX ||
	    id->valuedouble != (double)(long)id->valuedouble) {
		am_warn("%sno node id in the reply to bind to $%s", where,
		    name);
		return CTL_FAIL;
	}
	if ((rc = am_script_bind(s, name, (long)id->valuedouble)) < 0) {
		am_warn("%scannot bind $%s: %s", where, name,
		    rc == -ENOSPC ? "too many variables" : strerror(-rc));
		return CTL_FAIL;
	}
	return CTL_GO;
}

/*
 * Read one script line with SIGINT and SIGTERM open, so a signal stops
 * a read from a terminal. Return as getline(3); -1 with errno EINTR
 * when a signal asked us to stop.
 */
static ssize_t
ctl_getline(struct ctl *c, char **buf, size_t *cap, FILE *fp)
{
	sigset_t old;
	ssize_t n;

	sigprocmask(SIG_SETMASK, &c->waitmask, &old);
	/* a signal that was pending is delivered by now */
	n = ctl_signo != 0 ? -1 : getline(buf, cap, fp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ctl_signo != 0) {
		errno = EINTR;
		return -1;
	}
	return n;
}

/*
 * Run the script fp, named name in messages: one command a line, each
 * sent once the one before it has succeeded. Return CTL_GO when every
 * line succeeded, else CTL_END or CTL_FAIL (message names the line).
 */
static int
ctl_run_script(struct ctl *c, FILE *fp, const char *name)
{
	char where[CTL_WHERE_MAX], bind[AM_SCRIPT_NAME_MAX];
	char err[CTL_ERR_MAX];
	struct am_script s;
	cJSON *req, *reply;
	char *buf = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = CTL_GO;

	am_script_init(&s);
	for (;;) {
		errno = 0;
		if (ctl_getline(c, &buf, &cap, fp) < 0) {
			rc = CTL_GO;
			if (errno == EINTR) {
				am_warn("%s:%ld: interrupted", name, lineno);
				rc = CTL_FAIL;
			} else if (ferror(fp)) {
				am_warn("%s: %s", name, strerror(errno));
				rc = CTL_FAIL;
			}
			break;
		}
		lineno++;
		snprintf(where, sizeof(where), "%s:%ld: ", name, lineno);
		rc = am_script_line(&s, buf, &req, bind, sizeof(bind), err,
		    sizeof(err));
		if (rc < 0) {
			am_warn("%s%s", where, err);
			rc = CTL_FAIL;
			break;
		}
		if (rc == 0)
			continue;
		rc = ctl_request(c, req, where, &reply);
		cJSON_Delete(req);
		if (rc != CTL_GO)
			break;
		rc = ctl_check(reply, where);
		if (rc == CTL_GO && bind[0] != '\0')
			rc = ctl_bind(&s, bind, reply, where);
		cJSON_Delete(reply);
		if (rc != CTL_GO)
			break;
	}
	free(buf);
	return rc;
}

/*
 * Parse an option's number in [min, max]; -1 after a message.
 */
static int
opt_long(int opt, const char *s, long min, long max, long *out)
{
	int rc;

	if ((rc = am_parse_long(s, min, max, out)) == 0)
		return 0;
	if (rc == -ERANGE)
		am_warn("-%c: out of range (%ld to %ld): %s", opt, min, max,
		    s);
	else
		am_warn("-%c: not an integer: %s", opt, s);
	return -1;
}

/*
 * Name the option getopt() refused: optopt is unknown, or known and
 * missing its argument.
 */
static void
opt_bad(void)
{
	if (optopt != 0 && optopt != ':' && strchr(CTL_OPTS, optopt) != NULL)
		am_warn("-%c: missing argument", optopt);
	else if (optopt > ' ' && optopt < 0x7f)
		am_warn("unknown option -%c", optopt);
	else
		am_warn("unknown option");
}

/*
 * Check options and operands (exit 2 on a usage error) before touching
 * the socket, then connect, run the requests and watch events. Exit 0,
 * or 1 after a message.
 */
int
main(int argc, char *argv[])
{
	struct ctl c;
	const char *sock = NULL, *script = NULL;
	cJSON **reqs = NULL;
	FILE *fp = NULL;
	long v;
	int ch, i, nreqs = 0, rc, status;

	am_log_init("amctl");
	opterr = 0;		/* getopt would name argv[0], not amctl */
	memset(&c, 0, sizeof(c));
	c.conn.fd = -1;
	c.timeout = CTL_TIMEOUT_DEF;
	while ((ch = getopt(argc, argv, CTL_OPTS)) != -1) {
		switch (ch) {
		case 'f':
			script = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			if (opt_long(ch, optarg, 1, LONG_MAX, &c.count) < 0)
				return 2;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			if (opt_long(ch, optarg, 0, INT_MAX, &v) < 0)
				return 2;
			c.timeout = v == 0 ? -1 : (int)v;
			break;
		default:
			opt_bad();
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if ((script == NULL) == (argc == 0)) {
		if (script != NULL)
			am_warn("-f takes no operands");
		usage(stderr);
		return 2;
	}

	/* Everything that can be a usage error comes before any I/O. */
	if (script == NULL && strcmp(argv[0], "dot") == 0) {
		if (argc > 1) {
			am_warn("dot: unexpected argument '%s'", argv[1]);
			return 2;
		}
		reqs = xcalloc(1, sizeof(*reqs));
		reqs[0] = cJSON_CreateObject();
		cJSON_AddStringToObject(reqs[0], "cmd", "list");
		nreqs = 1;
		c.view = CTL_VIEW_DOT;
	} else if (script == NULL) {
		reqs = xcalloc((size_t)argc, sizeof(*reqs));
		if ((nreqs = ctl_operands(argc, argv, reqs)) < 0) {
			free(reqs);
			return 2;
		}
		/* A terminal gets a table; a pipe, the reply line. */
		if (argc == 1 && strcmp(argv[0], "list") == 0 && !c.quiet &&
		    isatty(STDOUT_FILENO))
			c.view = CTL_VIEW_LIST;
	} else if (strcmp(script, "-") == 0) {
		fp = stdin;
		script = "stdin";
	} else if ((fp = fopen(script, "r")) == NULL) {
		am_warn("%s: %s", script, strerror(errno));
		return 1;
	}

	status = 1;
	if (sock != NULL)
		rc = snprintf(c.path, sizeof(c.path), "%s", sock) <
		    (int)sizeof(c.path) ? 0 : -ENAMETOOLONG;
	else
		rc = am_proto_socket_path(c.path, sizeof(c.path));
	if (rc < 0) {
		am_warn("socket path too long");
		goto done;
	}
	if ((rc = am_conn_open(&c.conn, c.path)) < 0) {
		am_warn("cannot connect to %s: %s", c.path, strerror(-rc));
		goto done;
	}
	ctl_sig_init(&c);

	if (c.view != CTL_VIEW_RAW)
		rc = ctl_run_view(&c, reqs[0]);
	else if (script == NULL)
		rc = ctl_run_reqs(&c, reqs, nreqs);
	else
		rc = ctl_run_script(&c, fp, script);
	if (rc == CTL_GO)
		rc = ctl_monitor(&c);
	status = rc == CTL_FAIL ? 1 : 0;
done:
	am_conn_close(&c.conn);
	if (fp != NULL && fp != stdin)
		fclose(fp);
	for (i = 0; i < nreqs; i++)
		cJSON_Delete(reqs[i]);
	free(reqs);
	return status;
}
