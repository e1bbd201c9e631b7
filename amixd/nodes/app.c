/* SPDX-License-Identifier: MIT */
/*
 * app_source and app_sink: audio exchanged with a client process through
 * an app ring (lib/aring.c), a sealed memfd passed beside create_node.
 *
 * app_source: the client produces, the engine consumes. Each period the
 * engine reads what the ring holds, converts it to float (app_conv.c:
 * f32 samples are clamped to +-AM_ARING_F32_MAX and NaN is taken as 0,
 * so a client's garbage stays its own), and resamples it
 * through the pull-model resampler when the ring's rate is not the rate
 * the node runs at (an exact copy when it is). Like file_source, that is
 * the graph rate, or a resample node's rate when the source sits in its
 * domain: the converter is made with RESAMPLER_VARY and retargeted on
 * the real-time thread to the rate it is run at, without allocating.
 * Playing starts once the ring holds its low watermark (or the producer
 * set eof), so a stream starts cleanly; an empty ring while playing is
 * an underrun: the rest of the period is zero-filled, the frames
 * counted, a rate-limited xrun event sent, and playing resumes once the
 * low watermark is back. Never a stall. After eof, or once the client
 * is gone, an empty ring is just the end.
 *
 * app_sink: the mirror image: the engine converts its input into the
 * ring (integers through lib/afmt, s16 dithered where a sample is not
 * exact; f32 as it is) and the client drains it. What does not fit is
 * lost, counted as overruns and reported; the RT thread never waits for
 * the client. A ring at the rate the sink runs at is written bit for
 * bit; one at another rate is converted on the RT thread with the
 * resampler's push model (resampler_push): the input of a period must
 * all be taken, so the sink hands the converter what it has and writes
 * what comes out, through a buffer in the node's state, chunk by chunk.
 * The converter (libsamplerate) is made at init on the control thread
 * when the rates differ, and again when the graph rate changes (a sink
 * is never inside a resample node's domain: it feeds none); on the RT
 * thread src_process neither allocates nor locks.
 *
 * Pause: a client's "paused" flag in the ring header, or the node's
 * live "paused" argument (amctl set aplay.1234 paused=1), stops the node
 * within a period without losing anything. Each period the RT thread
 * loads the flag (a plain load: zero system calls, and a hostile value
 * is still only a flag) and moves a second level, "pause", toward 0 or
 * 1 with dsp_ramp (at least 5 ms and a period, as "db"), so the stop
 * and the restart are ramps, never a click. A source takes from its
 * ring only the frames the ramp down still needs and none once at 0:
 * what the ring holds stays there and is played, in order, after the
 * ramp up, so a sine goes on in phase; a sink writes the ramped input
 * and then nothing, its converter keeping its state for the restart.
 * Neither counts an xrun while paused. A paused source still stamps the
 * ring each period (frame rd would be heard at the period's time), so a
 * client's delay stays what the ring holds plus the output latency. A
 * client that left is not paused: its source plays out and goes.
 *
 * Backpressure and wake-ups: a client sets the ring's waiting flag and
 * sleeps; when the level it waits for is reached (a source's ring
 * drained to its low watermark, or empty after eof; a sink's filled to
 * its high one) the node takes the flag and app_wake.c wakes the
 * client at the end of the period: through the engine's wake pipe,
 * written by the real-time thread itself ("wake": true), or through
 * the client's eventfd, written by the control thread.
 *
 * Channels: a ring has 1 to 64 (lib/aring.c) and a layout, the one in
 * its header or the "layout" argument's (same count: a relabelling).
 * The node's layout hook gives that layout as the source's output and
 * the sink's input, so links convert to and from it by amixd(7)'s
 * rules, and the node itself, resampler included (made for the ring's
 * channels), works in the ring's channels, its pause and volume ramps
 * through dsp_ramp_run_ch. Buffers of another count (in_ch/out_ch 0
 * from a caller that gives none is stereo) go through app_conv_adapt,
 * a chunk at a time through the node's buffer: mono copied to both
 * channels or the pair averaged, as before layouts. The buffers are
 * allocated at init, sized for the ring's channels.
 *
 * Hostile rings: everything the client can write is checked at the
 * point of use: counters through am_aring_avail (out of range: a fault,
 * counted as an overrun of a whole ring, and a resync), samples through
 * the clamp, stamps against now and the ring's bounds. The geometry was
 * copied at attach time. Telemetry: latency_ns is how long the newest
 * frame waits between its write (the producer's stamp) and its turn.
 *
 * Threads: init/done/rate/drained on the control thread; process on the
 * real-time thread. Nodes belong to their connection (NODE_OWNED): a
 * source whose client left plays out what it holds (drained), a sink
 * goes at once.
 *
 * An app_source has a volume, "db" (settable while it plays, ramped like
 * a gain node's), so a user turns down one application by its node's
 * name: "amctl set aplay.1234 db=-12". At 0 dB it costs nothing.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afmt.h"
#include "app_conv.h"
#include "app_wake.h"
#include "aring.h"
#include "chlayout.h"
#include "clock.h"
#include "dsp.h"
#include "node.h"
#include "resampler.h"
#include "rt.h"
#include "util.h"

#define APP_EV_DIV	4		/* xrun events: at most rate/4 apart */
#define APP_STAMP_MAX	(10 * AM_NSEC_PER_SEC)	/* older: no latency */

