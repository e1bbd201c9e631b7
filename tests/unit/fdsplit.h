/* SPDX-License-Identifier: MIT */
/*
 * The descriptor split harness, shared by test_fdq.c (seeded runs) and
 * tests/fuzz/fuzz_fdsplit.c (libFuzzer decides): request lines, some
 * with eventfds whose counter holds the line's number, go through a real
 * socketpair, cut into sendmsg calls at chosen points, each line's
 * descriptors riding with calls whose first byte lies in that line. The
 * receiving side is the daemon's: am_sock_recv, am_lbuf, am_fdq, read
 * and answered in the order ctl.c uses, pausing at times as a full reply
 * queue makes it. Every line must come out with exactly its own
 * descriptors, in order; a line with more than AM_SOCK_FD_MAX with
 * -EMFILE; a line too long with -E2BIG; and no descriptor may leak.
 */
#ifndef FDSPLIT_H
#define FDSPLIT_H

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdq.h"
#include "proto.h"
#include "sock.h"

#define FS_LINES_MAX	24
#define FS_FDS_MAX	12		/* a line's descriptors, at most */
#define FS_LONG		(AM_PROTO_LINE_MAX + 100)

struct fs_src {
	const uint8_t *p;
	size_t n;
};

/* The next choice byte; 0 once the input ends. */
static unsigned
fs_byte(struct fs_src *s)
{
	if (s->n == 0)
		return 0;
	s->n--;
	return *s->p++;
}

static int
fs_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

struct fs_rx {
	int fd;
	struct am_lbuf lb;
	struct am_fdq q;
	int next;			/* number of the next line expected */
};

/*
 * Take out the complete lines and check each. 0, or -1 with why.
 */
static int
fs_lines(struct fs_rx *rx, const int *nfd, const int *islong, int nlines,
    char *why, size_t whylen)
{
	int fds[AM_SOCK_FD_MAX], nfds, rc, i, num;
	uint64_t val;
	char *line;
	size_t len;

	for (;;) {
		nfds = AM_SOCK_FD_MAX;
		rc = am_fdq_next(&rx->q, &rx->lb, &line, &len, fds, &nfds);
		if (rc == 0)
			return 0;
		if (rx->next >= nlines) {
			snprintf(why, whylen, "a line too many (rc %d)", rc);
			return -1;
		}
		num = rx->next++;
		if (rc == -E2BIG) {
			if (!islong[num]) {
				snprintf(why, whylen, "line %d: -E2BIG", num);
				return -1;
			}
			/* The rest of it is dropped as it comes. */
			continue;
		}
		if (islong[num]) {
			snprintf(why, whylen, "line %d: long, rc %d", num, rc);
			return -1;
		}
		if (rc == -EMFILE) {
			if (nfd[num] <= AM_SOCK_FD_MAX) {
				snprintf(why, whylen, "line %d: -EMFILE with "
				    "%d descriptors", num, nfd[num]);
				return -1;
			}
			continue;
		}
		if (sscanf(line, "L%d:", &i) != 1 || i != num) {
			snprintf(why, whylen, "line %d: got '%.20s'", num,
			    line);
			return -1;
		}
		if (nfds != nfd[num]) {
			snprintf(why, whylen, "line %d: %d descriptors, sent "
			    "%d", num, nfds, nfd[num]);
			for (i = 0; i < nfds; i++)
				close(fds[i]);
			return -1;
		}
		for (i = 0; i < nfds; i++) {
			val = 0;
			if (read(fds[i], &val, sizeof(val)) != sizeof(val) ||
			    val != (uint64_t)(num * 16 + i + 1)) {
				snprintf(why, whylen, "line %d: descriptor %d "
				    "holds %llu", num, i,
				    (unsigned long long)val);
				rc = -1;
			}
			close(fds[i]);
		}
		if (rc < 0)
			return -1;
	}
}

/* Read what waits, unless paused; the lines first, as ctl_read does. */
static int
fs_read(struct fs_rx *rx, const int *nfd, const int *islong, int nlines,
    char *why, size_t whylen)
{
	int fds[AM_SOCK_FD_MAX], nfds;
	unsigned long long pos;
	char *buf;
	size_t avail;
	long n;

	for (;;) {
		if (fs_lines(rx, nfd, islong, nlines, why, whylen) < 0)
			return -1;
		buf = am_lbuf_space(&rx->lb, &avail);
		pos = am_lbuf_end(&rx->lb);
		nfds = AM_SOCK_FD_MAX;
		n = am_sock_recv(rx->fd, buf, avail, fds, &nfds);
		if (n == -EAGAIN)
			return 0;
		if (n < 0) {
			snprintf(why, whylen, "recv: %s", strerror((int)-n));
			return -1;
		}
		am_fdq_put(&rx->q, pos, fds, nfds);
		if (n == 0)
			return 0;
		am_lbuf_commit(&rx->lb, (size_t)n);
	}
}

/*
 * One run driven by data. 0 when every line came with its own
 * descriptors, -1 with why.
 */
