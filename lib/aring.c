/* SPDX-License-Identifier: MIT */
/*
 * aring: the app ring, one layout shared by the daemon and the tools.
 *
 * A client makes the ring (am_aring_open): a memfd sized for the header
 * and capacity frames, sealed against shrinking, growing and further
 * sealing, mapped, its header filled in. It passes the memfd to the
 * daemon beside a create_node request; the engine attaches to it
 * (am_aring_attach), which checks everything before mapping: the size
 * is exactly the header plus the samples, F_SEAL_SHRINK is set (so the
 * mapping can never lose its pages and fault the engine), magic,
 * version, format, channels, rate, capacity (a power of two within
 * bounds) and watermarks are sane. The geometry is then copied into
 * struct am_aring and never read from the shared header again: a client
 * that rewrites its header later changes nothing the engine relies on.
 *
 * Counters: free-running 64-bit frame counts, with the arithmetic of
 * lib/spsc.h (the engine's private queues, lib/queue.c, use the same):
 * this file is a hostile-checked view of that core. Each side keeps its own
 * counter privately (own) and only publishes it; the other side's
 * counter is loaded once per transfer (peer) and is hostile input. A
 * peer counter behind ours, or more than the capacity ahead, cannot come
 * from an honest peer: am_aring_avail says so (-EPROTO) and the caller
 * counts a fault and calls am_aring_resync, which takes the peer's value
 * as ours: the ring is empty (consumer) or has room (producer) again, and
 * a client that merely reset its counter carries on. Indexes into the
 * data are always own + offset masked with the private capacity, so no
 * value in shared memory can steer an access outside the mapping. What
 * a scribbling client can do is make its own samples garbage: the
 * engine clamps f32 samples (nodes/app.c), so even those stay finite.
 *
 * Wake-ups: a client sets "waiting" before it sleeps (on the engine's
 * wake pipe, or an eventfd of its own: nodes/app.c) and then checks the
 * counters once more; the engine publishes its counter and then tests
 * "waiting" (am_aring_wake_due). Both are sequentially consistent, so
 * one of the two always sees the other: no lost wake-up. That is why
 * am_aring_advance publishes with a seq_cst store, not spsc.h's release
 * (am_spsc_publish): release alone would let the load of "waiting"
 * pass the store of the counter.
 *
 * Pause: the client's "paused" flag, beside "waiting" on its line, asks
 * the engine to stop taking (or giving) frames, ramped, keeping what
 * the ring holds (nodes/app.c). Any value is only a flag: the worst a
 * client can do with it is pause itself. It was padding before, always
 * 0, so the layout's version is unchanged: an older engine just plays
 * on.
 *
 * Channels: 1 to AM_ARING_CHAN_MAX (64), interleaved. Their positions
 * (lib/chlayout.h) are a byte each in the header's "layout", bytes that
 * were reserved, hence zero, in every ring made before: all zero still
 * means the default layout of that many channels (am_layout_default),
 * so an older client's ring reads as it always did and the version
 * stays 1. Anything else must be one valid position per channel, none
 * twice, and zero past the channels (am_aring_layout_check): a hostile
 * list is refused at attach, and the checked copy in struct am_aring is
 * the only one used after. A frame is channels times the sample size
 * (at most 64 x 4 = 256 bytes), so capacity times a frame stays below
 * 2^28 bytes: the size arithmetic is done in 64 bits all the same.
 *
 * Threads: open/close/attach/detach on a control thread (they allocate
 * descriptors and mappings); avail/region/advance/resync/wake_due/
 * read/write are RT-safe: loads, stores, memcpy, no system call.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aring.h"
#include "spsc.h"

_Static_assert(sizeof(struct am_aring_hdr) == AM_ARING_HDR,
    "app ring header size");
_Static_assert(offsetof(struct am_aring_hdr, wr) == 64, "wr line");
_Static_assert(offsetof(struct am_aring_hdr, rd) == 128, "rd line");
_Static_assert(offsetof(struct am_aring_hdr, waiting) == 192, "wait line");
_Static_assert(offsetof(struct am_aring_hdr, paused) == 196, "pause flag");
_Static_assert(offsetof(struct am_aring_hdr, xruns) == 256, "engine line");
_Static_assert(offsetof(struct am_aring_hdr, play_rd) == 280, "play stamp");
_Static_assert(offsetof(struct am_aring_hdr, play_ns) == 288, "play stamp");
_Static_assert(offsetof(struct am_aring_hdr, layout) == 320, "layout");

#define ARING_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

const char *const am_aring_formats[] = { "s16", "s24", "s32", "f32", NULL };

static const uint32_t aring_sbytes[AM_ARING_NFMT] = { 2, 3, 4, 4 };

/* Bytes of one sample of format, 0 for an unknown format. */
uint32_t
am_aring_sample_bytes(uint32_t format)
{
	return format < AM_ARING_NFMT ? aring_sbytes[format] : 0;
}

