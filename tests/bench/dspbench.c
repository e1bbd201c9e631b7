/* SPDX-License-Identifier: MIT */
/*
 * dspbench: the sample kernels of amixd/dsp_kern.h, per instruction set
 * this machine runs (ref is the scalar reference), in nanoseconds and
 * TSC cycles per sample (x86; 0 elsewhere), on a block of DB_N samples
 * (a stereo period of 256 frames, in cache as in the engine), for RUNS
 * runs of about MS milliseconds each; the median run is reported.
 *
 *	dspbench [RUNS [MS]]
 *
 * Prints one JSON object a line: {"kernel", "isa", "ns_per_sample",
 * "cycles_per_sample"}.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "dsp_isa.h"

#define DB_N		512
#define DB_RUNS_MAX	64

enum { K_ADD, K_SCALE, K_RAMP, K_PEAK, K_SUMSQ, K_FINITE, K_METER, K_N };
static const char *const knames[] = {
	"add", "gain", "ramp", "peak", "sumsq", "finite", "meter"
};

static float src[DB_N], dst[DB_N];
static volatile double sink;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t
tsc(void)
{
#if defined(__x86_64__)
	return __rdtsc();
#else
	return 0;
#endif
}

static void
once(const struct dsp_ops *o, int k)
{
	float p;
	double s;

	switch (k) {
	case K_ADD:
		o->add(dst, src, DB_N);
		break;
	case K_SCALE:
		o->scale(dst, src, 0.5f, DB_N);
		break;
	case K_RAMP:
		sink += o->ramp_seg(dst, src, 1.0f, -1.0f / 240, 0.0f, 0, 240,
		    DB_N / 2);
		break;
	case K_PEAK:
		sink += o->peak(src, DB_N);
		break;
	case K_SUMSQ:
		sink += o->sumsq(src, DB_N);
		break;
	case K_FINITE:
		sink += o->finite(dst, DB_N);
		break;
	default:
		sink += o->meter(dst, DB_N, &p, &s) + p + s;
		break;
	}
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5, r, k;
	double ms = argc > 2 ? atof(argv[2]) : 100, ns[DB_RUNS_MAX];
	double cy[DB_RUNS_MAX], t0, t1;
	const struct dsp_ops *o;
	uint64_t c0, c1, it, iters;
	size_t i;

	if (runs < 1 || runs > DB_RUNS_MAX || ms <= 0) {
		fprintf(stderr, "usage: dspbench [RUNS(1-64) [MS]]\n");
		return 2;
	}
	for (i = 0; i < DB_N; i++) {
		src[i] = (float)sin((double)i * 0.01) * 0.5f;
		dst[i] = src[i] * 0.25f;
	}
	for (i = 0; (o = dsp_ops_nth(i)) != NULL; i++) {
		for (k = 0; k < K_N; k++) {
			/* Calibrate: iterations for about ms. */
			t0 = now_ns();
			for (iters = 0; now_ns() - t0 < ms * 1e5; iters++)
				once(o, k);
			iters *= 10;
			for (r = 0; r < runs; r++) {
				t0 = now_ns();
				c0 = tsc();
				for (it = 0; it < iters; it++)
					once(o, k);
				c1 = tsc();
				t1 = now_ns();
				ns[r] = (t1 - t0) / iters / DB_N;
				cy[r] = (double)(c1 - c0) / iters / DB_N;
			}
			qsort(ns, runs, sizeof(ns[0]), cmp);
			qsort(cy, runs, sizeof(cy[0]), cmp);
			printf("{\"kernel\":\"%s\",\"isa\":\"%s\","
			    "\"ns_per_sample\":%.4f,"
			    "\"cycles_per_sample\":%.3f}\n", knames[k],
			    o->isa, ns[runs / 2], cy[runs / 2]);
			fflush(stdout);
		}
	}
	return 0;
}
