/* SPDX-License-Identifier: MIT */
/*
 * play: the input (raw PCM, or a sound file sniff.c recognised) into
 * an app_source, through a gain node for --db, to the target node.
 * The ring holds --latency (at least one engine period); amcat copies
 * the input into the ring's memory up to that high watermark (raw PCM
 * through a read-ahead of up to CAT_STAGE bytes, a sound file through
 * libsndfile), sets the ring's waiting flag and sleeps in cat_sleep
 * until the engine has drained it to half: one wake-up per half
 * latency, no poll(2) unless a progress line is drawn. Below CAT_RT_MS
 * it asks for SCHED_FIFO (see amcat.c for why and what it costs). At
 * the end of the input it sets eof, waits until the engine has taken
 * every frame, and removes its nodes. -v reports
 * the audio clock (lib/aclock_page.c) and the presentation delay the
 * engine stamps in the ring. One thread.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aclock_page.h"
#include "amcat.h"
#include "clock.h"
#include "log.h"
#include "util.h"

/*
 * Below CAT_RT_MS of latency, SCHED_FIFO for amcat's one thread, so a
 * busy machine does not make it late for the engine. Refused (no
 * privilege, no rtprio limit): it runs as it is; -v says which.
 */
static void
cat_rt(const struct cat *c, double latency)
{
	struct sched_param sp;
	int rc;

	if (latency >= CAT_RT_MS)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = CAT_RT_PRIO;
	rc = sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp);
	if (c->verbose)
		am_warn("SCHED_FIFO %d: %s", CAT_RT_PRIO,
		    rc == 0 ? "yes" : strerror(errno));
}

/* -v: the audio clock, read from its shared page (lib/aclock_page.c). */
static void
cat_verbose_clock(const char *sock)
{
	struct am_clock_map m;
	struct am_clock k;
	int rc;

	if ((rc = am_clock_page_map(&m, sock)) == 0)
		rc = am_clock_page_read(&m, &k);
	if (rc < 0) {
		am_warn("clock: %s", strerror(-rc));
		return;
	}
	am_warn("clock: frame %llu heard at %llu ns, %.3f Hz, "
	    "latency %u frames, period %u, %s",
	    (unsigned long long)k.frames, (unsigned long long)k.time_ns,
	    k.rate, k.latency, k.period, k.running ? "running" : "stopped");
	am_clock_page_close(&m);
}

/* -v, at the end: the presentation delay last seen. */
static void
cat_verbose_end(const struct cat *c)
{
	if (c->delays == 0)
		am_warn("presentation delay: unknown (nothing "
		    "played yet)");
	else
		am_warn("presentation delay: %.1f ms (the "
		    "newest frame written is heard that long after)",
		    c->delay_ms);
}

/*
 * The progress line on a terminal, at most every CAT_PROGRESS_MS; with
 * -v, the presentation delay: when the newest frame written will be
 * heard (the engine's stamp in the ring, lib/aring.c), from now.
 */
static void
cat_progress(struct cat *c, int last)
{
	struct am_aring_hdr *h = c->ring.hdr;
	uint64_t now = am_clock_ns(), rd, wr, ns;

	if ((!c->progress && !c->verbose) ||
	    (!last && now < c->next_progress))
		return;
	c->next_progress = now + CAT_PROGRESS_MS * 1000000ULL;
	rd = atomic_load(&h->rd);
	wr = atomic_load(&h->wr);
	if (c->verbose && !last && am_aring_play_ns(&c->ring, wr, &ns) == 0) {
		c->delay_ms = ((double)ns - (double)now) / 1e6;
		c->delays++;
	}
	if (c->verbose && last)
		cat_verbose_end(c);
	if (!c->progress)
		return;
	fprintf(stderr, "\ramcat: %8.2f s  buffer %3u%%  underruns %llu%s",
	    (double)rd / c->ring.rate,
	    wr - rd <= c->ring.cap ? (unsigned)((wr - rd) * 100 /
	    c->ring.high) : 0, (unsigned long long)atomic_load(&h->xruns),
	    last ? "\n" : "");
}

/*
 * Up to n bytes of raw input into dst, as read(2) would give them, from
 * what one read of up to CAT_STAGE bytes brought in. Why: at one period
 * of latency a fill is a period (1 KiB of stereo float), and reading
 * that straight from a pipe cost a system call a wake-up, and woke the
 * writer (amtone, a player) every page; a read of whatever the pipe
 * holds serves the next fills from memory. It waits for nothing more
 * than the direct read did: read(2) returns what there is.
 */
static ssize_t
cat_read_in(struct cat *c, unsigned char *dst, size_t n)
{
	ssize_t got;

	if (c->stage_off == c->stage_len) {
		if (c->stage == NULL)
			c->stage = xmalloc(CAT_STAGE);
		got = read(c->in, c->stage, CAT_STAGE);
		if (got <= 0)
			return got;
		c->stage_off = 0;
		c->stage_len = (size_t)got;
	}
	if (n > c->stage_len - c->stage_off)
		n = c->stage_len - c->stage_off;
	memcpy(dst, c->stage + c->stage_off, n);
	c->stage_off += n;
	return (ssize_t)n;
}

