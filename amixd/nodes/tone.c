/* SPDX-License-Identifier: MIT */
/*
 * tone: a test-signal source. Sine, square, saw, triangle, or white
 * noise from a fixed seed, so renders are bit-identical run to run.
 *
 * The phase is a double in [0, 1) advanced by freq/rate each frame, so a
 * tone stays phase-continuous across frequency changes and does not
 * drift over hours. The sine is computed by a rotating phasor restarted
 * from the exact phase at every period: four multiplies a frame instead
 * of a sin() call, with an error far below float resolution. Level
 * changes ramp like gain's (dsp_ramp: one period or 5 ms, the longer).
 * init runs on the control thread; set and process on the real-time
 * thread.
 */

#include <math.h>
#include <stdint.h>

#include "afmt.h"
#include "dsp.h"
#include "node.h"

#define TONE_SINE	0
#define TONE_SQUARE	1
#define TONE_SAW	2
#define TONE_TRIANGLE	3
#define TONE_NOISE	4

static const char *const tone_waveforms[] = {
	"sine", "square", "saw", "triangle", "noise", NULL
};

enum { TONE_ARG_FREQ, TONE_ARG_DB, TONE_ARG_WAVEFORM, TONE_ARG_SEED };

static const struct node_argdesc tone_args[] = {
	{ "freq", NODE_ARG_NUM, 0.001, 96000.0, 440.0, NULL, 0, 1 },
	{ "db", NODE_ARG_NUM, -200.0, 24.0, 0.0, NULL, 0, 1 },
	{ "waveform", NODE_ARG_ENUM, 0, 0, TONE_SINE, tone_waveforms, 0, 1 },
	{ "seed", NODE_ARG_INT, 1, 4294967295.0, 1, NULL, 0, 0 },
};

struct tone {
	double phase;			/* cycles, [0, 1) */
	double freq;			/* Hz */
	struct dsp_ramp level;		/* linear */
	int waveform;			/* TONE_* */
	uint32_t seed;			/* noise state, never 0 */
};

static int
tone_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct tone *t = st;

	(void)err;
	(void)errlen;
	(void)rate;
	t->freq = v[TONE_ARG_FREQ].num;
	dsp_ramp_init(&t->level, dsp_db_to_gain(v[TONE_ARG_DB].num));
	t->waveform = (int)v[TONE_ARG_WAVEFORM].num;
	t->seed = (uint32_t)v[TONE_ARG_SEED].num;
	return 0;
}

/* RT: take a new value; a level ramps from the next period on. */
static void
tone_set(void *st, int arg, double val)
{
	struct tone *t = st;

	switch (arg) {
	case TONE_ARG_FREQ:
		t->freq = val;
		break;
	case TONE_ARG_DB:
		dsp_ramp_set(&t->level, dsp_db_to_gain(val));
		break;
	case TONE_ARG_WAVEFORM:
		t->waveform = (int)val;
		break;
	}
}

/* RT: uniform in [-1, 1), from lib/afmt's xorshift32. */
static float
tone_noise(uint32_t *s)
{
	return (float)((double)am_xorshift32(s) / 2147483648.0 - 1.0);
}

/* RT: one waveform value at phase p in [0, 1), other than sine. */
static float
tone_shape(int waveform, double p)
{
	switch (waveform) {
	case TONE_SQUARE:
		return p < 0.5 ? 1.0f : -1.0f;
	case TONE_SAW:
		return (float)(2.0 * p - 1.0);
	default:	/* TONE_TRIANGLE */
		return (float)(p < 0.5 ? 4.0 * p - 1.0 : 3.0 - 4.0 * p);
	}
}

/* RT: fill out with one period of the signal. */
static void
tone_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct tone *t = st;
	uint32_t i, n = c->frames;
	double inc = t->freq / c->rate, cr, sr, cs, sn, tmp, p;
	float x;

	(void)in;
	if (t->waveform == TONE_SINE) {
		cs = cos(2.0 * M_PI * t->phase);
		sn = sin(2.0 * M_PI * t->phase);
		cr = cos(2.0 * M_PI * inc);
		sr = sin(2.0 * M_PI * inc);
		for (i = 0; i < n; i++) {
			x = (float)sn;
			out[2 * i] = out[2 * i + 1] = x;
			tmp = cs * cr - sn * sr;
			sn = sn * cr + cs * sr;
			cs = tmp;
		}
	} else if (t->waveform == TONE_NOISE) {
		for (i = 0; i < n; i++) {
			x = tone_noise(&t->seed);
			out[2 * i] = out[2 * i + 1] = x;
		}
	} else {
		p = t->phase;
		for (i = 0; i < n; i++) {
			x = tone_shape(t->waveform, p);
			out[2 * i] = out[2 * i + 1] = x;
			p += inc;
			if (p >= 1.0)
				p -= 1.0;
		}
	}
	t->phase = fmod(t->phase + inc * n, 1.0);
	dsp_ramp_run(&t->level, out, out, n, c->rate);
}

const struct node_ops node_tone_ops = {
	.type = "tone",
	.size = sizeof(struct tone),
	.flags = NODE_SOURCE,
	.args = tone_args,
	.nargs = 4,
	.init = tone_init,
	.set = tone_set,
	.process = tone_process,
};
