/* SPDX-License-Identifier: MIT */
#ifndef NODE_H
#define NODE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "chlayout.h"

struct plan;

#define NODE_ARG_MAX	12	/* arguments a node type declares */

/*
 * One argument a node type takes: its JSON name, kind, range and default.
 * The control thread validates a request against this table, so node
 * code never sees JSON nor an out-of-range value.
 */
struct node_argdesc {
	const char *name;
#define NODE_ARG_NUM	0	/* finite number in [min, max] */
#define NODE_ARG_INT	1	/* integer in [min, max] */
#define NODE_ARG_STR	2	/* non-empty string */
#define NODE_ARG_BOOL	3
#define NODE_ARG_ENUM	4	/* one of choices; value = index */
#define NODE_ARG_FD	5	/* index of a passed descriptor; value = fd */
#define NODE_ARG_PATH	6	/* a file to read, checked by policy_path */
#define NODE_ARG_NEWPATH 7	/* a file to write, checked likewise */
#define NODE_ARG_LIST	8	/* 1..64 channel indices or position names */
#define NODE_ARG_MATRIX	9	/* 1..64 rows of 1..64 gains in [min, max] */
	int kind;			/* one of above */
	double min, max;		/* NUM, INT */
	double def;			/* default: NUM, INT, BOOL, ENUM index */
	const char *const *choices;	/* ENUM: NULL-terminated */
	int required;			/* no default */
	int live;			/* may change with "set" */
};

/*
 * A LIST or MATRIX argument, parsed and checked on the control thread
 * (cmd_args.c): a list has rows 1 and cols entries in idx, each a
 * channel index (>= 0) or -1 - an enum am_pos; a matrix rows rows of
 * cols gains in m, row-major, all rows of one length.
 */
struct node_array {
	uint32_t rows, cols;
	int32_t idx[AM_CH_MAX];		/* LIST */
	float m[AM_CH_MAX * AM_CH_MAX];	/* MATRIX */
};

struct node_val {
	double num;			/* NUM, INT, BOOL, ENUM index */
	const char *str;		/* STR: borrowed during init only */
	const struct node_array *arr;	/* LIST, MATRIX, or NULL: absent */
};

/* What a node's process function sees each period. */
struct node_cycle {
	uint32_t frames;		/* frames this period */
	uint32_t rate;			/* graph rate, Hz */
	uint64_t pos;			/* frames since start */
	uint64_t time_ns;		/* pos is heard then; 0: unknown */
	uint32_t in_ch;			/* channels of in, interleaved */
	uint32_t out_ch;		/* channels of out, interleaved */
	uint32_t dev_ch;		/* channels of dev_out and dev_in */
	const uint8_t *in_pos;		/* in_ch positions (enum am_pos) */
	const uint8_t *out_pos;		/* out_ch positions */
	float *dev_out;			/* device playback, interleaved */
	const float *dev_in;		/* device capture, interleaved */
	struct node_stats *stats;	/* the running node's counters */
	/*
	 * NODE_DOMAIN only (NULL otherwise): run the upstream domain for
	 * frames frames (at most the domain's block) and return its summed
	 * output. Always rt_domain over the plan's PLAN_PULL step.
	 */
	const float *(*pull)(const struct node_cycle *c, uint32_t frames);
	const void *pull_step;		/* borrowed: plan */
	void *rt;			/* borrowed: the running rt */
	uint32_t node_id;		/* the running node's id */
};

/*
 * Counters a node's RT side keeps and the control side reads while it
 * runs. Single writer (RT); the control thread only loads, except peak
 * which it takes with an exchange. frames, cost_ns and sumsq change
 * together each period under seq, a seqlock (odd while they change), so
 * a reader gets the sum of squares of exactly the frames it counts.
 */
struct node_stats {
	_Atomic uint32_t seq;		/* seqlock over the next three */
	_Atomic uint64_t frames;	/* frames processed */
	_Atomic uint64_t cost_ns;	/* processing time, total */
	_Atomic uint64_t underruns;
	_Atomic uint64_t overruns;	/* frames lost */
	_Atomic uint64_t sumsq;		/* double bits: sum of squares */
	_Atomic uint32_t peak;		/* float bits: |x| max since read */
	_Atomic uint64_t latency_ns;	/* write-to-play delay, 0: none */
	_Atomic uint64_t clipped;	/* samples beyond full scale */
	_Atomic uint64_t nonfinite;	/* NaN/Inf samples made 0 (rt.c) */
};

