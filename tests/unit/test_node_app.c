/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of amixd/nodes/app.c, included here to reach its statics,
 * and of its sample conversions (app_conv.c): tables of ring samples
 * and the floats they become
 * (bit-exact, full scale, -1, the most negative values), of floats and
 * the integers they become (rounding, clipping both ways, NaN, exact
 * s16 samples never dithered), and of
 * hostile f32 samples and their clamp; and, through process with a
 * real ring: a paused source ramps down within a period, takes nothing
 * while paused and resumes at the next frame of its ring; a sink at
 * another rate writes as many frames as the ratio says, and stops
 * while paused; rings of 1 to 64 channels through sources and sinks
 * at the ring's rate (exact) and another (each channel's own level),
 * with buffers of the ring's channels or stereo ones, and the layout
 * hook and "layout" argument.
 */

#include "../../amixd/nodes/app.c"

#include "t.h"
#include "util.h"

struct in_row {
	uint32_t format;
	unsigned char b[4];
	float want;
};

static const struct in_row in_rows[] = {
	{ AM_ARING_S16, { 0x00, 0x00 }, 0.0f },
	{ AM_ARING_S16, { 0xff, 0x7f }, 32767.0f / 32768 },
	{ AM_ARING_S16, { 0x00, 0x80 }, -1.0f },
	{ AM_ARING_S16, { 0xff, 0xff }, -1.0f / 32768 },
	{ AM_ARING_S24, { 0xff, 0xff, 0x7f }, 8388607.0f / 8388608 },
	{ AM_ARING_S24, { 0x00, 0x00, 0x80 }, -1.0f },
	{ AM_ARING_S24, { 0x01, 0x00, 0x00 }, 1.0f / 8388608 },
	{ AM_ARING_S32, { 0x00, 0x00, 0x00, 0x80 }, -1.0f },
	{ AM_ARING_S32, { 0x00, 0x00, 0x00, 0x40 }, 0.5f },
	{ AM_ARING_F32, { 0x00, 0x00, 0x80, 0x3f }, 1.0f },
	{ AM_ARING_F32, { 0x00, 0x00, 0x80, 0xbf }, -1.0f },
	{ AM_ARING_F32, { 0x00, 0x00, 0xc0, 0x7f }, 0.0f },	/* NaN */
	{ AM_ARING_F32, { 0x00, 0x00, 0x80, 0x7f }, 64.0f },	/* +inf */
	{ AM_ARING_F32, { 0x00, 0x00, 0x80, 0xff }, -64.0f },	/* -inf */
	{ AM_ARING_F32, { 0xca, 0xf2, 0x49, 0x71 }, 64.0f },	/* 1e30 */
	{ AM_ARING_F32, { 0x00, 0x00, 0x80, 0x42 }, 64.0f },	/* 64 */
	{ AM_ARING_F32, { 0x01, 0x00, 0x00, 0x00 }, 1.4e-45f },	/* denormal */
};

struct out_row {
	uint32_t format;
	float x;
	int32_t want;
};

static const struct out_row out_rows[] = {
	{ AM_ARING_S16, 0.0f, 0 },
	{ AM_ARING_S16, 1.0f, 32767 },		/* clips */
	{ AM_ARING_S16, -1.0f, -32768 },
	{ AM_ARING_S16, 2.0f, 32767 },
	{ AM_ARING_S16, -2.0f, -32768 },
	{ AM_ARING_S16, 12345.0f / 32768, 12345 },	/* exact: no dither */
	{ AM_ARING_S24, 0.5f / 8388608, 0 },	/* ties to even */
	{ AM_ARING_S24, 1.5f / 8388608, 2 },
	{ AM_ARING_S24, 1.0f, 8388607 },
	{ AM_ARING_S24, -1.0f, -8388608 },
	{ AM_ARING_S24, 0.25f, 2097152 },
	{ AM_ARING_S32, 1.0f, 2147483647 },
	{ AM_ARING_S32, -1.0f, INT32_MIN },
	{ AM_ARING_S32, -0.5f, -1073741824 },
	{ AM_ARING_S16, NAN, 0 },		/* silence, not a click */
};

#define T_P	128		/* period, frames */

/* The args of an app node over the ring in fd: all defaults. */
static void
t_args(struct node_val *v, int fd)
{
	memset(v, 0, NODE_ARG_MAX * sizeof(*v));
	v[APP_ARG_FD].num = fd;
	v[APP_ARG_MEMFD].num = -1;
	v[APP_ARG_EVENTFD].num = -1;
	v[APP_ARG_QUALITY].num = RESAMPLER_MEDIUM;
}

