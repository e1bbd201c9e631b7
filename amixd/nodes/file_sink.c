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
 * recording of any length stays readable. Its fmt chunk is always
 * WAVE_FORMAT_EXTENSIBLE.
 *
 * Channels: the file records its input's channels, 1 to 64, in its
 * input's layout (the layout hook: in = out = up, the widest layout
 * upstream), unless "channels" or "layout" fix them (then every link
 * into the sink is converted to that layout by amixd(7)'s rules: a 5.1
 * mix recorded as stereo). The file is opened at init with the fixed
 * layout, or stereo; while no audio has gone into it, a plan that
 * brings another layout reopens it with that one (file_sink_relayout,
 * control thread). A following sink with nothing linked (unlinked, set
 * by the layout hook) records nothing, or the silence of a sink made
 * on a running graph would fix its file at stereo before its first
 * link came. The real-time side and the control thread agree on
 * that through state: process moves it from FS_OPEN to FS_FIXED before
 * its first frame goes into the ring, and the control thread reopens
 * only after moving it from FS_OPEN to FS_BUSY, while process leaves
 * the ring alone (what it had is lost, counted as overruns); so the
 * ring is never rebuilt under a writing process, and a file holds one
 * layout from its first frame to its last. WAV, RF64 and W64 carry the
 * layout as a WAVE_FORMAT_EXTENSIBLE channel mask when it has one
 * (sndfile_layout.c); FLAC's channel order is fixed by the count (its
 * default layout, amixd(7)), so a FLAC sink refuses a "layout" that is
 * not that, and a followed layout that is not is written in its own
 * order, with a note in the log. Should a plan run the node with
 * another channel count than the file's (in_ch; 0 is stereo, as every
 * plan was before layouts), process records the first of its channels,
 * a mono input's one in each, and silence in those it lacks.
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
 * Threads: init/done/flush/flushed/error/rate/layout on the control
 * thread, process on the real-time thread, file_sink_writer on its own
 * I/O thread. rate runs only while stopped; rate and layout stop the
 * writer while they reopen the file.
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
#include "chlayout.h"
#include "file_sink.h"
#include "log.h"
#include "node.h"
#include "queue.h"
#include "util.h"

static const char *const fs_formats[] = {
	"auto", "wav", "flac", "w64", "rf64", "aiff", "raw", NULL
};
static const char *const fs_samples[] = {
	"auto", "f32", "s16", "s24", NULL
};

enum { FS_ARG_PATH, FS_ARG_FORMAT, FS_ARG_SAMPLE, FS_ARG_CHANNELS,
	FS_ARG_LAYOUT };

static const struct node_argdesc fs_args[] = {
	{ "path", NODE_ARG_NEWPATH, 0, 0, 0, NULL, 1, 0 },
	{ "format", NODE_ARG_ENUM, 0, 0, FS_AUTO, fs_formats, 0, 0 },
	{ "sample", NODE_ARG_ENUM, 0, 0, FS_S_AUTO, fs_samples, 0, 0 },
	{ "channels", NODE_ARG_INT, 0, AM_CH_MAX, 0, NULL, 0, 0 },
	{ "layout", NODE_ARG_STR, 0, 0, 0, NULL, 0, 0 },
};


/*
 * Control: the ring, for frames of f->layout: FS_RING_FRAMES, halved
 * while that is over FS_RING_MAX bytes (past 16 channels: 64 get 0.7 s
 * at 48 kHz), touched now so that the real-time thread never faults a
 * page in. 0, or -ENOMEM with a message.
 */
static int
file_sink_ring(struct file_sink *f, char *err, size_t errlen)
{
	uint32_t frames = FS_RING_FRAMES;
	size_t frame = (size_t)f->layout.n * sizeof(float);

	while (frames > 4 * FS_CHUNK && frames * frame > FS_RING_MAX)
		frames >>= 1;
	if (am_queue_init(&f->ring, frames, (uint32_t)frame) < 0) {
		snprintf(err, errlen, "file_sink: no memory for its ring");
		return -ENOMEM;
	}
	memset(f->ring.data, 0, (size_t)f->ring.cap * f->ring.recsz);
	return 0;
}

/*
 * Control: the file's layout from the "channels" and "layout"
 * arguments (either fixes it: forced), else stereo until a plan says
 * what comes in. 0, or -EINVAL with a message.
 */
