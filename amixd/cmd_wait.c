/* SPDX-License-Identifier: MIT */
/*
 * Deferred replies: requests whose work outlives the callback that got
 * them (an offline render, a stop that waits for JACK or for file sinks
 * to reach the disk). The handler starts the work, registers its client
 * here and returns no reply; ctl then reads no further request from
 * that client, so its replies stay in order, while every other client
 * is served as usual. A timer polls engine_poll while the engine is busy
 * and, once the work ended, sends each waiting client its reply: a
 * render its result, a stop "ok". A client that goes away first is
 * forgotten; the work goes on. Control thread only.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "cmd_wait.h"
#include "engine.h"
#include "ev.h"
#include "events.h"
#include "proto.h"
#include "req.h"
#include "util.h"

#define CMD_WAIT_NS	(10 * 1000000ULL)	/* poll period */

struct cmd_waiter {
	struct req_peer *c;		/* borrowed: ctl, NULL once gone */
	cJSON *req;			/* owned: the request, for its tag */
	int render;			/* gets the render's result */
	uint64_t frames;		/* render: frames asked for */
	double secs;			/* render: seconds asked for */
};

static struct engine *cmd_wait_engine;	/* borrowed: main */
static struct ev_timer cmd_wait_timer;
static struct cmd_waiter *cmd_waiters;	/* waiting for this work */
static size_t cmd_nwaiters, cmd_waiters_cap;
static struct cmd_waiter *cmd_due;	/* being answered now */
static size_t cmd_ndue;

/* The reply a waiter gets once the work ended with rc (err). */
static cJSON *
cmd_wait_reply(const struct cmd_waiter *w, int rc, const char *err)
{
	cJSON *r;

	if (!w->render)
		return am_proto_ok(w->req);
	if (rc < 0)
		return am_proto_err(w->req, AM_ERR_STATE, "%s", err);
	r = am_proto_ok(w->req);
	cJSON_AddNumberToObject(r, "frames", (double)w->frames);
	cJSON_AddNumberToObject(r, "seconds", w->secs);
	return r;
}

/*
 * Move the work on; once it ended, answer every waiter. Returns
 * -EINPROGRESS while the work goes on, else 0. The timer calls it; so
 * may a test rig with no event loop (tests/fuzz/fz_graph.c).
 */
int
cmd_wait_poll(void)
{
	char err[256] = "";
	size_t i;
	int rc;

	rc = engine_poll(cmd_wait_engine, err, sizeof(err));
	if (rc == -EINPROGRESS)
		return rc;
	events_node_errors();	/* a sink that failed after the last period */
	events_state();
	/* Answering may run the next requests, which may wait again. */
	cmd_due = cmd_waiters;
	cmd_ndue = cmd_nwaiters;
	cmd_waiters = NULL;
	cmd_nwaiters = cmd_waiters_cap = 0;
	for (i = 0; i < cmd_ndue; i++) {
		if (cmd_due[i].c != NULL)
			req_reply_deferred(cmd_due[i].c,
			    cmd_wait_reply(&cmd_due[i], rc, err));
		cJSON_Delete(cmd_due[i].req);
	}
	free(cmd_due);
	cmd_due = NULL;
	cmd_ndue = 0;
	return 0;
}

/* Timer: see cmd_wait_poll. */
static void
cmd_wait_cb(void *arg)
{
	(void)arg;
	(void)cmd_wait_poll();
}

static int
cmd_wait_want(void *arg)
{
	(void)arg;
	return engine_busy(cmd_wait_engine);
}

void
cmd_wait_init(struct engine *e)
{
	cmd_wait_engine = e;
	ev_timer_add(&cmd_wait_timer, CMD_WAIT_NS, cmd_wait_cb, NULL);
	ev_timer_want(&cmd_wait_timer, cmd_wait_want);
}

void
cmd_wait_done(void)
{
	size_t i;

	for (i = 0; i < cmd_nwaiters; i++)
		cJSON_Delete(cmd_waiters[i].req);
	free(cmd_waiters);
	cmd_waiters = NULL;
	cmd_nwaiters = cmd_waiters_cap = 0;
	ev_timer_del(&cmd_wait_timer);
}

/*
 * Client c waits for the engine's work (render: its result, of frames
 * frames or secs seconds). The caller returns no reply to ctl.
 */
void
cmd_wait_add(struct req_peer *c, const cJSON *req, int render,
    uint64_t frames, double secs)
{
	struct cmd_waiter *w;

	if (cmd_nwaiters == cmd_waiters_cap) {
		cmd_waiters_cap = cmd_waiters_cap ? cmd_waiters_cap * 2 : 4;
		cmd_waiters = xrealloc(cmd_waiters, cmd_waiters_cap *
		    sizeof(*cmd_waiters));
	}
	w = &cmd_waiters[cmd_nwaiters++];
	w->c = c;
	w->req = cJSON_Duplicate(req, 1);
	w->render = render;
	w->frames = frames;
	w->secs = secs;
}

/* Client c is going away: nobody to answer. */
void
cmd_wait_gone(const struct req_peer *c)
{
	size_t i;

	for (i = 0; i < cmd_nwaiters; i++) {
		if (cmd_waiters[i].c == c)
			cmd_waiters[i].c = NULL;
	}
	for (i = 0; i < cmd_ndue; i++) {
		if (cmd_due[i].c == c)
			cmd_due[i].c = NULL;
	}
}
