/* SPDX-License-Identifier: MIT */
/*
 * The real-time cycle's own duties, each with a table or a count:
 *
 *	wake-ups: however many events a period raises, the control
 *	thread's eventfd is written at most once a period;
 *	maxima: rt_raise keeps a maximum the control thread reset between
 *	the RT side's read and its store (deterministic), and two threads,
 *	one raising and one resetting, never lose one (run under TSan by
 *	make check-tsan);
 *	non-finite samples: NaN and infinities become 0 before the next
 *	node mixes them, counted per node, metered over full scale, in a
 *	live cycle and in an offline one;
 *	level ramps: a gain or mixer change takes max(period, 5 ms) at
 *	periods 16, 128 and 4096, whatever the period split, ending
 *	exactly on the target;
 *	denormals: a render and the null backend's RT thread both run
 *	with flush-to-zero and compute the same number from a denormal.
 */

#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/backend.h"
#include "dsp.h"
#include "engine.h"
#include "graph.h"
#include "node.h"
#include "plan.h"
#include "rt.h"
#include "t.h"
#include "tgraph.h"
#include "util.h"

static struct engine e;

/* A node of ops with every argument at its default. */
static struct node *
mknode(const struct node_ops *ops)
{
	return t_node_new(&e.graph, ops, 0);
}

static void
link2(struct node *a, struct node *b)
{
	char err[160];

	if (graph_link(&e.graph, a->id, b->id, err, sizeof(err)) < 0) {
		printf("Bail out! link %u -> %u: %s\n", a->id, b->id, err);
		exit(1);
	}
}

/* Remove every node, publish the empty graph, let the cycle adopt it. */
static void
clear(void)
{
	while (e.graph.nodes != NULL)
		engine_retire(&e, graph_remove(&e.graph, e.graph.nodes->id));
	engine_commit(&e);
	rt_cycle(&e.rt, 16, 48000);
	engine_reclaim(&e);
}

