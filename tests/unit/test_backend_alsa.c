/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the ALSA backend's sample conversions
 * (amixd/backends/alsa_format.c, through its header alsa.h): stereo
 * float to every device format and channel count, bit-exact for the integer formats at the edges (full
 * scale, -1, clipping, NaN), f32 clipped too, s16 TPDF dither checked for
 * its bounds, its mean and spread, its determinism, and for leaving exact
 * samples alone (lib/afmt.c does the conversions; tests/unit/test_afmt.c
 * checks every value); and every capture format back to
 * stereo float, including 24-bit sign extension with garbage in the
 * container's top byte. The real-PCM tests are tests/300-backend-alsa.bats.
 */

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "backends/alsa.h"
#include "util.h"
#include "t.h"

#define N	4

static void test_decode_many(void);

/* Encode n frames of ch channels into a device of ch channels, fmt. */
static uint64_t
enc(int fmt, uint32_t ch, const float *src, uint32_t n, void *out)
{
	struct backend_alsa_pcm p;

	memset(&p, 0, sizeof(p));
	p.fmt = fmt;
	p.channels = ch;
	p.bpf = ch * backend_alsa_fmts[fmt].bytes;
	p.buf = out;
	p.seed = AL_DITHER_SEED;
	return backend_alsa_encode(&p, src, n);
}

/*
 * Decode n device frames of ch channels and format fmt to stereo (a
 * capture PCM that granted another count than playback's two).
 */
static void
dec(int fmt, uint32_t ch, const void *in, uint32_t n, float *dst)
{
	struct backend_alsa_pcm p;

	memset(&p, 0, sizeof(p));
	p.fmt = fmt;
	p.channels = ch;
	p.bpf = ch * backend_alsa_fmts[fmt].bytes;
	p.buf = (void *)in;
	backend_alsa_decode(&p, dst, 2, n);
}

static void
test_encode_int(void)
{
	/* The scale is 2^(n-1), as everywhere (lib/afmt.c). */
	static const struct {
		float x;
		int32_t s32, s24;	/* of x */
		int32_t n32, n24;	/* of -x */
	} rows[] = {
		{ 0.0f, 0, 0, 0, 0 },
		{ 1.0f, 2147483647, 8388607, INT32_MIN, -8388608 },
		{ 0.5f, 1073741824, 4194304, -1073741824, -4194304 },
		{ -0.25f, -536870912, -2097152, 536870912, 2097152 },
		{ 1.5f, 2147483647, 8388607, INT32_MIN, -8388608 },
		{ -7.0f, INT32_MIN, -8388608, 2147483647, 8388607 },
		{ NAN, 0, 0, 0, 0 },		/* silence, not a click */
	};
	float src[2];
	int32_t w[2];
	uint8_t b[6];
	size_t i;
	int32_t v;

	for (i = 0; i < AM_NELEM(rows); i++) {
		src[0] = rows[i].x;
		src[1] = -rows[i].x;
		enc(AL_S32, 2, src, 1, w);
		is_int(w[0], rows[i].s32, "s32 of %g", (double)rows[i].x);
		is_int(w[1], rows[i].n32, "s32 of %g (right)",
		    (double)-rows[i].x);
		enc(AL_S24, 2, src, 1, w);
		is_int(w[0], rows[i].s24, "s24 of %g", (double)rows[i].x);
		is_int(w[1], rows[i].n24, "s24 of %g (right)",
		    (double)-rows[i].x);
		enc(AL_S24_3, 2, src, 1, b);
		v = (int32_t)((uint32_t)b[0] << 8 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 24) >> 8;
		is_int(v, rows[i].s24, "s24_3 of %g", (double)rows[i].x);
	}
	src[0] = -1.0f;
	src[1] = 0.0f;
	enc(AL_S24_3, 2, src, 1, b);
	ok(b[0] == 0x00 && b[1] == 0x00 && b[2] == 0x80 && b[3] == 0 &&
	    b[4] == 0 && b[5] == 0, "s24_3 byte order: -1 is 00 00 80");
}

