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
 * "channels" (1..64, or "layout"'s count) carry the same signal, or,
 * with "spread" Hz, channel k at freq + k * spread (silent above half
 * the rate), so a test can tell every channel apart by its frequency.
 * init runs on the control thread; set and process on the real-time
 * thread.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "afmt.h"
#include "chlayout.h"
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

enum { TONE_ARG_FREQ, TONE_ARG_DB, TONE_ARG_WAVEFORM, TONE_ARG_SEED,
	TONE_ARG_CHANNELS, TONE_ARG_LAYOUT, TONE_ARG_SPREAD };

static const struct node_argdesc tone_args[] = {
	{ "freq", NODE_ARG_NUM, 0.001, 96000.0, 440.0, NULL, 0, 1 },
	{ "db", NODE_ARG_NUM, -200.0, 24.0, 0.0, NULL, 0, 1 },
	{ "waveform", NODE_ARG_ENUM, 0, 0, TONE_SINE, tone_waveforms, 0, 1 },
	{ "seed", NODE_ARG_INT, 1, 4294967295.0, 1, NULL, 0, 0 },
	{ "channels", NODE_ARG_INT, 1, AM_CH_MAX, 2, NULL, 0, 0 },
	{ "layout", NODE_ARG_STR, 0, 0, 0, NULL, 0, 0 },
	{ "spread", NODE_ARG_NUM, 0.0, 96000.0, 0.0, NULL, 0, 1 },
};

struct tone {
	double phase;			/* cycles, [0, 1) */
	double freq;			/* Hz */
	struct dsp_ramp level;		/* linear */
	int waveform;			/* TONE_* */
	uint32_t seed;			/* noise state, never 0 */
	struct am_layout layout;	/* what it gives */
	double spread;			/* Hz: channel k at freq + k * spread */
	double phases[AM_CH_MAX];	/* with spread: channel k's, k >= 1 */
};

static int
tone_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct tone *t = st;
	unsigned ch = (unsigned)v[TONE_ARG_CHANNELS].num;

	(void)rate;
	if (v[TONE_ARG_LAYOUT].str != NULL) {
		if (am_layout_parse(&t->layout, v[TONE_ARG_LAYOUT].str, err,
		    errlen) < 0)
			return -EINVAL;
		if (ch != 2 && ch != t->layout.n) {
			snprintf(err, errlen, "layout '%s' has %u channels, "
			    "not %u", v[TONE_ARG_LAYOUT].str, t->layout.n, ch);
			return -EINVAL;
		}
	} else
		(void)am_layout_default(&t->layout, ch);
	t->spread = v[TONE_ARG_SPREAD].num;
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
	case TONE_ARG_SPREAD:
		t->spread = val;
		break;
	}
}

/* Control: a source; it gives its "channels" or "layout". */
static int
tone_layout(void *st, const struct am_layout *up, struct am_layout *in,
    struct am_layout *out, char *err, size_t errlen)
{
	struct tone *t = st;

	(void)up;
	(void)err;
	(void)errlen;
	*in = *out = t->layout;
	return 0;
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

/*
 * RT: n frames of the waveform from phase p (cycles) advancing inc a
 * frame, each value written to the fill channels from out[0], frames
 * ch samples apart. Inlined: the stereo tone (ch = fill = 2) compiles
 * to the loop it always was.
 */
static inline __attribute__((always_inline)) void
tone_wave(struct tone *t, double p, double inc, float *out, uint32_t n,
    uint32_t ch, uint32_t fill)
{
	double cr, sr, cs, sn, tmp;
	uint32_t i, k;
	float x;

	if (t->waveform == TONE_SINE) {
		cs = cos(2.0 * M_PI * p);
		sn = sin(2.0 * M_PI * p);
		cr = cos(2.0 * M_PI * inc);
		sr = sin(2.0 * M_PI * inc);
		for (i = 0; i < n; i++) {
			x = (float)sn;
			for (k = 0; k < fill; k++)
				out[(size_t)ch * i + k] = x;
			tmp = cs * cr - sn * sr;
			sn = sn * cr + cs * sr;
			cs = tmp;
		}
	} else if (t->waveform == TONE_NOISE) {
		for (i = 0; i < n; i++) {
			x = tone_noise(&t->seed);
			for (k = 0; k < fill; k++)
				out[(size_t)ch * i + k] = x;
		}
	} else {
		for (i = 0; i < n; i++) {
			x = tone_shape(t->waveform, p);
			for (k = 0; k < fill; k++)
				out[(size_t)ch * i + k] = x;
			p += inc;
			if (p >= 1.0)
				p -= 1.0;
		}
	}
}

/*
 * RT: fill out with one period of the signal: the same on every
 * channel, or with spread channel k at freq + k * spread, its own
 * phase (noise: its own stretch of the sequence).
 */
static void
tone_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct tone *t = st;
	uint32_t k, n = c->frames, ch = c->out_ch;
	double inc = t->freq / c->rate, inck;

	(void)in;
	if (ch == 2 && t->spread == 0.0)
		tone_wave(t, t->phase, inc, out, n, 2, 2);
	else if (t->spread == 0.0)
		tone_wave(t, t->phase, inc, out, n, ch, ch);
	else {
		tone_wave(t, t->phase, inc, out, n, ch, 1);
		for (k = 1; k < ch && k < AM_CH_MAX; k++) {
			inck = (t->freq + k * t->spread) / c->rate;
			if (inck >= 0.5)
				inck = 0.0;	/* above Nyquist: silence */
			tone_wave(t, t->phases[k], inck, out + k, n, ch, 1);
			t->phases[k] = fmod(t->phases[k] + inck * n, 1.0);
		}
	}
	t->phase = fmod(t->phase + inc * n, 1.0);
	if (ch == 2)
		dsp_ramp_run(&t->level, out, out, n, c->rate);
	else
		dsp_ramp_run_ch(&t->level, out, out, n, ch, c->rate);
}

const struct node_ops node_tone_ops = {
	.type = "tone",
	.size = sizeof(struct tone),
	.flags = NODE_SOURCE,
	.args = tone_args,
	.nargs = 7,
	.init = tone_init,
	.set = tone_set,
	.process = tone_process,
	.layout = tone_layout,
};
