/* SPDX-License-Identifier: MIT */
/*
 * What the connection layer's files (ctl.c, ctl_out.c) share and the
 * rest of amixd does not see. Control thread only.
 */
#ifndef CTL_IMPL_H
#define CTL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "fdq.h"
#include "proto.h"
#include "req.h"

#define CTL_OUT_HIGH	(256 * 1024)	/* bytes queued: stop reading */
#define CTL_EVENT_ROOM	(512 * 1024)	/* bytes queued: drop events */

struct cJSON;
struct ev_file;

/* One control connection; ctl owns it. */
struct client {
	struct req_peer peer;		/* what the commands see */
	int fd;
	struct ev_file *ev;		/* owned */
	struct am_lbuf in;
	struct am_fdq fdq;		/* descriptors of lines to come */
	char *out;			/* replies and events to send */
	size_t outlen, outoff, outcap;	/* bytes */
	uint64_t dropped;		/* events lost, not yet told */
	int out_fd;			/* queued: passed with out[out_fd_at] */
	size_t out_fd_at;		/* bytes into out */
	int eof;			/* peer closed its side */
	int waiting;			/* a deferred reply is due first */
	double tokens;			/* request-rate bucket */
	uint64_t rate_ns;		/* its last refill, ns */
	struct client *next;
};

extern struct client *ctl_clients;

/* ctl.c: clients come and go, requests in */
void ctl_close(struct client *c);
void ctl_free_closed(void);
void ctl_process(struct client *c);

/* ctl_out.c: replies and events out */
struct client *ctl_client(const struct req_peer *p);
void ctl_flush(struct client *c);
size_t ctl_queued(const struct client *c);
void ctl_reply(struct client *c, struct cJSON *reply);
void ctl_update(struct client *c);

#endif /* !defined(CTL_IMPL_H) */
