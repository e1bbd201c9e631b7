/* SPDX-License-Identifier: MIT */
/*
 * The protocol v0 commands: each takes a parsed request and returns one
 * reply object. Every request is validated completely before anything
 * changes, so a refused one leaves the graph, the device and the engine
 * as they were; when the last step, publishing a new plan, fails, the
 * graph is put back as it was (edit.c). A failure given as -errno
 * becomes an error code in one place, am_proto_errno_code(). Node
 * arguments are checked against each type's table (node.h) and handed
 * to the node as plain values, never as JSON.
 * Control thread only.
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "cmd.h"
#include "cmd_clock.h"
#include "cmd_subscribe.h"
#include "cmd_wait.h"
#include "edit.h"
#include "engine.h"
#include "ev.h"
#include "events.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "req.h"
#include "stats.h"
#include "util.h"

#define CMD_ERRLEN	256
#define CMD_STR_MAX	4096		/* longest string argument */
#define CMD_RENDER_MAX	86400.0		/* seconds */
#define CMD_RECLAIM_NS	(20 * 1000000ULL)

static struct engine *cmd_engine;	/* borrowed: main */
static double cmd_render_secs;		/* --render: start renders this */

static int cmd_stats_slot;
static int cmd_script;			/* handling a --render script line */
static int cmd_quitting;			/* the daemon is asked to end */
static int cmd_orphans_left;		/* cmd_orphans has work left */
static struct ev_timer cmd_reclaim_timer;
static int cmd_orphans(void);
static void cmd_reclaim_cb(void *arg);
static int cmd_reclaim_want(void *arg);
static int cmd_created(const struct req_peer *c);
static int cmd_rings_over(size_t bytes, char *err, size_t errlen);
/* Resolved file arguments, valid while a request is being handled. */
static char cmd_paths[NODE_ARG_MAX][PATH_MAX];		/* the stats command's interval */

void
cmd_init(struct engine *e, double render_seconds)
{
	cmd_engine = e;
	cmd_render_secs = render_seconds;
	cmd_wait_init(e);
	stats_init(e);
	cmd_stats_slot = stats_slot_new();
	cmd_clock_init(e);
	cmd_subscribe_init(e);
	ev_timer_add(&cmd_reclaim_timer, CMD_RECLAIM_NS, cmd_reclaim_cb,
	    NULL);
	ev_timer_want(&cmd_reclaim_timer, cmd_reclaim_want);
}

/* Undo cmd_init's timers and waits. */
void
cmd_done(void)
{
	ev_timer_del(&cmd_reclaim_timer);
	cmd_subscribe_done();
	cmd_wait_done();
}

/* The daemon is asked to end: the control loop stops. */
void
cmd_quit(void)
{
	cmd_quitting = 1;
}

int
cmd_quit_requested(void)
{
	return cmd_quitting;
}

/*
 * A connection closes: its subscriptions end and the nodes it owned go
 * (at once, or once drained for those that play out what they hold).
 */
static void
cmd_client_gone(struct req_peer *c)
{
	struct node *n;

	cmd_wait_gone(c);
	cmd_subscribe_gone(c);
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

/*
 * Read a node field, the one place a request names a node: a number
 * (an id, 1 to 2^32-1) or a string, the name of a node in the graph
 * (or a decimal id: names are never numbers). A number need not name
 * an existing node (callers say "no node N"); a name must. 0, or
 * -errno with *reply set.
 */
static int
cmd_id(const cJSON *req, const char *field, uint32_t *id, cJSON **reply)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, field);
	struct node *n;
	long num;

	if (cJSON_IsString(v)) {
		if (am_parse_long(v->valuestring, 1, UINT32_MAX, &num) == 0) {
			*id = (uint32_t)num;
			return 0;
		}
		n = v->valuestring[0] != '\0' ? graph_node_named(
		    &cmd_engine->graph, v->valuestring) : NULL;
		if (n == NULL) {
			*reply = am_proto_err(req, AM_ERR_NOT_FOUND,
			    "no node named '%.64s'", v->valuestring);
			return -ENOENT;
		}
		*id = n->id;
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 1 || v->valuedouble > 4294967295.0 ||
	    v->valuedouble != floor(v->valuedouble)) {
		*reply = am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"%s\" must be a node id (an integer >= 1) or name",
		    field);
		return -EINVAL;
	}
	*id = (uint32_t)v->valuedouble;
	return 0;
}

