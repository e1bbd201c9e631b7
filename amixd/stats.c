/* SPDX-License-Identifier: MIT */
/*
 * Telemetry: turns the counters the real-time thread keeps (rt.h,
 * node_stats) into stats and levels reports. Every consumer (a stats or
 * levels subscription, or the one-shot stats command) has a slot holding
 * what it saw last, so each report covers exactly its own interval and
 * consumers at different rates do not disturb each other.
 *
 * Maxima (peaks, late wake-ups, cycle times) are taken from the RT side
 * with an exchange, which resets them; stats_tick does that 30 times a
 * second and folds the values into every used slot. Sums (frames, time,
 * squares) are free-running and need no reset. Control thread only:
 * nothing here touches the real-time thread but through atomics.
 *
 * What a slot saw of each node (struct stats_snap) is telemetry, not
 * graph: it lives here, not in struct node, in a table with one entry
 * per node of the graph in the graph's order (ascending id), which
 * stats_sync brings up to date before every walk over the nodes: a new
 * node gets an entry of zeros (its whole life is its first interval),
 * a removed one loses its entry. All of it is allocated and freed here,
 * on the control thread; the RT side only ever writes node->stats.
 */

#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "engine.h"
#include "log.h"
#include "stats.h"
#include "util.h"
#include "watchdog.h"

#define STATS_READ_TRIES 1000	/* seqlock retries, then take it */

/* What one consumer last saw of a node. */
struct stats_snap {
	uint64_t frames;
	uint64_t cost_ns;
	double sumsq;
	float peak;			/* max since that consumer's report */
};

/* A node's snapshots, one per slot. */
struct stats_node {
	uint32_t id;			/* the node's */
	struct stats_snap snap[STATS_SLOTS_MAX];
};

static struct engine *stats_engine;	/* borrowed: main */
static struct stats_slot stats_slots[STATS_SLOTS_MAX];
/* One entry per graph node, in the graph's order (stats_sync). */
static struct stats_node **stats_tab, **stats_tab2;
static size_t stats_ntab, stats_cap;

void
stats_init(struct engine *e)
{
	stats_engine = e;
}

/* Free the table of snapshots; stats_init starts afresh. Control. */
void
stats_done(void)
{
	size_t i;

	for (i = 0; i < stats_ntab; i++)
		free(stats_tab[i]);
	free(stats_tab);
	free(stats_tab2);
	stats_tab = stats_tab2 = NULL;
	stats_ntab = stats_cap = 0;
	stats_engine = NULL;
}

/* Does the table have the graph's nodes, in its order? */
static int
stats_is_synced(void)
{
	struct node *n;
	size_t i = 0;

	for (n = stats_engine->graph.nodes; n != NULL; n = n->next, i++) {
		if (i >= stats_ntab || stats_tab[i]->id != n->id)
			return 0;
	}
	return i == stats_ntab;
}

/*
 * Bring the table up to date with the graph: afterwards entry i is the
 * i-th node of graph.nodes. Entries of nodes still there are kept (the
 * ids ascend in both), a new node's entry is all zeros, a gone node's
 * is freed. Control thread; allocates only when the graph changed.
 */
static void
stats_sync(void)
{
	struct stats_node **t;
	struct node *n;
	size_t i = 0, j = 0, want = 0;

	if (stats_is_synced())
		return;
	for (n = stats_engine->graph.nodes; n != NULL; n = n->next)
		want++;
	if (want > stats_cap) {
		stats_cap = want * 2;
		stats_tab2 = xrealloc(stats_tab2, stats_cap * sizeof(*t));
	}
	for (n = stats_engine->graph.nodes; n != NULL; n = n->next, i++) {
		while (j < stats_ntab && stats_tab[j]->id < n->id)
			free(stats_tab[j++]);
		if (j < stats_ntab && stats_tab[j]->id == n->id)
			stats_tab2[i] = stats_tab[j++];
		else {
			stats_tab2[i] = xcalloc(1, sizeof(**t));
			stats_tab2[i]->id = n->id;
		}
	}
	while (j < stats_ntab)
		free(stats_tab[j++]);
	t = stats_tab;
	stats_tab = stats_tab2;
	stats_tab2 = xrealloc(t, stats_cap * sizeof(*t));
	stats_ntab = want;
}

