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
 * times a second. The same
 * connection carries a "list" request every second and whenever an
 * event names a node we do not know, so rows get their type and
 * arguments (a named node shows its name before its type); a reply is told from an event by having no "event" member.
 * Keys are read with the terminal in non-canonical, no-echo mode ('q'
 * quits); the terminal is restored on every way out: q, SIGINT,
 * SIGTERM, SIGHUP, the daemon going away (restore first, then the
 * message), and around a suspend (^Z).
 *
 * One thread, one poll loop. The signals we handle are blocked except
 * inside ppoll(); their handlers only set flags, so none is lost between
 * a check and the sleep, and no write to the terminal is interrupted.
 */

#include <sys/ioctl.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "log.h"
#include "proto.h"
#include "util.h"

/* getopt(3) options: usage() and the SYNOPSIS of amstat(1) agree */
#define AMSTAT_OPTS	"e:hi:n:s:t"
#define AMSTAT_EVENTS	"stats,xrun,state"
#define AMSTAT_IVAL_MIN	(1.0 / 30)	/* s, least levels period */
#define AMSTAT_STATS_MIN 0.1		/* s, least stats period */
#define AMSTAT_IVAL_MAX	3600.0		/* s */

#define TOP_EVENTS	"stats,levels,xrun,state,node"
/*
 * The daemon sends levels from a 30 Hz tick, rounding periods up to it:
 * 0.06 s lands on every second tick whatever its jitter, 15 Hz.
 */
#define TOP_LEVELS_S	0.06		/* s, meter period */
#define TOP_STATS_S	1.0		/* s, default stats period */
#define TOP_LIST_NS	1000000000ULL	/* ns, between list requests */
#define TOP_DB_FLOOR	-60.0		/* dBFS, the meter's left end */
#define TOP_DB_SILENT	-199.0		/* dBFS, silence (-200) */
#define TOP_NAME_MAX	32		/* bytes, a type or state */
#define TOP_ARGS_MAX	160		/* bytes, "freq=440 db=-6" */
#define TOP_NOTE_MAX	160		/* bytes, last notable event */
#define TOP_FIXED	47		/* columns, a row less 3 below */
#define TOP_FRAMES	11		/* columns, frames, shown in... */
#define TOP_FRAMES_MIN	90		/* ...windows this wide */
#define TOP_METER_MIN	8		/* columns, or no meter */

/* One row of the table. */
struct top_node {
	uint32_t id;
	char type[TOP_NAME_MAX];
	char name[64];			/* the node's name, or "" */
	char args[TOP_ARGS_MAX];	/* "key=value ..." */
	int listed;			/* in the last list reply */
	int has_stats;			/* frames..overruns are set */
	int has_level;			/* peak_db, rms_db are set */
	double frames;			/* frames since creation */
	double cost_us;			/* us per cycle */
	double underruns, overruns;	/* since creation */
	double clipped;			/* samples, since creation */
	double nonfinite;		/* NaN/Inf samples, since creation */
	int nan;			/* nonfinite grew at the last stats */
	double peak_db, rms_db;		/* dBFS, last levels event */
};

/* The live table. */
struct top {
	struct am_conn *conn;		/* borrowed: main */
	const sigset_t *waitmask;	/* borrowed: main */
	int keys;			/* fd 0 is a terminal: read keys */
	int tty;			/* termios changed: restore it */
	int screen;			/* on the alternate screen */
	struct termios saved;		/* fd 0's modes before */
	int rows, cols;			/* terminal size */
	double interval;		/* s, stats period */
	char backend[TOP_NAME_MAX];	/* from list replies */
	char state[TOP_NAME_MAX];
	double rate, period;		/* Hz, frames */
	cJSON *stats;			/* last stats event, owned */
	struct top_node *nodes;		/* sorted by id; owned */
	int nnodes, capnodes;
	uint64_t list_due;		/* ns: send a list request */
	int list_wait;			/* a list request is out */
	unsigned long long dropped;	/* events the daemon dropped */
	char note[TOP_NOTE_MAX];	/* the last notable event */
	int dirty;			/* redraw */
	char *fb;			/* the frame being built */
	size_t fblen, fbcap;		/* bytes */
};

