/* SPDX-License-Identifier: MIT */
#ifndef AM_ACLOCK_PAGE_H
#define AM_ACLOCK_PAGE_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * The shared clock page ({"cmd":"clock_map"}, amixd(7)): a sealed memfd
 * the engine updates every period and a client maps read-only. Every
 * field is a 64-bit little-endian word, updated under seq, a sequence
 * lock: odd while the engine writes. A reader loads seq, the fields,
 * then seq again, and retries unless both loads are the same even value
 * (lib/aclock_page.c). Doubles are stored as their IEEE-754 bits.
 */
#define AM_CLOCK_MAGIC		0x4b4c4341	/* "ACLK", little-endian */
#define AM_CLOCK_VERSION	1
#define AM_CLOCK_PAGE_SIZE	4096		/* bytes mapped */

/* Why the clock was last restarted (discont_reason). */
#define AM_CLOCK_START		0	/* the engine started */
#define AM_CLOCK_XRUN		1	/* an underrun or overrun */
#define AM_CLOCK_JUMP		2	/* the device time jumped */
#define AM_CLOCK_RATE		3	/* new rate or period */
#define AM_CLOCK_NREASON	4

struct am_clock_page {
	uint64_t magic;			/* AM_CLOCK_MAGIC */
	uint64_t version;		/* AM_CLOCK_VERSION */
	uint64_t size;			/* bytes of this struct */
	_Atomic uint64_t seq;		/* odd while being written */
	_Atomic uint64_t frames;	/* engine frame of this period */
	_Atomic uint64_t time_ns;	/* CLOCK_MONOTONIC it is heard */
	_Atomic uint64_t rate;		/* double bits: filtered, Hz */
	_Atomic uint64_t nominal;	/* Hz the device was opened at */
	_Atomic uint64_t period;	/* frames */
	_Atomic uint64_t latency;	/* frames: output latency */
	_Atomic uint64_t in_latency;	/* frames: input latency */
	_Atomic uint64_t dev_frames;	/* the device's counter at frames */
	_Atomic uint64_t meas_ns;	/* the measure the loop was fed */
	_Atomic uint64_t raw_ns;	/* by the raw wake-up time */
	_Atomic uint64_t discont;	/* restarts of the clock */
	_Atomic uint64_t reason;	/* AM_CLOCK_*, the last restart */
	_Atomic uint64_t running;	/* 1 while periods are coming */
	_Atomic uint64_t jitter_ns;	/* mean |raw - filtered| */
	_Atomic uint64_t jitter_max_ns;	/* largest since the restart */
	_Atomic uint64_t updates;	/* periods since the restart */
};

/* One consistent copy of the page. */
struct am_clock {
	uint64_t frames;		/* engine frame ... */
	uint64_t time_ns;		/* ... heard at this time */
	double rate;			/* Hz, filtered */
	uint32_t nominal, period;	/* Hz, frames */
	uint32_t latency, in_latency;	/* frames */
	uint64_t dev_frames;
	uint64_t meas_ns, raw_ns;	/* unfiltered time_ns: measure, wake-up */
	uint64_t discont;
	uint32_t reason;		/* AM_CLOCK_* */
	int running;
	uint64_t jitter_ns, jitter_max_ns;
	uint64_t updates;
};

/* A client's read-only mapping of the page. */
struct am_clock_map {
	const struct am_clock_page *page;
	int fd;
};

extern const char *const am_clock_reasons[];	/* by AM_CLOCK_* */

void am_clock_page_write(struct am_clock_page *p, const struct am_clock *c);
int am_clock_page_load(const struct am_clock_page *p, struct am_clock *c);
int am_clock_page_open(struct am_clock_map *m, int fd);
int am_clock_page_map(struct am_clock_map *m, const char *path);
int am_clock_page_read(const struct am_clock_map *m, struct am_clock *c);
void am_clock_page_close(struct am_clock_map *m);
uint64_t am_clock_frame_ns(const struct am_clock *c, uint64_t frame);

#endif /* !defined(AM_ACLOCK_PAGE_H) */