/* A cycle of frames at 48 kHz, counters in st, no events (no rt). */
static void
t_cycle(struct node_cycle *c, struct node_stats *st, uint32_t frames)
{
	memset(st, 0, sizeof(*st));
	memset(c, 0, sizeof(*c));
	c->frames = frames;
	c->rate = 48000;
	c->stats = st;
}

/* Frame k of the test stream: both channels k / 65536, exact. */
static float
t_val(uint64_t k)
{
	return (float)(k % 65536) / 65536.0f;
}

/*
 * A source over an f32 ring of 4096 frames, paused by the ring's flag
 * (by_arg 0) or its "paused" argument (1).
 */
static void
t_source_pause(int by_arg)
{
	static struct app a;
	static float out[T_P * 2], buf[4096 * 2];
	struct am_aring cli;
	struct node_val v[NODE_ARG_MAX];
	struct node_stats st;
	struct node_cycle c;
	char err[128];
	uint64_t next = 0, rd;
	uint32_t i, k, ramp = dsp_ramp_frames(T_P, 48000), bad = 0;
	int p;

	memset(&a, 0, sizeof(a));
	t_cycle(&c, &st, T_P);
	if (am_aring_open(&cli, 1, AM_ARING_F32, 2, 48000, 4096, 0, 4096) <
	    0) {
		ok(0, "ring");
		return;
	}
	for (i = 0; i < 4096; i++)
		buf[2 * i] = buf[2 * i + 1] = t_val(i);
	am_aring_write(&cli, buf, 4096, 1);
	t_args(v, cli.fd);
	if (app_init(&a, v, 48000, 0, err, sizeof(err)) < 0) {
		ok(0, "app_init: %s", err);
		return;
	}
	app_source_process(&a, &c, NULL, out);
	for (i = 0; i < T_P; i++)
		bad += out[2 * i] != t_val(next + i);
	next += T_P;
	is_int(bad, 0, "playing: the ring's frames as they are");
	if (by_arg)
		app_set(&a, APP_ARG_PAUSED, 1);
	else
		atomic_store(&cli.hdr->paused, 1);
	/* The ramp down: ramp frames taken, falling to 0, then none. */
	for (k = 0, p = 0; p < 20; p++) {
		app_source_process(&a, &c, NULL, out);
		for (i = 0; i < T_P; i++) {
			if (fabsf(out[2 * i]) > t_val(next + k) + 1e-6f)
				bad++;
			if (k < ramp)
				k++;
		}
	}
	rd = atomic_load(&cli.hdr->rd);
	is_int(bad, 0, "pausing: never louder than the stream");
	ok(rd == next + ramp, "paused: the ramp down took %u frames (%llu "
	    "in all, want %llu)", ramp, (unsigned long long)rd,
	    (unsigned long long)(next + ramp));
	for (i = 0; i < T_P; i++)
		bad += out[2 * i] != 0.0f;
	is_int(bad, 0, "paused: silence");
	next = rd;
	if (by_arg)
		app_set(&a, APP_ARG_PAUSED, 0);
	else
		atomic_store(&cli.hdr->paused, 0);
	/* The ramp up, from the next frame on, then the frames exactly. */
	for (p = 0; p < 8; p++) {
		app_source_process(&a, &c, NULL, out);
		for (i = 0; i < T_P; i++) {
			if (next + i >= rd + ramp && out[2 * i] !=
			    t_val(next + i))
				bad++;
			if (fabsf(out[2 * i]) > t_val(next + i) + 1e-6f)
				bad++;
		}
		next += T_P;
	}
	is_int(bad, 0, "resumed: the stream goes on at frame %llu",
	    (unsigned long long)rd);
	is_int((int)atomic_load(&st.underruns), 0, "no underrun counted");
	app_done(&a);
	am_aring_close(&cli);
}