/*
 * The optional "name" of create_node into buf (empty when absent):
 * valid (am_name_valid()) and not taken. 0, or -errno with *reply set.
 */
static int
cmd_new_name(const cJSON *req, char *buf, size_t len, cJSON **reply)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "name");
	char err[CMD_ERRLEN];

	buf[0] = '\0';
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v)) {
		*reply = am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"name\" must be a string");
		return -EINVAL;
	}
	if (am_name_valid(v->valuestring, err, sizeof(err)) < 0) {
		*reply = am_proto_err(req, AM_ERR_BAD_REQUEST, "%s", err);
		return -EINVAL;
	}
	if (graph_node_named(&cmd_engine->graph, v->valuestring) != NULL) {
		*reply = am_proto_err(req, AM_ERR_STATE,
		    "a node named '%s' exists already", v->valuestring);
		return -EEXIST;
	}
	snprintf(buf, len, "%s", v->valuestring);
	return 0;
}

/*
 * A file argument through the policy. A --render script (no connection)
 * may name files relative to the daemon's directory; a client may not,
 * since its directory is not the daemon's.
 */
static int
cmd_path(const char *path, int create, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char cwd[PATH_MAX], abs[PATH_MAX + 8];

	if (path[0] != '/' && cmd_script && getcwd(cwd, sizeof(cwd)) != NULL &&
	    (size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, path) <
	    sizeof(abs))
		path = abs;
	return policy_path(path, create, out, outlen, err, errlen);
}

/* Check one argument value against its description. */
static int
cmd_arg_value(const struct node_argdesc *d0, const struct node_argdesc *d,
    const cJSON *j, struct node_val *v, char *err, size_t errlen)
{
	int i;

	switch (d->kind) {
	case NODE_ARG_NUM:
	case NODE_ARG_INT:
		if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble)) {
			snprintf(err, errlen, "%s: expected a number", d->name);
			return -EINVAL;
		}
		if (j->valuedouble < d->min || j->valuedouble > d->max) {
			snprintf(err, errlen, "%s: %g is out of range "
			    "[%g, %g]", d->name, j->valuedouble, d->min,
			    d->max);
			return -ERANGE;
		}
		if (d->kind == NODE_ARG_INT &&
		    j->valuedouble != floor(j->valuedouble)) {
			snprintf(err, errlen, "%s: expected an integer",
			    d->name);
			return -EINVAL;
		}
		v->num = j->valuedouble;
		return 0;
	case NODE_ARG_BOOL:
		if (!cJSON_IsBool(j)) {
			snprintf(err, errlen, "%s: expected true or false",
			    d->name);
			return -EINVAL;
		}
		v->num = cJSON_IsTrue(j);
		return 0;
	case NODE_ARG_FD:
		if (!cJSON_IsNumber(j) || j->valuedouble < 0 ||
		    j->valuedouble != floor(j->valuedouble) ||
		    j->valuedouble > 2147483647.0 ||
		    (j->valuedouble >= AM_SOCK_FD_MAX &&
		    strcmp(d->name, "memfd") != 0)) {
			snprintf(err, errlen, "%s: expected the index of a "
			    "passed descriptor (0 is the first)", d->name);
			return -EINVAL;
		}
		v->num = j->valuedouble;
		return 0;
	case NODE_ARG_PATH:
	case NODE_ARG_NEWPATH:
		if (!cJSON_IsString(j) || j->valuestring[0] == '\0') {
			snprintf(err, errlen, "%s: expected a file name",
			    d->name);
			return -EINVAL;
		}
		i = cmd_path(j->valuestring, d->kind == NODE_ARG_NEWPATH,
		    cmd_paths[d - d0], sizeof(cmd_paths[0]), err, errlen);
		if (i < 0)
			return i;
		v->str = cmd_paths[d - d0];
		return 0;
	case NODE_ARG_STR:
		if (!cJSON_IsString(j) || j->valuestring[0] == '\0' ||
		    strlen(j->valuestring) > CMD_STR_MAX) {
			snprintf(err, errlen, "%s: expected a non-empty string",
			    d->name);
			return -EINVAL;
		}
		v->str = j->valuestring;
		return 0;
	default:	/* NODE_ARG_ENUM */
		if (cJSON_IsString(j)) {
			for (i = 0; d->choices[i] != NULL; i++) {
				if (strcmp(d->choices[i], j->valuestring) == 0) {
					v->num = i;
					return 0;
				}
			}
		}
		snprintf(err, errlen, "%s: expected one of", d->name);
		for (i = 0; d->choices[i] != NULL; i++)
			snprintf(err + strlen(err), errlen - strlen(err),
			    "%s %s", i > 0 ? "," : "", d->choices[i]);
		return -EINVAL;
	}
}

