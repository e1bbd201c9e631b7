/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/afmt.c, the one sample-format module: every s16,
 * s24 and s24_3 value through float and back is itself (with and
 * without dither: exact samples are never dithered); s16 to s32 is a
 * shift by 16; a table of edges (full scale, one step above, huge,
 * infinities, NaN) bit-exact in every integer format, with the clipped
 * count; f32 to a device is clipped; and TPDF dither of a processed
 * signal (-6.02 dB) has the level theory gives (error RMS 1/2 step:
 * 1/12 of rounding plus 1/6 of the dither), zero mean, stays within
 * +-1.5 steps, and is reproducible from its seed.
 */

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "afmt.h"
#include "aring.h"
#include "level.h"
#include "t.h"

static unsigned char buf[4 * 4];

/* Every value of a bits-bit format fmt through float and back. */
static void
test_every_value(const char *name, int fmt, int bits, int dither)
{
	uint32_t seed = AM_AFMT_DITHER_SEED, bs = am_afmt_bytes(fmt);
	int32_t k, lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
	int32_t bad = 0, first = 0, q;
	uint64_t clipped = 0;
	float x;

	for (k = lo; k <= hi; k++) {
		memset(buf, 0xa5, sizeof(buf));
		buf[0] = (unsigned char)k;
		buf[1] = (unsigned char)(k >> 8);
		if (bs >= 3)
			buf[2] = (unsigned char)(k >> 16);
		if (bs == 4 && fmt != AM_AFMT_S24)
			buf[3] = (unsigned char)(k >> 24);
		x = am_afmt_get(fmt, buf);
		q = am_afmt_quant(x, bits, dither ? &seed : NULL, &clipped);
		if (q != k || x != (float)k / (float)(1 << (bits - 1))) {
			if (bad++ == 0)
				first = k;
			continue;
		}
		am_afmt_put(fmt, buf + 8, x, dither ? &seed : NULL);
		if (memcmp(buf + 8, buf, bs == 4 && fmt == AM_AFMT_S24 ? 3 :
		    bs) != 0 && bad++ == 0)
			first = k;
	}
	is_int(bad, 0, "%s: all %d values through float and back%s "
	    "(first bad %d)", name,
	    hi - lo + 1, dither ? ", dithered" : "", first);
	is_int((long long)clipped, 0, "  and none counted as clipped");
	ok(seed == AM_AFMT_DITHER_SEED, "  and the dither never drawn");
}

static void
test_s16_to_s32(void)
{
	int32_t k, bad = 0;
	uint64_t clipped = 0;
	float x;

	for (k = -32768; k <= 32767; k++) {
		buf[0] = (unsigned char)k;
		buf[1] = (unsigned char)(k >> 8);
		x = am_afmt_get(AM_AFMT_S16, buf);
		if (am_afmt_quant(x, 32, NULL, &clipped) !=
		    (int32_t)((uint32_t)k << 16))
			bad++;
		am_afmt_put(AM_AFMT_S32, buf + 4, x, NULL);
		if (am_afmt_get(AM_AFMT_S32, buf + 4) != x)
			bad++;
	}
	is_int(bad, 0, "s16 -> f32 -> s32 is k << 16 for all 65536");
	is_int((long long)clipped, 0, "  none clipped");
}

