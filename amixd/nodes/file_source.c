/* SPDX-License-Identifier: MIT */
/*
 * file_source: plays a sound file, any format libsndfile reads (WAV,
 * FLAC, Ogg/Vorbis, AIFF, W64, RF64, CAF...), at any rate from 1 kHz to
 * 768 kHz. Mono is duplicated to both channels; a file of more than two
 * channels plays its first two.
 *
 * Decode-ahead: a decoder thread reads the file through libsndfile in
 * chunks and converts it to interleaved stereo float into an SPSC ring
 * holding at least two seconds at the file's rate; the real-time thread
 * only reads that ring, never libsndfile. When the ring falls below
 * three quarters the real-time side wakes the decoder with one write(2)
 * to a non-blocking eventfd (at most once per refill: wake_sent), as rt.c
 * wakes the control thread; the decoder then fills the ring to the top
 * and sleeps in poll(2) on that eventfd again.
 *
 * Rates: the decoder thread converts, off the real-time path and on
 * whichever core is free, so the ring holds frames at the rate the node
 * runs at and the real-time side only copies. That rate is the graph's,
 * or a resample node's when the source sits in its domain: plan_new
 * tells the node (run_rate, control thread) each time it compiles a
 * plan. A new rate is handed to the decoder (want_rate, then a wake-up):
 * it seeks the file to where the real-time side has got to (frame 0
 * when nothing has played yet), makes a converter for the new rate
 * (resampler.c with RESAMPLER_NONRT: libsoxr, which may allocate, as the
 * decoder thread may) and publishes in one atomic word (flush) the ring
 * position from which frames are at that rate and the rate itself. The
 * real-time side skips what the ring holds before that position, and
 * plays silence while the ring's rate is not the one it runs at (only
 * while a graph is being rewired live: a plan and its rate come
 * together). A render waits in ready() until the decoder has caught up,
 * so it stays deterministic. A file at exactly the rate run at is
 * copied, bit for bit; a looping file loops before conversion, so the
 * loop stays seamless.
 *
 * The end: the decoder sets eof once the last frame is in the ring; when
 * the real-time side then finds the ring dry it plays silence and sends
 * one NODE_EV_EOF. With loop the decoder seeks back to frame 0 instead,
 * so the ring holds the end of the file followed by its start: the loop
 * is sample-exact. A ring found dry before eof is an underrun: the gap is
 * zero-filled, counted, and reported with NODE_EV_UNDERRUN, at most ten
 * times a second per node (the event ring is small), each event carrying
 * the frames zero-filled since the previous one. For an offline render
 * ready() answers 1 only when the ring holds what the next period can
 * take, so a render never underruns and stays deterministic.
 *
 * Opening: init opens the path itself with O_NONBLOCK and checks that it
 * is a regular file before libsndfile sees it, so a FIFO or a device node
 * never blocks the control thread; it then decodes the first chunk, so a
 * file whose header is fine but whose audio is not fails at create_node
 * rather than later.
 *
 * Threads: init, done, ready, rate and run_rate on the control thread
 * (rate only while stopped); process and file_source_pull on the
 * real-time thread; file_source_decoder on its own I/O thread, the only
 * one that touches the SNDFILE and the converter after init.
 */

#include <sys/eventfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "afmt.h"
#include "dl.h"
#include "node.h"
#include "resampler.h"
#include "queue.h"
#include "rt.h"
#include "util.h"

#define FSRC_CHUNK	8192		/* frames per read */
#define FSRC_OUT	2048		/* converted frames per write */
#define FSRC_RBITS	20		/* flush word: rate bits */
#define FSRC_RMASK	((1u << FSRC_RBITS) - 1)
#define FSRC_AHEAD	2		/* ring, seconds at the file's rate */
#define FSRC_RATE_MIN	1000		/* Hz */
#define FSRC_RATE_MAX	768000		/* Hz */
#define FSRC_CHANNELS_MAX 64
#define FSRC_WAIT_MS	1000		/* decoder's poll bound */
#define FSRC_EV_PER_SEC	10		/* underrun events, at most */

enum { FSRC_ARG_PATH, FSRC_ARG_LOOP, FSRC_ARG_QUALITY };

static const struct node_argdesc fsrc_args[] = {
	{ "path", NODE_ARG_PATH, 0, 0, 0, NULL, 1, 0 },
	{ "loop", NODE_ARG_BOOL, 0, 0, 0, NULL, 0, 0 },
	{ "quality", NODE_ARG_ENUM, 0, 0, RESAMPLER_BEST,
	    resampler_qualities, 0, 0 },
};

