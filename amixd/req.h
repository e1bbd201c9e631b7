/* SPDX-License-Identifier: MIT */
/*
 * What the protocol's commands see of the connections they serve: one
 * request in, one reply out, events fanned out by subscription. The
 * connection layer (ctl.c) implements it and knows nothing of commands;
 * it hands each request to the handler given to ctl_init. Control
 * thread only.
 */
#ifndef REQ_H
#define REQ_H

#include <stdint.h>

#include "sock.h"

/* Event classes a peer may subscribe to. */
#define REQ_EV_STATE	0x01
#define REQ_EV_XRUN	0x02
#define REQ_EV_STATS	0x04
#define REQ_EV_NODE	0x08
#define REQ_EV_LEVELS	0x10
#define REQ_EV_WATCHDOG	0x20
#define REQ_EV_CLOCK	0x40

struct cJSON;

/*
 * One connection, as a command sees it. The connection layer owns it
 * and sets fds, nfds for each request; the rest belongs to the commands
 * (zero, and -1 for the slots and reply_fd, when the peer connects).
 */
struct req_peer {
	int fds[AM_SOCK_FD_MAX];	/* passed with this request; a
					   command takes one by setting -1 */
	int nfds;
	int reply_fd;			/* to pass with the reply, or -1 */
	unsigned subs;			/* REQ_EV_*; keeps a half-closed
					   peer open for events */
	int stats_slot, levels_slot;	/* stats.c consumers, or -1 */
	uint64_t stats_ns, stats_due;	/* period and next report, ns */
	uint64_t levels_ns, levels_due;
	uint64_t clock_ns, clock_due;	/* clock events: period, next */
};

/*
 * The commands, as the connection layer calls them: request answers
 * one request (NULL: the reply is deferred, req_reply_deferred sends
 * it); gone is told once a peer has closed, before it is freed.
 */
struct req_handler {
	struct cJSON *(*request)(struct req_peer *p, const struct cJSON *req);
	void (*gone)(struct req_peer *p);
};

void req_event(unsigned mask, struct cJSON *ev);
int req_event_to(struct req_peer *p, struct cJSON *ev);
void req_reply_deferred(struct req_peer *p, struct cJSON *reply);
int req_fd_queued(const struct req_peer *p);
int req_subscribers(void);
struct req_peer *req_peer_next(struct req_peer *p);
void req_free_closed(void);

#endif /* !defined(REQ_H) */