/* Flags set by amstat_sig() only; read by the loops. */
static volatile sig_atomic_t amstat_stop;	/* SIGINT, SIGTERM, SIGHUP */
static volatile sig_atomic_t amstat_winch;	/* SIGWINCH */
static volatile sig_atomic_t amstat_tstp;	/* SIGTSTP */

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
static void
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
static int
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
static char *
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
static int
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
static int
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
static void
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
static int
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

/*
 * Append to the frame being built.
 */
static void
top_put(struct top *t, const char *s, size_t n)
{
	if (t->fblen + n > t->fbcap) {
		t->fbcap = (t->fblen + n) * 2;
		t->fb = xrealloc(t->fb, t->fbcap);
	}
	memcpy(t->fb + t->fblen, s, n);
	t->fblen += n;
}

static void
top_puts(struct top *t, const char *s)
{
	top_put(t, s, strlen(s));
}

/*
 * Write the frame to the terminal and empty it. 0, or -errno when the
 * terminal is gone.
 */
static int
top_flush(struct top *t)
{
	size_t off = 0;
	ssize_t n;

	while (off < t->fblen) {
		n = write(STDOUT_FILENO, t->fb + off, t->fblen - off);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			t->fblen = 0;
			return -errno;
		}
		off += n;
	}
	t->fblen = 0;
	return 0;
}

/*
 * The terminal's size; from LINES and COLUMNS, or 24 by 80, when
 * standard output is not a terminal.
 */
static void
top_size(struct top *t)
{
	struct winsize ws;
	const char *s;

	t->rows = 24;
	t->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		t->rows = ws.ws_row;
		t->cols = ws.ws_col;
		return;
	}
	if ((s = getenv("LINES")) != NULL && atoi(s) > 0)
		t->rows = atoi(s);
	if ((s = getenv("COLUMNS")) != NULL && atoi(s) > 0)
		t->cols = atoi(s);
}

/*
 * Take the terminal: keys one at a time without echo (signals from the
 * keyboard still work), the alternate screen, no cursor.
 */
static void
top_enter(struct top *t)
{
	struct termios tio;

	if (t->keys && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		tio = t->saved;
		tio.c_lflag &= ~(ICANON | ECHO);
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
			t->tty = 1;
	}
	top_puts(t, "\033[?1049h\033[?25l\033[H\033[2J");
	(void)top_flush(t);
	t->screen = 1;
	t->dirty = 1;
}

/*
 * Give the terminal back as it was: the normal screen, the cursor, the
 * modes of before. Harmless when already done.
 */
static void
top_leave(struct top *t)
{
	if (t->screen) {
		top_puts(t, "\033[0m\033[?25h\033[?1049l");
		(void)top_flush(t);
		t->screen = 0;
	}
	if (t->tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
		t->tty = 0;
	}
}

/*
 * The row of node id, or NULL.
 */
static struct top_node *
top_node(struct top *t, uint32_t id)
{
	int i;

	for (i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].id == id)
			return &t->nodes[i];
	}
	return NULL;
}

/*
 * The row of node id, added in id order if new.
 */
static struct top_node *
top_node_add(struct top *t, uint32_t id)
{
	struct top_node *n;
	int i;

	if ((n = top_node(t, id)) != NULL)
		return n;
	if (t->nnodes == t->capnodes) {
		t->capnodes = t->capnodes > 0 ? t->capnodes * 2 : 64;
		t->nodes = xrealloc(t->nodes, t->capnodes *
		    sizeof(*t->nodes));
	}
	for (i = t->nnodes; i > 0 && t->nodes[i - 1].id > id; i--)
		t->nodes[i] = t->nodes[i - 1];
	n = &t->nodes[i];
	memset(n, 0, sizeof(*n));
	n->id = id;
	snprintf(n->type, sizeof(n->type), "?");
	t->nnodes++;
	return n;
}

/*
 * A number member of o, or def.
 */
