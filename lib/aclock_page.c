/* SPDX-License-Identifier: MIT */
/*
 * The shared clock page: its writer's step (the engine's real-time
 * thread, stores only) and a client's reader (loads only, no system
 * call). The sequence lock is C11's: every field is an atomic word
 * accessed relaxed; the writer makes seq odd, fences (release), stores
 * the fields, then stores seq even with release; the reader loads seq
 * with acquire, the fields, fences (acquire) and loads seq again. A
 * reader that overlaps a write sees the two seq loads differ, or odd,
 * and tries again. There is one writer per page.
 */

#include <errno.h>
#include <math.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aclock_page.h"
#include "proto.h"
#include "sock.h"

#define CLOCK_TRIES	10000	/* reads overlapping a write, at most */

const char *const am_clock_reasons[] = {
	"start", "xrun", "jump", "rate"
};

static inline void
clock_put(_Atomic uint64_t *w, uint64_t v)
{
	atomic_store_explicit(w, v, memory_order_relaxed);
}

static inline uint64_t
clock_get(const _Atomic uint64_t *w)
{
	return atomic_load_explicit((_Atomic uint64_t *)w,
	    memory_order_relaxed);
}

/* RT (the single writer): publish c in p. Stores only. */
void
am_clock_page_write(struct am_clock_page *p, const struct am_clock *c)
{
	union { double d; uint64_t u; } r;
	uint64_t s = clock_get(&p->seq);

	clock_put(&p->seq, s + 1);
	atomic_thread_fence(memory_order_release);
	r.d = c->rate;
	clock_put(&p->frames, c->frames);
	clock_put(&p->time_ns, c->time_ns);
	clock_put(&p->rate, r.u);
	clock_put(&p->nominal, c->nominal);
	clock_put(&p->period, c->period);
	clock_put(&p->latency, c->latency);
	clock_put(&p->in_latency, c->in_latency);
	clock_put(&p->dev_frames, c->dev_frames);
	clock_put(&p->meas_ns, c->meas_ns);
	clock_put(&p->raw_ns, c->raw_ns);
	clock_put(&p->discont, c->discont);
	clock_put(&p->reason, c->reason);
	clock_put(&p->running, (uint64_t)c->running);
	clock_put(&p->jitter_ns, c->jitter_ns);
	clock_put(&p->jitter_max_ns, c->jitter_max_ns);
	clock_put(&p->updates, c->updates);
	atomic_store_explicit(&p->seq, s + 2, memory_order_release);
}

/*
 * Any thread: one consistent copy of p into c. 0, -EAGAIN when every
 * try overlapped a write (a writer stopped half-way), -EPROTO when p is
 * not a clock page of this version.
 */
int
am_clock_page_load(const struct am_clock_page *p, struct am_clock *c)
{
	union { double d; uint64_t u; } r;
	uint64_t s1, s2;
	int i;

	if (p->magic != AM_CLOCK_MAGIC || p->version != AM_CLOCK_VERSION ||
	    p->size < sizeof(*p))
		return -EPROTO;
	for (i = 0; i < CLOCK_TRIES; i++) {
		s1 = atomic_load_explicit((_Atomic uint64_t *)&p->seq,
		    memory_order_acquire);
		if (s1 & 1)
			continue;
		c->frames = clock_get(&p->frames);
		c->time_ns = clock_get(&p->time_ns);
		r.u = clock_get(&p->rate);
		c->nominal = (uint32_t)clock_get(&p->nominal);
		c->period = (uint32_t)clock_get(&p->period);
		c->latency = (uint32_t)clock_get(&p->latency);
		c->in_latency = (uint32_t)clock_get(&p->in_latency);
		c->dev_frames = clock_get(&p->dev_frames);
		c->meas_ns = clock_get(&p->meas_ns);
		c->raw_ns = clock_get(&p->raw_ns);
		c->discont = clock_get(&p->discont);
		c->reason = (uint32_t)clock_get(&p->reason);
		c->running = (int)clock_get(&p->running);
		c->jitter_ns = clock_get(&p->jitter_ns);
		c->jitter_max_ns = clock_get(&p->jitter_max_ns);
		c->updates = clock_get(&p->updates);
		atomic_thread_fence(memory_order_acquire);
		s2 = clock_get(&p->seq);
		if (s1 == s2) {
			c->rate = r.d;
			if (c->reason >= AM_CLOCK_NREASON)
				c->reason = AM_CLOCK_START;
			return 0;
		}
	}
	return -EAGAIN;
}

