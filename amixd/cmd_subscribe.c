/* SPDX-License-Identifier: MIT */
/*
 * Subscriptions: which event classes a peer receives (subscribe,
 * unsubscribe), and the reports that come on a period of the peer's
 * choosing: stats, levels and clock. A 30 Hz timer folds the meters
 * (stats_tick) and sends each peer the reports that are due; it runs
 * only while the engine runs or someone subscribed to stats or levels,
 * so an idle daemon does not wake. The telemetry slots a peer holds
 * (stats.c) are given back when it unsubscribes or goes. Control thread
 * only.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "cmd_clock.h"
#include "cmd_subscribe.h"
#include "engine.h"
#include "ev.h"
#include "policy.h"
#include "proto.h"
#include "req.h"
#include "stats.h"
#include "util.h"

#define CMD_SUBSCRIBE_ERRLEN	256
#define CMD_STATS_NS	1000000000ULL	/* default stats period */
#define CMD_LEVELS_NS	100000000ULL	/* default levels period */
#define CMD_CLOCK_NS	1000000000ULL	/* default clock period */

static struct engine *cmd_subscribe_engine;	/* borrowed: main */
static struct ev_timer cmd_subscribe_timer;

static const struct {
	const char *name;
	unsigned mask;
} cmd_events[] = {
	{ "state", REQ_EV_STATE },
	{ "xrun", REQ_EV_XRUN },
	{ "stats", REQ_EV_STATS },
	{ "levels", REQ_EV_LEVELS },
	{ "node", REQ_EV_NODE },
	{ "watchdog", REQ_EV_WATCHDOG },
	{ "clock", REQ_EV_CLOCK },
};

#define CMD_EVENT_NAMES	"state, xrun, stats, levels, node, watchdog, clock"

/* The mask of an "events" array; -EINVAL with a message if bad. */
static int
cmd_event_mask(const cJSON *req, unsigned *mask, char *err, size_t errlen)
{
	const cJSON *evs = cJSON_GetObjectItemCaseSensitive(req, "events");
	const cJSON *e;
	size_t i;

	*mask = 0;
	if (!cJSON_IsArray(evs) || evs->child == NULL) {
		snprintf(err, errlen, "\"events\" must be a non-empty array "
		    "of: %s", CMD_EVENT_NAMES);
		return -EINVAL;
	}
	cJSON_ArrayForEach(e, evs) {
		for (i = 0; i < AM_NELEM(cmd_events); i++) {
			if (cJSON_IsString(e) &&
			    strcmp(e->valuestring, cmd_events[i].name) == 0)
				break;
		}
		if (i == AM_NELEM(cmd_events)) {
			snprintf(err, errlen, "unknown event %.32s (%s)",
			    cJSON_IsString(e) ? e->valuestring :
			    "(not a string)", CMD_EVENT_NAMES);
			return -EINVAL;
		}
		*mask |= cmd_events[i].mask;
	}
	return 0;
}

static cJSON *
cmd_events_json(unsigned mask)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < AM_NELEM(cmd_events); i++) {
		if (mask & cmd_events[i].mask)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(cmd_events[i].name));
	}
	return a;
}

/* An optional interval field in seconds, [min, 3600], into *ns. */
static int
cmd_interval(const cJSON *req, const char *field, double min, uint64_t *ns,
    char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, field);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < min || v->valuedouble > 3600) {
		snprintf(err, errlen, "\"%s\" must be seconds from %g to "
		    "3600", field, min);
		return -EINVAL;
	}
	*ns = (uint64_t)(v->valuedouble * 1e9);
	return 0;
}

/* Take a telemetry slot for *slot if it has none. */
static int
cmd_slot(int *slot)
{
	if (*slot < 0)
		*slot = stats_slot_new();
	return *slot < 0 ? -ENOSPC : 0;
}

/*
 * Subscribe to events. "interval" sets the stats period (default 1 s),
 * "levels_interval" the levels period (default 0.1 s, at least 1/30),
 * "clock_interval" the clock period (default 1 s, at least 1/30).
 */
