/* SPDX-License-Identifier: MIT */
/*
 * The audio clock's loop (amixd/aclock.c) against synthetic devices:
 * a true clock running ppm fast or slow, measured each period with a
 * deterministic uniform jitter, through steps, rate changes, xruns and
 * irregular updates; and the clock page's sequence lock under a
 * concurrent writer. Each case states the periods it may take to lock
 * and the error bound after that.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "aclock.h"
#include "t.h"

#define RATE	48000
#define PERIOD	128
#define T0	((uint64_t)5 * 24 * 3600 * 1000000000ULL)  /* 5 days up */

struct sim {
	double ppm;		/* true rate against nominal */
	double jitter;		/* ns: measures within +-jitter */
	uint32_t seed;
	int irregular;		/* 1 or 2 periods an update, like ALSA */
};

struct res {
	double terr;		/* ns: max |filtered - true| once locked */
	double rerr;		/* ppm: max |rate - true rate| once locked */
	double jit;		/* ns: the clock's mean jitter at the end */
	uint64_t discont;
};

static double
sim_noise(struct sim *s)
{
	s->seed = s->seed * 1664525u + 1013904223u;
	return ((double)(s->seed >> 8) / (double)(1u << 24) * 2.0 - 1.0) *
	    s->jitter;
}

/* True time at which frame f is heard. */
static uint64_t
sim_true(const struct sim *s, uint64_t f)
{
	return T0 + (uint64_t)((double)f * 1e9 / (RATE * (1.0 + s->ppm *
	    1e-6)));
}

/*
 * Run periods periods from frame f0 (with the clock as it is); errors
 * are taken after lock periods. Returns the frame reached.
 */
static uint64_t
sim_run(struct aclock *k, struct sim *s, uint64_t f0, long periods,
    long lock, struct res *r)
{
	uint64_t f = f0, t;
	double te, re, rtrue = RATE * (1.0 + s->ppm * 1e-6);
	long i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < periods; i++) {
		t = sim_true(s, f) + (uint64_t)(int64_t)sim_noise(s);
		aclock_update(k, f, t, t, f, RATE, PERIOD, PERIOD, 0);
		if (i >= lock) {
			te = fabs((double)(int64_t)(k->now.time_ns -
			    sim_true(s, f)));
			re = fabs(k->now.rate - rtrue) / rtrue * 1e6;
			if (te > r->terr)
				r->terr = te;
			if (re > r->rerr)
				r->rerr = re;
		}
		f += PERIOD * (s->irregular && (s->seed & 0x100) ? 2 : 1);
	}
	r->jit = (double)k->now.jitter_ns;
	r->discont = k->now.discont;
	return f;
}

static void
case_drift(double ppm, double jitter, int irregular, long lock,
    double tbound, double rbound)
{
	struct aclock k;
	struct sim s = { ppm, jitter, 12345, irregular };
	struct res r;

	aclock_init(&k);
	sim_run(&k, &s, 1000, 20 * RATE / PERIOD, lock, &r);
	ok(r.terr <= tbound, "%+.0f ppm, jitter +-%.0f us%s: time within "
	    "%.0f ns after %ld periods (max %.1f ns)", ppm, jitter / 1000,
	    irregular ? ", irregular" : "", tbound, lock, r.terr);
	ok(r.rerr <= rbound, "%+.0f ppm, jitter +-%.0f us%s: rate within "
	    "%.2f ppm (max %.3f ppm)", ppm, jitter / 1000,
	    irregular ? ", irregular" : "", rbound, r.rerr);
	is_int((long long)r.discont, 1, "one restart: the start");
	printf("# jitter reported %.0f ns for +-%.0f ns uniform\n", r.jit,
	    jitter);
}

