/* SPDX-License-Identifier: MIT */
/*
 * session: amcat's conversation with the daemon and its side of the
 * app ring. A request is one JSON line (lib/proto.c) whose reply must
 * be ok, else amcat says "amcat: what: message" and gives up; an app
 * node's create_node passes the ring's memory and takes back the read
 * end of the engine's wake pipe. cat_setup connects, reads the graph's
 * rate and period from "list" and picks the node to play to or record
 * from (lib/target.c, with record's own fallbacks: the first mixer,
 * else what feeds the first device_sink). cat_sleep is the one place
 * amcat waits for the engine: a blocking read of the wake pipe (or a
 * poll with a timeout), which also tells that the node was destroyed
 * (the ring says "closed") or the daemon is gone (the pipe's end).
 * cat_cleanup removes the nodes amcat made. One thread.
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "amcat.h"
#include "log.h"

/*
 * Send one request (printf-style), with nfds descriptors, and return
 * the reply if it is ok. Otherwise print "amcat: what: message" and
 * return NULL. With rfd, the descriptor passed with the reply lands
 * there (-1: none), the caller's to close.
 */
static cJSON *
cat_vreq(struct cat *c, const char *what, const int *fds, int nfds,
    int *rfd, const char *fmt, va_list ap)
{
	char line[1024];
	cJSON *reply;
	int rc;

	vsnprintf(line, sizeof(line), fmt, ap);
	rc = am_conn_request_fd(&c->conn, line, fds, nfds, &reply, rfd);
	if (rc < 0) {
		am_warn("%s: %s", what, rc == -EPIPE ?
		    "the daemon went away" : strerror(-rc));
		return NULL;
	}
	if (!am_proto_is_ok(reply)) {
		am_warn("%s: %s", what,
		    am_proto_err_message(reply));
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

cJSON *
cat_req(struct cat *c, const char *what, const int *fds, int nfds,
    const char *fmt, ...)
{
	cJSON *reply;
	va_list ap;

	va_start(ap, fmt);
	reply = cat_vreq(c, what, fds, nfds, NULL, fmt, ap);
	va_end(ap);
	return reply;
}

/*
 * create_node of an app node with "wake": true: the reply, with the
 * wake pipe's read end kept in c->wakefd; NULL (said why) otherwise.
 */
cJSON *
cat_app_req(struct cat *c, const char *what, const char *fmt, ...)
{
	int fds[1] = { c->ring.fd };
	cJSON *reply;
	va_list ap;

	va_start(ap, fmt);
	reply = cat_vreq(c, what, fds, 1, &c->wakefd, fmt, ap);
	va_end(ap);
	if (reply != NULL && c->wakefd < 0) {
		am_warn("%s: the daemon passed no wake "
		    "descriptor", what);
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

/* The id in a create_node reply, or 0. Frees the reply. */
uint32_t
cat_id(cJSON *reply)
{
	const cJSON *id;
	uint32_t v = 0;

	if (reply == NULL)
		return 0;
	id = cJSON_GetObjectItemCaseSensitive(reply, "id");
	if (cJSON_IsNumber(id))
		v = (uint32_t)id->valuedouble;
	cJSON_Delete(reply);
	return v;
}

/* The lowest id of a node of type, or 0. */
static uint32_t
cat_first(const cJSON *list, const char *type)
{
	const cJSON *n, *i, *t;

	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(list,
	    "nodes")) {
		i = cJSON_GetObjectItemCaseSensitive(n, "id");
		t = cJSON_GetObjectItemCaseSensitive(n, "type");
		if (cJSON_IsNumber(i) && cJSON_IsString(t) &&
		    strcmp(t->valuestring, type) == 0)
			return (uint32_t)i->valuedouble;
	}
	return 0;
}

/* The source of the first link into node to, or 0. */
static uint32_t
cat_feeder(const cJSON *list, uint32_t to)
{
	const cJSON *l, *f, *t;

	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(list,
	    "links")) {
		f = cJSON_GetObjectItemCaseSensitive(l, "from");
		t = cJSON_GetObjectItemCaseSensitive(l, "to");
		if (cJSON_IsNumber(f) && cJSON_IsNumber(t) &&
		    (uint32_t)t->valuedouble == to)
			return (uint32_t)f->valuedouble;
	}
	return 0;
}

/*
 * Connect and ask for the graph; pick the node to play to (record: to
 * record from). want is a node name or id, or NULL: play to the default
 * target (lib/target.c); record from the node named master, else the
 * first mixer, else what feeds the first device_sink. 0 or -1 (said
 * why).
 */
int
cat_setup(struct cat *c, const char *sock, const char *want, uint32_t *node,
    int record)
{
	const cJSON *dev, *rate, *period;
	char err[256];
	cJSON *list;
	int rc;

	if ((rc = am_conn_open(&c->conn, sock)) < 0) {
		am_warn("cannot connect to amixd: %s",
		    strerror(-rc));
		return -1;
	}
	if ((list = cat_req(c, "list", NULL, 0, "{\"cmd\":\"list\"}")) ==
	    NULL)
		return -1;
	dev = cJSON_GetObjectItemCaseSensitive(list, "device");
	rate = cJSON_GetObjectItemCaseSensitive(dev, "rate");
	c->graph_rate = cJSON_IsNumber(rate) ? (uint32_t)rate->valuedouble :
	    48000;
	period = cJSON_GetObjectItemCaseSensitive(dev, "period");
	c->period = cJSON_IsNumber(period) ? (uint32_t)period->valuedouble :
	    0;
	rc = 0;
	*node = 0;
	if (want != NULL || !record) {
		if (am_target_pick(list, want, node, err, sizeof(err)) < 0) {
			am_warn("%s", err);
			rc = -1;
		}
	} else if (am_target_pick(list, AM_TARGET_DEFAULT, node, err,
	    sizeof(err)) < 0) {
		*node = cat_first(list, "mixer");
		if (*node == 0)
			*node = cat_feeder(list, cat_first(list,
			    "device_sink"));
		if (*node == 0) {
			am_warn("the graph has no mixer and "
			    "nothing feeds a device_sink: give --from "
			    "NODE");
			rc = -1;
		}
	}
	cJSON_Delete(list);
	return rc;
}

/* Remove the nodes amcat made, newest first. */
void
cat_cleanup(struct cat *c)
{
	cJSON *r;

	if (c->conn.fd < 0)
		return;
	if (c->src_id != 0) {
		r = cat_req(c, "destroy_node", NULL, 0,
		    "{\"cmd\":\"destroy_node\",\"id\":%u}", c->src_id);
		cJSON_Delete(r);
	}
	if (c->gain_id != 0) {
		r = cat_req(c, "destroy_node", NULL, 0,
		    "{\"cmd\":\"destroy_node\",\"id\":%u}", c->gain_id);
		cJSON_Delete(r);
	}
	c->src_id = c->gain_id = 0;
}

/*
 * Sleep until the engine writes the wake pipe, lets go of it, a signal
 * comes, or timeout_ms passes (-1: no limit, one blocking read). The
 * waiting flag must be set and the level checked again by the caller
 * before. 0, or -1 when the daemon is gone or let go of the ring (said
 * why).
 */
int
cat_sleep(struct cat *c, int timeout_ms)
{
	struct pollfd pfd;
	char buf[64];
	ssize_t n = 1;

	if (timeout_ms >= 0) {
		pfd.fd = c->wakefd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
			am_warn("poll: %s",
			    strerror(errno));
			return -1;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			n = read(c->wakefd, buf, sizeof(buf));
	} else
		n = read(c->wakefd, buf, sizeof(buf));
	if (n < 0 && errno != EINTR) {
		am_warn("read: %s", strerror(errno));
		return -1;
	}
	if (atomic_load(&c->ring.hdr->closed)) {
		am_warn("our node was destroyed");
		c->src_id = 0;
		return -1;
	}
	if (n == 0) {
		/* The engine let go without closing the ring: it died. */
		am_warn("the daemon went away");
		close(c->conn.fd);
		c->conn.fd = -1;
		return -1;
	}
	return 0;
}

/* The smallest power of two >= n, at least AM_ARING_CAP_MIN. */
uint32_t
cat_pow2(uint32_t n)
{
	uint32_t p = AM_ARING_CAP_MIN;

	while (p < n && p < AM_ARING_CAP_MAX)
		p <<= 1;
	return p;
}

/* Make the ring. 0 or -1 (said why). */
int
cat_ring(struct cat *c, int producer, uint32_t cap, uint32_t low,
    uint32_t high)
{
	int rc;

	rc = am_aring_open(&c->ring, producer, c->format, c->channels,
	    c->rate, cap, low, high);
	if (rc < 0) {
		am_warn("cannot make the ring: %s",
		    strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * The ring's layout: --layout's, which must have its channels, or the
 * default one of that count (lib/chlayout.c), written into the ring's
 * header when it is not the default. 0 or -1 (said why).
 */
int
cat_layout(struct cat *c)
{
	char have[AM_LAYOUT_STRLEN];

	if (!c->have_layout)
		return am_layout_default(&c->layout, c->channels) < 0 ? -1 : 0;
	if (c->layout.n != c->channels) {
		am_warn("--layout %s has %u channels, the stream %u",
		    am_layout_str(&c->layout, have, sizeof(have)),
		    c->layout.n, c->channels);
		return -1;
	}
	if (c->ring.hdr != NULL && am_aring_set_layout(&c->ring,
	    &c->layout) < 0) {
		am_warn("cannot label the ring's channels");
		return -1;
	}
	return 0;
}

/* Link from -> to. 0 or -1 (said why). */
int
cat_connect(struct cat *c, uint32_t from, uint32_t to)
{
	cJSON *r;

	r = cat_req(c, "connect", NULL, 0,
	    "{\"cmd\":\"connect\",\"from\":%u,\"to\":%u}", from, to);
	cJSON_Delete(r);
	return r != NULL ? 0 : -1;
}