struct file_source {
	char *path;
	int loop;
	int quality;			/* RESAMPLER_* */
	int channels;			/* in the file */
	uint32_t file_rate;		/* Hz */
	uint32_t graph_rate;		/* Hz */
	struct am_queue ring;		/* stereo float frames, flush rate */
	uint32_t low;			/* wake the decoder below, frames */
	int evfd;			/* wakes the decoder, or -1 */
	_Atomic int wake_sent;		/* RT woke it; decoder not yet up */
	_Atomic int eof;		/* the ring holds all that is left */
	_Atomic int quit;
	_Atomic uint32_t want_rate;	/* control: the rate run at */
	_Atomic uint64_t flush;		/* ring pos << FSRC_RBITS | rate */
	sf_count_t frames;		/* in the file */

	/* Decoder thread (init before it starts). */
	SNDFILE *sf;
	pthread_t decoder;
	int decoder_on;
	uint64_t pass;			/* frames read since frame 0 */
	float *dbuf;			/* FSRC_CHUNK * channels */
	short *ibuf;			/* the same, 16-bit WAVs; or NULL */
	float *sbuf;			/* FSRC_CHUNK * 2 */
	float *obuf;			/* FSRC_OUT * 2, converted */
	struct resampler conv;		/* file rate -> conv_rate */
	uint32_t conv_rate;		/* the ring's rate, 0 before any */
	uint64_t base_out;		/* ring pos of the last flush */
	sf_count_t base_in;		/* file frame there */
	uint64_t out_left;		/* frames still to make, no loop */
	uint32_t sb_off, sb_len;	/* sbuf frames not yet converted */

	/* Real-time thread. */
	const struct node_cycle *cycle;	/* the period being pulled */
	int eof_sent;
	uint64_t out;			/* frames produced */
	uint64_t under;			/* frames zero-filled, unreported */
	uint64_t under_at;		/* out at the last underrun event */
	int under_once;			/* an underrun event was sent */
};

/*
 * Decoder (or init): up to want frames (at most FSRC_CHUNK) of the file
 * as float into buf. 16-bit PCM WAVs are read as they are stored and
 * converted by am_afmt_decode, which gives the floats libsndfile would
 * (s / 32768) in one read(2) of the chunk instead of one per 8 KiB
 * and with vector code: the 16-bit file mix reads 16 files at once.
 */
static sf_count_t
file_source_readf(struct file_source *f, float *buf, uint32_t want)
{
	sf_count_t got;

	if (f->ibuf == NULL)
		return sf_readf_float(f->sf, buf, want);
	got = sf_readf_short(f->sf, f->ibuf, want);
	if (got > 0)
		am_afmt_decode(AM_AFMT_S16, buf, f->ibuf, (size_t)got *
		    f->channels);
	return got;
}

/*
 * Decoder (or init, before the decoder starts): read up to want frames,
 * at most FSRC_CHUNK, as stereo into sbuf. Seeks back to the start at
 * the end of the file when looping. Returns the frames read, 0 at the
 * end.
 */
static uint32_t
file_source_read(struct file_source *f, uint32_t want)
{
	float *buf = f->channels == 2 ? f->sbuf : f->dbuf;
	sf_count_t got;
	uint32_t i, n;
	int ch = f->channels;

	if (want > FSRC_CHUNK)
		want = FSRC_CHUNK;
	got = file_source_readf(f, buf, want);
	if (got <= 0 && f->loop && f->pass > 0) {
		if (sf_seek(f->sf, 0, SEEK_SET) < 0)
			return 0;
		f->pass = 0;
		got = file_source_readf(f, buf, want);
	}
	if (got <= 0)
		return 0;
	n = (uint32_t)got;
	f->pass += n;
	if (ch == 1) {
		for (i = 0; i < n; i++)
			f->sbuf[2 * i] = f->sbuf[2 * i + 1] = buf[i];
	} else if (ch > 2) {
		for (i = 0; i < n; i++) {
			f->sbuf[2 * i] = buf[(size_t)i * ch];
			f->sbuf[2 * i + 1] = buf[(size_t)i * ch + 1];
		}
	}
	return n;
}

/*
 * Decoder: the converter's input callback. frames of the file, from
 * what sbuf still holds then fresh reads; silence past the end.
 */
