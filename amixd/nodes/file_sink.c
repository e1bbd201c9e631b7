/* SPDX-License-Identifier: MIT */
/*
 * file_sink: records its input to a sound file through libsndfile.
 *
 * The real-time thread only copies each period into an SPSC ring; a
 * write-behind thread drains the ring into the file, so no file I/O ever
 * happens on the real-time path. If the ring is full the frames are lost,
 * counted as overruns, and reported with NODE_EV_OVERRUN at most ten
 * times a second (the event ring is small; each event carries every
 * frame lost since the previous one); the real-time thread moves on. The
 * writer brings the header up to date at least once a second (every
 * FS_HEADER_NS while audio arrives), so a daemon killed with SIGKILL
 * leaves a readable file missing at most that last stretch. flush (stop,
 * render end) only asks the writer to put everything on disk and returns;
 * flushed says, without waiting, whether it has. done (destroy_node,
 * daemon exit on any terminating signal) drains the ring and finalizes
 * the file. Integer output goes through lib/afmt: 16-bit gets TPDF
 * dither from a fixed seed where a sample is not exact (renders stay
 * deterministic, a 16-bit source at 0 dB is recorded bit-perfect);
 * 24-bit is rounded and clipped, not dithered. Float files keep what is
 * beyond full scale; in every format such samples are counted in the
 * node's "clipped".
 *
 * A WAV is written as RF64 that libsndfile downgrades to a plain RIFF
 * WAVE while the file stays under 4 GiB (SFC_RF64_AUTO_DOWNGRADE): a
 * recording of any length stays readable.
 *
 * A failed write (a full disk, a file size limit, an I/O error) ends the
 * recording, not the node: the writer cuts the file back to the last
 * whole frame it wrote, brings the header up to date, keeps the reason
 * (errno, else libsndfile's message) and raises werr. From then on it
 * only empties the ring, and the real-time side stops filling it, counts
 * every frame since the last good one as overruns and sends one
 * NODE_EV_ERROR; the control thread takes the message from error. When
 * the failure comes after the last period (the writer drains the ring
 * after a stop or a render), the control thread sweeps error once the
 * sink is flushed: error then counts the loss itself, so either side
 * counts it once (err_counted). The engine and every other node go on.
 *
 * The path is opened here with O_NONBLOCK and must be a regular file: a
 * FIFO or a device node is refused instead of blocking the control
 * thread in open(2).
 *
 * Threads: init/done/flush/flushed/error/rate on the control thread,
 * process on the real-time thread, file_sink_writer on its own I/O
 * thread. rate runs only while stopped, and stops the writer while it
 * reopens the file.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sndfile.h>

#include "afmt.h"
#include "clock.h"
#include "dl.h"
#include "log.h"
#include "node.h"
#include "queue.h"
#include "util.h"

#define FS_RING_FRAMES	(1 << 17)	/* ~2.7 s at 48 kHz */
#define FS_CHUNK	4096		/* frames per write */
#define FS_HEADER_NS	(AM_NSEC_PER_SEC / 2)
#define FS_IDLE_NS	5000000		/* writer poll, 5 ms */
#define FS_EV_PER_SEC	10		/* overrun events, at most */

static const char *const fs_formats[] = {
	"auto", "wav", "flac", "w64", "rf64", "aiff", "raw", NULL
};
static const char *const fs_samples[] = {
	"auto", "f32", "s16", "s24", NULL
};

enum { FS_ARG_PATH, FS_ARG_FORMAT, FS_ARG_SAMPLE };
enum { FS_AUTO, FS_WAV, FS_FLAC, FS_W64, FS_RF64, FS_AIFF, FS_RAW };
enum { FS_S_AUTO, FS_F32, FS_S16, FS_S24 };

static const struct node_argdesc fs_args[] = {
	{ "path", NODE_ARG_NEWPATH, 0, 0, 0, NULL, 1, 0 },
	{ "format", NODE_ARG_ENUM, 0, 0, FS_AUTO, fs_formats, 0, 0 },
	{ "sample", NODE_ARG_ENUM, 0, 0, FS_S_AUTO, fs_samples, 0, 0 },
};

