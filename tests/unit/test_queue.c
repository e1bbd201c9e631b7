/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/queue.c. Tables of operations on a small ring with
 * the expected result of each (push/pop, bulk read/write across the
 * wrap, full and empty edges, count and space), initialisation edge
 * rows, and a two-thread stress test moving ten million 7-byte records
 * (odd size: every copy straddles words) with a sequence check.
 * T_RING_N overrides the stress count, e.g. for slow sanitizer runs.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "t.h"
#include "util.h"

#include "t_nullalloc.h"	/* a -ENOMEM row asks for 2^60 bytes */

struct init_row {
	uint32_t nrec, recsz;
	int rc;
	uint32_t cap;
};

static const struct init_row init_rows[] = {
	{ 1,		1,		0,		1 },
	{ 2,		8,		0,		2 },
	{ 3,		4,		0,		4 },
	{ 4,		4,		0,		4 },
	{ 5,		1,		0,		8 },
	{ 1000,		7,		0,		1024 },
	{ 65537,	3,		0,		131072 },
	{ 0,		4,		-EINVAL,	0 },
	{ 4,		0,		-EINVAL,	0 },
	{ (1U << 30) + 1, 1,		-EINVAL,	0 },
	{ UINT32_MAX,	1,		-EINVAL,	0 },
	{ 1U << 30,	1U << 30,	-ENOMEM,	0 },
};

/* Table ops on a ring of cap 4 holding uint32_t sequence numbers. */
enum { PUSH, POP, WRITE, READ, COUNT, SPACE, SKIP };

struct op_row {
	int op;
	uint32_t n;		/* records for WRITE/READ/SKIP */
	int want;		/* rc, records moved, or count/space */
};

static const struct op_row op_rows[] = {
	{ COUNT,	0,	0 },
	{ SPACE,	0,	4 },
	{ POP,		0,	-EAGAIN },	/* empty */
	{ READ,		3,	0 },
	{ PUSH,		0,	0 },
	{ COUNT,	0,	1 },
	{ SPACE,	0,	3 },
	{ POP,		0,	0 },
	{ POP,		0,	-EAGAIN },
	{ WRITE,	4,	4 },		/* fill exactly */
	{ COUNT,	0,	4 },
	{ SPACE,	0,	0 },
	{ PUSH,		0,	-EAGAIN },	/* full */
	{ WRITE,	2,	0 },
	{ READ,		3,	3 },
	{ WRITE,	5,	3 },		/* short write, wraps */
	{ COUNT,	0,	4 },
	{ READ,		2,	2 },
	{ WRITE,	2,	2 },		/* wraps again */
	{ READ,		8,	4 },		/* short read, wraps */
	{ COUNT,	0,	0 },
	{ WRITE,	0,	0 },
	{ READ,		0,	0 },
	{ PUSH,		0,	0 },
	{ PUSH,		0,	0 },
	{ PUSH,		0,	0 },
	{ WRITE,	3,	1 },
	{ POP,		0,	0 },
	{ READ,		1,	1 },
	{ SKIP,		8,	2 },		/* short skip empties it */
	{ COUNT,	0,	0 },
	{ SPACE,	0,	4 },
	{ WRITE,	4,	4 },
	{ READ,		4,	4 },
};

static void
test_init(void)
{
	const struct init_row *row;
	struct am_queue r;
	size_t i;
	int rc;

	for (i = 0; i < AM_NELEM(init_rows); i++) {
		row = &init_rows[i];
		rc = am_queue_init(&r, row->nrec, row->recsz);
		is_int(rc, row->rc, "init(%u, %u) rc", row->nrec, row->recsz);
		if (rc == 0) {
			is_int(r.cap, row->cap, "init(%u, %u) cap", row->nrec,
			    row->recsz);
			is_int(am_queue_space(&r), row->cap, "init(%u, %u) "
			    "space", row->nrec, row->recsz);
		} else {
			ok(r.data == NULL, "init(%u, %u) no data", row->nrec,
			    row->recsz);
		}
		am_queue_done(&r);
	}
}

