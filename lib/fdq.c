/* SPDX-License-Identifier: MIT */
/*
 * fdq: which request line the descriptors passed beside a stream belong
 * to.
 *
 * A Unix stream socket carries bytes and, beside them, descriptors
 * (SCM_RIGHTS). Lines and sendmsg(2) calls need not agree: one sendmsg
 * may carry several lines, one line may take several, and a reader sees
 * neither boundary. The rule (amixd(7)): descriptors belong to the line
 * that the first byte of their sendmsg starts or continues. The reader
 * (am_sock_recv) cuts its reads so that a read bringing descriptors
 * holds bytes of one line only, the line their first byte belongs to;
 * they are filed here under the stream offset of the read's first byte.
 * The line assembler (am_lbuf) counts stream offsets too, so when it
 * gives out a line ending at offset end, the descriptors of that line
 * are the ones filed with an offset below end that earlier lines did not
 * take: a FIFO, taken from the head. Descriptors of a dropped line (too
 * long, or cut by end of file) are closed with it.
 *
 * The queue is bounded (AM_FDQ_MAX): descriptors that arrive when it is
 * full are closed at once and their offset remembered, so the line they
 * belonged to is refused instead of running without them. Every
 * descriptor held is owned here until taken; am_fdq_done closes the
 * rest. Control thread or client programs; no allocation.
 */

#include <errno.h>
#include <unistd.h>

#include "fdq.h"
#include "proto.h"

/* An empty queue. */
void
am_fdq_init(struct am_fdq *q)
{
	q->head = q->n = 0;
	q->lost_lo = q->lost_hi = AM_FDQ_NONE;
}

/* Close every descriptor held; the queue is empty and usable again. */
void
am_fdq_done(struct am_fdq *q)
{
	while (q->n > 0) {
		close(q->ent[q->head].fd);
		q->head = (q->head + 1) % AM_FDQ_MAX;
		q->n--;
	}
	am_fdq_init(q);
}

/* Descriptors held. */
int
am_fdq_count(const struct am_fdq *q)
{
	return q->n;
}

/*
 * File nfds descriptors (ownership passes here) that came with the
 * stream byte at offset pos, not below any offset filed before. Those
 * that do not fit are closed, and the line they belong to will be
 * refused.
 */
void
am_fdq_put(struct am_fdq *q, unsigned long long pos, const int *fds,
    int nfds)
{
	int i;

	for (i = 0; i < nfds; i++) {
		if (q->n == AM_FDQ_MAX) {
			close(fds[i]);
			if (q->lost_lo == AM_FDQ_NONE)
				q->lost_lo = pos;
			q->lost_hi = pos;
			continue;
		}
		q->ent[(q->head + q->n) % AM_FDQ_MAX].pos = pos;
		q->ent[(q->head + q->n) % AM_FDQ_MAX].fd = fds[i];
		q->n++;
	}
}

/*
 * Take the descriptors filed below stream offset end: those of the line
 * that ends there. *nfds is the room in fds on entry (NULL fds: close
 * them all) and the number stored on return. 0, or -EMFILE when they do
 * not fit or some of them were closed for want of room: then all of
 * them are closed and *nfds is 0.
 */
int
am_fdq_take(struct am_fdq *q, unsigned long long end, int *fds, int *nfds)
{
	int room = fds != NULL ? *nfds : 0, got = 0, over = 0, fd;

	while (q->n > 0 && q->ent[q->head].pos < end) {
		fd = q->ent[q->head].fd;
		q->head = (q->head + 1) % AM_FDQ_MAX;
		q->n--;
		if (got < room && !over)
			fds[got++] = fd;
		else {
			close(fd);
			over = 1;
		}
	}
	if (q->lost_lo != AM_FDQ_NONE && q->lost_lo < end) {
		over = 1;
		/*
		 * XXX lines between the first and the last loss are not
		 * told; only a line holding more than AM_FDQ_MAX - room
		 * descriptors loses any, and it is refused.
		 */
		q->lost_lo = q->lost_hi >= end ? q->lost_hi : AM_FDQ_NONE;
		if (q->lost_lo == AM_FDQ_NONE)
			q->lost_hi = AM_FDQ_NONE;
	}
	if (over) {
		while (got > 0)
			close(fds[--got]);
	}
	if (nfds != NULL)
		*nfds = got;
	return over ? -EMFILE : 0;
}

/*
 * am_lbuf_next() with descriptors: the next line and, in fds (room
 * *nfds on entry, count on return), the descriptors that belong to it.
 * Descriptors of bytes dropped (a line too long) are closed. Return as
 * am_lbuf_next(), or -EMFILE for a line that came with more descriptors
 * than fit (they are closed; the line is taken out).
 */
int
am_fdq_next(struct am_fdq *q, struct am_lbuf *lb, char **line, size_t *len,
    int *fds, int *nfds)
{
	int rc, trc;

	rc = am_lbuf_next(lb, line, len);
	if (rc != 1) {
		am_fdq_take(q, am_lbuf_pos(lb), NULL, NULL);
		*nfds = 0;
		return rc;
	}
	trc = am_fdq_take(q, am_lbuf_pos(lb), fds, nfds);
	return trc < 0 ? trc : rc;
}
