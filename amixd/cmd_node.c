/* SPDX-License-Identifier: MIT */
/*
 * The graph's commands: create_node, connect, disconnect, destroy_node
 * and set, with the quotas they check (nodes per connection, bytes of
 * app rings: policy.c), and the lifetime of the nodes a connection owns:
 * when it goes they become orphans, removed at once or, for those that
 * play out what they hold (an app_source's ring), once drained, by a
 * timer that also lets the engine free what the real-time thread has let
 * go of (engine_reclaim). Every edit goes through edit.c, all or
 * nothing. Control thread only.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmd_impl.h"
#include "edit.h"
#include "engine.h"
#include "ev.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "req.h"
#include "util.h"

#define CMD_RECLAIM_NS	(20 * 1000000ULL)

static int cmd_orphans_left;		/* cmd_orphans has work left */
static struct ev_timer cmd_reclaim_timer;

static int cmd_rings_over(size_t bytes, char *err, size_t errlen);

/*
 * {"cmd":"create_node"}: a node of a type, with checked arguments and
 * quotas, put into the graph and published (or nothing changes).
 */
cJSON *
cmd_create_node(struct req_peer *c, const cJSON *req)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(req, "type");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req, "args");
	const struct node_ops *ops;
	struct node_val v[NODE_ARG_MAX];
	int given[NODE_ARG_MAX], i, rc;
	char err[CMD_ERRLEN], name[AM_NODE_NAME_MAX + 1];
	struct node *n;
	cJSON *r = NULL;

	if (!cJSON_IsString(type))
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"type\" must be a node type (%s)", node_types());
	ops = node_ops_find(type->valuestring);
	if (ops == NULL)
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "unknown node type '%s' (types: %s)", type->valuestring,
		    node_types());
	if (cmd_new_name(req, name, sizeof(name), &r) < 0)
		return r;
	if ((rc = cmd_args(c, ops, args, v, given, 0, err, sizeof(err))) < 0)
		return am_proto_err(req, am_proto_errno_code(rc), "%s", err);
	if ((ops->flags & NODE_OWNED) && c == NULL)
		return am_proto_err(req, AM_ERR_STATE,
		    "%s nodes belong to a connection", ops->type);
	if (cmd_engine->graph.nnodes >= policy.nodes)
		return am_proto_err(req, AM_ERR_QUOTA,
		    "the graph holds %d nodes already", policy.nodes);
	if (c != NULL && cmd_created(c) >= policy.client_nodes)
		return am_proto_err(req, AM_ERR_QUOTA,
		    "this connection made %d nodes already",
		    policy.client_nodes);
	/* One descriptor rides with a reply; the last must be sent. */
	i = node_arg_find(ops, "wake");
	if (c != NULL && i >= 0 && v[i].num != 0 && req_fd_queued(c))
		return am_proto_err(req, AM_ERR_STATE, "an earlier reply's "
		    "descriptor is still being sent: read it first");

	n = xcalloc(1, sizeof(*n));
	n->ops = ops;
	memcpy(n->name, name, sizeof(n->name));
	n->state = xcalloc(1, ops->size > 0 ? ops->size : 1);
	if (ops->init != NULL) {
		rc = ops->init(n->state, v, cmd_engine->dev.rate, err,
		    sizeof(err));
		if (rc < 0) {
			free(n->state);
			free(n);
			/* Not always the client's fault: EIO, ENOMEM... */
			return am_proto_err(req, am_proto_errno_code(rc), "%s",
			    err);
		}
	}
	if (c != NULL)
		cmd_take_fds(c, ops, v, given);
	if (ops->mem != NULL && cmd_rings_over(ops->mem(n->state), err,
	    sizeof(err))) {
		if (ops->done != NULL)
			ops->done(n->state);
		free(n->state);
		free(n);
		return am_proto_err(req, AM_ERR_QUOTA, "%s", err);
	}
	if (ops->flags & NODE_OWNED)
		n->owner = c;
	n->creator = c;
	n->args = cJSON_CreateObject();
	for (i = 0; i < ops->nargs; i++) {
		/* An optional string left out has no value to show. */
		if (ops->args[i].kind != NODE_ARG_FD &&
		    !(ops->args[i].kind == NODE_ARG_STR && v[i].str == NULL) &&
		    !((ops->args[i].kind == NODE_ARG_LIST ||
		    ops->args[i].kind == NODE_ARG_MATRIX) && v[i].arr == NULL))
			cJSON_AddItemToObject(n->args, ops->args[i].name,
			    cmd_arg_json(&ops->args[i], &v[i]));
	}
	graph_add(&cmd_engine->graph, n);
	/* Its layout hook may refuse what it was given (graph_layout.c). */
	if ((rc = graph_layout_check(&cmd_engine->graph, err,
	    sizeof(err))) < 0) {
		graph_remove(&cmd_engine->graph, n->id);
		node_del(n);
		return am_proto_err(req, am_proto_errno_code(rc), "%s", err);
	}
	if ((rc = edit_commit(cmd_engine)) < 0) {
		/* Never in a plan: it goes at once, with what it took. */
		graph_remove(&cmd_engine->graph, n->id);
		node_del(n);
		return am_proto_err(req, am_proto_errno_code(rc),
		    "cannot publish the new graph: %s", strerror(-rc));
	}
	logx(3, "node %u: %s%s%s", n->id, ops->type, name[0] ? " " : "",
	    name);
	r = am_proto_ok(req);
	cJSON_AddNumberToObject(r, "id", n->id);
	if (name[0] != '\0')
		cJSON_AddStringToObject(r, "name", name);
	if (c != NULL && ops->reply_fd != NULL &&
	    (c->reply_fd = ops->reply_fd(n->state)) >= 0)
		cJSON_AddNumberToObject(r, "wake_fd", 0);  /* sent with it */
	return r;
}

