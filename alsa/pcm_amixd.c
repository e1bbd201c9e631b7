/* SPDX-License-Identifier: MIT */
/*
 * pcm_amixd: an ALSA PCM (alsa-lib's ioplug) that plays into and records
 * from amixd through an app ring, so unmodified ALSA applications share
 * the engine: "aplay -D amixd song.wav".
 *
 * One open PCM is one connection to the daemon and, once prepared, one
 * node: an app_source (playback) linked to the target, or an app_sink
 * (capture) linked from it. The node's ring is a sealed memfd made here
 * with lib/aring.c, passed beside create_node with an eventfd, exactly
 * as amcat does. The application's frames go straight into the ring in
 * its own format (S24_LE, 24 bits in 32, travels as s32), channels and
 * rate: the engine converts and resamples.
 *
 * Pointers: the ring is made afresh at every prepare, so its counters
 * start at 0 with ALSA's; the hardware pointer is the engine's counter
 * (rd for playback, wr for capture), reported up to the boundary
 * (SND_PCM_IOPLUG_FLAG_BOUNDARY_WA).
 *
 * Wake-ups: the ring's watermark is where the application wants to wake:
 * playback low = buffer - avail_min (the engine wakes us when it has
 * drained the ring that far), capture high = avail_min. Before a poll
 * the plugin sets the ring's waiting flag and checks the level again
 * (lib/aring.c's rule), so a large buffer costs one wake-up per
 * avail_min, not one per engine period. The poll set also holds the
 * control socket: a daemon that goes away wakes the application, which
 * gets an error, never a hang.
 *
 * Xruns: the engine counts frames it could not play (or store) in the
 * ring; a count that grows while running is an xrun: the pointer says
 * -EPIPE and snd_pcm_prepare makes a new ring and node.
 *
 * Delay: from the engine's clock. Each period the engine stamps in the
 * ring header when the frame at its read counter is heard (play_rd,
 * play_ns); the frame the application writes next is heard that much
 * later, so the delay is the time from now until then, in frames. Until
 * the first stamp (the engine has not run the node yet) it is what the
 * ring holds plus the device's buffer (from list).
 *
 * Start level: the engine starts (and restarts after an underrun) once
 * the ring holds its low watermark. A running stream whose application
 * has less than that left to give (the tail after a pause or an xrun,
 * a player that waits for the end without draining) would wait forever:
 * when the engine's counter has not moved for AMX_STALL_NS while the
 * ring holds frames below the level, the plugin sets the ring's eof,
 * which makes the engine play what is there; the next write clears it.
 *
 * Pause: snd_pcm_pause sets the ring's "paused" flag, which the engine
 * loads every period (no request, no system call on either side): it
 * ramps the node down within a period and takes nothing more from the
 * ring (capture: gives nothing more), so what the ring holds stays
 * there and plays, in order, once the flag is cleared: a true pause,
 * nothing lost or played twice. While paused the engine goes on
 * stamping the ring (its read counter would be heard at the period's
 * time), so snd_pcm_delay stays the ring's fill plus the output
 * latency, which is what a player's clock wants to see.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <cjson/cJSON.h>

#include "amx.h"
#include "clock.h"

#define AMX_DRAIN_SLACK_MS	2000	/* an engine that stops: drain fails */
#define AMX_STALL_NS	20000000ULL	/* rd still this long: kick (ns) */

/*
 * The ring format that carries ALSA format f; *s24 when S24_LE (24 bits
 * in 32) travels as s32, shifted. 0 or -EINVAL for another format.
 */