static void
aring_zero(struct am_aring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/*
 * Client: make a ring of cap frames (a power of two) and map it, header
 * filled in, counters at 0; this side writes when producer is set.
 * r->fd is the memfd to pass to the daemon. 0 or -errno.
 */
int
am_aring_open(struct am_aring *r, int producer, uint32_t format,
    uint32_t channels, uint32_t rate, uint32_t cap, uint32_t low,
    uint32_t high)
{
	struct am_aring_hdr *h;
	size_t len;
	void *p;
	int fd, rc;

	aring_zero(r);
	if (am_aring_sample_bytes(format) == 0 || channels < 1 ||
	    channels > AM_ARING_CHAN_MAX || cap < AM_ARING_CAP_MIN ||
	    cap > AM_ARING_CAP_MAX || (cap & (cap - 1)) != 0 ||
	    low > high || high > cap)
		return -EINVAL;
	r->fbytes = channels * am_aring_sample_bytes(format);
	len = AM_ARING_HDR + (size_t)((uint64_t)cap * r->fbytes);
	am_layout_default(&r->layout, channels);
	fd = memfd_create("amixd-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, ARING_SEALS) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	h = p;
	h->magic = AM_ARING_MAGIC;
	h->version = AM_ARING_VERSION;
	h->format = format;
	h->channels = channels;
	h->rate = rate;
	h->capacity = cap;
	h->low = low;
	h->high = high;
	h->data_off = AM_ARING_HDR;
	h->frame_bytes = r->fbytes;
	r->hdr = h;
	r->data = (unsigned char *)p + AM_ARING_HDR;
	r->maplen = len;
	r->fd = fd;
	r->producer = producer;
	r->format = format;
	r->channels = channels;
	r->rate = rate;
	r->cap = cap;
	r->mask = cap - 1;
	r->low = low;
	r->high = high;
	return 0;
}

/*
 * Client, before the ring is shared: its channels are at l's positions
 * (l->n must be the ring's channels). The header holds them; a layout
 * equal to the default is written as zeros, as an older client's. 0, or
 * -EINVAL.
 */
int
am_aring_set_layout(struct am_aring *r, const struct am_layout *l)
{
	uint8_t pos[AM_ARING_CHAN_MAX];
	struct am_layout def;
	char err[8];

	if (l->n != r->channels)
		return -EINVAL;
	memset(pos, 0, sizeof(pos));
	memcpy(pos, l->pos, l->n);
	if (am_aring_layout_check(pos, l->n, &def, err, sizeof(err)) < 0)
		return -EINVAL;
	r->layout = *l;
	memset(r->hdr->layout, 0, sizeof(r->hdr->layout));
	am_layout_default(&def, r->channels);
	if (!am_layout_eq(&def, l))
		memcpy(r->hdr->layout, l->pos, l->n);
	return 0;
}

/*
 * The layout in a header's pos (AM_ARING_CHAN_MAX bytes, hostile) for
 * channels (already checked: 1 to AM_ARING_CHAN_MAX) into *l: all zero
 * is the default one; else each of the channels a valid position, none
 * twice (AM_POS_NA aside), and zero past them. 0, or -EINVAL with err.
 */
int
am_aring_layout_check(const uint8_t *pos, uint32_t channels,
    struct am_layout *l, char *err, size_t errlen)
{
	uint8_t seen[AM_POS_END];
	uint32_t i;
	unsigned p;

	am_layout_default(l, channels);
	for (i = 0; i < AM_ARING_CHAN_MAX && pos[i] == 0; i++)
		;
	if (i == AM_ARING_CHAN_MAX)
		return 0;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < AM_ARING_CHAN_MAX; i++) {
		p = pos[i];
		if (i >= channels) {
			if (p != 0) {
				snprintf(err, errlen, "ring: a position "
				    "(%u) for channel %u of %u", p, i + 1,
				    channels);
				return -EINVAL;
			}
			continue;
		}
		if (p == AM_POS_UNKNOWN || p >= AM_POS_END ||
		    (p > AM_POS_BRC && p < AM_POS_AUX0)) {
			snprintf(err, errlen, "ring: channel %u: no such "
			    "position (%u)", i + 1, p);
			return -EINVAL;
		}
		if (seen[p]++ && p != AM_POS_NA) {
			snprintf(err, errlen, "ring: position %s twice",
			    am_pos_name((int)p));
			return -EINVAL;
		}
		l->pos[i] = (uint8_t)p;
	}
	return 0;
}

/* Unmap and close what open or attach set up; a zeroed r is fine. */
void
am_aring_close(struct am_aring *r)
{
	am_aring_detach(r);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/*
 * Engine, control thread: check the ring in memfd fd and map it; this
 * side produces when producer is set. The descriptor stays the
 * caller's. 0, or -errno with a message in err: nothing is left mapped.
 */
int
am_aring_attach(struct am_aring *r, int fd, int producer, char *err,
    size_t errlen)
{
	struct am_aring_hdr h;
	struct stat st;
	uint64_t wr, rd;
	size_t want;
	ssize_t n;
	void *p;
	int seals;

	aring_zero(r);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "ring: not a memfd");
		return -EINVAL;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		snprintf(err, errlen, "ring: the memfd is not sealed against "
		    "shrinking (F_SEAL_SHRINK)");
		return -EINVAL;		/* the client's ring: bad_request */
	}
	if (st.st_size < (off_t)AM_ARING_HDR) {
		snprintf(err, errlen, "ring: %lld bytes, less than its header",
		    (long long)st.st_size);
		return -EINVAL;
	}
	/* A copy, so every check below sees one consistent header. */
	n = pread(fd, &h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h)) {
		snprintf(err, errlen, "ring: cannot read its header");
		return -EINVAL;
	}
	if (h.magic != AM_ARING_MAGIC || h.version != AM_ARING_VERSION) {
		snprintf(err, errlen, "ring: bad magic or version (%#x %u, "
		    "want %#x %u)", h.magic, h.version, AM_ARING_MAGIC,
		    AM_ARING_VERSION);
		return -EPROTO;
	}
	if (am_aring_sample_bytes(h.format) == 0) {
		snprintf(err, errlen, "ring: unknown sample format %u",
		    h.format);
		return -EINVAL;
	}
	if (h.channels < 1 || h.channels > AM_ARING_CHAN_MAX) {
		snprintf(err, errlen, "ring: %u channels (1 to %u)",
		    h.channels, AM_ARING_CHAN_MAX);
		return -EINVAL;
	}
	if (h.rate < AM_ARING_RATE_MIN || h.rate > AM_ARING_RATE_MAX) {
		snprintf(err, errlen, "ring: rate %u Hz out of range "
		    "[%u, %u]", h.rate, AM_ARING_RATE_MIN, AM_ARING_RATE_MAX);
		return -EINVAL;
	}
	if (h.capacity < AM_ARING_CAP_MIN || h.capacity > AM_ARING_CAP_MAX ||
	    (h.capacity & (h.capacity - 1)) != 0) {
		snprintf(err, errlen, "ring: capacity %u frames (a power of "
		    "two from %u to %u)", h.capacity, AM_ARING_CAP_MIN,
		    AM_ARING_CAP_MAX);
		return -EINVAL;
	}
	if (h.low > h.high || h.high > h.capacity) {
		snprintf(err, errlen, "ring: watermarks low %u high %u do not "
		    "fit 0 <= low <= high <= capacity %u", h.low, h.high,
		    h.capacity);
		return -EINVAL;
	}
	if (h.data_off != AM_ARING_HDR ||
	    h.frame_bytes != h.channels * am_aring_sample_bytes(h.format)) {
		snprintf(err, errlen, "ring: data offset %u or frame size %u "
		    "does not match the layout", h.data_off, h.frame_bytes);
		return -EINVAL;
	}
	if (am_aring_layout_check((const uint8_t *)h.layout, h.channels,
	    &r->layout, err, errlen) < 0)
		return -EINVAL;
	want = AM_ARING_HDR + (size_t)((uint64_t)h.capacity * h.frame_bytes);
	if ((uint64_t)st.st_size != want) {
		snprintf(err, errlen, "ring: memfd holds %lld bytes, its "
		    "header says %zu", (long long)st.st_size, want);
		return -EINVAL;
	}
	/* Populated now: the RT thread must not take a page fault. */
	p = mmap(NULL, want, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "ring: cannot map: %s",
		    strerror(errno));
		return -errno;
	}
	r->hdr = p;
	r->data = (unsigned char *)p + AM_ARING_HDR;
	r->maplen = want;
	r->producer = producer;
	r->format = h.format;
	r->channels = h.channels;
	r->rate = h.rate;
	r->cap = h.capacity;
	r->mask = h.capacity - 1;
	r->low = h.low;
	r->high = h.high;
	r->fbytes = h.frame_bytes;
	wr = atomic_load(&r->hdr->wr);
	rd = atomic_load(&r->hdr->rd);
	if (wr - rd > r->cap) {
		snprintf(err, errlen, "ring: counters out of range (written "
		    "%llu, read %llu)", (unsigned long long)wr,
		    (unsigned long long)rd);
		am_aring_detach(r);
		return -EPROTO;
	}
	r->own = producer ? wr : rd;
	r->peer = producer ? rd : wr;
	return 0;
}

