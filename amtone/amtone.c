/* SPDX-License-Identifier: MIT */
/*
 * amtone: write a test signal (tone, noise or sweep) to standard output,
 * as raw interleaved samples or as a RIFF/WAVE file.
 *
 * One thread, no clock: a signal is a pure function of the options, so two
 * runs with the same options write the same bytes. The noise generators
 * (xorshift64*) and the s16 dither (lib/afmt's xorshift32) use fixed
 * seeds, never rand() or the time of day. Samples are encoded by
 * lib/afmt, as in amixd.
 *
 * Invariants: the oscillator phase is a double counted in cycles and kept
 * in [0, 1); the per-frame increment is below 0.5 because every frequency
 * is checked to be below rate/2. With -d the output holds exactly
 * round(seconds * rate) frames. Every channel carries the same sample:
 * one value is computed per frame, then encoded once per channel (the
 * dither too is drawn once per frame, so the channels stay bit-identical).
 * Unless --spread HZ: then channel k plays its own oscillator at
 * f + k * HZ (periodic waveforms only), so that a recording of many
 * channels can be checked channel by channel; each has its own phase
 * and its own dither draw.
 *
 * Channels: 1 to 64 (-c), at the default positions of that count or
 * those of --layout (lib/chlayout.c). A WAV of more than two channels,
 * or of other positions, has the WAVE_FORMAT_EXTENSIBLE header with
 * their channel mask (lib/wav.c).
 *
 * Output goes out in blocks of TONE_BLOCK frames through a loop that
 * handles short writes. SIGPIPE is ignored and EPIPE is a normal end:
 * "amtone | head -c 1000" exits 0 without a word.
 */

#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afmt.h"
#include "chlayout.h"
#include "level.h"
#include "util.h"
#include "wav.h"

#define TONE_BLOCK	1024		/* frames per write(2) */
#define TONE_CHAN_MAX	AM_CH_MAX	/* channels: 64 */
#define TONE_BPS_MAX	4		/* bytes per sample (s32, f32) */
#define TONE_RATE_MIN	8000		/* Hz */
#define TONE_RATE_MAX	192000		/* Hz */
#define TONE_DB_MIN	(-200.0)	/* dBFS */
#define TONE_SECS_MAX	1e9		/* seconds */
#define TONE_TO_DEF	20000.0		/* sweep end, Hz */
#define TONE_PINK_GAIN	0.1		/* keeps Kellet's filter within +-1 */

#define TONE_WAVE_SINE		0
#define TONE_WAVE_SQUARE	1
#define TONE_WAVE_SAW		2
#define TONE_WAVE_TRIANGLE	3
#define TONE_WAVE_NOISE		4
#define TONE_WAVE_PINK		5
#define TONE_WAVE_SWEEP		6

/* The codes of lib/afmt.h: AM_AFMT_S16, _S24_3 (packed), _S32, _F32. */
#define TONE_FMT_S16	AM_AFMT_S16
#define TONE_FMT_S24	AM_AFMT_S24_3
#define TONE_FMT_S32	AM_AFMT_S32
#define TONE_FMT_F32	AM_AFMT_F32

#define WAV_SIZE_MAX	0xffffffffULL	/* bytes, a RIFF size field */

#define OPT_TO		256		/* --to, no short form */
#define OPT_DB		257		/* --db, no short form */
#define OPT_SPREAD	258		/* --spread, no short form */
#define OPT_LAYOUT	259		/* --layout, no short form */

static const char *const tone_wave_names[] = {
	"sine", "square", "saw", "triangle", "noise", "pink", "sweep"
};
static const char *const tone_fmt_names[] = {
	"s16", "s24", "s32", "f32"
};
static const int tone_fmt_bps[] = { 2, 3, 4, 4 };	/* bytes per sample */

