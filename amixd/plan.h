/* SPDX-License-Identifier: MIT */
#ifndef PLAN_H
#define PLAN_H

#include <stdint.h>

struct am_layout;
struct graph;
struct node;
struct node_ops;
struct node_stats;

/*
 * How rt.c gives a step its input. PLAN_NODE: the sum of its upstream
 * outputs, which ran earlier in the same run. PLAN_PULL (a resample
 * node): its domain, dom[0..ndom), which rt_domain (rt.c) runs at
 * dom_rate, at most dom_frames at a time, each time the node's converter
 * asks for a block through node_cycle.pull; the domain's steps never run
 * otherwise.
 */
enum plan_kind {
	PLAN_NODE,
	PLAN_PULL,
};

/* One node's turn in a period. */
struct plan_step {
	enum plan_kind kind;		/* where its input comes from */
	struct node *node;		/* borrowed: graph */
	uint32_t id;			/* the node's id */
	void *state;			/* borrowed: node */
	const struct node_ops *ops;
	struct node_stats *stats;	/* borrowed: node */
	const float **src;		/* nsrc upstream outputs */
	uint32_t nsrc;
	/*
	 * Link conversion: NULL when every src has in_ch channels in the
	 * step's layout (the stereo graph's case); else, per src, its
	 * matrix (in_ch rows of srcch[k] gains; NULL: the same layout).
	 */
	const float **mat;
	const uint32_t *srcch;		/* with mat: channels of src[k] */
	uint32_t in_ch;			/* channels of the input */
	uint32_t out_ch;		/* channels of out */
	const uint8_t *in_pos;		/* their positions: plan.layouts */
	const uint8_t *out_pos;
	float *sum;			/* input sum: nsrc > 1, or mat */
	float *out;			/* output; scratch for a sink */
	int meter_in;			/* meter the input, not the output */
	uint32_t frames;		/* buffers hold this many frames */
	struct plan_step *dom;		/* PLAN_PULL: its domain's steps, */
	uint32_t ndom;			/* in order, after the graph's */
	uint32_t dom_rate;		/* Hz the domain runs at */
	uint32_t dom_frames;		/* the domain's block, frames */
	const float *silence;		/* borrowed: plan */
};

/*
 * A compiled, immutable schedule: the graph-rate nodes in topological
 * order (steps[0..nsteps)), followed by the steps of each resample
 * node's domain (one contiguous run each, named by the PLAN_PULL step
 * that runs it), with their buffers. Built and freed by the control
 * thread, run by the real-time thread; seq orders plans so retired ones
 * can be freed.
 */
struct plan {
	uint64_t seq;
	uint32_t frames;		/* graph-rate buffers, frames */
	uint32_t rate;			/* graph rate, Hz */
	uint32_t nsteps;		/* graph-rate steps */
	uint32_t xrun_node;		/* first device sink, for xruns */
	struct plan_step *steps;	/* every step */
	const float **srcv;		/* all steps' src arrays */
	const float **matv;		/* all steps' mat arrays */
	uint32_t *chv;			/* all steps' srcch arrays */
	float *mats;			/* every conversion matrix */
	struct am_layout *layouts;	/* each step's input's and output's */
	float *silence;			/* input of nodes with no links */
	float *mem;			/* every buffer, one block */
	struct plan *next;		/* control: live plans */
};

struct plan *plan_new(struct graph *g, uint32_t frames, uint32_t rate);
void plan_del(struct plan *p);

#endif /* !defined(PLAN_H) */