/* A sink at 48 kHz into a 44.1 kHz ring; then paused. */
static void
t_sink_rate(void)
{
	static struct app a;
	static float in[480 * 2];
	struct am_aring cli;
	struct node_val v[NODE_ARG_MAX];
	struct node_stats st;
	struct node_cycle c;
	char err[128];
	uint64_t wr, wr2;
	uint32_t i, p;
	double ph = 0;

	memset(&a, 0, sizeof(a));
	t_cycle(&c, &st, 480);
	if (am_aring_open(&cli, 0, AM_ARING_F32, 2, 44100, 65536, 0, 65536) <
	    0) {
		ok(0, "ring");
		return;
	}
	t_args(v, cli.fd);
	if (app_init(&a, v, 48000, 1, err, sizeof(err)) < 0) {
		ok(0, "app_init: %s", err);
		return;
	}
	for (p = 0; p < 100; p++) {
		for (i = 0; i < 480; i++) {
			in[2 * i] = in[2 * i + 1] = (float)(0.5 * sin(ph));
			ph += 2 * M_PI * 1000 / 48000;
		}
		app_sink_process(&a, &c, in, NULL);
	}
	wr = atomic_load(&cli.hdr->wr);
	ok(wr <= 44100 && wr + 480 > 44100, "1 s at 48 kHz: %llu frames "
	    "at 44.1 kHz (44100 less the filter's delay)",
	    (unsigned long long)wr);
	is_int((int)atomic_load(&st.overruns), 0, "no overrun");
	app_set(&a, APP_ARG_PAUSED, 1);
	app_sink_process(&a, &c, in, NULL);
	wr = atomic_load(&cli.hdr->wr);
	for (p = 0; p < 10; p++)
		app_sink_process(&a, &c, in, NULL);
	wr2 = atomic_load(&cli.hdr->wr);
	ok(wr2 == wr, "paused: the sink writes nothing (%llu, then %llu)",
	    (unsigned long long)wr, (unsigned long long)wr2);
	app_set(&a, APP_ARG_PAUSED, 0);
	app_sink_process(&a, &c, in, NULL);
	ok(atomic_load(&cli.hdr->wr) > wr2, "resumed: it writes again");
	app_done(&a);
	am_aring_close(&cli);
}

/* Channel k of frame i of the multichannel tests, exact in s16. */
static float
t_chval(uint32_t i, uint32_t k)
{
	return (float)((int)(k + 1) * 256 + (int)(i % 200) - 100) / 32768.0f;
}

/*
 * An app node (a sink when sink) on a new ring of ch channels of format
 * at rate, cap frames, the client's side in *cli. 0, or -1 (said).
 */
static int
t_app_ring(struct app *a, struct am_aring *cli, int sink, uint32_t format,
    uint32_t ch, uint32_t rate, uint32_t cap)
{
	struct node_val v[NODE_ARG_MAX];
	char err[128];

	memset(a, 0, sizeof(*a));
	if (am_aring_open(cli, !sink, format, ch, rate, cap, 0, cap) < 0) {
		ok(0, "ring of %u channels", ch);
		return -1;
	}
	t_args(v, cli->fd);
	if (app_init(a, v, 48000, sink, err, sizeof(err)) < 0) {
		ok(0, "app_init: %s", err);
		return -1;
	}
	return 0;
}

/*
 * A source over an s16 ring of ch channels at rate, run with buffers of
 * och channels (0: an engine of stereo buffers): at 48 kHz each channel
 * exact, else each at its own level once the converter settled.
 */
static void
t_source_ch(uint32_t ch, uint32_t och, uint32_t rate)
{
	static struct app a;
	static float out[T_P * AM_ARING_CHAN_MAX];
	static int16_t buf[4096 * AM_ARING_CHAN_MAX];
	uint32_t w = och != 0 ? och : 2, i, k, p, bad = 0, src;
	struct am_aring cli;
	struct node_stats st;
	struct node_cycle c;
	float want;

	t_cycle(&c, &st, T_P);
	c.out_ch = och;
	if (t_app_ring(&a, &cli, 0, AM_ARING_S16, ch, rate, 4096) < 0)
		return;
	for (i = 0; i < 4096; i++)
		for (k = 0; k < ch; k++)
			buf[i * ch + k] = (int16_t)(rate == 48000 ?
			    t_chval(i, k) * 32768 : (k + 1) * 256);
	am_aring_write(&cli, buf, 4096, 1);
	for (p = 0; p < 20; p++) {
		app_source_process(&a, &c, NULL, out);
		for (i = 0; i < T_P; i++)
			for (k = 0; k < w; k++) {
				/* stereo buffers: mono on both, else k */
				src = ch == 1 ? 0 : k;
				want = src >= ch ? 0.0f : rate == 48000 ?
				    t_chval(p * T_P + i, src) :
				    (float)(src + 1) * 256 / 32768;
				if (rate == 48000 ? out[i * w + k] != want :
				    p >= 10 && fabsf(out[i * w + k] - want) >
				    1e-4f)
					bad++;
			}
	}
	is_int(bad, 0, "source: %u channels at %u Hz into %u-channel "
	    "buffers: every channel its own", ch, rate, w);
	app_done(&a);
	am_aring_close(&cli);
}

/*
 * A sink of ch channels (s32 ring at rate) fed buffers of ich channels
 * (0: stereo): the ring's frames channel by channel.
 */