static double
top_num(const cJSON *o, const char *name, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/*
 * A node id member of o, or 0.
 */
static uint32_t
top_id(const cJSON *o, const char *name)
{
	double v = top_num(o, name, 0);

	return v >= 1 && v <= 4294967295.0 ? (uint32_t)v : 0;
}

/*
 * Copy a string member of o into buf, or def.
 */
static void
top_str(const cJSON *o, const char *name, const char *def, char *buf,
    size_t len)
{
	const char *s;

	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	snprintf(buf, len, "%s", s != NULL ? s : def);
}

/*
 * A string member of o, or "?".
 */
static const char *
top_sval(const cJSON *o, const char *name)
{
	const char *s;

	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	return s != NULL ? s : "?";
}

/*
 * A node's arguments as "key=value ...", control characters as '?'.
 */
static void
top_args(const cJSON *args, char *buf, size_t len)
{
	am_proto_args_text(args, buf, len, '?');
}

/*
 * A list reply: the nodes, their types and arguments, and the engine.
 * Rows of nodes that are gone go too.
 */
static void
top_on_list(struct top *t, const cJSON *r)
{
	const cJSON *nodes, *o, *dev;
	struct top_node *n;
	uint32_t id;
	int i, j;

	top_str(r, "state", t->state, t->state, sizeof(t->state));
	dev = cJSON_GetObjectItemCaseSensitive(r, "device");
	top_str(dev, "backend", t->backend, t->backend, sizeof(t->backend));
	t->rate = top_num(dev, "rate", t->rate);
	t->period = top_num(dev, "period", t->period);
	for (i = 0; i < t->nnodes; i++)
		t->nodes[i].listed = 0;
	nodes = cJSON_GetObjectItemCaseSensitive(r, "nodes");
	cJSON_ArrayForEach(o, nodes) {
		if ((id = top_id(o, "id")) == 0)
			continue;
		n = top_node_add(t, id);
		n->listed = 1;
		top_str(o, "type", "?", n->type, sizeof(n->type));
		top_str(o, "name", "", n->name, sizeof(n->name));
		top_args(cJSON_GetObjectItemCaseSensitive(o, "args"), n->args,
		    sizeof(n->args));
	}
	for (i = j = 0; i < t->nnodes; i++) {
		if (t->nodes[i].listed)
			t->nodes[j++] = t->nodes[i];
	}
	t->nnodes = j;
}

/*
 * A stats or levels event: the figures of every node it names. A node
 * we do not know asks for a list at once.
 */
static void
top_on_nodes(struct top *t, const cJSON *ev, int stats)
{
	const cJSON *o;
	struct top_node *n;
	uint32_t id;
	double x;

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(ev, "nodes")) {
		if ((id = top_id(o, "id")) == 0)
			continue;
		if ((n = top_node(t, id)) == NULL) {
			t->list_due = 0;
			n = top_node_add(t, id);
			n->listed = 1;
		}
		if (stats) {
			n->has_stats = 1;
			n->frames = top_num(o, "frames", 0);
			n->cost_us = top_num(o, "cost_us", 0);
			n->underruns = top_num(o, "underruns", 0);
			n->overruns = top_num(o, "overruns", 0);
			n->clipped = top_num(o, "clipped", 0);
			x = top_num(o, "nonfinite", 0);
			n->nan = x > n->nonfinite;
			n->nonfinite = x;
			if (n->has_level)
				continue;
		}
		n->has_level = 1;
		n->peak_db = top_num(o, "peak_db", -200);
		n->rms_db = top_num(o, "rms_db", -200);
	}
}

/*
 * One line from the daemon: an event, or the reply to a list request.
 */
