/* SPDX-License-Identifier: MIT */
#ifndef AM_FDQ_H
#define AM_FDQ_H

#include <stddef.h>

#define AM_FDQ_MAX	32	/* descriptors held for lines not taken */
#define AM_FDQ_NONE	(~0ULL)	/* no offset */

struct am_lbuf;

/*
 * Descriptors received on a stream, oldest first, each with the stream
 * offset of the first byte of the sendmsg that carried it.
 */
struct am_fdq {
	struct {
		unsigned long long pos;	/* stream offset, bytes */
		int fd;			/* owned */
	} ent[AM_FDQ_MAX];
	int head;			/* index of the oldest */
	int n;				/* entries held */
	unsigned long long lost_lo;	/* first offset whose descriptors */
	unsigned long long lost_hi;	/* were closed for want of room, last */
};

void am_fdq_init(struct am_fdq *q);
void am_fdq_done(struct am_fdq *q);
int am_fdq_count(const struct am_fdq *q);
void am_fdq_put(struct am_fdq *q, unsigned long long pos, const int *fds,
    int nfds);
int am_fdq_take(struct am_fdq *q, unsigned long long end, int *fds,
    int *nfds);
int am_fdq_next(struct am_fdq *q, struct am_lbuf *lb, char **line,
    size_t *len, int *fds, int *nfds);

#endif /* !defined(AM_FDQ_H) */
