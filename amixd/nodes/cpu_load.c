/* SPDX-License-Identifier: MIT */
/*
 * cpu_load: a node that costs what it is told to, like JACK's jack_cpu,
 * to measure headroom and to test the watchdog. It passes its input
 * through and then busy-waits on CLOCK_MONOTONIC (clock_gettime, a vDSO
 * call: no system call, no sleep) for "us" microseconds plus "pct"
 * percent of the period, every period. With "hang" it never returns:
 * a node that locks up its thread, for the watchdog (watchdog.c) to
 * find. All three are live, so a test can make a running node hang.
 * init runs on the control thread; set and process on the real-time one.
 */

#include <stdatomic.h>
#include <stdint.h>

#include "clock.h"
#include "dsp.h"
#include "node.h"

#define CPU_LOAD_US	0
#define CPU_LOAD_PCT	1
#define CPU_LOAD_HANG	2

static const struct node_argdesc cpu_load_args[] = {
	{ "us", NODE_ARG_NUM, 0.0, 1e6, 0.0, NULL, 0, 1 },
	{ "pct", NODE_ARG_NUM, 0.0, 1000.0, 0.0, NULL, 0, 1 },
	{ "hang", NODE_ARG_BOOL, 0, 1, 0, NULL, 0, 1 },
};

struct cpu_load {
	double us;			/* burnt each period, us */
	double pct;			/* burnt each period, % of it */
	/* Atomic so the loop re-reads it: a hang stays a visible loop. */
	_Atomic int hang;
};

static int
cpu_load_init(void *st, const struct node_val *v, uint32_t rate,
    char *err, size_t errlen)
{
	struct cpu_load *l = st;

	(void)rate;
	(void)err;
	(void)errlen;
	l->us = v[CPU_LOAD_US].num;
	l->pct = v[CPU_LOAD_PCT].num;
	atomic_store(&l->hang, v[CPU_LOAD_HANG].num != 0);
	return 0;
}

/* RT: a new amount, from the next period on. */
static void
cpu_load_set(void *st, int arg, double val)
{
	struct cpu_load *l = st;

	if (arg == CPU_LOAD_US)
		l->us = val;
	else if (arg == CPU_LOAD_PCT)
		l->pct = val;
	else
		atomic_store_explicit(&l->hang, val != 0,
		    memory_order_relaxed);
}

/*
 * RT: copy, then spin until the budget is spent. Bounded by us + pct of
 * the period, except with hang, which is the point of it: the one loop
 * in amixd with no bound, there to be caught by the watchdog.
 */
static void
cpu_load_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct cpu_load *l = st;
	uint64_t t0, ns;

	t0 = am_clock_ns();
	dsp_copy(out, in, c->frames * c->in_ch);	/* out_ch: the same */
	ns = (uint64_t)(l->us * 1e3 + l->pct * 1e7 * c->frames / c->rate);
	while (atomic_load_explicit(&l->hang, memory_order_relaxed) ||
	    am_clock_ns() - t0 < ns)
		;
}

const struct node_ops node_cpu_load_ops = {
	.type = "cpu_load",
	.size = sizeof(struct cpu_load),
	.args = cpu_load_args,
	.nargs = 3,
	.init = cpu_load_init,
	.set = cpu_load_set,
	.process = cpu_load_process,
};