static void
file_source_feed(void *ctx, float *dst, uint32_t frames)
{
	struct file_source *f = ctx;
	uint32_t k;

	while (frames > 0) {
		if (f->sb_len == 0) {
			f->sb_off = 0;
			f->sb_len = file_source_read(f, FSRC_CHUNK);
			if (f->sb_len == 0) {
				memset(dst, 0, (size_t)frames * 2 *
				    sizeof(float));
				return;
			}
		}
		k = frames < f->sb_len ? frames : f->sb_len;
		memcpy(dst, f->sbuf + 2 * f->sb_off, (size_t)k * 2 *
		    sizeof(float));
		dst += 2 * k;
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
 * same run to run.
 */
static uint32_t
file_source_fill(struct file_source *f, uint32_t space)
{
	uint32_t n;

	if (f->conv_rate == f->file_rate) {
		n = file_source_read(f, space);
		am_queue_write(&f->ring, f->sbuf, n);
		return n;
	}
	n = space < FSRC_OUT ? space : FSRC_OUT;
	if (!f->loop && f->out_left < n)
		n = (uint32_t)f->out_left;
	if (n == 0)
		return 0;
	resampler_run(&f->conv, f->obuf, n, file_source_feed, f);
	am_queue_write(&f->ring, f->obuf, n);
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
	if (want != f->file_rate && resampler_init(&f->conv, f->quality |
	    RESAMPLER_NONRT, f->file_rate, want, FSRC_OUT, err,
	    sizeof(err)) < 0)
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
static void *
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

/* Control: wake the decoder. */
static void
file_source_wake(struct file_source *f)
{
	uint64_t one = 1;
	ssize_t rc;

	rc = write(f->evfd, &one, sizeof(one));
	(void)rc;	/* EAGAIN: the counter is already non-zero */
}

/*
 * Control: open path as a regular file without ever blocking, then hand
 * it to libsndfile. 0, or -errno with a message.
 */
static int
file_source_open(struct file_source *f, SF_INFO *info, char *err,
    size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (dl_sndfile_load(err, errlen) < 0)
		return -ENOSYS;
	fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", f->path,
		    strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", f->path, S_ISDIR(st.st_mode) ?
		    "is a directory" : "not a regular file (no devices or "
		    "FIFOs)");
		close(fd);
		return -EINVAL;
	}
	/* Regular files ignore O_NONBLOCK; clear it all the same. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	memset(info, 0, sizeof(*info));
	f->sf = sf_open_fd(fd, SFM_READ, info, SF_TRUE);
	if (f->sf == NULL) {
		snprintf(err, errlen, "%s: not a sound file libsndfile can "
		    "read: %s", f->path, sf_strerror(NULL));
		close(fd);
		return -EINVAL;
	}
	return 0;
}

/*
 * Control: 1 for a 16-bit PCM WAV (or W64, RF64) on a little-endian
 * machine, whose samples am_afmt_decode converts as libsndfile would.
 */
static int
file_source_s16(const SF_INFO *info)
{
	int major = info->format & SF_FORMAT_TYPEMASK;

	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ ||
	    (info->format & SF_FORMAT_SUBMASK) != SF_FORMAT_PCM_16)
		return 0;
	return major == SF_FORMAT_WAV || major == SF_FORMAT_WAVEX ||
	    major == SF_FORMAT_W64 || major == SF_FORMAT_RF64;
}

/* Control: check what the header says. 0, or -EINVAL with a message. */
static int
file_source_check(struct file_source *f, const SF_INFO *info, char *err,
    size_t errlen)
{
	if (info->channels < 1 || info->channels > FSRC_CHANNELS_MAX) {
		snprintf(err, errlen, "%s: %d channels (1 to %d are played)",
		    f->path, info->channels, FSRC_CHANNELS_MAX);
		return -EINVAL;
	}
	if (info->samplerate < FSRC_RATE_MIN ||
	    info->samplerate > FSRC_RATE_MAX) {
		snprintf(err, errlen, "%s: sample rate %d Hz (%d to %d Hz "
		    "are played)", f->path, info->samplerate, FSRC_RATE_MIN,
		    FSRC_RATE_MAX);
		return -EINVAL;
	}
	if (info->frames <= 0) {
		snprintf(err, errlen, "%s: holds no audio frames", f->path);
		return -EINVAL;
	}
	return 0;
}

/*
 * Control: open and check the file, set up the ring and the converter,
 * decode the first chunk and start the decoder. 0, or -errno with a
 * message in err, and then nothing is left open or allocated.
 */
static int
file_source_init(void *st, const struct node_val *v, uint32_t rate,
    char *err, size_t errlen)
{
	struct file_source *f = st;
	SF_INFO info;
	uint32_t n;
	int rc;

	f->evfd = -1;
	f->path = xstrdup(v[FSRC_ARG_PATH].str);
	f->loop = v[FSRC_ARG_LOOP].num != 0;
	f->quality = (int)v[FSRC_ARG_QUALITY].num;
	f->graph_rate = rate;
	rc = file_source_open(f, &info, err, errlen);
	if (rc < 0)
		goto fail;
	rc = file_source_check(f, &info, err, errlen);
	if (rc < 0)
		goto fail_close;
	f->channels = info.channels;
	f->file_rate = (uint32_t)info.samplerate;
	f->frames = info.frames;
	f->dbuf = xcalloc((size_t)FSRC_CHUNK * f->channels, sizeof(float));
	if (file_source_s16(&info))
		f->ibuf = xcalloc((size_t)FSRC_CHUNK * f->channels,
		    sizeof(short));
	f->sbuf = xcalloc((size_t)FSRC_CHUNK * 2, sizeof(float));
	f->obuf = xcalloc((size_t)FSRC_OUT * 2, sizeof(float));
	/* Two seconds at the file's rate or the graph's, the larger. */
	rc = am_queue_init(&f->ring, FSRC_AHEAD * (f->file_rate > rate ?
	    f->file_rate : rate), 2 * sizeof(float));
	if (rc < 0) {
		snprintf(err, errlen, "file_source: no memory for its ring");
		goto fail_bufs;
	}
	/* Touch the ring now: the real-time thread must not page-fault. */
	memset(f->ring.data, 0, (size_t)f->ring.cap * f->ring.recsz);
	f->low = f->ring.cap / 4 * 3;
	/*
	 * The first chunk now, then back to the start: audio that cannot
	 * be decoded fails here. The decoder starts converting for the
	 * graph rate until a plan says otherwise.
	 */
	n = file_source_read(f, FSRC_CHUNK);
	if (n == 0 || sf_seek(f->sf, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "%s: no audio could be decoded: %s",
		    f->path, n == 0 ? sf_strerror(f->sf) : "cannot seek");
		rc = -EINVAL;
		goto fail_rs;
	}
	f->pass = 0;
	atomic_store(&f->want_rate, rate);
	f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->evfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "file_source: eventfd: %s",
		    strerror(errno));
		goto fail_rs;
	}
	rc = -pthread_create(&f->decoder, NULL, file_source_decoder, f);
	if (rc < 0) {
		snprintf(err, errlen, "file_source: cannot start decoder: %s",
		    strerror(-rc));
		goto fail_ev;
	}
	f->decoder_on = 1;
	return 0;
