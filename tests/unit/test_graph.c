/* SPDX-License-Identifier: MIT */
/*
 * Rate domains (graph_domains) and the plans built from them: a table
 * of graphs with the domain each node must land in or the link that
 * must be refused, then random graphs checked for the invariant a plan
 * must keep whatever the links: every step reads its inputs at its own
 * block size (an input buffer of another size is read past its end, or
 * played at the wrong rate), and a resample step's domain runs at the
 * block it pulls.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "node.h"
#include "plan.h"
#include "t.h"
#define TGRAPH_FILE_GRAPH
#include "tgraph.h"
#include "util.h"

/* The domain (owner id, 0 = graph rate) of node id. */
static uint32_t
owner_of(uint32_t id)
{
	struct node *order[64];
	uint32_t owner[64];
	char err[160];
	int n, i;

	n = graph_domains(&g, order, owner, err, sizeof(err));
	for (i = 0; i < n; i++) {
		if (order[i]->id == id)
			return owner[i];
	}
	return UINT32_MAX;
}

/*
 * The invariant, over every step of a plan: each input buffer is the
 * output of a step with the same block; a domain's steps have the block
 * its resample step pulls. Returns the number of violations.
 */
static int
plan_check(const struct plan *p, const char *what)
{
	const struct plan_step *s, *u;
	uint32_t i, j, k, want;
	int bad = 0;

	/* Steps: graph-rate ones, then every domain's, then a zeroed one. */
	for (i = 0; p->steps[i].ops != NULL; i++) {
		s = &p->steps[i];
		/* A resample step reads its domain's blocks. */
		want = (s->ops->flags & NODE_DOMAIN) ? s->dom_frames :
		    s->frames;
		for (k = 0; k < s->nsrc; k++) {
			for (j = 0; p->steps[j].ops != NULL; j++) {
				u = &p->steps[j];
				if (u->out == s->src[k])
					break;
			}
			if (p->steps[j].ops == NULL) {
				ok(0, "%s: node %u reads a buffer no step "
				    "writes", what, s->id);
				bad++;
			} else if (u->frames != want) {
				ok(0, "%s: node %u (%u frames) reads node "
				    "%u's output of %u frames", what, s->id,
				    want, u->id, u->frames);
				bad++;
			}
		}
		for (k = 0; k < s->ndom; k++) {
			if (s->dom[k].frames != s->dom_frames) {
				ok(0, "%s: node %u's domain pulls %u frames, "
				    "node %u holds %u", what, s->id,
				    s->dom_frames, s->dom[k].id,
				    s->dom[k].frames);
				bad++;
			}
		}
	}
	return bad;
}

