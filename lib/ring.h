/* SPDX-License-Identifier: MIT */
#ifndef AM_RING_H
#define AM_RING_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * Single-producer single-consumer lock-free ring of fixed-size records.
 * The producer owns wr, the consumer owns rd; each sits on its own cache
 * line. Capacity is a power of two; counters are free-running 64-bit.
 */
struct am_ring {
	_Atomic uint64_t wr;		/* records written, producer side */
	char pad0[64 - sizeof(uint64_t)];
	_Atomic uint64_t rd;		/* records read, consumer side */
	char pad1[64 - sizeof(uint64_t)];
	uint32_t cap;			/* capacity, records, power of 2 */
	uint32_t recsz;			/* record size, bytes */
	unsigned char *data;		/* cap * recsz bytes */
};

int am_ring_init(struct am_ring *r, uint32_t nrec, uint32_t recsz);
void am_ring_done(struct am_ring *r);
uint32_t am_ring_count(struct am_ring *r);
uint32_t am_ring_space(struct am_ring *r);
uint32_t am_ring_write(struct am_ring *r, const void *recs, uint32_t n);
uint32_t am_ring_read(struct am_ring *r, void *recs, uint32_t n);
uint32_t am_ring_skip(struct am_ring *r, uint32_t n);
int am_ring_push(struct am_ring *r, const void *rec);
int am_ring_pop(struct am_ring *r, void *rec);

#endif /* !defined(AM_RING_H) */