static void
t_sink_ch(uint32_t ch, uint32_t ich, uint32_t rate)
{
	static struct app a;
	static float in[T_P * AM_ARING_CHAN_MAX];
	static int32_t got[8192 * AM_ARING_CHAN_MAX];
	uint32_t w = ich != 0 ? ich : 2, i, k, p, n, bad = 0;
	struct am_aring cli;
	struct node_stats st;
	struct node_cycle c;
	double want;

	t_cycle(&c, &st, T_P);
	c.in_ch = ich;
	if (t_app_ring(&a, &cli, 1, AM_ARING_S32, ch, rate, 8192) < 0)
		return;
	for (p = 0; p < 40; p++) {
		for (i = 0; i < T_P; i++)
			for (k = 0; k < w; k++)
				in[i * w + k] = 0.01f * (float)(k + 1);
		app_sink_process(&a, &c, in, NULL);
	}
	n = am_aring_read(&cli, got, 8192);
	ok(n > 4000, "sink: %u frames written", n);
	for (i = n / 2; i < n; i++)
		for (k = 0; k < ch; k++) {
			if (w == 2 && ch == 1)
				want = 0.015;	/* the pair averaged */
			else
				want = k < w ? 0.01 * (k + 1) : 0.0;
			if (fabs(got[i * ch + k] / 2147483648.0 - want) >
			    1e-4)
				bad++;
		}
	is_int(bad, 0, "sink: %u-channel buffers into %u channels at %u "
	    "Hz: every channel its own", w, ch, rate);
	app_done(&a);
	am_aring_close(&cli);
}

/* The layout hook: the ring's layout, or the "layout" argument's. */
static void
t_layout(void)
{
	static struct app a;
	struct am_aring cli;
	struct am_layout l, in, out;
	struct node_val v[NODE_ARG_MAX];
	char err[128], s[64];
	int rc;

	if (am_aring_open(&cli, 1, AM_ARING_F32, 6, 48000, 1024, 0,
	    1024) < 0) {
		ok(0, "ring");
		return;
	}
	am_layout_parse(&l, "FL,FR,FC,LFE,SL,SR", err, sizeof(err));
	am_aring_set_layout(&cli, &l);
	memset(&a, 0, sizeof(a));
	t_args(v, dup(cli.fd));
	ok(app_init(&a, v, 48000, 0, err, sizeof(err)) == 0, "6 channels");
	app_layout(&a, NULL, &in, &out, err, sizeof(err));
	is_str(am_layout_str(&out, s, sizeof(s)), "FL,FR,FC,LFE,SL,SR",
	    "source: gives the ring's layout");
	app_done(&a);
	memset(&a, 0, sizeof(a));
	v[APP_ARG_FD].num = dup(cli.fd);	/* app_done closed the last */
	v[APP_ARG_LAYOUT].str = "AUX0,AUX1,AUX2,AUX3,AUX4,AUX5";
	ok(app_init(&a, v, 48000, 1, err, sizeof(err)) == 0, "relabelled");
	app_layout(&a, NULL, &in, &out, err, sizeof(err));
	is_str(am_layout_str(&in, s, sizeof(s)), v[APP_ARG_LAYOUT].str,
	    "sink: takes the relabelled layout");
	app_done(&a);
	memset(&a, 0, sizeof(a));
	v[APP_ARG_FD].num = dup(cli.fd);
	v[APP_ARG_LAYOUT].str = "stereo";
	rc = app_init(&a, v, 48000, 0, err, sizeof(err));
	ok(rc == -EINVAL && strstr(err, "has 2 channels, but the ring has "
	    "6") != NULL, "a layout of 2 on 6 channels refused: %s", err);
	v[APP_ARG_LAYOUT].str = "FL,XX";
	rc = app_init(&a, v, 48000, 0, err, sizeof(err));
	ok(rc == -EINVAL && strstr(err, "layout") != NULL,
	    "a bad layout refused: %s", err);
	close((int)v[APP_ARG_FD].num);	/* refused: still ours */
	am_aring_close(&cli);
}

/*
 * The bulk conversions against the per-sample ones they replace, for
 * every format, 3 channels of random bytes (f32: any bit pattern, NaN
 * and infinities included) and random floats (beyond full scale too):
 * app_conv_in gives am_afmt_get's values, made sane for f32;
 * app_conv_out am_afmt_put's bytes with the same dither draws, f32 as
 * it is.
 */
