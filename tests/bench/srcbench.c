/* SPDX-License-Identifier: MIT */
/*
 * srcbench: the three sample-rate converters amixd could use, side by
 * side on the same signals: libsamplerate (its four converters), libsoxr
 * (the engine of sox's "rate": its five recipes, HQ in double precision
 * as sox's own rate -h computes it, SOXR_DOUBLE_PRECISION: HQ_DP, and
 * HQ/MQ made for variable ratios, SOXR_VR) and speexdsp (qualities 10,
 * 8, 5, 3, 0);
 * and amixd's own converter (amixd/resampler.c) at each quality as the
 * real-time thread runs it (lib "amixd_rt": the resample node, app
 * streams) and as a file source's decoder thread does ("amixd_file"),
 * asked for 1024 output frames at a time through its pull model; their
 * held_ms is how far ahead of what they gave out they read.
 *
 *	srcbench [IN_RATE [OUT_RATE [SECONDS]]]	(44100 48000 10)
 *
 * Prints one JSON object a line per engine and setting:
 *   mfps        output M frames per second of this thread's CPU time
 *               (CLOCK_THREAD_CPUTIME_ID: steadier than wall time on a
 *               loaded machine), stereo, 1024-frame input blocks;
 *   snr_db      a 1 kHz sine at -6 dBFS: its power over that of what is
 *               left once the best-fitting sine (and DC) is taken out;
 *   hf_snr_db   the same for a sine at 0.4 of the lower rate;
 *   pass_db     gain at 0.45 of the lower rate (0 is flat);
 *   held_ms     latency: what 2 s of input in 1024-frame blocks should
 *               have made less what came out, in ms of output (the
 *               filter's look-ahead plus the engine's buffering);
 *   align       where an impulse comes out, in output frames, less where
 *               it should (input frame * ratio): 0 when the engine
 *               takes its delay out of the stream, as all three do.
 * The first and last half second are not measured (filter ramps).
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <samplerate.h>
#include <soxr.h>
#include <speex/speex_resampler.h>

#include "dl.h"
#include "resampler.h"

#define SB_BLOCK	1024

struct engine {
	const char *lib, *name;
	int kind, q;
};

enum { SB_LSR, SB_SOXR, SB_SOXR_DP, SB_SOXR_VR, SB_SPEEX, SB_AMIXD };

static const struct engine engines[] = {
	{ "libsamplerate", "best", SB_LSR, SRC_SINC_BEST_QUALITY },
	{ "libsamplerate", "medium", SB_LSR, SRC_SINC_MEDIUM_QUALITY },
	{ "libsamplerate", "fast", SB_LSR, SRC_SINC_FASTEST },
	{ "libsamplerate", "linear", SB_LSR, SRC_LINEAR },
	{ "soxr", "VHQ", SB_SOXR, SOXR_VHQ },
	{ "soxr", "24BIT", SB_SOXR, SOXR_24_BITQ },
	{ "soxr", "HQ", SB_SOXR, SOXR_HQ },
	{ "soxr", "HQ_DP", SB_SOXR_DP, SOXR_HQ },
	{ "soxr", "MQ", SB_SOXR, SOXR_MQ },
	{ "soxr", "LQ", SB_SOXR, SOXR_LQ },
	{ "soxr", "QQ", SB_SOXR, SOXR_QQ },
	{ "soxr", "VHQ_VR", SB_SOXR_VR, SOXR_VHQ },
	{ "soxr", "HQ_VR", SB_SOXR_VR, SOXR_HQ },
	{ "soxr", "MQ_VR", SB_SOXR_VR, SOXR_MQ },
	{ "speexdsp", "10", SB_SPEEX, 10 },
	{ "speexdsp", "8", SB_SPEEX, 8 },
	{ "speexdsp", "5", SB_SPEEX, 5 },
	{ "speexdsp", "3", SB_SPEEX, 3 },
	{ "speexdsp", "0", SB_SPEEX, 0 },
	{ "amixd_rt", "best", SB_AMIXD, RESAMPLER_BEST },
	{ "amixd_rt", "medium", SB_AMIXD, RESAMPLER_MEDIUM },
	{ "amixd_rt", "fast", SB_AMIXD, RESAMPLER_FAST },
	{ "amixd_rt", "linear", SB_AMIXD, RESAMPLER_LINEAR },
	{ "amixd_file", "best", SB_AMIXD, RESAMPLER_BEST | RESAMPLER_NONRT },
	{ "amixd_file", "medium", SB_AMIXD,
	    RESAMPLER_MEDIUM | RESAMPLER_NONRT },
	{ "amixd_file", "fast", SB_AMIXD, RESAMPLER_FAST | RESAMPLER_NONRT },
};

struct conv {
	const struct engine *e;
	double ratio;
	SRC_STATE *lsr;
	soxr_t soxr;
	SpeexResamplerState *spx;
	struct resampler rs;		/* SB_AMIXD */
	int rs_on;
	const float *in;		/* SB_AMIXD: what pull reads */
	size_t in_len, in_pos;		/* frames */
};