static void
test_encode_channels(void)
{
	float src[2 * N] = { 0.5f, -0.25f, 1.0f, 1.0f, -1.0f, 0.0f, 3.0f,
	    -3.0f };
	static float many[64 * N], out[64 * N];
	static int16_t h[64 * N];
	static const uint32_t chs[] = { 1, 3, 6, 8, 64 };
	uint32_t i, k, ch, bad;

	is_int((long long)enc(AL_F32, 2, src, N, out), 2,
	    "f32 stereo: 2 samples clipped");
	ok(memcmp(out, src, 6 * sizeof(float)) == 0 && out[6] == 1.0f &&
	    out[7] == -1.0f, "f32 stereo is bit-exact within full scale");
	/*
	 * Any count: the buffer carries the device's channels in its
	 * order, converted sample for sample (no channel moved or mixed).
	 */
	for (k = 0; k < AM_NELEM(chs); k++) {
		ch = chs[k];
		for (i = 0; i < ch * N; i++)
			many[i] = (float)(i % 7) / 4.0f - 0.25f;
		is_int((long long)enc(AL_F32, ch, many, N, out),
		    (long long)((ch * N + 1) / 7),
		    "f32, %u channels: the samples of 1.25 clipped", ch);
		bad = 0;
		for (i = 0; i < ch * N; i++)
			bad += out[i] != fminf(1.0f, many[i]);
		is_int(bad, 0, "f32, %u channels: in order, clipped", ch);
		enc(AL_S16, ch, many, N, h);
		bad = 0;
		for (i = 0; i < ch * N; i++)
			bad += h[i] != (int16_t)(many[i] >= 1.0f ? 32767 :
			    many[i] * 32768.0f);
		is_int(bad, 0, "s16, %u channels: in order", ch);
	}
}

static void
test_dither(void)
{
	enum { M = 100000 };
	static float src[2 * M];
	static int16_t a[2 * M], b[2 * M];
	double sum = 0, sq = 0, e;
	int lo = 0, hi = 0, i;

	/* Not exact in s16: dithered. */
	for (i = 0; i < 2 * M; i++)
		src[i] = 0.25f + 0.3f / 32768;
	enc(AL_S16, 2, src, M, a);
	enc(AL_S16, 2, src, M, b);
	ok(memcmp(a, b, sizeof(a)) == 0, "s16 dither is the same every run");
	for (i = 0; i < 2 * M; i++) {
		e = a[i] - (double)src[i] * 32768.0;
		sum += e;
		sq += e * e;
		lo += a[i] < 8191 || a[i] > 8193;
	}
	is_int(lo, 0, "dithered 8192.3 stays within 8191..8193");
	is_double(sum / (2 * M), 0.0, 0.01, "dither adds no offset");
	/* TPDF (1/6 LSB^2) plus rounding (1/12): 0.5 LSB RMS. */
	is_double(sqrt(sq / (2 * M)), 0.5, 0.02, "error RMS in LSB");
	/* Exact samples pass unchanged: full scale, silence, any k/32768. */
	for (i = 0; i < 2 * M; i++)
		src[i] = i % 4 == 0 ? 1.0f : i % 4 == 1 ? -1.0f : i % 4 == 2 ?
		    0.0f : (float)(i % 65536 - 32768) / 32768;
	enc(AL_S16, 2, src, M, a);
	for (i = 0; i < 2 * M; i++)
		hi += a[i] != (i % 4 == 0 ? 32767 : i % 4 == 1 ? -32768 :
		    i % 4 == 2 ? 0 : i % 65536 - 32768);
	is_int(hi, 0, "exact samples (+-1, 0, k/32768) are not dithered");
}