/* The loop restarts on a step, an xrun, a rate change; relocks fast. */
static void
case_discont(void)
{
	struct aclock k;
	struct sim s = { 50, 20000, 777, 0 };
	struct res r;
	uint64_t f;

	aclock_init(&k);
	f = sim_run(&k, &s, 0, 2000, 0, &r);
	is_int((long long)k.now.reason, AM_CLOCK_START, "first: start");
	/* The device time steps 50 ms ahead (a host stall, a reset). */
	s.ppm = 50;
	f = sim_run(&k, &s, f + 2400, 0, 0, &r);
	{
		uint64_t t = sim_true(&s, f) + 50000000;

		ok(aclock_update(&k, f, t, t, f, RATE, PERIOD, PERIOD, 0) == 1,
		    "a 50 ms step restarts the clock");
		is_int((long long)k.now.reason, AM_CLOCK_JUMP, "reason: jump");
		is_int((long long)k.now.time_ns, (long long)t,
		    "it restarts from the measure");
	}
	aclock_restart(&k, AM_CLOCK_XRUN);
	f = sim_run(&k, &s, f + PERIOD, 1, 0, &r);
	is_int((long long)k.now.reason, AM_CLOCK_XRUN, "an xrun restarts it");
	is_int((long long)k.now.discont, 3, "three restarts counted");
	/* The rate estimate survives a restart: locked again at once. */
	f = sim_run(&k, &s, f, 3000, 40, &r);
	ok(r.terr < 20000.0 && r.rerr < 5.0, "after the xrun: relocked in "
	    "40 periods (%.0f ns, %.2f ppm)", r.terr, r.rerr);
	/* A new rate: restart, and the nominal rate is taken. */
	{
		uint64_t t = sim_true(&s, f);

		ok(aclock_update(&k, f, t, t, f, 44100, PERIOD, PERIOD, 0) ==
		    1, "a new rate restarts the clock");
		is_int((long long)k.now.reason, AM_CLOCK_RATE, "reason: rate");
		is_double(k.now.rate, 44100.0, 1e-6, "rate starts nominal");
	}
	/* A frame counter that goes back is a jump too. */
	{
		uint64_t t = sim_true(&s, f) + 1000000;

		ok(aclock_update(&k, f - 1, t, t, f, 44100, PERIOD, PERIOD,
		    0) == 1, "a frame counter going back restarts");
	}
	/* Stop: not running; the next update restarts as a start. */
	aclock_stop(&k);
	is_int(k.now.running, 0, "stopped: not running");
	{
		uint64_t t = sim_true(&s, f) + 5000000000ULL;

		ok(aclock_update(&k, f + 10 * PERIOD, t, t, f, 44100, PERIOD,
		    PERIOD, 0) == 1, "after a stop the update restarts");
		is_int((long long)k.now.reason, AM_CLOCK_START,
		    "reason: start");
		is_int(k.now.running, 1, "running again");
	}
}

/*
 * A restart whose first measure is 300 us off (a preempted reading):
 * the phase is pulled in at the wide bandwidth while the rate, known
 * from before, stays within 2 ppm; within 20 us after 0.5 s.
 */
static void
case_first_error(void)
{
	struct aclock k;
	struct sim s = { 20, 10000, 99, 0 };
	struct res r;
	uint64_t f, t;
	double rtrue = RATE * (1.0 + 20e-6), worst = 0;
	long i;

	aclock_init(&k);
	f = sim_run(&k, &s, 0, 20 * RATE / PERIOD, 0, &r);
	aclock_restart(&k, AM_CLOCK_XRUN);
	t = sim_true(&s, f) + 300000;
	aclock_update(&k, f, t, t, f, RATE, PERIOD, PERIOD, 0);
	for (i = 0; i < 2000; i++) {
		f += PERIOD;
		t = sim_true(&s, f) + (uint64_t)(int64_t)sim_noise(&s);
		aclock_update(&k, f, t, t, f, RATE, PERIOD, PERIOD, 0);
		if (fabs(k.now.rate - rtrue) / rtrue * 1e6 > worst)
			worst = fabs(k.now.rate - rtrue) / rtrue * 1e6;
	}
	ok(worst < 2.0, "restart 300 us off: the rate stays within 2 ppm "
	    "(max %.3f)", worst);
	f = sim_run(&k, &s, f + PERIOD, 3000, 0, &r);
	ok(r.terr < 20000.0, "... and the time within 20 us after 2000 "
	    "periods (max %.0f ns)", r.terr);
}