static void
conv_open(struct conv *c, const struct engine *e, unsigned in, unsigned out)
{
	soxr_quality_spec_t qs;
	soxr_runtime_spec_t rt;
	soxr_io_spec_t io;
	soxr_error_t se;
	char ebuf[128];
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->e = e;
	c->ratio = (double)out / in;
	switch (e->kind) {
	case SB_LSR:
		c->lsr = src_new(e->q, 2, &err);
		break;
	case SB_SOXR:
	case SB_SOXR_DP:
	case SB_SOXR_VR:
		qs = soxr_quality_spec(e->q, e->kind == SB_SOXR_VR ?
		    SOXR_VR : e->kind == SB_SOXR_DP ?
		    SOXR_DOUBLE_PRECISION : 0);
		rt = soxr_runtime_spec(1);
		io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
		if (e->kind == SB_SOXR_VR) {
			/* VR: made at the largest ratio, then set. */
			c->soxr = soxr_create(1, 1, 2, &se, &io, &qs, &rt);
			if (c->soxr != NULL)
				soxr_set_io_ratio(c->soxr, (double)in / out,
				    0);
		} else
			c->soxr = soxr_create(in, out, 2, &se, &io, &qs, &rt);
		break;
	case SB_SPEEX:
		c->spx = speex_resampler_init(2, in, out, e->q, &err);
		speex_resampler_skip_zeros(c->spx);
		break;
	case SB_AMIXD:
		c->rs_on = resampler_init(&c->rs, e->q, in, out, SB_BLOCK,
		    ebuf, sizeof(ebuf)) == 0;
		break;
	}
	if (c->lsr == NULL && c->soxr == NULL && c->spx == NULL &&
	    !c->rs_on) {
		fprintf(stderr, "srcbench: %s %s: cannot create\n", e->lib,
		    e->name);
		exit(1);
	}
}

static void
conv_close(struct conv *c)
{
	if (c->lsr != NULL)
		src_delete(c->lsr);
	if (c->soxr != NULL)
		soxr_delete(c->soxr);
	if (c->spx != NULL)
		speex_resampler_destroy(c->spx);
	if (c->rs_on)
		resampler_done(&c->rs);
}

/* SB_AMIXD's pull callback: the input, then silence. */
static void
conv_pull(void *ctx, float *dst, uint32_t frames)
{
	struct conv *c = ctx;
	size_t k = 0;

	if (c->in_pos < c->in_len) {
		k = c->in_len - c->in_pos < frames ? c->in_len - c->in_pos :
		    frames;
		memcpy(dst, c->in + 2 * c->in_pos, k * 2 * sizeof(float));
	}
	memset(dst + 2 * k, 0, (frames - k) * 2 * sizeof(float));
	c->in_pos += frames;
}

