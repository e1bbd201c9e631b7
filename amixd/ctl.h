/* SPDX-License-Identifier: MIT */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include "fdq.h"
#include "proto.h"
#include "sock.h"

#define CTL_OUT_HIGH	(256 * 1024)	/* bytes queued: stop reading */
#define CTL_EVENT_ROOM	(512 * 1024)	/* bytes queued: drop events */

/* Event classes a client may subscribe to. */
#define CTL_EV_STATE	0x01
#define CTL_EV_XRUN	0x02
#define CTL_EV_STATS	0x04
#define CTL_EV_NODE	0x08
#define CTL_EV_LEVELS	0x10
#define CTL_EV_WATCHDOG	0x20
#define CTL_EV_CLOCK	0x40

#define CTL_STATS_NS	1000000000ULL	/* default stats period */
#define CTL_LEVELS_NS	100000000ULL	/* default levels period */
#define CTL_CLOCK_NS	1000000000ULL	/* default clock period */

struct cJSON;
struct engine;
struct ev_file;

/* One control connection; ctl owns it. */
struct client {
	int fd;
	struct ev_file *ev;		/* owned */
	struct am_lbuf in;
	struct am_fdq fdq;		/* descriptors of lines to come */
	char *out;			/* replies and events to send */
	size_t outlen, outoff, outcap;	/* bytes */
	unsigned subs;			/* CTL_EV_* */
	uint64_t dropped;		/* events lost, not yet told */
	int stats_slot, levels_slot;	/* stats.c consumers, or -1 */
	uint64_t stats_ns, stats_due;	/* period and next report, ns */
	uint64_t levels_ns, levels_due;
	uint64_t clock_ns, clock_due;	/* clock events: period, next */
	int reply_fd;			/* to pass with the next reply, or -1 */
	int out_fd;			/* queued: passed with out[out_fd_at] */
	size_t out_fd_at;		/* bytes into out */
	int fds[AM_SOCK_FD_MAX];	/* passed with the current line */
	int nfds;
	int eof;			/* peer closed its side */
	int waiting;			/* a deferred reply is due first */
	double tokens;			/* request-rate bucket */
	uint64_t rate_ns;		/* its last refill, ns */
	struct client *next;
};

int ctl_init(struct engine *e, const char *path, int listen_fd);
void ctl_done(void);
void ctl_event(unsigned mask, struct cJSON *ev);
void ctl_state_event(void);
void ctl_node_errors(void);
int ctl_subscribers(void);
int ctl_quit_requested(void);
void ctl_quit(void);
void ctl_reply_deferred(struct client *c, struct cJSON *reply);

/* cmd.c: the protocol's commands; NULL from dispatch: reply deferred. */
void cmd_init(struct engine *e, double render_seconds);
struct cJSON *cmd_dispatch(struct client *c, const struct cJSON *req);
void cmd_client_gone(struct client *c);
int cmd_orphans(void);

/* cmd_clock.c: the audio clock's requests and events. */
void cmd_clock_init(struct engine *e);
struct cJSON *cmd_clock(struct client *c, const struct cJSON *req);
struct cJSON *cmd_clock_map(struct client *c, const struct cJSON *req);
void cmd_clock_discont(void);
struct cJSON *cmd_clock_tick(struct client *c, uint64_t now);

#endif /* !defined(CTL_H) */