/* A first measure a whole period early (JACK's first cycle) is dropped. */
static void
case_first_period(void)
{
	struct aclock k;
	struct sim s = { 0, 5000, 5, 0 };
	struct res r;
	uint64_t t = sim_true(&s, 0) - 2666667;

	aclock_init(&k);
	aclock_update(&k, 0, t, t, 0, RATE, PERIOD, PERIOD, 0);
	sim_run(&k, &s, PERIOD, 3000, 750, &r);
	ok(r.terr < 10000.0 && r.rerr < 2.0, "a first measure a period "
	    "early is dropped: within 10 us and 2 ppm after 2 s (%.0f ns, "
	    "%.3f ppm)",
	    r.terr, r.rerr);
	is_int((long long)k.now.discont, 1, "... with no restart counted");
}

/*
 * A loaded machine (jackd under .ci/run): one wake-up in a hundred late
 * by up to 3 ms, and an xrun every 2.5 s that loses 10 ms and whose
 * first wake-up after it comes 0.5 ms late. Each restart keeps the
 * rate, so over a minute of it the rate the clock reports stays within
 * 3 ppm of the true one, and from a second after each restart its time
 * within 100 us of the truth.
 */
static void
case_loaded(void)
{
	struct aclock k;
	struct sim s = { 20, 20000, 4242, 0 };
	struct res r;
	uint64_t f, t, off = 0;
	double rtrue = RATE * (1.0 + 20e-6), worst = 0, terr = 0, late, e;
	long i, since = 0;

	aclock_init(&k);
	f = sim_run(&k, &s, 0, 10 * RATE / PERIOD, 0, &r);
	for (i = 1; i <= 60L * RATE / PERIOD; i++, since++) {
		t = sim_true(&s, f) + off;
		if (i % (RATE * 5 / 2 / PERIOD) == 0) {
			aclock_restart(&k, AM_CLOCK_XRUN);
			off += 10000000;
			t += 10000000 + 500000;
			since = 0;
		}
		late = sim_noise(&s);
		t += (uint64_t)(int64_t)sim_noise(&s);
		if (late > 19600.0)	/* 1 % of (-20000, 20000) */
			t += (uint64_t)((late - 19600.0) * 7500.0);
		aclock_update(&k, f, t, t, f, RATE, PERIOD, PERIOD, 0);
		if (fabs(k.now.rate - rtrue) / rtrue * 1e6 > worst)
			worst = fabs(k.now.rate - rtrue) / rtrue * 1e6;
		e = fabs((double)(int64_t)(k.now.time_ns - sim_true(&s, f) -
		    off));
		if (since >= RATE / PERIOD && e > terr)
			terr = e;
		f += PERIOD;
	}
	ok(worst < 3.0, "late wake-ups and an xrun every 2.5 s: the rate "
	    "stays within 3 ppm for a minute (max %.3f)", worst);
	ok(terr < 100000.0, "... and the time within 100 us from a second "
	    "after each restart (max %.0f ns)", terr);
	is_int((long long)k.now.discont, 25, "... 24 xruns, 24 restarts");
}

/* Ten simulated minutes at +100 ppm, no jitter: no error builds up. */
static void
case_long(void)
{
	struct aclock k;
	struct sim s = { 100, 0, 1, 0 };
	struct res r;

	aclock_init(&k);
	sim_run(&k, &s, 0, 600L * RATE / PERIOD, 60L * RATE / PERIOD, &r);
	ok(r.terr < 50.0, "10 min at +100 ppm exact: within 50 ns after "
	    "60 s (max %.1f ns)", r.terr);
	ok(r.rerr < 0.01, "... rate within 0.01 ppm (max %.4f)", r.rerr);
}

/* The page: a written copy loads back; a reader never sees a torn one. */
static struct am_clock_page page_shared;
static _Atomic int page_done;

