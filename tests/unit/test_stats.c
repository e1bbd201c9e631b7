/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the latency histograms (rt.c's buckets, stats.c's
 * quantiles): rt_hist_bucket on a table of edges (linear below 8 us,
 * then four buckets an octave, everything past the last in the last),
 * rt_hist_value its inverse at every bucket's bounds, and stats_hist_q,
 * which the stats events' late_us_p99 and cycle_us_p50/p99 come from,
 * on tables: an empty interval, one bucket, a spread, only what came
 * since the consumer's last report, and q = 1. And stats.c's table of
 * what a consumer saw of each node, kept outside struct node: as nodes
 * come and go each report must still measure each node against its own
 * snapshot (a new node from zero), in the graph's order.
 */

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "rt.h"
#include "stats.h"
#include "t.h"
#include "tgraph.h"

static const struct {
	uint64_t us;
	int bucket;
} bucket_rows[] = {
	{ 0, 0 }, { 1, 1 }, { 7, 7 },		/* linear below 8 */
	{ 8, 8 }, { 9, 8 }, { 10, 9 }, { 11, 9 }, { 12, 10 }, { 13, 10 },
	{ 14, 11 }, { 15, 11 },			/* 8..15: four of two us */
	{ 16, 12 }, { 19, 12 }, { 20, 13 }, { 24, 14 }, { 28, 15 },
	{ 31, 15 }, { 32, 16 },			/* 16..31: four of four */
	{ 1000, 35 }, { 1023, 35 }, { 1024, 36 },
	{ 1ULL << 20, 76 }, { (1ULL << 20) + (1ULL << 18), 77 },
	{ 3ULL << 19, 78 }, { 7ULL << 18, 79 },	/* the last bucket */
	{ 1ULL << 21, 79 }, { UINT64_MAX, 79 },	/* past it: the last */
};

static void
test_buckets(void)
{
	size_t i;
	int b, bad = 0;

	for (i = 0; i < sizeof(bucket_rows) / sizeof(bucket_rows[0]); i++)
		is_int(rt_hist_bucket(bucket_rows[i].us),
		    bucket_rows[i].bucket, "bucket of %llu us",
		    (unsigned long long)bucket_rows[i].us);
	/* Every bucket: its lower bound is in it, the one below is not. */
	for (b = 0; b < RT_HIST; b++) {
		if (rt_hist_bucket(rt_hist_value(b)) != b)
			bad++;
		if (b > 0 && rt_hist_bucket(rt_hist_value(b) - 1) != b - 1)
			bad++;
		if (b > 0 && rt_hist_value(b) <= rt_hist_value(b - 1))
			bad++;
	}
	is_int(bad, 0, "rt_hist_value is the lower bound of each bucket, "
	    "increasing");
	/* Four buckets an octave: four up is twice the value. */
	bad = 0;
	for (b = 12; b < RT_HIST; b++)
		bad += rt_hist_value(b) != 2 * rt_hist_value(b - 4);
	is_int(bad, 0, "from 8 us on, four buckets an octave");
}

static void
test_quantiles(void)
{
	uint64_t now[RT_HIST], prev[RT_HIST];

	memset(now, 0, sizeof(now));
	memset(prev, 0, sizeof(prev));
	is_double(stats_hist_q(now, prev, 0.99), 0, 0, "empty: 0");

	now[rt_hist_bucket(100)] = 50;
	is_double(stats_hist_q(now, prev, 0.5), rt_hist_value(
	    rt_hist_bucket(100)), 0, "one bucket: its lower bound (p50)");
	is_double(stats_hist_q(now, prev, 0.99), 96, 0,
	    "one bucket: 96 us holds 100 us (p99)");

	/* 98 cycles at 5 us, one at 40, one at 3000: p50 5, p99 40. */
	memset(now, 0, sizeof(now));
	now[5] = 98;
	now[rt_hist_bucket(40)] = 1;
	now[rt_hist_bucket(3000)] = 1;
	is_double(stats_hist_q(now, prev, 0.5), 5, 0, "spread: p50");
	is_double(stats_hist_q(now, prev, 0.99), 40, 0, "spread: p99");
	is_double(stats_hist_q(now, prev, 1.0), 2560, 0,
	    "spread: p100 is the slowest's bucket (2560..3071)");

	/* Only the interval counts: what prev saw is subtracted. */
	memcpy(prev, now, sizeof(prev));
	now[rt_hist_bucket(700)] += 10;
	is_double(stats_hist_q(now, prev, 0.5), rt_hist_value(
	    rt_hist_bucket(700)), 0, "since the last report: only new ones");
	memcpy(prev, now, sizeof(prev));
	is_double(stats_hist_q(now, prev, 0.5), 0, 0,
	    "nothing new since the last report: 0");
}

