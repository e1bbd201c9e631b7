/* SPDX-License-Identifier: MIT */
/*
 * The live table's model: one row per node, sorted by id, and the
 * engine's figures, fed by the daemon's lines. A list reply brings the
 * nodes, their types, names and arguments and the engine's state; stats
 * events bring each node's cost, frames, xruns, clips and non-finite
 * samples; levels events the meters; xrun, state, node and dropped
 * events the note line; a node or state event asks for a new list. No
 * drawing here (top_draw.c).
 */

#include <string.h>

#include "util.h"

#include "amstat.h"

/*
 * The row of node id, or NULL.
 */
struct top_node *
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
double
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
void
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
void
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
	t->channels = top_num(dev, "channels", t->channels);
	top_str(dev, "layout", t->layout, t->layout, sizeof(t->layout));
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
		n->ch = top_num(o, "channels", 0);
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
void
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