/* A caller's bug, not the client's: say so, and touch nothing. */
static cJSON *
stats_bad_slot(int s, const char *event)
{
	cJSON *o = cJSON_CreateObject();

	logx(0, "stats: bad consumer slot %d", s);
	if (event != NULL)
		cJSON_AddStringToObject(o, "event", event);
	return o;
}

/* Decibels of a linear level, floored at -200 (JSON has no -inf). */
static double
stats_db(double lin)
{
	return lin > 1e-10 ? round(2000.0 * log10(lin)) / 100.0 : -200.0;
}

static uint64_t
stats_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * A node's frames, cost and sum of squares from the same period: the
 * RT side's seqlock (struct node_stats). Retries while a period is being
 * added; a reader that keeps losing (the RT thread preempted mid-update)
 * takes what it read after a bound rather than wait.
 */
static void
stats_read(struct node_stats *st, uint64_t *frames, uint64_t *cost,
    double *sumsq)
{
	union { uint64_t u; double d; } sq;
	uint32_t s1, s2;
	int tries = 0;

	do {
		s1 = atomic_load_explicit(&st->seq, memory_order_acquire);
		*frames = atomic_load_explicit(&st->frames,
		    memory_order_relaxed);
		*cost = atomic_load_explicit(&st->cost_ns,
		    memory_order_relaxed);
		sq.u = atomic_load_explicit(&st->sumsq, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&st->seq, memory_order_relaxed);
	} while (((s1 & 1) != 0 || s1 != s2) && ++tries < STATS_READ_TRIES);
	*sumsq = sq.d;
}

/* Start slot s's interval now. */
static void
stats_mark(int s)
{
	struct rt *rt = &stats_engine->rt;
	struct stats_slot *sl = &stats_slots[s];
	struct stats_snap *sn;
	struct node *n;
	int i;

	sl->ns = am_clock_ns();
	sl->busy = atomic_load(&rt->busy_ns);
	sl->cycles = atomic_load(&rt->cycles);
	for (i = 0; i < RT_HIST; i++) {
		sl->late[i] = atomic_load(&rt->late.b[i]);
		sl->cost[i] = atomic_load(&rt->cost.b[i]);
	}
	sl->late_max = sl->cycle_max = 0;
	stats_sync();
	for (n = stats_engine->graph.nodes, i = 0; n != NULL;
	    n = n->next, i++) {
		sn = &stats_tab[i]->snap[s];
		stats_read(&n->stats, &sn->frames, &sn->cost_ns, &sn->sumsq);
		sn->peak = 0;
	}
}

/* A free slot, its interval starting now; -1 when all are taken. */
int
stats_slot_new(void)
{
	int s;

	for (s = 0; s < STATS_SLOTS_MAX; s++) {
		if (!stats_slots[s].used) {
			stats_slots[s].used = 1;
			stats_mark(s);
			return s;
		}
	}
	return -1;
}

void
stats_slot_del(int slot)
{
	if (slot >= 0)
		stats_slots[slot].used = 0;
}

/* Take the RT side's maxima and fold them into every used slot. */
void
stats_tick(void)
{
	struct rt *rt = &stats_engine->rt;
	union { uint32_t u; float f; } pk;
	uint64_t late, cycle;
	struct stats_snap *sn;
	struct node *n;
	size_t i;
	int s;

	late = atomic_exchange(&rt->late_int_ns, 0);
	cycle = atomic_exchange(&rt->cycle_max_ns, 0);
	for (s = 0; s < STATS_SLOTS_MAX; s++) {
		if (!stats_slots[s].used)
			continue;
		stats_slots[s].late_max = stats_max(stats_slots[s].late_max,
		    late);
		stats_slots[s].cycle_max = stats_max(
		    stats_slots[s].cycle_max, cycle);
	}
	stats_sync();
	for (n = stats_engine->graph.nodes, i = 0; n != NULL;
	    n = n->next, i++) {
		pk.u = atomic_exchange(&n->stats.peak, 0);
		sn = stats_tab[i]->snap;
		for (s = 0; s < STATS_SLOTS_MAX; s++) {
			if (stats_slots[s].used && pk.f > sn[s].peak)
				sn[s].peak = pk.f;
		}
	}
}