/*
 * Turn a descriptor index into the descriptor passed beside the request.
 * The design card's "memfd":N names the only descriptor passed, whatever
 * number the client had for it.
 */
static int
cmd_arg_fd(struct req_peer *c, const struct node_argdesc *d,
    struct node_val *v, char *err, size_t errlen)
{
	int idx = (int)v->num;

	if (c == NULL || c->nfds == 0) {
		snprintf(err, errlen, "%s: no descriptor was passed with the "
		    "request (SCM_RIGHTS)", d->name);
		return -EBADF;
	}
	if (c->nfds == 1 && strcmp(d->name, "memfd") == 0)
		idx = 0;
	if (idx >= c->nfds || c->fds[idx] < 0) {
		snprintf(err, errlen, "%s: no passed descriptor %d (%d "
		    "passed)", d->name, idx, c->nfds);
		return -EBADF;
	}
	v->num = c->fds[idx];
	return 0;
}

/* After a successful init, the node owns the descriptors it took. */
static void
cmd_take_fds(struct req_peer *c, const struct node_ops *ops,
    const struct node_val *v, const int *given)
{
	int i, k;

	for (i = 0; i < ops->nargs; i++) {
		if (ops->args[i].kind != NODE_ARG_FD || !given[i])
			continue;
		for (k = 0; k < c->nfds; k++) {
			if (c->fds[k] == (int)v[i].num)
				c->fds[k] = -1;
		}
	}
}

/* The names of a type's arguments, for "unknown argument" errors. */
static void
cmd_arg_names(const struct node_ops *ops, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < ops->nargs; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		    i > 0 ? ", " : "", ops->args[i].name);
	if (ops->nargs == 0)
		snprintf(buf, len, "none");
}

/*
 * Check an args object against the type's table into v (defaults
 * first). live: only arguments that "set" may change. 0 or -errno.
 */
static int
cmd_args(struct req_peer *c, const struct node_ops *ops, const cJSON *args,
    struct node_val *v, int *given, int live, char *err, size_t errlen)
{
	const cJSON *j;
	char names[160];
	int i, rc;