enum {
	APP_ARG_FD, APP_ARG_MEMFD, APP_ARG_EVENTFD, APP_ARG_FRAMES,
	APP_ARG_CHANNELS, APP_ARG_RATE, APP_ARG_FORMAT, APP_ARG_WAKE,
	APP_ARG_QUALITY, APP_ARG_PAUSED, APP_ARG_LAYOUT, APP_ARG_DB
};

#define APP_CONV_FRAMES	256	/* sink: frames per conversion chunk */
#define APP_CONV_SPINS	64	/* bound: a chunk's rounds at 192k/8k: 26 */

static const char *const app_formats[] = {
	"auto", "s16", "s24", "s32", "f32", NULL
};

static const struct node_argdesc app_source_args[] = {
	{ "fd", NODE_ARG_FD, 0, 0, -1, NULL, 0, 0 },
	{ "memfd", NODE_ARG_FD, 0, 0, -1, NULL, 0, 0 },
	{ "eventfd", NODE_ARG_FD, 0, 0, -1, NULL, 0, 0 },
	{ "frames", NODE_ARG_INT, 0, AM_ARING_CAP_MAX, 0, NULL, 0, 0 },
	{ "channels", NODE_ARG_INT, 0, AM_ARING_CHAN_MAX, 0, NULL, 0, 0 },
	{ "rate", NODE_ARG_INT, 0, AM_ARING_RATE_MAX, 0, NULL, 0, 0 },
	{ "format", NODE_ARG_ENUM, 0, 0, 0, app_formats, 0, 0 },
	{ "wake", NODE_ARG_BOOL, 0, 1, 0, NULL, 0, 0 },
	{ "quality", NODE_ARG_ENUM, 0, 0, RESAMPLER_MEDIUM,
	    resampler_qualities, 0, 0 },
	{ "paused", NODE_ARG_INT, 0, 1, 0, NULL, 0, 1 },	/* and sink */
	{ "layout", NODE_ARG_STR, 0, 0, 0, NULL, 0, 0 },	/* and sink */
	{ "db", NODE_ARG_NUM, -200.0, 40.0, 0.0, NULL, 0, 1 },	/* source */
};

struct app {
	struct am_aring ring;		/* geometry private, counters shared */
	int memfd;			/* owned once init succeeded */
	struct app_wake w;		/* how the client is woken */
	int sink;			/* app_sink */
	int quality;			/* RESAMPLER_* */
	uint32_t seed;			/* RT: s16 dither generator */
	struct resampler rs;		/* source: ring rate -> rate run at;
					   sink: rate run at -> ring rate */
	struct dsp_ramp level;		/* source: "db", linear, RT */
	struct dsp_ramp pause;		/* RT: 1 playing, 0 paused */
	int paused;			/* RT: the "paused" argument */
	struct am_layout layout;	/* the ring's channels, relabelled */
	float *tmp;			/* RT: APP_CONV_FRAMES frames: sink:
					   ramped input; both: adapted */
	float *conv;			/* RT: as many: sink: converted */
	uint64_t out;			/* RT: frames produced, at that rate */
	uint32_t start;			/* frames: start playing at */
	int playing;			/* RT: reading the ring */
	int started;			/* RT: played at least once */
	uint64_t xruns;			/* RT: frames, total */
	uint64_t faults;		/* RT: counters out of range */
	uint64_t under, lost;		/* RT: frames, this period */
	uint64_t ev_pending;		/* RT: underrun frames, no event yet */
	uint64_t ev_lost;		/* RT: overrun frames, no event yet */
	uint64_t ev_pos;		/* RT: out at the last event */
	int ev_sent;			/* RT: any event sent */
	_Atomic int gone;		/* control: the client left */
};

