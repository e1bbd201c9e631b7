/* SPDX-License-Identifier: MIT */
/*
 * file_sink's file side: opening the file (a regular file only, opened
 * with O_NONBLOCK so a FIFO or a device node never blocks the control
 * thread; the channels and layout of the node's file_sink.layout, the
 * WAVE channel mask set through sndfile_layout.c) and the write-behind
 * thread that drains the node's ring into it, converting to the sample
 * format (lib/afmt: 16-bit dithered from a fixed seed, 24-bit rounded),
 * bringing the header up to date every FS_HEADER_NS, answering flush
 * requests, and on a failed write cutting the file back to its last
 * whole frame and raising werr (nodes/file_sink.c's essay tells what
 * the real-time and control sides then do).
 *
 * The writer looks at the ring every FS_IDLE_NS: the real-time side
 * never wakes it (no system call on that path). The control thread
 * does, through an eventfd, when it asks for a flush or the end
 * (file_sink_writer_wake), so neither waits out the writer's sleep:
 * a render's end waited up to twice that before.
 *
 * Threads: file_sink_open, file_sink_fixup and the start and stop of
 * the writer on the control thread (the writer not running while the
 * file is opened or closed); file_sink_writer, file_sink_write and
 * file_sink_fail on the writer thread, the only one that writes the
 * SNDFILE while it runs. The real-time thread never calls into this
 * file.
 */

#include <sys/eventfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "chlayout.h"
#include "clock.h"
#include "dl.h"
#include "file_sink.h"
#include "queue.h"
#include "sndfile_layout.h"
#include "util.h"

/* Container from the name's extension, for format "auto". */
int
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

/* Control: free the writer's buffers (the writer is not running). */
void
file_sink_bufs_free(struct file_sink *f)
{
	free(f->fbuf);
	free(f->sbuf);
	free(f->ibuf);
	f->fbuf = NULL;
	f->sbuf = NULL;
	f->ibuf = NULL;
}

/*
 * Control: the SF_INFO of f's file with the channels of l, checked with
 * libsndfile. 0, or -EINVAL with a message (nothing is opened).
 */
int
file_sink_info(const struct file_sink *f, const struct am_layout *l,
    SF_INFO *info, char *err, size_t errlen)
{
	/* "wav" is RF64 that stays RIFF WAVE under 4 GiB: see below. */
	static const int majors[] = {
		0, SF_FORMAT_RF64, SF_FORMAT_FLAC, SF_FORMAT_W64,
		SF_FORMAT_RF64, SF_FORMAT_AIFF, SF_FORMAT_RAW
	};
	static const int subs[] = {
		0, SF_FORMAT_FLOAT, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24
	};

	memset(info, 0, sizeof(*info));
	info->samplerate = (int)f->rate;
	info->channels = l->n;
	info->format = majors[f->major] | subs[f->sample];
	if (f->major == FS_RAW)
		info->format |= SF_ENDIAN_LITTLE;
	if (f->major == FS_FLAC && l->n > 8) {
		snprintf(err, errlen, "%s: flac holds at most 8 channels, not "
		    "%u: give the sink \"channels\" or write a wav", f->path,
		    l->n);
		return -EINVAL;
	}
	if (!sf_format_check(info)) {
		snprintf(err, errlen, "%s: format and sample do not go "
		    "together (flac holds s16 or s24)", f->path);
		return -EINVAL;
	}
	return 0;
}

/*
 * Control: the dwChannelMask a WAV or RF64 file of layout l must be
 * given after libsndfile has closed it, or -1 when libsndfile writes
 * the right one itself. libsndfile writes a mask only when every
 * channel has a bit (sndfile_layout_set), else its default for the
 * count (0x4, 0x3, 0x33, 0x3F, 0xFF for 1, 2, 4, 6, 8 channels, 0 for
 * others): a layout with AUX channels needs its own (FL,FR,AUX2,AUX3 is
 * 0x3, not quad's 0x33; AUX0,AUX1 is 0, not stereo's 0x3).
 */