static cJSON *
cmd_link(struct req_peer *c, const cJSON *req, int on)
{
	uint32_t from, to;
	char err[CMD_ERRLEN];
	cJSON *r = NULL;
	int rc;

	(void)c;
	if (cmd_id(req, "from", &from, &r) < 0 ||
	    cmd_id(req, "to", &to, &r) < 0)
		return r;
	edit_save(&cmd_engine->graph);
	if (on)
		rc = graph_link(&cmd_engine->graph, from, to, err,
		    sizeof(err));
	else {
		rc = graph_unlink(&cmd_engine->graph, from, to);
		snprintf(err, sizeof(err), "no link from %u to %u", from, to);
	}
	if (rc == -ELOOP)
		return am_proto_err(req, AM_ERR_CYCLE, "%s", err);
	if (rc < 0)
		return am_proto_err(req, am_proto_errno_code(rc), "%s", err);
	if ((rc = edit_commit(cmd_engine)) < 0) {
		edit_undo(&cmd_engine->graph);
		return am_proto_err(req, am_proto_errno_code(rc),
		    "cannot publish the new graph: %s", strerror(-rc));
	}
	return am_proto_ok(req);
}

/* {"cmd":"connect"}: a link from one node to another. */
cJSON *
cmd_connect(struct req_peer *c, const cJSON *req)
{
	return cmd_link(c, req, 1);
}

/* {"cmd":"disconnect"}: that link removed. */
cJSON *
cmd_disconnect(struct req_peer *c, const cJSON *req)
{
	return cmd_link(c, req, 0);
}

/*
 * The ring quotas: would one more ring of bytes bytes pass policy.rings
 * or policy.ring_bytes? Then 1, with a message.
 */
static int
cmd_rings_over(size_t bytes, char *err, size_t errlen)
{
	struct node *n;
	size_t total = bytes;
	int rings = 1;

	for (n = cmd_engine->graph.nodes; n != NULL; n = n->next) {
		if (n->ops->mem == NULL)
			continue;
		rings++;
		total += n->ops->mem(n->state);
	}
	if (rings > policy.rings) {
		snprintf(err, errlen, "%d app rings already", policy.rings);
		return 1;
	}
	if (total > policy.ring_bytes) {
		snprintf(err, errlen, "app rings would map %zu MiB, more than "
		    "%zu MiB", total >> 20, policy.ring_bytes >> 20);
		return 1;
	}
	return 0;
}

/* Nodes connection c made that still exist. */
int
cmd_created(const struct req_peer *c)
{
	struct node *n;
	int count = 0;

	for (n = cmd_engine->graph.nodes; n != NULL; n = n->next)
		count += n->creator == c;
	return count;
}

/* {"cmd":"destroy_node"}: a node and its links removed. */
cJSON *
cmd_destroy_node(struct req_peer *c, const cJSON *req)
{
	uint32_t id;
	cJSON *r = NULL;
	int rc;

	(void)c;
	if (cmd_id(req, "id", &id, &r) < 0)
		return r;
	rc = edit_remove(cmd_engine, id);
	if (rc == -ENOENT)
		return am_proto_err(req, AM_ERR_NOT_FOUND, "no node %u", id);
	if (rc < 0)
		return am_proto_err(req, am_proto_errno_code(rc),
		    "cannot publish the new graph: %s", strerror(-rc));
	return am_proto_ok(req);
}

/*
 * Remove orphaned nodes that have drained (an app_source whose client
 * left plays out what its ring holds first). Called periodically, while
 * it returns 1: orphans are left that still play.
 */
