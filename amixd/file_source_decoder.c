/* SPDX-License-Identifier: MIT */
/*
 * file_source's decoder thread: reads the file through libsndfile in
 * chunks, every channel the file has, converts it to the rate the node
 * runs at (when that is not the file's) and writes it into the node's
 * SPSC ring, whose records are frames of the file's channels; the node
 * (nodes/file_source.c, whose essay tells the whole protocol: the
 * eventfd wake-ups, the flush word, eof) only reads that ring on the
 * real-time thread. A file at the rate run at is copied, bit for bit;
 * otherwise libsoxr (resampler.c, RESAMPLER_NONRT: it may allocate, as
 * this thread may) converts all the channels alike, in fixed blocks of
 * FSRC_OUT frames, so the bytes are the same run to run.
 *
 * Threads: file_source_read also runs in init, before the thread
 * starts; everything else here runs on the decoder thread only, the one
 * thread that touches the SNDFILE and the converter after init. The
 * real-time thread never calls into this file.
 */

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "afmt.h"
#include "file_source.h"
#include "queue.h"
#include "resampler.h"

/*
 * Decoder (or init): up to want frames (at most FSRC_CHUNK) of the file
 * as float into buf. 16-bit PCM WAVs are read as they are stored and
 * converted by am_afmt_decode, which gives the floats libsndfile would
 * (s / 32768) in one read(2) of the chunk instead of one per 8 KiB
 * and with vector code: the 16-bit file mix reads 16 files at once.
 * With buf NULL the frames stay as read, in ibuf (a 16-bit WAV) or sbuf,
 * for file_source_feed to hand the converter without a staging copy.
 */
static sf_count_t
file_source_readf(struct file_source *f, float *buf, uint32_t want)
{
	sf_count_t got;

	if (f->ibuf == NULL)
		return sf_readf_float(f->sf, buf != NULL ? buf : f->sbuf,
		    want);
	got = sf_readf_short(f->sf, f->ibuf, want);
	if (got > 0 && buf != NULL)
		am_afmt_decode(AM_AFMT_S16, buf, f->ibuf, (size_t)got *
		    f->channels);
	return got;
}

/*
 * Decoder (or init): read up to want frames, at most FSRC_CHUNK, every
 * channel as the file has them, as float into dst, or left as read
 * (dst NULL: file_source_readf). Seeks back to the start at the end of
 * the file when looping. Returns the frames read, 0 at the end.
 */
static uint32_t
file_source_get(struct file_source *f, float *dst, uint32_t want)
{
	sf_count_t got;

	if (want > FSRC_CHUNK)
		want = FSRC_CHUNK;
	got = file_source_readf(f, dst, want);
	if (got <= 0 && f->loop && f->pass > 0) {
		if (sf_seek(f->sf, 0, SEEK_SET) < 0)
			return 0;
		f->pass = 0;
		got = file_source_readf(f, dst, want);
	}
	if (got <= 0)
		return 0;
	f->pass += (uint64_t)got;
	return (uint32_t)got;
}

/*
 * Decoder (or init, before the decoder starts): file_source_get into
 * sbuf, as float.
 */
uint32_t
file_source_read(struct file_source *f, uint32_t want)
{
	return file_source_get(f, f->sbuf, want);
}

/*
 * Decoder: the converter's input callback. frames of the file, from
 * what was read and not yet fed, then fresh reads; silence past the
 * end. A 16-bit file is decoded straight into dst, the converter's own
 * input buffer: one pass over the samples, not a decode and a copy.
 */
static void
file_source_feed(void *ctx, float *dst, uint32_t frames)
{
	struct file_source *f = ctx;
	size_t ch = (size_t)f->channels;
	uint32_t k;

	while (frames > 0) {
		if (f->sb_len == 0) {
			f->sb_off = 0;
			f->sb_len = file_source_get(f, NULL, FSRC_CHUNK);
			if (f->sb_len == 0) {
				memset(dst, 0, frames * ch *
				    sizeof(float));
				return;
			}
		}
		k = frames < f->sb_len ? frames : f->sb_len;
		if (f->ibuf != NULL)
			am_afmt_decode(AM_AFMT_S16, dst, f->ibuf + ch *
			    f->sb_off, k * ch);
		else
			memcpy(dst, f->sbuf + ch * f->sb_off, k * ch *
			    sizeof(float));
		dst += ch * k;
		frames -= k;
		f->sb_off += k;
		f->sb_len -= k;
	}
}