static void
t_bulk(void)
{
	enum { N = 999 };	/* samples: 333 frames of 3 */
	static unsigned char raw[N * 4], got[N * 4], want[N * 4];
	static float x[N], y[N];
	struct am_aring r;
	uint32_t fmt, i, sb, seed = 1, s1, s2, bad;
	float w;

	for (fmt = 0; fmt < AM_ARING_NFMT; fmt++) {
		sb = am_aring_sample_bytes(fmt);
		memset(&r, 0, sizeof(r));
		r.format = fmt;
		r.channels = 3;
		r.fbytes = 3 * sb;
		for (i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)am_xorshift32(&seed);
		app_conv_in(&r, raw, x, N / 3);
		for (i = 0, bad = 0; i < N; i++) {
			w = am_afmt_get((int)fmt, raw + (size_t)i * sb);
			if (fmt == AM_ARING_F32)
				w = am_afmt_sane(w, AM_ARING_F32_MAX);
			bad += memcmp(&w, &x[i], sizeof(w)) != 0;
		}
		is_int(bad, 0, "%s in: the per-sample values",
		    am_aring_formats[fmt]);
		for (i = 0; i < N; i++)
			y[i] = (float)((int32_t)am_xorshift32(&seed)) /
			    1.5e9f;
		s1 = s2 = AM_AFMT_DITHER_SEED;
		app_conv_out(&r, &s1, y, got, N / 3);
		for (i = 0; i < N; i++) {
			if (fmt == AM_ARING_F32)
				memcpy(want + (size_t)i * sb, &y[i], 4);
			else
				am_afmt_put((int)fmt, want + (size_t)i * sb,
				    y[i], fmt == AM_ARING_S16 ? &s2 : NULL);
		}
		ok(memcmp(got, want, (size_t)N * sb) == 0 && s1 == s2,
		    "%s out: the per-sample bytes and dither draws",
		    am_aring_formats[fmt]);
	}
}

/* A mono ring's geometry of format, for app_conv_in/out alone. */
static const struct am_aring *
t_mono(uint32_t format)
{
	static struct am_aring r;

	r.format = format;
	r.channels = 1;
	r.fbytes = am_aring_sample_bytes(format);
	return &r;
}

int
main(void)
{
	static struct app a;
	unsigned char b[4];
	int32_t v;
	float x;
	size_t i;

	a.seed = AM_AFMT_DITHER_SEED;

	for (i = 0; i < AM_NELEM(in_rows); i++) {
		app_conv_in(t_mono(in_rows[i].format), in_rows[i].b, &x, 1);
		ok(memcmp(&x, &in_rows[i].want, sizeof(x)) == 0,
		    "in row %zu: %s gives %.9g, want %.9g", i,
		    am_aring_formats[in_rows[i].format], x, in_rows[i].want);
	}
	for (i = 0; i < AM_NELEM(out_rows); i++) {
		memset(b, 0, sizeof(b));
		a.ring.format = out_rows[i].format;
		app_conv_out(t_mono(out_rows[i].format), &a.seed,
		    &out_rows[i].x, b, 1);
		switch (out_rows[i].format) {
		case AM_ARING_S16:
			v = (int16_t)(b[0] | b[1] << 8);
			break;
		case AM_ARING_S24:
			v = (int32_t)((uint32_t)b[0] << 8 |
			    (uint32_t)b[1] << 16 | (uint32_t)b[2] << 24) >> 8;
			break;
		default:
			v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 |
			    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
			break;
		}
		is_int(v, out_rows[i].want, "out row %zu: %s of %g", i,
		    am_aring_formats[out_rows[i].format], out_rows[i].x);
	}
	/* A round trip of every s16 value is exact. */
	for (i = 0, v = 0; i < 65536; i++) {
		b[0] = (unsigned char)i;
		b[1] = (unsigned char)(i >> 8);
		app_conv_in(t_mono(AM_ARING_S16), b, &x, 1);
		memset(b + 2, 0, 2);
		app_conv_out(t_mono(AM_ARING_S16), &a.seed, &x, b + 2, 1);
		v += b[2] != (unsigned char)i || b[3] != (unsigned char)(i >> 8);
	}
	is_int(v, 0, "s16 -> float -> s16 is exact for all 65536 values");
	t_bulk();
	t_source_pause(0);
	t_source_pause(1);
	t_sink_rate();
	t_source_ch(1, 1, 48000);
	t_source_ch(1, 0, 48000);
	t_source_ch(6, 6, 48000);
	t_source_ch(8, 0, 48000);
	t_source_ch(64, 64, 48000);
	t_source_ch(6, 6, 44100);
	t_source_ch(16, 0, 32000);
	t_sink_ch(1, 0, 48000);
	t_sink_ch(8, 8, 48000);
	t_sink_ch(6, 0, 48000);
	t_sink_ch(64, 64, 44100);
	t_sink_ch(3, 3, 96000);
	t_layout();
	return t_done();
}
