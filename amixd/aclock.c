/* SPDX-License-Identifier: MIT */
/*
 * The audio clock: when will engine frame N be heard, in CLOCK_MONOTONIC
 * time? Each period the backend measures it once for the period's first
 * frame (t_ns: the null timer's deadline, the JACK process call's
 * wake-up, or the ALSA wake-up plus what is still queued in the device,
 * each plus the output latency) and aclock_update filters those measures with a
 * second-order delay-locked loop, as JACK and PipeWire do (F. Adriaensen,
 * "Using a DLL to filter time", LAC 2005):
 *
 *	pred = t + n * per		(n frames since the last update)
 *	e    = t_ns - pred
 *	t    = pred + b * e,  per += c * e / n,
 *	b = sqrt(2) w,  c = w^2,  w = 2 pi B n / rate.
 *
 * per (ns a frame) is the inverse of the filtered rate, so the loop
 * follows a device running ppm fast or slow with no error left, and n
 * may vary between updates (ALSA moves several periods a wake-up). The
 * bandwidth B starts wide after a restart (ACLOCK_BW_MAX: locked within
 * a few dozen periods) and narrows by ACLOCK_BW_STEP every quarter of a
 * second down to ACLOCK_BW_MIN, which smooths wake-up jitter. After a
 * restart at a rate already known (an xrun), the phase alone is locked
 * first (c = 0) so the first measure's error does not disturb the rate,
 * and the loop then goes on at the bandwidth it had: on a loaded
 * machine that restarts every few seconds a wide loop each time let
 * late wake-ups move the rate by tens of ppm. For the same reason no
 * one measure moves the loop by more than ACLOCK_CLAMP_JIT times the
 * jitter seen so far, or an eighth of a period. An error
 * beyond ACLOCK_JUMP_NS and ACLOCK_JUMP_PERIODS periods, a new rate or
 * period, an xrun (aclock_restart) or a start restarts the loop from
 * the measure: a discontinuity, counted and published with its reason.
 * The rate estimate survives a restart at the same nominal rate. For
 * 1/ACLOCK_SETTLE s after a restart a measure may still move its start
 * outright when it disagrees by more than a quarter period: the first
 * wake-ups of a new thread or JACK client come late or in a burst (JACK's
 * first cycle times were a whole period off).
 *
 * Times are kept as a 64-bit base plus a double offset rebased every
 * second, so the doubles never lose precision on a long uptime.
 *
 * Threads: aclock_init/attach/stop on the control thread while no
 * real-time thread runs; aclock_update and aclock_restart on the RT
 * thread: arithmetic and stores to the page only (no system call, no
 * libm call that may set errno).
 */

#include <string.h>

#include "aclock.h"

#define ACLOCK_SQRT2	1.41421356237309504880
#define ACLOCK_2PI	6.28318530717958647692
#define ACLOCK_JIT_AVG	64.0	/* updates the jitter mean spans */

/* Control: an idle clock publishing into its own page. */
void
aclock_init(struct aclock *k)
{
	memset(k, 0, sizeof(*k));
	k->local.magic = AM_CLOCK_MAGIC;
	k->local.version = AM_CLOCK_VERSION;
	k->local.size = sizeof(k->local);
	k->page = &k->local;
	k->fresh = 1;
	k->why = AM_CLOCK_START;
}

/*
 * Control, while no real-time thread runs: publish into page from now
 * on (a shared mapping of AM_CLOCK_PAGE_SIZE bytes, zeroed), with what
 * the clock knows already.
 */
void
aclock_attach(struct aclock *k, struct am_clock_page *page)
{
	page->magic = AM_CLOCK_MAGIC;
	page->version = AM_CLOCK_VERSION;
	page->size = sizeof(*page);
	am_clock_page_write(page, &k->now);
	k->page = page;
}

/*
 * RT, or control while no real-time thread runs: the next update starts
 * the clock afresh, a discontinuity for the reason why (AM_CLOCK_*).
 * The first reason given before that update wins.
 */
void
aclock_restart(struct aclock *k, uint32_t why)
{
	if (!k->fresh)
		k->why = why;
	k->fresh = 1;
}

/* RT: |x| without libm. */
static inline double
aclock_abs(double x)
{
	return x < 0 ? -x : x;
}

/* RT: x within -lim..lim. */
static inline double
aclock_clamp(double x, double lim)
{
	return x > lim ? lim : x < -lim ? -lim : x;
}

/* RT: start the loop over at frame heard at t_ns. */
static void
aclock_reset(struct aclock *k, uint64_t frame, uint64_t t_ns, uint32_t rate,
    uint32_t period)
{
	double nominal = 1e9 / rate;

	/*
	 * The rate is known: the phase alone is locked at the wide
	 * bandwidth for a while (ACLOCK_PHASE_S), leaving the rate alone,
	 * then both at the bandwidth the loop had: the first measure's
	 * error does not become a rate error. A new rate starts wide.
	 */
	k->phase_end = frame + rate / ACLOCK_PHASE_S;
	if (rate != k->rate || k->per <= 0.0) {
		k->per = nominal;
		k->bw = ACLOCK_BW_MAX;
		k->phase_end = frame;
	}
	k->rate = rate;
	k->period = period;
	k->base_ns = t_ns;
	k->t = 0.0;
	k->pos = frame;
	k->bw_next = frame + rate / 4;
	k->settle_end = frame + rate / ACLOCK_SETTLE;
	k->jit = 0.0;
	k->now.discont++;
	k->now.reason = k->why;
	k->now.updates = 0;
	k->now.jitter_max_ns = 0;
	k->fresh = 0;
}

