/* SPDX-License-Identifier: MIT */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

#include "rt.h"

struct cJSON;
struct engine;

#define STATS_TICK_NS	(1000000000ULL / 30)	/* meter fold, 30 Hz */
#define STATS_SLOTS_MAX	128	/* stats consumers (slots) at once */

/*
 * One consumer of telemetry (a subscription, or the stats command):
 * what it saw at its last report, so each report covers the interval
 * since. Its view of each node is in stats.c's table, by slot number.
 */
struct stats_slot {
	int used;
	uint64_t ns;			/* CLOCK_MONOTONIC of last report */
	uint64_t busy, cycles;
	uint64_t late[RT_HIST], cost[RT_HIST];
	uint64_t late_max, cycle_max;	/* ns, max since last report */
};

void stats_init(struct engine *e);
void stats_done(void);
int stats_slot_new(void);
void stats_slot_del(int slot);
void stats_tick(void);
struct cJSON *stats_report(int slot, const char *event);
struct cJSON *stats_levels(int slot, const char *event);
double stats_hist_q(const uint64_t *now, const uint64_t *prev, double q);

#endif /* !defined(STATS_H) */
