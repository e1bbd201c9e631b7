/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the graph's order and the plan built from it (graph.c,
 * plan.c): graph_order puts every node once and each link's source
 * before its target, on tables (a chain linked against id order, a
 * diamond, fan-in, disjoint parts) and on random graphs; a link that
 * would close a cycle, a self-link, a duplicate, a sink as source and a
 * source as target are refused with their own error and leave the
 * links as they were; a plan runs its graph-rate steps in that order,
 * each reading exactly the outputs of the nodes linked into it (one
 * input straight, several through a sum, none from silence), sinks
 * flagged to meter their input, and a resample node's domain at the
 * domain's rate and block. test_graph.c covers which domain each node
 * lands in and the block sizes across domains.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "afmt.h"
#include "graph.h"
#include "node.h"
#include "plan.h"
#include "t.h"
#define TGRAPH_FILE_GRAPH
#include "tgraph.h"
#include "util.h"

#define T_NODES	64

/* Position of node id in order[0..n), or -1. */
static int
pos_of(struct node **order, int n, uint32_t id)
{
	int i;

	for (i = 0; i < n; i++) {
		if (order[i]->id == id)
			return i;
	}
	return -1;
}

/*
 * graph_order's contract: every node exactly once, and for every link
 * the source first. Returns the number of violations (each reported).
 */
static int
order_check(const char *what)
{
	struct node *order[T_NODES + 1];
	struct node *n;
	int cnt, bad = 0, i, a, b;

	cnt = graph_order(&g, order);
	if (cnt != g.nnodes) {
		ok(0, "%s: order holds %d of %d nodes", what, cnt, g.nnodes);
		return 1;
	}
	for (n = g.nodes; n != NULL; n = n->next) {
		a = 0;
		for (i = 0; i < cnt; i++)
			a += order[i] == n;
		if (a != 1) {
			ok(0, "%s: node %u is %d times in the order", what,
			    n->id, a);
			bad++;
		}
	}
	for (i = 0; i < g.nlinks; i++) {
		a = pos_of(order, cnt, g.links[i].from);
		b = pos_of(order, cnt, g.links[i].to);
		if (a < 0 || b < 0 || a >= b) {
			ok(0, "%s: link %u -> %u at %d -> %d", what,
			    g.links[i].from, g.links[i].to, a, b);
			bad++;
		}
	}
	return bad;
}

static void
test_order_table(void)
{
	uint32_t t, a, b, c, m, s, t2, s2;

	/* A chain linked against id order: the sink was made first. */
	s = mk(node_ops_find("device_sink"), 0);
	c = mk(node_ops_find("gain"), 0);
	b = mk(node_ops_find("gain"), 0);
	a = mk(node_ops_find("gain"), 0);
	t = mk(node_ops_find("tone"), 0);
	link_(t, a);
	link_(a, b);
	link_(b, c);
	link_(c, s);
	is_int(order_check("chain against id order"), 0,
	    "chain made backwards: sources first");
	clear();

	/* A diamond: one tone through two gains into a mixer. */
	t = mk(node_ops_find("tone"), 0);
	m = mk(node_ops_find("mixer"), 0);
	a = mk(node_ops_find("gain"), 0);
	b = mk(node_ops_find("gain"), 0);
	s = mk(node_ops_find("device_sink"), 0);
	link_(a, m);
	link_(b, m);
	link_(t, a);
	link_(t, b);
	link_(m, s);
	is_int(order_check("diamond"), 0, "diamond: each link forward");
	clear();

	/* Two parts that share nothing, and a node with no links. */
	t = mk(node_ops_find("tone"), 0);
	s = mk(node_ops_find("device_sink"), 0);
	t2 = mk(node_ops_find("tone"), 0);
	s2 = mk(node_ops_find("device_sink"), 0);
	mk(node_ops_find("gain"), 0);
	link_(t2, s2);
	link_(t, s);
	is_int(order_check("disjoint"), 0, "disjoint parts, a lone node");
	clear();
}

static void
test_refusals(void)
{
	uint32_t t, a, b, c, s;
	int before;

	t = mk(node_ops_find("tone"), 0);
	a = mk(node_ops_find("gain"), 0);
	b = mk(node_ops_find("gain"), 0);
	c = mk(node_ops_find("gain"), 0);
	s = mk(node_ops_find("device_sink"), 0);
	is_int(link_(t, a), 0, "tone -> a");
	is_int(link_(a, b), 0, "a -> b");
	is_int(link_(b, c), 0, "b -> c");
	before = g.nlinks;
	is_int(link_(c, a), -ELOOP, "c -> a closes a cycle: refused");
	is_int(link_(b, a), -ELOOP, "b -> a: a cycle of two, refused");
	is_int(link_(a, a), -ELOOP, "a -> a: a self-link, refused");
	is_int(link_(a, b), -EEXIST, "a -> b again: refused");
	is_int(link_(s, a), -EINVAL, "a sink as source: refused");
	is_int(link_(a, t), -EINVAL, "a source as target: refused");
	is_int(link_(a, 999), -ENOENT, "an unknown node: refused");
	is_int(g.nlinks, before, "refusals leave the links as they were");
	is_int(order_check("after refusals"), 0, "and the order is whole");
	/* Unlinked, the other way round is no cycle any more. */
	is_int(graph_unlink(&g, b, c), 0, "unlink b -> c");
	is_int(link_(c, b), 0, "c -> b once b -> c is gone");
	is_int(order_check("reversed"), 0, "order follows the new link");
	clear();
}