/*
 * Decoder: up to space frames at conv_rate into the ring. Returns the
 * frames added, 0 at the end. Converted output is made in blocks of
 * FSRC_OUT exactly (the decoder waits for that much room), whatever
 * the timing: the converter sees the same calls, so the bytes are the
 * same run to run. Frames go straight into the ring's free slots
 * (am_queue_wspan) when they lie in one piece, as they do but after a
 * retune at an odd position: no staging buffer and second copy; else
 * through obuf.
 */
static uint32_t
file_source_fill(struct file_source *f, uint32_t space)
{
	uint32_t n, run;
	float *dst;

	dst = am_queue_wspan(&f->ring, &run);
	if (f->conv_rate == f->file_rate) {
		n = file_source_get(f, dst, space < run ? space : run);
		am_queue_commit(&f->ring, n);
		return n;
	}
	n = space < FSRC_OUT ? space : FSRC_OUT;
	if (!f->loop && f->out_left < n)
		n = (uint32_t)f->out_left;
	if (n == 0)
		return 0;
	if (run >= n) {
		resampler_run(&f->conv, dst, n, file_source_feed, f);
		am_queue_commit(&f->ring, n);
	} else {
		resampler_run(&f->conv, f->obuf, n, file_source_feed, f);
		am_queue_write(&f->ring, f->obuf, n);
	}
	f->out_left -= n;
	return n;
}

/*
 * Decoder: take up the rate the node is now run at, if it changed:
 * seek to where the real-time side has got to, make a converter, and
 * publish from where in the ring frames are at that rate.
 */
static void
file_source_retune(struct file_source *f)
{
	uint32_t want = atomic_load_explicit(&f->want_rate,
	    memory_order_acquire);
	uint64_t rd, wr;
	sf_count_t pos = 0;
	char err[128];

	if (want == f->conv_rate)
		return;
	rd = atomic_load_explicit(&f->ring.rd, memory_order_acquire);
	wr = atomic_load_explicit(&f->ring.wr, memory_order_relaxed);
	if (f->conv_rate != 0 && rd > f->base_out)
		pos = f->base_in + (sf_count_t)((rd - f->base_out) *
		    f->file_rate / f->conv_rate);
	else if (f->conv_rate != 0)
		pos = f->base_in;
	if (f->loop)
		pos %= f->frames;
	else if (pos > f->frames)
		pos = f->frames;
	if (sf_seek(f->sf, pos, SEEK_SET) < 0)
		pos = sf_seek(f->sf, 0, SEEK_CUR);
	f->pass = (uint64_t)pos;
	f->sb_off = f->sb_len = 0;
	resampler_done(&f->conv);
	if (want != f->file_rate && resampler_init_ch(&f->conv, f->quality |
	    RESAMPLER_NONRT, (uint32_t)f->channels, f->file_rate, want,
	    FSRC_OUT, err, sizeof(err)) < 0)
		want = 0;	/* no memory: the real-time side plays silence */
	f->conv_rate = want;
	f->base_out = wr;
	f->base_in = pos;
	f->out_left = want == 0 ? 0 : ((uint64_t)(f->frames - pos) * want +
	    f->file_rate - 1) / f->file_rate;
	atomic_store_explicit(&f->eof, 0, memory_order_relaxed);
	atomic_store_explicit(&f->flush, wr << FSRC_RBITS | want,
	    memory_order_release);
}

/*
 * The decoder thread: fill the ring to the top, then sleep until the
 * real-time side (or done) writes the eventfd; the timeout only bounds
 * the wait should a wake-up ever be missed.
 */
void *
file_source_decoder(void *arg)
{
	struct file_source *f = arg;
	struct pollfd pfd;
	uint64_t cnt;
	uint32_t space;
	ssize_t rc;

	pthread_setname_np(pthread_self(), "amixd-fsrc");
	pfd.fd = f->evfd;
	pfd.events = POLLIN;
	while (!atomic_load_explicit(&f->quit, memory_order_acquire)) {
		atomic_store_explicit(&f->wake_sent, 0, memory_order_release);
		file_source_retune(f);
		while (!atomic_load_explicit(&f->eof, memory_order_relaxed) &&
		    !atomic_load_explicit(&f->quit, memory_order_relaxed) &&
		    f->conv_rate != 0 &&
		    atomic_load_explicit(&f->want_rate,
		    memory_order_relaxed) == f->conv_rate &&
		    (space = am_queue_space(&f->ring)) >= (f->conv_rate ==
		    f->file_rate ? 1 : FSRC_OUT)) {
			if (file_source_fill(f, space) == 0)
				atomic_store_explicit(&f->eof, 1,
				    memory_order_release);
		}
		if (poll(&pfd, 1, FSRC_WAIT_MS) > 0) {
			rc = read(f->evfd, &cnt, sizeof(cnt));
			(void)rc;
		}
	}
	return NULL;
}
