/* SPDX-License-Identifier: MIT */
/*
 * The graph model: nodes, links, validation and topological order. It is
 * what the control thread edits; the real-time thread never sees it, only
 * the plans compiled from it (plan.c). Every edit is checked before it
 * changes anything, so a refused request leaves the graph as it was.
 * Control thread only.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "graph.h"
#include "util.h"

#define GRAPH_RATE	(-1)	/* a class pinned to the graph rate */
#define GRAPH_FREE	(-2)	/* a class with no pin yet */

void
graph_init(struct graph *g)
{
	memset(g, 0, sizeof(*g));
	g->next_id = 1;
	(void)am_layout_default(&g->dev_layout, 2);
}

/* Free a node that no plan references any more. */
void
node_del(struct node *n)
{
	if (n->bypassed)
		return;	/* a stuck thread may be in it: watchdog.c */
	if (n->ops->done != NULL)
		n->ops->done(n->state);
	free(n->state);
	cJSON_Delete(n->args);
	free(n);
}

/* Free every node, live or zombie. Only once no RT thread runs. */
void
graph_done(struct graph *g)
{
	struct node *n;

	while ((n = g->nodes) != NULL) {
		g->nodes = n->next;
		node_del(n);
	}
	while ((n = g->zombies) != NULL) {
		g->zombies = n->next;
		node_del(n);
	}
	g->nnodes = g->nlinks = 0;
}

struct node *
graph_node(struct graph *g, uint32_t id)
{
	struct node *n;

	for (n = g->nodes; n != NULL; n = n->next) {
		if (n->id == id)
			return n;
	}
	return NULL;
}

/* The node called name (a non-empty string), or NULL. */
struct node *
graph_node_named(struct graph *g, const char *name)
{
	struct node *n;

	for (n = g->nodes; n != NULL; n = n->next) {
		if (strcmp(n->name, name) == 0)
			return n;
	}
	return NULL;
}

/* Give n the next id and append it; the graph owns it from now on. */
void
graph_add(struct graph *g, struct node *n)
{
	struct node **p;

	n->id = g->next_id++;
	n->next = NULL;
	for (p = &g->nodes; *p != NULL; p = &(*p)->next)
		;
	*p = n;
	g->nnodes++;
}

/*
 * Take node id out of the graph with its links; the caller makes it a
 * zombie until the real-time thread has dropped every plan using it.
 */
struct node *
graph_remove(struct graph *g, uint32_t id)
{
	struct node **p, *n;
	int i, j;

	for (p = &g->nodes; *p != NULL; p = &(*p)->next) {
		if ((*p)->id == id)
			break;
	}
	if ((n = *p) == NULL)
		return NULL;
	*p = n->next;
	g->nnodes--;
	for (i = j = 0; i < g->nlinks; i++) {
		if (g->links[i].from != id && g->links[i].to != id)
			g->links[j++] = g->links[i];
	}
	g->nlinks = j;
	return n;
}

/* Nodes in id order, into all (room for nnodes). */
static void
graph_list(struct graph *g, struct node **all)
{
	struct node *n;
	int i = 0;

	for (n = g->nodes; n != NULL; n = n->next)
		all[i++] = n;
}