static int
amx_fmt(snd_pcm_format_t f, uint32_t *ring_fmt, int *s24)
{
	*s24 = 0;
	switch (f) {
	case SND_PCM_FORMAT_S16_LE:
		*ring_fmt = AM_ARING_S16;
		return 0;
	case SND_PCM_FORMAT_S24_3LE:
		*ring_fmt = AM_ARING_S24;
		return 0;
	case SND_PCM_FORMAT_S24_LE:
		*s24 = 1;
		/* FALLTHROUGH */
	case SND_PCM_FORMAT_S32_LE:
		*ring_fmt = AM_ARING_S32;
		return 0;
	case SND_PCM_FORMAT_FLOAT_LE:
		*ring_fmt = AM_ARING_F32;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The smallest power of two >= n, at least AM_ARING_CAP_MIN. */
static uint32_t
amx_pow2(uint64_t n)
{
	uint32_t p = AM_ARING_CAP_MIN;

	while (p < n && p < AM_ARING_CAP_MAX)
		p <<= 1;
	return p;
}

/* Frames the ring holds (playback: not yet played; capture: unread). */
static uint64_t
amx_fill(const struct amx *a)
{
	struct am_aring_hdr *h = a->ring.hdr;

	if (h == NULL)
		return 0;
	return atomic_load(&h->wr) - atomic_load(&h->rd);
}

/* 1 when the application may transfer avail_min frames now. */
static int
amx_ready(const struct amx *a)
{
	uint64_t fill = amx_fill(a);

	if (a->ring.hdr == NULL)
		return a->io.stream == SND_PCM_STREAM_PLAYBACK;
	if (a->io.stream == SND_PCM_STREAM_PLAYBACK)
		return fill <= a->io.buffer_size &&
		    a->io.buffer_size - fill >= a->avail_min;
	return fill >= a->avail_min;
}

/* Says the daemon is gone, once; later calls just fail. */
static int
amx_dead(struct amx *a, const char *why)
{
	if (!a->dead)
		SNDERR("amixd: %s", why);
	a->dead = 1;
	return -EIO;
}

/* 1 (said why) when the daemon went away or let go of our ring. */
static int
amx_check(struct amx *a)
{
	struct pollfd pfd;

	if (a->dead)
		return 1;
	pfd.fd = a->conn.fd;
	pfd.events = POLLIN;
	if (a->conn.fd < 0 || (poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLIN | POLLHUP | POLLERR)))) {
		amx_dead(a, "the daemon went away");
		return 1;
	}
	if (a->ring.hdr != NULL && atomic_load(&a->ring.hdr->closed)) {
		amx_dead(a, "our node was destroyed");
		return 1;
	}
	return 0;
}

/* Remove our node (if the daemon is there to ask) and unmap the ring. */
static void
amx_unmake(struct amx *a)
{
	if (a->node != 0 && !a->dead)
		amx_destroy(a, a->node);
	a->node = 0;
	am_aring_close(&a->ring);
}

/*
 * Make the ring and its node at the geometry ALSA settled on, and link
 * it. 0 or -errno (said why).
 */
static int
amx_make(struct amx *a)
{
	snd_pcm_ioplug_t *io = &a->io;
	uint32_t cap, low = 0, high, fmt, amin;
	int fds[2], s24, rc, play = io->stream == SND_PCM_STREAM_PLAYBACK;

	amx_unmake(a);
	if (a->dead)
		return -EIO;
	if (amx_fmt(io->format, &fmt, &s24) < 0)
		return -EINVAL;
	a->s24 = s24;
	cap = amx_pow2(io->buffer_size);
	amin = a->avail_min > io->buffer_size ? (uint32_t)io->buffer_size :
	    (uint32_t)a->avail_min;
	if (play) {
		high = (uint32_t)io->buffer_size;
		low = high - amin;
	} else
		high = amin > 0 ? amin : 1;
	rc = am_aring_open(&a->ring, play, fmt, io->channels, io->rate, cap,
	    low, high);
	if (rc < 0) {
		SNDERR("amixd: cannot make the ring: %s", strerror(-rc));
		return rc;
	}
	fds[0] = a->ring.fd;
	fds[1] = a->evfd;
	a->node = amx_create(a, play ? "app_source" : "app_sink", fds, cap,
	    io->channels, io->rate, am_aring_formats[fmt]);
	if (a->node == 0)
		return -EIO;
	rc = play ? amx_link(a, a->node, a->target) :
	    amx_link(a, a->target, a->node);
	if (rc < 0)
		return rc;
	a->xruns0 = 0;
	a->seen_rd = 0;
	a->seen_ns = am_clock_ns();
	return 0;
}

