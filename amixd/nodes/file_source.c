/* SPDX-License-Identifier: MIT */
/*
 * file_source: plays a sound file, any format libsndfile reads (WAV,
 * FLAC, Ogg/Vorbis, AIFF, W64, RF64, CAF...), at any rate from 1 kHz to
 * 768 kHz, with all its channels, 1 to 64.
 *
 * Channels: the node gives the file's channels in the file's layout
 * (its layout hook, at plan time): the positions its channel map names
 * (a WAV's WAVE_FORMAT_EXTENSIBLE mask, an AIFF's or CAF's layout, read
 * by sndfile_layout.c), else the default layout of the count (FLAC's
 * and WAVE's order; AUX0... past eight). The "layout" argument relabels
 * them (same count) for a file whose map is missing or wrong. The ring
 * carries frames of the file's channels. Should a plan run the node
 * with another channel count than the file's (out_ch, 0 meaning
 * stereo, as every plan did before layouts), process copies the first
 * out_ch channels, repeats a mono file in each, and leaves any others
 * silent: a stereo graph plays a mono file on both sides and a wider
 * file's first two channels, as amixd always did.
 *
 * Decode-ahead: a decoder thread (file_source_decoder.c) reads the file
 * through libsndfile in chunks, as interleaved float, into an SPSC ring
 * holding at least two seconds at the file's rate (at most
 * FSRC_RING_MAX bytes: 64 channels at 768 kHz would need 400 MB); the
 * real-time thread
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
 * Threads: init, done, ready, rate, run_rate and layout on the control
 * thread (rate only while stopped); process and file_source_pull on the
 * real-time thread; file_source_decoder on its own I/O thread, the only
 * one that touches the SNDFILE and the converter after init.
 */

#include <sys/eventfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "chlayout.h"
#include "dl.h"
#include "file_source.h"
#include "log.h"
#include "node.h"
#include "resampler.h"
#include "queue.h"
#include "rt.h"
#include "sndfile_layout.h"
#include "util.h"

enum { FSRC_ARG_PATH, FSRC_ARG_LOOP, FSRC_ARG_QUALITY, FSRC_ARG_LAYOUT };

static const struct node_argdesc fsrc_args[] = {
	{ "path", NODE_ARG_PATH, 0, 0, 0, NULL, 1, 0 },
	{ "loop", NODE_ARG_BOOL, 0, 0, 0, NULL, 0, 0 },
	{ "quality", NODE_ARG_ENUM, 0, 0, RESAMPLER_BEST,
	    resampler_qualities, 0, 0 },
	{ "layout", NODE_ARG_STR, 0, 0, 0, NULL, 0, 0 },
};

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
 * Control: the ring's frames. Two seconds at the file's rate or the
 * graph's, the larger, rounded up to a power of two as am_queue does;
 * halved while that is over FSRC_RING_MAX bytes (many channels at a
 * high rate), never below four of the decoder's chunks.
 */
static uint32_t
file_source_ring_frames(const struct file_source *f, uint32_t rate)
{
	uint32_t want = FSRC_AHEAD * (f->file_rate > rate ? f->file_rate :
	    rate), cap;
	size_t frame = (size_t)f->channels * sizeof(float);

	for (cap = 1; cap < want; cap <<= 1)
		;
	while (cap > 4 * FSRC_CHUNK && cap * frame > FSRC_RING_MAX)
		cap >>= 1;
	return cap;
}

/*
 * Control: the layout of the file's channels: arg (the "layout"
 * argument, NULL if not given) relabels them, else the file's channel
 * map says them, else the default for the count. 0, or -EINVAL with a
 * message.
 */