/* Random graphs of gains: every accepted link keeps the order whole. */
static void
test_order_random(void)
{
	uint32_t ids[24], x = 2463534242u;
	int round, k, rc, bad = 0, refused = 0, accepted = 0;
	char what[64];

	for (round = 0; round < 50; round++) {
		for (k = 0; k < 24; k++)
			ids[k] = mk(k < 4 ? node_ops_find("tone") : node_ops_find("gain"), 0);
		for (k = 0; k < 80; k++) {
			am_xorshift32(&x);
			rc = link_(ids[x % 24], ids[(x >> 8) % 24]);
			accepted += rc == 0;
			refused += rc == -ELOOP;
			snprintf(what, sizeof(what), "round %d link %d", round,
			    k);
			bad += order_check(what);
		}
		clear();
	}
	ok(bad == 0 && accepted > 500 && refused > 100,
	    "random graphs: %d links taken, %d cycles refused, order whole",
	    accepted, refused);
}

#define step_of	t_step_of

/* Index of node id's step in p, or a large number. */
static int
step_index(const struct plan *p, uint32_t id)
{
	int i;

	for (i = 0; p->steps[i].ops != NULL; i++) {
		if (p->steps[i].id == id)
			return i;
	}
	return 1 << 30;
}

static void
test_plan(void)
{
	uint32_t t, n, m, gn, s, lone, r, t2, k;
	const struct plan_step *st;
	struct plan *p;
	int l, a, b, bad;

	t = mk(node_ops_find("tone"), 0);
	n = mk(node_ops_find("tone"), 0);
	m = mk(node_ops_find("mixer"), 0);
	gn = mk(node_ops_find("gain"), 0);
	s = mk(node_ops_find("device_sink"), 0);
	lone = mk(node_ops_find("gain"), 0);
	t2 = mk(node_ops_find("tone"), 0);
	r = mk(node_ops_find("resample"), 44100);
	link_(t, m);
	link_(n, m);
	link_(m, gn);
	link_(gn, s);
	link_(t2, r);
	link_(r, m);
	p = plan_new(&g, 128, 48000);
	if (!ok(p != NULL, "plan of a mix, a gain, a domain")) {
		clear();
		return;
	}
	is_int(p->frames, 128, "plan frames");
	is_int(p->rate, 48000, "plan rate");
	is_int(p->nsteps, 7, "graph-rate steps: all but the domain's tone");
	/* Each link's source runs first, at the graph rate. */
	bad = 0;
	for (l = 0; l < g.nlinks; l++) {
		a = step_index(p, g.links[l].from);
		b = step_index(p, g.links[l].to);
		if (a < (int)p->nsteps && b < (int)p->nsteps && a >= b)
			bad++;
	}
	is_int(bad, 0, "every graph-rate step after its sources");
	st = step_of(p, m);
	ok(st != NULL && st->nsrc == 3, "the mixer reads three inputs");
	if (st != NULL && st->nsrc == 3) {
		ok(st->sum != NULL, "summed into one buffer");
		for (k = 0; k < 3; k++) {
			ok(st->src[k] == step_of(p, t)->out ||
			    st->src[k] == step_of(p, n)->out ||
			    st->src[k] == step_of(p, r)->out,
			    "mixer input %u is a linked node's output", k);
		}
	}
	st = step_of(p, gn);
	ok(st != NULL && st->nsrc == 1 && st->src[0] == step_of(p, m)->out,
	    "the gain reads the mixer's output straight");
	st = step_of(p, lone);
	ok(st != NULL && (st->nsrc == 0 || st->src[0] == p->silence),
	    "a node with no link reads silence");
	st = step_of(p, s);
	ok(st != NULL && st->meter_in, "the device sink meters its input");
	ok(!step_of(p, t)->meter_in, "a tone meters its output");
	st = step_of(p, r);
	ok(st != NULL && st->ndom == 1 && st->dom[0].id == t2,
	    "the resample step holds its domain: the tone behind it");
	if (st != NULL && st->ndom == 1) {
		is_int(st->dom_rate, 44100, "the domain runs at 44.1 kHz");
		ok(st->dom_frames >= 118 && st->dom_frames <= 128 + 16,
		    "its block is about 128 * 44100 / 48000 frames: %u",
		    st->dom_frames);
		is_int(st->dom[0].frames, st->dom_frames,
		    "the tone's buffer holds the domain's block");
	}
	/* The pull is in the plan: one PLAN_PULL step names each domain. */
	bad = 0;
	for (k = 0; k < p->nsteps; k++) {
		if ((p->steps[k].kind == PLAN_PULL) !=
		    ((p->steps[k].ops->flags & NODE_DOMAIN) != 0))
			bad++;
		if (p->steps[k].kind == PLAN_NODE && p->steps[k].ndom != 0)
			bad++;
	}
	is_int(bad, 0, "resample steps, and only they, are PLAN_PULL steps");
	ok(st != NULL && st->kind == PLAN_PULL && st->dom >= p->steps +
	    p->nsteps, "the resample step pulls a domain after the graph's steps");
	plan_del(p);
	clear();
}

int
main(void)
{
	graph_init(&g);
	test_order_table();
	test_refusals();
	test_order_random();
	test_plan();
	clear();
	return t_done();
}