static void
test_edges(void)
{
	static const struct {
		float x;
		int32_t s16, s24, s32;
		int clip;
	} rows[] = {
		{ 0.0f, 0, 0, 0, 0 },
		{ -0.0f, 0, 0, 0, 0 },
		{ 1.0f, 32767, 8388607, 2147483647, 0 },
		{ -1.0f, -32768, -8388608, (int32_t)0x80000000, 0 },
		{ 1.0000001f, 32767, 8388607, 2147483647, 1 },
		{ -1.0000001f, -32768, -8388608, (int32_t)0x80000000, 1 },
		{ 0.99999994f, 32767, 8388607, 2147483520, 0 },
		{ 32767.5f / 32768, 32767, 8388480, 2147450880, 0 },
		{ 0.5f, 16384, 4194304, 1073741824, 0 },
		{ -0.25f, -8192, -2097152, -536870912, 0 },
		{ 1.5f / 32768, 2, 384, 98304, 0 },	/* tie: to even */
		{ 2.5f / 32768, 2, 640, 163840, 0 },
		{ 1e30f, 32767, 8388607, 2147483647, 1 },
		{ -1e30f, -32768, -8388608, (int32_t)0x80000000, 1 },
		{ INFINITY, 32767, 8388607, 2147483647, 1 },
		{ -INFINITY, -32768, -8388608, (int32_t)0x80000000, 1 },
		{ NAN, 0, 0, 0, 0 },
		{ -NAN, 0, 0, 0, 0 },
	};
	uint64_t c16, c24, c32;
	size_t i;
	float f;
	int c;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c16 = c24 = c32 = 0;
		is_int(am_afmt_quant(rows[i].x, 16, NULL, &c16), rows[i].s16,
		    "s16 of %.9g", (double)rows[i].x);
		is_int(am_afmt_quant(rows[i].x, 24, NULL, &c24), rows[i].s24,
		    "s24 of %.9g", (double)rows[i].x);
		is_int(am_afmt_quant(rows[i].x, 32, NULL, &c32), rows[i].s32,
		    "s32 of %.9g", (double)rows[i].x);
		ok(c16 == (uint64_t)rows[i].clip && c24 == c16 && c32 == c16,
		    "  clipped counted %d", rows[i].clip);
		/* The same through put, and bytes as the format says. */
		am_afmt_put(AM_AFMT_S24_3, buf, rows[i].x, NULL);
		is_int((int32_t)((uint32_t)buf[0] << 8 | (uint32_t)buf[1] <<
		    16 | (uint32_t)buf[2] << 24) >> 8, rows[i].s24,
		    "  s24_3 bytes");
		memset(buf, 0, sizeof(buf));
		am_afmt_put(AM_AFMT_S24, buf, rows[i].x, NULL);
		is_int((int32_t)((uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
		    (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24),
		    rows[i].s24, "  s24 in 4 bytes, sign-extended");
		/* f32 to a device: clipped to +-1, NaN to 0. */
		c = am_afmt_put(AM_AFMT_F32, buf, rows[i].x, NULL);
		memcpy(&f, buf, sizeof(f));
		ok(c == rows[i].clip && f == (rows[i].x != rows[i].x ? 0.0f :
		    fminf(1.0f, fmaxf(-1.0f, rows[i].x))),
		    "  f32 out %g, clipped %d", (double)f, c);
	}
}

static void
test_decode(void)
{
	static const unsigned char s24top[4] = { 0xff, 0xff, 0x7f, 0x5a };
	static const unsigned char s24neg[4] = { 0x00, 0x00, 0x80, 0x00 };
	static const unsigned char s32min[4] = { 0, 0, 0, 0x80 };
	float f = NAN, d[3];
	unsigned char raw[6] = { 0x00, 0x80, 0xff, 0x7f, 0x01, 0x00 };

	is_double(am_afmt_get(AM_AFMT_S24, s24top), 8388607.0 / 8388608.0, 0,
	    "s24 ignores the container's top byte");
	is_double(am_afmt_get(AM_AFMT_S24, s24neg), -1.0, 0,
	    "s24 sign-extends bit 23");
	is_double(am_afmt_get(AM_AFMT_S32, s32min), -1.0, 0, "s32 minimum");
	memcpy(buf, &f, sizeof(f));
	ok(isnan(am_afmt_get(AM_AFMT_F32, buf)),
	    "f32 decodes as it is (the caller judges it)");
	am_afmt_decode(AM_AFMT_S16, d, raw, 3);
	ok(d[0] == -1.0f && d[1] == 32767.0f / 32768 && d[2] == 1.0f / 32768,
	    "block decode of s16");
	is_double(am_afmt_sane(NAN, 64), 0, 0, "sane: NaN is 0");
	is_double(am_afmt_sane(-INFINITY, 64), -64, 0, "sane: -inf clamped");
	is_double(am_afmt_sane(65, 64), 64, 0, "sane: too big clamped");
	is_double(am_afmt_sane(-3, 64), -3, 0, "sane: in range kept");
}

static void
test_block(void)
{
	float in[6] = { 2.0f, -0.5f, NAN, -INFINITY, 1.0f, 0.25f };
	float f[6];
	int16_t h[6];
	uint64_t n;

	n = am_afmt_encode(AM_AFMT_S16, h, in, 6, NULL);
	ok(n == 2 && h[0] == 32767 && h[1] == -16384 && h[2] == 0 &&
	    h[3] == -32768 && h[4] == 32767 && h[5] == 8192,
	    "block s16 encode, 2 clipped (%llu)", (unsigned long long)n);
	/* Block encode and decode agree with the per-sample ones. */
	{
		static const int fmts[] = { AM_AFMT_S16, AM_AFMT_S24_3,
		    AM_AFMT_S24, AM_AFMT_S32 };
		unsigned char blk[6 * 4], one[4];
		float back[6];
		size_t k, j;
		int bad;

		for (k = 0; k < 4; k++) {
			uint32_t bs = am_afmt_bytes(fmts[k]);

			n = am_afmt_encode(fmts[k], blk, in, 6, NULL);
			am_afmt_decode(fmts[k], back, blk, 6);
			for (j = 0, bad = 0; j < 6; j++) {
				am_afmt_put(fmts[k], one, in[j], NULL);
				bad += memcmp(one, blk + j * bs, bs) != 0 ||
				    back[j] != am_afmt_get(fmts[k], one);
			}
			ok(bad == 0 && n == 2, "block encode/decode of format "
			    "%d is the per-sample one, 2 clipped", fmts[k]);
		}
	}
	n = am_afmt_encode(AM_AFMT_F32, f, in, 6, NULL);
	ok(n == 2 && f[0] == 1.0f && f[2] == 0.0f && f[3] == -1.0f &&
	    f[4] == 1.0f && f[5] == 0.25f, "block f32 encode clips");
	is_int((long long)am_afmt_overs(in, 6), 2, "overs counts, no NaN");
	ok(in[0] == 2.0f, "  and changes nothing");
	memcpy(f, in, sizeof(f));
	is_int((long long)am_afmt_clip(f, 6), 2, "clip in place");
	ok(f[0] == 1.0f && f[2] == 0.0f && f[3] == -1.0f, "  to +-1, NaN 0");
}

/* A processed signal: -6.02 dB of a 16-bit ramp, dithered to s16. */
static void
test_dither_level(void)
{
	const float g = (float)am_db_to_gain(-6.02);
	uint32_t s1 = AM_AFMT_DITHER_SEED, s2 = AM_AFMT_DITHER_SEED;
	double e, sum = 0, sum2 = 0, emax = 0, rsum2 = 0;
	uint64_t clipped = 0;
	int32_t i, q, n = 0, exact = 0, same = 1;
	float x;

	for (i = -32768; i < 32768; i += 3) {
		x = (float)i / 32768.0f * g;
		q = am_afmt_quant(x, 16, &s1, &clipped);
		same &= q == am_afmt_quant(x, 16, &s2, &clipped);
		e = q - (double)x * 32768.0;
		sum += e;
		sum2 += e * e;
		emax = fmax(emax, fabs(e));
		e = am_afmt_quant(x, 16, NULL, &clipped) - (double)x * 32768.0;
		rsum2 += e * e;
		exact += (float)(x * 32768.0f) == rintf(x * 32768.0f);
		n++;
	}
	ok(exact < n / 1000, "-6.02 dB: almost no sample exact (%d of %d)",
	    exact, n);
	is_double(sqrt(sum2 / n), 0.5, 0.02,
	    "dithered error RMS is 1/2 step (rounding 1/12 + TPDF 1/6)");
	is_double(sqrt(rsum2 / n), sqrt(1.0 / 12), 0.02,
	    "undithered it is sqrt(1/12) step");
	is_double(sum / n, 0, 0.01, "dither has no DC");
	ok(emax < 1.5, "error within 1.5 steps (%g)", emax);
	ok(same, "the same seed gives the same samples");
	is_int((long long)clipped, 0, "nothing clipped");
}

static void
test_tpdf(void)
{
	uint32_t s = AM_AFMT_DITHER_SEED;
	double sum = 0, sum2 = 0, v;
	int i, out = 0;

	for (i = 0; i < 1 << 20; i++) {
		v = am_afmt_tpdf(&s);
		out += !(v > -1.0 && v < 1.0);
		sum += v;
		sum2 += v * v;
	}
	is_int(out, 0, "tpdf within (-1, 1)");
	is_double(sum / (1 << 20), 0, 0.002, "tpdf mean 0");
	is_double(sum2 / (1 << 20), 1.0 / 6, 0.002, "tpdf variance 1/6");
	ok(s != 0, "xorshift32 state stays nonzero");
}

int
main(void)
{
	ok(AM_AFMT_S16 == AM_ARING_S16 && AM_AFMT_S24_3 == AM_ARING_S24 &&
	    AM_AFMT_S32 == AM_ARING_S32 && AM_AFMT_F32 == AM_ARING_F32,
	    "app ring formats are afmt codes");
	test_every_value("s16", AM_AFMT_S16, 16, 0);
	test_every_value("s16", AM_AFMT_S16, 16, 1);
	test_every_value("s24_3", AM_AFMT_S24_3, 24, 0);
	test_every_value("s24_3", AM_AFMT_S24_3, 24, 1);
	test_every_value("s24", AM_AFMT_S24, 24, 0);
	test_s16_to_s32();
	test_edges();
	test_decode();
	test_block();
	test_dither_level();
	test_tpdf();
	return t_done();
}