/* Unmap the ring; the descriptor, if any, stays open. */
void
am_aring_detach(struct am_aring *r)
{
	if (r->hdr != NULL)
		munmap(r->hdr, r->maplen);
	r->hdr = NULL;
	r->data = NULL;
	r->maplen = 0;
}

/*
 * RT: load the peer's counter. *frames: what may be read (consumer) or
 * written (producer) now. -EPROTO with *frames 0 when the peer's
 * counter is impossible (behind ours, or more than the capacity ahead).
 */
int
am_aring_avail(struct am_aring *r, uint32_t *frames)
{
	/* the peer's counter, loaded once: the one value checked and used */
	r->peer = am_spsc_peer(r->producer ? &r->hdr->rd : &r->hdr->wr);
	return am_spsc_avail(r->producer, r->own, r->peer, r->cap, frames);
}

/*
 * RT: *p = the frames at our counter + off, contiguous in the data; at
 * most n, fewer at the wrap. The caller keeps within what avail said.
 */
uint32_t
am_aring_region(struct am_aring *r, uint32_t off, uint32_t n,
    unsigned char **p)
{
	uint32_t i, k;

	k = am_spsc_run(r->own + off, r->cap, n, &i);
	*p = r->data + (size_t)i * r->fbytes;
	return k;
}