/* What the eventfd counted since last read: writes of 1 each. */
static uint64_t
evfd_count(void)
{
	uint64_t v = 0;

	if (read(e.rt.evfd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* ---- a source that raises events, NaNs, or records its FPU mode ---- */

static int src_events;			/* node events a period */
static float src_value;			/* every sample but the odd ones */
static float src_odd;			/* samples 1, 5, 9... */
static _Atomic unsigned long src_mode;	/* dsp_ftz_mode seen */
static _Atomic uint32_t src_tiny;	/* bits of a denormal product */
static _Atomic int src_runs;

static void
src_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	volatile float a = 1e-30f, b = 1e-10f;
	union { float f; uint32_t u; } p;
	uint32_t i;
	int k;

	(void)st;
	(void)in;
	for (k = 0; k < src_events; k++)
		node_event(c, NODE_EV_UNDERRUN, 1);
	for (i = 0; i < c->frames * 2; i++)
		out[i] = i % 4 == 1 ? src_odd : src_value;
	p.f = a * b;		/* 1e-40: a denormal, or 0 under FTZ */
	atomic_store(&src_tiny, p.u);
	atomic_store(&src_mode, dsp_ftz_mode());
	atomic_fetch_add(&src_runs, 1);
}

static const struct node_ops src_ops = {
	.type = "test_source",
	.flags = NODE_SOURCE,
	.process = src_process,
};

/* ---- wake-ups ---- */

static void
t_wakeups(void)
{
	struct node *s, *k;
	struct rt_event ev;
	int n;

	s = mknode(&src_ops);
	k = mknode(node_ops_find("device_sink"));
	link2(s, k);
	engine_commit(&e);
	src_events = 0;
	rt_cycle(&e.rt, 128, 48000);
	(void)evfd_count();
	while (am_queue_pop(&e.rt.events, &ev) == 0)
		;

	src_events = 20;
	rt_cycle(&e.rt, 128, 48000);
	for (n = 0; am_queue_pop(&e.rt.events, &ev) == 0; n++)
		;
	is_int(n, 20, "20 events queued in one period");
	is_int((long long)evfd_count(), 1, "the eventfd written once");

	src_events = 0;
	rt_cycle(&e.rt, 128, 48000);
	is_int((long long)evfd_count(), 0, "a quiet period: no write");

	src_events = 3;
	rt_cycle(&e.rt, 128, 48000);
	rt_cycle(&e.rt, 128, 48000);
	is_int((long long)evfd_count(), 2, "two busy periods: two writes");
	while (am_queue_pop(&e.rt.events, &ev) == 0)
		;

	/* A backend's xrun after a quiet period wakes control at once... */
	src_events = 0;
	rt_cycle(&e.rt, 128, 48000);
	rt_xrun(&e.rt, RT_XRUN_UNDERRUN, 5);
	is_int((long long)evfd_count(), 1, "an xrun after a quiet period "
	    "wakes at once");
	rt_xrun(&e.rt, RT_XRUN_UNDERRUN, 5);
	is_int((long long)evfd_count(), 0, "a second one waits");
	rt_cycle(&e.rt, 128, 48000);
	is_int((long long)evfd_count(), 1, "for the next cycle's end");
	/* ...and after a busy one waits for the next cycle's end. */
	src_events = 2;
	rt_cycle(&e.rt, 128, 48000);
	src_events = 0;
	rt_xrun(&e.rt, RT_XRUN_UNDERRUN, 5);
	is_int((long long)evfd_count(), 1, "a busy period then an xrun: "
	    "one write");
	rt_cycle(&e.rt, 128, 48000);
	is_int((long long)evfd_count(), 1, "the xrun's wake-up at the next "
	    "cycle's end");
	for (n = 0; am_queue_pop(&e.rt.events, &ev) == 0; n++)
		;
	is_int(n, 5, "every event arrived");
	clear();
}

/* ---- maxima ---- */

static void
t_raise(void)
{
	_Atomic uint64_t c;
	_Atomic uint32_t pk;
	union { uint32_t u; float f; } v;

	/* The RT side read 5; control reset to 0 before its store. */
	atomic_store(&c, 0);
	rt_raise(&c, 10, 5);
	is_int((long long)atomic_load(&c), 10,
	    "a reset between read and store keeps the new maximum");
	atomic_store(&c, 12);
	rt_raise(&c, 10, 5);
	is_int((long long)atomic_load(&c), 12, "a larger value stays");
	rt_max(&c, 13);
	is_int((long long)atomic_load(&c), 13, "rt_max raises");

	v.f = 0.25f;
	atomic_store(&pk, 0);
	rt_raise_peak(&pk, 0.5f, v.u);
	v.u = atomic_load(&pk);
	is_double(v.f, 0.5, 0, "a peak survives a reset between read and "
	    "store");
	rt_raise_peak(&pk, 0.125f, atomic_load(&pk));
	v.u = atomic_load(&pk);
	is_double(v.f, 0.5, 0, "a smaller peak does not lower it");
}

/*
 * Two threads: the RT side raises 1 then L, L falling (so a lost L is
 * never covered by a later value); control resets and keeps what it
 * took. Each L must be taken by a reset after it was raised, or be
 * there at the end. Ticks order the two sides' actions.
 */
#define RACE_N	100000

static _Atomic uint64_t race_max;
static _Atomic uint64_t race_tick;
static _Atomic int race_done;
static _Atomic int race_go;
static uint64_t race_raised[RACE_N];	/* tick before raising L_i */
static uint64_t *race_took_t, *race_took_v;
static size_t race_ntook;

static void *
race_rt(void *arg)
{
	uint64_t i;

	(void)arg;
	while (!atomic_load(&race_go))
		;
	for (i = 0; i < RACE_N; i++) {
		rt_max(&race_max, 1);
		race_raised[i] = atomic_fetch_add(&race_tick, 1);
		rt_max(&race_max, 2 + RACE_N - i);
	}
	atomic_store(&race_done, 1);
	return NULL;
}

/* One round; returns the maxima lost, adds the resets to *resets. */
static long
race_round(size_t *resets)
{
	pthread_t t;
	uint64_t v, best;
	size_t cap = 1 << 16, j;
	long i, lost = 0;

	race_ntook = 0;
	atomic_store(&race_max, 0);
	atomic_store(&race_done, 0);
	atomic_store(&race_go, 0);
	race_took_t = xcalloc(cap, sizeof(*race_took_t));
	race_took_v = xcalloc(cap, sizeof(*race_took_v));
	pthread_create(&t, NULL, race_rt, NULL);
	atomic_store(&race_go, 1);
	while (!atomic_load(&race_done)) {
		v = atomic_exchange(&race_max, 0);
		if (v < 2)
			continue;
		if (race_ntook == cap) {
			cap *= 2;
			race_took_t = xrealloc(race_took_t, cap *
			    sizeof(*race_took_t));
			race_took_v = xrealloc(race_took_v, cap *
			    sizeof(*race_took_v));
		}
		race_took_t[race_ntook] = atomic_fetch_add(&race_tick, 1);
		race_took_v[race_ntook++] = v;
	}
	pthread_join(t, NULL);
	/*
	 * Walk the raises backwards, with the best value taken after each
	 * (the final value counts as taken last).
	 */
	best = atomic_load(&race_max);
	j = race_ntook;
	for (i = RACE_N - 1; i >= 0; i--) {
		while (j > 0 && race_took_t[j - 1] > race_raised[i]) {
			j--;
			best = race_took_v[j] > best ? race_took_v[j] : best;
		}
		lost += best < (uint64_t)(2 + RACE_N - i);
	}
	free(race_took_t);
	free(race_took_v);
	*resets += race_ntook;
	return lost;
}

/*
 * Rounds until the two threads overlapped for RACE_RESETS resets, or
 * RACE_NS of wall time passed (a busy machine may serialise them).
 */
#define RACE_RESETS	20000
#define RACE_NS		2000000000LL

static void
t_race(void)
{
	struct timespec t0, t1;
	size_t resets = 0;
	long lost = 0, ns;
	int rounds = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		lost += race_round(&resets);
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec -
		    t0.tv_nsec);
	} while (resets < RACE_RESETS && ns < RACE_NS);
	is_int(lost, 0, "no maximum lost in %d rounds of %d raises against "
	    "%zu resets", rounds, RACE_N, resets);
}

