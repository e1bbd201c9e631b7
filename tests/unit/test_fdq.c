/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/fdq.c and the descriptor rule of am_sock_recv: the
 * queue's own edges (order, lines, overflow, dropped bytes) as a table,
 * the daemon's case from issue 12 (a paused reader gets a ping and a
 * ring request in one read), and seeded runs of the split harness
 * (fdsplit.h, also the fuzz_fdsplit target) with random lines,
 * descriptors and cuts; a failing seed is printed.
 */

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afmt.h"
#include "fdq.h"
#include "fdsplit.h"
#include "proto.h"
#include "sock.h"
#include "t.h"

#define SEEDS	400

/* A descriptor whose counter says who it is. */
static int
tagged(unsigned v)
{
	return eventfd(v, EFD_CLOEXEC | EFD_NONBLOCK);
}

static unsigned
tag_of(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return (unsigned)v;
}

/* The queue alone: offsets, lines, overflow. */
static void
test_queue(void)
{
	struct am_fdq q;
	int fds[AM_SOCK_FD_MAX], in[AM_FDQ_MAX + 4], n, i, rc;

	am_fdq_init(&q);
	in[0] = tagged(1);
	in[1] = tagged(2);
	in[2] = tagged(3);
	am_fdq_put(&q, 5, in, 2);	/* line [0, 10) */
	am_fdq_put(&q, 10, in + 2, 1);	/* line [10, 20) */
	n = AM_SOCK_FD_MAX;
	rc = am_fdq_take(&q, 10, fds, &n);
	ok(rc == 0 && n == 2 && tag_of(fds[0]) == 1 && tag_of(fds[1]) == 2,
	    "a line takes the descriptors filed below its end, in order");
	close(fds[0]);
	close(fds[1]);
	n = AM_SOCK_FD_MAX;
	rc = am_fdq_take(&q, 20, fds, &n);
	ok(rc == 0 && n == 1 && tag_of(fds[0]) == 3,
	    "a descriptor at the next line's first byte is that line's");
	close(fds[0]);
	n = AM_SOCK_FD_MAX;
	is_int(am_fdq_take(&q, 30, fds, &n), 0, "a line without any");
	is_int(n, 0, "... gets none");

	for (i = 0; i < AM_SOCK_FD_MAX + 1; i++)
		in[i] = tagged(10 + i);
	am_fdq_put(&q, 40, in, AM_SOCK_FD_MAX + 1);
	n = AM_SOCK_FD_MAX;
	is_int(am_fdq_take(&q, 50, fds, &n), -EMFILE,
	    "more than fit in one request: -EMFILE");
	is_int(n, 0, "... and none handed out");
	is_int(am_fdq_count(&q), 0, "... none left behind");

	for (i = 0; i < AM_FDQ_MAX + 4; i++)
		in[i] = tagged(100 + i);
	am_fdq_put(&q, 60, in, AM_FDQ_MAX + 4);
	is_int(am_fdq_count(&q), AM_FDQ_MAX, "the queue is bounded");
	in[0] = tagged(7);
	am_fdq_put(&q, 90, in, 1);
	n = AM_SOCK_FD_MAX;
	is_int(am_fdq_take(&q, 70, fds, &n), -EMFILE,
	    "the line that lost descriptors is refused");
	n = AM_SOCK_FD_MAX;
	is_int(am_fdq_take(&q, 80, fds, &n), 0, "the next line is not");
	am_fdq_done(&q);
	is_int(am_fdq_count(&q), 0, "done closes what is held");
}

/*
 * Issue 12: the reader paused, then a ping and, in a second sendmsg, a
 * request with a memfd; both come in one read. The descriptor is the
 * second line's.
 */
static void
test_issue12(void)
{
	static const char l1[] = "{\"cmd\":\"ping\"}\n";
	static const char l2[] = "{\"cmd\":\"create_node\"}\n";
	struct am_lbuf lb;
	struct am_fdq q;
	int sv[2], fd, fds[AM_SOCK_FD_MAX], nfds, got[3], i;
	unsigned long long pos;
	char *buf, *line;
	size_t avail, len;
	long n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		ok(0, "socketpair");
		return;
	}
	fd = tagged(42);
	am_sock_send(sv[0], l1, strlen(l1), NULL, 0);
	am_sock_send(sv[0], l2, strlen(l2), &fd, 1);
	close(fd);
	shutdown(sv[0], SHUT_WR);
	am_lbuf_init(&lb);
	am_fdq_init(&q);
	got[0] = got[1] = got[2] = -1;
	i = 0;
	for (;;) {
		buf = am_lbuf_space(&lb, &avail);
		pos = am_lbuf_end(&lb);
		nfds = AM_SOCK_FD_MAX;
		n = am_sock_recv(sv[1], buf, avail, fds, &nfds);
		if (n <= 0)
			break;
		am_fdq_put(&q, pos, fds, nfds);
		am_lbuf_commit(&lb, (size_t)n);
		for (;;) {
			nfds = AM_SOCK_FD_MAX;
			if (am_fdq_next(&q, &lb, &line, &len, fds,
			    &nfds) != 1)
				break;
			got[i < 2 ? i : 2] = nfds == 1 ? (int)tag_of(fds[0]) :
			    nfds;
			while (nfds > 0)
				close(fds[--nfds]);
			i++;
		}
	}
	is_int(i, 2, "two lines");
	is_int(got[0], 0, "the ping came with no descriptor");
	is_int(got[1], 42, "the second line came with its memfd");
	am_fdq_done(&q);
	am_lbuf_done(&lb);
	close(sv[0]);
	close(sv[1]);
}

/* Seeded runs of the harness; the first failing seed is shown. */
static void
test_splits(void)
{
	uint8_t data[4096];
	uint32_t x;
	char why[256];
	int seed, i, bad = 0;

	for (seed = 1; seed <= SEEDS && !bad; seed++) {
		x = (uint32_t)seed * 2654435761u;
		for (i = 0; i < (int)sizeof(data); i++) {
			data[i] = (uint8_t)am_xorshift32(&x);
		}
		if (fdsplit_run(data, sizeof(data), why, sizeof(why)) < 0) {
			ok(0, "split seed %d: %s", seed, why);
			bad = 1;
		}
	}
	if (!bad)
		ok(1, "%d seeded splits of lines and descriptors", SEEDS);
}

int
main(void)
{
	test_queue();
	test_issue12();
	test_splits();
	return t_done();
}
