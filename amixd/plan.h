/* SPDX-License-Identifier: MIT */
#ifndef PLAN_H
#define PLAN_H

#include <stdint.h>

struct graph;
struct node;
struct node_ops;
struct node_stats;

/* One node's turn in a period. */
struct plan_step {
	struct node *node;		/* borrowed: graph */
	void *state;			/* borrowed: node */
	const struct node_ops *ops;
	struct node_stats *stats;	/* borrowed: node */
	const float **src;		/* nsrc upstream outputs */
	uint32_t nsrc;
	float *sum;			/* input sum when nsrc > 1 */
	float *out;			/* output; scratch for a sink */
	int sink;			/* meter the input, not the output */
};

/*
 * A compiled, immutable schedule: the nodes in topological order with
 * their buffers. Built and freed by the control thread, run by the
 * real-time thread; seq orders plans so retired ones can be freed.
 */
struct plan {
	uint64_t seq;
	uint32_t frames;		/* buffers hold this many frames */
	uint32_t nsteps;
	struct plan_step *steps;
	const float **srcv;		/* all steps' src arrays */
	float *silence;			/* input of nodes with no links */
	float *mem;			/* every buffer, one block */
	struct plan *next;		/* control: live plans */
};

struct plan *plan_new(struct graph *g, uint32_t frames);
void plan_del(struct plan *p);

#endif /* !defined(PLAN_H) */