static int
file_source_layout_init(struct file_source *f, const char *arg, char *err,
    size_t errlen)
{
	char why[128], buf[AM_LAYOUT_STRLEN];
	int rc;

	if (arg != NULL) {
		if (am_layout_parse(&f->layout, arg, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "layout: %s", why);
			return -EINVAL;
		}
		if (f->layout.n != f->channels) {
			snprintf(err, errlen, "layout: %s has %u channels, "
			    "%s has %d", arg, f->layout.n, f->path,
			    f->channels);
			return -EINVAL;
		}
		return 0;
	}
	rc = sndfile_layout_get(f->sf, f->channels, &f->layout, why,
	    sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "%s: %d channels (1 to %d are played)",
		    f->path, f->channels, FSRC_CHANNELS_MAX);
		return rc;
	}
	if (why[0] != '\0')
		logx(2, "%s: %s", f->path, why);
	logx(3, "%s: %d channels, %s", f->path, f->channels,
	    am_layout_str(&f->layout, buf, sizeof(buf)));
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
	rc = file_source_layout_init(f, v[FSRC_ARG_LAYOUT].str, err, errlen);
	if (rc < 0)
		goto fail_close;
	if (file_source_s16(&info))
		f->ibuf = xcalloc((size_t)FSRC_CHUNK * f->channels,
		    sizeof(short));
	f->sbuf = xcalloc((size_t)FSRC_CHUNK * f->channels, sizeof(float));
	f->obuf = xcalloc((size_t)FSRC_OUT * f->channels, sizeof(float));
	rc = am_queue_init(&f->ring, file_source_ring_frames(f, rate),
	    (uint32_t)f->channels * sizeof(float));
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
	free(f->sbuf);
	free(f->obuf);
	f->sbuf = f->obuf = NULL;
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
 * RT: up to frames frames from the ring into dst as och channels, not
 * the file's count (a plan that runs the node with fewer channels, or
 * stereo before plans had layouts): through scratch, FSRC_SCRATCH
 * frames at a time, the first och channels, a mono file's one in each,
 * silence in those the file lacks. Returns the frames taken. Out of
 * line (cold), so that the plain copy pays nothing for its loops.
 */
static __attribute__((noinline, cold)) uint32_t
file_source_take(struct file_source *f, float *dst, uint32_t frames,
    uint32_t och)
{
	uint32_t rch = (uint32_t)f->channels, done = 0, n, m, i, o;
	const float *s;
	float *d;

	while (done < frames) {
		m = frames - done < FSRC_SCRATCH ? frames - done :
		    FSRC_SCRATCH;
		n = am_queue_read(&f->ring, f->scratch, m);
		for (i = 0; i < n; i++) {
			s = f->scratch + (size_t)i * rch;
			d = dst + (size_t)(done + i) * och;
			for (o = 0; o < och; o++)
				d[o] = rch == 1 ? s[0] : o < rch ? s[o] :
				    0.0f;
		}
		done += n;
		if (n < m)
			break;
	}
	return done;
}

/*
 * RT: frames frames of och channels from the ring into dst. What the
 * ring lacks is silence: the end of the file once the decoder said eof,
 * an underrun before that. eof is loaded before the ring is read, so
 * every frame written before eof was set is seen.
 */
static void
file_source_pull(struct file_source *f, float *dst, uint32_t frames,
    uint32_t och)
{
	const struct node_cycle *c = f->cycle;
	uint32_t n;
	int eof;

	eof = atomic_load_explicit(&f->eof, memory_order_acquire);
	n = och == (uint32_t)f->channels ? am_queue_read(&f->ring, dst,
	    frames) : file_source_take(f, dst, frames, och);
	if (n == frames)
		return;
	memset(dst + (size_t)och * n, 0, (size_t)(frames - n) * och *
	    sizeof(float));
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
	uint32_t och = c->out_ch != 0 ? c->out_ch : 2, skip;
	uint64_t one = 1, flush, at, rd;
	ssize_t rc;

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
		file_source_pull(f, out, c->frames, och);
	else	/* the decoder has not taken up this rate yet */
		memset(out, 0, (size_t)c->frames * och * sizeof(float));
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

/*
 * Control, at plan time: the node gives the file's channels in its
 * layout (the file's, or the "layout" argument's); it takes no input.
 */
static int
file_source_layout(void *st, const struct am_layout *up,
    struct am_layout *in, struct am_layout *out, char *err, size_t errlen)
{
	struct file_source *f = st;

	(void)up;
	(void)err;
	(void)errlen;
	*in = f->layout;
	*out = f->layout;
	return 0;
}

const struct node_ops node_file_source_ops = {
	.type = "file_source",
	.size = sizeof(struct file_source),
	.flags = NODE_SOURCE,
	.args = fsrc_args,
	.nargs = 4,
	.init = file_source_init,
	.done = file_source_done,
	.process = file_source_process,
	.ready = file_source_ready,
	.rate = file_source_rate,
	.run_rate = file_source_run_rate,
	.layout = file_source_layout,
};
