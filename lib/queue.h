/* SPDX-License-Identifier: MIT */
#ifndef AM_QUEUE_H
#define AM_QUEUE_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * Single-producer single-consumer lock-free ring of fixed-size records.
 * The producer owns wr, the consumer owns rd; each sits on its own cache
 * line. Capacity is a power of two; counters are free-running 64-bit.
 */
struct am_queue {
	_Atomic uint64_t wr;		/* records written, producer side */
	char pad0[64 - sizeof(uint64_t)];
	_Atomic uint64_t rd;		/* records read, consumer side */
	char pad1[64 - sizeof(uint64_t)];
	uint32_t cap;			/* capacity, records, power of 2 */
	uint32_t recsz;			/* record size, bytes */
	unsigned char *data;		/* cap * recsz bytes */
};

int am_queue_init(struct am_queue *r, uint32_t nrec, uint32_t recsz);
void am_queue_done(struct am_queue *r);
uint32_t am_queue_count(struct am_queue *r);
uint32_t am_queue_space(struct am_queue *r);
uint32_t am_queue_write(struct am_queue *r, const void *recs, uint32_t n);
void *am_queue_wspan(struct am_queue *r, uint32_t *n);
void am_queue_commit(struct am_queue *r, uint32_t n);
uint32_t am_queue_read(struct am_queue *r, void *recs, uint32_t n);
uint32_t am_queue_skip(struct am_queue *r, uint32_t n);
int am_queue_push(struct am_queue *r, const void *rec);
int am_queue_pop(struct am_queue *r, void *rec);

#endif /* !defined(AM_QUEUE_H) */