static void
test_ops(void)
{
	const struct op_row *row;
	struct am_queue r;
	uint32_t buf[8], wseq, rseq, k;
	size_t i;
	int got, seqok;

	if (am_queue_init(&r, 3, sizeof(uint32_t)) != 0) {
		ok(0, "init for ops");
		return;
	}
	wseq = rseq = 0;
	for (i = 0; i < AM_NELEM(op_rows); i++) {
		row = &op_rows[i];
		seqok = 1;
		switch (row->op) {
		case PUSH:
			got = am_queue_push(&r, &wseq);
			if (got == 0)
				wseq++;
			break;
		case POP:
			buf[0] = UINT32_MAX;
			got = am_queue_pop(&r, buf);
			if (got == 0)
				seqok = buf[0] == rseq++;
			break;
		case WRITE:
			for (k = 0; k < row->n; k++)
				buf[k] = wseq + k;
			got = (int)am_queue_write(&r, buf, row->n);
			wseq += (uint32_t)got;
			break;
		case READ:
			memset(buf, 0xff, sizeof(buf));
			got = (int)am_queue_read(&r, buf, row->n);
			for (k = 0; k < (uint32_t)got; k++)
				seqok &= buf[k] == rseq++;
			seqok &= got == (int)row->n || buf[got] == UINT32_MAX;
			break;
		case COUNT:
			got = (int)am_queue_count(&r);
			break;
		case SPACE:
			got = (int)am_queue_space(&r);
			break;
		case SKIP:
			got = (int)am_queue_skip(&r, row->n);
			rseq += (uint32_t)got;
			break;
		default:
			got = -1;
		}
		is_int(got, row->want, "op row %zu", i);
		ok(seqok, "op row %zu: records in order", i);
	}
	am_queue_done(&r);
}

/* Stress test: producer and consumer threads, 7-byte records. */
#define STRESS_RECSZ	7
#define STRESS_CHUNK	37		/* records, max per bulk call */

struct stress {
	struct am_queue ring;
	uint64_t n;			/* records to move */
	uint64_t bad;			/* records out of sequence */
	uint64_t first_bad;		/* index of the first one */
};

static void
rec_put(unsigned char *p, uint64_t seq)
{
	int i;

	for (i = 0; i < STRESS_RECSZ; i++)
		p[i] = (unsigned char)(seq >> (8 * i));
}