static long long
file_sink_mask_fix(const struct am_layout *l)
{
	static const uint32_t lsf[9] = { 0, 0x4, 0x3, 0, 0x33, 0, 0x3f, 0,
	    0xff };
	uint32_t want = am_layout_to_mask(l), got;
	unsigned i;

	for (i = 0; i < l->n && l->pos[i] < AM_POS_AUX0; i++)
		;
	if (i == l->n && want != 0)
		return -1;	/* every channel has a bit: libsndfile's */
	got = l->n <= 8 ? lsf[l->n] : 0;
	return want == got ? -1 : (long long)want;
}

/*
 * Control: open f->path for writing with the channels and layout of
 * f->layout; buffers for the writer. 0, or -errno with a message.
 */
int
file_sink_open(struct file_sink *f, char *err, size_t errlen)
{
	struct am_layout def;
	SF_INFO info;
	struct stat st;
	int fd, rc, riff, unstamp;

	if (dl_sndfile_load(err, errlen) < 0)
		return -ENOSYS;
	if ((rc = file_sink_info(f, &f->layout, &info, err, errlen)) < 0)
		return rc;
	/* Say why a FIFO without a reader fails (ENXIO) plainly. */
	if (stat(f->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot write: not a regular file "
		    "(no directories, devices or FIFOs)", f->path);
		return -EINVAL;
	}
	/*
	 * Float RF64 (and so WAV) is read back at the end: unstamp; so is
	 * one whose channel mask libsndfile cannot write (file_sink_fixup).
	 */
	riff = f->major == FS_RF64 || f->major == FS_WAV;
	am_layout_default(&def, f->layout.n);
	f->mask_fix = riff && (f->layout.n > 2 || !am_layout_eq(&f->layout,
	    &def)) ? file_sink_mask_fix(&f->layout) : -1;
	unstamp = riff && (f->sample == FS_F32 || f->mask_fix >= 0);
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
	/* Stereo FL FR says nothing: the file as before layouts. */
	if ((f->layout.n > 2 || !am_layout_eq(&f->layout, &def)) &&
	    f->major != FS_FLAC && f->major != FS_RAW)
		sndfile_layout_set(f->sf, &f->layout);
	file_sink_bufs_free(f);
	f->fbuf = xcalloc((size_t)FS_CHUNK * f->layout.n, sizeof(float));
	f->sbuf = xcalloc((size_t)FS_CHUNK * f->layout.n, sizeof(short));
	f->ibuf = xcalloc((size_t)FS_CHUNK * f->layout.n, sizeof(int));
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
 * Control, after sf_close: fix up what libsndfile wrote in a WAV or
 * RF64 header. It gives a float file a PEAK chunk stamped with the time
 * of its last header write, and RF64 does not take
 * SFC_SET_ADD_PEAK_CHUNK: zero the stamp, so two renders stay
 * identical. And a layout with AUX channels gets its own channel mask
 * (mask_fix, from file_sink_mask_fix) in the fmt chunk. Walks the
 * chunks up to "data"; leaves anything odd alone. XXX a file left by a
 * daemon killed with SIGKILL keeps libsndfile's mask and stamp.
 */
void
file_sink_fixup(struct file_sink *f)
{
	static const unsigned char zero[4];
	unsigned char h[512], m[4];
	uint32_t size;
	ssize_t n, rc;
	size_t off;

	if (f->stampfd < 0)
		return;
	m[0] = (unsigned char)(f->mask_fix & 0xff);
	m[1] = (unsigned char)(f->mask_fix >> 8 & 0xff);
	m[2] = (unsigned char)(f->mask_fix >> 16 & 0xff);
	m[3] = (unsigned char)(f->mask_fix >> 24 & 0xff);
	n = pread(f->stampfd, h, sizeof(h), 0);
	for (off = 12; n > 0 && off + 20 <= (size_t)n; off += 8 + size +
	    (size & 1)) {
		size = h[off + 4] | h[off + 5] << 8 | h[off + 6] << 16 |
		    (uint32_t)h[off + 7] << 24;
		if (memcmp(h + off, "data", 4) == 0)
			break;
		if (memcmp(h + off, "fmt ", 4) == 0 && f->mask_fix >= 0 &&
		    size >= 40 && h[off + 8] == 0xfe && h[off + 9] == 0xff) {
			rc = pwrite(f->stampfd, m, 4, (off_t)off + 28);
			(void)rc;
		}
		if (memcmp(h + off, "PEAK", 4) == 0 && size >= 8 &&
		    f->sample == FS_F32) {
			rc = pwrite(f->stampfd, zero, 4, (off_t)off + 12);
			(void)rc;
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
	uint32_t i, ns = n * f->layout.n;
	sf_count_t got;
	int e;

	if (f->sample == FS_S16) {
		for (i = 0; i < ns; i++)
			f->sbuf[i] = (short)am_afmt_quant(f->fbuf[i], 16,
			    &f->dither, &clipped);
		errno = 0;
		got = sf_writef_short(f->sf, f->sbuf, n);
	} else if (f->sample == FS_S24) {
		/* libsndfile takes the top 24 bits of an int. */
		for (i = 0; i < ns; i++)
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
	struct pollfd wake = { .fd = f->wakefd, .events = POLLIN };
	uint64_t last_header = am_clock_ns(), req, now, cnt;
	uint32_t n;
	int quit, dirty = 0, unsynced = 1;

	pthread_setname_np(pthread_self(), "amixd-fsink");
	for (;;) {
		quit = atomic_load_explicit(&f->quit, memory_order_acquire);
		req = atomic_load_explicit(&f->flush_req,
		    memory_order_acquire);
		n = am_queue_read(&f->ring, f->fbuf, FS_CHUNK);
		/* After a failed write the ring is only emptied. */
		if (n > 0 && atomic_load_explicit(&f->werr,
		    memory_order_relaxed) == 0 && file_sink_write(f, n) == 0)
			dirty = unsynced = 1;
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
			/* Nothing since the last sync (the end after a
			 * flush): it is on disk already. */
			if (unsynced) {
				sf_command(f->sf, SFC_UPDATE_HEADER_NOW,
				    NULL, 0);
				sf_write_sync(f->sf);
			}
			last_header = now;
			dirty = unsynced = 0;
			/* The ring was empty: all taken so far is on disk. */
			atomic_store(&f->flush_at, atomic_load(&f->taken));
			atomic_store_explicit(&f->flush_done, req,
			    memory_order_release);
		}
		if (quit)
			break;
		/* A negative fd (no eventfd) makes this a plain sleep. */
		if (poll(&wake, 1, (int)(FS_IDLE_NS / 1000000)) > 0 &&
		    read(f->wakefd, &cnt, sizeof(cnt)) < 0)
			cnt = 0;	/* drained by an earlier read */
	}
	return NULL;
}

/* Control: wake the writer now (a flush asked, or the end). */
void
file_sink_writer_wake(struct file_sink *f)
{
	uint64_t one = 1;

	if (f->writer_on && f->wakefd >= 0 &&
	    write(f->wakefd, &one, sizeof(one)) < 0)
		one = 0;	/* EAGAIN: already woken, many times over */
}

/* Control: start the writer thread. 0, or -errno with a message. */
int
file_sink_writer_start(struct file_sink *f, char *err, size_t errlen)
{
	int rc;

	atomic_store(&f->quit, 0);
	/* Without one the writer only sleeps its FS_IDLE_NS out. */
	f->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = -pthread_create(&f->writer, NULL, file_sink_writer, f);
	if (rc < 0) {
		snprintf(err, errlen, "file_sink: cannot start writer: %s",
		    strerror(-rc));
		if (f->wakefd >= 0)
			close(f->wakefd);
		f->wakefd = -1;
		return rc;
	}
	f->writer_on = 1;
	return 0;
}

/* Control: let the writer drain the ring, update the header, and end. */
void
file_sink_writer_stop(struct file_sink *f)
{
	if (!f->writer_on)
		return;
	atomic_store_explicit(&f->quit, 1, memory_order_release);
	atomic_fetch_add(&f->flush_req, 1);
	file_sink_writer_wake(f);
	pthread_join(f->writer, NULL);
	f->writer_on = 0;
	if (f->wakefd >= 0)
		close(f->wakefd);
	f->wakefd = -1;
}