/*
 * RT: n frames were moved: publish our counter. A producer with now_ns
 * set also stamps the write (time, then the counter it belongs to).
 */
void
am_aring_advance(struct am_aring *r, uint32_t n, uint64_t now_ns)
{
	r->own += n;
	if (!r->producer) {
		atomic_store(&r->hdr->rd, r->own);
		return;
	}
	atomic_store(&r->hdr->wr, r->own);
	if (now_ns != 0) {
		atomic_store_explicit(&r->hdr->stamp_ns, now_ns,
		    memory_order_relaxed);
		atomic_store_explicit(&r->hdr->stamp_wr, r->own,
		    memory_order_release);
	}
}

/* RT: after -EPROTO: take the peer's counter as ours and publish it. */
void
am_aring_resync(struct am_aring *r)
{
	r->own = r->peer;
	if (r->producer)
		atomic_store(&r->hdr->wr, r->own);
	else
		atomic_store(&r->hdr->rd, r->own);
}

/*
 * RT: with cond (the level the client waits for is reached), 1 when the
 * client sleeps and is to be woken: its flag is taken, so one wake-up
 * is sent per sleep. Call after advance (see the essay).
 */
int
am_aring_wake_due(struct am_aring *r, int cond)
{
	if (!cond || atomic_load(&r->hdr->waiting) == 0)
		return 0;
	return atomic_exchange(&r->hdr->waiting, 0) != 0;
}

