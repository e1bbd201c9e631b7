/* SPDX-License-Identifier: MIT */
/*
 * record: a node's output to standard output. amcat makes an app_sink
 * of float samples, -c channels (stereo by default; labelled by
 * --layout) at the graph's rate or at -r (the engine converts),
 * connected from --from, on a ring of CAT_REC_MS; it sleeps until the
 * engine has filled a quarter of it, then writes what it holds, after
 * a WAV header (lib/wav.c: float, the length of -d, or endless sizes;
 * WAVE_FORMAT_EXTENSIBLE with the layout's channel mask for more than
 * two channels) unless -t raw. A reader that goes away is a normal end. Frames
 * the engine could not store because amcat fell behind are counted in
 * the ring; amcat says how many and exits 1. One thread.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "amcat.h"
#include "log.h"
#include "wav.h"

/* Milliseconds the engine takes to move frames through the ring. */
static int
cat_due_ms(const struct am_aring *r, uint32_t frames)
{
	return (int)((uint64_t)frames * 1000 / r->rate);
}

/*
 * Write all len bytes to standard output. 0, 1 when the reader went
 * away (a normal end), -1 on error (said why).
 */
static int
cat_out(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n < 0) {
			if (errno == EINTR && !cat_quit)
				continue;
			if (errno == EPIPE)
				return 1;
			if (errno == EINTR)
				return -1;
			am_warn("write: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The RIFF/WAVE header of float frames at c's rate and layout (lib/
 * wav.c): frames of it, or endless. As cat_out.
 */
static int
cat_wav(const struct cat *c, uint64_t frames, int endless)
{
	unsigned char b[AM_WAV_HDR_MAX];
	size_t n;

	n = am_wav_header_layout(b, c->rate, &c->layout, 4, 1, frames,
	    endless);
	return cat_out(b, n);
}

/* Drain the ring to standard output: frames of them, or endless. */
static int
cat_record_loop(struct cat *c, uint64_t frames, int endless)
{
	struct am_aring *r = &c->ring;
	unsigned char *p;
	uint64_t done = 0, left;
	uint32_t have, k;
	int rc, timeout;

	while (!cat_quit && (endless || done < frames)) {
		am_aring_avail(r, &have);
		left = endless ? have : frames - done;
		if (have > 0) {
			k = am_aring_region(r, 0, have < left ? have :
			    (uint32_t)left, &p);
			if ((rc = cat_out(p, (size_t)k * r->fbytes)) != 0)
				return rc > 0 ? 0 : -1;
			am_aring_advance(r, k, 0);
			done += k;
			continue;
		}
		atomic_store(&r->hdr->waiting, 1);
		am_aring_avail(r, &have);
		if (have >= r->high) {
			atomic_store(&r->hdr->waiting, 0);
			continue;
		}
		/*
		 * The engine wakes us at high frames; the tail is shorter,
		 * so that wait is bounded by the time it takes.
		 */
		if (!endless && left < r->high)
			timeout = cat_due_ms(r, (uint32_t)left) + 20;
		else
			timeout = -1;
		if (cat_sleep(c, timeout) < 0)
			return -1;
	}
	return cat_quit ? -1 : 0;
}

/*
 * Record node from to standard output, at rate Hz (0: the graph's). The
 * exit status.
 */
int
cat_record(struct cat *c, const char *sock, const char *want, double secs,
    int wav, uint32_t rate)
{
	uint64_t frames, lost;
	uint32_t cap, from;
	int rc, endless = secs < 0;

	if (cat_layout(c) < 0 || cat_setup(c, sock, want, &from, 1) < 0)
		return 1;
	c->rate = rate != 0 ? rate : c->graph_rate;
	c->format = AM_ARING_F32;
	cap = cat_pow2(c->rate * CAT_REC_MS / 1000);
	if (cat_ring(c, 0, cap, 0, cap / 4) < 0 || cat_layout(c) < 0)
		return 1;
	frames = endless ? 0 : (uint64_t)llround(secs * c->rate);
	c->src_id = cat_id(cat_app_req(c, "app_sink",
	    "{\"cmd\":\"create_node\",\"type\":\"app_sink\","
	    "\"name\":\"%s\",\"args\":"
	    "{\"fd\":0,\"wake\":true,\"frames\":%u,\"channels\":%u,"
	    "\"rate\":%u,\"format\":\"f32\"}}", c->name, cap, c->channels,
	    c->rate));
	if (c->src_id == 0 || cat_connect(c, from, c->src_id) < 0)
		goto fail;
	if (wav && (rc = cat_wav(c, frames, endless)) != 0) {
		cat_cleanup(c);
		return rc > 0 ? 0 : 1;
	}
	rc = cat_record_loop(c, frames, endless);
	lost = atomic_load(&c->ring.hdr->xruns);
	cat_cleanup(c);
	if (rc < 0)
		return 1;
	if (lost > 0) {
		am_warn("%llu frames lost: amcat did not keep "
		    "up with the engine", (unsigned long long)lost);
		return 1;
	}
	return 0;
fail:
	cat_cleanup(c);
	return 1;
}