	for (i = 0; i < ops->nargs; i++) {
		v[i].num = ops->args[i].def;
		v[i].str = NULL;
		given[i] = 0;
	}
	if (args != NULL && !cJSON_IsObject(args)) {
		snprintf(err, errlen, "\"args\" must be an object");
		return -EINVAL;
	}
	cJSON_ArrayForEach(j, args) {
		i = node_arg_find(ops, j->string);
		if (i < 0) {
			cmd_arg_names(ops, names, sizeof(names));
			snprintf(err, errlen, "%s takes no argument '%s' "
			    "(it takes: %s)", ops->type, j->string, names);
			return -EINVAL;
		}
		if (live && !ops->args[i].live) {
			snprintf(err, errlen, "%s: cannot change while the "
			    "node exists", j->string);
			return -EINVAL;
		}
		rc = cmd_arg_value(ops->args, &ops->args[i], j, &v[i], err,
		    errlen);
		if (rc < 0)
			return rc;
		if (ops->args[i].kind == NODE_ARG_FD &&
		    (rc = cmd_arg_fd(c, &ops->args[i], &v[i], err,
		    errlen)) < 0)
			return rc;
		given[i] = 1;
	}
	for (i = 0; !live && i < ops->nargs; i++) {
		if (ops->args[i].required && !given[i]) {
			snprintf(err, errlen, "%s needs \"%s\"", ops->type,
			    ops->args[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

/* An argument value as JSON, for "list". */
static cJSON *
cmd_arg_json(const struct node_argdesc *d, const struct node_val *v)
{
	switch (d->kind) {
	case NODE_ARG_BOOL:
		return cJSON_CreateBool(v->num != 0);
	case NODE_ARG_STR:
	case NODE_ARG_PATH:
	case NODE_ARG_NEWPATH:
		return cJSON_CreateString(v->str != NULL ? v->str : "");
	case NODE_ARG_ENUM:
		return cJSON_CreateString(d->choices[(int)v->num]);
	default:
		return cJSON_CreateNumber(v->num);
	}
}

static cJSON *
cmd_ping(struct req_peer *c, const cJSON *req)
{
	cJSON *r = am_proto_ok(req);

	(void)c;
	cJSON_AddStringToObject(r, "name", AM_PROTO_NAME);
	cJSON_AddStringToObject(r, "version", AM_PROTO_VERSION);
	return r;
}

static cJSON *
cmd_device_json(void)
{
	struct dev_config *d = &cmd_engine->dev;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "backend", cmd_engine->backend->name);
	cJSON_AddBoolToObject(o, "open", cmd_engine->dev_open);
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddNumberToObject(o, "rate", d->rate);
	cJSON_AddNumberToObject(o, "channels", d->channels);
	cJSON_AddNumberToObject(o, "period", d->period);
	cJSON_AddNumberToObject(o, "buffer", d->period * d->periods);
	cJSON_AddStringToObject(o, "format", d->format);
	cJSON_AddBoolToObject(o, "capture", d->capture);
	if (d->capture)
		cJSON_AddStringToObject(o, "capture_name",
		    d->capture_name[0] != '\0' ? d->capture_name : d->name);
	return o;
}

static cJSON *
cmd_backend(struct req_peer *c, const cJSON *req)
{
	const cJSON *drv = cJSON_GetObjectItemCaseSensitive(req, "driver");
	const struct backend_ops *b;

	(void)c;
	if (!cJSON_IsString(drv))
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"driver\" must be \"alsa\", \"jack\" or \"null\"");
	b = backend_find(drv->valuestring);
	if (b == NULL) {
		if (strcmp(drv->valuestring, "alsa") == 0 ||
		    strcmp(drv->valuestring, "jack") == 0)
			return am_proto_err(req, AM_ERR_UNSUPPORTED,
			    "the %s backend is not available in this build",
			    drv->valuestring);
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "unknown driver '%s' (alsa, jack or null)",
		    drv->valuestring);
	}
	if (cmd_engine->state == ENGINE_RUNNING || engine_busy(cmd_engine))
		return am_proto_err(req, AM_ERR_STATE,
		    "stop the engine before changing the backend");
	if (b != cmd_engine->backend) {
		engine_close(cmd_engine);
		cmd_engine->backend = b;
	}
	return am_proto_ok(req);
}

/* An optional integer field in [min, max] into *out. */
static int
cmd_uint(const cJSON *req, const char *field, double min, double max,
    uint32_t *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, field);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < min || v->valuedouble > max) {
		snprintf(err, errlen, "\"%s\" must be an integer from %g "
		    "to %g", field, min, max);
		return -EINVAL;
	}
	*out = (uint32_t)v->valuedouble;
	return 0;
}