struct file_sink {
	SNDFILE *sf;
	int stampfd;			/* float RF64: see file_sink_unstamp */
	char *path;
	int major;			/* SF_FORMAT_* container */
	int sample;			/* FS_F32, FS_S16, FS_S24 */
	uint32_t rate;			/* Hz */
	struct am_queue ring;		/* frames: 2 floats each */
	pthread_t writer;
	int writer_on;
	_Atomic int quit;
	_Atomic uint64_t flush_req;
	_Atomic uint64_t flush_done;
	_Atomic uint64_t flush_at;	/* taken when flush_done was stored */
	_Atomic uint64_t pushed;	/* frames into the ring, RT */
	_Atomic uint64_t taken;		/* frames out of the ring, writer */
	uint64_t written;		/* frames to libsndfile, writer only */
	_Atomic int werr;		/* errno of the failed write, or 0 */
	_Atomic uint64_t good;		/* frames in the file when it failed */
	char errmsg[256];		/* why, set before werr; then constant */
	_Atomic int err_counted;	/* the loss was counted: RT or error */
	int err_asked;			/* error gave the text, control */
	_Atomic(struct node_stats *) stats;	/* borrowed, set by RT */
	int err_seen;			/* werr seen, RT */
	int err_sent;			/* NODE_EV_ERROR queued, RT */
	uint32_t dither;		/* PRNG state, writer only */
	float fbuf[FS_CHUNK * 2];	/* writer only */
	short sbuf[FS_CHUNK * 2];	/* writer only */
	int ibuf[FS_CHUNK * 2];		/* writer only */
	uint64_t out;			/* frames seen, RT */
	uint64_t lost;			/* frames lost, unreported, RT */
	_Atomic uint64_t lost_total;	/* frames lost: RT, or error */
	uint64_t lost_at;		/* out at the last overrun event, RT */
	int lost_once;			/* an overrun event was sent, RT */
};

/* Container from the name's extension, for format "auto". */
static int
file_sink_guess(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL)
		return FS_WAV;
	if (strcasecmp(dot, ".flac") == 0)
		return FS_FLAC;
	if (strcasecmp(dot, ".w64") == 0)
		return FS_W64;
	if (strcasecmp(dot, ".rf64") == 0)
		return FS_RF64;
	if (strcasecmp(dot, ".aif") == 0 || strcasecmp(dot, ".aiff") == 0)
		return FS_AIFF;
	if (strcasecmp(dot, ".raw") == 0 || strcasecmp(dot, ".f32") == 0)
		return FS_RAW;
	return FS_WAV;
}