/* ALSA start: capture makes its node now; playback's is running. */
static int
amx_start(snd_pcm_ioplug_t *io)
{
	struct amx *a = io->private_data;

	if (amx_check(a))
		return -EIO;
	/* Capture: the node records from the start on. */
	if (io->stream == SND_PCM_STREAM_CAPTURE && a->node == 0)
		return amx_make(a);
	return 0;
}

/* ALSA drop: the node goes at once, with what its ring holds. */
static int
amx_stop(snd_pcm_ioplug_t *io)
{
	struct amx *a = io->private_data;

	amx_unmake(a);
	return 0;
}

/*
 * ALSA prepare (after hw_params, after an xrun): playback gets a new
 * ring and node, counters at 0; capture waits for start.
 */
static int
amx_prepare(snd_pcm_ioplug_t *io)
{
	struct amx *a = io->private_data;


	if (amx_check(a))
		return -EIO;
	if (io->stream == SND_PCM_STREAM_CAPTURE) {
		amx_unmake(a);
		return 0;
	}
	return amx_make(a);
}

/*
 * Playback, running: the engine waits for the start level that the
 * application will not reach? Then let it play what there is (eof).
 */
static void
amx_kick(struct amx *a)
{
	struct am_aring_hdr *h = a->ring.hdr;
	uint64_t rd = atomic_load(&h->rd), fill = amx_fill(a);
	uint64_t now = am_clock_ns();

	if (rd != a->seen_rd || fill == 0 || fill > a->ring.cap) {
		a->seen_rd = rd;
		a->seen_ns = now;
		return;
	}
	if (a->io.state == SND_PCM_STATE_RUNNING && fill < a->ring.low &&
	    now - a->seen_ns > AMX_STALL_NS)
		atomic_store(&h->eof, 1);
}

/* The engine's counter, or -EPIPE on an xrun or a daemon gone. */
static snd_pcm_sframes_t
amx_pointer(snd_pcm_ioplug_t *io)
{
	struct amx *a = io->private_data;
	struct am_aring_hdr *h = a->ring.hdr;
	uint64_t x, fill;

	if (amx_check(a))
		return -EIO;
	if (h == NULL)
		return 0;
	x = atomic_load(&h->xruns);
	if (x != a->xruns0 && io->state == SND_PCM_STATE_PAUSED)
		a->xruns0 = x;
	if (x != a->xruns0 && io->state == SND_PCM_STATE_RUNNING)
		return -EPIPE;
	if (io->stream == SND_PCM_STREAM_PLAYBACK) {
		amx_kick(a);
		return (snd_pcm_sframes_t)(atomic_load(&h->rd) %
		    a->boundary);
	}
	fill = amx_fill(a);
	if (fill > io->buffer_size)
		return -EPIPE;		/* capture: the application is late */
	return (snd_pcm_sframes_t)(atomic_load(&h->wr) % a->boundary);
}

/* Copy n frames in the application's layout to the ring or back. */
static snd_pcm_sframes_t
amx_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
    snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	struct amx *a = io->private_data;
	unsigned char *buf = (unsigned char *)areas[0].addr +
	    (areas[0].first + areas[0].step * offset) / 8;
	uint32_t n, room;

	if (amx_check(a))
		return -EIO;
	if (a->ring.hdr == NULL)
		return 0;
	if (am_aring_avail(&a->ring, &room) < 0)
		return -EIO;
	n = size < room ? (uint32_t)size : room;
	if (io->stream == SND_PCM_STREAM_PLAYBACK) {
		if (n > 0 && io->state != SND_PCM_STATE_DRAINING)
			atomic_store(&a->ring.hdr->eof, 0);
		if (a->s24)
			n = amx_s24_out(a, buf, n);
		else
			n = am_aring_write(&a->ring, buf, n, am_clock_ns());
	} else {
		n = am_aring_read(&a->ring, buf, n);
		if (a->s24)
			amx_s24_in(buf, n * io->channels);
	}
	return n;
}

