/* SPDX-License-Identifier: MIT */
/*
 * What the daemon tells its clients of itself, unasked: the engine's
 * state, xruns, node events (end of file, a node's own underrun or
 * overrun, an error off the real-time thread) and the clock's restarts.
 * The real-time thread's events arrive on its ring and eventfd
 * (events_rt_cb reads them here, as events_rt_cb); a lost device is retried
 * here with a growing backoff while the graph and the control plane keep
 * working. Events go out through the connection layer's fan-out
 * (req_event, req.h) to the peers subscribed to their class. Control
 * thread only.
 */

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "cmd_clock.h"
#include "engine.h"
#include "ev.h"
#include "events.h"
#include "log.h"
#include "req.h"

#define EVENTS_RETRY_MIN_NS (100 * 1000000ULL)	/* device retry backoff */
#define EVENTS_RETRY_MAX_NS (2000 * 1000000ULL)

static struct engine *events_engine;	/* borrowed: main */
static struct ev_file *events_rt_ev;
static struct ev_timer events_retry_timer;
static uint64_t events_retry_ns, events_retry_due;

static void events_node_event(const struct rt_event *rev);

/* Tell state subscribers the engine's state. */
void
events_state(void)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "event", "state");
	cJSON_AddStringToObject(ev, "value",
	    engine_state_name(events_engine->state));
	req_event(REQ_EV_STATE, ev);
}

/*
 * While the device is lost, try to get it back with a growing backoff
 * (100 ms doubling to 2 s); the graph and control plane keep working.
 */
static void
events_retry_cb(void *arg)
{
	char err[256];
	uint64_t now = am_clock_ns();

	(void)arg;
	if (events_engine->state != ENGINE_LOST || now < events_retry_due)
		return;
	if (engine_recover(events_engine, err, sizeof(err)) == 0) {
		logx(1, "device back: running");
		events_state();
		req_free_closed();
		return;
	}
	logx(3, "device still gone: %s", err);
	events_retry_ns = events_retry_ns * 2 > EVENTS_RETRY_MAX_NS ?
	    EVENTS_RETRY_MAX_NS : events_retry_ns * 2;
	events_retry_due = now + events_retry_ns;
}

/* Events from the real-time thread. */
static void
events_rt_cb(void *arg, int revents)
{
	struct rt_event rev;
	uint64_t cnt, reconf;
	cJSON *ev;
	ssize_t rc;

	(void)arg;
	(void)revents;
	rc = read(events_engine->rt.evfd, &cnt, sizeof(cnt));
	(void)rc;
	reconf = atomic_exchange(&events_engine->rt.reconfig, 0);
	if (reconf != 0 && engine_on_device_changed(events_engine,
	    reconf >> 32, reconf & 0xffffffff) == 0)
		logx(2, "device now at %u Hz, period %u",
		    (unsigned)(reconf >> 32), events_engine->dev.period);
	if (atomic_exchange(&events_engine->rt.lost, 0) &&
	    events_engine->state == ENGINE_RUNNING) {
		logx(1, "device lost: retrying");
		engine_on_device_lost(events_engine);
		events_retry_ns = EVENTS_RETRY_MIN_NS;
		events_retry_due = am_clock_ns() + events_retry_ns;
		events_state();
	}
	while (am_queue_pop(&events_engine->rt.events, &rev) == 0) {
		if (rev.type == RT_EV_NODE) {
			events_node_event(&rev);
			continue;
		}
		if (rev.type == RT_EV_CLOCK) {
			cmd_clock_discont();
			continue;
		}
		if (rev.type != RT_EV_XRUN)
			continue;
		logx(3, "xrun: %llu us late", (unsigned long long)rev.a);
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", "xrun");
		cJSON_AddStringToObject(ev, "type",
		    rev.b == RT_XRUN_OVERRUN ? "overrun" : "underrun");
		cJSON_AddNumberToObject(ev, "usec", (double)rev.a);
		cJSON_AddNumberToObject(ev, "node", rev.node);
		cJSON_AddNumberToObject(ev, "pos", (double)rev.pos);
		req_event(REQ_EV_XRUN, ev);
	}
	req_free_closed();
}