/*
 * Map the clock page passed as fd (from clock_map), read-only; m owns
 * fd from now on, also on failure. 0 or -errno (-EPROTO: not a page).
 */
int
am_clock_page_open(struct am_clock_map *m, int fd)
{
	struct am_clock c;
	void *p;
	int rc;

	m->page = NULL;
	m->fd = fd;
	p = mmap(NULL, AM_CLOCK_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		am_clock_page_close(m);
		return rc;
	}
	m->page = p;
	if ((rc = am_clock_page_load(m->page, &c)) < 0 && rc != -EAGAIN) {
		am_clock_page_close(m);
		return rc;
	}
	return 0;
}

/*
 * Ask the daemon at path (NULL: the default socket) for its clock page
 * on a connection of its own, and map it read-only into m. 0, or
 * -errno (-EPROTO: the daemon refused; -ENOENT: no daemon).
 */
int
am_clock_page_map(struct am_clock_map *m, const char *path)
{
	static const char req[] = "{\"cmd\":\"clock_map\"}\n";
	char def[PATH_MAX], buf[1024];
	int fds[AM_SOCK_FD_MAX], nfds, fd = -1, s, rc, i;
	size_t len = 0;
	long n;

	m->page = NULL;
	m->fd = -1;
	if (path == NULL) {
		if ((rc = am_proto_socket_path(def, sizeof(def))) < 0)
			return rc;
		path = def;
	}
	if ((s = am_sock_connect(path)) < 0)
		return s;
	if ((rc = am_sock_send_all(s, req, sizeof(req) - 1, NULL, 0)) < 0)
		goto out;
	while (memchr(buf, '\n', len) == NULL && len < sizeof(buf) - 1) {
		nfds = AM_SOCK_FD_MAX;
		n = am_sock_recv(s, buf + len, sizeof(buf) - 1 - len, fds,
		    &nfds);
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? (int)n : -EPIPE;
			goto out;
		}
		for (i = 0; i < nfds; i++) {
			if (fd < 0)
				fd = fds[i];
			else
				close(fds[i]);
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	rc = strncmp(buf, "{\"ok\":true", 10) == 0 && fd >= 0 ? 0 : -EPROTO;
out:
	close(s);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return am_clock_page_open(m, fd);
}

/* The audio time now, with no system call. 0 or -errno. */
int
am_clock_page_read(const struct am_clock_map *m, struct am_clock *c)
{
	if (m->page == NULL)
		return -EBADF;
	return am_clock_page_load(m->page, c);
}

void
am_clock_page_close(struct am_clock_map *m)
{
	if (m->page != NULL)
		munmap((void *)m->page, AM_CLOCK_PAGE_SIZE);
	if (m->fd >= 0)
		close(m->fd);
	m->page = NULL;
	m->fd = -1;
}

/*
 * When frame is heard, by c's filtered clock: CLOCK_MONOTONIC ns. Frames
 * before c->frames work too. 0 when c has no rate (not running yet).
 */
uint64_t
am_clock_frame_ns(const struct am_clock *c, uint64_t frame)
{
	double d;

	if (!(c->rate > 0.0))
		return 0;
	d = (double)(int64_t)(frame - c->frames) * 1e9 / c->rate;
	return c->time_ns + (uint64_t)(int64_t)llround(d);
}
