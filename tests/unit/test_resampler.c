/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of amixd/resampler.c:
 *
 * - the RT rule: resampler_run and resampler_retarget make no heap call
 *   (malloc, calloc, realloc, free... are wrapped here, or under ASan
 *   and TSan counted through the sanitizer's allocator hooks, while the
 *   real-time side runs), for every quality, period and rate pair,
 *   for a converter made for the real-time thread (no RESAMPLER_NONRT:
 *   libsoxr, primed and called in fixed blocks: resampler_soxr.c),
 *   also over 120 s of random periods at more rate pairs, and it is
 *   libsoxr that converts there, its output lined up with that of a
 *   fresh soxr off the real-time thread);
 * - RESAMPLER_NONRT (libsoxr as resampler_run needs it): clean and
 *   deterministic too;
 * - determinism: the same input in the same periods gives the same bytes;
 * - quality: a 1 kHz sine at 44.1 -> 48 kHz comes out at least as clean
 *   as each quality promises (a least-squares sine fit);
 * - no gap: 30 s of a sine come out as that sine within 1e-3 at every
 *   frame, on and off the real-time thread;
 * - retarget (RESAMPLER_VARY) to another rate keeps converting, at the
 *   new rate, without allocating;
 * - equal rates: an exact copy;
 * - the push model (resampler_push, an app_sink's): no heap call, every
 *   input frame taken, as many frames out as the ratio says (within the
 *   filter's delay) and a clean sine, whatever the period.
 */

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resampler.h"
#include "t.h"

static volatile int t_counting;	/* count heap calls now */
static volatile long t_heap;	/* heap calls counted */
static void *volatile t_probe;	/* the counter's own check */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/*
 * A sanitizer owns malloc: count through its allocator hooks instead of
 * replacing malloc (glibc's __libc_* under ASan or TSan mix two heaps).
 */
/* From <sanitizer/allocator_interface.h>, which only clang installs. */
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

static void
t_hook_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	t_heap += t_counting;
}

static void
t_hook_free(const volatile void *p)
{
	t_heap += t_counting && p != NULL;
}

static void
t_heap_init(void)
{
	__sanitizer_install_malloc_and_free_hooks(t_hook_malloc,
	    t_hook_free);
}
#else
/* glibc's own entry points: the wrappers below count, then call them. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static void
t_heap_init(void)
{
}

void *
malloc(size_t n)
{
	t_heap += t_counting;
	return __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	t_heap += t_counting;
	return __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	t_heap += t_counting;
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	t_heap += t_counting && p != NULL;
	__libc_free(p);
}

int
posix_memalign(void **p, size_t align, size_t n)
{
	t_heap += t_counting;
	*p = __libc_memalign(align, n);
	return *p == NULL ? ENOMEM : 0;
}

void *
aligned_alloc(size_t align, size_t n)
{
	t_heap += t_counting;
	return __libc_memalign(align, n);
}

void *
memalign(size_t align, size_t n)
{
	t_heap += t_counting;
	return __libc_memalign(align, n);
}
#endif

#define T_MAX		4096		/* largest period */
#define T_LEN		(48000 * 3)	/* output frames per run */
#define T_LONG		120		/* seconds, random periods */

struct t_sig {
	double phase, step;		/* radians */
	uint64_t pulled;
};

/* Pull callback: a -6 dBFS sine on both channels. */
static void
t_pull(void *ctx, float *dst, uint32_t frames)
{
	struct t_sig *s = ctx;
	uint32_t i;

	for (i = 0; i < frames; i++) {
		dst[2 * i] = dst[2 * i + 1] = (float)(0.5 * sin(s->phase));
		s->phase += s->step;
		if (s->phase > 2 * M_PI)
			s->phase -= 2 * M_PI;
	}
	s->pulled += frames;
}

/*
 * 10 log10 of signal over residual of the best sine at f (cycles/frame)
 * in the channel at x of frames of stride floats.
 */
static double
t_snr_ch(const float *x, size_t stride, size_t n, double f)
{
	double a = 0, b = 0, c = 0, ss = 0, cc = 0, sc = 0, w, res = 0, e;
	double det, ka, kb;
	size_t i;

	for (i = 0; i < n; i++) {
		w = 2 * M_PI * f * (double)i;
		a += x[stride * i] * sin(w);
		b += x[stride * i] * cos(w);
		ss += sin(w) * sin(w);
		cc += cos(w) * cos(w);
		sc += sin(w) * cos(w);
	}
	det = ss * cc - sc * sc;
	ka = (a * cc - b * sc) / det;
	kb = (b * ss - a * sc) / det;
	for (i = 0; i < n; i++) {
		w = 2 * M_PI * f * (double)i;
		e = x[stride * i] - ka * sin(w) - kb * cos(w);
		res += e * e;
	}
	c = (ka * ka + kb * kb) / 2 * (double)n;
	return 10 * log10(c / (res > 1e-300 ? res : 1e-300));
}

/* The first channel of stereo frames. */
static double
t_snr(const float *x, size_t n, double f)
{
	return t_snr_ch(x, 2, n, f);
}

static float t_out[2][T_LEN * 2];

#define T_CH_LEN	24000		/* frames out, multichannel runs */

struct t_msig {
	uint32_t ch;
	double phase[RESAMPLER_CH_MAX], step[RESAMPLER_CH_MAX];
};

/* Pull callback: channel k a -12 dBFS sine at 300 + 150 k Hz. */
static void
t_mpull(void *ctx, float *dst, uint32_t frames)
{
	struct t_msig *s = ctx;
	uint32_t i, k;

	for (i = 0; i < frames; i++)
		for (k = 0; k < s->ch; k++) {
			dst[i * s->ch + k] = (float)(0.25 * sin(s->phase[k]));
			s->phase[k] = fmod(s->phase[k] + s->step[k], 2 * M_PI);
		}
}

/*
 * ch channels from in to out with quality q (pull, or push when
 * RESAMPLER_LOWLAT): every channel is its own sine, at the SNR of
 * stereo, and nothing is allocated on the way.
 */
static void
t_channels(int q, uint32_t ch, uint32_t in, uint32_t out, double min)
{
	static float o[T_CH_LEN * RESAMPLER_CH_MAX];
	static float src[1024 * RESAMPLER_CH_MAX];
	struct resampler rs;
	struct t_msig s;
	char err[128];
	uint32_t done, n, used, k, worst_k = 0;
	double snr, worst = 1e9;

	memset(&s, 0, sizeof(s));
	s.ch = ch;
	for (k = 0; k < ch; k++)
		s.step[k] = 2 * M_PI * (300 + 150.0 * k) / in;
	if (resampler_init_ch(&rs, q, ch, in, out, 1024, err,
	    sizeof(err)) < 0) {
		ok(0, "resampler_init_ch %u: %s", ch, err);
		return;
	}
	t_heap = 0;
	for (done = 0; done < T_CH_LEN; ) {
		if (q & RESAMPLER_LOWLAT) {
			t_mpull(&s, src, 480);
			t_counting = 1;
			for (n = 0; n < 480 && done < T_CH_LEN; n += used) {
				k = resampler_push(&rs, in, src +
				    (size_t)n * ch, 480 - n, o + (size_t)done *
				    ch, T_CH_LEN - done, &used);
				done += k;
				if (used == 0 && k == 0)
					break;
			}
			t_counting = 0;
			continue;
		}
		n = T_CH_LEN - done < 1000 ? T_CH_LEN - done : 1000;
		t_counting = 1;
		resampler_run(&rs, o + (size_t)done * ch, n, t_mpull, &s);
		t_counting = 0;
		done += n;
	}
	for (k = 0; k < ch; k++) {
		/* skip the converter's start */
		snr = t_snr_ch(o + 4800 * ch + k, ch, T_CH_LEN - 4800,
		    (300 + 150.0 * k) / out);
		if (snr < worst) {
			worst = snr;
			worst_k = k;
		}
	}
	ok(worst > min, "%u channels, %s%s %u -> %u: each its own sine "
	    "(worst: channel %u, %.1f dB)", ch, resampler_qualities[q &
	    RESAMPLER_QMASK], q & RESAMPLER_LOWLAT ? " (push)" : "", in, out,
	    worst_k, worst);
	is_int(t_heap, 0, "%u channels: no heap call converting", ch);
	resampler_done(&rs);
}

/* The largest difference between a and b over frames [from, to). */
static double
t_maxdiff(const float *a, const float *b, size_t from, size_t to)
{
	double d, m = 0;
	size_t i;

	for (i = 2 * from; i < 2 * to; i++) {
		d = fabs((double)a[i] - b[i]);
		if (d > m)
			m = d;
	}
	return m;
}

static float t_big[T_MAX * 2];
static int t_fixed;		/* the last t_run's converter: rs.fixed */

/*
 * Run quality q from in to out, len output frames, in periods of
 * period frames (0: random ones) into t_out[slot] (slot -1: nowhere,
 * any len); retarget to rt (if not 0) halfway. Returns heap calls made
 * by resampler_run and resampler_retarget.
 */
static long
t_run_len(int q, uint32_t in, uint32_t out, uint32_t period, uint32_t rt,
    int slot, uint32_t len)
{
	struct resampler rs;
	struct t_sig s = { 0, 2 * M_PI * 1000 / in, 0 };
	char err[128];
	uint32_t done, n, seed = in ^ out ^ (uint32_t)q;
	long heap;

	if (resampler_init(&rs, q, in, out, T_MAX, err, sizeof(err)) < 0) {
		ok(0, "resampler_init: %s", err);
		return -1;
	}
	t_fixed = rs.fixed;
	t_heap = 0;
	t_counting = 1;
	for (done = 0; done < len; done += n) {
		/* Period 0: random periods of 1 to T_MAX frames. */
		seed = seed * 1103515245u + 12345u;
		n = period != 0 ? period : 1 + (seed >> 8) % T_MAX;
		if (n > len - done)
			n = len - done;
		if (rt != 0 && done >= len / 2 && rs.out_rate != rt)
			resampler_retarget(&rs, rt);
		resampler_run(&rs, slot >= 0 ? t_out[slot] + 2 * done : t_big,
		    n, t_pull, &s);
	}
	t_counting = 0;
	heap = t_heap;
	resampler_done(&rs);
	return heap;
}

/*
 * Push len input frames of a 1 kHz sine at in, in periods of period,
 * through quality q to out, through a 256-frame output buffer as an
 * app_sink does, into t_out[0]. *made: frames out. Returns heap calls.
 */
static long
t_push(int q, uint32_t in, uint32_t out, uint32_t period, uint32_t len,
    uint64_t *made)
{
	static float src[T_MAX * 2], buf[256 * 2];
	struct resampler rs;
	struct t_sig s = { 0, 2 * M_PI * 1000 / in, 0 };
	char err[128];
	uint32_t done, n, off, used, k;
	long heap;

	*made = 0;
	if (resampler_init(&rs, q | RESAMPLER_LOWLAT, in, out, T_MAX, err, sizeof(err)) < 0) {
		ok(0, "resampler_init: %s", err);
		return -1;
	}
	t_heap = 0;
	for (done = 0; done < len; done += n) {
		n = len - done < period ? len - done : period;
		t_pull(&s, src, n);
		t_counting = 1;
		for (off = 0; off < n; off += used) {
			k = resampler_push(&rs, in, src + 2 * off, n - off,
			    buf, 256, &used);
			if (*made + k <= T_LEN)
				memcpy(t_out[0] + 2 * *made, buf,
				    (size_t)k * 2 * sizeof(float));
			*made += k;
			if (used == 0 && k == 0)
				break;
		}
		t_counting = 0;
	}
	heap = t_heap;
	resampler_done(&rs);
	return heap;
}

static long
t_run(int q, uint32_t in, uint32_t out, uint32_t period, uint32_t rt,
    int slot)
{
	return t_run_len(q, in, out, period, rt, slot, T_LEN);
}

/*
 * Run quality q from in to out for secs seconds in periods of period
 * frames (0: random) and return the largest difference, after the
 * first 0.1 s, between the output and the 1 kHz sine it should be (the
 * converters line their output up with their input). A gap of silence
 * anywhere (a run that could not make its period) shows as about 0.5.
 */
static double
t_gap(int q, uint32_t in, uint32_t out, uint32_t period, uint32_t secs)
{
	struct resampler rs;
	struct t_sig s = { 0, 2 * M_PI * 1000 / in, 0 };
	char err[128];
	uint32_t done, n, i, len = out * secs, seed = 7;
	double d, m = 0;

	if (resampler_init(&rs, q, in, out, T_MAX, err, sizeof(err)) < 0) {
		ok(0, "resampler_init: %s", err);
		return 1;
	}
	for (done = 0; done < len; done += n) {
		seed = seed * 1103515245u + 12345u;
		n = period != 0 ? period : 1 + (seed >> 8) % T_MAX;
		if (n > len - done)
			n = len - done;
		resampler_run(&rs, t_big, n, t_pull, &s);
		for (i = 0; i < n && done + i >= out / 10; i++) {
			d = fabs(t_big[2 * i] - 0.5 * sin(2 * M_PI * 1000 *
			    (double)(done + i) / out));
			m = d > m ? d : m;
		}
	}
	resampler_done(&rs);
	return m;
}

int
main(void)
{
	static const uint32_t periods[] = { 64, 128, 1000, 1024, T_MAX, 0 };
	/*
	 * fast: sox's rate -h measures 138.6 dB in tests/bench/resample.sh
	 * (139.1 written as integers); soxr's HQ in floats gave 133.9.
	 */
	static const double min_snr[] = { 140, 140, 139, 60 };
	/* After a retarget: libsamplerate's converter of that quality. */
	static const double min_retarget[] = { 120, 120, 95, 40 };
	static const uint32_t rates[][2] = {
		{ 44100, 48000 }, { 48000, 44100 }, { 8000, 192000 },
		{ 192000, 8000 }, { 22050, 48000 },
	};
	static const uint32_t more[][2] = {
		{ 44100, 48000 }, { 48000, 44100 }, { 32000, 48000 },
		{ 96000, 44100 }, { 44100, 96000 }, { 11025, 48000 },
		{ 48000, 16000 }, { 88200, 48000 },
	};
	static const uint32_t gaps[][3] = {	/* in, out, period */
		{ 44100, 48000, 2048 }, { 22050, 48000, 2048 },
		{ 48000, 44100, 2048 }, { 96000, 48000, 0 },
		{ 8000, 48000, 1024 }, { 44100, 48000, 0 },
	};
	size_t p, r;
	int q, same, nonrt;
	double snr;

	t_heap_init();
	/* The counter itself: it must see a malloc and a free. */
	t_heap = 0;
	t_counting = 1;
	t_probe = malloc(16);
	free(t_probe);
	t_counting = 0;
	ok(t_heap == 2, "the heap counter sees a malloc and a free (%ld)",
	    t_heap);
	for (q = RESAMPLER_BEST; q <= RESAMPLER_LINEAR; q++) {
		for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
			for (p = 0; p < sizeof(periods) /
			    sizeof(periods[0]); p++)
				is_int(t_run(q | RESAMPLER_VARY, rates[r][0],
				    rates[r][1], periods[p], 0, 0), 0,
				    "%s %u -> %u, period %u: no heap call "
				    "in resampler_run", resampler_qualities[q],
				    rates[r][0], rates[r][1], periods[p]);
		is_int(t_run(q | RESAMPLER_VARY, 44100, 48000, 128, 96000, 0),
		    0, "%s: retarget 48000 -> 96000: no heap call",
		    resampler_qualities[q]);
		/* After the restart's transient (a tenth of a second). */
		snr = t_snr(t_out[0] + T_LEN + 2 * 9600, T_LEN / 2 - 19200,
		    1000.0 / 96000);
		ok(snr > min_retarget[q], "%s: after retarget, a 1 kHz sine "
		    "at 96 kHz (%.1f dB)", resampler_qualities[q], snr);
		for (nonrt = 0; nonrt <= RESAMPLER_NONRT;
		    nonrt += RESAMPLER_NONRT) {
			t_run(q | nonrt, 44100, 48000, 1000, 0, 0);
			t_run(q | nonrt, 44100, 48000, 1000, 0, 1);
			same = memcmp(t_out[0], t_out[1],
			    sizeof(t_out[0])) == 0;
			ok(same, "%s%s: the same run twice gives the same "
			    "bytes", resampler_qualities[q], nonrt ?
			    " (off RT)" : "");
			snr = t_snr(t_out[0] + 48000 * 2, 48000, 1000.0 /
			    48000);
			ok(snr >= min_snr[q], "%s%s: 1 kHz sine 44.1 -> 48 "
			    "kHz: SNR %.1f dB >= %.0f dB",
			    resampler_qualities[q], nonrt ? " (off RT)" : "",
			    snr, min_snr[q]);
		}
	}
	for (q = RESAMPLER_BEST; q <= RESAMPLER_LINEAR; q++)
		for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
			for (p = 0; p < sizeof(periods) /
			    sizeof(periods[0]); p++) {
				uint64_t made, want = (uint64_t)T_LEN / 4 *
				    rates[r][1] / rates[r][0];
				/* held in the converter: its filter's
				   delay (< 4096 frames in) and a period */
				uint64_t slack = (4096ULL + periods[p]) *
				    rates[r][1] / rates[r][0] + 2;

				if (periods[p] == 0)	/* random: pull only */
					continue;
				is_int(t_push(q, rates[r][0], rates[r][1],
				    periods[p], T_LEN / 4, &made), 0, "push %s "
				    "%u -> %u, period %u: no heap call",
				    resampler_qualities[q], rates[r][0],
				    rates[r][1], periods[p]);
				ok(made <= want + 1 && made + slack > want,
				    "push: %llu frames out for %llu",
				    (unsigned long long)made,
				    (unsigned long long)want);
			}
	/* 48 -> 44.1 kHz, medium, by 256 as the RT thread does: clean. */
	{
		uint64_t made;

		t_push(RESAMPLER_MEDIUM, 48000, 44100, 256, T_LEN, &made);
		snr = t_snr(t_out[0] + 44100 * 2, 44100, 1000.0 / 44100);
		ok(snr >= 120, "push medium: 1 kHz sine "
		    "48 -> 44.1 kHz: SNR %.1f dB", snr);
	}
	/*
	 * soxr on the real-time thread (resampler_soxr.c): used at best,
	 * medium and fast; no heap call over minutes of random periods at
	 * more rate pairs; its output lines up with a fresh soxr's.
	 */
	for (q = RESAMPLER_BEST; q < RESAMPLER_LINEAR; q++) {
		for (r = 0; r < sizeof(more) / sizeof(more[0]); r++) {
			is_int(t_run_len(q | RESAMPLER_VARY, more[r][0],
			    more[r][1], 0, 0, -1, more[r][1] * T_LONG), 0,
			    "%s %u -> %u, %u s of random periods: no heap "
			    "call", resampler_qualities[q], more[r][0],
			    more[r][1], T_LONG);
			ok(t_fixed, "%s %u -> %u: libsoxr in fixed calls "
			    "converts", resampler_qualities[q], more[r][0],
			    more[r][1]);
		}
		t_run(q, 44100, 48000, 1000, 0, 0);
		t_run(q | RESAMPLER_NONRT, 44100, 48000, 1000, 0, 1);
		ok(t_maxdiff(t_out[0], t_out[1], 4800, T_LEN) < 1e-5,
		    "%s: on the RT thread, the output of a fresh soxr, lined "
		    "up (%g)", resampler_qualities[q],
		    t_maxdiff(t_out[0], t_out[1], 4800, T_LEN));
	}
	/*
	 * Off the real-time thread soxr_output writes each run straight
	 * into the caller's buffer, taking input as it runs short: the
	 * frames must not depend on the sizes of the runs. A file source
	 * asks for 2048 at a time; 1000 and random sizes give the same
	 * bytes, or a render would depend on them.
	 */
	for (q = RESAMPLER_BEST; q < RESAMPLER_LINEAR; q++) {
		t_run(q | RESAMPLER_NONRT, 44100, 48000, 2048, 0, 0);
		t_run(q | RESAMPLER_NONRT, 44100, 48000, 1000, 0, 1);
		same = memcmp(t_out[0], t_out[1], sizeof(t_out[0])) == 0;
		t_run(q | RESAMPLER_NONRT, 44100, 48000, 0, 0, 1);
		ok(same && memcmp(t_out[0], t_out[1], sizeof(t_out[0])) == 0,
		    "%s (off RT): runs of 2048, 1000 and random frames give "
		    "the same bytes", resampler_qualities[q]);
	}
	/*
	 * No gap, ever: off the real-time thread soxr used to take input
	 * in dribs near the end of a period and leave silence every few
	 * seconds (a file source's periods are 2048 frames).
	 */
	for (q = RESAMPLER_BEST; q < RESAMPLER_LINEAR; q++)
		for (nonrt = 0; nonrt <= RESAMPLER_NONRT;
		    nonrt += RESAMPLER_NONRT)
			for (r = 0; r < sizeof(gaps) / sizeof(gaps[0]); r++) {
				snr = t_gap(q | nonrt, gaps[r][0], gaps[r][1],
				    gaps[r][2], 30);
				ok(snr < 1e-3, "%s%s %u -> %u, period %u: 30 "
				    "s without a gap (%.2g off at most)",
				    resampler_qualities[q], nonrt ?
				    " (off RT)" : "", gaps[r][0], gaps[r][1],
				    gaps[r][2], snr);
			}
	/* 1 to 64 channels, each channel converted on its own. */
	t_channels(RESAMPLER_BEST, 1, 44100, 48000, 130);
	t_channels(RESAMPLER_MEDIUM, 6, 48000, 44100, 130);
	t_channels(RESAMPLER_MEDIUM | RESAMPLER_LOWLAT, 8, 44100, 48000, 100);
	t_channels(RESAMPLER_FAST | RESAMPLER_LOWLAT, 64, 48000, 96000, 60);
	t_channels(RESAMPLER_LINEAR, 16, 32000, 48000, 30);	/* 2.55 kHz */
	{
		struct resampler rs;
		char err[128];

		is_int(resampler_init_ch(&rs, RESAMPLER_BEST, 65, 44100, 48000,
		    1024, err, sizeof(err)), -EINVAL, "65 channels refused");
		is_int(resampler_init_ch(&rs, RESAMPLER_BEST, 0, 44100, 48000,
		    1024, err, sizeof(err)), -EINVAL, "0 channels refused");
	}
	t_run(RESAMPLER_BEST, 48000, 48000, 128, 0, 0);
	snr = t_snr(t_out[0], T_LEN, 1000.0 / 48000);
	ok(snr > 130, "equal rates: the sine as made (%.1f dB)", snr);
	return t_done();
}
