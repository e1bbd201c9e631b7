/* SPDX-License-Identifier: MIT */
/*
 * afmtbench: the cost of each conversion of lib/afmt.c, in nanoseconds
 * per sample, as amixd runs them: blocks of AFB_N samples (a stereo
 * period of 2048 frames), for RUNS runs of about MS milliseconds each;
 * the median run is reported. memcpy of the same float block is
 * measured beside them, as the floor of moving the bytes at all.
 *
 *	afmtbench [RUNS [MS]]
 *
 * Prints one JSON object a line: {"what", "ns_per_sample", "runs"}.
 * Signals: a -6.02 dB sine with a 16-bit-exact variant, so the dithered
 * and the exact (never dithered) s16 paths are both measured.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afmt.h"
#include "clock.h"

#define AFB_N		4096		/* samples a block */
#define AFB_RUNS_MAX	64

static float src[AFB_N], exact[AFB_N], dst[AFB_N];
static unsigned char raw[AFB_N * 4];
static volatile uint64_t sink;		/* keeps results alive */

enum {
	AFB_DEC, AFB_ENC, AFB_ENC_DITHER, AFB_ENC_EXACT, AFB_CLIP, AFB_MEMCPY
};

static const struct afb {
	const char *what;
	int kind;
	int fmt;
} afb[] = {
	{ "decode_s16", AFB_DEC, AM_AFMT_S16 },
	{ "decode_s24_3", AFB_DEC, AM_AFMT_S24_3 },
	{ "decode_s24", AFB_DEC, AM_AFMT_S24 },
	{ "decode_s32", AFB_DEC, AM_AFMT_S32 },
	{ "decode_f32", AFB_DEC, AM_AFMT_F32 },
	{ "encode_s16", AFB_ENC, AM_AFMT_S16 },
	{ "encode_s16_dither", AFB_ENC_DITHER, AM_AFMT_S16 },
	{ "encode_s16_dither_exact", AFB_ENC_EXACT, AM_AFMT_S16 },
	{ "encode_s24_3", AFB_ENC, AM_AFMT_S24_3 },
	{ "encode_s24", AFB_ENC, AM_AFMT_S24 },
	{ "encode_s32", AFB_ENC, AM_AFMT_S32 },
	{ "encode_f32_clip", AFB_ENC, AM_AFMT_F32 },
	{ "clip_in_place", AFB_CLIP, AM_AFMT_F32 },
	{ "memcpy_f32", AFB_MEMCPY, AM_AFMT_F32 },
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One block of conversion b. */
static void
afb_block(const struct afb *b, uint32_t *seed)
{
	switch (b->kind) {
	case AFB_DEC:
		am_afmt_decode(b->fmt, dst, raw, AFB_N);
		sink += (uint64_t)dst[AFB_N / 2];
		break;
	case AFB_ENC:
		sink += am_afmt_encode(b->fmt, raw, src, AFB_N, NULL);
		break;
	case AFB_ENC_DITHER:
		sink += am_afmt_encode(b->fmt, raw, src, AFB_N, seed);
		break;
	case AFB_ENC_EXACT:
		sink += am_afmt_encode(b->fmt, raw, exact, AFB_N, seed);
		break;
	case AFB_CLIP:
		memcpy(dst, src, sizeof(dst));
		sink += am_afmt_clip(dst, AFB_N);
		break;
	default:
		memcpy(dst, src, sizeof(dst));
		sink += (uint64_t)dst[AFB_N / 3];
		break;
	}
}

int
main(int argc, char **argv)
{
	double ns[AFB_RUNS_MAX];
	uint64_t t0, t1, want;
	uint32_t seed = AM_AFMT_DITHER_SEED, i;
	unsigned long blocks;
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	int ms = argc > 2 ? atoi(argv[2]) : 200, r;
	size_t k;

	if (runs < 1 || runs > AFB_RUNS_MAX || ms < 1) {
		fprintf(stderr, "usage: afmtbench [RUNS [MS]]\n");
		return 2;
	}
	for (i = 0; i < AFB_N; i++) {
		src[i] = 0.5f * sinf((float)i * 0.0131f);
		exact[i] = rintf(src[i] * 32768.0f) / 32768.0f;
		raw[4 * i] = (unsigned char)(i * 7);
	}
	want = (uint64_t)ms * 1000000u;
	for (k = 0; k < sizeof(afb) / sizeof(afb[0]); k++) {
		if (afb[k].kind == AFB_DEC)
			am_afmt_encode(afb[k].fmt == AM_AFMT_F32 ?
			    AM_AFMT_F32 : afb[k].fmt, raw, src, AFB_N, NULL);
		for (r = 0; r < runs; r++) {
			blocks = 0;
			t0 = am_clock_ns();
			do {
				afb_block(&afb[k], &seed);
				blocks++;
				t1 = am_clock_ns();
			} while (t1 - t0 < want);
			ns[r] = (double)(t1 - t0) / ((double)blocks * AFB_N);
		}
		qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_double);
		printf("{\"what\":\"%s\",\"ns_per_sample\":%.3f,\"runs\":%d}\n",
		    afb[k].what, ns[runs / 2], runs);
	}
	return sink == 42 ? 1 : 0;
}