/* ---- non-finite samples ---- */

static void
t_nonfinite(int offline)
{
	struct node *s, *g, *k;
	union { uint32_t u; float f; } pk;
	uint32_t i;
	int bad = 0;

	s = mknode(&src_ops);
	g = mknode(node_ops_find("gain"));
	k = mknode(node_ops_find("device_sink"));
	link2(s, g);
	link2(g, k);
	engine_commit(&e);
	src_events = 0;
	src_value = 0.25f;
	src_odd = NAN;
	e.rt.skip_meters = offline;
	rt_cycle(&e.rt, 64, 48000);
	src_odd = INFINITY;
	rt_cycle(&e.rt, 64, 48000);
	src_odd = -INFINITY;
	rt_cycle(&e.rt, 64, 48000);
	e.rt.skip_meters = 0;
	for (i = 0; i < 128; i++)
		bad += e.rt.dev_out[i] != (i % 4 == 1 ? 0.0f : 0.25f);
	is_int(bad, 0, "%s: NaN and Inf reach the mix as 0",
	    offline ? "offline" : "live");
	is_int((long long)atomic_load(&s->stats.nonfinite), 3 * 32,
	    "%s: the source counts every one", offline ? "offline" :
	    "live");
	is_int((long long)atomic_load(&g->stats.nonfinite), 0,
	    "%s: downstream saw none", offline ? "offline" : "live");
	pk.u = atomic_load(&s->stats.peak);
	if (offline)
		is_double(pk.f, 0.0, 0, "offline: no meters");
	else
		ok(pk.f >= RT_PEAK_NONFINITE, "live: it meters over full "
		    "scale, not silent (peak %g)", pk.f);
	pk.u = atomic_load(&g->stats.peak);
	if (!offline)
		is_double(pk.f, 0.25, 0, "live: downstream meters its "
		    "finite samples");
	clear();
}