/*
 * Fill the ring up to its high watermark from the input, straight into
 * its memory (raw input through cat_read_in's read-ahead). *eof is set
 * at the end of the input.
 * 0 or -1 (said why).
 */
static int
cat_fill(struct cat *c, size_t *carry, int *eof)
{
	struct am_aring *r = &c->ring;
	unsigned char *p;
	uint32_t room, fill, k, full;
	sf_count_t got;
	ssize_t n;

	am_aring_avail(r, &room);
	fill = r->cap - room;
	if (fill >= r->high)
		return 0;
	k = am_aring_region(r, 0, r->high - fill, &p);
	if (c->sf != NULL) {
		got = sf_readf_float(c->sf, (float *)p, k);
		if (got <= 0)
			*eof = 1;
		else
			am_aring_advance(r, (uint32_t)got, am_clock_ns());
		return 0;
	}
	/* A partial frame stays in place at the start of the region. */
	n = cat_read_in(c, p + *carry, (size_t)k * r->fbytes - *carry);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		am_warn("read: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		*eof = 1;
		return 0;
	}
	*carry += (size_t)n;
	full = (uint32_t)(*carry / r->fbytes);
	if (full > 0)
		am_aring_advance(r, full, am_clock_ns());
	*carry -= (size_t)full * r->fbytes;
	return 0;
}

/* Copy the input into the ring until its end and the engine took it. */
static int
cat_play_loop(struct cat *c)
{
	struct am_aring *r = &c->ring;
	uint32_t room, fill;
	size_t carry = 0;
	int eof = 0, timeout;

	while (!cat_quit) {
		cat_progress(c, 0);
		if (!eof) {
			am_aring_avail(r, &room);
			if (r->cap - room < r->high) {
				if (cat_fill(c, &carry, &eof) < 0)
					return -1;
				continue;
			}
		}
		if (eof && !atomic_load(&r->hdr->eof)) {
			if (carry > 0)
				am_warn("%zu bytes at the end "
				    "are not a whole frame: dropped", carry);
			atomic_store(&r->hdr->eof, 1);
		}
		atomic_store(&r->hdr->waiting, 1);
		am_aring_avail(r, &room);
		fill = r->cap - room;
		if (eof ? fill == 0 : fill <= r->low) {
			atomic_store(&r->hdr->waiting, 0);
			if (eof)
				return 0;
			continue;
		}
		/*
		 * The engine's real-time thread wakes us at the level we
		 * wait for (it loses none: see lib/aring.c), or closes
		 * the pipe: no bound but the progress line's.
		 */
		timeout = c->progress ? CAT_PROGRESS_MS : -1;
		if (cat_sleep(c, timeout) < 0)
			return -1;
	}
	return -1;
}

/* Play the input through an app_source. The exit status. */
int
cat_play(struct cat *c, const char *sock, const char *file, const char *want,
    double db, int have_db, double latency)
{
	uint32_t high, one, to;
	int rc;

	c->in = STDIN_FILENO;
	if (file != NULL && strcmp(file, "-") != 0 &&
	    (c->in = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		am_warn("%s: %s", file, strerror(errno));
		return 1;
	}
	if (cat_sniff(c) < 0 || cat_layout(c) < 0 ||
	    cat_setup(c, sock, want, &to, 0) < 0)
		return 1;
	if (c->verbose)
		cat_verbose_clock(sock);
	/* At least one period of the engine, in the ring's frames. */
	high = (uint32_t)fmin(latency * c->rate / 1000.0, AM_ARING_CAP_MAX);
	one = (uint32_t)(((uint64_t)c->period * c->rate + c->graph_rate - 1) /
	    c->graph_rate);
	if (high < one)
		high = one;
	if (high < AM_ARING_CAP_MIN)
		high = AM_ARING_CAP_MIN;
	cat_rt(c, high * 1000.0 / c->rate);
	if (cat_ring(c, 1, cat_pow2(high), high / 2, high) < 0 ||
	    cat_layout(c) < 0)
		return 1;
	if (have_db) {
		c->gain_id = cat_id(cat_req(c, "gain", NULL, 0,
		    "{\"cmd\":\"create_node\",\"type\":\"gain\","
		    "\"args\":{\"db\":%.17g}}", db));
		if (c->gain_id == 0 || cat_connect(c, c->gain_id, to) < 0)
			goto fail;
		to = c->gain_id;
	}
	/* An empty ring: the engine starts once it holds low frames. */
	c->src_id = cat_id(cat_app_req(c, "app_source",
	    "{\"cmd\":\"create_node\",\"type\":\"app_source\","
	    "\"name\":\"%s\",\"args\":"
	    "{\"fd\":0,\"wake\":true,\"frames\":%u,\"channels\":%u,"
	    "\"rate\":%u,\"format\":\"%s\"}}", c->name, c->ring.cap,
	    c->channels, c->rate, am_aring_formats[c->format]));
	if (c->src_id == 0 || cat_connect(c, c->src_id, to) < 0)
		goto fail;
	rc = cat_play_loop(c);
	cat_progress(c, 1);
	cat_cleanup(c);
	free(c->stage);
	return rc < 0 ? 1 : 0;
fail:
	cat_cleanup(c);
	return 1;
}
