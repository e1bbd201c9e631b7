/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the tone node (nodes/tone.c) through its ops, as the
 * real-time cycle calls them: square, saw and triangle at a frequency
 * that divides the rate give their exact tables (both channels alike),
 * across periods; a level scales them by dsp_db_to_gain exactly; the
 * sine stays within 1e-6 of sin(2 pi f t) for a second of 128-frame
 * periods, and a frequency change keeps its phase continuous; noise is
 * xorshift32 from its seed, the same for the same seed, within [-1, 1)
 * and centred; the argument table's defaults are the documented ones.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afmt.h"
#include "dsp.h"
#include "chlayout.h"
#include "node.h"
#include "t.h"

extern const struct node_ops node_tone_ops;	/* amixd/nodes/tone.c */

#define RATE	48000
#define NMAX	48000

enum { ARG_FREQ, ARG_DB, ARG_WAVE, ARG_SEED, ARG_CHANNELS, ARG_LAYOUT,
	ARG_SPREAD };
enum { W_SINE, W_SQUARE, W_SAW, W_TRIANGLE, W_NOISE };

static float t_out[2 * NMAX];

/* A tone's state, made by its init from freq, db, waveform and seed. */
static void *
tone_new(double freq, double db, int wave, uint32_t seed)
{
	struct node_val v[NODE_ARG_MAX];
	char err[128];
	void *st;

	memset(v, 0, sizeof(v));
	v[ARG_FREQ].num = freq;
	v[ARG_DB].num = db;
	v[ARG_WAVE].num = wave;
	v[ARG_SEED].num = seed;
	v[ARG_CHANNELS].num = 2;
	st = calloc(1, node_tone_ops.size);
	if (st == NULL || node_tone_ops.init(st, v, RATE, err,
	    sizeof(err)) < 0)
		abort();
	return st;
}

/* Run st for frames frames in periods of period, into t_out. */
static void
tone_run(void *st, uint32_t frames, uint32_t period)
{
	struct node_cycle c;
	uint32_t done, n;

	memset(&c, 0, sizeof(c));
	c.rate = RATE;
	c.in_ch = c.out_ch = 2;
	for (done = 0; done < frames; done += n) {
		n = frames - done < period ? frames - done : period;
		c.frames = n;
		c.pos = done;
		node_tone_ops.process(st, &c, NULL, t_out + 2 * done);
	}
}

/* Frames [0, n) against a cycle of want[k] * g, both channels. */
static int
table_holds(const float *want, uint32_t k, float g, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (t_out[2 * i] != want[i % k] * g ||
		    t_out[2 * i + 1] != t_out[2 * i])
			return 0;
	}
	return 1;
}

static void
test_shapes(void)
{
	static const float square[8] = { 1, 1, 1, 1, -1, -1, -1, -1 };
	static const float saw[4] = { -1, -0.5f, 0, 0.5f };
	static const float tri[8] = { -1, -0.5f, 0, 0.5f, 1, 0.5f, 0, -0.5f };
	static const uint32_t periods[] = { 8, 64, 1000 };
	void *st;
	size_t i;

	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		st = tone_new(RATE / 8.0, 0, W_SQUARE, 1);
		tone_run(st, 4000, periods[i]);
		ok(table_holds(square, 8, 1.0f, 4000), "square at rate/8, "
		    "periods of %u: +1 x4, -1 x4", periods[i]);
		free(st);
	}
	st = tone_new(RATE / 4.0, 0, W_SAW, 1);
	tone_run(st, 4000, 128);
	ok(table_holds(saw, 4, 1.0f, 4000), "saw at rate/4: -1 -0.5 0 0.5");
	free(st);
	st = tone_new(RATE / 8.0, 0, W_TRIANGLE, 1);
	tone_run(st, 4000, 128);
	ok(table_holds(tri, 8, 1.0f, 4000), "triangle at rate/8");
	free(st);
	/* A level is the same factor as a gain node's. */
	st = tone_new(RATE / 8.0, -20, W_SQUARE, 1);
	tone_run(st, 4000, 128);
	ok(table_holds(square, 8, dsp_db_to_gain(-20), 4000),
	    "square at -20 dB: +-dsp_db_to_gain(-20) exactly");
	free(st);
}

/*
 * The sine against sin(2 pi phase) with the phase kept as the node keeps
 * it: advanced by freq / rate a frame, wrapped at each period's end.
 * The worst error over frames, with a change to freq2 after period
 * change_at (0: none).
 */
static double
sine_error(double freq, double freq2, uint32_t change_at, uint32_t period,
    uint32_t frames)
{
	struct node_cycle c;
	double phase = 0, inc, e, worst = 0;
	uint32_t done, n, i, k = 0;
	void *st;

	st = tone_new(freq, 0, W_SINE, 1);
	memset(&c, 0, sizeof(c));
	c.rate = RATE;
	c.in_ch = c.out_ch = 2;
	for (done = 0; done < frames; done += n, k++) {
		if (change_at > 0 && k == change_at) {
			node_tone_ops.set(st, ARG_FREQ, freq2);
			freq = freq2;
		}
		n = frames - done < period ? frames - done : period;
		c.frames = n;
		node_tone_ops.process(st, &c, NULL, t_out);
		inc = freq / RATE;
		for (i = 0; i < n; i++) {
			e = fabs(t_out[2 * i] - sin(2 * M_PI * (phase +
			    inc * i)));
			if (e > worst)
				worst = e;
		}
		phase = fmod(phase + inc * n, 1.0);
	}
	free(st);
	return worst;
}