/* An optional boolean field into *out, def when absent. */
static int
cmd_flag(const cJSON *req, const char *field, int def, int *out, char *err,
    size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, field);

	if (v != NULL && !cJSON_IsBool(v)) {
		snprintf(err, errlen, "\"%s\" must be true or false", field);
		return -EINVAL;
	}
	*out = v != NULL ? cJSON_IsTrue(v) : def;
	return 0;
}

static cJSON *
cmd_device_open(struct req_peer *c, const cJSON *req)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req, "name");
	const cJSON *cname = cJSON_GetObjectItemCaseSensitive(req,
	    "capture_name");
	struct dev_config cfg = cmd_engine->dev;
	char err[CMD_ERRLEN];
	cJSON *r;
	int rc, autoconnect;

	(void)c;
	if (name != NULL && (!cJSON_IsString(name) ||
	    name->valuestring[0] == '\0' ||
	    strlen(name->valuestring) >= sizeof(cfg.name)))
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"name\" must be a device name of 1 to %zu bytes",
		    sizeof(cfg.name) - 1);
	if (cname != NULL && (!cJSON_IsString(cname) ||
	    cname->valuestring[0] == '\0' ||
	    strlen(cname->valuestring) >= sizeof(cfg.capture_name)))
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"capture_name\" must be a device name of 1 to %zu bytes",
		    sizeof(cfg.capture_name) - 1);
	if (cmd_uint(req, "rate", ENGINE_RATE_MIN, ENGINE_RATE_MAX,
	    &cfg.rate, err, sizeof(err)) < 0 ||
	    cmd_uint(req, "channels", 1, 2, &cfg.channels, err,
	    sizeof(err)) < 0 ||
	    cmd_uint(req, "period", RT_FRAMES_MIN, RT_FRAMES_MAX,
	    &cfg.period, err, sizeof(err)) < 0 ||
	    cmd_uint(req, "periods", 2, 8, &cfg.periods, err,
	    sizeof(err)) < 0)
		return am_proto_err(req, AM_ERR_BAD_REQUEST, "%s", err);
	if (cmd_flag(req, "strict", 0, &cfg.strict, err, sizeof(err)) < 0 ||
	    cmd_flag(req, "autoconnect", 1, &autoconnect, err,
	    sizeof(err)) < 0 ||
	    cmd_flag(req, "capture", cname != NULL, &cfg.capture, err,
	    sizeof(err)) < 0)
		return am_proto_err(req, AM_ERR_BAD_REQUEST, "%s", err);
	cfg.noconnect = !autoconnect;
	snprintf(cfg.capture_name, sizeof(cfg.capture_name), "%s",
	    cname != NULL ? cname->valuestring : "");
	if (cmd_engine->state == ENGINE_RUNNING || engine_busy(cmd_engine))
		return am_proto_err(req, AM_ERR_STATE,
		    "stop the engine before opening a device");
	if (name != NULL)
		snprintf(cfg.name, sizeof(cfg.name), "%s", name->valuestring);
	rc = engine_open(cmd_engine, &cfg, err, sizeof(err));
	if (rc < 0)
		return am_proto_err(req, AM_ERR_DEVICE, "%s", err);
	r = am_proto_ok(req);
	cJSON_AddItemToObject(r, "device", cmd_device_json());
	return r;
}

static cJSON *
cmd_device_close(struct req_peer *c, const cJSON *req)
{
	(void)c;
	if (cmd_engine->state == ENGINE_RUNNING || engine_busy(cmd_engine))
		return am_proto_err(req, AM_ERR_STATE,
		    "stop the engine before closing the device");
	engine_close(cmd_engine);
	return am_proto_ok(req);
}

static cJSON *
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
	if (ops->flags & NODE_LATER)
		return am_proto_err(req, AM_ERR_UNSUPPORTED,
		    "%s nodes are not available in this build", ops->type);
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
		if (ops->args[i].kind != NODE_ARG_FD)
			cJSON_AddItemToObject(n->args, ops->args[i].name,
			    cmd_arg_json(&ops->args[i], &v[i]));
	}
	graph_add(&cmd_engine->graph, n);
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