int
cmd_orphans(void)
{
	struct node *n, *next;
	int left = 0;

	for (n = cmd_engine->graph.nodes; n != NULL; n = next) {
		next = n->next;
		if (!n->orphan)
			continue;
		if (n->ops->drained == NULL ||
		    cmd_engine->state != ENGINE_RUNNING ||
		    n->ops->drained(n->state)) {
			logx(3, "node %u: drained, removed", n->id);
			edit_remove(cmd_engine, n->id);
		} else
			left = 1;
	}
	return left;
}

/* Free what the RT thread let go of; remove the orphans that drained. */
static void
cmd_reclaim_cb(void *arg)
{
	(void)arg;
	engine_reclaim(cmd_engine);
	cmd_orphans_left = cmd_orphans();
}

/* The reclaim timer runs only while there is garbage or an orphan. */
static int
cmd_reclaim_want(void *arg)
{
	(void)arg;
	return cmd_orphans_left || engine_has_garbage(cmd_engine);
}

/* {"cmd":"set"}: a node's live arguments changed, checked first. */
cJSON *
cmd_set(struct req_peer *c, const cJSON *req)
{
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req, "args");
	struct node_val v[NODE_ARG_MAX];
	int given[NODE_ARG_MAX], i, rc, queued = 0;
	char err[CMD_ERRLEN];
	struct node *n;
	uint32_t id;
	cJSON *r = NULL;

	(void)c;
	if (cmd_id(req, "id", &id, &r) < 0)
		return r;
	if ((n = graph_node(&cmd_engine->graph, id)) == NULL)
		return am_proto_err(req, AM_ERR_NOT_FOUND, "no node %u", id);
	if (n->bypassed)
		return am_proto_err(req, AM_ERR_STATE, "node %u was taken out "
		    "of the schedule by the watchdog", id);
	if (!cJSON_IsObject(args) || args->child == NULL)
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"args\" must be an object with what to change");
	if ((rc = cmd_args(c, n->ops, args, v, given, 1, err,
	    sizeof(err))) < 0)
		return am_proto_err(req, am_proto_errno_code(rc), "%s", err);
	/*
	 * All or nothing: room for every change first. Only this thread
	 * pushes, so the room found cannot shrink before they are queued.
	 */
	for (i = 0; i < n->ops->nargs; i++)
		queued += given[i];
	if (cmd_engine->state == ENGINE_RUNNING &&
	    am_queue_space(&cmd_engine->rt.cmds) < (size_t)queued)
		return am_proto_err(req, AM_ERR_QUOTA,
		    "too many changes in flight; try again");
	/* Values that are no number are staged first (node_ops.stage). */
	for (i = 0; i < n->ops->nargs; i++) {
		if (!given[i] || v[i].arr == NULL)
			continue;
		if (n->ops->stage == NULL)
			return am_proto_err(req, AM_ERR_INTERNAL,
			    "%s: no way to change it", n->ops->args[i].name);
		rc = n->ops->stage(n->state, i, &v[i], &v[i].num, err,
		    sizeof(err));
		if (rc < 0)
			return am_proto_err(req, am_proto_errno_code(rc), "%s",
			    err);
	}
	for (i = 0; i < n->ops->nargs; i++) {
		if (!given[i])
			continue;
		if (engine_set(cmd_engine, n, i, v[i].num) < 0)
			return am_proto_err(req, AM_ERR_INTERNAL,
			    "the change queue shrank under a set");
		cJSON_ReplaceItemInObjectCaseSensitive(n->args,
		    n->ops->args[i].name, cmd_arg_json(&n->ops->args[i],
		    &v[i]));
	}
	return am_proto_ok(req);
}

/*
 * A connection closes: the nodes it owned go (at once, or once drained
 * for those that play out what they hold); those it made are no longer
 * counted against it.
 */
void
cmd_node_gone(const struct req_peer *c)
{
	struct node *n;

	for (n = cmd_engine->graph.nodes; n != NULL; n = n->next) {
		if (n->creator == c)
			n->creator = NULL;
		if (n->owner == c) {
			n->owner = NULL;
			n->orphan = 1;
		}
	}
	cmd_orphans_left = 1;	/* its nodes may still be playing out */
	cmd_orphans();
}

/* Start the reclaim timer. */
void
cmd_node_init(void)
{
	ev_timer_add(&cmd_reclaim_timer, CMD_RECLAIM_NS, cmd_reclaim_cb,
	    NULL);
	ev_timer_want(&cmd_reclaim_timer, cmd_reclaim_want);
}

/* Remove the reclaim timer. */
void
cmd_node_done(void)
{
	ev_timer_del(&cmd_reclaim_timer);
}
