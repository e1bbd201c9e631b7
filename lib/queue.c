/* SPDX-License-Identifier: MIT */
/*
 * ring: single-producer single-consumer lock-free ring of records.
 *
 * The control thread and the real-time thread talk through these rings
 * (parameter commands one way, events and retired plans the other), so
 * the data functions never allocate, lock, block or loop unboundedly:
 * a full ring makes the producer drop or retry later, an empty ring
 * makes the consumer return at once.
 *
 * wr and rd are free-running 64-bit record counters that never wrap in
 * practice; wr - rd is the fill level, always in [0, cap], and a
 * counter's low bits (cap is a power of two) give the slot. Only the
 * producer stores wr, only the consumer stores rd, each on its own cache
 * line so the two sides do not bounce one line between cores.
 *
 * The counter arithmetic, the wrap and the orders are lib/spsc.h's,
 * shared with the app ring (lib/aring.c).
 *
 * Ordering (C11): the producer copies records in, then publishes them
 * with a release store of wr; the consumer's acquire load of wr makes
 * those bytes visible before it copies them out. Symmetrically the
 * consumer releases slots with a release store of rd, and the
 * producer's acquire load of rd orders the consumer's reads of a slot
 * before the producer overwrites it. Each side reads its own counter
 * relaxed: nobody else writes it.
 *
 * am_queue_init() and am_queue_done() belong to the
 * control thread and run while neither side uses the ring. The buffer
 * comes from calloc(); the daemon's mlockall, made at the engine's
 * first start before any cycle runs, keeps it resident so the
 * real-time side does not take page faults on it again.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "spsc.h"

#define RING_NREC_MAX	(1U << 30)	/* records */

/*
 * Set up a ring of at least nrec records of recsz bytes each; nrec is
 * rounded up to a power of two. Control thread. Return 0, -EINVAL (nrec
 * 0 or above 2^30, recsz 0) or -ENOMEM; on error r->data is NULL and
 * am_queue_done() is harmless.
 */
int
am_queue_init(struct am_queue *r, uint32_t nrec, uint32_t recsz)
{
	uint32_t cap;

	memset(r, 0, sizeof(*r));
	atomic_init(&r->wr, 0);
	atomic_init(&r->rd, 0);
	if (nrec == 0 || nrec > RING_NREC_MAX || recsz == 0)
		return -EINVAL;
	for (cap = 1; cap < nrec; cap <<= 1)
		;
	/* calloc() checks cap * recsz for overflow of size_t. */
	if ((r->data = calloc(cap, recsz)) == NULL)
		return -ENOMEM;
	r->cap = cap;
	r->recsz = recsz;
	return 0;
}

/*
 * Free the buffer. Control thread, neither side running.
 */
void
am_queue_done(struct am_queue *r)
{
	free(r->data);
	r->data = NULL;
	r->cap = 0;
}

/*
 * RT: records held, from either side. rd is loaded before wr: both only
 * grow, so the difference is never negative even if a third thread
 * asks; it is clamped to cap for the same reason.
 */
uint32_t
am_queue_count(struct am_queue *r)
{
	uint64_t rd, wr;

	rd = am_spsc_peer(&r->rd);
	wr = am_spsc_peer(&r->wr);
	if (wr - rd > r->cap)
		return r->cap;
	return (uint32_t)(wr - rd);
}

/*
 * RT: free records, from either side.
 */
uint32_t
am_queue_space(struct am_queue *r)
{
	return r->cap - am_queue_count(r);
}

/*
 * RT: producer. Copy up to n records from recs into the ring and publish
 * them. Return the number written, fewer than n (maybe 0) when the ring
 * fills.
 */
uint32_t
am_queue_write(struct am_queue *r, const void *recs, uint32_t n)
{
	uint64_t wr;
	uint32_t space;

	wr = atomic_load_explicit(&r->wr, memory_order_relaxed);
	if (am_spsc_avail(1, wr, am_spsc_peer(&r->rd), r->cap, &space) < 0)
		return 0;	/* cannot happen: both sides are ours */
	if (n > space)
		n = space;
	if (n == 0)
		return 0;
	am_spsc_put(r->data, r->cap, r->recsz, wr, recs, n);
	am_spsc_publish(&r->wr, wr + n);
	return n;
}

/*
 * RT: producer. The free slots that follow wr in one piece, for the
 * caller to fill in place and then publish with am_queue_commit: their
 * count in *n (0 when the ring is full; fewer than am_queue_space where
 * the buffer wraps). Returns the first of them. Saves the copy
 * am_queue_write makes from a staging buffer.
 */
void *
am_queue_wspan(struct am_queue *r, uint32_t *n)
{
	uint64_t wr;
	uint32_t space, slot;

	wr = atomic_load_explicit(&r->wr, memory_order_relaxed);
	if (am_spsc_avail(1, wr, am_spsc_peer(&r->rd), r->cap, &space) < 0)
		space = 0;	/* cannot happen: both sides are ours */
	*n = am_spsc_run(wr, r->cap, space, &slot);
	return r->data + (size_t)slot * r->recsz;
}

/*
 * RT: producer. Publish the first n records of what am_queue_wspan gave
 * (at most its count), filled in place: release, as am_queue_write.
 */
void
am_queue_commit(struct am_queue *r, uint32_t n)
{
	uint64_t wr;

	wr = atomic_load_explicit(&r->wr, memory_order_relaxed);
	am_spsc_publish(&r->wr, wr + n);
}

/*
 * RT: consumer. Copy up to n records out of the ring into recs and free
 * their slots. Return the number read, fewer than n (maybe 0) when the
 * ring runs empty.
 */
uint32_t
am_queue_read(struct am_queue *r, void *recs, uint32_t n)
{
	uint64_t rd;
	uint32_t count;

	rd = atomic_load_explicit(&r->rd, memory_order_relaxed);
	if (am_spsc_avail(0, rd, am_spsc_peer(&r->wr), r->cap, &count) < 0)
		return 0;	/* cannot happen: both sides are ours */
	if (n > count)
		n = count;
	if (n == 0)
		return 0;
	am_spsc_get(r->data, r->cap, r->recsz, rd, recs, n);
	am_spsc_publish(&r->rd, rd + n);
	return n;
}

/* RT: consumer. Drop up to n records unread; returns how many. */
uint32_t
am_queue_skip(struct am_queue *r, uint32_t n)
{
	uint64_t rd;
	uint32_t count;

	rd = atomic_load_explicit(&r->rd, memory_order_relaxed);
	if (am_spsc_avail(0, rd, am_spsc_peer(&r->wr), r->cap, &count) < 0)
		return 0;	/* cannot happen: both sides are ours */
	if (n > count)
		n = count;
	am_spsc_publish(&r->rd, rd + n);
	return n;
}

/*
 * RT: producer. Append one record. Return 0, or -EAGAIN when full.
 */
int
am_queue_push(struct am_queue *r, const void *rec)
{
	return am_queue_write(r, rec, 1) == 1 ? 0 : -EAGAIN;
}

/*
 * RT: consumer. Take one record. Return 0, or -EAGAIN when empty.
 */
int
am_queue_pop(struct am_queue *r, void *rec)
{
	return am_queue_read(r, rec, 1) == 1 ? 0 : -EAGAIN;
}
