/* SPDX-License-Identifier: MIT */
/*
 * file_sink: records its input to a sound file through libsndfile.
 *
 * The real-time thread only copies each period into an SPSC ring; a
 * write-behind thread drains the ring into the file, so no file I/O ever
 * happens on the real-time path. If the ring is full the frames are lost,
 * counted as overruns, and the real-time thread moves on. The writer
 * brings the header up to date at least once a second, so a daemon
 * killed with SIGKILL leaves a readable file; flush (stop, render end)
 * waits until every frame is on disk. 16-bit output gets TPDF dither
 * from a fixed seed, so renders stay deterministic.
 *
 * Threads: init/done/flush/rate on the control thread, process on the
 * real-time thread, file_sink_writer on its own I/O thread.
 */

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sndfile.h>

#include "clock.h"
#include "node.h"
#include "ring.h"
#include "util.h"

#define FS_RING_FRAMES	(1 << 17)	/* ~2.7 s at 48 kHz */
#define FS_CHUNK	4096		/* frames per write */
#define FS_HEADER_NS	(AM_NSEC_PER_SEC / 2)
#define FS_IDLE_NS	5000000		/* writer poll, 5 ms */

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
	{ "path", NODE_ARG_STR, 0, 0, 0, NULL, 1, 0 },
	{ "format", NODE_ARG_ENUM, 0, 0, FS_AUTO, fs_formats, 0, 0 },
	{ "sample", NODE_ARG_ENUM, 0, 0, FS_S_AUTO, fs_samples, 0, 0 },
};

struct file_sink {
	SNDFILE *sf;
	char *path;
	int major;			/* SF_FORMAT_* container */
	int sample;			/* FS_F32, FS_S16, FS_S24 */
	uint32_t rate;			/* Hz */
	struct am_ring ring;		/* frames: 2 floats each */
	pthread_t writer;
	int writer_on;
	_Atomic int quit;
	_Atomic uint64_t flush_req;
	_Atomic uint64_t flush_done;
	_Atomic uint64_t pushed;	/* frames into the ring, RT */
	uint32_t dither;		/* PRNG state, writer only */
	float fbuf[FS_CHUNK * 2];	/* writer only */
	int ibuf[FS_CHUNK * 2];		/* writer only */
	short sbuf[FS_CHUNK * 2];	/* writer only */
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
	static const int majors[] = {
		0, SF_FORMAT_WAV, SF_FORMAT_FLAC, SF_FORMAT_W64,
		SF_FORMAT_RF64, SF_FORMAT_AIFF, SF_FORMAT_RAW
	};
	static const int subs[] = {
		0, SF_FORMAT_FLOAT, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24
	};
	SF_INFO info;