static uint64_t
rec_get(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < STRESS_RECSZ; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void *
producer(void *arg)
{
	struct stress *st = arg;
	unsigned char buf[STRESS_CHUNK * STRESS_RECSZ], *p;
	uint64_t seq = 0;
	uint32_t n, k, got, turn = 0;

	while (seq < st->n) {
		/* Alternate single pushes and bulk writes of varying size. */
		if (turn++ % 5 == 0) {
			rec_put(buf, seq);
			if (am_queue_push(&st->ring, buf) == 0)
				seq++;
			else
				sched_yield();
			continue;
		}
		n = 1 + turn % STRESS_CHUNK;
		if (n > st->n - seq)
			n = (uint32_t)(st->n - seq);
		if (turn % 5 == 3) {	/* filled in place */
			p = am_queue_wspan(&st->ring, &k);
			if (k == 0) {
				sched_yield();
				continue;
			}
			if (n > k)
				n = k;
			for (k = 0; k < n; k++)
				rec_put(p + k * STRESS_RECSZ, seq + k);
			am_queue_commit(&st->ring, n);
			seq += n;
			continue;
		}
		for (k = 0; k < n; k++)
			rec_put(buf + k * STRESS_RECSZ, seq + k);
		got = am_queue_write(&st->ring, buf, n);
		seq += got;
		if (got == 0)
			sched_yield();
	}
	return NULL;
}

static void *
consumer(void *arg)
{
	struct stress *st = arg;
	unsigned char buf[STRESS_CHUNK * STRESS_RECSZ];
	uint64_t seq = 0, v;
	uint32_t n, k, got, turn = 0;
	uint64_t mask = (1ULL << (8 * STRESS_RECSZ)) - 1;

	while (seq < st->n) {
		if (turn++ % 7 == 0) {
			if (am_queue_pop(&st->ring, buf) != 0) {
				sched_yield();
				continue;
			}
			got = 1;
		} else {
			n = 1 + (turn * 3) % STRESS_CHUNK;
			got = am_queue_read(&st->ring, buf, n);
			if (got == 0) {
				sched_yield();
				continue;
			}
		}
		for (k = 0; k < got; k++, seq++) {
			v = rec_get(buf + k * STRESS_RECSZ);
			if (v != (seq & mask) && st->bad++ == 0)
				st->first_bad = seq;
		}
	}
	return NULL;
}

static void
test_stress(void)
{
	struct stress st;
	pthread_t tp, tc;
	const char *env;

	memset(&st, 0, sizeof(st));
	st.n = 10000000;
	if ((env = getenv("T_RING_N")) != NULL)
		st.n = strtoull(env, NULL, 10);
	if (am_queue_init(&st.ring, 1000, STRESS_RECSZ) != 0) {
		ok(0, "stress: init");
		return;
	}
	pthread_create(&tc, NULL, consumer, &st);
	pthread_create(&tp, NULL, producer, &st);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	is_int(st.bad, 0, "stress: %llu records of %d bytes in sequence "
	    "(first bad %llu)", (unsigned long long)st.n, STRESS_RECSZ,
	    (unsigned long long)st.first_bad);
	is_int(am_queue_count(&st.ring), 0, "stress: ring empty at the end");
	ok(atomic_load(&st.ring.wr) == st.n && atomic_load(&st.ring.rd) ==
	    st.n, "stress: counters at %llu", (unsigned long long)st.n);
	am_queue_done(&st.ring);
}

/*
 * am_queue_wspan gives the free slots up to the end of the buffer, then
 * from its start after the wrap, none when full; am_queue_commit
 * publishes what was filled in place, read back in order.
 */
static void
test_wspan(void)
{
	struct am_queue r;
	uint32_t v[4] = { 1, 2, 3, 4 }, out[4], n, *p;

	if (am_queue_init(&r, 4, sizeof(uint32_t)) != 0) {
		ok(0, "init for wspan");
		return;
	}
	p = am_queue_wspan(&r, &n);
	ok(p == (uint32_t *)(void *)r.data && n == 4, "wspan: empty ring, "
	    "all 4 slots from the first (%u)", n);
	am_queue_write(&r, v, 3);
	am_queue_read(&r, out, 2);
	p = am_queue_wspan(&r, &n);
	ok(p == (uint32_t *)(void *)r.data + 3 && n == 1, "wspan: 1 slot "
	    "before the wrap, not the 3 free (%u)", n);
	p[0] = 40;
	am_queue_commit(&r, 1);
	p = am_queue_wspan(&r, &n);
	ok(p == (uint32_t *)(void *)r.data && n == 2, "wspan: 2 slots "
	    "after the wrap (%u)", n);
	p[0] = 50;
	p[1] = 60;
	am_queue_commit(&r, 2);
	(void)am_queue_wspan(&r, &n);
	is_int(n, 0, "wspan: none when full");
	is_int(am_queue_read(&r, out, 4), 4, "wspan: 4 to read");
	ok(out[0] == 3 && out[1] == 40 && out[2] == 50 && out[3] == 60,
	    "wspan: committed records read in order");
	am_queue_done(&r);
}

int
main(void)
{
	test_init();
	test_ops();
	test_wspan();
	test_stress();
	return t_done();
}