static struct engine e;

/* Counters as the RT side leaves them: frames, their squares, a peak. */
static void
feed(struct node *n, uint64_t frames, double level)
{
	union { uint64_t u; double d; } sq;
	union { uint32_t u; float f; } pk;

	atomic_fetch_add(&n->stats.frames, frames);
	sq.u = atomic_load(&n->stats.sumsq);
	sq.d += 2.0 * (double)frames * level * level;
	atomic_store(&n->stats.sumsq, sq.u);
	pk.f = (float)level;
	atomic_store(&n->stats.peak, pk.u);
}

/* Node i of a report: id, and its rms_db (or -1000 when absent). */
static double
rms_of(cJSON *r, int i, uint32_t *id)
{
	cJSON *n = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "nodes"), i);

	*id = 0;
	if (n == NULL)
		return -1000.0;
	*id = (uint32_t)cJSON_GetObjectItem(n, "id")->valuedouble;
	return cJSON_GetObjectItem(n, "rms_db")->valuedouble;
}

static void
test_table(void)
{
	struct dev_config dev;
	struct node *a, *b, *c, *d;
	uint32_t id;
	cJSON *r;
	int s;

	memset(&dev, 0, sizeof(dev));
	dev.rate = 48000;
	dev.period = 128;
	dev.channels = 2;
	is_int(engine_init(&e, &backend_null_ops, &dev), 0, "engine_init");
	stats_init(&e);
	a = t_node_new(&e.graph, node_ops_find("gain"), 0);
	b = t_node_new(&e.graph, node_ops_find("gain"), 0);
	c = t_node_new(&e.graph, node_ops_find("gain"), 0);
	s = stats_slot_new();
	ok(s >= 0, "a slot");
	feed(b, 128, 0.5);
	r = stats_report(s, NULL);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(r, "nodes")), 3,
	    "three nodes");
	is_double(rms_of(r, 0, &id), -200.0, 0.01, "a: silent");
	is_int(id, a->id, "a first");
	is_double(rms_of(r, 1, &id), -6.02, 0.01, "b: -6 dB");
	is_int(id, b->id, "b second");
	cJSON_Delete(r);

	/* a goes, d comes: b keeps its own snapshot, d starts from zero. */
	node_del(graph_remove(&e.graph, a->id));
	d = t_node_new(&e.graph, node_ops_find("gain"), 0);
	feed(b, 128, 0.1);
	feed(d, 128, 0.25);
	r = stats_report(s, NULL);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(r, "nodes")), 3,
	    "three nodes again");
	is_double(rms_of(r, 0, &id), -20.0, 0.01,
	    "b: only its new interval, against its own snapshot");
	is_int(id, b->id, "b first now");
	is_double(rms_of(r, 1, &id), -200.0, 0.01, "c: silent");
	is_int(id, c->id, "c second");
	is_double(rms_of(r, 2, &id), -12.04, 0.01, "d: its whole life");
	is_int(id, d->id, "d last");
	cJSON_Delete(r);

	/* Every node gone: an empty report, nothing stale. */
	t_graph_clear(&e.graph);
	r = stats_report(s, NULL);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(r, "nodes")), 0,
	    "no nodes");
	cJSON_Delete(r);
	stats_slot_del(s);
	engine_done(&e);
	stats_done();
}

int
main(void)
{
	test_buckets();
	test_quantiles();
	test_table();
	return t_done();
}
