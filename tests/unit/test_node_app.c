/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of amixd/node_app.c's sample conversions, included here to
 * reach its statics: tables of ring samples and the floats they become
 * (bit-exact, full scale, -1, the most negative values), of floats and
 * the integers they become (rounding, clipping both ways, NaN, exact
 * s16 samples never dithered), and of
 * hostile f32 samples and their clamp.
 */

#include "../../amixd/node_app.c"

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
		x = app_get(in_rows[i].format, in_rows[i].b);
		ok(memcmp(&x, &in_rows[i].want, sizeof(x)) == 0,
		    "in row %zu: %s gives %.9g, want %.9g", i,
		    am_aring_formats[in_rows[i].format], x, in_rows[i].want);
	}
	for (i = 0; i < AM_NELEM(out_rows); i++) {
		memset(b, 0, sizeof(b));
		a.ring.format = out_rows[i].format;
		app_put(&a, out_rows[i].x, b);
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
		x = app_get(AM_ARING_S16, b);
		memset(b + 2, 0, 2);
		a.ring.format = AM_ARING_S16;
		app_put(&a, x, b + 2);
		v += b[2] != (unsigned char)i || b[3] != (unsigned char)(i >> 8);
	}
	is_int(v, 0, "s16 -> float -> s16 is exact for all 65536 values");
	return t_done();
}