static void
top_on_line(struct top *t, const char *line)
{
	const char *ev;
	cJSON *j;

	if ((j = cJSON_Parse(line)) == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		snprintf(t->note, sizeof(t->note), "not JSON from the daemon");
		return;
	}
	t->dirty = 1;
	ev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "event"));
	if (ev == NULL) {
		t->list_wait = 0;
		if (am_proto_is_ok(j))
			top_on_list(t, j);
		else
			snprintf(t->note, sizeof(t->note), "list: %s: %s",
			    am_proto_err_code(j), am_proto_err_message(j));
	} else if (strcmp(ev, "levels") == 0)
		top_on_nodes(t, j, 0);
	else if (strcmp(ev, "stats") == 0) {
		top_on_nodes(t, j, 1);
		top_str(j, "state", t->state, t->state, sizeof(t->state));
		cJSON_Delete(t->stats);
		t->stats = j;
		return;
	} else if (strcmp(ev, "state") == 0) {
		top_str(j, "value", t->state, t->state, sizeof(t->state));
		snprintf(t->note, sizeof(t->note), "engine %s", t->state);
		t->list_due = 0;
	} else if (strcmp(ev, "xrun") == 0) {
		snprintf(t->note, sizeof(t->note), "xrun: %.20s, node %g, "
		    "%g us", top_sval(j, "type"), top_num(j, "node", 0),
		    top_num(j, "usec", 0));
	} else if (strcmp(ev, "node") == 0) {
		snprintf(t->note, sizeof(t->note), "node %g: %.20s",
		    top_num(j, "id", 0), top_sval(j, "type"));
		t->list_due = 0;
	} else if (strcmp(ev, "dropped") == 0) {
		t->dropped += (unsigned long long)top_num(j, "count", 0);
		snprintf(t->note, sizeof(t->note), "the daemon dropped %g "
		    "events: we read too slowly", top_num(j, "count", 0));
	}
	cJSON_Delete(j);
}

/*
 * Append one row of text, cut at the screen's width and cleared to its
 * end; attr, if not NULL, is an SGR sequence for the whole row, padded.
 */
static void
top_row(struct top *t, int *row, const char *attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (*row >= t->rows)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (n > t->cols)
		n = t->cols;
	if (attr != NULL) {
		top_puts(t, attr);
		if (n < t->cols && t->cols < (int)sizeof(buf)) {
			memset(buf + n, ' ', t->cols - n);
			n = t->cols;
		}
	}
	top_put(t, buf, n);
	if (attr != NULL)
		top_puts(t, "\033[0m");
	top_puts(t, "\033[K");
	if (++*row < t->rows)
		top_puts(t, "\r\n");
}

/*
 * A level in dBFS, "-inf" for the daemon's silence.
 */
static const char *
top_db(double db, char *buf, size_t len)
{
	if (db <= TOP_DB_SILENT)
		snprintf(buf, len, "-inf");
	else
		snprintf(buf, len, "%.1f", db);
	return buf;
}

/*
 * The cell of a meter width w (cells) for level db: 0 for the floor.
 */
static int
top_cell(double db, int w)
{
	double x;

	if (db <= TOP_DB_FLOOR)
		return 0;
	x = (db - TOP_DB_FLOOR) / -TOP_DB_FLOOR * w;
	return x >= w ? w : (int)ceil(x);
}

/*
 * A meter w cells wide: '#' up to the RMS level, '|' at the peak.
 */
static void
top_meter(const struct top_node *n, char *buf, int w)
{
	int i, rms, peak;

	rms = n->has_level ? top_cell(n->rms_db, w) : 0;
	peak = n->has_level ? top_cell(n->peak_db, w) : 0;
	for (i = 0; i < w; i++)
		buf[i] = i < rms ? '#' : ' ';
	if (peak > 0)
		buf[peak - 1] = '|';
	buf[w] = '\0';
}

/*
 * The engine lines: from the last stats event, or from the last list
 * reply until the first stats event comes.
 */
static void
top_engine(struct top *t, int *row)
{
	const cJSON *s = t->stats;
	double rate, period;
	char backend[TOP_NAME_MAX];

	top_str(s, "backend", t->backend, backend, sizeof(backend));
	rate = top_num(s, "rate", t->rate);
	period = top_num(s, "period", t->period);
	top_row(t, row, NULL, "amixd  %s  %g Hz  period %g (%.2f ms)  %s  "
	    "rt %s  drift %+.1f ppm", backend, rate, period, rate > 0 ?
	    1000 * period / rate : 0, t->state, cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(s, "rt")) ? "yes" : "no",
	    top_num(s, "drift_ppm", 0));
	if (s == NULL) {
		top_row(t, row, NULL, "waiting for the first stats report "
		    "(every %g s)", t->interval);
		return;
	}
	top_row(t, row, NULL, "cpu %.2f%%  xruns %g  late us p99/max %g/%g  "
	    "cycle us p50/p99/max %g/%g/%g", top_num(s, "cpu_pct", 0),
	    top_num(s, "xruns", 0), top_num(s, "late_us_p99", 0),
	    top_num(s, "late_us_max", 0), top_num(s, "cycle_us_p50", 0),
	    top_num(s, "cycle_us_p99", 0), top_num(s, "cycle_us_max", 0));
}