/*
 * The value under which fraction q of the interval's counts lie, us:
 * the lower bound of the bucket where the running count of now - prev
 * reaches q of the total; 0 for an empty interval. Control thread.
 */
double
stats_hist_q(const uint64_t *now, const uint64_t *prev, double q)
{
	uint64_t total = 0, acc = 0;
	int i;

	for (i = 0; i < RT_HIST; i++)
		total += now[i] - prev[i];
	if (total == 0)
		return 0;
	for (i = 0; i < RT_HIST; i++) {
		acc += now[i] - prev[i];
		if ((double)acc >= q * (double)total)
			return (double)rt_hist_value(i);
	}
	return (double)rt_hist_value(RT_HIST - 1);
}

/* Per-node figures of slot s's interval; full adds cost and counters. */
static cJSON *
stats_nodes(int s, int full)
{
	cJSON *a = cJSON_CreateArray(), *o;
	uint64_t frames, cost, df;
	double sumsq;
	struct stats_snap *sn;
	struct node *n;
	double cycles;
	size_t i;

	stats_sync();
	for (n = stats_engine->graph.nodes, i = 0; n != NULL;
	    n = n->next, i++) {
		sn = &stats_tab[i]->snap[s];
		stats_read(&n->stats, &frames, &cost, &sumsq);
		df = frames - sn->frames;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", n->id);
		if (n->name[0] != '\0')
			cJSON_AddStringToObject(o, "name", n->name);
		if (full) {
			cJSON_AddStringToObject(o, "type", n->ops->type);
			if (n->bypassed)
				cJSON_AddBoolToObject(o, "bypassed", 1);
			cJSON_AddNumberToObject(o, "frames", (double)frames);
			cycles = (double)df / stats_engine->dev.period;
			cJSON_AddNumberToObject(o, "cost_us", df > 0 ?
			    round((double)(cost - sn->cost_ns) / 10.0 /
			    cycles) / 100.0 : 0.0);
			cJSON_AddNumberToObject(o, "underruns",
			    (double)atomic_load(&n->stats.underruns));
			cJSON_AddNumberToObject(o, "overruns",
			    (double)atomic_load(&n->stats.overruns));
			cJSON_AddNumberToObject(o, "clipped",
			    (double)atomic_load(&n->stats.clipped));
			cJSON_AddNumberToObject(o, "nonfinite",
			    (double)atomic_load(&n->stats.nonfinite));
			if (atomic_load(&n->stats.latency_ns) != 0)
				cJSON_AddNumberToObject(o, "latency_us",
				    (double)(atomic_load(
				    &n->stats.latency_ns) / 1000));
		}
		cJSON_AddNumberToObject(o, "peak_db", stats_db(sn->peak));
		cJSON_AddNumberToObject(o, "rms_db", stats_db(df > 0 ?
		    sqrt((sumsq - sn->sumsq) / (2.0 * df)) : 0.0));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/*
 * How the running engine's thread got real time, what it has, and why
 * not: rt_via, rt_policy, rt_priority, rt_error.
 */
static void
stats_rt(cJSON *o, const struct engine *e)
{
	static const char *const via[] = { "none", "sched", "rtkit" };
	int run = e->state == ENGINE_RUNNING;

	cJSON_AddStringToObject(o, "rt_via", run ? via[e->rt_via] : "none");
	if (run && e->rt_policy >= 0) {
		cJSON_AddStringToObject(o, "rt_policy",
		    e->rt_policy == SCHED_FIFO ? "fifo" :
		    e->rt_policy == SCHED_RR ? "rr" : "other");
		cJSON_AddNumberToObject(o, "rt_priority", e->rt_prio);
	}
	if (run && e->rt_error[0] != '\0')
		cJSON_AddStringToObject(o, "rt_error", e->rt_error);
}

/*
 * A stats object for slot s's interval, which then restarts: the design
 * card's cpu_pct, period and late_us, plus what operators need. With
 * event set, the object is that event and starts with its name.
 */
cJSON *
stats_report(int s, const char *event)
{
	if (s < 0 || s >= STATS_SLOTS_MAX)
		return stats_bad_slot(s, event);
	struct engine *e = stats_engine;
	struct stats_slot *sl = &stats_slots[s];
	struct rt *rt = &e->rt;
	uint64_t now, busy, cycles, late[RT_HIST], cost[RT_HIST];
	double dt, cpu;
	cJSON *o;
	int i;

	stats_tick();
	now = am_clock_ns();
	busy = atomic_load(&rt->busy_ns);
	cycles = atomic_load(&rt->cycles);
	for (i = 0; i < RT_HIST; i++) {
		late[i] = atomic_load(&rt->late.b[i]);
		cost[i] = atomic_load(&rt->cost.b[i]);
	}
	dt = (double)(now - sl->ns);
	cpu = dt > 0 ? 100.0 * (double)(busy - sl->busy) / dt : 0.0;

	o = cJSON_CreateObject();
	if (event != NULL)
		cJSON_AddStringToObject(o, "event", event);
	cJSON_AddNumberToObject(o, "cpu_pct", round(cpu * 100.0) / 100.0);
	cJSON_AddNumberToObject(o, "period", e->dev.period);
	cJSON_AddNumberToObject(o, "late_us", (double)(sl->late_max / 1000));
	cJSON_AddNumberToObject(o, "late_us_p99",
	    stats_hist_q(late, sl->late, 0.99));
	cJSON_AddNumberToObject(o, "late_us_max",
	    (double)(atomic_load(&rt->late_max_ns) / 1000));
	cJSON_AddNumberToObject(o, "cycle_us_p50",
	    stats_hist_q(cost, sl->cost, 0.50));
	cJSON_AddNumberToObject(o, "cycle_us_p99",
	    stats_hist_q(cost, sl->cost, 0.99));
	cJSON_AddNumberToObject(o, "cycle_us_max",
	    (double)(sl->cycle_max / 1000));
	cJSON_AddNumberToObject(o, "xruns", (double)atomic_load(&rt->xruns));
	cJSON_AddNumberToObject(o, "watchdog", (double)watchdog_count());
	cJSON_AddNumberToObject(o, "wakeups",
	    (double)atomic_load(&rt->wakeups));
	cJSON_AddNumberToObject(o, "wakeups_empty",
	    (double)atomic_load(&rt->wakeups_empty));
	cJSON_AddNumberToObject(o, "cycles", (double)(cycles - sl->cycles));
	cJSON_AddBoolToObject(o, "rt", e->state == ENGINE_RUNNING &&
	    e->rt_via != ENGINE_RT_NONE);
	stats_rt(o, e);
	cJSON_AddBoolToObject(o, "mlock", e->mlocked);
	cJSON_AddNumberToObject(o, "rate", e->dev.rate);
	cJSON_AddStringToObject(o, "backend", e->backend->name);
	cJSON_AddStringToObject(o, "state", engine_state_name(e->state));
	cJSON_AddNumberToObject(o, "drift_ppm", engine_drift_ppm(e));
	cJSON_AddNumberToObject(o, "events_dropped",
	    (double)atomic_load(&rt->ev_dropped));
	cJSON_AddItemToObject(o, "nodes", stats_nodes(s, 1));
	stats_mark(s);
	return o;
}

/* Peak and RMS of every node over slot s's interval, for meters. */
cJSON *
stats_levels(int s, const char *event)
{
	if (s < 0 || s >= STATS_SLOTS_MAX)
		return stats_bad_slot(s, event);
	cJSON *o = cJSON_CreateObject();

	if (event != NULL)
		cJSON_AddStringToObject(o, "event", event);
	stats_tick();
	cJSON_AddItemToObject(o, "nodes", stats_nodes(s, 0));
	stats_mark(s);
	return o;
}