static void *
page_writer(void *arg)
{
	struct am_clock c;
	uint64_t i;

	(void)arg;
	memset(&c, 0, sizeof(c));
	for (i = 1; !atomic_load(&page_done); i++) {
		c.frames = i;
		c.time_ns = i * 3;
		c.rate = (double)i;
		c.dev_frames = i * 5;
		c.raw_ns = i * 7;
		c.updates = i;
		am_clock_page_write(&page_shared, &c);
	}
	return NULL;
}

static void
case_page(void)
{
	struct am_clock_page p;
	struct am_clock in, out;
	pthread_t th;
	long i, torn = 0, got = 0;

	memset(&p, 0, sizeof(p));
	memset(&in, 0, sizeof(in));
	ok(am_clock_page_load(&p, &out) == -EPROTO, "no magic: -EPROTO");
	p.magic = AM_CLOCK_MAGIC;
	p.version = AM_CLOCK_VERSION;
	p.size = sizeof(p);
	in.frames = 1234567;
	in.time_ns = T0;
	in.rate = 48000.25;
	in.nominal = 48000;
	in.period = 256;
	in.latency = 512;
	in.in_latency = 256;
	in.discont = 3;
	in.reason = AM_CLOCK_XRUN;
	in.running = 1;
	am_clock_page_write(&p, &in);
	ok(am_clock_page_load(&p, &out) == 0 && out.frames == in.frames &&
	    out.time_ns == in.time_ns && out.rate == in.rate &&
	    out.period == 256 && out.latency == 512 && out.discont == 3 &&
	    out.reason == AM_CLOCK_XRUN && out.running == 1,
	    "a written copy loads back");
	is_int((long long)am_clock_frame_ns(&out, in.frames + 48000),
	    (long long)(T0 + 999994792ULL), "frame_ns: 48000 frames later");
	is_int((long long)am_clock_frame_ns(&out, in.frames - 48000),
	    (long long)(T0 - 999994792ULL), "frame_ns: 48000 frames before");

	page_shared = p;
	memset(&in, 0, sizeof(in));
	am_clock_page_write(&page_shared, &in);
	atomic_store(&page_done, 0);
	pthread_create(&th, NULL, page_writer, NULL);
	for (i = 0; i < 2000000; i++) {
		if (am_clock_page_load(&page_shared, &out) < 0)
			continue;
		got++;
		if (out.frames != 0 && (out.time_ns != out.frames * 3 ||
		    out.rate != (double)out.frames ||
		    out.dev_frames != out.frames * 5 ||
		    out.raw_ns != out.frames * 7 ||
		    out.updates != out.frames))
			torn++;
	}
	atomic_store(&page_done, 1);
	pthread_join(th, NULL);
	ok(got > 0 && torn == 0, "2M reads against a writer: %ld loaded, "
	    "%ld torn", got, torn);
}

int
main(void)
{
	/*
	 * Exact measures of a nominal clock lock at once; a clock 100 ppm
	 * off from nominal, measured exactly, is within 1 us and 0.5 ppm
	 * after 8 s (3000 periods of 2.7 ms).
	 */
	case_drift(0, 0, 0, 1, 1.0, 0.001);
	/*
	 * A device 100 ppm fast or slow, and 100 us of uniform jitter on a
	 * 2.7 ms period: from nominal, locked within 2 s (750 periods) to
	 * 10 us and 5 ppm; the narrow loop then keeps that.
	 */
	case_drift(100, 100000, 0, 750, 10000.0, 5.0);
	case_drift(-100, 100000, 0, 750, 10000.0, 5.0);
	case_drift(100, 0, 0, 3000, 1000.0, 0.5);
	/* ALSA-like: one or two periods per update. */
	case_drift(-100, 100000, 1, 750, 10000.0, 5.0);
	/* A whole JACK period of granularity (the jack plugin's avail). */
	case_drift(30, 1333000, 1, 1500, 100000.0, 20.0);
	case_discont();
	case_first_error();
	case_first_period();
	case_loaded();
	case_long();
	case_page();
	return t_done();
}