/*
 * RT: frame (the first of this period, in engine frames) is heard at
 * t_ns by this period's measure, and was, by the raw wake-up time,
 * heard at raw_ns; dev_frames is the device's own count for it. Feed
 * the loop and publish the filtered clock. 1 when the clock restarted
 * here (a discontinuity), else 0.
 */
int
aclock_update(struct aclock *k, uint64_t frame, uint64_t t_ns,
    uint64_t raw_ns, uint64_t dev_frames, uint32_t rate, uint32_t period,
    uint32_t latency, uint32_t in_latency)
{
	struct am_clock *c = &k->now;
	double n = 0.0, pred = 0.0, e = 0.0;	/* set when not fresh */
	double w, lim, nominal, f, jit;
	uint64_t whole;
	int restarted = 0, phase;

	if (rate == 0 || period == 0)
		return 0;
	if (!k->fresh && (rate != k->rate || period != k->period))
		aclock_restart(k, AM_CLOCK_RATE);
	if (!k->fresh && frame <= k->pos)
		aclock_restart(k, AM_CLOCK_JUMP);
	if (!k->fresh) {
		n = (double)(frame - k->pos);
		pred = k->t + n * k->per;
		/* Signed: a measure may come before base_ns (a late one moved it). */
		e = (double)(int64_t)(t_ns - k->base_ns) - pred;
		lim = ACLOCK_JUMP_PERIODS * period * k->per;
		if (aclock_abs(e) > ACLOCK_JUMP_NS && aclock_abs(e) > lim)
			aclock_restart(k, AM_CLOCK_JUMP);
	}
	if (k->fresh) {
		aclock_reset(k, frame, t_ns, rate, period);
		restarted = 1;
	} else if (frame < k->settle_end &&
	    aclock_abs(e) > period * k->per / 4) {
		/* The first measures disagree: start from this one instead. */
		k->base_ns = t_ns;
		k->t = 0.0;
		k->pos = frame;
	} else {
		phase = frame < k->phase_end;
		w = ACLOCK_2PI * (phase ? ACLOCK_BW_MAX : k->bw) * n / rate;
		if (w > 0.5)
			w = 0.5;	/* a long gap: follow, do not ring */
		/*
		 * A late wake-up (a loaded machine) says little about the
		 * device: what the loop takes from one measure is bounded
		 * by the jitter seen so far, never below an eighth of a
		 * period, for phase and rate alike (the rate then returns
		 * to where it was once the phase has). A real step keeps
		 * coming: the jitter, the bound and the loop follow it.
		 */
		e = aclock_clamp(e, ACLOCK_CLAMP_JIT * k->jit +
		    period * k->per / 8);
		k->t = pred + ACLOCK_SQRT2 * w * e;
		if (!phase)
			k->per += w * w * e / n;
		nominal = 1e9 / rate;
		lim = nominal * ACLOCK_PPM_MAX * 1e-6;
		if (k->per > nominal + lim)
			k->per = nominal + lim;
		if (k->per < nominal - lim)
			k->per = nominal - lim;
		k->pos = frame;
		if (!phase && frame >= k->bw_next && k->bw > ACLOCK_BW_MIN) {
			k->bw *= ACLOCK_BW_STEP;
			if (k->bw < ACLOCK_BW_MIN)
				k->bw = ACLOCK_BW_MIN;
			k->bw_next = frame + rate / 4;
		}
		if (k->t >= 1e9) {
			whole = (uint64_t)k->t;
			k->base_ns += whole;
			k->t -= (double)whole;
		}
	}
	f = k->t < 0.0 ? 0.0 : k->t;
	c->frames = frame;
	c->time_ns = k->base_ns + (uint64_t)(f + 0.5);
	c->rate = 1e9 / k->per;
	c->nominal = rate;
	c->period = period;
	c->latency = latency;
	c->in_latency = in_latency;
	c->dev_frames = dev_frames;
	c->meas_ns = t_ns;
	c->raw_ns = raw_ns;
	c->running = 1;
	jit = aclock_abs((double)(int64_t)(raw_ns - c->time_ns));
	k->jit += (jit - k->jit) / (c->updates < ACLOCK_JIT_AVG ?
	    (double)c->updates + 1.0 : ACLOCK_JIT_AVG);
	c->jitter_ns = (uint64_t)k->jit;
	if ((uint64_t)jit > c->jitter_max_ns)
		c->jitter_max_ns = (uint64_t)jit;
	c->updates++;
	am_clock_page_write(k->page, c);
	return restarted;
}

/*
 * Control, after the real-time thread stopped: the clock stands still;
 * the next update after a start restarts it.
 */
void
aclock_stop(struct aclock *k)
{
	k->now.running = 0;
	am_clock_page_write(k->page, &k->now);
	aclock_restart(k, AM_CLOCK_START);
}