	memset(&info, 0, sizeof(info));
	info.samplerate = (int)f->rate;
	info.channels = 2;
	info.format = majors[f->major] | subs[f->sample];
	if (f->major == FS_RAW)
		info.format |= SF_ENDIAN_LITTLE;
	/* Float in plain WAV lacks cbSize, which sox warns about: WAVEX. */
	if (f->major == FS_WAV && f->sample == FS_F32)
		info.format = SF_FORMAT_WAVEX | SF_FORMAT_FLOAT;
	if (!sf_format_check(&info)) {
		snprintf(err, errlen, "%s: format and sample do not go "
		    "together (flac holds s16 or s24)", f->path);
		return -EINVAL;
	}
	f->sf = sf_open(f->path, SFM_WRITE, &info);
	if (f->sf == NULL) {
		snprintf(err, errlen, "%s: cannot write: %s", f->path,
		    sf_strerror(NULL));
		return -EACCES;
	}
	/* The PEAK chunk carries a timestamp: renders would differ. */
	sf_command(f->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	return 0;
}

/* Writer: TPDF dither of +-1 LSB, from a fixed seed. */
static int
file_sink_tpdf(uint32_t *s)
{
	uint32_t x = *s, a, b;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	a = x & 0xffff;
	b = x >> 16;
	*s = x;
	return (int)a - (int)b;		/* triangular, (-65536, 65536) */
}

/* Writer: n frames of fbuf to the file in the chosen sample format. */
static void
file_sink_write(struct file_sink *f, uint32_t n)
{
	uint32_t i;
	double v;

	if (f->sample == FS_S16) {
		for (i = 0; i < n * 2; i++) {
			v = f->fbuf[i] * 32768.0 +
			    file_sink_tpdf(&f->dither) / 65536.0;
			v = v < -32768.0 ? -32768.0 : v > 32767.0 ? 32767.0 : v;
			f->sbuf[i] = (short)lrint(v);
		}
		sf_writef_short(f->sf, f->sbuf, n);
	} else
		sf_writef_float(f->sf, f->fbuf, n);
}

/*
 * The write-behind thread: drains the ring, keeps the header current,
 * answers flush requests once the ring is empty, and on quit drains what
 * is left before returning.
 */
static void *
file_sink_writer(void *arg)
{
	struct file_sink *f = arg;
	struct timespec idle;
	uint64_t last_header = am_clock_ns(), req, now;
	uint32_t n;
	int quit;

	am_clock_ts(FS_IDLE_NS, &idle);
	for (;;) {
		quit = atomic_load_explicit(&f->quit, memory_order_acquire);
		req = atomic_load_explicit(&f->flush_req,
		    memory_order_acquire);
		n = am_ring_read(&f->ring, f->fbuf, FS_CHUNK);
		if (n > 0) {
			file_sink_write(f, n);
			if (n == FS_CHUNK)
				continue;
		}
		now = am_clock_ns();
		if (req != atomic_load(&f->flush_done) ||
		    now - last_header >= FS_HEADER_NS) {
			sf_command(f->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
			last_header = now;
			if (req != atomic_load(&f->flush_done)) {
				sf_write_sync(f->sf);
				atomic_store_explicit(&f->flush_done, req,
				    memory_order_release);
			}
		}
		if (quit)
			break;
		nanosleep(&idle, NULL);
	}
	return NULL;
}

static int
file_sink_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct file_sink *f = st;
	int rc;

	f->path = xstrdup(v[FS_ARG_PATH].str);
	f->rate = rate;
	f->dither = 0x9e3779b9;
	f->major = (int)v[FS_ARG_FORMAT].num;
	if (f->major == FS_AUTO)
		f->major = file_sink_guess(f->path);
	f->sample = (int)v[FS_ARG_SAMPLE].num;
	if (f->sample == FS_S_AUTO)
		f->sample = f->major == FS_FLAC ? FS_S24 : FS_F32;
	rc = file_sink_open(f, err, errlen);
	if (rc < 0)
		goto fail;
	rc = am_ring_init(&f->ring, FS_RING_FRAMES, 2 * sizeof(float));
	if (rc < 0) {
		snprintf(err, errlen, "file_sink: no memory for its ring");
		goto fail_close;
	}
	/* Touch the ring now: the real-time thread must not page-fault. */
	memset(f->ring.data, 0, (size_t)f->ring.cap * f->ring.recsz);
	rc = -pthread_create(&f->writer, NULL, file_sink_writer, f);
	if (rc < 0) {
		snprintf(err, errlen, "file_sink: cannot start writer: %s",
		    strerror(-rc));
		goto fail_ring;
	}
	f->writer_on = 1;
	return 0;
fail_ring:
	am_ring_done(&f->ring);
fail_close:
	sf_close(f->sf);
	f->sf = NULL;
fail:
	free(f->path);
	f->path = NULL;
	return rc;
}

/* Control: drain, finalize the header and close. */
static void
file_sink_done(void *st)
{
	struct file_sink *f = st;

	if (f->writer_on) {
		atomic_store_explicit(&f->quit, 1, memory_order_release);
		atomic_fetch_add(&f->flush_req, 1);
		pthread_join(f->writer, NULL);
	}
	if (f->sf != NULL)
		sf_close(f->sf);
	am_ring_done(&f->ring);
	free(f->path);
}

/*
 * Control: wait until every frame pushed so far is in the file and the
 * header says so. Bounded: a stuck disk gives up after 10 s.
 */
static void
file_sink_flush(void *st)
{
	struct file_sink *f = st;
	struct timespec ms = { 0, 1000000 };
	uint64_t req;
	int i;

	req = atomic_fetch_add(&f->flush_req, 1) + 1;
	for (i = 0; i < 10000; i++) {
		if (atomic_load_explicit(&f->flush_done,
		    memory_order_acquire) >= req)
			return;
		nanosleep(&ms, NULL);
	}
}

/* Control, render: 1 when the ring can take frames without loss. */
static int
file_sink_ready(void *st, uint32_t frames)
{
	struct file_sink *f = st;

	return am_ring_space(&f->ring) >= frames;
}

/*
 * Control: the graph rate changed (device_open). A file with nothing in
 * it yet is reopened at the new rate; one holding audio cannot change.
 */
static int
file_sink_rate(void *st, uint32_t rate, char *err, size_t errlen)
{
	struct file_sink *f = st;

	if (rate == f->rate)
		return 0;
	if (atomic_load(&f->pushed) != 0) {
		snprintf(err, errlen, "%s: already holds audio at %u Hz",
		    f->path, f->rate);
		return -EBUSY;
	}
	sf_close(f->sf);
	f->sf = NULL;
	f->rate = rate;
	return file_sink_open(f, err, errlen);
}

/* RT: copy the period into the ring; what does not fit is lost. */
static void
file_sink_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct file_sink *f = st;
	uint32_t n;

	(void)out;
	n = am_ring_write(&f->ring, in, c->frames);
	atomic_store_explicit(&f->pushed, atomic_load_explicit(&f->pushed,
	    memory_order_relaxed) + n, memory_order_relaxed);
	if (n < c->frames)
		atomic_store_explicit(&c->stats->overruns,
		    atomic_load_explicit(&c->stats->overruns,
		    memory_order_relaxed) + (c->frames - n),
		    memory_order_relaxed);
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
	.rate = file_sink_rate,
};
