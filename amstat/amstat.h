/* SPDX-License-Identifier: MIT */
#ifndef AMSTAT_H
#define AMSTAT_H

/*
 * amstat's parts share these: amstat.c (options, main), daemon_io.c
 * (signals, waiting, subscribing, the JSON lines mode), and the live
 * table: top.c (its loop), top_state.c (what the events and list
 * replies say), top_draw.c (the terminal and the frame drawn on it).
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <termios.h>

#include <cjson/cJSON.h>

#include "proto.h"

/* getopt(3) options: usage() and the SYNOPSIS of amstat(1) agree */
#define AMSTAT_OPTS	"e:hi:n:s:t"
#define AMSTAT_EVENTS	"stats,xrun,state"
#define AMSTAT_IVAL_MIN	(1.0 / 30)	/* s, least levels period */
#define AMSTAT_STATS_MIN 0.1		/* s, least stats period */
#define AMSTAT_IVAL_MAX	3600.0		/* s */

#define TOP_EVENTS	"stats,levels,xrun,state,node"
/*
 * The daemon sends levels from a 30 Hz tick, rounding periods up to it:
 * 0.06 s lands on every second tick whatever its jitter, 15 Hz.
 */
#define TOP_LEVELS_S	0.06		/* s, meter period */
#define TOP_STATS_S	1.0		/* s, default stats period */
#define TOP_LIST_NS	1000000000ULL	/* ns, between list requests */
#define TOP_DB_FLOOR	-60.0		/* dBFS, the meter's left end */
#define TOP_DB_SILENT	-199.0		/* dBFS, silence (-200) */
#define TOP_NAME_MAX	32		/* bytes, a type or state */
#define TOP_ARGS_MAX	160		/* bytes, "freq=440 db=-6" */
#define TOP_NOTE_MAX	160		/* bytes, last notable event */
#define TOP_FIXED	50		/* columns, a row less 3 below */
#define TOP_FRAMES	11		/* columns, frames, shown in... */
#define TOP_FRAMES_MIN	90		/* ...windows this wide */
#define TOP_METER_MIN	8		/* columns, or no meter */

/* One row of the table. */
struct top_node {
	uint32_t id;
	char type[TOP_NAME_MAX];
	char name[64];			/* the node's name, or "" */
	char args[TOP_ARGS_MAX];	/* "key=value ..." */
	double ch;			/* channels it gives; 0: unknown */
	int listed;			/* in the last list reply */
	int has_stats;			/* frames..overruns are set */
	int has_level;			/* peak_db, rms_db are set */
	double frames;			/* frames since creation */
	double cost_us;			/* us per cycle */
	double underruns, overruns;	/* since creation */
	double clipped;			/* samples, since creation */
	double nonfinite;		/* NaN/Inf samples, since creation */
	int nan;			/* nonfinite grew at the last stats */
	double peak_db, rms_db;		/* dBFS, last levels event */
};

/* The live table. */
struct top {
	struct am_conn *conn;		/* borrowed: main */
	const sigset_t *waitmask;	/* borrowed: main */
	int keys;			/* fd 0 is a terminal: read keys */
	int tty;			/* termios changed: restore it */
	int screen;			/* on the alternate screen */
	struct termios saved;		/* fd 0's modes before */
	int rows, cols;			/* terminal size */
	double interval;		/* s, stats period */
	char backend[TOP_NAME_MAX];	/* from list replies */
	char state[TOP_NAME_MAX];
	double rate, period;		/* Hz, frames */
	double channels;		/* the device's, from list replies */
	char layout[400];		/* the device's, "FL,FR,..." */
	cJSON *stats;			/* last stats event, owned */
	struct top_node *nodes;		/* sorted by id; owned */
	int nnodes, capnodes;
	uint64_t list_due;		/* ns: send a list request */
	int list_wait;			/* a list request is out */
	unsigned long long dropped;	/* events the daemon dropped */
	char note[TOP_NOTE_MAX];	/* the last notable event */
	int dirty;			/* redraw */
	char *fb;			/* the frame being built */
	size_t fblen, fbcap;		/* bytes */
};

/* Flags set by amstat_sig() only (daemon_io.c); read by the loops. */
extern volatile sig_atomic_t amstat_stop;	/* SIGINT, SIGTERM, SIGHUP */
extern volatile sig_atomic_t amstat_winch;	/* SIGWINCH */
extern volatile sig_atomic_t amstat_tstp;	/* SIGTSTP */

/*
 * daemon_io.c. amstat_sig_init: flags for the signals (top: SIGWINCH
 * and SIGTSTP too), blocked, and in *waitmask the mask to wait with.
 * amstat_wait: the socket (mask 1), fd 0 when keys (mask 2), 0 for a
 * timeout (deadline ns, 0 none) or a signal, or -errno. amstat_request:
 * the subscribe line, a new string. amstat_has: does the list events
 * name the class name? amstat_ask: send line, its reply in *reply
 * (events skipped): 0, or -1 after a message. amstat_gone: say the
 * daemon's connection ended (rc). amstat_lines: the JSON lines mode,
 * its exit status.
 */
void amstat_sig_init(int top, sigset_t *waitmask);
int amstat_wait(int fd, int keys, uint64_t deadline,
    const sigset_t *waitmask);
char *amstat_request(const char *events, double interval, double levels);
int amstat_has(const char *events, const char *name);
int amstat_ask(struct am_conn *conn, const char *what, const char *line,
    cJSON **reply);
void amstat_gone(int rc);
int amstat_lines(struct am_conn *conn, long count,
    const sigset_t *waitmask);

/*
 * top_state.c. top_node: the row of node id, or NULL. top_num, top_str:
 * a member of o, or def. top_on_list: a list reply (rows of nodes gone
 * go too). top_on_line: one line from the daemon, event or reply.
 */
struct top_node *top_node(struct top *t, uint32_t id);
double top_num(const cJSON *o, const char *name, double def);
void top_str(const cJSON *o, const char *name, const char *def, char *buf,
    size_t len);
void top_on_list(struct top *t, const cJSON *r);
void top_on_line(struct top *t, const char *line);

/*
 * top_draw.c. top_puts: append to the frame being built. top_size: the
 * terminal's size. top_enter, top_leave: take the terminal (keys, the
 * alternate screen) and give it back as it was. top_draw: redraw the
 * table in place, 0 or -errno.
 */
void top_puts(struct top *t, const char *s);
void top_size(struct top *t);
void top_enter(struct top *t);
void top_leave(struct top *t);
int top_draw(struct top *t);

/* top.c: the table, its exit status. */
int top_main(struct am_conn *conn, double interval,
    const sigset_t *waitmask);

#endif /* !defined(AMSTAT_H) */
