/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the channel_map node (amixd/nodes/channel_map.c) called
 * as the engine calls it: a map by index and by position name (looked
 * up in node_cycle.in_pos each period), a matrix, and a live matrix
 * change: staged on the control side (node_ops.stage), refused when its
 * shape differs or every slot is in flight, then set on the RT side and
 * ramped frame by frame over dsp_ramp_frames (240 frames at 48 kHz, or
 * a longer period), whatever the period split, ending exactly on the
 * new gains; and its
 * layout hook, which refuses what does not fit the input.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chlayout.h"
#include "dsp.h"
#include "node.h"
#include "t.h"

extern const struct node_ops node_channel_map_ops;

#define OPS	node_channel_map_ops
#define RATE	48000

enum { A_MAP, A_MATRIX, A_LAYOUT };

/* A channel_map from a map, a matrix, or neither (arrays or NULL). */
static void *
cm_new(const struct node_array *map, const struct node_array *mx)
{
	struct node_val v[NODE_ARG_MAX];
	char err[160];
	void *st;

	memset(v, 0, sizeof(v));
	v[A_MAP].arr = map;
	v[A_MATRIX].arr = mx;
	st = calloc(1, OPS.size);
	if (st == NULL || OPS.init(st, v, RATE, err, sizeof(err)) < 0)
		abort();
	return st;
}

/* Run st over frames frames of in (ic channels, positions pos). */
static void
cm_run(void *st, const float *in, uint32_t ic, const struct am_layout *pos,
    float *out, uint32_t oc, uint32_t frames, uint32_t period)
{
	struct node_cycle c;
	uint32_t done, n;

	memset(&c, 0, sizeof(c));
	c.rate = RATE;
	c.in_ch = ic;
	c.out_ch = oc;
	c.in_pos = pos->pos;
	for (done = 0; done < frames; done += n) {
		n = frames - done < period ? frames - done : period;
		c.frames = n;
		OPS.process(st, &c, in + (size_t)done * ic,
		    out + (size_t)done * oc);
	}
}

static void
test_map(void)
{
	static struct node_array map;
	static float in[100 * 6], out[100 * 3];
	struct am_layout l51, in_l, out_l, st2;
	char err[200];
	uint32_t i, bad = 0;
	void *st;

	(void)am_layout_default(&l51, 6);
	(void)am_layout_default(&st2, 2);
	for (i = 0; i < 100 * 6; i++)
		in[i] = (float)i;
	map.rows = 1;
	map.cols = 3;
	map.idx[0] = 5;				/* RR by index */
	map.idx[1] = -1 - AM_POS_LFE;		/* by name */
	map.idx[2] = 0;
	st = cm_new(&map, NULL);
	ok(OPS.layout(st, &l51, &in_l, &out_l, err, sizeof(err)) == 0 &&
	    am_layout_eq(&in_l, &l51) && out_l.n == 3,
	    "5.1 in, three out (FL,FR,FC)");
	ok(OPS.layout(st, &st2, &in_l, &out_l, err, sizeof(err)) == -EINVAL,
	    "stereo in refused: %s", err);
	cm_run(st, in, 6, &l51, out, 3, 100, 32);
	for (i = 0; i < 100; i++)
		bad += out[3 * i] != in[6 * i + 5] ||
		    out[3 * i + 1] != in[6 * i + 3] ||
		    out[3 * i + 2] != in[6 * i];
	is_int(bad, 0, "RR, LFE (found by name), FL: a gather per channel");
	OPS.done(st);
	free(st);
}

static void
test_matrix_ramp(void)
{
	static struct node_array id, swap, wide;
	static float in[1000 * 2], out[1000 * 2];
	struct node_val v;
	struct am_layout l2;
	char err[200];
	double num = -1;
	uint32_t i, k, bad, len, period;
	int rc;
	float a, want0, want1;
	void *st;

	(void)am_layout_default(&l2, 2);
	id.rows = id.cols = swap.rows = swap.cols = 2;
	id.m[0] = id.m[3] = 1;
	swap.m[1] = swap.m[2] = 1;
	wide.rows = 2;
	wide.cols = 3;
	for (i = 0; i < 1000; i++) {
		in[2 * i] = 1.0f;
		in[2 * i + 1] = 0.25f;
	}
	for (period = 64; period <= 256; period *= 4) {
		st = cm_new(NULL, &id);
		memset(&v, 0, sizeof(v));
		v.arr = &wide;
		ok(OPS.stage(st, A_MATRIX, &v, &num, err, sizeof(err)) ==
		    -EINVAL, "another shape refused: %s", err);
		v.arr = &swap;
		rc = OPS.stage(st, A_MATRIX, &v, &num, err, sizeof(err));
		ok(rc == 0 && num == 0, "the same shape staged, slot %g", num);
		cm_run(st, in, 2, &l2, out, 2, 100, period);
		ok(out[0] == 1.0f && out[1] == 0.25f,
		    "staged: not heard before set");
		OPS.set(st, A_MATRIX, num);
		cm_run(st, in, 2, &l2, out, 2, 1000, period);
		len = dsp_ramp_frames(period, RATE);	/* 240, or a period */
		bad = 0;
		for (i = 0; i < 1000; i++) {
			k = i + 1 > len ? len : i + 1;
			a = (float)k / (float)len;
			want0 = k == len ? 0.25f : (1.0f + (0.0f - 1.0f) * a) *
			    1.0f + (0.0f + (1.0f - 0.0f) * a) * 0.25f;
			want1 = k == len ? 1.0f : (0.0f + (1.0f - 0.0f) * a) *
			    1.0f + (1.0f + (0.0f - 1.0f) * a) * 0.25f;
			bad += fabsf(out[2 * i] - want0) > 1e-6f ||
			    fabsf(out[2 * i + 1] - want1) > 1e-6f;
		}
		is_int(bad, 0, "period %u: a %u-frame linear ramp to the swap",
		    period, len);
		ok(out[2 * 999] == 0.25f && out[2 * 999 + 1] == 1.0f,
		    "period %u: exactly the new gains after it", period);
		OPS.done(st);
		free(st);
	}
	/* Four in flight at most; set frees a slot. */
	st = cm_new(NULL, &id);
	memset(&v, 0, sizeof(v));
	v.arr = &swap;
	bad = 0;
	for (i = 0; i < 4; i++)
		bad += OPS.stage(st, A_MATRIX, &v, &num, err, sizeof(err)) != 0;
	is_int(bad, 0, "four changes staged");
	is_int(OPS.stage(st, A_MATRIX, &v, &num, err, sizeof(err)), -EAGAIN,
	    "a fifth waits: %s", err);
	OPS.set(st, A_MATRIX, 0);
	is_int(OPS.stage(st, A_MATRIX, &v, &num, err, sizeof(err)), 0,
	    "one applied: room again");
	OPS.done(st);
	free(st);
}

int
main(void)
{
	test_map();
	test_matrix_ramp();
	return t_done();
}