static void
test_decode(void)
{
	static const int16_t h[4] = { -32768, 16384, 32767, 0 };
	static const int32_t w[4] = { INT32_MIN, 0x40000000, 0, -1 };
	/* s24 in 4 bytes: the top byte is not part of the sample. */
	static const uint32_t w24[4] = { 0x00800000, 0xab7fffff, 0xff000001,
	    0x00400000 };
	static const uint8_t b[6] = { 0x00, 0x00, 0x80, 0xff, 0xff, 0x7f };
	float f[4] = { 0.125f, -2.0f, 0.0f, 1.0f }, out[2 * 4];

	dec(AL_S16, 2, h, 2, out);
	ok(out[0] == -1.0f && out[1] == 0.5f && out[2] == 32767 / 32768.0f &&
	    out[3] == 0.0f, "s16 to float");
	dec(AL_S32, 2, w, 2, out);
	ok(out[0] == -1.0f && out[1] == 0.5f && out[2] == 0.0f &&
	    out[3] == (float)(-1.0 / 2147483648.0), "s32 to float");
	dec(AL_S24, 2, w24, 2, out);
	ok(out[0] == -1.0f && out[1] == 8388607 / 8388608.0f &&
	    out[2] == 1 / 8388608.0f && out[3] == 0.5f,
	    "s24 to float, top byte ignored");
	dec(AL_S24_3, 2, b, 1, out);
	ok(out[0] == -1.0f && out[1] == 8388607 / 8388608.0f,
	    "s24_3 to float");
	dec(AL_F32, 2, f, 2, out);
	ok(memcmp(out, f, sizeof(f)) == 0, "f32 capture is bit-exact");
	dec(AL_F32, 1, f, 4, out);
	ok(out[0] == 0.125f && out[1] == 0.125f && out[6] == 1.0f &&
	    out[7] == 1.0f, "mono capture goes to both sides");
	dec(AL_S16, 4, h, 1, out);
	ok(out[0] == -1.0f && out[1] == 0.5f, "4 channels: the first two");
	test_decode_many();
}

/* The same count as playback: every channel, in order. */
static void
test_decode_many(void)
{
	static int16_t h[64 * N];
	static float out[64 * N];
	uint32_t i, bad = 0;
	struct backend_alsa_pcm p;

	for (i = 0; i < 64 * N; i++)
		h[i] = (int16_t)(i * 97 - 3000);
	memset(&p, 0, sizeof(p));
	p.fmt = AL_S16;
	p.channels = 64;
	p.bpf = 64 * 2;
	p.buf = h;
	backend_alsa_decode(&p, out, 64, N);
	for (i = 0; i < 64 * N; i++)
		bad += out[i] != (float)h[i] / 32768.0f;
	is_int(bad, 0, "64 channels of s16 decoded in order");
	p.channels = 1;
	p.bpf = 2;
	backend_alsa_decode(&p, out, 8, N);
	for (i = 0, bad = 0; i < 8 * N; i++)
		bad += out[i] != (float)h[i / 8] / 32768.0f;
	is_int(bad, 0, "a mono capture on every one of 8 channels");
}

static void
test_round_trip(void)
{
	float src[2 * 64], out[2 * 64];
	int32_t w[2 * 64];
	uint8_t b[6 * 64];
	double worst24 = 0, worst32 = 0, worst3 = 0;
	int i;

	for (i = 0; i < 2 * 64; i++)
		src[i] = sinf((float)i * 0.37f) * 0.999f;
	enc(AL_S24, 2, src, 64, w);
	dec(AL_S24, 2, w, 64, out);
	for (i = 0; i < 2 * 64; i++)
		worst24 = fmax(worst24, fabs(out[i] - src[i]));
	enc(AL_S24_3, 2, src, 64, b);
	dec(AL_S24_3, 2, b, 64, out);
	for (i = 0; i < 2 * 64; i++)
		worst3 = fmax(worst3, fabs(out[i] - src[i]));
	enc(AL_S32, 2, src, 64, w);
	dec(AL_S32, 2, w, 64, out);
	for (i = 0; i < 2 * 64; i++)
		worst32 = fmax(worst32, fabs(out[i] - src[i]));
	/* Out and in at 2^23: rounding, half a step at most. */
	ok(worst24 <= 0.5 / 8388608, "s24 round trip within 0.5 LSB (%g)",
	    worst24);
	ok(worst3 <= 0.5 / 8388608, "s24_3 round trip within 0.5 LSB (%g)",
	    worst3);
	ok(worst32 <= 1e-7, "s32 round trip within float precision (%g)",
	    worst32);
}

int
main(void)
{
	test_encode_int();
	test_encode_channels();
	test_dither();
	test_decode();
	test_round_trip();
	return t_done();
}