static cJSON *
cmd_connect(struct req_peer *c, const cJSON *req)
{
	return cmd_link(c, req, 1);
}

static cJSON *
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
static int
cmd_created(const struct req_peer *c)
{
	struct node *n;
	int count = 0;

	for (n = cmd_engine->graph.nodes; n != NULL; n = n->next)
		count += n->creator == c;
	return count;
}

static cJSON *
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
static int
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
	return cmd_orphans_left || engine_garbage(cmd_engine);
}

static cJSON *
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
	    am_ring_space(&cmd_engine->rt.cmds) < (size_t)queued)
		return am_proto_err(req, AM_ERR_QUOTA,
		    "too many changes in flight; try again");
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
 * Render secs seconds of the graph. From a client: on the render
 * thread, answered when it ended (deferred: NULL). From a --render
 * script: here and now.
 */
static cJSON *
cmd_render_frames(struct req_peer *c, const cJSON *req, double secs)
{
	char err[CMD_ERRLEN];
	uint64_t frames;
	cJSON *r;
	int rc;

	frames = (uint64_t)llround(secs * cmd_engine->dev.rate);
	if (c != NULL) {
		if (engine_render_begin(cmd_engine, frames, err,
		    sizeof(err)) < 0)
			return am_proto_err(req, AM_ERR_STATE, "%s", err);
		cmd_wait_add(c, req, 1, frames, secs);
		events_state();
		return NULL;
	}
	rc = engine_render(cmd_engine, frames, err, sizeof(err));
	events_node_errors();	/* a sink that failed after the last period */
	if (rc < 0)
		return am_proto_err(req, AM_ERR_STATE, "%s", err);
	r = am_proto_ok(req);
	cJSON_AddNumberToObject(r, "frames", (double)frames);
	cJSON_AddNumberToObject(r, "seconds", secs);
	return r;
}

/* Refuse what needs the engine idle while a render or stop finishes. */
static cJSON *
cmd_busy(const cJSON *req)
{
	return am_proto_err(req, AM_ERR_STATE, "the engine is %s; wait for "
	    "it", engine_state_name(cmd_engine->state));
}

static cJSON *
cmd_start(struct req_peer *c, const cJSON *req)
{
	char err[CMD_ERRLEN];
	cJSON *r;

	if (cmd_render_secs > 0) {
		r = cmd_render_frames(NULL, req, cmd_render_secs);
		cmd_quit();
		return r;
	}
	(void)c;
	if (cmd_engine->state == ENGINE_RUNNING)
		return am_proto_ok(req);
	if (engine_busy(cmd_engine))
		return cmd_busy(req);
	if (engine_start(cmd_engine, err, sizeof(err)) < 0)
		return am_proto_err(req, AM_ERR_DEVICE, "%s", err);
	events_state();
	return am_proto_ok(req);
}

/*
 * Stop the engine, or end a render early. From a client, a stop that
 * must wait (JACK deactivating, file sinks flushing) is answered once
 * done (deferred: NULL); other clients are served meanwhile.
 */
static cJSON *
cmd_stop(struct req_peer *c, const cJSON *req)
{
	if (cmd_engine->state == ENGINE_STOPPED)
		return am_proto_ok(req);
	if (c == NULL) {
		engine_stop(cmd_engine);
		events_node_errors();	/* a sink that failed after the last period */
		events_state();
		return am_proto_ok(req);
	}
	if (engine_stop_begin(cmd_engine)) {
		cmd_wait_add(c, req, 0, 0, 0.0);
		return NULL;
	}
	events_node_errors();
	events_state();
	return am_proto_ok(req);
}

static cJSON *
cmd_render(struct req_peer *c, const cJSON *req)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(req, "seconds");

	if (!cJSON_IsNumber(s) || !isfinite(s->valuedouble) ||
	    s->valuedouble <= 0 || s->valuedouble > CMD_RENDER_MAX)
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "\"seconds\" must be a number above 0 and at most %g",
		    CMD_RENDER_MAX);
	if (cmd_engine->state == ENGINE_RUNNING)
		return am_proto_err(req, AM_ERR_STATE,
		    "stop the engine before rendering");
	if (engine_busy(cmd_engine))
		return cmd_busy(req);
	return cmd_render_frames(c, req, s->valuedouble);
}

