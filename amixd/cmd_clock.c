/* SPDX-License-Identifier: MIT */
/*
 * The audio clock on the protocol: {"cmd":"clock"} answers when an
 * engine frame is heard (aclock.c keeps the loop); the "clock" event
 * class sends the same at each subscriber's clock_interval and at once
 * when the clock restarts (an xrun, a start, a new rate or period, a
 * jump of the device time), marked "discont":true with the reason; and
 * {"cmd":"clock_map"} passes the clock page, so a client reads the time
 * with no system call at all (lib/aclock_page.c, amixd(7)).
 *
 * The page is a memfd of one page, mapped shared by the engine before
 * the real-time thread ever runs and then sealed: it can neither shrink
 * nor grow, and F_SEAL_FUTURE_WRITE refuses every later writable
 * mapping and write(2), while the engine's own mapping stays writable.
 * A client gets a descriptor reopened read-only through /proc (or a
 * duplicate where /proc is missing): it can map the page PROT_READ and
 * nothing else. Control thread only; the RT thread writes the page.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aclock.h"
#include "clock.h"
#include "cmd_clock.h"
#include "engine.h"
#include "log.h"
#include "proto.h"
#include "req.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010	/* Linux 5.1 */
#endif

static struct engine *cmd_clock_engine;	/* borrowed: main */
static int cmd_clock_fd = -1;		/* the sealed page, or -1 */
static char cmd_clock_why[128];		/* why there is no page */

/*
 * Control, at start-up, before any real-time thread: make the shared
 * page and have the clock publish there. Without it (no memfd, no
 * sealing) the clock still answers requests and events; clock_map
 * says why it cannot.
 */
void
cmd_clock_init(struct engine *e)
{
	void *p;
	int fd;

	cmd_clock_engine = e;
	fd = memfd_create("amixd-clock", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		snprintf(cmd_clock_why, sizeof(cmd_clock_why),
		    "memfd_create: %s", strerror(errno));
		goto bad;
	}
	if (ftruncate(fd, AM_CLOCK_PAGE_SIZE) < 0) {
		snprintf(cmd_clock_why, sizeof(cmd_clock_why),
		    "ftruncate: %s", strerror(errno));
		goto bad_close;
	}
	p = mmap(NULL, AM_CLOCK_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (p == MAP_FAILED) {
		snprintf(cmd_clock_why, sizeof(cmd_clock_why), "mmap: %s",
		    strerror(errno));
		goto bad_close;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0) {
		snprintf(cmd_clock_why, sizeof(cmd_clock_why),
		    "sealing: %s", strerror(errno));
		munmap(p, AM_CLOCK_PAGE_SIZE);
		goto bad_close;
	}
	/* Kept mapped until exit: the RT thread may write it any time. */
	aclock_attach(&e->rt.clock, p);
	cmd_clock_fd = fd;
	return;
bad_close:
	close(fd);
bad:
	logx(1, "clock page: %s", cmd_clock_why);
}

/* The clock's values into o, as the reply and the event have them. */
static void
cmd_clock_put(cJSON *o, const struct am_clock *k)
{
	int running = k->running &&
	    cmd_clock_engine->state == ENGINE_RUNNING;

	cJSON_AddNumberToObject(o, "frames", (double)k->frames);
	cJSON_AddNumberToObject(o, "time_ns", (double)k->time_ns);
	cJSON_AddNumberToObject(o, "rate", k->rate);
	cJSON_AddNumberToObject(o, "latency_frames", k->latency);
	cJSON_AddNumberToObject(o, "input_latency_frames", k->in_latency);
	cJSON_AddNumberToObject(o, "period", k->period);
	cJSON_AddNumberToObject(o, "nominal_rate", k->nominal);
	cJSON_AddNumberToObject(o, "device_frames", (double)k->dev_frames);
	cJSON_AddNumberToObject(o, "measured_ns", (double)k->meas_ns);
	cJSON_AddNumberToObject(o, "raw_ns", (double)k->raw_ns);
	cJSON_AddBoolToObject(o, "running", running);
	cJSON_AddNumberToObject(o, "discontinuities", (double)k->discont);
	cJSON_AddStringToObject(o, "reason", am_clock_reasons[k->reason]);
	cJSON_AddNumberToObject(o, "jitter_ns", (double)k->jitter_ns);
	cJSON_AddNumberToObject(o, "jitter_max_ns", (double)k->jitter_max_ns);
	cJSON_AddNumberToObject(o, "updates", (double)k->updates);
	cJSON_AddNumberToObject(o, "now_ns", (double)am_clock_ns());
}

/* The clock now, or -EAGAIN (never seen: the writer is a thread here). */
static int
cmd_clock_get(struct am_clock *k)
{
	memset(k, 0, sizeof(*k));
	return am_clock_page_load(cmd_clock_engine->rt.clock.page, k);
}

/* A clock event; discont says whether the clock just restarted. */
static cJSON *
cmd_clock_event(int discont)
{
	struct am_clock k;
	cJSON *ev;

	if (cmd_clock_get(&k) < 0)
		return NULL;
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "event", "clock");
	cJSON_AddBoolToObject(ev, "discont", discont);
	cmd_clock_put(ev, &k);
	return ev;
}