static int
file_sink_layout_arg(struct file_sink *f, const struct node_val *v,
    char *err, size_t errlen)
{
	unsigned n = (unsigned)v[FS_ARG_CHANNELS].num;
	struct am_layout def;
	char why[128];

	f->forced = n != 0 || v[FS_ARG_LAYOUT].str != NULL;
	am_layout_default(&f->layout, n != 0 ? n : 2);
	if (v[FS_ARG_LAYOUT].str == NULL)
		return 0;
	if (am_layout_parse(&f->layout, v[FS_ARG_LAYOUT].str, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "layout: %s", why);
		return -EINVAL;
	}
	if (n != 0 && n != f->layout.n) {
		snprintf(err, errlen, "layout: %s has %u channels, \"channels\""
		    " says %u", v[FS_ARG_LAYOUT].str, f->layout.n, n);
		return -EINVAL;
	}
	am_layout_default(&def, f->layout.n);
	if (f->major == FS_FLAC && !am_layout_eq(&f->layout, &def)) {
		snprintf(err, errlen, "layout: flac keeps %u channels in one "
		    "order only (%s); record a wav for another layout",
		    def.n, am_layout_str(&def, why, sizeof(why)));
		return -EINVAL;
	}
	return 0;
}

static int
file_sink_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct file_sink *f = st;
	int rc;

	f->stampfd = -1;
	f->wakefd = -1;
	f->path = xstrdup(v[FS_ARG_PATH].str);
	f->rate = rate;
	f->dither = AM_AFMT_DITHER_SEED;
	f->major = (int)v[FS_ARG_FORMAT].num;
	if (f->major == FS_AUTO)
		f->major = file_sink_guess(f->path);
	f->sample = (int)v[FS_ARG_SAMPLE].num;
	if (f->sample == FS_S_AUTO)
		f->sample = f->major == FS_FLAC ? FS_S24 : FS_F32;
	rc = file_sink_layout_arg(f, v, err, errlen);
	if (rc < 0)
		goto fail;
	rc = file_sink_open(f, err, errlen);
	if (rc < 0)
		goto fail;
	rc = file_sink_ring(f, err, errlen);
	if (rc < 0)
		goto fail_close;
	rc = file_sink_writer_start(f, err, errlen);
	if (rc < 0)
		goto fail_ring;
	return 0;
fail_ring:
	am_queue_done(&f->ring);
fail_close:
	sf_close(f->sf);
	file_sink_fixup(f);
	f->sf = NULL;
fail:
	file_sink_bufs_free(f);
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
		file_sink_fixup(f);
		/* Failed while closing: no one else will say it. */
		if (atomic_load(&f->werr) != 0 && !f->err_asked)
			logx(1, "%s", f->errmsg);
		logx(2, "%s: closed, %llu frames, %llu lost", f->path,
		    (unsigned long long)f->written,
		    (unsigned long long)atomic_load(&f->lost_total));
	}
	am_queue_done(&f->ring);
	file_sink_bufs_free(f);
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
	file_sink_writer_wake(f);
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
	file_sink_writer_wake(f);
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
	file_sink_fixup(f);
	f->sf = NULL;
	f->rate = rate;
	rc = file_sink_open(f, err, errlen);
	if (rc == 0)
		rc = file_sink_writer_start(f, err, errlen);
	return rc;
}

/*
 * Control, at plan time, nothing recorded (state FS_BUSY: process keeps
 * out of the ring): the file takes l's channels. The writer stops, the
 * file is made again, empty, with l, and the ring for l's frames
 * replaces the old one. What cannot be (a container that does not hold
 * l, no memory) changes nothing; should the file not open again, it is
 * opened as it was. 0, or -errno with a message.
 */
static int
file_sink_relayout(struct file_sink *f, const struct am_layout *l,
    char *err, size_t errlen)
{
	struct am_layout old = f->layout, def;
	struct am_queue ring;
	char why[AM_LAYOUT_STRLEN], buf[AM_LAYOUT_STRLEN];
	SF_INFO info;
	int rc;

	if ((rc = file_sink_info(f, l, &info, err, errlen)) < 0)
		return rc;
	/* The writer reads f->ring: it stops before the ring changes. */
	file_sink_writer_stop(f);
	ring = f->ring;
	f->layout = *l;
	rc = file_sink_ring(f, err, errlen);
	if (rc < 0) {
		f->layout = old;
		f->ring = ring;
		(void)file_sink_writer_start(f, why, sizeof(why));
		return rc;
	}
	sf_close(f->sf);
	file_sink_fixup(f);
	f->sf = NULL;
	if ((rc = file_sink_open(f, err, errlen)) < 0) {
		am_queue_done(&f->ring);
		f->ring = ring;
		f->layout = old;
		if (file_sink_open(f, why, sizeof(why)) < 0)
			return rc;	/* XXX the file is gone: nothing written */
	} else
		am_queue_done(&ring);
	am_layout_default(&def, f->layout.n);
	if (rc == 0 && f->major == FS_FLAC && !am_layout_eq(&f->layout, &def))
		logx(2, "%s: flac keeps no layout: %s written in that order "
		    "is read back as %s", f->path, am_layout_str(&f->layout,
		    buf, sizeof(buf)), am_layout_str(&def, why, sizeof(why)));
	if (file_sink_writer_start(f, why, sizeof(why)) < 0 && rc == 0) {
		snprintf(err, errlen, "%s", why);
		rc = -EAGAIN;
	}
	return rc;
}

