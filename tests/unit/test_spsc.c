/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/spsc.h, the index arithmetic both rings share
 * (lib/queue.c, lib/aring.c): a table of counter pairs, honest and
 * impossible, with what each side may move; the runs at and across the
 * wrap; and put/get of every length at every start of a small ring
 * against a flat model, so an off-by-one at the wrap cannot hide.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "spsc.h"
#include "t.h"

static void
test_avail(void)
{
	static const struct {
		int producer;
		uint64_t own, peer;
		uint32_t cap;
		int ret;
		uint32_t n;
	} rows[] = {
		/* consumer: own = rd, peer = wr */
		{ 0, 0, 0, 8, 0, 0 },			/* empty */
		{ 0, 0, 8, 8, 0, 8 },			/* full */
		{ 0, 5, 7, 8, 0, 2 },
		{ 0, 0, 9, 8, -EPROTO, 0 },		/* wr > cap ahead */
		{ 0, 5, 4, 8, -EPROTO, 0 },		/* wr behind rd */
		{ 0, UINT64_MAX - 1, 2, 8, 0, 4 },	/* the 2^64 wrap */
		/* producer: own = wr, peer = rd */
		{ 1, 0, 0, 8, 0, 8 },			/* empty: all room */
		{ 1, 8, 0, 8, 0, 0 },			/* full: none */
		{ 1, 7, 5, 8, 0, 6 },
		{ 1, 9, 0, 8, -EPROTO, 0 },		/* rd > cap behind */
		{ 1, 4, 5, 8, -EPROTO, 0 },		/* rd ahead of wr */
		{ 1, 2, UINT64_MAX - 1, 8, 0, 4 },	/* the 2^64 wrap */
	};
	size_t i;
	uint32_t n;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = 12345;
		ret = am_spsc_avail(rows[i].producer, rows[i].own,
		    rows[i].peer, rows[i].cap, &n);
		is_int(ret, rows[i].ret, "avail row %zu: return", i);
		is_int(n, rows[i].n, "avail row %zu: frames", i);
	}
}

static void
test_run(void)
{
	uint32_t slot, k;

	k = am_spsc_run(0, 8, 8, &slot);
	ok(slot == 0 && k == 8, "run from 0: all of it");
	k = am_spsc_run(6, 8, 5, &slot);
	ok(slot == 6 && k == 2, "run from 6: stops at the end");
	k = am_spsc_run(13, 8, 1, &slot);
	ok(slot == 5 && k == 1, "a counter past cap: its low bits");
	k = am_spsc_run(UINT64_MAX, 8, 4, &slot);
	ok(slot == 7 && k == 1, "the last counter before 2^64");
}

/* Every start and length on an 8-slot ring of 3-byte slots. */
static void
test_copy(void)
{
	unsigned char ring[8 * 3], src[8 * 3], dst[8 * 3], want[8 * 3];
	uint32_t start, n, j;
	int bad = 0;

	for (start = 0; start < 16; start++) {
		for (n = 0; n <= 8; n++) {
			memset(ring, 0xee, sizeof(ring));
			for (j = 0; j < sizeof(src); j++)
				src[j] = (unsigned char)(start * 31 + j);
			am_spsc_put(ring, 8, 3, start, src, n);
			memcpy(want, ring, sizeof(want));
			for (j = 0; j < n * 3; j++) {
				if (want[((start + j / 3) % 8) * 3 + j % 3] !=
				    src[j])
					bad++;
			}
			memset(dst, 0, sizeof(dst));
			am_spsc_get(ring, 8, 3, start, dst, n);
			if (memcmp(dst, src, (size_t)n * 3) != 0)
				bad++;
		}
	}
	is_int(bad, 0, "put/get at every start and length agree with a flat model");
}

int
main(void)
{
	test_avail();
	test_run();
	test_copy();
	return t_done();
}