fail_ev:
	close(f->evfd);
	f->evfd = -1;
fail_rs:
	am_queue_done(&f->ring);
fail_bufs:
	free(f->ibuf);
	free(f->dbuf);
	free(f->sbuf);
	free(f->obuf);
	f->dbuf = f->sbuf = f->obuf = NULL;
	f->ibuf = NULL;
fail_close:
	sf_close(f->sf);
	f->sf = NULL;
fail:
	free(f->path);
	f->path = NULL;
	return rc;
}

/* Control, after the real-time thread let go of the node. */
static void
file_source_done(void *st)
{
	struct file_source *f = st;

	if (f->decoder_on) {
		atomic_store_explicit(&f->quit, 1, memory_order_release);
		file_source_wake(f);
		pthread_join(f->decoder, NULL);
	}
	if (f->evfd >= 0)
		close(f->evfd);
	if (f->sf != NULL)
		sf_close(f->sf);
	resampler_done(&f->conv);
	am_queue_done(&f->ring);
	free(f->ibuf);
	free(f->dbuf);
	free(f->sbuf);
	free(f->obuf);
	free(f->path);
}

/*
 * Control, render: 1 when the next period of frames frames cannot run
 * the ring dry, or nothing more will come; 0 while the decoder has not
 * taken up the rate the last plan asked for. A period takes about
 * frames * ring rate / graph_rate from the ring, and a resample node
 * downstream may take a few blocks more while it fills: ask for four
 * blocks and a chunk, but never for more than half the ring, which the
 * decoder tops up long before.
 */
static int
file_source_ready(void *st, uint32_t frames)
{
	struct file_source *f = st;
	uint64_t flush, at, rd;
	uint32_t need, rate;

	flush = atomic_load_explicit(&f->flush, memory_order_acquire);
	rate = (uint32_t)(flush & FSRC_RMASK);
	at = flush >> FSRC_RBITS;
	if (rate == 0 || rate != atomic_load_explicit(&f->want_rate,
	    memory_order_relaxed)) {
		file_source_wake(f);	/* a new rate not taken up yet */
		return 0;
	}
	if (atomic_load_explicit(&f->eof, memory_order_acquire))
		return 1;
	/*
	 * Frames at the rate before take room the decoder needs: drop
	 * them. ready() runs only for a render, on the thread that also
	 * runs the periods (rt_cycle), so it may act as the consumer.
	 */
	rd = atomic_load_explicit(&f->ring.rd, memory_order_relaxed);
	if (rd < at)
		am_queue_skip(&f->ring, (uint32_t)(at - rd));
	need = 4 * resampler_block(frames, rate, f->graph_rate) + FSRC_CHUNK;
	if (need > f->ring.cap / 2)
		need = f->ring.cap / 2;
	if (am_queue_count(&f->ring) >= need)
		return 1;
	file_source_wake(f);
	return 0;
}