/*
 * Redraw the whole table in place. 0, or -errno when the terminal is
 * gone.
 */
static int
top_draw(struct top *t)
{
	char name[TOP_ARGS_MAX + TOP_NAME_MAX + 64 + 3], meter[512];
	char cost[16], frames[24], peak[16], rms[16];
	struct top_node *n;
	int row = 0, i, fw, nw, mw, room;

	top_puts(t, "\033[H");
	top_engine(t, &row);
	top_row(t, &row, NULL, "nodes %d  events dropped %llu  %s%s(q quits)",
	    t->nnodes, t->dropped, t->note, t->note[0] != '\0' ? "  " : "");
	top_row(t, &row, NULL, "%s", "");

	/*
	 * Frames only in a wide window; the node column takes 12 to 32
	 * columns, the meter the rest.
	 */
	fw = t->cols >= TOP_FRAMES_MIN ? TOP_FRAMES : 0;
	nw = t->cols - TOP_FIXED - (fw > 0 ? fw + 1 : 0) - 24;
	nw = nw > 32 ? 32 : nw < 12 ? 12 : nw;
	mw = t->cols - TOP_FIXED - (fw > 0 ? fw + 1 : 0) - nw - 1;
	if (mw > (int)sizeof(meter) - 1)
		mw = sizeof(meter) - 1;
	if (mw < TOP_METER_MIN)
		mw = 0;
	top_row(t, &row, "\033[7m", "%4s %-*s %8s%s%*.*s %5s %5s %5s %6s "
	    "%6s  %s", "ID", nw, "NODE", "COST/us", fw > 0 ? " " : "", fw, fw,
	    "FRAMES", "UNDER", "OVER", "CLIP", "PEAK", "RMS", mw > 0 ?
	    "LEVEL -60..0 dBFS" : "");
	room = t->rows - row;
	for (i = 0; i < t->nnodes && room > 0; i++, room--) {
		n = &t->nodes[i];
		if (room == 1 && i < t->nnodes - 1) {
			top_row(t, &row, NULL, "  ... %d more node%s",
			    t->nnodes - i, t->nnodes - i == 1 ? "" : "s");
			break;
		}
		/* "name type args": a named node shows its name first */
		snprintf(name, sizeof(name), "%s%s%s%s%s", n->name,
		    n->name[0] != '\0' ? " " : "", n->type,
		    n->args[0] != '\0' ? " " : "", n->args);
		snprintf(cost, sizeof(cost), n->has_stats ? "%.2f" : "-",
		    n->cost_us);
		snprintf(frames, sizeof(frames), n->has_stats ? "%.0f" : "-",
		    n->frames);
		if (mw > 0)
			top_meter(n, meter, mw - 2);
		top_row(t, &row, NULL, "%4u %-*.*s %8s%s%*.*s %5.0f %5.0f "
		    "%5.0f %6s %6s  %s%s%s", n->id, nw, nw, name, cost,
		    fw > 0 ? " " : "", fw, fw, frames, n->underruns,
		    n->overruns, n->clipped,
		    n->nan ? "NaN" : n->has_level ? top_db(n->peak_db, peak,
		    sizeof(peak)) : "-", n->has_level ? top_db(n->rms_db, rms,
		    sizeof(rms)) : "-", mw > 0 ? "[" : "", mw > 0 ? meter : "",
		    mw > 0 ? "]" : "");
	}
	top_puts(t, "\033[J");
	t->dirty = 0;
	return top_flush(t);
}

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
static int
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