static void
t_kernels(void)
{
	float buf[19], pk;
	double sq;
	uint32_t i, n;

	for (i = 0; i < 19; i++)
		buf[i] = (float)i / 32.0f;
	buf[3] = NAN;
	buf[9] = -INFINITY;
	buf[17] = INFINITY;
	n = dsp_meter(buf, 19, &pk, &sq);
	is_int(n, 3, "dsp_meter counts three");
	ok(buf[3] == 0 && buf[9] == 0 && buf[17] == 0, "and zeroes them");
	is_double(pk, 18.0 / 32, 0, "peak of what is left");
	is_double(sq, dsp_sumsq(buf, 19), 0, "sum of squares as dsp_sumsq");
	is_double(pk, dsp_peak(buf, 19), 0, "peak as dsp_peak");
	buf[0] = NAN;
	buf[18] = -NAN;
	is_int(dsp_finite(buf, 19), 2, "dsp_finite counts two");
	is_double(buf[0] + buf[18], 0.0, 0, "and zeroes them");
	buf[5] = FLT_MAX;
	buf[6] = -FLT_MIN / 4;	/* denormal: finite, kept */
	is_int(dsp_finite(buf, 19), 0, "the largest and a denormal stay");
}

/* ---- level ramps ---- */

/*
 * A gain (or mixer) at 0 dB over a constant 1.0, set to -20 dB, run at
 * period frames: frames until it holds the target exactly.
 */
static uint32_t
ramp_len(const struct node_ops *ops, uint32_t period, float *maxstep)
{
	static float in[2 * RT_FRAMES_MAX], out[2 * RT_FRAMES_MAX];
	struct node_cycle c;
	void *st = xcalloc(1, ops->size);
	struct node_val v[NODE_ARG_MAX];
	float target = dsp_db_to_gain(-20.0), prev = 1.0f;
	uint32_t i, done = 0, len = 0;
	char err[64];

	memset(v, 0, sizeof(v));
	ops->init(st, v, 48000, err, sizeof(err));
	for (i = 0; i < 2 * RT_FRAMES_MAX; i++)
		in[i] = 1.0f;
	memset(&c, 0, sizeof(c));
	c.frames = period;
	c.rate = 48000;
	c.in_ch = c.out_ch = 2;
	ops->set(st, 0, -20.0);
	*maxstep = 0;
	while (done < 8192 && len == 0) {
		ops->process(st, &c, in, out);
		for (i = 0; i < period && len == 0; i++) {
			if (out[2 * i] != out[2 * i + 1])
				len = UINT32_MAX;
			*maxstep = fmaxf(*maxstep, fabsf(out[2 * i] - prev));
			prev = out[2 * i];
			if (out[2 * i] == target)
				len = done + i + 1;
		}
		done += period;
	}
	free(st);
	return len;
}

static void
t_ramps(void)
{
	static const uint32_t periods[] = { 16, 128, 4096 };
	static const uint32_t want[] = { 240, 240, 4096 };
	const struct node_ops *ops[] = { node_ops_find("gain"), node_ops_find("mixer") };
	float step;
	uint32_t len;
	int i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 3; i++) {
			len = ramp_len(ops[k], periods[i], &step);
			is_int(len, want[i], "%s at period %u: ramp of "
			    "max(period, 5 ms) frames", ops[k]->type,
			    periods[i]);
			ok(step <= 0.9f / (float)want[i] * 1.01f,
			    "%s at period %u: largest step %g", ops[k]->type,
			    periods[i], step);
		}
	}
	is_int(dsp_ramp_frames(16, 8000), 40, "5 ms at 8 kHz");
	is_int(dsp_ramp_frames(16, 192000), 960, "5 ms at 192 kHz");
	is_int(dsp_ramp_frames(1024, 44100), 1024, "a longer period");
}

