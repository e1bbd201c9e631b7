/* SPDX-License-Identifier: MIT */
/*
 * Channel layouts over the graph (issue 16): every node takes one layout
 * (its input's: every link into it is converted to it) and gives one
 * (its output's). In topological order, each node is shown "up", the
 * widest output layout among the nodes linked into it (ties: the first
 * link), and says what it takes and gives through its type's layout
 * hook (node.h: the contract); a type without one takes and gives up,
 * or stereo when nothing is linked into it or when it is a sink (whose
 * process, without a hook, knows only stereo). Device nodes take and give
 * the device's layout (graph.dev_layout), whatever their hook. A link
 * whose source gives another layout than its destination takes is
 * converted by am_layout_matrix (lib/chlayout.c, amixd(7)'s rules).
 *
 * graph_link and create_node check the layouts of the graph they would
 * make (graph_layout_check) and refuse, changing nothing, when a hook
 * refuses or no rule converts a link; plan_new computes them again
 * (graph_layouts with bad[]) and, should the graph have become
 * impossible since (another device layout), mutes the node a hook
 * refuses rather than failing: a plan must be published. Control
 * thread only; the real-time thread only sees the channel counts and
 * matrices the plan holds.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "graph.h"
#include "util.h"

/* Index of id in order[0..n), or -1. */
static int
graph_layout_index(struct node **order, int n, uint32_t id)
{
	int i;

	for (i = 0; i < n; i++) {
		if (order[i]->id == id)
			return i;
	}
	return -1;
}

/*
 * The layouts of order[0..n) (topological, as graph_order gives) into
 * in[i] and out[i]. With bad NULL, the first refusal (a hook's, or a
 * link no rule converts) returns -EINVAL with err naming the node or
 * link. With bad, nothing is refused: a node whose hook refuses gets
 * bad[i] = 1 and takes and gives up (or stereo); the caller runs it
 * muted. Returns 0 or -errno.
 */
int
graph_layouts(struct graph *g, struct node **order, int n,
    struct am_layout *in, struct am_layout *out, int *bad, char *err,
    size_t errlen)
{
	const struct am_layout *up;
	char why[480];
	float *m;
	int i, j, l, rc;

	m = xcalloc(AM_CH_MAX * AM_CH_MAX, sizeof(*m));
	for (i = 0; i < n; i++) {
		up = NULL;
		for (l = 0; l < g->nlinks; l++) {
			if (g->links[l].to != order[i]->id)
				continue;
			j = graph_layout_index(order, i, g->links[l].from);
			if (j >= 0 && (up == NULL || out[j].n > up->n))
				up = &out[j];
		}
		if (bad != NULL)
			bad[i] = 0;
		if (order[i]->ops->flags & NODE_DEVICE) {
			in[i] = out[i] = g->dev_layout;
			continue;
		}
		if (order[i]->ops->layout != NULL) {
			why[0] = '\0';
			rc = order[i]->ops->layout(order[i]->state, up, &in[i],
			    &out[i], why, sizeof(why));
			if (rc == 0 && (in[i].n < 1 || in[i].n > AM_CH_MAX ||
			    out[i].n < 1 || out[i].n > AM_CH_MAX)) {
				snprintf(why, sizeof(why), "no channels");
				rc = -EINVAL;
			}
			if (rc == 0)
				continue;
			if (bad == NULL) {
				snprintf(err, errlen, "node %u (%s): %s",
				    order[i]->id, order[i]->ops->type, why);
				free(m);
				return rc;
			}
			bad[i] = 1;
		}
		/* A sink without a hook takes stereo, as all did before. */
		if (up != NULL && !(order[i]->ops->flags & NODE_SINK))
			in[i] = *up;
		else
			(void)am_layout_default(&in[i], 2);
		out[i] = in[i];
	}
	for (l = 0; bad == NULL && l < g->nlinks; l++) {
		i = graph_layout_index(order, n, g->links[l].to);
		j = graph_layout_index(order, n, g->links[l].from);
		if (i < 0 || j < 0)
			continue;
		if (am_layout_matrix(&out[j], &in[i], m, why,
		    sizeof(why)) < 0) {
			snprintf(err, errlen, "node %u (%u channels) cannot "
			    "feed node %u (%s, %u channels): %s", order[j]->id,
			    out[j].n, order[i]->id, order[i]->ops->type,
			    in[i].n, why);
			free(m);
			return -EINVAL;
		}
	}
	free(m);
	return 0;
}

/*
 * Would g, as it is now, compile? Its layouts are computed and every
 * link checked; the nodes' recorded layouts are left alone. 0, or
 * -errno with err (graph_link and create_node then undo their edit).
 */
int
graph_layout_check(struct graph *g, char *err, size_t errlen)
{
	struct am_layout *in, *out;
	struct node **order;
	int n, rc;

	order = xcalloc(g->nnodes + 1, sizeof(*order));
	in = xcalloc(g->nnodes + 1, sizeof(*in));
	out = xcalloc(g->nnodes + 1, sizeof(*out));
	n = graph_order(g, order);
	rc = n < 0 ? n : graph_layouts(g, order, n, in, out, NULL, err,
	    errlen);
	free(order);
	free(in);
	free(out);
	return rc;
}