/*
 * Control, stopped: the graph rate changed. The next plan says the
 * rate the node will run at (run_rate); nothing to make here.
 */
static int
file_source_rate(void *st, uint32_t rate, char *err, size_t errlen)
{
	struct file_source *f = st;

	(void)err;
	(void)errlen;
	f->graph_rate = rate;
	return 0;
}

/* Control, from plan_new: the node will run at rate; tell the decoder. */
static void
file_source_run_rate(void *st, uint32_t rate)
{
	struct file_source *f = st;

	if (atomic_exchange_explicit(&f->want_rate, rate,
	    memory_order_acq_rel) != rate)
		file_source_wake(f);
}

/*
 * RT: frames stereo frames from the ring into dst. What the ring lacks
 * is silence: the end of the file once the decoder said eof, an
 * underrun before that. eof is loaded before the ring is read, so every
 * frame written before eof was set is seen.
 */
static void
file_source_pull(void *ctx, float *dst, uint32_t frames)
{
	struct file_source *f = ctx;
	const struct node_cycle *c = f->cycle;
	uint32_t n;
	int eof;

	eof = atomic_load_explicit(&f->eof, memory_order_acquire);
	n = am_queue_read(&f->ring, dst, frames);
	if (n == frames)
		return;
	memset(dst + 2 * n, 0, (size_t)(frames - n) * 2 * sizeof(float));
	if (eof) {
		/* Sent once; a full event queue drops it: next period. */
		if (!f->eof_sent && node_event(c, NODE_EV_EOF, 0) == 0)
			f->eof_sent = 1;
		return;
	}
	atomic_store_explicit(&c->stats->underruns,
	    atomic_load_explicit(&c->stats->underruns,
	    memory_order_relaxed) + 1, memory_order_relaxed);
	f->under += frames - n;
}

/*
 * RT: report zero-filled frames, at most FSRC_EV_PER_SEC times a second
 * of output; what waits is added to the next report.
 */
static void
file_source_report(struct file_source *f, const struct node_cycle *c)
{
	if (f->under == 0)
		return;
	if (f->under_once && f->out - f->under_at < c->rate / FSRC_EV_PER_SEC)
		return;
	node_event(c, NODE_EV_UNDERRUN, f->under);
	f->under = 0;
	f->under_at = f->out;
	f->under_once = 1;
}

/* RT: one period of the file, converted to the rate run at. */
static void
file_source_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct file_source *f = st;
	uint64_t one = 1;
	ssize_t rc;

	uint64_t flush, at, rd;
	uint32_t skip;

	(void)in;
	flush = atomic_load_explicit(&f->flush, memory_order_acquire);
	at = flush >> FSRC_RBITS;
	rd = atomic_load_explicit(&f->ring.rd, memory_order_relaxed);
	if (rd < at) {	/* frames at the rate before: dropped */
		skip = am_queue_count(&f->ring);
		if (skip > at - rd)
			skip = (uint32_t)(at - rd);
		am_queue_skip(&f->ring, skip);
	}
	f->cycle = c;
	if ((flush & FSRC_RMASK) == c->rate)
		file_source_pull(f, out, c->frames);
	else	/* the decoder has not taken up this rate yet */
		memset(out, 0, (size_t)c->frames * 2 * sizeof(float));
	f->cycle = NULL;
	f->out += c->frames;
	file_source_report(f, c);
	if (am_queue_count(&f->ring) < f->low &&
	    !atomic_load_explicit(&f->eof, memory_order_relaxed) &&
	    !atomic_exchange_explicit(&f->wake_sent, 1,
	    memory_order_acq_rel)) {
		rc = write(f->evfd, &one, sizeof(one));
		(void)rc;
	}
}

const struct node_ops node_file_source_ops = {
	.type = "file_source",
	.size = sizeof(struct file_source),
	.flags = NODE_SOURCE,
	.args = fsrc_args,
	.nargs = 3,
	.init = file_source_init,
	.done = file_source_done,
	.process = file_source_process,
	.ready = file_source_ready,
	.rate = file_source_rate,
	.run_rate = file_source_run_rate,
};
