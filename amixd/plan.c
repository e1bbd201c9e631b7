/* SPDX-License-Identifier: MIT */
/*
 * Compiling the graph model into a plan the real-time thread can run
 * without a decision that allocates: the topological order, each node's
 * upstream buffers, and one block of memory for every buffer, touched
 * here so the real-time thread never takes a page fault on it.
 * Control thread only; a plan borrows its nodes from the graph.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "plan.h"
#include "util.h"

/*
 * Build a plan for g with buffers of frames frames. Returns NULL and
 * sets errno on failure (no memory). The caller publishes it.
 */
struct plan *
plan_new(struct graph *g, uint32_t frames)
{
	struct plan *p;
	struct node **order;
	struct plan_step *s;
	size_t nbuf, bufsz, k;
	float *next;
	int n, i, j, l, nsrcv = 0;

	p = xcalloc(1, sizeof(*p));
	p->frames = frames;
	order = xcalloc(g->nnodes + 1, sizeof(*order));
	n = graph_order(g, order);
	if (n < 0) {
		free(order);
		free(p);
		errno = ELOOP;
		return NULL;
	}
	p->nsteps = n;
	p->steps = xcalloc(n + 1, sizeof(*p->steps));
	p->srcv = xcalloc(g->nlinks + 1, sizeof(*p->srcv));

	/* Buffers: silence, one output per node, one sum per merge. */
	nbuf = 1;
	for (i = 0; i < n; i++) {
		nbuf++;
		for (l = 0, k = 0; l < g->nlinks; l++)
			k += g->links[l].to == order[i]->id;
		nbuf += k > 1;
	}
	bufsz = (size_t)frames * 2;
	p->mem = aligned_alloc(64, nbuf * bufsz * sizeof(float));
	if (p->mem == NULL)
		panic("plan: out of memory");
	memset(p->mem, 0, nbuf * bufsz * sizeof(float));
	p->silence = p->mem;
	next = p->mem + bufsz;

	for (i = 0; i < n; i++) {
		s = &p->steps[i];
		s->node = order[i];
		s->state = order[i]->state;
		s->ops = order[i]->ops;
		s->stats = &order[i]->stats;
		s->sink = (s->ops->flags & NODE_SINK) != 0;
		s->out = next;
		next += bufsz;
		s->src = &p->srcv[nsrcv];
		for (l = 0; l < g->nlinks; l++) {
			if (g->links[l].to != order[i]->id)
				continue;
			for (j = 0; j < i; j++) {
				if (order[j]->id == g->links[l].from)
					break;
			}
			p->srcv[nsrcv++] = p->steps[j].out;
			s->nsrc++;
		}
		if (s->nsrc > 1) {
			s->sum = next;
			next += bufsz;
		}
	}
	free(order);
	return p;
}

void
plan_del(struct plan *p)
{
	free(p->mem);
	free(p->srcv);
	free(p->steps);
	free(p);
}