/*
 * RT: producer: copy up to n frames from buf in, stamped now_ns.
 * Returns the frames written (0 as well for an impossible peer).
 */
uint32_t
am_aring_write(struct am_aring *r, const void *buf, uint32_t n,
    uint64_t now_ns)
{
	uint32_t room;

	if (am_aring_avail(r, &room) < 0)
		return 0;
	if (n > room)
		n = room;
	am_spsc_put(r->data, r->cap, r->fbytes, r->own, buf, n);
	if (n > 0)
		am_aring_advance(r, n, now_ns);
	return n;
}

/* RT: consumer: copy up to n frames out into buf; the frames read. */
uint32_t
am_aring_read(struct am_aring *r, void *buf, uint32_t n)
{
	uint32_t have;

	if (am_aring_avail(r, &have) < 0)
		return 0;
	if (n > have)
		n = have;
	am_spsc_get(r->data, r->cap, r->fbytes, r->own, buf, n);
	if (n > 0)
		am_aring_advance(r, n, 0);
	return n;
}

/*
 * RT, consumer (the engine): frame rd of the ring (a consumer count) is
 * heard at ns, CLOCK_MONOTONIC. Stores only, under play_seq.
 */
void
am_aring_play_stamp(struct am_aring *r, uint64_t rd, uint64_t ns)
{
	struct am_aring_hdr *h = r->hdr;
	uint32_t s = atomic_load_explicit(&h->play_seq, memory_order_relaxed);

	atomic_store_explicit(&h->play_seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&h->play_rd, rd, memory_order_relaxed);
	atomic_store_explicit(&h->play_ns, ns, memory_order_relaxed);
	atomic_store_explicit(&h->play_seq, s + 2, memory_order_release);
}

/*
 * Producer: when frame (a producer count: wr before it was written) will
 * be heard, if playback goes on without an underrun: the engine's last
 * stamp plus the frames between, at the ring's rate. 0 with *ns, or
 * -EAGAIN: no stamp yet (an engine older than the field, or nothing
 * played), or the engine was writing it.
 */
int
am_aring_play_ns(const struct am_aring *r, uint64_t frame, uint64_t *ns)
{
	struct am_aring_hdr *h = r->hdr;
	uint64_t rd, t;
	uint32_t s1, s2;
	double d;

	s1 = atomic_load_explicit(&h->play_seq, memory_order_acquire);
	rd = atomic_load_explicit(&h->play_rd, memory_order_relaxed);
	t = atomic_load_explicit(&h->play_ns, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	s2 = atomic_load_explicit(&h->play_seq, memory_order_relaxed);
	if ((s1 & 1) || s1 != s2 || t == 0 || r->rate == 0)
		return -EAGAIN;
	d = (double)(int64_t)(frame - rd) * 1e9 / r->rate;
	*ns = t + (uint64_t)(int64_t)d;
	return 0;
}