/* Index of id in all (ascending ids), or -1. */
static int
graph_index(struct node **all, int n, uint32_t id)
{
	int lo = 0, hi = n - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (all[mid]->id == id)
			return mid;
		if (all[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* True when to is reachable from from over the links. */
static int
graph_reaches(struct graph *g, uint32_t from, uint32_t to)
{
	struct node **all;
	int *stack, *seen, sp = 0, i, k, j, found = 0;

	all = xcalloc(g->nnodes, sizeof(*all));
	stack = xcalloc(g->nnodes, sizeof(*stack));
	seen = xcalloc(g->nnodes, sizeof(*seen));
	graph_list(g, all);
	i = graph_index(all, g->nnodes, from);
	stack[sp++] = i;
	seen[i] = 1;
	while (sp > 0 && !found) {
		i = stack[--sp];
		if (all[i]->id == to) {
			found = 1;
			break;
		}
		for (k = 0; k < g->nlinks; k++) {
			if (g->links[k].from != all[i]->id)
				continue;
			j = graph_index(all, g->nnodes, g->links[k].to);
			if (!seen[j]) {
				seen[j] = 1;
				stack[sp++] = j;
			}
		}
	}
	free(all);
	free(stack);
	free(seen);
	return found;
}

/*
 * Link from's output into to's input. Refused: unknown ids (-ENOENT),
 * a sink as source or a source as target (-EINVAL), a link that exists
 * (-EEXIST), one that would close a cycle (-ELOOP), too many (-ENOSPC),
 * one between rate domains (-EXDEV), one whose layouts no rule converts
 * or a node's layout hook refuses (-EINVAL: graph_layout_check).
 */
int
graph_link(struct graph *g, uint32_t from, uint32_t to, char *err,
    size_t errlen)
{
	struct node *a, *b;
	int i;

	if ((a = graph_node(g, from)) == NULL) {
		snprintf(err, errlen, "no node %u", from);
		return -ENOENT;
	}
	if ((b = graph_node(g, to)) == NULL) {
		snprintf(err, errlen, "no node %u", to);
		return -ENOENT;
	}
	if (a->ops->flags & NODE_SINK) {
		snprintf(err, errlen, "node %u (%s) has no output", from,
		    a->ops->type);
		return -EINVAL;
	}
	if (b->ops->flags & NODE_SOURCE) {
		snprintf(err, errlen, "node %u (%s) takes no input", to,
		    b->ops->type);
		return -EINVAL;
	}
	for (i = 0; i < g->nlinks; i++) {
		if (g->links[i].from == from && g->links[i].to == to) {
			snprintf(err, errlen, "%u is already connected to %u",
			    from, to);
			return -EEXIST;
		}
	}
	if (graph_reaches(g, to, from)) {
		snprintf(err, errlen, "connecting %u to %u would close a "
		    "cycle", from, to);
		return -ELOOP;
	}
	if (g->nlinks == GRAPH_LINK_MAX) {
		snprintf(err, errlen, "too many links (%d)", GRAPH_LINK_MAX);
		return -ENOSPC;
	}
	g->links[g->nlinks].from = from;
	g->links[g->nlinks].to = to;
	g->nlinks++;
	if (graph_domains(g, NULL, NULL, err, errlen) < 0) {
		g->nlinks--;
		return -EXDEV;
	}
	if ((i = graph_layout_check(g, err, errlen)) < 0) {
		g->nlinks--;
		return i;
	}
	return 0;
}

/* Remove the link from -> to; -ENOENT when there is none. */
int
graph_unlink(struct graph *g, uint32_t from, uint32_t to)
{
	int i;

	for (i = 0; i < g->nlinks; i++) {
		if (g->links[i].from == from && g->links[i].to == to) {
			g->links[i] = g->links[--g->nlinks];
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Topological order (Kahn), ties broken by ascending id so the same
 * graph always runs in the same order. order has room for nnodes.
 * Returns the count, or -ELOOP (cannot happen: links are checked).
 */
int
graph_order(struct graph *g, struct node **order)
{
	struct node **all;
	int *indeg, i, k, j, count = 0, picked;

	if (g->nnodes == 0)
		return 0;
	all = xcalloc(g->nnodes, sizeof(*all));
	indeg = xcalloc(g->nnodes, sizeof(*indeg));
	graph_list(g, all);
	for (k = 0; k < g->nlinks; k++)
		indeg[graph_index(all, g->nnodes, g->links[k].to)]++;
	while (count < g->nnodes) {
		picked = -1;
		for (i = 0; i < g->nnodes; i++) {
			if (indeg[i] == 0) {
				picked = i;
				break;
			}
		}
		if (picked < 0)
			break;
		indeg[picked] = -1;
		order[count++] = all[picked];
		for (k = 0; k < g->nlinks; k++) {
			if (g->links[k].from != all[picked]->id)
				continue;
			j = graph_index(all, g->nnodes, g->links[k].to);
			indeg[j]--;
		}
	}
	free(all);
	free(indeg);
	return count == g->nnodes ? count : -ELOOP;
}

/* The representative of i's class (union-find with path halving). */
static int
graph_find(int *up, int i)
{
	while (up[i] != i) {
		up[i] = up[up[i]];
		i = up[i];
	}
	return i;
}

/*
 * Pin i's class to domain d (an index into the order, or GRAPH_RATE).
 * 0, or -EXDEV when it is pinned to another one already.
 */
static int
graph_pin(int *up, int *dom, int i, int d)
{
	i = graph_find(up, i);
	if (dom[i] != GRAPH_FREE && dom[i] != d)
		return -EXDEV;
	dom[i] = d;
	return 0;
}

/* True when domain node r would end up inside its own domain. */
static int
graph_nested_in_self(int *up, const int *dom, int n, int r)
{
	int x = r, steps;

	for (steps = 0; steps <= n; steps++) {
		x = dom[graph_find(up, x)];
		if (x < 0)
			return 0;
		if (x == r)
			return 1;
	}
	return 1;
}

/*
 * Rate domains. A link X -> Y says that X runs where Y's input runs: at
 * Y's rate when Y is a resample node (NODE_DOMAIN: the domain it opens),
 * else wherever Y itself runs; a sink runs at the graph rate. So the
 * nodes fall into classes joined by links into non-resample nodes, each
 * pinned to at most one domain: two pins are a node feeding two rate
 * domains, refused (-EXDEV, with a message), as is a resample node that
 * would end up inside its own domain, and a device node (NODE_DEVICE)
 * in a domain: the device's buffers hold one period at the device rate,
 * not a domain's block. A class with no pin (nodes that
 * lead to no sink yet) runs at the graph rate. This keeps a node that
 * feeds nothing in step with its inputs: a mixer linked only from a node
 * inside a domain runs in that domain, at its block size, rather than
 * reading the domain's short buffers for a whole graph period. With
 * order (room for nnodes) and owner (the same), fills order with the
 * topological order and owner[i] with the id of the resample node whose
 * domain order[i] is in, or 0 for the graph rate. The last link is the
 * one a refusal names. Returns the node count.
 */
int
graph_domains(struct graph *g, struct node **order, uint32_t *owner,
    char *err, size_t errlen)
{
	struct node **ord;
	uint32_t *own;
	int n, i, k, f = 0, t = 0, *up, *dom, rc = 0;

	ord = order != NULL ? order : xcalloc(g->nnodes + 1, sizeof(*ord));
	own = owner != NULL ? owner : xcalloc(g->nnodes + 1, sizeof(*own));
	up = xcalloc(g->nnodes + 1, sizeof(*up));
	dom = xcalloc(g->nnodes + 1, sizeof(*dom));
	n = graph_order(g, ord);
	for (i = 0; i < n; i++) {
		up[i] = i;
		dom[i] = (ord[i]->ops->flags & NODE_SINK) ? GRAPH_RATE :
		    GRAPH_FREE;
	}
	for (k = 0; k < g->nlinks && rc == 0 && n == g->nnodes; k++) {
		f = t = -1;
		for (i = 0; i < n; i++) {
			if (ord[i]->id == g->links[k].from)
				f = i;
			if (ord[i]->id == g->links[k].to)
				t = i;
		}
		if (f < 0 || t < 0)
			continue;
		if (ord[t]->ops->flags & NODE_DOMAIN)
			rc = graph_pin(up, dom, f, t);
		else if ((i = graph_find(up, t)) != graph_find(up, f)) {
			if (dom[i] != GRAPH_FREE)
				rc = graph_pin(up, dom, f, dom[i]);
			up[i] = graph_find(up, f);
		}
		if (rc < 0)
			snprintf(err, errlen, "node %u would feed two rate "
			    "domains", ord[f]->id);
	}
	for (i = 0; i < n && rc == 0; i++) {
		if ((ord[i]->ops->flags & NODE_DOMAIN) &&
		    graph_nested_in_self(up, dom, n, i)) {
			snprintf(err, errlen, "node %u would feed two rate "
			    "domains: resample node %u would run inside its "
			    "own domain", g->links[g->nlinks - 1].from,
			    ord[i]->id);
			rc = -EXDEV;
		}
	}
	for (i = 0; i < n && rc == 0; i++) {
		k = dom[graph_find(up, i)];
		if (k >= 0 && (ord[i]->ops->flags & NODE_DEVICE)) {
			snprintf(err, errlen, "node %u (%s) would run in "
			    "resample node %u's rate domain: a device node "
			    "runs at the device's rate and period only",
			    ord[i]->id, ord[i]->ops->type, ord[k]->id);
			rc = -EXDEV;
		}
	}
	for (i = 0; i < n; i++) {
		k = dom[graph_find(up, i)];
		own[i] = k >= 0 ? ord[k]->id : 0;
	}
	free(up);
	free(dom);
	if (order == NULL)
		free(ord);
	if (owner == NULL)
		free(own);
	return rc < 0 ? rc : n;
}