/* RT: single-writer add to a counter the control thread reads. */
static inline void
app_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
	    memory_order_relaxed) + v, memory_order_relaxed);
}

/* Channels of a buffer the engine gives: 0 (no channel count) is 2. */
static inline uint32_t
app_ch(uint32_t ch)
{
	return ch != 0 ? ch : 2;
}

/*
 * RT: frames the ring must hold before a (re)start: its low watermark,
 * and at least the n frames of this period, so a start is never an
 * underrun at once; no more than the ring can hold.
 */
static inline uint32_t
app_start(const struct app *a, uint32_t n)
{
	uint32_t need = a->start > n ? a->start : n;

	return need < a->ring.cap ? need : a->ring.cap;
}

/* RT: a counter out of range: count a ring's worth lost, resync. */
static void
app_fault(struct app *a)
{
	a->faults++;
	atomic_store_explicit(&a->ring.hdr->faults, a->faults,
	    memory_order_relaxed);
	a->lost += a->ring.cap;
	am_aring_resync(&a->ring);
}

/*
 * RT: the source's input: n float frames of the ring's channels at its
 * rate into dst, from the ring or, where it runs dry, silence.
 */
static void
app_pull(void *ctx, float *dst, uint32_t n)
{
	struct app *a = ctx;
	struct am_aring *r = &a->ring;
	unsigned char *p;
	uint32_t have, take = 0, got = 0, k, fill, ch = r->channels;
	int eof;

	if (am_aring_avail(r, &have) < 0) {
		app_fault(a);
		have = 0;
	}
	eof = atomic_load_explicit(&r->hdr->eof, memory_order_relaxed) ||
	    atomic_load_explicit(&a->gone, memory_order_relaxed);
	if (!a->playing && (have >= app_start(a, n) || (eof && have > 0)))
		a->playing = a->started = 1;
	if (a->playing) {
		take = have < n ? have : n;
		while (got < take) {
			k = am_aring_region(r, got, take - got, &p);
			app_conv_in(r, p, dst + (size_t)ch * got, k);
			got += k;
		}
		if (take > 0)
			am_aring_advance(r, take, 0);
	}
	if (got < n) {
		memset(dst + (size_t)ch * got, 0, (size_t)(n - got) * ch *
		    sizeof(float));
		if (a->started && !eof) {
			a->under += n - got;
			a->playing = 0;		/* refill to start again */
		}
	}
	fill = have - take;
	if (app_wake_on(&a->w) && am_aring_wake_due(r, eof ? fill == 0 :
	    fill <= r->low))
		a->w.due = 1;
}

/*
 * RT: from the producer's stamp, how long the newest frame waits from
 * its write to its turn; 0 when the stamp is unusable.
 */
static uint64_t
app_latency(struct app *a, uint64_t now)
{
	struct am_aring_hdr *h = a->ring.hdr;
	uint64_t w1, w2, ns, ahead;

	w1 = atomic_load_explicit(&h->stamp_wr, memory_order_acquire);
	ns = atomic_load_explicit(&h->stamp_ns, memory_order_acquire);
	w2 = atomic_load_explicit(&h->stamp_wr, memory_order_acquire);
	ahead = w1 - a->ring.own;
	if (w1 != w2 || ns == 0 || ns > now || now - ns > APP_STAMP_MAX ||
	    ahead > a->ring.cap)
		return 0;
	return now - ns + am_clock_frames_ns(ahead, a->ring.rate);
}

/*
 * RT: after a period: counters (the node's and the ring's) at once,
 * xrun events at most APP_EV_DIV a second, each with the frames since
 * the last one.
 */