/* {"cmd":"clock"}: when engine frame "frames" is heard, and more. */
cJSON *
cmd_clock(struct req_peer *c, const cJSON *req)
{
	struct am_clock k;
	cJSON *r;

	(void)c;
	if (cmd_clock_get(&k) < 0)
		return am_proto_err(req, AM_ERR_INTERNAL,
		    "the clock is being written");
	r = am_proto_ok(req);
	cmd_clock_put(r, &k);
	return r;
}

/*
 * {"cmd":"clock_map"}: the reply carries a read-only descriptor of the
 * clock page (SCM_RIGHTS, with the reply line's first byte) and the
 * page's size and version.
 */
cJSON *
cmd_clock_map(struct req_peer *c, const cJSON *req)
{
	char path[64];
	struct am_clock k;
	cJSON *r;
	int fd;

	if (c == NULL)
		return am_proto_err(req, AM_ERR_STATE,
		    "clock_map needs a connection");
	if (cmd_clock_fd < 0)
		return am_proto_err(req, AM_ERR_UNSUPPORTED,
		    "no clock page: %s", cmd_clock_why);
	if (req_fd_queued(c))
		return am_proto_err(req, AM_ERR_STATE,
		    "the last clock page has not been sent yet");
	if (cmd_clock_get(&k) < 0)
		return am_proto_err(req, AM_ERR_INTERNAL,
		    "the clock is being written");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", cmd_clock_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = fcntl(cmd_clock_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return am_proto_err(req, AM_ERR_INTERNAL,
		    "cannot pass the clock page: %s", strerror(errno));
	c->reply_fd = fd;		/* sent with the reply */
	r = am_proto_ok(req);
	cJSON_AddNumberToObject(r, "size", AM_CLOCK_PAGE_SIZE);
	cJSON_AddNumberToObject(r, "version", AM_CLOCK_VERSION);
	cmd_clock_put(r, &k);
	return r;
}

/* The clock restarted (an RT_EV_CLOCK): tell the subscribers at once. */
void
cmd_clock_discont(void)
{
	cJSON *ev = cmd_clock_event(1);

	if (ev != NULL)
		req_event(REQ_EV_CLOCK, ev);
}

/*
 * From the telemetry tick (30 Hz): c's clock event when its interval is
 * due, else NULL. The caller sends and frees it.
 */
cJSON *
cmd_clock_tick(struct req_peer *c, uint64_t now)
{
	if (now < c->clock_due)
		return NULL;
	c->clock_due += c->clock_ns;
	if (c->clock_due <= now)
		c->clock_due = now + c->clock_ns;
	return cmd_clock_event(0);
}