/* The same ramp split into periods of 16 and of 48 frames: same bits. */
static void
t_ramp_split(void)
{
	struct dsp_ramp a, b;
	static float in[960], oa[960], ob[960];
	uint32_t i;

	for (i = 0; i < 960; i++)
		in[i] = (float)(i % 17) / 17.0f;
	dsp_ramp_init(&a, 1.0f);
	dsp_ramp_init(&b, 1.0f);
	dsp_ramp_set(&a, 0.5f);
	dsp_ramp_set(&b, 0.5f);
	/* Both ramps last 240 frames at 48 kHz: the period is shorter. */
	for (i = 0; i < 480; i += 16)
		dsp_ramp_run(&a, oa + 2 * i, in + 2 * i, 16, 48000);
	for (i = 0; i < 480; i += 48)
		dsp_ramp_run(&b, ob + 2 * i, in + 2 * i, 48, 48000);
	ok(memcmp(oa, ob, sizeof(oa)) == 0, "ramp bits do not depend on "
	    "how periods split it");
	is_double(oa[2 * 479], in[2 * 479] * 0.5f, 0, "it ends on target");
}

/* ---- denormals ---- */

static void
t_ftz(void)
{
	struct dev_config cfg;
	struct node *s, *k;
	unsigned long before;
	uint32_t live_tiny, render_tiny;
	char err[160];
	int i;

	s = mknode(&src_ops);
	k = mknode(node_ops_find("device_sink"));
	link2(s, k);
	engine_commit(&e);
	src_events = 0;
	src_value = 0.0f;
	src_odd = 0.0f;

	before = dsp_ftz_mode();
	atomic_store(&src_mode, 12345);
	is_int(engine_render(&e, 256, err, sizeof(err)), 0, "render");
	is_int((long long)atomic_load(&src_mode), (long long)DSP_FTZ_BITS,
	    "a render runs with flush-to-zero");
	render_tiny = atomic_load(&src_tiny);
	is_int((long long)dsp_ftz_mode(), (long long)before,
	    "the control thread's mode is back after it");

	memset(&cfg, 0, sizeof(cfg));
	cfg.rate = 48000;
	cfg.period = 64;
	cfg.channels = 2;
	atomic_store(&src_mode, 12345);
	atomic_store(&src_runs, 0);
	if (engine_open(&e, &cfg, err, sizeof(err)) < 0 ||
	    engine_start(&e, err, sizeof(err)) < 0) {
		ok(0, "null backend: %s", err);
		return;
	}
	for (i = 0; i < 2000 && atomic_load(&src_runs) < 4; i++)
		usleep(1000);
	engine_stop(&e);
	engine_close(&e);
	ok(atomic_load(&src_runs) >= 4, "the null backend ran");
	is_int((long long)atomic_load(&src_mode), (long long)DSP_FTZ_BITS,
	    "its RT thread runs with flush-to-zero");
	live_tiny = atomic_load(&src_tiny);
	is_int(live_tiny, render_tiny, "a denormal product: the same bits "
	    "live and rendered (%08x)", live_tiny);
	clear();
}

int
main(void)
{
	struct dev_config dev;

	memset(&dev, 0, sizeof(dev));
	dev.rate = 48000;
	dev.period = 128;
	dev.channels = 2;
	if (engine_init(&e, &backend_null_ops, &dev) < 0) {
		printf("Bail out! engine_init\n");
		return 1;
	}
	e.dev = dev;
	t_wakeups();
	t_raise();
	t_race();
	t_kernels();
	t_nonfinite(0);
	t_nonfinite(1);
	t_ramps();
	t_ramp_split();
	t_ftz();
	engine_done(&e);
	return t_done();
}
