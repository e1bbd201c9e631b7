/* SPDX-License-Identifier: MIT */
#ifndef AMCAT_H
#define AMCAT_H

/*
 * amcat's parts share the state of one run, struct cat, and these
 * functions: amcat.c (options, signals, main), session.c (requests to
 * the daemon, the ring and its wake pipe), sniff.c (recognising a sound
 * file on the input), play.c (input to an app_source), record.c (an
 * app_sink to standard output). amcat is a client and uses only lib/.
 */

#include <signal.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sndfile.h>

#include "aring.h"
#include "chlayout.h"
#include "proto.h"
#include "target.h"

#define CAT_LATENCY_DEF	100.0		/* ms */
#define CAT_LATENCY_MIN	0.0		/* ms: raised to one period */
#define CAT_LATENCY_MAX	5000.0		/* ms */
#define CAT_PEEK	4		/* bytes of magic looked at */
#define CAT_PROGRESS_MS	250		/* progress line period */
#define CAT_REC_MS	500		/* record ring, ms */
#define CAT_RT_MS	20.0		/* ms: ask SCHED_FIFO below */
#define CAT_RT_PRIO	50		/* below amixd's ENGINE_RT_PRIO */
#define CAT_STAGE	65536		/* bytes of raw input read at once */

struct cat {
	struct am_conn conn;
	struct am_aring ring;
	int wakefd;			/* read end of the engine's pipe */
	int in;				/* input descriptor */
	SNDFILE *sf;			/* input through libsndfile, or NULL */
	unsigned char *stage;		/* raw input read ahead (play.c) */
	size_t stage_off, stage_len;	/* its unread bytes: [off, len) */
	uint32_t src_id, gain_id;	/* our nodes, or 0 */
	uint32_t rate, channels, format;
	struct am_layout layout;	/* the ring's channels (--layout) */
	int have_layout;		/* --layout given */
	uint32_t graph_rate;		/* Hz */
	uint32_t period;		/* frames at graph_rate */
	char name[AM_NODE_NAME_MAX + 1];	/* our app node's name */
	int progress;			/* stderr is a terminal */
	int verbose;			/* -v: clock and presentation delay */
	double delay_ms;		/* the last presentation delay seen */
	uint64_t delays;		/* how many were seen */
	uint64_t next_progress;		/* ns */
};

/* Set by SIGINT or SIGTERM (amcat.c): end what is in progress. */
extern volatile sig_atomic_t cat_quit;

/*
 * session.c: a request, ok or NULL (said why); a create_node of an
 * app node passing the ring and taking the wake pipe; the id in a
 * reply; connecting and picking the node to play to or record from;
 * removing our nodes; sleeping on the wake pipe; making the ring.
 */
cJSON *cat_req(struct cat *c, const char *what, const int *fds, int nfds,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
cJSON *cat_app_req(struct cat *c, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint32_t cat_id(cJSON *reply);
int cat_setup(struct cat *c, const char *sock, const char *want,
    uint32_t *node, int record);
int cat_connect(struct cat *c, uint32_t from, uint32_t to);
void cat_cleanup(struct cat *c);
int cat_sleep(struct cat *c, int timeout_ms);
uint32_t cat_pow2(uint32_t n);
int cat_ring(struct cat *c, int producer, uint32_t cap, uint32_t low,
    uint32_t high);
int cat_layout(struct cat *c);

/* sniff.c: 1 a sound file (c->sf open), 0 raw, -1 error (said why). */
int cat_sniff(struct cat *c);

/* play.c and record.c: the exit status of a run. */
int cat_play(struct cat *c, const char *sock, const char *file,
    const char *want, double db, int have_db, double latency);
int cat_record(struct cat *c, const char *sock, const char *want,
    double secs, int wav, uint32_t rate);

#endif /* !defined(AMCAT_H) */