struct tone {
	int wave;		/* one of TONE_WAVE_* */
	int fmt;		/* one of TONE_FMT_* */
	int rate;		/* Hz */
	int nch;		/* channels, the same signal unless spread */
	int wav;		/* write a RIFF/WAVE header first */
	int endless;		/* no -d: run until the reader goes away */
	uint64_t len;		/* frames to write, unless endless */
	uint64_t pos;		/* frames generated so far */
	double amp;		/* peak amplitude, full scale = 1 */
	double freq;		/* Hz, start frequency for a sweep */
	double to;		/* Hz, end frequency of a sweep */
	double lnratio;		/* sweep: ln(to / freq) */
	double phase;		/* cycles, in [0, 1) */
	uint64_t noise;		/* PRNG state for noise and pink */
	uint32_t dither;	/* xorshift32 state for the s16 dither */
	double pink[7];		/* Kellet filter state */
	double spread;		/* Hz: channel k at freq + k * spread; 0 */
	double ph[TONE_CHAN_MAX];	/* cycles, each channel's, spread */
	struct am_layout layout;	/* the channels' positions */
};

static const char usage_str[] =
    "usage: amtone [-f HZ] [-w sine|square|saw|triangle|noise|pink|sweep]\n"
    "\t[--to HZ] [--db DB] [-d SECONDS] [-r RATE] [-c CH] [--spread HZ]\n"
    "\t[--layout LAYOUT] [-F s16|s24|s32|f32] [-t raw|wav]\n";

/*
 * Print the usage line, the same text as the SYNOPSIS of amtone(1).
 */
static void
usage(FILE *fp)
{
	fputs(usage_str, fp);
}

/*
 * Return the index of s in the table names[n], or -1.
 */
static int
name_find(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], s) == 0)
			return i;
	}
	return -1;
}

/*
 * xorshift64* (Vigna): one 64-bit step. The state must not be zero.
 */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * Return a uniform double in [-1, 1) from the top 53 bits of a step.
 */
static double
rng_uniform(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1p-52 - 1.0;
}

/*
 * Parse the argument of option opt as a double in [min, max]. Print one
 * message and return -1 if it is not, else store it in *out and return 0.
 */
static int
opt_double(const char *opt, const char *s, double min, double max,
    double *out)
{
	int rc;

	rc = am_parse_double(s, min, max, out);
	if (rc == -ERANGE) {
		fprintf(stderr, "amtone: %s: out of range (%g to %g): %s\n",
		    opt, min, max, s);
		return -1;
	}
	if (rc < 0) {
		fprintf(stderr, "amtone: %s: not a number: %s\n", opt, s);
		return -1;
	}
	return 0;
}

/*
 * Same as opt_double() for an integer in [min, max], stored as an int.
 */