/* Playback: play out what is written, with eof set, then stop. */
static int
amx_drain(snd_pcm_ioplug_t *io)
{
	struct amx *a = io->private_data;
	struct am_aring_hdr *h = a->ring.hdr;
	struct pollfd pfd[2];
	uint64_t fill, last = UINT64_MAX, since = am_clock_ns();
	uint64_t cnt;
	ssize_t r;
	int ms;

	if (io->stream != SND_PCM_STREAM_PLAYBACK || h == NULL)
		return 0;
	atomic_store(&h->eof, 1);
	for (;;) {
		if (amx_check(a))
			return -EIO;
		atomic_store(&h->waiting, 1);
		fill = amx_fill(a);
		if (fill == 0 || fill > a->ring.cap) {
			atomic_store(&h->waiting, 0);
			break;
		}
		if (fill != last) {
			last = fill;
			since = am_clock_ns();
		} else if (am_clock_ns() - since > AMX_DRAIN_SLACK_MS *
		    1000000ULL) {
			SNDERR("amixd: drain: the engine took nothing for %d "
			    "ms: is it stopped?", AMX_DRAIN_SLACK_MS);
			return -EIO;
		}
		ms = (int)(fill * 1000 / io->rate) + 50;
		pfd[0].fd = a->evfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = a->conn.fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, ms) < 0 && errno != EINTR)
			return -errno;
		if (pfd[0].revents & POLLIN)
			r = read(a->evfd, &cnt, sizeof(cnt));
		(void)r;
	}
	amx_unmake(a);
	return 0;
}

/* ALSA pause: the ring's flag tells the engine (see the essay). */
static int
amx_pause(snd_pcm_ioplug_t *io, int enable)
{
	struct amx *a = io->private_data;

	if (amx_check(a))
		return -EIO;
	if (a->ring.hdr == NULL)
		return 0;
	atomic_store(&a->ring.hdr->paused, enable != 0);
	/* An engine older than the flag underruns: that is no xrun. */
	if (!enable)
		a->xruns0 = atomic_load(&a->ring.hdr->xruns);
	return 0;
}

/*
 * Playback delay from the engine's clock: frames from now until the
 * next frame the application writes is heard (am_aring_play_ns). 0, or
 * -EAGAIN before the engine has stamped the ring.
 */
static int
amx_clock_delay(const struct amx *a, snd_pcm_sframes_t *delayp)
{
	uint64_t wr, heard, now;
	int64_t d;

	if (a->ring.hdr == NULL)
		return -EAGAIN;
	wr = atomic_load(&a->ring.hdr->wr);
	if (am_aring_play_ns(&a->ring, wr, &heard) < 0)
		return -EAGAIN;
	now = am_clock_ns();
	d = (int64_t)(heard - now);
	if (d < 0)
		d = 0;
	*delayp = (snd_pcm_sframes_t)((double)d * a->io.rate / 1e9 + 0.5);
	return 0;
}

/* ALSA delay: from the engine's clock, else the ring's fill plus, playing,
 * the device's buffer. */
static int
amx_delay(snd_pcm_ioplug_t *io, snd_pcm_sframes_t *delayp)
{
	struct amx *a = io->private_data;
	uint64_t fill;

	if (amx_check(a))
		return -EIO;
	if (io->stream == SND_PCM_STREAM_PLAYBACK && a->ring.hdr != NULL)
		amx_kick(a);
	fill = amx_fill(a);
	if (fill > a->ring.cap)
		fill = 0;
	if (io->stream != SND_PCM_STREAM_PLAYBACK) {
		*delayp = (snd_pcm_sframes_t)fill;
		return 0;
	}
	if (amx_clock_delay(a, delayp) == 0 && *delayp >= (int64_t)fill)
		return 0;
	*delayp = (snd_pcm_sframes_t)(fill + (uint64_t)a->dev_lat *
	    io->rate / a->graph_rate);
	return 0;
}

/* Two descriptors: the eventfd and the control socket. */
static int
amx_poll_count(snd_pcm_ioplug_t *io)
{
	(void)io;
	return 2;
}

/*
 * Before a poll: the eventfd (armed through the ring's waiting flag,
 * or made ready now when the level is already there) and the socket.
 */
