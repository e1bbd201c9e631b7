/* SPDX-License-Identifier: MIT */
/*
 * Compiling the graph model into a plan the real-time thread can run
 * without a decision that allocates: the topological order, each node's
 * upstream buffers, and one block of memory for every buffer, touched
 * here so the real-time thread never takes a page fault on it.
 *
 * Rate domains (graph_domains): the nodes upstream of a resample node
 * run at its rate, in blocks of dom_frames, only when the resample node
 * pulls them: its step is a PLAN_PULL step naming the domain's steps,
 * rate and block, and rt.c's rt_domain runs them; their steps sit after the graph-rate steps, one
 * contiguous run per domain, and their buffers are sized for the block.
 * Control thread only; a plan borrows its nodes from the graph.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "plan.h"
#include "util.h"

/* Frames of a domain block: enough input for one block downstream. */
static uint32_t
plan_block(uint32_t frames, uint32_t from_rate, uint32_t to_rate)
{
	return (uint32_t)(((uint64_t)frames * to_rate + from_rate - 1) /
	    from_rate);
}

/*
 * Block size blk[i] and rate drate[i] of node i's domain, from its
 * owner's (blk[i] 0: not yet known). The owner usually sits downstream
 * of i, but not always (a node that feeds nothing runs with its
 * inputs), hence a recursion rather than a reverse walk; graph_domains
 * refused owner cycles, and the depth is the nesting of domains.
 */
static void
plan_domain(struct node **order, const uint32_t *owner, int n, int i,
    uint32_t frames, uint32_t rate, uint32_t *blk, uint32_t *drate)
{
	int j;

	if (blk[i] != 0)
		return;
	drate[i] = rate;
	if (owner[i] == 0) {
		blk[i] = frames;
		return;
	}
	for (j = 0; j < n && order[j]->id != owner[i]; j++)
		;
	plan_domain(order, owner, n, j, frames, rate, blk, drate);
	drate[i] = order[j]->ops->domain_rate(order[j]->state);
	blk[i] = plan_block(blk[j], drate[j], drate[i]);
}

/*
 * Build a plan for g at rate Hz with graph-rate buffers of frames
 * frames. Returns NULL and sets errno on failure. The caller publishes.
 */
struct plan *
plan_new(struct graph *g, uint32_t frames, uint32_t rate)
{
	struct plan *p;
	struct node **order;
	struct plan_step *s, *all;
	uint32_t *owner, *blk, *drate, *slot, *sumfr, maxblk = frames;
	size_t floats;
	float *next;
	int n, i, j, l, k, *nin, nsrcv = 0, nslot = 0;
	char err[160];

	order = xcalloc(g->nnodes + 1, sizeof(*order));
	owner = xcalloc(g->nnodes + 1, sizeof(*owner));
	n = graph_domains(g, order, owner, err, sizeof(err));
	if (n < 0) {
		free(order);
		free(owner);
		errno = -n;
		return NULL;
	}
	blk = xcalloc(n + 1, sizeof(*blk));
	drate = xcalloc(n + 1, sizeof(*drate));
	slot = xcalloc(n + 1, sizeof(*slot));
	sumfr = xcalloc(n + 1, sizeof(*sumfr));
	nin = xcalloc(n + 1, sizeof(*nin));

	/* Block size and rate of every node's domain. */
	for (i = 0; i < n; i++)
		plan_domain(order, owner, n, i, frames, rate, blk, drate);
	for (i = 0; i < n; i++) {	/* nodes that prepare for their rate */
		if (order[i]->ops->run_rate != NULL)
			order[i]->ops->run_rate(order[i]->state, drate[i]);
	}

	/* Input sums: a domain node sums blocks of its domain's size. */
	floats = 0;
	for (i = 0; i < n; i++) {
		for (l = 0; l < g->nlinks; l++)
			nin[i] += g->links[l].to == order[i]->id;
		sumfr[i] = blk[i];
		if (order[i]->ops->flags & NODE_DOMAIN)
			sumfr[i] = plan_block(blk[i], drate[i],
			    order[i]->ops->domain_rate(order[i]->state));
		maxblk = blk[i] > maxblk ? blk[i] : maxblk;
		maxblk = sumfr[i] > maxblk ? sumfr[i] : maxblk;
		floats += (size_t)blk[i] * 2;
		if (nin[i] > 1)
			floats += (size_t)sumfr[i] * 2;
	}
	floats += (size_t)maxblk * 2;	/* silence fits every block */

	/* Step slots: graph-rate nodes first, then each domain's run. */
	for (i = 0; i < n; i++) {
		if (owner[i] == 0)
			slot[i] = nslot++;
	}
	for (k = 0; k < n; k++) {
		if (!(order[k]->ops->flags & NODE_DOMAIN))
			continue;
		for (i = 0; i < n; i++) {
			if (owner[i] == order[k]->id)
				slot[i] = nslot++;
		}
	}

	p = xcalloc(1, sizeof(*p));
	p->frames = frames;
	p->rate = rate;
	for (i = 0; i < n; i++)
		p->nsteps += owner[i] == 0;
	p->mem = aligned_alloc(64, (floats * sizeof(float) + 63) & ~63UL);
	if (p->mem == NULL)
		panic("plan: out of memory");
	memset(p->mem, 0, floats * sizeof(float));
	p->silence = p->mem;
	next = p->mem + (size_t)maxblk * 2;
	all = p->steps = xcalloc(n + 1, sizeof(*all));
	p->srcv = xcalloc(g->nlinks + 1, sizeof(*p->srcv));

	for (i = 0; i < n; i++) {
		s = &all[slot[i]];
		s->node = order[i];
		s->id = order[i]->id;
		s->state = order[i]->state;
		s->ops = order[i]->ops;
		s->stats = &order[i]->stats;
		s->meter_in = (s->ops->flags & NODE_SINK) != 0;
		s->frames = blk[i];
		s->silence = p->silence;
		s->out = next;
		next += (size_t)blk[i] * 2;
		if (nin[i] > 1) {
			s->sum = next;
			next += (size_t)sumfr[i] * 2;
		}
	}
	for (i = 0; i < n; i++) {
		s = &all[slot[i]];
		s->src = &p->srcv[nsrcv];
		for (l = 0; l < g->nlinks; l++) {
			if (g->links[l].to != order[i]->id)
				continue;
			for (j = 0; order[j]->id != g->links[l].from; j++)
				;
			p->srcv[nsrcv++] = all[slot[j]].out;
			s->nsrc++;
		}
		if (!(s->ops->flags & NODE_DOMAIN))
			continue;
		s->dom_rate = s->ops->domain_rate(s->state);
		s->dom_frames = sumfr[i];
		for (j = 0; j < n; j++) {
			if (owner[j] != order[i]->id)
				continue;
			if (s->dom == NULL)
				s->dom = &all[slot[j]];
			s->ndom++;
		}
	}
	/* The watchdog's bypassed nodes: their code is never run again. */
	for (i = 0; i < n; i++) {
		s = &all[i];
		if (!s->node->bypassed)
			continue;
		s->ops = (s->ops->flags & NODE_DOMAIN) ? &node_mute_ops :
		    &node_bypass_ops;
		s->state = NULL;
	}
	/* Where each step's input comes from (a muted resample pulls none). */
	for (i = 0; i < n; i++) {
		s = &all[i];
		s->kind = (s->ops->flags & NODE_DOMAIN) ? PLAN_PULL : PLAN_NODE;
	}
	free(order);
	free(owner);
	free(blk);
	free(drate);
	free(slot);
	free(sumfr);
	free(nin);
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
