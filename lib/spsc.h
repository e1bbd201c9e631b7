/* SPDX-License-Identifier: MIT */
#ifndef AM_SPSC_H
#define AM_SPSC_H

/*
 * spsc: the index arithmetic of a single-producer single-consumer ring,
 * shared by the engine's private queues (struct am_queue, lib/queue.c)
 * and the app ring in shared memory (struct am_aring, lib/aring.c).
 *
 * Both count free-running 64-bit counters, wr (the producer's) and rd
 * (the consumer's), in a buffer of cap slots, cap a power of two: the
 * fill level is wr - rd, a counter's low bits give its slot. Each side
 * stores only its own counter and loads the other's (am_spsc_peer,
 * acquire) before it touches the slots, and publishes its own after it
 * has (am_spsc_publish, release): the producer's copy-in happens before
 * the consumer's copy-out, and the consumer's copy-out before the
 * producer overwrites the slot.
 *
 * Nothing here trusts the peer's counter: am_spsc_avail says -EPROTO
 * when the two are further apart than a ring can be, and every slot
 * comes from this side's own counter masked with this side's own cap
 * (am_spsc_run). The engine's queues have honest peers; the app ring's
 * client is hostile, and aring.c acts on that -EPROTO.
 *
 * All inline, no call: RT-safe on either side.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The other side's counter: acquire, pairing with its am_spsc_publish. */
static inline uint64_t
am_spsc_peer(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_acquire);
}

/* This side's counter, after it moved the slots: release. */
static inline void
am_spsc_publish(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_release);
}

/*
 * What one side may move now, from its own counter and the peer's: a
 * producer the free slots, a consumer the full ones. Return 0, or
 * -EPROTO (and *n = 0) when the counters are more than cap apart or
 * the consumer's is ahead: no honest pair of counters does that.
 */
static inline int
am_spsc_avail(int producer, uint64_t own, uint64_t peer, uint32_t cap,
    uint32_t *n)
{
	uint64_t used = producer ? own - peer : peer - own;

	if (used > cap) {
		*n = 0;
		return -EPROTO;
	}
	*n = producer ? cap - (uint32_t)used : (uint32_t)used;
	return 0;
}

/*
 * The contiguous run at counter pos: *slot its first slot, the return
 * at most n, fewer where the buffer ends.
 */
static inline uint32_t
am_spsc_run(uint64_t pos, uint32_t cap, uint32_t n, uint32_t *slot)
{
	uint32_t i = (uint32_t)pos & (cap - 1);

	*slot = i;
	return n < cap - i ? n : cap - i;
}

/*
 * Copy n slots of sz bytes between buf and data from counter pos on,
 * across the wrap: into the ring (in) or out of it.
 */
static inline void
am_spsc_copy(unsigned char *data, uint32_t cap, size_t sz, uint64_t pos,
    unsigned char *buf, uint32_t n, int in)
{
	uint32_t done = 0, k, i;
	unsigned char *slot, *b;

	while (done < n) {
		k = am_spsc_run(pos + done, cap, n - done, &i);
		slot = data + (size_t)i * sz;
		b = buf + (size_t)done * sz;
		if (in)
			memcpy(slot, b, (size_t)k * sz);
		else
			memcpy(b, slot, (size_t)k * sz);
		done += k;
	}
}

/* Producer: copy n slots from src into data from pos on. */
static inline void
am_spsc_put(unsigned char *data, uint32_t cap, size_t sz, uint64_t pos,
    const void *src, uint32_t n)
{
	/* only read: the cast drops const for the shared loop alone */
	am_spsc_copy(data, cap, sz, pos, (unsigned char *)(uintptr_t)src, n,
	    1);
}

/* Consumer: copy n slots out of data from pos on into dst. */
static inline void
am_spsc_get(unsigned char *data, uint32_t cap, size_t sz, uint64_t pos,
    void *dst, uint32_t n)
{
	am_spsc_copy(data, cap, sz, pos, dst, n, 0);
}

#endif /* !defined(AM_SPSC_H) */
