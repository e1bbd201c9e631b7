/* SPDX-License-Identifier: MIT */
#ifndef ACLOCK_H
#define ACLOCK_H

#include <stdint.h>

#include "aclock_page.h"

#define ACLOCK_BW_MAX	1.0	/* Hz: loop bandwidth after a restart */
#define ACLOCK_BW_MIN	0.05	/* Hz: ... narrowed down to this */
#define ACLOCK_BW_STEP	0.8	/* factor, every quarter second */
#define ACLOCK_JUMP_NS	20000000.0	/* an error beyond: restart */
#define ACLOCK_JUMP_PERIODS 4.0	/* ... or beyond that many periods */
#define ACLOCK_PPM_MAX	2000.0	/* the rate stays this close to nominal */
#define ACLOCK_SETTLE	4	/* for 1/this s a restart's start may move */
#define ACLOCK_CLAMP_JIT	4.0	/* a measure moves the loop this x jitter, at most */
#define ACLOCK_PHASE_S	1	/* phase-only for 1/this s after a restart */

/*
 * The audio clock: a second-order delay-locked loop (F. Adriaensen,
 * "Using a DLL to filter time", 2005) from engine frames to the
 * CLOCK_MONOTONIC time at which they are heard. RT-owned once the
 * real-time thread runs; the control thread reads only the page.
 */
struct aclock {
	struct am_clock_page *page;	/* borrowed: shared, or &local */
	struct am_clock_page local;	/* until a shared page is attached */
	uint64_t base_ns;		/* t counts from here, ns */
	uint64_t pos;			/* frame of the last update */
	double t;			/* ns after base: pos heard, filtered */
	double per;			/* ns a frame, filtered */
	double bw;			/* Hz, loop bandwidth now */
	uint64_t bw_next;		/* frame at which bw narrows */
	uint64_t phase_end;		/* frame: phase-only until then */
	uint64_t settle_end;		/* frame: the start may move till then */
	uint32_t rate, period;		/* nominal: Hz, frames */
	int fresh;			/* the next update restarts */
	uint32_t why;			/* AM_CLOCK_*: of that restart */
	double jit;			/* ns: mean |raw - filtered| */
	struct am_clock now;		/* as last published */
};

void aclock_init(struct aclock *k);
void aclock_attach(struct aclock *k, struct am_clock_page *page);
void aclock_restart(struct aclock *k, uint32_t why);
int aclock_update(struct aclock *k, uint64_t frame, uint64_t t_ns,
    uint64_t raw_ns, uint64_t dev_frames, uint32_t rate, uint32_t period,
    uint32_t latency, uint32_t in_latency);
void aclock_stop(struct aclock *k);

#endif /* !defined(ACLOCK_H) */
