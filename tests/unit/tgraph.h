/* SPDX-License-Identifier: MIT */
/*
 * tgraph.h: building graphs in the C unit tests without the control
 * protocol.
 *
 *	t_node_new(g, ops, rate)	a node of ops with every argument
 *					at its default (a resample node at
 *					rate Hz when rate > 0), initialised
 *					at 48 kHz and added to g; aborts
 *					when init refuses
 *	t_node_init(g, ops, v)		the same with the values v
 *	t_step_of(p, id)		plan p's step for node id, or NULL
 *	t_link(g, from, to)		graph_link's result, its message
 *					dropped
 *	t_graph_clear(g)		every node removed and freed, g
 *					empty again
 *
 * With TGRAPH_FILE_GRAPH defined before the include, the file gets one
 * graph g and these over it: mk(ops, rate) (the new node's id),
 * link_(from, to) and clear().
 */
#ifndef TGRAPH_H
#define TGRAPH_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "node.h"
#include "plan.h"
#include "util.h"

static inline struct node *
t_node_init(struct graph *g, const struct node_ops *ops,
    const struct node_val *v)
{
	struct node *n;
	char err[128];

	n = xcalloc(1, sizeof(*n));
	n->ops = ops;
	n->state = xcalloc(1, ops->size > 0 ? ops->size : 1);
	if (ops->init != NULL && ops->init(n->state, v, 48000, err,
	    sizeof(err)) < 0)
		abort();
	graph_add(g, n);
	return n;
}

static inline struct node *
t_node_new(struct graph *g, const struct node_ops *ops, double rate)
{
	struct node_val v[NODE_ARG_MAX];
	int i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < ops->nargs; i++)
		v[i].num = ops->args[i].def;
	if (ops == node_ops_find("resample") && rate > 0)
		v[0].num = rate;
	return t_node_init(g, ops, v);
}

static inline const struct plan_step *
t_step_of(const struct plan *p, uint32_t id)
{
	uint32_t i;

	for (i = 0; p->steps[i].ops != NULL; i++) {
		if (p->steps[i].id == id)
			return &p->steps[i];
	}
	return NULL;
}

static inline int
t_link(struct graph *g, uint32_t from, uint32_t to)
{
	char err[160];

	return graph_link(g, from, to, err, sizeof(err));
}

static inline void
t_graph_clear(struct graph *g)
{
	while (g->nodes != NULL)
		node_del(graph_remove(g, g->nodes->id));
	graph_done(g);
	graph_init(g);
}

#if defined(TGRAPH_FILE_GRAPH)
static struct graph g;

static inline uint32_t
mk(const struct node_ops *ops, double rate)
{
	return t_node_new(&g, ops, rate)->id;
}

static inline int
link_(uint32_t from, uint32_t to)
{
	return t_link(&g, from, to);
}

static inline void
clear(void)
{
	t_graph_clear(&g);
}
#endif

#endif /* !defined(TGRAPH_H) */
