/* SPDX-License-Identifier: MIT */
#ifndef AM_CLOCK_H
#define AM_CLOCK_H

#include <stdint.h>
#include <time.h>

#define AM_NSEC_PER_SEC	1000000000ULL

uint64_t am_clock_ns(void);		/* CLOCK_MONOTONIC, nanoseconds */
void am_clock_ts(uint64_t ns, struct timespec *ts);
uint64_t am_clock_frames_ns(uint64_t frames, uint32_t rate);

#endif /* !defined(AM_CLOCK_H) */