static int
fdsplit_run(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	struct fs_src src = { data, size };
	struct fs_rx rx;
	int nfd[FS_LINES_MAX], islong[FS_LINES_MAX], start[FS_LINES_MAX + 1];
	int nlines, i, j, k, sv[2], open0, rc = -1, cut, paused, fd;
	int *fdat, *batch;	/* per stream byte: descriptors sent there */
	char *stream;
	size_t slen, cap;

	why[0] = '\0';
	open0 = fs_open_fds();
	nlines = 1 + fs_byte(&src) % FS_LINES_MAX;
	cap = (size_t)FS_LINES_MAX * 400 + 2 * FS_LONG;
	stream = malloc(cap);
	slen = 0;
	for (i = 0; i < nlines; i++) {
		k = fs_byte(&src);
		islong[i] = k == 255 && slen + FS_LONG < cap / 2;
		nfd[i] = k < 96 ? 0 : k < 224 ? 1 + k % 3 :
		    k < 250 ? k % (FS_FDS_MAX + 1) : FS_FDS_MAX;
		start[i] = (int)slen;
		j = snprintf(stream + slen, cap - slen, "L%d:", i);
		slen += (size_t)j;
		k = islong[i] ? FS_LONG : fs_byte(&src) % 300;
		memset(stream + slen, 'x', (size_t)k);
		slen += (size_t)k;
		stream[slen++] = '\n';
	}
	start[nlines] = (int)slen;
	fdat = calloc(slen + 1, sizeof(int));
	batch = calloc(slen + 1, sizeof(int));
	/* Each line's descriptors: one or two batches inside the line. */
	for (i = 0; i < nlines; i++) {
		if (nfd[i] == 0)
			continue;
		k = start[i + 1] - start[i];
		j = start[i] + (int)(fs_byte(&src) * 257u + fs_byte(&src)) % k;
		if (nfd[i] > AM_SOCK_FD_MAX || (nfd[i] > 1 &&
		    (fs_byte(&src) & 1))) {
			cut = start[i] + (int)(fs_byte(&src) * 257u +
			    fs_byte(&src)) % k;
			if (cut == j)
				cut = j == start[i] ? start[i + 1] - 1 :
				    start[i];
			if (cut < j) {
				k = cut;
				cut = j;
				j = k;
			}
			batch[j] = nfd[i] / 2;
			batch[cut] = nfd[i] - nfd[i] / 2;
			fdat[j] = i + 1;
			fdat[cut] = i + 1;
		} else {
			batch[j] = nfd[i];
			fdat[j] = i + 1;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, whylen, "socketpair: %s", strerror(errno));
		goto out;
	}
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	rx.fd = sv[1];
	rx.next = 0;
	am_lbuf_init(&rx.lb);
	am_fdq_init(&rx.q);
	/* Send, cutting at batches and where the input says. */
	{
		size_t at = 0, end;
		int fds[FS_FDS_MAX], sent[FS_LINES_MAX] = { 0 }, n, ln, first;

		paused = 0;
		while (at < slen) {
			end = at + 1 + (fs_byte(&src) * 7u + fs_byte(&src)) %
			    2000;
			if (end > slen)
				end = slen;
			for (k = (int)at + 1; (size_t)k < end; k++) {
				if (batch[k] > 0) {
					end = (size_t)k;
					break;
				}
			}
			n = batch[at];
			ln = fdat[at] - 1;
			for (k = 0; k < n; k++) {
				fds[k] = eventfd((unsigned)(ln * 16 +
				    sent[ln] + k + 1), EFD_CLOEXEC |
				    EFD_NONBLOCK);
			}
			if (n > 0)
				sent[ln] += n;
			/* Wait for room as a blocking client would. */
			first = 1;
			while (at < end) {
				j = am_sock_send(sv[0], stream + at, end - at,
				    first ? fds : NULL, first ? n : 0);
				if (j == -EAGAIN) {
					if (fs_read(&rx, nfd, islong, nlines,
					    why, whylen) < 0)
						break;
					continue;
				}
				if (j < 0) {
					snprintf(why, whylen, "send: %s",
					    strerror(-j));
					break;
				}
				at += (size_t)j;
				first = 0;
			}
			for (k = 0; k < n; k++)
				close(fds[k]);
			if (at < end)
				goto out_close;
			/* A full reply queue: the reader pauses a while. */
			if (paused > 0)
				paused--;
			else if ((fs_byte(&src) & 7) == 0)
				paused = fs_byte(&src) % 16;
			if (paused == 0 && fs_read(&rx, nfd, islong, nlines,
			    why, whylen) < 0)
				goto out_close;
		}
	}
	shutdown(sv[0], SHUT_WR);
	if (fs_read(&rx, nfd, islong, nlines, why, whylen) < 0)
		goto out_close;
	if (rx.next != nlines) {
		snprintf(why, whylen, "%d lines of %d came out", rx.next,
		    nlines);
		goto out_close;
	}
	rc = 0;
out_close:
	am_fdq_done(&rx.q);
	am_lbuf_done(&rx.lb);
	close(sv[0]);
	close(sv[1]);
	if (rc == 0 && (fd = fs_open_fds()) != open0) {
		snprintf(why, whylen, "%d descriptors open, %d before", fd,
		    open0);
		rc = -1;
	}
out:
	free(stream);
	free(fdat);
	free(batch);
	return rc;
}

#endif /* !defined(FDSPLIT_H) */
