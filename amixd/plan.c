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
 *
 * Channels (graph_layout.c): each step runs with its node's input and
 * output channel counts; a link between layouts carries a conversion
 * matrix, made here, that rt.c applies while summing the input; a
 * stereo graph has none and runs exactly as before.
 * Control thread only; a plan borrows its nodes from the graph.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "log.h"
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
 * The conversion matrices of the links into node i (order[i]), into
 * p's matrix block at *next, and each link's source step's channels:
 * s->mat stays NULL when every link is the same layout as i's input.
 * A link no rule converts (the device's layout changed under a graph
 * refused nothing before) gets a zero matrix: silence, logged.
 */
static void
plan_matrices(struct graph *g, struct node **order, int n, int i,
    const struct am_layout *in, const struct am_layout *out,
    struct plan_step *s, const float **matv, uint32_t *chv, float **next)
{
	char err[480];
	int l, j, k = 0, rc;

	for (l = 0; l < g->nlinks; l++) {
		if (g->links[l].to != order[i]->id)
			continue;
		for (j = 0; j < n && order[j]->id != g->links[l].from; j++)
			;
		chv[k] = out[j].n;
		matv[k] = NULL;
		if (!am_layout_eq(&out[j], &in[i])) {
			rc = am_layout_matrix(&out[j], &in[i], *next, err,
			    sizeof(err));
			if (rc < 0) {
				logx(1, "plan: link %u -> %u silent: %s",
				    order[j]->id, order[i]->id, err);
				memset(*next, 0, (size_t)out[j].n * in[i].n *
				    sizeof(float));
			}
			if (rc != 1) {
				matv[k] = *next;
				*next += (size_t)out[j].n * in[i].n;
				s->mat = matv;
			}
		}
		k++;
	}
	if (s->mat != NULL)
		s->srcch = chv;
}

/*
 * Build a plan for g at rate Hz with graph-rate buffers of frames
 * frames. Returns NULL and sets errno on failure. The caller publishes.
 * Every node's layouts are computed (graph_layouts) and recorded in the
 * node for "list"; buffers hold frames times the channels of the
 * layout; links between layouts get their matrices here, so the
 * real-time thread only multiplies.
 */
struct plan *
plan_new(struct graph *g, uint32_t frames, uint32_t rate)
{
	struct plan *p;
	struct node **order;
	struct plan_step *s, *all;
	struct am_layout *lin, *lout;
	uint32_t *owner, *blk, *drate, *slot, *sumfr, maxblk = frames;
	uint32_t maxch = 2;
	size_t floats, nmat = 0;
	float *next, *mnext;
	int n, i, j, l, k, *nin, *conv, *bad, nsrcv = 0, nslot = 0;
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
	conv = xcalloc(n + 1, sizeof(*conv));
	bad = xcalloc(n + 1, sizeof(*bad));
	lin = xcalloc(n + 1, sizeof(*lin));
	lout = xcalloc(n + 1, sizeof(*lout));

	/* Layouts: refused nothing at link time; a hook may now (bad). */
	(void)graph_layouts(g, order, n, lin, lout, bad, err, sizeof(err));
	for (i = 0; i < n; i++) {
		order[i]->in_layout = lin[i];
		order[i]->out_layout = lout[i];
		if (bad[i])
			logx(1, "plan: node %u (%s) muted: its layout hook "
			    "refuses the graph", order[i]->id,
			    order[i]->ops->type);
		maxch = lin[i].n > maxch ? lin[i].n : maxch;
	}

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
		for (l = 0; l < g->nlinks; l++) {
			if (g->links[l].to != order[i]->id)
				continue;
			nin[i]++;
			for (j = 0; order[j]->id != g->links[l].from; j++)
				;
			if (!am_layout_eq(&lout[j], &lin[i])) {
				conv[i] = 1;
				nmat += (size_t)lout[j].n * lin[i].n;
			}
		}
		sumfr[i] = blk[i];
		if (order[i]->ops->flags & NODE_DOMAIN)
			sumfr[i] = plan_block(blk[i], drate[i],
			    order[i]->ops->domain_rate(order[i]->state));
		maxblk = blk[i] > maxblk ? blk[i] : maxblk;
		maxblk = sumfr[i] > maxblk ? sumfr[i] : maxblk;
		floats += (size_t)blk[i] * lout[i].n;
		if (nin[i] > 1 || conv[i])
			floats += (size_t)sumfr[i] * lin[i].n;
	}
	floats += (size_t)maxblk * maxch;	/* silence fits every block */

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
	next = p->mem + (size_t)maxblk * maxch;
	all = p->steps = xcalloc(n + 1, sizeof(*all));
	p->srcv = xcalloc(g->nlinks + 1, sizeof(*p->srcv));
	p->matv = xcalloc(g->nlinks + 1, sizeof(*p->matv));
	p->chv = xcalloc(g->nlinks + 1, sizeof(*p->chv));
	p->mats = xcalloc(nmat + 1, sizeof(*p->mats));
	p->layouts = xcalloc(2 * (size_t)(n + 1), sizeof(*p->layouts));
	mnext = p->mats;

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
		s->in_ch = lin[i].n;
		s->out_ch = lout[i].n;
		p->layouts[2 * slot[i]] = lin[i];
		p->layouts[2 * slot[i] + 1] = lout[i];
		s->in_pos = p->layouts[2 * slot[i]].pos;
		s->out_pos = p->layouts[2 * slot[i] + 1].pos;
		s->out = next;
		next += (size_t)blk[i] * lout[i].n;
		if (nin[i] > 1 || conv[i]) {
			s->sum = next;
			next += (size_t)sumfr[i] * lin[i].n;
		}
	}
	for (i = 0; i < n; i++) {
		s = &all[slot[i]];
		s->src = &p->srcv[nsrcv];
		if (conv[i])
			plan_matrices(g, order, n, i, lin, lout, s,
			    &p->matv[nsrcv], &p->chv[nsrcv], &mnext);
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
	/*
	 * The watchdog's bypassed nodes: their code is never run again.
	 * A node whose layout hook refused is muted likewise.
	 */
	for (i = 0; i < n; i++) {
		s = &all[slot[i]];
		if (!s->node->bypassed && !bad[i])
			continue;
		s->ops = (s->ops->flags & NODE_DOMAIN) || bad[i] ?
		    &node_mute_ops : &node_bypass_ops;
		s->state = NULL;
		if (bad[i])
			s->meter_in = 0;	/* mute reads no input */
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
	free(conv);
	free(bad);
	free(lin);
	free(lout);
	return p;
}

void
plan_del(struct plan *p)
{
	free(p->mem);
	free(p->srcv);
	free(p->matv);
	free(p->chv);
	free(p->mats);
	free(p->layouts);
	free(p->steps);
	free(p);
}