/* Node events, RT -> control (rt_node_event). */
#define NODE_EV_EOF		1	/* a source reached its end */
#define NODE_EV_UNDERRUN	2	/* a: frames zero-filled */
#define NODE_EV_OVERRUN		3	/* a: frames lost */
#define NODE_EV_WAKE		4	/* the node's client is due a wake-up */
#define NODE_EV_ERROR		5	/* a: errno; the text from ops->error */

/*
 * A node type. size bytes of state are allocated zeroed by node_new and
 * given to every callback. init and done run on the control thread and
 * may allocate; set and process run on the real-time thread and may not.
 */
struct node_ops {
	const char *type;
	size_t size;			/* state, bytes */
#define NODE_SOURCE	0x1		/* takes no input */
#define NODE_SINK	0x2		/* has no output */
#define NODE_DOMAIN	0x8		/* upstream runs at domain_rate */
#define NODE_OWNED	0x10		/* belongs to the creating connection */
#define NODE_DEVICE	0x20		/* device rate and period: no domain */
	int flags;
	const struct node_argdesc *args;
	int nargs;
	int (*init)(void *st, const struct node_val *v, uint32_t rate,
	    char *err, size_t errlen);
	void (*done)(void *st);
	void (*set)(void *st, int arg, double val);
	void (*process)(void *st, const struct node_cycle *c,
	    const float *in, float *out);
	int (*ready)(void *st, uint32_t frames);	/* render: room? */
	void (*flush)(void *st);	/* start putting data on disk */
	int (*flushed)(void *st);	/* 1: all so far on disk; no wait */
	int (*rate)(void *st, uint32_t rate, char *err, size_t errlen);
	uint32_t (*domain_rate)(void *st);		/* NODE_DOMAIN */
	/* Control, from plan_new: the rate the node will run at. */
	void (*run_rate)(void *st, uint32_t rate);
	int (*drained)(void *st);	/* orphaned: 1 once it may go */
	void (*wake)(void *st);		/* control: NODE_EV_WAKE arrived */
	/* Control, after create_node: a descriptor for the reply, or -1. */
	int (*reply_fd)(void *st);
	size_t (*mem)(void *st);	/* shared memory it maps, bytes */
	const char *(*error)(void *st);	/* control: NODE_EV_ERROR's text */
	/*
	 * Control, when a plan is compiled: the channel layouts the node
	 * takes (in: every link into it is converted to it) and gives
	 * (out), given up, the widest layout among its upstream nodes'
	 * outputs (NULL: no input). Must not change what process sees
	 * (another plan may be running it): the counts reach process in
	 * node_cycle.in_ch/out_ch. NULL hook: in = out = up, or stereo
	 * (no input, or a NODE_SINK).
	 * Returns 0, or -errno with err (the link or plan is refused).
	 */
	int (*layout)(void *st, const struct am_layout *up,
	    struct am_layout *in, struct am_layout *out, char *err,
	    size_t errlen);
	/*
	 * Control, from "set", for a live argument that is no number
	 * (NODE_ARG_MATRIX): copy v where process does not read it yet
	 * and give in *num what set will be called with (on the RT
	 * thread, in order). 0, or -errno with err: nothing changes.
	 */
	int (*stage)(void *st, int arg, const struct node_val *v,
	    double *num, char *err, size_t errlen);
};

const struct node_ops *node_ops_find(const char *type);
const char *node_types(void);
int node_arg_find(const struct node_ops *ops, const char *name);
int node_event(const struct node_cycle *c, int kind, uint64_t a);
void device_sink_clipped(const struct plan *p, uint64_t n);

/*
 * The node types are found by name (node_ops_find); their tables are
 * listed once, in node.c. These two are no types: what runs in place of
 * a node the watchdog took out (bypass.c, plan.c).
 */
extern const struct node_ops node_bypass_ops;
extern const struct node_ops node_mute_ops;

#endif /* !defined(NODE_H) */
