/* SPDX-License-Identifier: MIT */
/*
 * The protocol v0 commands: the table of requests (cmd_dispatch) and
 * the commands of the daemon as a whole: ping, backend, device_open,
 * device_close, start, stop, render, list and stats. The graph's
 * commands are in cmd_node.c, the argument schema in cmd_args.c,
 * subscriptions in cmd_subscribe.c, the clock's in cmd_clock.c, deferred
 * replies in cmd_wait.c. Each command takes a parsed request and returns
 * one reply object. Every request is validated completely before
 * anything changes, so a refused one leaves the graph, the device and
 * the engine as they were; when the last step, publishing a new plan,
 * fails, the graph is put back as it was (edit.c). A failure given as
 * -errno becomes an error code in one place, am_proto_errno_code(). A
 * command sees the connection its request came on only through req.h
 * (NULL: a --render script's line); the connection layer calls the
 * commands through cmd_handler. Control thread only.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "cmd_clock.h"
#include "cmd_impl.h"
#include "cmd_subscribe.h"
#include "cmd_wait.h"
#include "engine.h"
#include "events.h"
#include "log.h"
#include "proto.h"
#include "req.h"
#include "stats.h"
#include "util.h"

#define CMD_RENDER_MAX	86400.0		/* seconds */

struct engine *cmd_engine;		/* borrowed: main */
int cmd_script;				/* handling a --render script line */
static double cmd_render_secs;		/* --render: start renders this */
static int cmd_stats_slot;		/* the stats command's telemetry */
static int cmd_quitting;		/* the daemon is asked to end */

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
	cmd_node_init();
}

/* Undo cmd_init's timers and waits. */
void
cmd_done(void)
{
	cmd_node_done();
	cmd_subscribe_done();
	cmd_wait_done();
}

/* The daemon is asked to end: the control loop stops. */
void
cmd_quit(void)
{
	cmd_quitting = 1;
}

/* 1 once cmd_quit was called. */
int
cmd_quit_requested(void)
{
	return cmd_quitting;
}

/*
 * A connection closes: its deferred reply and subscriptions end and the
 * nodes it owned go (cmd_node_gone).
 */
static void
cmd_client_gone(struct req_peer *c)
{
	cmd_wait_gone(c);
	cmd_subscribe_gone(c);
	cmd_node_gone(c);
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
	cmd_device_layout_json(o, d);
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
	    cmd_device_channels(req, &cfg, err, sizeof(err)) < 0 ||
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

/*
 * A node's channels and layout as the last plan gave them (its output's;
 * a sink's input's), and "in_layout" when its input's differs.
 */
static void
cmd_list_layout(cJSON *o, const struct node *n)
{
	const struct am_layout *l = (n->ops->flags & NODE_SINK) ?
	    &n->in_layout : &n->out_layout;
	char buf[AM_CH_MAX * 8];

	if (l->n == 0)
		return;		/* in no plan yet */
	cJSON_AddNumberToObject(o, "channels", l->n);
	cJSON_AddStringToObject(o, "layout", am_layout_str(l, buf,
	    sizeof(buf)));
	if (!(n->ops->flags & (NODE_SINK | NODE_SOURCE)) &&
	    !am_layout_eq(&n->in_layout, &n->out_layout))
		cJSON_AddStringToObject(o, "in_layout", am_layout_str(
		    &n->in_layout, buf, sizeof(buf)));
}

/* A link between layouts: "convert": "FROM -> TO" (amixd(7)). */
static void
cmd_list_convert(cJSON *o, const struct node *a, const struct node *b)
{
	char from[AM_CH_MAX * 8], to[AM_CH_MAX * 8], both[AM_CH_MAX * 16 + 8];

	if (a == NULL || b == NULL || a->out_layout.n == 0 ||
	    b->in_layout.n == 0 || am_layout_eq(&a->out_layout,
	    &b->in_layout))
		return;
	snprintf(both, sizeof(both), "%s -> %s", am_layout_str(
	    &a->out_layout, from, sizeof(from)), am_layout_str(&b->in_layout,
	    to, sizeof(to)));
	cJSON_AddStringToObject(o, "convert", both);
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
		cmd_list_layout(o, n);
		if (n->bypassed)
			cJSON_AddBoolToObject(o, "bypassed", 1);
		cJSON_AddItemToArray(nodes, o);
	}
	links = cJSON_AddArrayToObject(r, "links");
	for (i = 0; i < g->nlinks; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "from", g->links[i].from);
		cJSON_AddNumberToObject(o, "to", g->links[i].to);
		cmd_list_convert(o, graph_node(g, g->links[i].from),
		    graph_node(g, g->links[i].to));
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
