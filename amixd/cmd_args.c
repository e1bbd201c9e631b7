/* SPDX-License-Identifier: MIT */
/*
 * The argument schema: how a request's fields are read and checked
 * before anything changes. A node field (cmd_id) is an id or a name; a
 * new node's name must not look like an id or be taken (cmd_new_name);
 * a node's arguments are checked against its type's table (node.h):
 * each value's kind and range, the default of one left out, a path
 * through the policy (policy.c: relative to the daemon's directory, or
 * a --render script's), a descriptor picked from those passed with the
 * request (cmd_arg_fd), a list of channels or a matrix of gains (at
 * most 64 by 64, checked whole: cmd_arg_list, cmd_arg_matrix). Values
 * reach the node's init as plain values
 * (struct node_val), never as JSON; cmd_arg_json turns them back for
 * "list". Control thread only.
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd_impl.h"
#include "engine.h"
#include "policy.h"
#include "proto.h"
#include "req.h"
#include "util.h"

#define CMD_STR_MAX	4096		/* longest string argument */

/* Resolved file arguments, valid while a request is being handled. */
static char cmd_paths[NODE_ARG_MAX][PATH_MAX];
/* Parsed LIST and MATRIX arguments, likewise. */
static struct node_array cmd_arrays[NODE_ARG_MAX];

/*
 * Read a node field, the one place a request names a node: a number
 * (an id, 1 to 2^32-1) or a string, the name of a node in the graph
 * (or a decimal id: names are never numbers). A number need not name
 * an existing node (callers say "no node N"); a name must. 0, or
 * -errno with *reply set.
 */
int
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
int
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

/*
 * A LIST argument: a JSON array of 1 to AM_CH_MAX entries, each a
 * channel index (an integer from 0 to AM_CH_MAX - 1) or a position
 * name (lib/chlayout.h), into a. 0 or -errno with err.
 */
static int
cmd_arg_list(const struct node_argdesc *d, const cJSON *j,
    struct node_array *a, char *err, size_t errlen)
{
	const cJSON *e;
	int n = 0, pos;

	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) < 1 ||
	    cJSON_GetArraySize(j) > AM_CH_MAX) {
		snprintf(err, errlen, "%s: expected an array of 1 to %d "
		    "channel indices or position names", d->name, AM_CH_MAX);
		return -EINVAL;
	}
	a->rows = 1;
	cJSON_ArrayForEach(e, j) {
		if (cJSON_IsString(e)) {
			if ((pos = am_pos_find(e->valuestring)) < 0) {
				snprintf(err, errlen, "%s: entry %d: unknown "
				    "position '%.32s'", d->name, n,
				    e->valuestring);
				return -EINVAL;
			}
			a->idx[n++] = -1 - pos;
			continue;
		}
		if (!cJSON_IsNumber(e) || !(e->valuedouble >= 0) ||
		    e->valuedouble >= AM_CH_MAX ||
		    e->valuedouble != floor(e->valuedouble)) {
			snprintf(err, errlen, "%s: entry %d: expected a channel "
			    "index from 0 to %d or a position name", d->name,
			    n, AM_CH_MAX - 1);
			return -EINVAL;
		}
		a->idx[n++] = (int32_t)e->valuedouble;
	}
	a->cols = (uint32_t)n;
	return 0;
}

/*
 * A MATRIX argument: a JSON array of 1 to AM_CH_MAX rows, each an array
 * of the same number (1 to AM_CH_MAX) of finite numbers in [min, max],
 * into a. 0 or -errno with err.
 */
static int
cmd_arg_matrix(const struct node_argdesc *d, const cJSON *j,
    struct node_array *a, char *err, size_t errlen)
{
	const cJSON *row, *e;
	uint32_t r = 0, c;

	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) < 1 ||
	    cJSON_GetArraySize(j) > AM_CH_MAX) {
		snprintf(err, errlen, "%s: expected an array of 1 to %d rows "
		    "(one per output channel) of gains", d->name, AM_CH_MAX);
		return -EINVAL;
	}
	a->rows = (uint32_t)cJSON_GetArraySize(j);
	a->cols = 0;
	cJSON_ArrayForEach(row, j) {
		if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) < 1 ||
		    cJSON_GetArraySize(row) > AM_CH_MAX) {
			snprintf(err, errlen, "%s: row %u: expected an array of "
			    "1 to %d gains (one per input channel)", d->name, r,
			    AM_CH_MAX);
			return -EINVAL;
		}
		if (r > 0 && (uint32_t)cJSON_GetArraySize(row) != a->cols) {
			snprintf(err, errlen, "%s: row %u has %d gains, row 0 "
			    "%u: every row needs one per input channel",
			    d->name, r, cJSON_GetArraySize(row), a->cols);
			return -EINVAL;
		}
		a->cols = (uint32_t)cJSON_GetArraySize(row);
		c = 0;
		cJSON_ArrayForEach(e, row) {
			if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) ||
			    e->valuedouble < d->min ||
			    e->valuedouble > d->max) {
				snprintf(err, errlen, "%s: row %u, column %u: "
				    "expected a finite gain from %g to %g",
				    d->name, r, c, d->min, d->max);
				return -EINVAL;
			}
			a->m[r * a->cols + c++] = (float)e->valuedouble;
		}
		r++;
	}
	return 0;
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
	case NODE_ARG_LIST:
	case NODE_ARG_MATRIX:
		memset(&cmd_arrays[d - d0], 0, sizeof(cmd_arrays[0]));
		i = d->kind == NODE_ARG_LIST ? cmd_arg_list(d, j,
		    &cmd_arrays[d - d0], err, errlen) : cmd_arg_matrix(d, j,
		    &cmd_arrays[d - d0], err, errlen);
		if (i < 0)
			return i;
		v->arr = &cmd_arrays[d - d0];
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
void
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
int
cmd_args(struct req_peer *c, const struct node_ops *ops, const cJSON *args,
    struct node_val *v, int *given, int live, char *err, size_t errlen)
{
	const cJSON *j;
	char names[160];
	int i, rc;

	for (i = 0; i < ops->nargs; i++) {
		v[i].num = ops->args[i].def;
		v[i].str = NULL;
		v[i].arr = NULL;
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

/* A LIST or MATRIX argument as JSON again, for "list". */
static cJSON *
cmd_arg_array_json(const struct node_argdesc *d, const struct node_array *a)
{
	cJSON *j = cJSON_CreateArray(), *row;
	uint32_t r, c;

	if (a == NULL)
		return j;
	if (d->kind == NODE_ARG_LIST) {
		for (c = 0; c < a->cols; c++)
			cJSON_AddItemToArray(j, a->idx[c] >= 0 ?
			    cJSON_CreateNumber(a->idx[c]) : cJSON_CreateString(
			    am_pos_name(-1 - a->idx[c])));
		return j;
	}
	for (r = 0; r < a->rows; r++) {
		row = cJSON_CreateArray();
		for (c = 0; c < a->cols; c++)
			cJSON_AddItemToArray(row, cJSON_CreateNumber(
			    a->m[r * a->cols + c]));
		cJSON_AddItemToArray(j, row);
	}
	return j;
}

/* An argument value as JSON, for "list". */
cJSON *
cmd_arg_json(const struct node_argdesc *d, const struct node_val *v)
{
	switch (d->kind) {
	case NODE_ARG_LIST:
	case NODE_ARG_MATRIX:
		return cmd_arg_array_json(d, v->arr);
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

/* An optional integer field in [min, max] into *out. */
int
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
int
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