static void
app_report(struct app *a, const struct node_cycle *c)
{
	uint64_t under = a->under, lost = a->lost;

	if (under == 0 && lost == 0 && a->ev_pending == 0 && a->ev_lost == 0)
		return;
	if (under > 0)
		app_add(&c->stats->underruns, under);
	if (lost > 0)
		app_add(&c->stats->overruns, lost);
	a->xruns += under + lost;
	atomic_store_explicit(&a->ring.hdr->xruns, a->xruns,
	    memory_order_relaxed);
	a->ev_pending += under;
	a->ev_lost += lost;
	a->under = a->lost = 0;
	if (a->ev_sent && a->out - a->ev_pos < c->rate / APP_EV_DIV)
		return;
	if (a->ev_pending > 0)
		node_event(c, NODE_EV_UNDERRUN, a->ev_pending);
	if (a->ev_lost > 0)
		node_event(c, NODE_EV_OVERRUN, a->ev_lost);
	a->ev_pending = a->ev_lost = 0;
	a->ev_pos = a->out;
	a->ev_sent = 1;
}

/*
 * RT: of a period of frames, how many the node moves: all of them
 * playing (and ramping up), what the ramp down still needs, 0 once
 * paused. Loads the client's flag: one plain load, no system call.
 */
static uint32_t
app_pause_take(struct app *a, uint32_t frames)
{
	struct dsp_ramp *p = &a->pause;
	float want = 1.0f;

	if (!atomic_load_explicit(&a->gone, memory_order_relaxed) &&
	    (a->paused || atomic_load_explicit(&a->ring.hdr->paused,
	    memory_order_relaxed) != 0))
		want = 0.0f;
	if (want != p->to)
		dsp_ramp_set(p, want);
	if (p->to != 0.0f)
		return frames;
	if (p->cur == 0.0f)
		return 0;
	if (p->len == 0)	/* starts now: at least a period long */
		return frames;
	return p->len - p->pos < frames ? p->len - p->pos : frames;
}

/* RT: a level over n frames of ch channels; stereo's own kernel at 2. */
static inline void
app_ramp(struct dsp_ramp *r, float *dst, const float *src, uint32_t n,
    uint32_t ch, uint32_t rate)
{
	if (ch == 2)
		dsp_ramp_run(r, dst, src, n, rate);
	else
		dsp_ramp_run_ch(r, dst, src, n, ch, rate);
}

/* RT: n frames of ch at src through the pause level; nothing at 1. */
static void
app_pause_run(struct app *a, float *dst, const float *src, uint32_t n,
    uint32_t ch, uint32_t rate)
{
	if (a->pause.cur == 1.0f && a->pause.to == 1.0f) {
		if (dst != src)
			memcpy(dst, src, (size_t)n * ch * sizeof(float));
		return;
	}
	app_ramp(&a->pause, dst, src, n, ch, rate);
}

/*
 * RT: n frames of the ring's channels, converted to rate, into dst:
 * straight from the ring at its own rate, else through the resampler
 * (retargeted when the node runs at another rate than it was made for).
 */
static void
app_source_fill(struct app *a, float *dst, uint32_t n, uint32_t rate)
{
	if (rate == a->ring.rate) {
		app_pull(a, dst, n);
		return;
	}
	if (rate != a->rs.out_rate)
		resampler_retarget(&a->rs, rate);
	resampler_run(&a->rs, dst, n, app_pull, a);
}

