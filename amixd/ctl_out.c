/* SPDX-License-Identifier: MIT */
/*
 * The connection layer's way out: each client's output queue, and what
 * req.h gives the commands. Replies and events queue per client and go
 * out as the socket takes them, never blocking the loop; a reply may
 * carry one descriptor (SCM_RIGHTS, with its first byte). A client that
 * does not read its replies is not read either once its queue passes
 * CTL_OUT_HIGH (ctl_update); events that do not fit under
 * CTL_EVENT_ROOM are dropped for that client only, counted, and
 * announced with a "dropped" event once there is room again. Events fan
 * out by the class a peer subscribed to (req_event). Control thread
 * only.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctl_impl.h"
#include "ev.h"
#include "proto.h"
#include "req.h"
#include "sock.h"
#include "util.h"

static void ctl_queue(struct client *c, const char *buf, size_t len);

/* The client whose peer p is. */
struct client *
ctl_client(const struct req_peer *p)
{
	return (struct client *)((char *)p - offsetof(struct client, peer));
}

/*
 * Send what is queued without blocking; a dead peer is killed. A reply
 * with a descriptor (out_fd) is sent up to its first byte, then that
 * byte onwards with the descriptor attached (SCM_RIGHTS), which is then
 * closed here: the peer has its copy.
 */
void
ctl_flush(struct client *c)
{
	ssize_t n;
	size_t end;

	while (c->fd >= 0 && c->outoff < c->outlen) {
		end = c->out_fd >= 0 && c->out_fd_at > c->outoff ?
		    c->out_fd_at : c->outlen;
		if (c->out_fd >= 0 && c->out_fd_at == c->outoff) {
			n = am_sock_send(c->fd, c->out + c->outoff,
			    c->outlen - c->outoff, &c->out_fd, 1);
			if (n < 0)
				errno = (int)-n;
			else {
				close(c->out_fd);
				c->out_fd = -1;
			}
		} else
			n = send(c->fd, c->out + c->outoff, end - c->outoff,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ctl_close(c);
			break;
		}
		c->outoff += n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
}

/* Queue len bytes for c. */
static void
ctl_queue(struct client *c, const char *buf, size_t len)
{
	if (c->outoff > 0 && c->outlen + len > c->outcap) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->out_fd_at -= c->out_fd >= 0 ? c->outoff : 0;
		c->outoff = 0;
	}
	if (c->outlen + len > c->outcap) {
		c->outcap = (c->outlen + len) * 2;
		c->out = xrealloc(c->out, c->outcap);
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
}

size_t
ctl_queued(const struct client *c)
{
	return c->outlen - c->outoff;
}

/* Queue a reply object and free it. */
void
ctl_reply(struct client *c, cJSON *reply)
{
	char *s;
	size_t len;

	s = am_proto_print(reply, &len);
	cJSON_Delete(reply);
	if (c->peer.reply_fd >= 0) {
		/* req_fd_queued told the command none was queued. */
		c->out_fd = c->peer.reply_fd;
		c->out_fd_at = c->outlen;
		c->peer.reply_fd = -1;
	}
	ctl_queue(c, s, len);
	free(s);
}

/* Poll for input only while the client's queue is short. */
void
ctl_update(struct client *c)
{
	int events = 0;

	if (c->fd < 0)
		return;
	if (!c->eof && !c->waiting && ctl_queued(c) < CTL_OUT_HIGH)
		events |= POLLIN;
	if (ctl_queued(c) > 0)
		events |= POLLOUT;
	ev_file_events(c->ev, events);
	/* A subscriber that closed its sending side still gets events. */
	if (c->eof && !c->waiting && ctl_queued(c) == 0 &&
	    am_lbuf_pending(&c->in) == 0 && c->peer.subs == 0)
		ctl_close(c);
}

/*
 * Queue one event line for c, unless its queue is too long: then c
 * loses it, and is told how many it lost once there is room again.
 */
static void
ctl_event_one(struct client *c, const char *s, size_t len)
{
	char note[80];
	int n;

	if (ctl_queued(c) + len + sizeof(note) > CTL_EVENT_ROOM) {
		c->dropped++;
		return;
	}
	if (c->dropped > 0) {
		n = snprintf(note, sizeof(note),
		    "{\"event\":\"dropped\",\"count\":%llu}\n",
		    (unsigned long long)c->dropped);
		ctl_queue(c, note, n);
		c->dropped = 0;
	}
	ctl_queue(c, s, len);
	ctl_flush(c);
	ctl_update(c);
}

/*
 * The deferred reply of p's last request: send it, then go on with the
 * requests p sent meanwhile. Takes reply.
 */
void
req_reply_deferred(struct req_peer *p, cJSON *reply)
{
	struct client *c = ctl_client(p);

	c->waiting = 0;
	if (c->fd < 0) {
		cJSON_Delete(reply);
		return;
	}
	ctl_reply(c, reply);
	ctl_process(c);
	if (c->fd >= 0)
		ctl_flush(c);
	ctl_update(c);
	ctl_free_closed();
}

/* Send ev to every peer subscribed to mask, then free it. */
void
req_event(unsigned mask, cJSON *ev)
{
	struct client *c;
	char *s = NULL;
	size_t len = 0;

	for (c = ctl_clients; c != NULL; c = c->next) {
		if (c->fd < 0 || !(c->peer.subs & mask))
			continue;
		if (s == NULL)
			s = am_proto_print(ev, &len);
		ctl_event_one(c, s, len);
	}
	free(s);
	cJSON_Delete(ev);
}

/*
 * Send ev to p alone, then free it. 0, or -EPIPE when p turned out to be
 * gone (it stays until req_free_closed).
 */
int
req_event_to(struct req_peer *p, cJSON *ev)
{
	struct client *c = ctl_client(p);
	char *s;
	size_t len;

	if (c->fd >= 0) {
		s = am_proto_print(ev, &len);
		ctl_event_one(c, s, len);
		free(s);
	}
	cJSON_Delete(ev);
	return c->fd >= 0 ? 0 : -EPIPE;
}

/* Peers subscribed to anything. */
int
req_subscribers(void)
{
	struct client *c;
	int n = 0;

	for (c = ctl_clients; c != NULL; c = c->next)
		n += c->fd >= 0 && c->peer.subs != 0;
	return n;
}

/* The live peer after p (the first for NULL), or NULL. */
struct req_peer *
req_peer_next(struct req_peer *p)
{
	struct client *c;

	c = p == NULL ? ctl_clients : ctl_client(p)->next;
	while (c != NULL && c->fd < 0)
		c = c->next;
	return c != NULL ? &c->peer : NULL;
}

/* 1 when a descriptor still waits to go out to p with a reply. */
int
req_fd_queued(const struct req_peer *p)
{
	return p->reply_fd >= 0 || ctl_client(p)->out_fd >= 0;
}

/* Free the peers that went away; call once a callback is done with them. */
void
req_free_closed(void)
{
	ctl_free_closed();
}