/* Converts in (n frames), appends to out; returns frames made. */
static size_t
conv_run(struct conv *c, const float *in, size_t n, float *out,
    size_t room)
{
	SRC_DATA d;
	size_t idone = 0, odone = 0, total = 0;
	spx_uint32_t il, ol;

	switch (c->e->kind) {
	case SB_LSR:
		while (n > 0) {
			memset(&d, 0, sizeof(d));
			d.data_in = in;
			d.input_frames = (long)n;
			d.data_out = out + 2 * total;
			d.output_frames = (long)(room - total);
			d.src_ratio = c->ratio;
			if (src_process(c->lsr, &d) != 0)
				exit(1);
			in += 2 * d.input_frames_used;
			n -= (size_t)d.input_frames_used;
			total += (size_t)d.output_frames_gen;
			if (d.input_frames_used == 0 &&
			    d.output_frames_gen == 0)
				break;
		}
		return total;
	case SB_SOXR:
	case SB_SOXR_DP:
	case SB_SOXR_VR:
		soxr_process(c->soxr, in, n, &idone, out, room, &odone);
		return odone;
	default:
		while (n > 0) {
			il = (spx_uint32_t)n;
			ol = (spx_uint32_t)(room - total);
			speex_resampler_process_interleaved_float(c->spx, in,
			    &il, out + 2 * total, &ol);
			in += 2 * il;
			n -= il;
			total += ol;
			if (il == 0 && ol == 0)
				break;
		}
		return total;
	}
}

/* Converts all of in (frames), block by block; returns frames out. */
static size_t
conv_all(struct conv *c, const float *in, size_t frames, float *out,
    size_t room)
{
	size_t i, n, made = 0, want;

	if (c->e->kind == SB_AMIXD) {
		/* Output-driven: as much as the input makes, by periods. */
		c->in = in;
		c->in_len = frames;
		c->in_pos = 0;
		want = (size_t)((double)frames * c->ratio);
		if (want > room)
			want = room;
		for (; made < want; made += n) {
			n = want - made < SB_BLOCK ? want - made : SB_BLOCK;
			resampler_run(&c->rs, out + 2 * made, (uint32_t)n,
			    conv_pull, c);
		}
		return made;
	}
	for (i = 0; i < frames; i += n) {
		n = frames - i < SB_BLOCK ? frames - i : SB_BLOCK;
		made += conv_run(c, in + 2 * i, n, out + 2 * made,
		    room - made);
	}
	return made;
}

/*
 * Least-squares fit of a sine at freq (cycles per frame) plus DC to
 * the left channel of x[0..n): 10 log10 of signal over residual power.
 */
static double
sine_snr(const float *x, size_t n, double freq, double *amp)
{
	double s[3][3] = { { 0 } }, r[3] = { 0 }, b[3], w, sig, res = 0;
	double m[3][4], f, e;
	size_t i;
	int j, k, l;

	for (i = 0; i < n; i++) {
		w = 2 * M_PI * freq * (double)i;
		b[0] = sin(w), b[1] = cos(w), b[2] = 1;
		for (j = 0; j < 3; j++) {
			r[j] += b[j] * x[2 * i];
			for (k = 0; k < 3; k++)
				s[j][k] += b[j] * b[k];
		}
	}
	for (j = 0; j < 3; j++) {
		for (k = 0; k < 3; k++)
			m[j][k] = s[j][k];
		m[j][3] = r[j];
	}
	for (j = 0; j < 3; j++)		/* Gauss-Jordan, well conditioned */
		for (k = 0; k < 3; k++) {
			if (k == j)
				continue;
			f = m[k][j] / m[j][j];
			for (l = 0; l < 4; l++)
				m[k][l] -= f * m[j][l];
		}
	for (j = 0; j < 3; j++)
		b[j] = m[j][3] / m[j][j];
	for (i = 0; i < n; i++) {
		w = 2 * M_PI * freq * (double)i;
		e = x[2 * i] - (b[0] * sin(w) + b[1] * cos(w) + b[2]);
		res += e * e;
	}
	*amp = sqrt(b[0] * b[0] + b[1] * b[1]);
	sig = *amp * *amp / 2 * (double)n;
	return 10 * log10(sig / (res > 1e-300 ? res : 1e-300));
}

static void
make_sine(float *x, size_t frames, double freq, double amp)
{
	size_t i;

	for (i = 0; i < frames; i++)
		x[2 * i] = x[2 * i + 1] = (float)(amp * sin(2 * M_PI * freq *
		    (double)i));
}