/* RT: one period of the client's audio into out. */
static void
app_source_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct app *a = st;
	uint64_t lat, rd = a->ring.own;
	uint32_t n = app_pause_take(a, c->frames), och = app_ch(c->out_ch);
	uint32_t off, k;

	(void)in;
	if (och == a->ring.channels) {
		if (n > 0)
			app_source_fill(a, out, n, c->rate);
	} else {
		/* buffers of other channels than the ring's: adapted */
		for (off = 0; off < n; off += k) {
			k = n - off < APP_CONV_FRAMES ? n - off :
			    APP_CONV_FRAMES;
			app_source_fill(a, a->tmp, k, c->rate);
			app_conv_adapt(out + (size_t)och * off, och, a->tmp,
			    a->ring.channels, k);
		}
	}
	if (n < c->frames)
		memset(out + (size_t)och * n, 0, (size_t)(c->frames - n) *
		    och * sizeof(float));
	app_pause_run(a, out, out, n, och, c->rate);
	/* the application's volume: in place, nothing to do at 0 dB */
	app_ramp(&a->level, out, out, c->frames, och, c->rate);
	/*
	 * Frames flowed from the period's start: rd is heard with it.
	 * Paused: it would be, were the node playing; so a client's delay
	 * stays its ring's fill plus the output latency.
	 */
	if ((a->ring.own != rd || n == 0) && c->time_ns != 0)
		am_aring_play_stamp(&a->ring, rd, c->time_ns);
	a->out += c->frames;
	app_wake_post(&a->w, c);
	lat = app_latency(a, am_clock_ns());
	if (lat != 0)
		atomic_store_explicit(&c->stats->latency_ns, lat,
		    memory_order_relaxed);
	app_report(a, c);
}

/* RT: m float frames at src into the client's ring; what fits. */
static void
app_sink_put(struct app *a, const float *src, uint32_t m, uint64_t now)
{
	struct am_aring *r = &a->ring;
	unsigned char *p;
	uint32_t room, n, done = 0, k;

	if (am_aring_avail(r, &room) < 0) {
		app_fault(a);
		am_aring_avail(r, &room);
	}
	n = room < m ? room : m;
	while (done < n) {
		k = am_aring_region(r, done, n - done, &p);
		app_conv_out(r, &a->seed, src + (size_t)r->channels * done, p,
		    k);
		done += k;
	}
	if (n > 0)
		am_aring_advance(r, n, now);
	a->lost += m - n;
}

/*
 * RT: m frames at src, at rate Hz, converted to the ring's rate into
 * the ring: the converter's output buffer in the node's state, as many
 * rounds as the input needs (each takes input or fills the buffer).
 */
static void
app_sink_convert(struct app *a, const float *src, uint32_t m,
    uint32_t rate, uint64_t now)
{
	uint32_t used, made, off = 0, i;

	for (i = 0; off < m && i < APP_CONV_SPINS; i++) {
		made = resampler_push(&a->rs, rate, src +
		    (size_t)a->ring.channels * off, m - off, a->conv,
		    APP_CONV_FRAMES, &used);
		if (made > 0)
			app_sink_put(a, a->conv, made, now);
		off += used;
		if (used == 0 && made == 0)
			break;
	}
}

/* RT: one period of input into the client's ring. */
static void
app_sink_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct app *a = st;
	struct am_aring *r = &a->ring;
	uint32_t n = app_pause_take(a, c->frames), off, k;
	uint32_t ich = app_ch(c->in_ch), rch = r->channels;
	uint64_t now = am_clock_ns();
	const float *src;

	(void)out;
	for (off = 0; off < n; off += k) {
		k = n - off < APP_CONV_FRAMES ? n - off : APP_CONV_FRAMES;
		src = in + (size_t)ich * off;
		if (ich != rch) {	/* other channels: adapted */
			app_conv_adapt(a->tmp, rch, src, ich, k);
			src = a->tmp;
		}
		if (a->pause.cur != 1.0f || a->pause.to != 1.0f) {
			app_pause_run(a, a->tmp, src, k, rch, c->rate);
			src = a->tmp;
		}
		if (c->rate == r->rate)
			app_sink_put(a, src, k, now);
		else
			app_sink_convert(a, src, k, c->rate, now);
	}
	if (app_wake_on(&a->w) && am_aring_wake_due(r, r->own - r->peer >=
	    r->high))
		a->w.due = 1;
	app_wake_post(&a->w, c);
	app_report(a, c);
}