cJSON *
cmd_subscribe(struct req_peer *c, const cJSON *req)
{
	uint64_t sns = CMD_STATS_NS, lns = CMD_LEVELS_NS, cns = CMD_CLOCK_NS;
	char err[CMD_SUBSCRIBE_ERRLEN];
	unsigned mask;
	cJSON *r;

	if (cmd_event_mask(req, &mask, err, sizeof(err)) < 0 ||
	    cmd_interval(req, "interval", 0.1, &sns, err, sizeof(err)) < 0 ||
	    cmd_interval(req, "levels_interval", 1.0 / 30, &lns, err,
	    sizeof(err)) < 0 ||
	    cmd_interval(req, "clock_interval", 1.0 / 30, &cns, err,
	    sizeof(err)) < 0)
		return am_proto_err(req, AM_ERR_BAD_REQUEST, "%s", err);
	if (c == NULL)
		return am_proto_err(req, AM_ERR_STATE,
		    "subscribe needs a connection");
	if (c->subs == 0 && req_subscribers() >= policy.subscribers)
		return am_proto_err(req, AM_ERR_QUOTA,
		    "%d subscribers already", policy.subscribers);
	if (((mask & REQ_EV_STATS) && cmd_slot(&c->stats_slot) < 0) ||
	    ((mask & REQ_EV_LEVELS) && cmd_slot(&c->levels_slot) < 0)) {
		if (!(c->subs & REQ_EV_STATS)) {
			stats_slot_del(c->stats_slot);
			c->stats_slot = -1;
		}
		return am_proto_err(req, AM_ERR_QUOTA,
		    "too many telemetry subscribers (%d)", STATS_SLOTS_MAX);
	}
	if (mask & REQ_EV_STATS) {
		c->stats_ns = sns;
		c->stats_due = am_clock_ns() + sns;
	}
	if (mask & REQ_EV_LEVELS) {
		c->levels_ns = lns;
		c->levels_due = am_clock_ns() + lns;
	}
	if (mask & REQ_EV_CLOCK) {
		c->clock_ns = cns;
		c->clock_due = am_clock_ns() + cns;
	}
	c->subs |= mask;
	r = am_proto_ok(req);
	cJSON_AddItemToObject(r, "events", cmd_events_json(c->subs));
	return r;
}

/* Unsubscribe from events; the slots of stats and levels go with them. */
cJSON *
cmd_unsubscribe(struct req_peer *c, const cJSON *req)
{
	char err[CMD_SUBSCRIBE_ERRLEN];
	unsigned mask = ~0U;
	cJSON *r;

	if (cJSON_GetObjectItemCaseSensitive(req, "events") != NULL &&
	    cmd_event_mask(req, &mask, err, sizeof(err)) < 0)
		return am_proto_err(req, AM_ERR_BAD_REQUEST, "%s", err);
	if (c == NULL)
		return am_proto_err(req, AM_ERR_STATE,
		    "unsubscribe needs a connection");
	c->subs &= ~mask;
	if (!(c->subs & REQ_EV_STATS)) {
		stats_slot_del(c->stats_slot);
		c->stats_slot = -1;
	}
	if (!(c->subs & REQ_EV_LEVELS)) {
		stats_slot_del(c->levels_slot);
		c->levels_slot = -1;
	}
	r = am_proto_ok(req);
	cJSON_AddItemToObject(r, "events", cmd_events_json(c->subs));
	return r;
}

/* A peer went: its telemetry slots are free again. */
void
cmd_subscribe_gone(struct req_peer *p)
{
	stats_slot_del(p->stats_slot);
	stats_slot_del(p->levels_slot);
	p->stats_slot = p->levels_slot = -1;
}

/* 30 times a second: fold meters, send the reports that are due. */
static void
cmd_subscribe_tick(void *arg)
{
	struct req_peer *p;
	uint64_t now;
	cJSON *ev;

	(void)arg;
	stats_tick();
	now = am_clock_ns();
	for (p = req_peer_next(NULL); p != NULL; p = req_peer_next(p)) {
		if ((p->subs & REQ_EV_STATS) && now >= p->stats_due) {
			/* Keep the period: no drift from tick rounding. */
			p->stats_due += p->stats_ns;
			if (p->stats_due <= now)
				p->stats_due = now + p->stats_ns;
			ev = stats_report(p->stats_slot, "stats");
			/* Sending may find the peer gone: skip it then. */
			if (req_event_to(p, ev) < 0)
				continue;
		}
		if ((p->subs & REQ_EV_LEVELS) && now >= p->levels_due) {
			p->levels_due += p->levels_ns;
			if (p->levels_due <= now)
				p->levels_due = now + p->levels_ns;
			ev = stats_levels(p->levels_slot, "levels");
			if (req_event_to(p, ev) < 0)
				continue;
		}
		if ((p->subs & REQ_EV_CLOCK) &&
		    (ev = cmd_clock_tick(p, now)) != NULL)
			req_event_to(p, ev);
	}
	req_free_closed();
}

/*
 * The tick runs only while it has work: meters move and reports fall
 * due while the engine runs or a peer subscribed to stats or levels.
 */
static int
cmd_subscribe_want(void *arg)
{
	struct req_peer *p;

	(void)arg;
	if (cmd_subscribe_engine->state != ENGINE_STOPPED)
		return 1;
	for (p = req_peer_next(NULL); p != NULL; p = req_peer_next(p)) {
		if (p->subs & (REQ_EV_STATS | REQ_EV_LEVELS))
			return 1;
	}
	return 0;
}

/* Set the report tick up (not yet running: it runs while it has work). */
void
cmd_subscribe_init(struct engine *e)
{
	cmd_subscribe_engine = e;
	ev_timer_add(&cmd_subscribe_timer, STATS_TICK_NS, cmd_subscribe_tick,
	    NULL);
	ev_timer_want(&cmd_subscribe_timer, cmd_subscribe_want);
}

/* Remove the report tick. */
void
cmd_subscribe_done(void)
{
	ev_timer_del(&cmd_subscribe_timer);
}