/*
 * Control, at plan time: the sink takes (and records) the file's
 * layout. Unless "channels" or "layout" fixed it, that follows up, the
 * widest layout upstream, for as long as nothing is recorded: the file
 * is reopened with up's channels. Once audio is in the file, links are
 * converted to its layout. 0, or -errno with a message (a layout the
 * container cannot hold: the link is refused).
 */
static int
file_sink_layout(void *st, const struct am_layout *up, struct am_layout *in,
    struct am_layout *out, char *err, size_t errlen)
{
	struct file_sink *f = st;
	int open = FS_OPEN, rc = 0;

	if (!f->forced && up != NULL && !am_layout_eq(up, &f->layout) &&
	    atomic_compare_exchange_strong(&f->state, &open, FS_BUSY)) {
		rc = file_sink_relayout(f, up, err, errlen);
		atomic_store_explicit(&f->state, FS_OPEN,
		    memory_order_release);
	}
	/*
	 * Stored after the reopen: should process still run the plan
	 * before this one for a period, it records that period in the
	 * new layout (file_sink_put), never the old one.
	 */
	atomic_store_explicit(&f->unlinked, !f->forced && up == NULL,
	    memory_order_release);
	*in = f->layout;
	*out = f->layout;
	return rc;
}

/*
 * RT: frames frames of ich channels at in, not the file's count, into
 * the ring as frames of the file's channels, through scratch: the
 * first channels, a mono input's one in each, silence in those the
 * input lacks. Returns the frames that fit. Kept out of line (cold):
 * inlined, its loops cost process a dozen instructions of saved
 * registers every period, even on the plain copy.
 */
static __attribute__((noinline, cold)) uint32_t
file_sink_put(struct file_sink *f, const float *in, uint32_t frames,
    uint32_t ich)
{
	uint32_t fch = f->layout.n, done = 0, n, m, i, o;
	const float *s;
	float *d;

	while (done < frames) {
		m = frames - done < FS_SCRATCH ? frames - done : FS_SCRATCH;
		for (i = 0; i < m; i++) {
			s = in + (size_t)(done + i) * ich;
			d = f->scratch + (size_t)i * fch;
			for (o = 0; o < fch; o++)
				d[o] = ich == 1 ? s[0] : o < ich ? s[o] :
				    0.0f;
		}
		n = am_queue_write(&f->ring, f->scratch, m);
		done += n;
		if (n < m)
			break;
	}
	return done;
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
	uint32_t ich = c->in_ch != 0 ? c->in_ch : 2, n = 0;
	int state;

	(void)out;
	atomic_store_explicit(&c->stats->clipped, atomic_load_explicit(
	    &c->stats->clipped, memory_order_relaxed) + am_afmt_overs(in,
	    (size_t)c->frames * ich), memory_order_relaxed);
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
	/*
	 * The first frame fixes the file's layout; while the control
	 * thread reopens the file (FS_BUSY) the period is lost. A sink
	 * that follows its input and has none yet records nothing, so
	 * its layout waits for the first link: silence of no layout does
	 * not fix it at stereo (amcat --to a sink made on a running
	 * graph). One load more, only until the layout is fixed.
	 */
	state = atomic_load_explicit(&f->state, memory_order_acquire);
	if (state == FS_OPEN && atomic_load_explicit(&f->unlinked,
	    memory_order_acquire)) {
		f->out += c->frames;
		return;
	}
	if (state == FS_OPEN && atomic_compare_exchange_strong_explicit(
	    &f->state, &state, FS_FIXED, memory_order_acq_rel,
	    memory_order_acquire))
		state = FS_FIXED;
	if (state == FS_FIXED)
		n = ich == f->layout.n ? am_queue_write(&f->ring, in,
		    c->frames) : file_sink_put(f, in, c->frames, ich);
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
	.nargs = 5,
	.init = file_sink_init,
	.done = file_sink_done,
	.process = file_sink_process,
	.ready = file_sink_ready,
	.flush = file_sink_flush,
	.flushed = file_sink_flushed,
	.error = file_sink_error,
	.rate = file_sink_rate,
	.layout = file_sink_layout,
};