/* Control: the args that were given must agree with the ring. */
static int
app_match(const struct am_aring *r, const struct node_val *v, char *err,
    size_t errlen)
{
	uint32_t frames = (uint32_t)v[APP_ARG_FRAMES].num;
	uint32_t ch = (uint32_t)v[APP_ARG_CHANNELS].num;
	uint32_t rate = (uint32_t)v[APP_ARG_RATE].num;
	int fmt = (int)v[APP_ARG_FORMAT].num;

	if (frames != 0 && frames != r->cap) {
		snprintf(err, errlen, "frames: %u, but the ring holds %u",
		    frames, r->cap);
		return -EINVAL;
	}
	if (ch != 0 && ch != r->channels) {
		snprintf(err, errlen, "channels: %u, but the ring has %u", ch,
		    r->channels);
		return -EINVAL;
	}
	if (rate != 0 && rate != r->rate) {
		snprintf(err, errlen, "rate: %u, but the ring is at %u Hz",
		    rate, r->rate);
		return -EINVAL;
	}
	if (fmt != 0 && (uint32_t)fmt - 1 != r->format) {
		snprintf(err, errlen, "format: %s, but the ring holds %s",
		    app_formats[fmt], am_aring_formats[r->format]);
		return -EINVAL;
	}
	return 0;
}

/*
 * Control: the converter for a graph at rate: a source's from the
 * ring's rate, with RESAMPLER_VARY to retarget it in a resample node's
 * domain; a sink's to the ring's rate, none when they are equal.
 */
static int
app_conv_init(struct app *a, uint32_t rate, char *err, size_t errlen)
{
	if (a->sink)
		return resampler_init_ch(&a->rs, a->quality |
		    RESAMPLER_LOWLAT, a->ring.channels, rate, a->ring.rate,
		    RT_FRAMES_MAX, err, errlen);
	return resampler_init_ch(&a->rs, a->quality | RESAMPLER_VARY |
	    RESAMPLER_LOWLAT, a->ring.channels, a->ring.rate, rate,
	    RT_FRAMES_MAX, err, errlen);
}

/*
 * Control: attach the ring and check it against the args. Nothing is
 * kept on failure: the descriptors stay the connection's.
 */
static int
app_init(struct app *a, const struct node_val *v, uint32_t rate, int sink,
    char *err, size_t errlen)
{
	int fd = (int)v[APP_ARG_FD].num, mfd = (int)v[APP_ARG_MEMFD].num;
	int evfd = (int)v[APP_ARG_EVENTFD].num, rc;

	a->sink = sink;
	a->seed = AM_AFMT_DITHER_SEED;
	if (fd >= 0 && mfd >= 0 && fd != mfd) {
		snprintf(err, errlen, "give the ring as fd or as memfd, not "
		    "both");
		return -EINVAL;
	}
	a->memfd = fd >= 0 ? fd : mfd;
	if (a->memfd < 0) {
		snprintf(err, errlen, "%s needs its ring: \"fd\" (or "
		    "\"memfd\"), a passed memfd", sink ? "app_sink" :
		    "app_source");
		return -EINVAL;
	}
	if (evfd >= 0 && evfd == a->memfd) {
		snprintf(err, errlen, "eventfd: the same descriptor as the "
		    "ring");
		return -EINVAL;
	}
	rc = am_aring_attach(&a->ring, a->memfd, sink, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = app_match(&a->ring, v, err, errlen)) < 0)
		goto fail;
	if ((rc = app_conv_layout(&a->ring, v[APP_ARG_LAYOUT].str,
	    &a->layout, err, errlen)) < 0)
		goto fail;
	a->quality = (int)v[APP_ARG_QUALITY].num;
	if ((rc = app_conv_init(a, rate, err, errlen)) < 0)
		goto fail;
	/* wide enough for the ring's channels and for stereo buffers */
	a->tmp = xcalloc((size_t)APP_CONV_FRAMES * (a->ring.channels > 2 ?
	    a->ring.channels : 2), sizeof(float));
	a->conv = xcalloc((size_t)APP_CONV_FRAMES * a->ring.channels,
	    sizeof(float));
	if ((rc = app_wake_init(&a->w, evfd, v[APP_ARG_WAKE].num != 0, err,
	    errlen)) < 0) {
		resampler_done(&a->rs);
		free(a->tmp);
		free(a->conv);
		a->tmp = a->conv = NULL;
		goto fail;
	}
	dsp_ramp_init(&a->level, sink ? 1.0f :
	    dsp_db_to_gain(v[APP_ARG_DB].num));
	a->paused = v[APP_ARG_PAUSED].num != 0;
	dsp_ramp_init(&a->pause, a->paused ? 0.0f : 1.0f);
	a->start = a->ring.low > 0 ? a->ring.low : 1;
	return 0;