static void
test_sine(void)
{
	double e;

	e = sine_error(1000, 0, 0, 128, RATE);
	ok(e < 1e-6, "1 kHz sine, 1 s in periods of 128: error %.3g", e);
	e = sine_error(1234.5, 0, 0, 4096, RATE);
	ok(e < 1e-6, "1234.5 Hz, periods of 4096: error %.3g", e);
	e = sine_error(1000, 1500, 10, 128, RATE / 4);
	ok(e < 1e-6, "1 kHz to 1.5 kHz after 10 periods: the phase goes "
	    "on, error %.3g", e);
}

static void
test_noise(void)
{
	uint32_t s = 7, i, differ = 0, range = 1;
	float a[64];
	double mean = 0;
	void *st;
	int exact = 1;

	st = tone_new(440, 0, W_NOISE, 7);
	tone_run(st, NMAX, 128);
	for (i = 0; i < NMAX; i++) {
		exact &= t_out[2 * i] == (float)((double)am_xorshift32(&s) /
		    2147483648.0 - 1.0) && t_out[2 * i + 1] == t_out[2 * i];
		range &= t_out[2 * i] >= -1.0f && t_out[2 * i] < 1.0f;
		mean += t_out[2 * i];
	}
	ok(exact, "noise: xorshift32 from the seed, both channels alike");
	ok(range, "noise within [-1, 1)");
	ok(fabs(mean / NMAX) < 0.01, "noise centred: mean %.4f",
	    mean / NMAX);
	memcpy(a, t_out, sizeof(a));
	free(st);
	st = tone_new(440, 0, W_NOISE, 7);
	tone_run(st, 32, 7);
	ok(memcmp(a, t_out, sizeof(a)) == 0,
	    "seed 7 again, other periods: the same samples");
	free(st);
	st = tone_new(440, 0, W_NOISE, 8);
	tone_run(st, 32, 32);
	for (i = 0; i < 64; i++)
		differ += a[i] != t_out[i];
	ok(differ > 50, "seed 8: other samples");
	free(st);
}

static void
test_args(void)
{
	const struct node_argdesc *a = node_tone_ops.args;

	is_int(node_tone_ops.nargs, 7, "seven arguments");
	is_double(a[ARG_CHANNELS].def, 2, 0, "two channels by default");
	ok(!a[ARG_CHANNELS].live && !a[ARG_LAYOUT].live &&
	    a[ARG_SPREAD].live, "channels and layout fixed; spread live");
	is_str(a[ARG_FREQ].name, "freq", "freq");
	is_double(a[ARG_FREQ].def, 440, 0, "freq 440 by default");
	ok(a[ARG_FREQ].live && a[ARG_DB].live && a[ARG_WAVE].live &&
	    !a[ARG_SEED].live, "freq, db and waveform live; seed not");
	is_double(a[ARG_DB].def, 0, 0, "0 dB by default");
	is_str(a[ARG_WAVE].choices[(int)a[ARG_WAVE].def], "sine",
	    "sine by default");
	is_str(a[ARG_WAVE].choices[W_NOISE], "noise", "noise's index");
	is_double(a[ARG_SEED].def, 1, 0, "seed 1 by default");
	ok(node_tone_ops.flags & NODE_SOURCE, "a source");
}

/*
 * channels and spread: three channels at 1, 2 and 3 kHz (freq 1000,
 * spread 1000), each the sine of its own frequency from phase 0,
 * across periods; and its layout is the default of three channels.
 */
static void
test_channels(void)
{
	struct node_val v[NODE_ARG_MAX];
	struct am_layout in, out;
	struct node_cycle c;
	char err[128];
	double e, worst = 0;
	uint32_t done, i, k;
	void *st;

	memset(v, 0, sizeof(v));
	v[ARG_FREQ].num = 1000;
	v[ARG_WAVE].num = W_SINE;
	v[ARG_SEED].num = 1;
	v[ARG_CHANNELS].num = 3;
	v[ARG_SPREAD].num = 1000;
	st = calloc(1, node_tone_ops.size);
	if (st == NULL || node_tone_ops.init(st, v, RATE, err,
	    sizeof(err)) < 0)
		abort();
	ok(node_tone_ops.layout(st, NULL, &in, &out, err, sizeof(err)) == 0 &&
	    out.n == 3 && out.pos[2] == AM_POS_FC, "three channels: FL FR FC");
	memset(&c, 0, sizeof(c));
	c.rate = RATE;
	c.out_ch = 3;
	c.frames = 100;
	for (done = 0; done < 1000; done += c.frames) {
		node_tone_ops.process(st, &c, NULL, t_out + 3 * done);
	}
	for (i = 0; i < 1000; i++) {
		for (k = 0; k < 3; k++) {
			e = fabs(t_out[3 * i + k] - sin(2 * M_PI * 1000.0 *
			    (k + 1) * i / RATE));
			worst = e > worst ? e : worst;
		}
	}
	ok(worst < 1e-5, "channel k at freq + k * spread: error %g", worst);
	free(st);
	memset(v, 0, sizeof(v));
	v[ARG_FREQ].num = 1000;
	v[ARG_CHANNELS].num = 4;
	v[ARG_LAYOUT].str = "5.1";
	st = calloc(1, node_tone_ops.size);
	ok(st != NULL && node_tone_ops.init(st, v, RATE, err,
	    sizeof(err)) < 0, "channels 4 with layout 5.1 refused: %s", err);
	free(st);
}

int
main(void)
{
	test_channels();
	test_shapes();
	test_sine();
	test_noise();
	test_args();
	return t_done();
}
