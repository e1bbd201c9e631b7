/* SPDX-License-Identifier: MIT */
/*
 * edit: graph edits that are all or nothing. A command changes the
 * graph, then publishes a plan of it (engine_commit); when publishing
 * fails, the graph must be as it was before the command, because the
 * plan that runs is still the old one and "list" must not show what
 * does not play. The links are saved before an edit (edit_save) and put
 * back after a failed commit (edit_undo); a removed node is taken back
 * from the zombies and put in its place again (edit_remove).
 *
 * A debug build can fail commits on purpose: with AMIXD_FAIL_COMMIT=N
 * in the environment, every commit after the first N fails as if out of
 * memory, so the tests can see the rollback (amixd(8)). Control thread
 * only.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "engine.h"
#include "graph.h"

static struct link edit_links[GRAPH_LINK_MAX];	/* before the edit */
static int edit_nlinks;

/* Publish the graph as it is now: engine_commit(). 0 or -errno. */
int
edit_commit(struct engine *e)
{
#if AM_DEBUG
	static long left = -2;		/* commits that may succeed */
	const char *s;

	if (left == -2) {
		s = getenv("AMIXD_FAIL_COMMIT");
		left = s != NULL && *s != '\0' ? strtol(s, NULL, 10) : -1;
	}
	if (left == 0)
		return -ENOMEM;
	if (left > 0)
		left--;
#endif
	return engine_commit(e);
}

/* Remember the links before an edit. */
void
edit_save(const struct graph *g)
{
	memcpy(edit_links, g->links, g->nlinks * sizeof(g->links[0]));
	edit_nlinks = g->nlinks;
}

/* Put back the links edit_save() remembered, in their order. */
void
edit_undo(struct graph *g)
{
	memcpy(g->links, edit_links, edit_nlinks * sizeof(g->links[0]));
	g->nlinks = edit_nlinks;
}

/*
 * Take node id out of the graph and publish; 0, -ENOENT or -errno of
 * the commit. When the commit fails the node is put back with its id
 * and links: the plan that runs still uses it.
 */
int
edit_remove(struct engine *e, uint32_t id)
{
	struct graph *g = &e->graph;
	struct node *n, **p;
	int rc;

	edit_save(g);
	n = graph_remove(g, id);
	if (n == NULL)
		return -ENOENT;
	engine_retire(e, n);
	if ((rc = edit_commit(e)) == 0)
		return 0;
	for (p = &g->zombies; *p != n; p = &(*p)->next)
		;
	*p = n->next;
	n->dead_seq = 0;
	for (p = &g->nodes; *p != NULL && (*p)->id < id; p = &(*p)->next)
		;
	n->next = *p;
	*p = n;
	g->nnodes++;
	edit_undo(g);
	return rc;
}
