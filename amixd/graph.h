/* SPDX-License-Identifier: MIT */
#ifndef GRAPH_H
#define GRAPH_H

#include <stdint.h>

#include "chlayout.h"
#include "node.h"
#include "target.h"

#define GRAPH_LINK_MAX	4096	/* links in one graph */

struct cJSON;

/* A node of the graph model. The graph owns it. */
struct node {
	uint32_t id;			/* >= 1, never reused */
	char name[AM_NODE_NAME_MAX + 1];	/* unique, or "" (unnamed) */
	const struct node_ops *ops;
	void *state;			/* ops->size bytes, owned */
	struct cJSON *args;		/* current args, for "list" */
	struct node_stats stats;	/* written by RT */
	const void *owner;		/* borrowed: ctl client, or NULL */
	const void *creator;		/* borrowed: ctl client, for quotas */
	int orphan;			/* owner gone: remove once drained */
	int error_told;			/* its error event went out, control */
	uint64_t dead_seq;		/* zombie: free once RT saw this plan */
	int bypassed;			/* watchdog: never run, never freed */
	/* Control: the layouts the last plan gave it (graph_layouts). */
	struct am_layout in_layout, out_layout;
	struct node *next;
};

struct link {
	uint32_t from, to;		/* node ids */
};

struct graph {
	struct node *nodes;		/* ascending id */
	struct node *zombies;		/* removed, awaiting the RT thread */
	int nnodes;
	struct link links[GRAPH_LINK_MAX];
	int nlinks;
	uint32_t next_id;
	struct am_layout dev_layout;	/* the device nodes' (stereo) */
};

void graph_init(struct graph *g);
void graph_done(struct graph *g);
struct node *graph_node(struct graph *g, uint32_t id);
struct node *graph_node_named(struct graph *g, const char *name);
void graph_add(struct graph *g, struct node *n);
struct node *graph_remove(struct graph *g, uint32_t id);
int graph_link(struct graph *g, uint32_t from, uint32_t to, char *err,
    size_t errlen);
int graph_unlink(struct graph *g, uint32_t from, uint32_t to);
int graph_order(struct graph *g, struct node **order);
int graph_domains(struct graph *g, struct node **order, uint32_t *owner,
    char *err, size_t errlen);
void node_del(struct node *n);

/* graph_layout.c */
int graph_layouts(struct graph *g, struct node **order, int n,
    struct am_layout *in, struct am_layout *out, int *bad, char *err,
    size_t errlen);
int graph_layout_check(struct graph *g, char *err, size_t errlen);

#endif /* !defined(GRAPH_H) */