static int
file_sink_open(struct file_sink *f, char *err, size_t errlen)
{
	/* "wav" is RF64 that stays RIFF WAVE under 4 GiB: see below. */
	static const int majors[] = {
		0, SF_FORMAT_RF64, SF_FORMAT_FLAC, SF_FORMAT_W64,
		SF_FORMAT_RF64, SF_FORMAT_AIFF, SF_FORMAT_RAW
	};
	static const int subs[] = {
		0, SF_FORMAT_FLOAT, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24
	};
	SF_INFO info;
	struct stat st;
	int fd, rc, unstamp;

	if (dl_sndfile_load(err, errlen) < 0)
		return -ENOSYS;
	memset(&info, 0, sizeof(info));
	info.samplerate = (int)f->rate;
	info.channels = 2;
	info.format = majors[f->major] | subs[f->sample];
	if (f->major == FS_RAW)
		info.format |= SF_ENDIAN_LITTLE;
	if (!sf_format_check(&info)) {
		snprintf(err, errlen, "%s: format and sample do not go "
		    "together (flac holds s16 or s24)", f->path);
		return -EINVAL;
	}
	/* Say why a FIFO without a reader fails (ENXIO) plainly. */
	if (stat(f->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot write: not a regular file "
		    "(no directories, devices or FIFOs)", f->path);
		return -EINVAL;
	}
	/* Float RF64 (and so WAV) is read back at the end: unstamp. */
	unstamp = (f->major == FS_RF64 || f->major == FS_WAV) &&
	    f->sample == FS_F32;
	fd = open(f->path, (unstamp ? O_RDWR : O_WRONLY) | O_CREAT |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot write: %s", f->path,
		    strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot write: not a regular file "
		    "(no directories, devices or FIFOs)", f->path);
		close(fd);
		return -EINVAL;
	}
	/* A regular file: O_NONBLOCK means nothing; empty it now. */
	if (ftruncate(fd, 0) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot write: %s", f->path,
		    strerror(errno));
		close(fd);
		return rc;
	}
	f->sf = sf_open_fd(fd, SFM_WRITE, &info, SF_TRUE);
	if (f->sf == NULL) {
		snprintf(err, errlen, "%s: cannot write: %s", f->path,
		    sf_strerror(NULL));
		close(fd);
		return -EACCES;
	}
	if (unstamp)
		f->stampfd = dup(fd);
	/*
	 * A plain RIFF WAVE (with a WAVE_FORMAT_EXTENSIBLE fmt chunk) while
	 * it holds less than 4 GiB, RF64 past that: set before any write.
	 */
	if (f->major == FS_WAV)
		sf_command(f->sf, SFC_RF64_AUTO_DOWNGRADE, NULL, SF_TRUE);
	/* The PEAK chunk carries a timestamp: renders would differ. */
	sf_command(f->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	/* Float to integer in libsndfile wraps above full scale: clip. */
	if (f->sample != FS_F32)
		sf_command(f->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	return 0;
}

/*
 * Control, after sf_close: libsndfile gives a float RF64 file a PEAK
 * chunk stamped with the time of its last header write, and RF64 does
 * not take SFC_SET_ADD_PEAK_CHUNK: zero the stamp, so two renders stay
 * identical. Walks the chunks up to "data"; leaves anything odd alone.
 */
static void
file_sink_unstamp(struct file_sink *f)
{
	static const unsigned char zero[4];
	unsigned char h[512];
	uint32_t size;
	ssize_t n, rc;
	size_t off;

	if (f->stampfd < 0)
		return;
	n = pread(f->stampfd, h, sizeof(h), 0);
	for (off = 12; n > 0 && off + 20 <= (size_t)n; off += 8 + size +
	    (size & 1)) {
		size = h[off + 4] | h[off + 5] << 8 | h[off + 6] << 16 |
		    (uint32_t)h[off + 7] << 24;
		if (memcmp(h + off, "data", 4) == 0)
			break;
		if (memcmp(h + off, "PEAK", 4) == 0 && size >= 8) {
			rc = pwrite(f->stampfd, zero, 4, (off_t)off + 12);
			(void)rc;
			break;
		}
	}
	close(f->stampfd);
	f->stampfd = -1;
}

/*
 * Writer: a write failed with errno e (0: libsndfile did not say). Cut
 * the file back to the frames written whole, bring its header up to
 * date, keep the reason in errmsg, then raise werr for the RT side and
 * error. Nothing more is written to this file.
 */
static void
file_sink_fail(struct file_sink *f, int e)
{
	sf_count_t frames = (sf_count_t)f->written;
	char buf[128];
	const char *why;

	why = e != 0 ? strerror_r(e, buf, sizeof(buf)) : sf_strerror(f->sf);
	snprintf(f->errmsg, sizeof(f->errmsg), "%s: recording stopped after "
	    "%llu frames: %s", f->path, (unsigned long long)f->written, why);
	/* A partial frame or a torn last write must not count as audio. */
	sf_command(f->sf, SFC_FILE_TRUNCATE, &frames, sizeof(frames));
	sf_command(f->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
	sf_write_sync(f->sf);
	atomic_store_explicit(&f->good, f->written, memory_order_relaxed);
	atomic_store_explicit(&f->werr, e != 0 ? e : EIO,
	    memory_order_release);
}

/*
 * Writer: n frames of fbuf to the file in the chosen sample format.
 * 0, or -1 when the write failed (file_sink_fail has run).
 */
static int
file_sink_write(struct file_sink *f, uint32_t n)
{
	uint64_t clipped = 0;		/* counted by process already */
	sf_count_t got;
	uint32_t i;
	int e;

	if (f->sample == FS_S16) {
		for (i = 0; i < n * 2; i++)
			f->sbuf[i] = (short)am_afmt_quant(f->fbuf[i], 16,
			    &f->dither, &clipped);
		errno = 0;
		got = sf_writef_short(f->sf, f->sbuf, n);
	} else if (f->sample == FS_S24) {
		/* libsndfile takes the top 24 bits of an int. */
		for (i = 0; i < n * 2; i++)
			f->ibuf[i] = (int)((uint32_t)am_afmt_quant(f->fbuf[i],
			    24, NULL, &clipped) << 8);
		errno = 0;
		got = sf_writef_int(f->sf, f->ibuf, n);
	} else {
		errno = 0;
		got = sf_writef_float(f->sf, f->fbuf, n);
	}
	e = errno;
	if (got > 0)
		f->written += (uint64_t)got;
	if (got == (sf_count_t)n)
		return 0;
	file_sink_fail(f, e);
	return -1;
}

/*
 * The write-behind thread: drains the ring, brings the header up to date
 * every FS_HEADER_NS while audio arrives (even when it never catches up
 * with the ring), answers flush requests once the ring is empty, and on
 * quit drains what is left before returning.
 */
static void *
file_sink_writer(void *arg)
{
	struct file_sink *f = arg;
	struct timespec idle;
	uint64_t last_header = am_clock_ns(), req, now;
	uint32_t n;
	int quit, dirty = 0;

	pthread_setname_np(pthread_self(), "amixd-fsink");
	am_clock_ts(FS_IDLE_NS, &idle);
	for (;;) {
		quit = atomic_load_explicit(&f->quit, memory_order_acquire);
		req = atomic_load_explicit(&f->flush_req,
		    memory_order_acquire);
		n = am_queue_read(&f->ring, f->fbuf, FS_CHUNK);
		/* After a failed write the ring is only emptied. */
		if (n > 0 && atomic_load_explicit(&f->werr,
		    memory_order_relaxed) == 0 && file_sink_write(f, n) == 0)
			dirty = 1;
		atomic_store_explicit(&f->taken, atomic_load_explicit(
		    &f->taken, memory_order_relaxed) + n,
		    memory_order_relaxed);
		now = am_clock_ns();
		if (dirty && now - last_header >= FS_HEADER_NS) {
			sf_command(f->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
			last_header = now;
			dirty = 0;
		}
		if (n == FS_CHUNK)
			continue;	/* more waiting: no flush, no sleep */
		if (req != atomic_load(&f->flush_done)) {
			sf_command(f->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
			sf_write_sync(f->sf);
			last_header = now;
			dirty = 0;
			/* The ring was empty: all taken so far is on disk. */
			atomic_store(&f->flush_at, atomic_load(&f->taken));
			atomic_store_explicit(&f->flush_done, req,
			    memory_order_release);
		}
		if (quit)
			break;
		nanosleep(&idle, NULL);
	}
	return NULL;
}

/* Control: start the writer thread. 0, or -errno with a message. */
static int
file_sink_writer_start(struct file_sink *f, char *err, size_t errlen)
{
	int rc;

	atomic_store(&f->quit, 0);
	rc = -pthread_create(&f->writer, NULL, file_sink_writer, f);
	if (rc < 0) {
		snprintf(err, errlen, "file_sink: cannot start writer: %s",
		    strerror(-rc));
		return rc;
	}
	f->writer_on = 1;
	return 0;
}

/* Control: let the writer drain the ring, update the header, and end. */
static void
file_sink_writer_stop(struct file_sink *f)
{
	if (!f->writer_on)
		return;
	atomic_store_explicit(&f->quit, 1, memory_order_release);
	atomic_fetch_add(&f->flush_req, 1);
	pthread_join(f->writer, NULL);
	f->writer_on = 0;
}

static int
file_sink_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct file_sink *f = st;
	int rc;

	f->stampfd = -1;
	f->path = xstrdup(v[FS_ARG_PATH].str);
	f->rate = rate;
	f->dither = AM_AFMT_DITHER_SEED;
	f->major = (int)v[FS_ARG_FORMAT].num;
	if (f->major == FS_AUTO)
		f->major = file_sink_guess(f->path);
	f->sample = (int)v[FS_ARG_SAMPLE].num;
	if (f->sample == FS_S_AUTO)
		f->sample = f->major == FS_FLAC ? FS_S24 : FS_F32;
	rc = file_sink_open(f, err, errlen);
	if (rc < 0)
		goto fail;
	rc = am_queue_init(&f->ring, FS_RING_FRAMES, 2 * sizeof(float));
	if (rc < 0) {
		snprintf(err, errlen, "file_sink: no memory for its ring");
		goto fail_close;
	}
	/* Touch the ring now: the real-time thread must not page-fault. */
	memset(f->ring.data, 0, (size_t)f->ring.cap * f->ring.recsz);
	rc = file_sink_writer_start(f, err, errlen);
	if (rc < 0)
		goto fail_ring;
	return 0;
fail_ring:
	am_queue_done(&f->ring);
fail_close:
	sf_close(f->sf);
	file_sink_unstamp(f);
	f->sf = NULL;
fail:
	free(f->path);
	f->path = NULL;
	return rc;
}

/*
 * Control, after the real-time thread let go of the node: drain,
 * finalize the header and close; say how much the file holds.
 */
static void
file_sink_done(void *st)
{
	struct file_sink *f = st;

	file_sink_writer_stop(f);
	if (f->sf != NULL) {
		sf_close(f->sf);
		file_sink_unstamp(f);
		/* Failed while closing: no one else will say it. */
		if (atomic_load(&f->werr) != 0 && !f->err_asked)
			logx(1, "%s", f->errmsg);
		logx(2, "%s: closed, %llu frames, %llu lost", f->path,
		    (unsigned long long)f->written,
		    (unsigned long long)atomic_load(&f->lost_total));
	}
	am_queue_done(&f->ring);
	free(f->path);
}

/*
 * Control: ask the writer to put every frame pushed so far in the file,
 * bring the header up to date and sync it. Returns at once; flushed says
 * when it is done.
 */
static void
file_sink_flush(void *st)
{
	struct file_sink *f = st;

	atomic_fetch_add_explicit(&f->flush_req, 1, memory_order_release);
}

/*
 * Control: 1 when every frame pushed so far is in the file, its header
 * says so and it is synced; 0 otherwise, having asked the writer for a
 * flush when none was under way. Never waits.
 */
static int
file_sink_flushed(void *st)
{
	struct file_sink *f = st;
	uint64_t req;

	if (!f->writer_on)
		return 1;
	req = atomic_load(&f->flush_req);
	if (atomic_load_explicit(&f->flush_done, memory_order_acquire) != req)
		return 0;		/* the writer is at it */
	if (atomic_load(&f->flush_at) == atomic_load(&f->pushed))
		return 1;
	atomic_fetch_add(&f->flush_req, 1);
	return 0;
}

/* RT, or control with the engine stopped: add n frames to overruns. */
static void
file_sink_lose(struct file_sink *f, struct node_stats *st, uint64_t n)
{
	atomic_fetch_add_explicit(&st->overruns, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&f->lost_total, n, memory_order_relaxed);
}

/*
 * Both sides, once a write failed: count every frame pushed but not in
 * the file as lost, unless the other side did. Atomic: the control
 * thread may sweep while the RT thread is still running.
 */
static void
file_sink_count_failure(struct file_sink *f, struct node_stats *st)
{
	if (atomic_exchange(&f->err_counted, 1) != 0)
		return;
	file_sink_lose(f, st, atomic_load_explicit(&f->pushed,
	    memory_order_relaxed) - atomic_load_explicit(&f->good,
	    memory_order_relaxed));
}

/*
 * Control, after NODE_EV_ERROR or once the sink is flushed: why the
 * recording stopped, or NULL while every write has succeeded. The first
 * call after a failure the RT side has not seen counts the frames it
 * lost. The text lives as long as the node.
 */
static const char *
file_sink_error(void *st)
{
	struct file_sink *f = st;
	struct node_stats *stats;

	if (atomic_load_explicit(&f->werr, memory_order_acquire) == 0)
		return NULL;
	stats = atomic_load(&f->stats);
	if (stats != NULL)
		file_sink_count_failure(f, stats);
	f->err_asked = 1;
	return f->errmsg;
}

/* Control, render: 1 when the ring can take frames without loss. */
static int
file_sink_ready(void *st, uint32_t frames)
{
	struct file_sink *f = st;

	return am_queue_space(&f->ring) >= frames;
}

/*
 * Control: the graph rate changed (device_open). A file with nothing in
 * it yet is reopened at the new rate; one holding audio cannot change.
 */
static int
file_sink_rate(void *st, uint32_t rate, char *err, size_t errlen)
{
	struct file_sink *f = st;
	int rc;

	if (rate == f->rate)
		return 0;
	if (atomic_load(&f->pushed) != 0) {
		snprintf(err, errlen, "%s: already holds audio at %u Hz",
		    f->path, f->rate);
		return -EBUSY;
	}
	/* The writer touches the file: keep it out while it is reopened. */
	file_sink_writer_stop(f);
	sf_close(f->sf);
	file_sink_unstamp(f);
	f->sf = NULL;
	f->rate = rate;
	rc = file_sink_open(f, err, errlen);
	if (rc == 0)
		rc = file_sink_writer_start(f, err, errlen);
	return rc;
}

/*
 * RT, once a write failed: nothing goes into the ring any more. Every
 * frame pushed since the last one in the file, and each period from now
 * on, counts as lost; one NODE_EV_ERROR (retried while the event queue
 * is full) tells the control thread, which takes the message from
 * file_sink_error.
 */
static void
file_sink_failed(struct file_sink *f, const struct node_cycle *c)
{
	if (!f->err_seen) {
		file_sink_count_failure(f, c->stats);
		f->err_seen = 1;
	}
	file_sink_lose(f, c->stats, c->frames);
	f->out += c->frames;
	if (!f->err_sent && node_event(c, NODE_EV_ERROR, (uint64_t)
	    atomic_load_explicit(&f->werr, memory_order_relaxed)) == 0)
		f->err_sent = 1;
}

/*
 * RT: copy the period into the ring; what does not fit is lost, counted
 * and reported: one event at most every 1/FS_EV_PER_SEC s of audio, with
 * the frames lost since the last one.
 */
static void
file_sink_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct file_sink *f = st;
	uint32_t n;

	(void)out;
	atomic_store_explicit(&c->stats->clipped, atomic_load_explicit(
	    &c->stats->clipped, memory_order_relaxed) + am_afmt_overs(in,
	    (size_t)c->frames * 2), memory_order_relaxed);
	/* For the control side's error, should the failure come late. */
	if (atomic_load_explicit(&f->stats, memory_order_relaxed) != c->stats)
		atomic_store_explicit(&f->stats, c->stats,
		    memory_order_release);
	/* Acquire: good is the writer's count when it raised werr. */
	if (f->err_seen || atomic_load_explicit(&f->werr,
	    memory_order_acquire) != 0) {
		file_sink_failed(f, c);
		return;
	}
	n = am_queue_write(&f->ring, in, c->frames);
	atomic_store_explicit(&f->pushed, atomic_load_explicit(&f->pushed,
	    memory_order_relaxed) + n, memory_order_relaxed);
	if (n < c->frames) {
		file_sink_lose(f, c->stats, c->frames - n);
		f->lost += c->frames - n;
	}
	f->out += c->frames;
	if (f->lost > 0 && (!f->lost_once ||
	    f->out - f->lost_at >= c->rate / FS_EV_PER_SEC)) {
		node_event(c, NODE_EV_OVERRUN, f->lost);
		f->lost = 0;
		f->lost_at = f->out;
		f->lost_once = 1;
	}
}

const struct node_ops node_file_sink_ops = {
	.type = "file_sink",
	.size = sizeof(struct file_sink),
	.flags = NODE_SINK,
	.args = fs_args,
	.nargs = 3,
	.init = file_sink_init,
	.done = file_sink_done,
	.process = file_sink_process,
	.ready = file_sink_ready,
	.flush = file_sink_flush,
	.flushed = file_sink_flushed,
	.error = file_sink_error,
	.rate = file_sink_rate,
};