static cJSON *
cmd_list(struct req_peer *c, const cJSON *req)
{
	struct graph *g = &cmd_engine->graph;
	cJSON *r, *nodes, *links, *o;
	struct node *n;
	int i;

	(void)c;
	r = am_proto_ok(req);
	cJSON_AddStringToObject(r, "state",
	    engine_state_name(cmd_engine->state));
	cJSON_AddItemToObject(r, "device", cmd_device_json());
	nodes = cJSON_AddArrayToObject(r, "nodes");
	for (n = g->nodes; n != NULL; n = n->next) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", n->id);
		if (n->name[0] != '\0')
			cJSON_AddStringToObject(o, "name", n->name);
		cJSON_AddStringToObject(o, "type", n->ops->type);
		cJSON_AddItemToObject(o, "args", cJSON_Duplicate(n->args, 1));
		if (n->bypassed)
			cJSON_AddBoolToObject(o, "bypassed", 1);
		cJSON_AddItemToArray(nodes, o);
	}
	links = cJSON_AddArrayToObject(r, "links");
	for (i = 0; i < g->nlinks; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "from", g->links[i].from);
		cJSON_AddNumberToObject(o, "to", g->links[i].to);
		cJSON_AddItemToArray(links, o);
	}
	return r;
}

static cJSON *
cmd_stats_cmd(struct req_peer *c, const cJSON *req)
{
	cJSON *r = am_proto_ok(req), *s, *item;

	(void)c;
	s = stats_report(cmd_stats_slot, NULL);
	while ((item = s->child) != NULL) {
		cJSON_DetachItemViaPointer(s, item);
		cJSON_AddItemToObject(r, item->string, item);
	}
	cJSON_Delete(s);
	return r;
}

static const struct {
	const char *name;
	cJSON *(*fn)(struct req_peer *c, const cJSON *req);
} cmd_table[] = {
	{ "ping", cmd_ping },
	{ "backend", cmd_backend },
	{ "device_open", cmd_device_open },
	{ "device_close", cmd_device_close },
	{ "create_node", cmd_create_node },
	{ "connect", cmd_connect },
	{ "disconnect", cmd_disconnect },
	{ "destroy_node", cmd_destroy_node },
	{ "set", cmd_set },
	{ "start", cmd_start },
	{ "stop", cmd_stop },
	{ "render", cmd_render },
	{ "subscribe", cmd_subscribe },
	{ "unsubscribe", cmd_unsubscribe },
	{ "list", cmd_list },
	{ "stats", cmd_stats_cmd },
	{ "clock", cmd_clock },		/* cmd_clock.c */
	{ "clock_map", cmd_clock_map },
};

/*
 * Answer one request object from client c (NULL: a --render script).
 * Always returns a reply; the caller sends and frees it.
 */
cJSON *
cmd_dispatch(struct req_peer *c, const cJSON *req)
{
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	cJSON *r;
	size_t i;

	if (!cJSON_IsString(cmd))
		return am_proto_err(req, AM_ERR_BAD_REQUEST,
		    "a request needs \"cmd\", a string");
	for (i = 0; i < AM_NELEM(cmd_table); i++) {
		if (strcmp(cmd_table[i].name, cmd->valuestring) == 0) {
			cmd_script = c == NULL;
			r = cmd_table[i].fn(c, req);
			cmd_script = 0;
			return r;
		}
	}
	return am_proto_err(req, AM_ERR_UNKNOWN_CMD, "unknown command '%.64s'",
	    cmd->valuestring);
}

/* The commands, as the connection layer calls them (ctl_init). */
const struct req_handler cmd_handler = {
	.request = cmd_dispatch,
	.gone = cmd_client_gone,
};