static int
amx_poll_fds(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int space)
{
	struct amx *a = io->private_data;

	if (space < 2)
		return -EINVAL;
	amx_arm(a);
	pfd[0].fd = a->evfd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = a->conn.fd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	return 2;
}

/*
 * After a poll: POLLERR when the daemon went away, POLLOUT (POLLIN)
 * once avail_min frames can be moved, else nothing, armed again.
 */
static int
amx_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd,
    unsigned int nfds, unsigned short *revents)
{
	struct amx *a = io->private_data;
	uint64_t cnt;
	ssize_t r;

	*revents = 0;
	if (nfds < 2)
		return -EINVAL;
	if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR) || amx_check(a)) {
		amx_dead(a, "the daemon went away");
		*revents = POLLERR;
		return 0;
	}
	if (pfd[0].revents & POLLIN) {
		r = read(pfd[0].fd, &cnt, sizeof(cnt));
		(void)r;
	}
	if (amx_ready(a) || io->state == SND_PCM_STATE_XRUN ||
	    io->state == SND_PCM_STATE_SETUP) {
		*revents = io->stream == SND_PCM_STREAM_PLAYBACK ? POLLOUT :
		    POLLIN;
		return 0;
	}
	amx_arm(a);		/* snd_pcm_wait polls the same set again */
	return 0;
}

/* Keep avail_min (the wake-up level) and the boundary. */
static int
amx_sw_params(snd_pcm_ioplug_t *io, snd_pcm_sw_params_t *params)
{
	struct amx *a = io->private_data;
	snd_pcm_uframes_t v;

	if (snd_pcm_sw_params_get_avail_min(params, &v) == 0)
		a->avail_min = v > 0 ? v : 1;
	if (snd_pcm_sw_params_get_boundary(params, &v) == 0 && v > 0)
		a->boundary = v;
	return 0;
}

/* A new geometry: avail_min a period until sw_params says. */
static int
amx_hw_params(snd_pcm_ioplug_t *io, snd_pcm_hw_params_t *params)
{
	struct amx *a = io->private_data;

	(void)params;
	if (a->avail_min == 0 || a->avail_min > io->buffer_size)
		a->avail_min = io->period_size;
	return 0;
}

/* ALSA close: the node, the ring, the connection go. */
static int
amx_close(snd_pcm_ioplug_t *io)
{
	struct amx *a = io->private_data;

	amx_free(a);
	return 0;
}

static const snd_pcm_ioplug_callback_t amx_ops = {
	.start = amx_start,
	.stop = amx_stop,
	.pointer = amx_pointer,
	.transfer = amx_transfer,
	.close = amx_close,
	.hw_params = amx_hw_params,
	.sw_params = amx_sw_params,
	.prepare = amx_prepare,
	.drain = amx_drain,
	.pause = amx_pause,
	.delay = amx_delay,
	.poll_descriptors_count = amx_poll_count,
	.poll_descriptors = amx_poll_fds,
	.poll_revents = amx_poll_revents,
	.query_chmaps = amx_query_chmaps,
	.get_chmap = amx_get_chmap,
};

SND_PCM_PLUGIN_DEFINE_FUNC(amixd)
{
	struct amx *a;
	int rc;

	(void)root;
	if ((a = amx_new()) == NULL)
		return -ENOMEM;
	if ((rc = amx_config(a, conf)) < 0 ||
	    (rc = amx_connect(a, stream)) < 0)
		goto fail;
	a->io.version = SND_PCM_IOPLUG_VERSION;
	a->io.name = "amixd";
	a->io.callback = &amx_ops;
	a->io.private_data = a;
	a->io.mmap_rw = 0;
	a->io.flags = SND_PCM_IOPLUG_FLAG_BOUNDARY_WA;
	if ((rc = snd_pcm_ioplug_create(&a->io, name, stream, mode)) < 0)
		goto fail;
	if ((rc = amx_constraints(a)) < 0) {
		snd_pcm_ioplug_delete(&a->io);
		return rc;
	}
	*pcmp = a->io.pcm;
	return 0;
fail:
	amx_free(a);
	return rc;
}

SND_PCM_PLUGIN_SYMBOL(amixd);