/* The retry timer runs only while the device is lost. */
static int
events_retry_want(void *arg)
{
	(void)arg;
	return events_engine->state == ENGINE_LOST;
}

/*
 * A node failed at something it does off the real-time thread (a file
 * sink's write): log its message and send it as a node event of type
 * "error", once per node. Nothing for a node that is gone or has not
 * failed.
 */
static void
events_node_error(struct node *n)
{
	const char *msg;
	cJSON *ev;

	if (n == NULL || n->error_told || n->ops->error == NULL ||
	    (msg = n->ops->error(n->state)) == NULL)
		return;
	n->error_told = 1;
	logx(1, "%s", msg);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "event", "node");
	cJSON_AddNumberToObject(ev, "id", n->id);
	if (n->name[0] != '\0')
		cJSON_AddStringToObject(ev, "name", n->name);
	cJSON_AddStringToObject(ev, "type", "error");
	cJSON_AddStringToObject(ev, "message", msg);
	req_event(REQ_EV_NODE, ev);
}

/*
 * After a stop or a render, once file sinks are flushed: a failure that
 * came after the last period, which no NODE_EV_ERROR announced, is told
 * now.
 */
void
events_node_errors(void)
{
	struct node *n;

	for (n = events_engine->graph.nodes; n != NULL; n = n->next)
		events_node_error(n);
}

/* A node event from the RT thread, as protocol events. */
static void
events_node_event(const struct rt_event *rev)
{
	static const char *const kinds[] = {
		NULL, "eof", "underrun", "overrun"
	};
	struct node *n;
	cJSON *ev;

	if (rev->b == NODE_EV_WAKE) {
		n = graph_node(&events_engine->graph, rev->node);
		if (n != NULL && n->ops->wake != NULL)
			n->ops->wake(n->state);
		return;
	}
	if (rev->b == NODE_EV_ERROR) {
		events_node_error(graph_node(&events_engine->graph, rev->node));
		return;
	}
	if (rev->b == 0 || rev->b > NODE_EV_OVERRUN)
		return;
	ev = cJSON_CreateObject();
	if (rev->b == NODE_EV_EOF) {
		cJSON_AddStringToObject(ev, "event", "node");
		cJSON_AddNumberToObject(ev, "id", rev->node);
		n = graph_node(&events_engine->graph, rev->node);
		if (n != NULL && n->name[0] != '\0')
			cJSON_AddStringToObject(ev, "name", n->name);
		cJSON_AddStringToObject(ev, "type", kinds[rev->b]);
		req_event(REQ_EV_NODE, ev);
		return;
	}
	cJSON_AddStringToObject(ev, "event", "xrun");
	cJSON_AddStringToObject(ev, "type", kinds[rev->b]);
	cJSON_AddNumberToObject(ev, "usec", (double)(rev->a * 1000000 /
	    events_engine->dev.rate));
	cJSON_AddNumberToObject(ev, "node", rev->node);
	n = graph_node(&events_engine->graph, rev->node);
	if (n != NULL && n->name[0] != '\0')
		cJSON_AddStringToObject(ev, "name", n->name);
	cJSON_AddNumberToObject(ev, "frames", (double)rev->a);
	cJSON_AddNumberToObject(ev, "pos", (double)rev->pos);
	req_event(REQ_EV_XRUN, ev);
}

/* Listen to the real-time thread's events; retry a lost device. */
void
events_init(struct engine *e)
{
	events_engine = e;
	events_rt_ev = ev_file_new(e->rt.evfd, POLLIN, events_rt_cb, NULL);
	ev_timer_add(&events_retry_timer, EVENTS_RETRY_MIN_NS / 2,
	    events_retry_cb, NULL);
	ev_timer_want(&events_retry_timer, events_retry_want);
}

/* Stop listening and retrying. */
void
events_done(void)
{
	ev_file_del(events_rt_ev);
	ev_timer_del(&events_retry_timer);
}