static void
table(void)
{
	uint32_t t, r, m, s, x, r2, t2;
	struct plan *p;

	/* A mixer fed only from inside a domain runs in that domain. */
	t = mk(node_ops_find("tone"), 0);
	r = mk(node_ops_find("resample"), 8000);
	s = mk(node_ops_find("device_sink"), 0);
	m = mk(node_ops_find("mixer"), 0);
	is_int(link_(t, r), 0, "tone -> resample");
	is_int(link_(r, s), 0, "resample -> sink");
	is_int(link_(t, m), 0, "tone -> a mixer that feeds nothing");
	is_int(owner_of(m), r, "the mixer runs in the tone's domain");
	is_int(owner_of(t), r, "the tone too");
	is_int(owner_of(r), 0, "the resample node at the graph rate");
	p = plan_new(&g, 128, 192000);
	ok(p != NULL && plan_check(p, "dangling mixer") == 0,
	    "every step reads inputs of its own block");
	plan_del(p);
	/* Connected to the graph later, it is refused: two domains. */
	is_int(link_(m, s), -EXDEV, "mixer -> sink: the tone feeds two");
	/* Into the domain: fine. */
	is_int(link_(m, r), 0, "mixer -> resample");
	clear();

	/* A node feeding nothing, with inputs from two domains: refused. */
	t = mk(node_ops_find("tone"), 0);
	r = mk(node_ops_find("resample"), 8000);
	t2 = mk(node_ops_find("tone"), 0);
	r2 = mk(node_ops_find("resample"), 96000);
	s = mk(node_ops_find("device_sink"), 0);
	m = mk(node_ops_find("mixer"), 0);
	link_(t, r);
	link_(r, s);
	link_(t2, r2);
	link_(r2, s);
	is_int(link_(t, m), 0, "first input from one domain");
	is_int(link_(t2, m), -EXDEV, "second input from another: refused");
	/* A dangling tone joins the mixer's domain. */
	x = mk(node_ops_find("tone"), 0);
	is_int(link_(x, m), 0, "a free tone into the mixer");
	is_int(owner_of(x), r, "runs in the mixer's domain");
	p = plan_new(&g, 256, 44100);
	ok(p != NULL && plan_check(p, "two domains") == 0,
	    "every step reads inputs of its own block");
	plan_del(p);
	clear();

	/* A device node joins no domain, even through a node that feeds
	 * nothing yet. */
	t = mk(node_ops_find("tone"), 0);
	r = mk(node_ops_find("resample"), 8000);
	s = mk(node_ops_find("device_sink"), 0);
	m = mk(node_ops_find("mixer"), 0);
	x = mk(node_ops_find("device_source"), 0);
	link_(t, r);
	link_(r, s);
	is_int(link_(t, m), 0, "tone -> a mixer that feeds nothing");
	is_int(link_(x, m), -EXDEV, "device_source -> that mixer: refused");
	is_int(link_(x, s), 0, "device_source -> sink");
	clear();

	/* A resample node would end up inside its own domain. */
	t = mk(node_ops_find("tone"), 0);
	r = mk(node_ops_find("resample"), 22050);
	m = mk(node_ops_find("mixer"), 0);
	is_int(link_(t, r), 0, "tone -> resample");
	is_int(link_(r, m), 0, "resample -> mixer");
	is_int(link_(t, m), -EXDEV, "tone -> the same mixer: refused");
	clear();

	/* Nested domains keep working; the old rule still holds. */
	t = mk(node_ops_find("tone"), 0);
	r = mk(node_ops_find("resample"), 8000);
	r2 = mk(node_ops_find("resample"), 192000);
	s = mk(node_ops_find("device_sink"), 0);
	link_(t, r);
	link_(r, r2);
	is_int(link_(r2, s), 0, "tone -> 8k -> 192k -> sink");
	is_int(owner_of(t), r, "tone in the 8 kHz domain");
	is_int(owner_of(r), r2, "8 kHz inside the 192 kHz domain");
	is_int(link_(t, s), -EXDEV, "tone -> sink: two domains");
	p = plan_new(&g, 4096, 8000);
	ok(p != NULL && plan_check(p, "nested") == 0,
	    "every step reads inputs of its own block");
	plan_del(p);
	clear();
}

/* Random graphs: whatever links are accepted, the invariant holds. */
static void
random_graphs(void)
{
	static const double rates[] = { 8000, 22050, 44100, 96000, 192000 };
	static const uint32_t periods[] = { 16, 128, 1000, 4096 };
	const struct node_ops *ops;
	struct plan *p;
	uint32_t seed = 12345, ids[24], rnd;
	int round, i, k, bad = 0, accepted = 0;
	char what[64];

	for (round = 0; round < 300 && bad == 0; round++) {
		for (i = 0; i < 24; i++) {
			seed = seed * 1103515245 + 12345;
			rnd = seed >> 16;
			ops = rnd % 6 == 0 ? node_ops_find("tone") :
			    rnd % 6 == 1 ? node_ops_find("gain") :
			    rnd % 6 == 2 ? node_ops_find("mixer") :
			    rnd % 6 == 3 ? node_ops_find("resample") :
			    rnd % 6 == 4 ? node_ops_find("device_sink") :
			    node_ops_find("mixer");
			ids[i] = mk(ops, rates[(rnd >> 4) % 5]);
		}
		for (k = 0; k < 60 && bad == 0; k++) {
			seed = seed * 1103515245 + 12345;
			rnd = seed >> 8;
			if (link_(ids[rnd % 24], ids[(rnd >> 8) % 24]) != 0)
				continue;
			accepted++;
			if ((rnd >> 16) % 7 == 0)
				graph_unlink(&g, ids[rnd % 24],
				    ids[(rnd >> 8) % 24]);
			p = plan_new(&g, periods[(rnd >> 20) % 4],
			    (uint32_t)rates[(rnd >> 22) % 5]);
			snprintf(what, sizeof(what), "round %d link %d",
			    round, k);
			if (p == NULL) {
				ok(0, "%s: no plan for an accepted graph",
				    what);
				bad++;
				continue;
			}
			bad += plan_check(p, what);
			plan_del(p);
		}
		clear();
	}
	ok(bad == 0, "random graphs: %d accepted links, every plan keeps "
	    "block sizes", accepted);
}

int
main(void)
{
	graph_init(&g);
	table();
	random_graphs();
	clear();
	return t_done();
}