static int
opt_int(const char *opt, const char *s, long min, long max, int *out)
{
	long v;
	int rc;

	rc = am_parse_long(s, min, max, &v);
	if (rc == -ERANGE) {
		fprintf(stderr, "amtone: %s: out of range (%ld to %ld): %s\n",
		    opt, min, max, s);
		return -1;
	}
	if (rc < 0) {
		fprintf(stderr, "amtone: %s: not an integer: %s\n", opt, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/*
 * Parse the frequency s of option opt, any finite number: the range
 * depends on the rate, so opt_freq() checks it after all options. An
 * infinite value is stored as such for opt_freq() to reject. Print one
 * message and return -1 if s is not a number.
 */
static int
opt_hz(const char *opt, const char *s, double *out)
{
	*out = INFINITY;
	if (am_parse_double(s, -DBL_MAX, DBL_MAX, out) == -EINVAL) {
		fprintf(stderr, "amtone: %s: not a number: %s\n", opt, s);
		return -1;
	}
	return 0;
}

/*
 * Check that the frequency f given to option opt lies in (0, rate/2).
 * Print one message and return -1 if not.
 */
static int
opt_freq(const char *opt, double f, const char *s, int rate)
{
	if (f > 0 && f < rate / 2.0)
		return 0;
	fprintf(stderr, "amtone: %s: frequency must be above 0 and below "
	    "%g Hz (half the rate): %s\n", opt, rate / 2.0, s);
	return -1;
}

/*
 * Return a periodic waveform (sine, square, saw, triangle; a sweep is a
 * sine) at phase p, in cycles, in [-1, 1].
 */
static double
tone_shape(int wave, double p)
{
	switch (wave) {
	case TONE_WAVE_SQUARE:
		return p < 0.5 ? 1.0 : -1.0;
	case TONE_WAVE_SAW:
		return 2.0 * p - 1.0;
	case TONE_WAVE_TRIANGLE:
		/* 0 at phase 0, like the sine: up, down, up */
		if (p < 0.25)
			return 4.0 * p;
		if (p < 0.75)
			return 2.0 - 4.0 * p;
		return 4.0 * p - 4.0;
	default:	/* sine, sweep */
		return sin(2.0 * M_PI * p);
	}
}

/*
 * Return the next sample of the signal, in [-amp, amp], and advance the
 * phase, the sweep position and the noise generator.
 */
static double
tone_sample(struct tone *t)
{
	double *b = t->pink;
	double p = t->phase, f, w, x;

	switch (t->wave) {
	case TONE_WAVE_NOISE:
		x = rng_uniform(&t->noise);
		break;
	case TONE_WAVE_PINK:
		/* Paul Kellet's "refined" filter: -3 dB/octave within 0.05 dB */
		w = rng_uniform(&t->noise);
		b[0] = 0.99886 * b[0] + w * 0.0555179;
		b[1] = 0.99332 * b[1] + w * 0.0750759;
		b[2] = 0.96900 * b[2] + w * 0.1538520;
		b[3] = 0.86650 * b[3] + w * 0.3104856;
		b[4] = 0.55000 * b[4] + w * 0.5329522;
		b[5] = -0.7616 * b[5] - w * 0.0168980;
		x = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] +
		    w * 0.5362;
		b[6] = w * 0.115926;
		/* the sum is unbounded in theory: clip the rare excess */
		x = fmax(-1.0, fmin(1.0, x * TONE_PINK_GAIN));
		break;
	default:
		x = tone_shape(t->wave, p);
		break;
	}

	f = t->freq;
	if (t->wave == TONE_WAVE_SWEEP && t->len > 1) {
		/* logarithmic: freq at frame 0, to at the last frame */
		f *= exp(t->lnratio * (double)t->pos / (double)(t->len - 1));
	}
	p += f / t->rate;
	t->phase = p - floor(p);
	t->pos++;
	return x * t->amp;
}

/*
 * Encode sample x (full scale = 1) in the output format, once per
 * channel, at p, through lib/afmt: integers round to nearest and clip
 * (scale 2^(n-1)), s16 with triangular dither of +-1 LSB where x is not
 * exact. Return the bytes written.
 */
static size_t
tone_encode(struct tone *t, double x, unsigned char *p)
{
	int bps, i;

	bps = tone_fmt_bps[t->fmt];
	am_afmt_put(t->fmt, p, (float)x, t->fmt == TONE_FMT_S16 ?
	    &t->dither : NULL);
	for (i = 1; i < t->nch; i++)
		memcpy(p + i * bps, p, (size_t)bps);
	return (size_t)(t->nch * bps);
}

/*
 * --spread: encode the next frame, channel k from its own oscillator at
 * freq + k * spread, at p; advance every phase. Return the bytes
 * written.
 */
static size_t
tone_spread(struct tone *t, unsigned char *p)
{
	int bps = tone_fmt_bps[t->fmt], k;
	double q;

	for (k = 0; k < t->nch; k++) {
		am_afmt_put(t->fmt, p + k * bps, (float)(t->amp *
		    tone_shape(t->wave, t->ph[k])), t->fmt == TONE_FMT_S16 ?
		    &t->dither : NULL);
		q = t->ph[k] + (t->freq + k * t->spread) / t->rate;
		t->ph[k] = q - floor(q);
	}
	t->pos++;
	return (size_t)(t->nch * bps);
}

/*
 * The RIFF/WAVE header for t in buf (AM_WAV_HDR_MAX bytes, lib/wav.c):
 * PCM for integer formats, IEEE float with a fact chunk for f32; the
 * extensible format with the channel mask for more than two channels
 * or positions other than mono's or stereo's. When
 * endless, every size field is 0xffffffff. Return its length in bytes.
 */
static size_t
wav_header(struct tone *t, unsigned char *buf)
{
	return am_wav_header_layout(buf, (uint32_t)t->rate, &t->layout,
	    (uint32_t)tone_fmt_bps[t->fmt], t->fmt == TONE_FMT_F32, t->len,
	    t->endless);
}

/*
 * Write all len bytes of buf to fd, retrying short writes and EINTR.
 * Return 0 or -errno (-EPIPE when the reader has gone).
 */
static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Generate the whole signal (or forever) to standard output. Return the
 * exit status: 0 when done or when the reader went away, 1 on error.
 */
static int
tone_run(struct tone *t)
{
	static unsigned char buf[AM_WAV_HDR_MAX +
	    TONE_BLOCK * TONE_CHAN_MAX * TONE_BPS_MAX];
	unsigned char *p;
	uint64_t n, i;
	size_t len, hlen = 0;
	int rc = 0;

	/*
	 * The header goes out with the first block, in one write: a reader
	 * that sniffs the format from its first read (sox on a pipe) sees
	 * more than a bare header even when this process starts slowly.
	 */
	if (t->wav)
		hlen = wav_header(t, buf);
	while (t->endless || t->pos < t->len) {
		n = TONE_BLOCK;
		if (!t->endless && t->len - t->pos < n)
			n = t->len - t->pos;
		p = buf + hlen;
		for (i = 0; i < n; i++)
			p += t->spread > 0 ? tone_spread(t, p) :
			    tone_encode(t, tone_sample(t), p);
		len = (size_t)(p - buf);
		/*
		 * Full blocks are even, so an odd block is the last of an
		 * odd-sized data chunk: RIFF wants a pad byte after it.
		 */
		if (t->wav && !t->endless && t->pos == t->len &&
		    ((len - hlen) & 1))
			buf[len++] = 0;
		rc = write_all(STDOUT_FILENO, buf, len);
		if (rc < 0)
			goto fail;
		hlen = 0;
	}
	if (hlen > 0 && (rc = write_all(STDOUT_FILENO, buf, hlen)) < 0)
		goto fail;
	return 0;
fail:
	if (rc == -EPIPE)
		return 0;
	fprintf(stderr, "amtone: write: %s\n", strerror(-rc));
	return 1;
}

/*
 * Print a diagnostic for the option getopt_long() rejected: optopt is
 * its short letter or OPT_* value, or 0 for an unknown long option.
 */
static void
opt_bad(const char *optstr, char *const argv[])
{
	const char *c = NULL;

	if (optopt > 0 && optopt < 256 && optopt != ':')
		c = strchr(optstr, optopt);
	if (optopt == OPT_TO || optopt == OPT_DB || optopt == OPT_SPREAD ||
	    optopt == OPT_LAYOUT)
		fprintf(stderr, "amtone: option --%s needs an argument\n",
		    optopt == OPT_TO ? "to" : optopt == OPT_DB ? "db" :
		    optopt == OPT_SPREAD ? "spread" : "layout");
	else if (optopt == 0)
		fprintf(stderr, "amtone: unknown option %s\n",
		    argv[optind - 1]);
	else if (c == NULL)
		fprintf(stderr, "amtone: unknown option -%c\n", optopt);
	else if (c[1] == ':')
		fprintf(stderr, "amtone: option -%c needs an argument\n",
		    optopt);
	else
		fprintf(stderr, "amtone: option takes no argument: %s\n",
		    argv[optind - 1]);
}

int
main(int argc, char *argv[])
{
	static const char optstr[] = "f:w:d:r:c:F:t:h";
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, OPT_TO },
		{ "db", required_argument, NULL, OPT_DB },
		{ "spread", required_argument, NULL, OPT_SPREAD },
		{ "layout", required_argument, NULL, OPT_LAYOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct tone t;
	const char *fstr = "440", *tostr = NULL, *lstr = NULL;
	char why[96];
	double db = -6.0, secs = 0, top;
	uint64_t data;
	int ch, haved = 0, havec = 0;

	t.wave = TONE_WAVE_SINE;
	t.fmt = TONE_FMT_F32;
	t.rate = 48000;
	t.nch = 2;
	t.freq = 440.0;
	t.noise = 0x9e3779b97f4a7c15ULL;
	t.dither = AM_AFMT_DITHER_SEED;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (opt_int("-c", optarg, 1, TONE_CHAN_MAX, &t.nch) < 0)
				goto bad;
			havec = 1;
			break;
		case 'd':
			if (opt_double("-d", optarg, 0, TONE_SECS_MAX,
			    &secs) < 0)
				goto bad;
			haved = 1;
			break;
		case 'F':
			t.fmt = name_find(tone_fmt_names,
			    (int)AM_NELEM(tone_fmt_names), optarg);
			if (t.fmt < 0) {
				fprintf(stderr, "amtone: -F: unknown format: "
				    "%s\n", optarg);
				goto bad;
			}
			break;
		case 'f':
			if (opt_hz("-f", optarg, &t.freq) < 0)
				goto bad;
			fstr = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'r':
			if (opt_int("-r", optarg, TONE_RATE_MIN, TONE_RATE_MAX,
			    &t.rate) < 0)
				goto bad;
			break;
		case 't':
			if (strcmp(optarg, "raw") == 0)
				t.wav = 0;
			else if (strcmp(optarg, "wav") == 0)
				t.wav = 1;
			else {
				fprintf(stderr, "amtone: -t: unknown file "
				    "type: %s\n", optarg);
				goto bad;
			}
			break;
		case 'w':
			t.wave = name_find(tone_wave_names,
			    (int)AM_NELEM(tone_wave_names), optarg);
			if (t.wave < 0) {
				fprintf(stderr, "amtone: -w: unknown waveform: "
				    "%s\n", optarg);
				goto bad;
			}
			break;
		case OPT_DB:
			if (opt_double("--db", optarg, TONE_DB_MIN, 0,
			    &db) < 0)
				goto bad;
			break;
		case OPT_SPREAD:
			if (opt_double("--spread", optarg, 0, TONE_RATE_MAX,
			    &t.spread) < 0)
				goto bad;
			break;
		case OPT_LAYOUT:
			if (am_layout_parse(&t.layout, optarg, why,
			    sizeof(why)) < 0) {
				fprintf(stderr, "amtone: --layout: %s\n", why);
				goto bad;
			}
			lstr = optarg;
			break;
		case OPT_TO:
			if (opt_hz("--to", optarg, &t.to) < 0)
				goto bad;
			tostr = optarg;
			break;
		default:
			opt_bad(optstr, argv);
			goto bad;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "amtone: unexpected argument: %s\n",
		    argv[optind]);
		goto bad;
	}

	/* checks that depend on more than one option */
	if (opt_freq("-f", t.freq, fstr, t.rate) < 0)
		goto bad;
	if (lstr != NULL && havec && t.layout.n != t.nch) {
		fprintf(stderr, "amtone: --layout %s has %d channels, -c says "
		    "%d\n", lstr, t.layout.n, t.nch);
		goto bad;
	}
	if (lstr != NULL)
		t.nch = t.layout.n;
	else
		am_layout_default(&t.layout, (unsigned)t.nch);
	if (t.spread > 0) {
		if (t.wave > TONE_WAVE_TRIANGLE) {
			fprintf(stderr, "amtone: --spread needs a periodic "
			    "waveform (sine, square, saw, triangle)\n");
			goto bad;
		}
		top = t.freq + (t.nch - 1) * t.spread;
		if (top >= t.rate / 2.0) {
			fprintf(stderr, "amtone: --spread: channel %d would be "
			    "at %g Hz, not below %g Hz (half the rate)\n",
			    t.nch, top, t.rate / 2.0);
			goto bad;
		}
	}
	if (tostr != NULL && t.wave != TONE_WAVE_SWEEP) {
		fprintf(stderr, "amtone: --to needs -w sweep\n");
		goto bad;
	}
	if (t.wave == TONE_WAVE_SWEEP) {
		if (!haved) {
			fprintf(stderr, "amtone: -w sweep needs -d\n");
			goto bad;
		}
		if (tostr == NULL)
			t.to = fmin(TONE_TO_DEF, 0.475 * t.rate);
		else if (opt_freq("--to", t.to, tostr, t.rate) < 0)
			goto bad;
		t.lnratio = log(t.to / t.freq);
	}
	t.amp = am_db_to_gain(db);
	t.endless = !haved;
	t.len = (uint64_t)llround(secs * t.rate);
	if (t.wav && !t.endless) {
		/* RIFF size: header (80 at most) - 8 + data + pad byte */
		data = t.len * (uint64_t)t.nch * tone_fmt_bps[t.fmt];
		if (AM_WAV_HDR_MAX - 8 + data + 1 > WAV_SIZE_MAX) {
			fprintf(stderr, "amtone: -d: too long for a wav file: "
			    "%g\n", secs);
			goto bad;
		}
	}

	/* a reader that goes away gives EPIPE, a normal end */
	signal(SIGPIPE, SIG_IGN);
	return tone_run(&t);
bad:
	usage(stderr);
	return 2;
}
