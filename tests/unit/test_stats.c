/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the latency histograms (rt.c's buckets, stats.c's
 * quantiles): rt_hist_bucket on a table of edges (linear below 8 us,
 * then four buckets an octave, everything past the last in the last),
 * rt_hist_value its inverse at every bucket's bounds, and stats_hist_q,
 * which the stats events' late_us_p99 and cycle_us_p50/p99 come from,
 * on tables: an empty interval, one bucket, a spread, only what came
 * since the consumer's last report, and q = 1.
 */

#include <stdint.h>
#include <string.h>

#include "rt.h"
#include "stats.h"
#include "t.h"

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

int
main(void)
{
	test_buckets();
	test_quantiles();
	return t_done();
}