fail:
	am_aring_detach(&a->ring);
	return rc;
}

/*
 * RT: a new "db" for a source, ramped to from the next period on; a new
 * "paused", for either, taken at the next period (app_pause_take).
 */
static void
app_set(void *st, int arg, double val)
{
	struct app *a = st;

	if (arg == APP_ARG_DB)
		dsp_ramp_set(&a->level, dsp_db_to_gain(val));
	else if (arg == APP_ARG_PAUSED)
		a->paused = val != 0;
}

static int
app_source_init(void *st, const struct node_val *v, uint32_t rate,
    char *err, size_t errlen)
{
	return app_init(st, v, rate, 0, err, errlen);
}

static int
app_sink_init(void *st, const struct node_val *v, uint32_t rate,
    char *err, size_t errlen)
{
	return app_init(st, v, rate, 1, err, errlen);
}

/* Control: NODE_EV_WAKE arrived: the client's eventfd (app_wake.c). */
static void
app_wake(void *st)
{
	struct app *a = st;

	app_wake_control(&a->w);
}

/* Control, after create_node: the wake pipe's read end, or -1. */
static int
app_reply_fd(void *st)
{
	struct app *a = st;

	return app_wake_reply_fd(&a->w);
}

/* Control: the ring's mapped size, for the ring_mb quota. */
static size_t
app_mem(void *st)
{
	struct app *a = st;

	return a->ring.maplen;
}

/* Control: tell the client the ring is let go, wake it, close all. */
static void
app_done(void *st)
{
	struct app *a = st;

	if (a->ring.hdr != NULL)
		atomic_store(&a->ring.hdr->closed, 1);
	app_wake_done(&a->w);		/* a client in read(2) sees the end */
	am_aring_detach(&a->ring);
	if (a->memfd >= 0)
		close(a->memfd);
	resampler_done(&a->rs);
	free(a->tmp);
	free(a->conv);
}

/*
 * Control, at plan time: the ring's layout is what a source gives and
 * a sink takes; links convert to and from it.
 */
static int
app_layout(void *st, const struct am_layout *up, struct am_layout *in,
    struct am_layout *out, char *err, size_t errlen)
{
	struct app *a = st;

	(void)up;
	(void)err;
	(void)errlen;
	*in = a->layout;
	*out = a->layout;
	return 0;
}

/* Control: the graph rate changed (engine stopped): a new converter. */
static int
app_rate(void *st, uint32_t rate, char *err, size_t errlen)
{
	struct app *a = st;

	resampler_done(&a->rs);
	return app_conv_init(a, rate, err, errlen);
}

/*
 * Control, once the client is gone: 1 when the ring is empty (or its
 * counters are garbage). Until then the source plays out what it holds,
 * whatever the client left in eof.
 */
static int
app_source_drained(void *st)
{
	struct app *a = st;
	uint64_t wr, rd;

	atomic_store(&a->gone, 1);
	wr = atomic_load(&a->ring.hdr->wr);
	rd = atomic_load(&a->ring.hdr->rd);
	return wr - rd == 0 || wr - rd > a->ring.cap;
}

const struct node_ops node_app_source_ops = {
	.type = "app_source",
	.size = sizeof(struct app),
	.flags = NODE_SOURCE | NODE_OWNED,
	.args = app_source_args,
	.nargs = 12,
	.init = app_source_init,
	.set = app_set,
	.done = app_done,
	.process = app_source_process,
	.rate = app_rate,
	.drained = app_source_drained,
	.wake = app_wake,
	.reply_fd = app_reply_fd,
	.mem = app_mem,
	.layout = app_layout,
};

const struct node_ops node_app_sink_ops = {
	.type = "app_sink",
	.size = sizeof(struct app),
	.flags = NODE_SINK | NODE_OWNED,
	.args = app_source_args,
	.nargs = 11,	/* all but "db" */
	.init = app_sink_init,
	.set = app_set,
	.done = app_done,
	.process = app_sink_process,
	.rate = app_rate,
	.wake = app_wake,
	.reply_fd = app_reply_fd,
	.mem = app_mem,
	.layout = app_layout,
};
