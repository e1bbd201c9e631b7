/* SPDX-License-Identifier: MIT */
/*
 * amctl's views. Two commands have views as well as the raw reply.
 * "list" prints the graph as a table when standard output is a terminal
 * (and -q is not given); to a pipe or file it prints the reply line like
 * any other command, so "amctl list | jq" keeps working, and a raw JSON
 * operand always gets the raw reply. "dot" is not a daemon command: it
 * sends "list", then subscribes to levels for one event, the level of
 * each node over the next 50 ms or so (the daemon rounds up to its 30 Hz
 * tick), and prints the graph in the DOT language of Graphviz, so
 * "amctl dot | dot -Tpng -o g.png" draws it. A levels subscription and
 * not the stats command, whose interval all its callers share: the
 * level drawn is always a fresh one.
 */

#include <errno.h>
#include <math.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "util.h"

#include "amctl.h"

/*
 * After printing a view: flush stdout. AMCTL_GO, AMCTL_END when its reader
 * has gone (EPIPE), or AMCTL_FAIL after a message.
 */
static int
view_done(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return AMCTL_GO;
	if (errno == EPIPE)
		return AMCTL_END;
	am_warn("stdout: %s", strerror(errno));
	return AMCTL_FAIL;
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
	else if (off >= AMCTL_IDS_MAX)
		snprintf(buf, len, "%d nodes", n);
}

/*
 * The reply to "list" as a table for people: the engine, the device,
 * then a row per node with its channels, the nodes it takes input from
 * and gives output to, and its arguments.
 */
static int
view_list(const cJSON *r)
{
	const cJSON *dev, *nodes, *links, *n;
	char args[AMCTL_ARGS_MAX], in[AMCTL_IDS_MAX * 2];
	char out[AMCTL_IDS_MAX * 2], ch[16];
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
		printf("device %s: %g Hz, %g channels (%s), period %g "
		    "(%.2f ms), buffer %g\n", view_str(dev, "name", "?"),
		    rate, view_num(dev, "channels", 0), view_str(dev, "layout",
		    "?"), period, rate > 0 ? 1000 * period / rate : 0.0,
		    view_num(dev, "buffer", 0));
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
	printf("%4s  %-*s%s%-*s  %2s  %-*s  %-*s  %s\n", "ID", nw, nw ?
	    "NAME" : "", nw ? "  " : "", tw, "TYPE", "CH", iw, "IN", ow, "OUT",
	    "ARGS");
	cJSON_ArrayForEach(n, nodes) {
		id = view_id(n, "id");
		view_ids(links, id, 1, in, sizeof(in));
		view_ids(links, id, 0, out, sizeof(out));
		view_args(cJSON_GetObjectItemCaseSensitive(n, "args"), args,
		    sizeof(args));
		if (view_num(n, "channels", 0) > 0)
			snprintf(ch, sizeof(ch), "%g", view_num(n, "channels",
			    0));
		else
			snprintf(ch, sizeof(ch), "-");
		/* no blanks at the end of a row without arguments */
		printf("%4u  %-*s%s%-*s  %2s  %-*s  %-*s%s%s\n", id, nw,
		    nw ? view_str(n, "name", "-") : "", nw ? "  " : "", tw,
		    view_str(n, "type", "?"), ch, iw, in, args[0] != '\0' ?
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
 * its id, type, channels and layout, arguments and level (from the
 * levels event), an edge per link, labelled with the conversion when
 * it joins two layouts. Silent nodes are drawn dashed.
 */
static int
view_dot(const cJSON *r, const cJSON *levels)
{
	const cJSON *dev, *n, *l;
	char args[AMCTL_ARGS_MAX];
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
		if (view_num(n, "channels", 0) > 0) {
			printf("\\n%g ch ", view_num(n, "channels", 0));
			view_dot_str(view_str(n, "layout", ""));
		}
		if (args[0] != '\0') {
			printf("\\n");
			view_dot_str(args);
		}
		if (view_level(levels, id, &peak, &rms) < 0)
			printf("\"];\n");
		else if (peak <= AMCTL_DB_SILENT)
			printf("\\nsilent\", style=\"rounded,dashed\"];\n");
		else
			printf("\\npeak %.1f dBFS, rms %.1f dBFS\"];\n",
			    peak, rms <= AMCTL_DB_SILENT ? -INFINITY : rms);
	}
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(r, "links")) {
		printf("\tn%u -> n%u", view_id(l, "from"), view_id(l, "to"));
		if (view_str(l, "convert", NULL) != NULL) {
			printf(" [label=\"");
			view_dot_str(view_str(l, "convert", ""));
			printf("\"]");
		}
		printf(";\n");
	}
	printf("}\n");
	return view_done();
}

/*
 * For dot: subscribe to levels and wait for the first levels event,
 * the level of every node over the last AMCTL_LEVELS_S. AMCTL_GO with
 * *levels (the caller cJSON_Delete()s it), or AMCTL_FAIL after a message.
 * Events are not printed; the connection stays subscribed.
 */
static int
amctl_levels(struct amctl *c, cJSON **levels)
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
	cJSON_AddNumberToObject(req, "levels_interval", AMCTL_LEVELS_S);
	c->quiet = 1;
	rc = amctl_request(c, req, "", &reply);
	c->quiet = quiet;
	cJSON_Delete(req);
	if (rc != AMCTL_GO)
		return rc;
	rc = amctl_check(reply, "levels: ");
	cJSON_Delete(reply);
	if (rc != AMCTL_GO)
		return rc;
	if (c->timeout >= 0)
		deadline = am_clock_ns() + (uint64_t)c->timeout * 1000000;
	for (;;) {
		rc = amctl_next(c, &line, deadline);
		if (rc == -E2BIG)
			continue;
		if (rc <= 0) {
			am_warn("levels: %s", rc == 0 ? "no event in time" :
			    rc == -EINTR ? "interrupted" : rc == -EPIPE ?
			    "daemon closed the connection" : strerror(-rc));
			return AMCTL_FAIL;
		}
		if ((j = amctl_parse("levels: ", line)) == NULL)
			return AMCTL_FAIL;
		ev = view_str(j, "event", "");
		if (strcmp(ev, "levels") == 0) {
			*levels = j;
			return AMCTL_GO;
		}
		cJSON_Delete(j);
	}
}

/*
 * The operands had a view (list on a terminal, dot): send req without
 * printing its reply, then show the reply. AMCTL_END after a view, since
 * nothing remains to watch; else AMCTL_FAIL.
 */
int
amctl_run_view(struct amctl *c, const cJSON *req)
{
	cJSON *reply, *levels = NULL;
	int rc, quiet = c->quiet;

	c->quiet = 1;
	rc = amctl_request(c, req, "", &reply);
	c->quiet = quiet;
	if (rc != AMCTL_GO)
		return rc;
	if ((rc = amctl_check(reply, "")) == AMCTL_GO) {
		if (c->view == AMCTL_VIEW_LIST)
			rc = view_list(reply);
		else if ((rc = amctl_levels(c, &levels)) == AMCTL_GO)
			rc = view_dot(reply, levels);
	}
	cJSON_Delete(levels);
	cJSON_Delete(reply);
	return rc == AMCTL_GO ? AMCTL_END : rc;
}