static double
now_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	unsigned in = argc > 1 ? (unsigned)atoi(argv[1]) : 44100;
	unsigned out = argc > 2 ? (unsigned)atoi(argv[2]) : 48000;
	double secs = argc > 3 ? atof(argv[3]) : 10;
	size_t frames = (size_t)(in * secs), room, made, skip, len, i, peak;
	unsigned lo = in < out ? in : out;
	double t0, t1, snr, hf, amp, pass, lat, mx, align;
	char ebuf[128];
	const size_t ne = sizeof(engines) / sizeof(engines[0]);
	float *x, *y;
	struct conv c;
	size_t k;

	if (in < 1000 || out < 1000 || secs < 2) {
		fprintf(stderr, "usage: srcbench [IN [OUT [SECONDS>=2]]]\n");
		return 2;
	}
	/* amixd's libsoxr calls go through dl_soxr.c, as in amixd. */
	if (dl_soxr_load(ebuf, sizeof(ebuf)) < 0) {
		fprintf(stderr, "srcbench: %s\n", ebuf);
		return 1;
	}
	room = (size_t)((double)frames * out / in) + 8192;
	x = calloc(frames * 2, sizeof(float));
	y = calloc(room * 2, sizeof(float));
	if (x == NULL || y == NULL)
		return 1;
	skip = out / 2;
	for (k = 0; k < ne; k++) {
		/* Speed and SNR: the 1 kHz sine, all of it. */
		make_sine(x, frames, 1000.0 / in, 0.5);
		conv_open(&c, &engines[k], in, out);
		t0 = now_cpu();
		made = conv_all(&c, x, frames, y, room);
		t1 = now_cpu();
		conv_close(&c);
		len = made > 3 * skip ? made - 2 * skip : 0;
		snr = len ? sine_snr(y + 2 * skip, len, 1000.0 / out, &amp) :
		    0;
		/* 0.4 of the lower rate: 2 s is enough. */
		make_sine(x, 2 * (size_t)in, 0.4 * lo / in, 0.5);
		conv_open(&c, &engines[k], in, out);
		made = conv_all(&c, x, 2 * (size_t)in, y, room);
		conv_close(&c);
		len = made > 3 * skip ? made - 2 * skip : 0;
		hf = len ? sine_snr(y + 2 * skip, len, 0.4 * lo / out, &amp) :
		    0;
		make_sine(x, 2 * (size_t)in, 0.45 * lo / in, 0.5);
		conv_open(&c, &engines[k], in, out);
		made = conv_all(&c, x, 2 * (size_t)in, y, room);
		conv_close(&c);
		len = made > 3 * skip ? made - 2 * skip : 0;
		(void)sine_snr(y + 2 * skip, len, 0.45 * lo / out, &amp);
		pass = 20 * log10(amp / 0.5);
		/* Latency: an impulse at input frame in/2. */
		memset(x, 0, 2 * (size_t)in * 2 * sizeof(float));
		x[2 * (in / 2)] = x[2 * (in / 2) + 1] = 1;
		conv_open(&c, &engines[k], in, out);
		made = conv_all(&c, x, 2 * (size_t)in, y, room);
		conv_close(&c);
		for (i = 0, peak = 0, mx = 0; i < made; i++)
			if (fabs(y[2 * i]) > mx)
				mx = fabs(y[2 * i]), peak = i;
		align = (double)peak - (double)(in / 2) * out / in;
		/* Held back: what 2 s of input should have made, less. */
		lat = (2.0 * out - (double)made) * 1000.0 / out;
		/* amixd's: what it read beyond what it gave out. */
		if (engines[k].kind == SB_AMIXD)
			lat = ((double)c.in_pos - 2.0 * in) * 1000.0 / in;
		printf("{\"lib\":\"%s\",\"setting\":\"%s\",\"in\":%u,"
		    "\"out\":%u,\"mfps\":%.3f,\"snr_db\":%.1f,"
		    "\"hf_snr_db\":%.1f,\"pass_db\":%.3f,\"held_ms\":%.2f,"
		    "\"align\":%.0f}\n", engines[k].lib, engines[k].name, in,
		    out, (double)frames * out / in / (t1 - t0) / 1e6, snr, hf,
		    pass, lat, align);
		fflush(stdout);
	}
	free(x);
	free(y);
	return 0;
}
