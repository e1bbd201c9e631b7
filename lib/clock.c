/* SPDX-License-Identifier: MIT */
/*
 * clock: monotonic time and frame/time conversion.
 *
 * All engine timing is CLOCK_MONOTONIC in nanoseconds held in a
 * uint64_t (good for 584 years of uptime). Durations of audio are
 * computed from frame counts, never accumulated from rounded periods,
 * so am_clock_frames_ns() is exact (floor) for any frame count a 64-bit
 * result can hold. Any thread, including the real-time thread.
 */

#include <time.h>

#include "clock.h"

/*
 * RT: CLOCK_MONOTONIC now, in nanoseconds (vDSO, no system call).
 */
uint64_t
am_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * AM_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * RT: split nanoseconds into a timespec, for clock_nanosleep(2) or
 * timerfd_settime(2) with CLOCK_MONOTONIC.
 */
void
am_clock_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / AM_NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % AM_NSEC_PER_SEC);
}

/*
 * RT: duration of frames at rate Hz, in nanoseconds, rounded down.
 * frames * 1e9 would overflow 64 bits past 2^34 frames, so the whole
 * seconds are split off first: with frames = q * rate + r (r < rate <=
 * 2^32), r * 1e9 < 2^62 fits, and the result is exact. rate 0 gives 0.
 */
uint64_t
am_clock_frames_ns(uint64_t frames, uint32_t rate)
{
	uint64_t q, r;

	if (rate == 0)
		return 0;
	q = frames / rate;
	r = frames % rate;
	return q * AM_NSEC_PER_SEC + r * AM_NSEC_PER_SEC / rate;
}
