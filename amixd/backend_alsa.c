/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend: a playback PCM, and optionally a capture PCM, driving
 * the real-time thread with the device's own clock.
 *
 * Open negotiates, for playback: interleaved access (read/write, else
 * mmap), the first sample format the device takes of f32, s32, s24 (in
 * 4 bytes), s24_3 (packed) and s16, the channel count nearest to the
 * one asked for, the rate and the period (exactly when cfg->strict, else
 * the nearest the device offers) and a buffer of cfg->periods periods.
 * What was granted is written back into cfg. Capture, when asked for
 * ("capture", or a separate "capture_name"), must then run at the same
 * rate and period. The device's reasons (snd_strerror, and what
 * alsa-lib said) end up in the error message.
 *
 * The real-time thread (alsa_thread) polls the PCMs' descriptors, asked
 * for again before every poll(2) and decoded with
 * snd_pcm_poll_descriptors_revents, plus an eventfd that stop uses to
 * wake it. When every open stream has a period to move it reads the
 * capture period into rt->dev_in, runs rt_cycle, and writes rt->dev_out
 * to playback; it does this as many times as whole periods are free, so
 * the buffer stays full. Playback starts from a buffer full of silence,
 * so the latency is the buffer.
 *
 * Channels: the graph is stereo. A mono device gets (L + R) / 2, a mono
 * capture is copied to both sides; devices with more channels get L and
 * R on the first two and silence on the rest, and give their first two.
 * Samples go through lib/afmt (k / 2^(n-1) both ways, so capture and
 * playback of the same integer samples are bit-exact). Every format,
 * f32 included, is clipped to full scale: nothing beyond it reaches the
 * device, and each clipped sample is counted in the device sinks'
 * "clipped". s16 gets TPDF dither from a fixed-seed generator where a
 * sample is not exact, so the same graph gives the same bytes and a
 * 16-bit source at 0 dB plays bit-perfect.
 *
 * Lateness: at each wake-up, the frames the device has free beyond the
 * one period the thread waits for, as time: the resolution of the
 * device pointer (a DMA position on hardware, a whole JACK period on the
 * jack plugin). The audio clock (aclock.c) is fed, each wake-up, the
 * time the next frame written will be heard: now plus what playback
 * still has queued (buffer - avail); the DLL filters the pointer's
 * granularity out. Drift: frames the device consumed (written - queued)
 * against CLOCK_MONOTONIC since the last (re)start, in ppm, published by
 * the RT thread as the bits of a double. The device clock stays in
 * charge: drift is only reported.
 *
 * Xruns: -EPIPE (underrun, overrun) and -ESTRPIPE (suspend) restart both
 * streams (drop, prepare, refill silence, start) and are reported with
 * how long the device had been without data. A device that stops
 * consuming for longer than a buffer and a period (a stopped JACK
 * server: the plugin sees no underrun, its clock just stands still) left
 * a gap in the output: an underrun of that length, though no sample was
 * lost. -ENODEV, -EBADFD, -EIO, a restart that fails, AL_FAILS_MAX
 * xruns with no good period between them, or no progress at all for
 * AL_LOST_NS or two buffers (a JACK server that died) is a lost device:
 * rt_lost, and the thread ends; the engine closes it and retries.
 *
 * The jack plugin signals a period through a socket it drains only when
 * polled with less than a period free: after each period the next poll
 * returns at once with nothing to do (counted in rt.wakeups_empty; a
 * poll(2) and an avail, no sleep). A PCM that keeps doing that (AL_EMPTY_MAX
 * in a row) is waited for by timed sleeps of a quarter period instead,
 * and no wait lasts beyond AL_POLL_MS (see alsa_wait).
 *
 * open/close/start/stop/drift_ppm run on the control thread; functions
 * marked RT run on the real-time thread and only call snd_pcm_*, poll,
 * write to the eventfd, clock_gettime and the rt_* entry points.
 */

#include <sys/eventfd.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

#include "afmt.h"
#include "backend.h"
#include "clock.h"
#include "dsp.h"
#include "engine.h"
#include "log.h"
#include "util.h"

#define AL_CHANNELS_MAX	8		/* device channels handled */
#define AL_PFD_MAX	32		/* poll descriptors, both streams */
#define AL_POLL_MS	100		/* poll timeout: look for a stall */
#define AL_EMPTY_MAX	16		/* empty wake-ups, then timed waits */
#define AL_LOST_NS	AM_NSEC_PER_SEC	/* no progress: device lost */
#define AL_FAILS_MAX	8		/* xruns in a row: device lost */
#define AL_DRIFT_SKIP	32		/* wake-ups before measuring drift */
#define AL_DITHER_SEED	AM_AFMT_DITHER_SEED

enum { AL_F32, AL_S32, AL_S24, AL_S24_3, AL_S16 };

static const struct alsa_fmt {
	snd_pcm_format_t fmt;
	const char *name;		/* as reported in dev_config */
	uint32_t bytes;			/* per sample */
	int afmt;			/* AM_AFMT_* */
} alsa_fmts[] = {
	[AL_F32] = { SND_PCM_FORMAT_FLOAT_LE, "f32", 4, AM_AFMT_F32 },
	[AL_S32] = { SND_PCM_FORMAT_S32_LE, "s32", 4, AM_AFMT_S32 },
	[AL_S24] = { SND_PCM_FORMAT_S24_LE, "s24", 4, AM_AFMT_S24 },
	[AL_S24_3] = { SND_PCM_FORMAT_S24_3LE, "s24_3", 3, AM_AFMT_S24_3 },
	[AL_S16] = { SND_PCM_FORMAT_S16_LE, "s16", 2, AM_AFMT_S16 },
};

/* One stream. */
struct alsa_pcm {
	snd_pcm_t *pcm;			/* NULL: not open */
	int capture;
	int mmap;			/* mmap access, else read/write */
	int fmt;			/* AL_* */
	uint32_t channels;
	uint32_t bpf;			/* bytes per frame */
	void *buf;			/* one period, device format */
	void *zero;			/* one period of silence */
	uint32_t seed;			/* dither generator state */
};

struct alsa_dev {
	struct engine *e;		/* borrowed: main */
	struct alsa_pcm play, cap;
	pthread_t thread;
	int running;			/* thread not yet joined */
	_Atomic int quit;
	int wakefd;			/* eventfd: stop wakes the thread */
	uint32_t rate;			/* Hz */
	uint32_t period;		/* frames */
	uint32_t buffer;		/* frames */
	/* RT-owned while the thread runs. */
	uint64_t written;		/* playback frames since restart */
	uint64_t t_prog;		/* last period moved, ns */
	uint64_t t_dry;			/* playback runs out, ns */
	uint64_t t_full;		/* capture overflows, ns */
	uint64_t w_pos, w_t;		/* at the last wake-up: frames, ns */
	uint64_t stall_ns;		/* a longer gap is an xrun */
	uint64_t lost_ns;		/* a longer silence: device lost */
	uint64_t d_pos0, d_t0;		/* drift base: frames, ns */
	int d_skip;			/* wake-ups before a drift base */
	int fails;			/* restarts since a good period */
	_Atomic uint64_t drift;		/* bits of a double, ppm */
};

/*
 * alsa-lib's messages ("Unknown PCM x") while the control thread opens
 * a device are kept for the error reply; anywhere else (the real-time
 * thread) they are dropped, never printed.
 */
static _Thread_local char *alsa_errbuf;
static _Thread_local size_t alsa_errlen;

static void
alsa_lib_error(const char *file, int line, const char *func, int err,
    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	(void)file;
	(void)line;
	(void)func;
	(void)err;
	if (alsa_errbuf == NULL)
		return;
	n = strlen(alsa_errbuf);
	if (n + 3 >= alsa_errlen)
		return;
	if (n > 0) {
		memcpy(alsa_errbuf + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(alsa_errbuf + n, alsa_errlen - n, fmt, ap);
	va_end(ap);
}

/* Control: collect alsa-lib's messages into buf (NULL: stop). */
static void
alsa_lib_catch(char *buf, size_t len)
{
	static int set;

	if (!set) {
		snd_lib_error_set_handler(alsa_lib_error);
		set = 1;
	}
	if (buf != NULL)
		buf[0] = '\0';
	alsa_errbuf = buf;
	alsa_errlen = len;
}

/* Control: "what: reason (alsa-lib's words)" into err; returns rc. */
static int
alsa_err(int rc, const char *said, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	snprintf(err + n, errlen - n, ": %s%s%s%s", snd_strerror(rc),
	    said[0] != '\0' ? " (" : "", said, said[0] != '\0' ? ")" : "");
	return rc;
}

/*
 * Control: open one stream and negotiate its parameters. want holds the
 * request; on success it holds what was granted. 0 or -errno with err.
 */
static int
alsa_pcm_open(struct alsa_pcm *p, const char *name, int capture,
    struct dev_config *want, char *err, size_t errlen)
{
	const char *dir = capture ? "capture" : "playback";
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t period, buffer, boundary, lo, hi;
	unsigned int rate, ch, periods, rlo, rhi;
	char said[256];
	size_t i;
	int rc, d = 0;

	alsa_lib_catch(said, sizeof(said));
	p->capture = capture;
	rc = snd_pcm_open(&p->pcm, name, capture ? SND_PCM_STREAM_CAPTURE :
	    SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
	if (rc < 0) {
		p->pcm = NULL;
		alsa_err(rc, said, err, errlen, "%s: cannot open for %s",
		    name, dir);
		goto out;
	}
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	rc = snd_pcm_hw_params_any(p->pcm, hw);
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: no %s configuration",
		    name, dir);
		goto out;
	}

	p->mmap = 0;
	rc = snd_pcm_hw_params_set_access(p->pcm, hw,
	    SND_PCM_ACCESS_RW_INTERLEAVED);
	if (rc < 0) {
		p->mmap = 1;
		rc = snd_pcm_hw_params_set_access(p->pcm, hw,
		    SND_PCM_ACCESS_MMAP_INTERLEAVED);
	}
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: no interleaved %s access "
		    "(read/write or mmap)", name, dir);
		goto out;
	}

	for (i = 0; i < AM_NELEM(alsa_fmts); i++) {
		if (snd_pcm_hw_params_test_format(p->pcm, hw,
		    alsa_fmts[i].fmt) == 0)
			break;
	}
	if (i == AM_NELEM(alsa_fmts)) {
		alsa_err(-EINVAL, said, err, errlen, "%s: no %s sample format "
		    "amixd converts (f32, s32, s24, s24_3, s16)", name, dir);
		rc = -EINVAL;
		goto out;
	}
	p->fmt = (int)i;
	rc = snd_pcm_hw_params_set_format(p->pcm, hw, alsa_fmts[i].fmt);
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: %s format %s", name, dir,
		    alsa_fmts[i].name);
		goto out;
	}

	ch = want->channels;
	rc = snd_pcm_hw_params_set_channels_near(p->pcm, hw, &ch);
	if (rc == 0 && ch > AL_CHANNELS_MAX)
		rc = -EINVAL;
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: %s channels %u", name,
		    dir, want->channels);
		goto out;
	}

	snd_pcm_hw_params_get_rate_min(hw, &rlo, NULL);
	snd_pcm_hw_params_get_rate_max(hw, &rhi, NULL);
	rate = want->rate;
	if (want->strict)
		rc = snd_pcm_hw_params_set_rate(p->pcm, hw, rate, 0);
	else
		rc = snd_pcm_hw_params_set_rate_near(p->pcm, hw, &rate, &d);
	if (rc == 0 && (rate < ENGINE_RATE_MIN || rate > ENGINE_RATE_MAX))
		rc = -ERANGE;
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: %s rate %u Hz (the device "
		    "does %u to %u Hz)", name, dir, want->rate, rlo, rhi);
		goto out;
	}

	snd_pcm_hw_params_get_period_size_min(hw, &lo, NULL);
	snd_pcm_hw_params_get_period_size_max(hw, &hi, NULL);
	period = want->period;
	d = 0;
	if (want->strict)
		rc = snd_pcm_hw_params_set_period_size(p->pcm, hw, period, 0);
	else
		rc = snd_pcm_hw_params_set_period_size_near(p->pcm, hw,
		    &period, &d);
	if (rc == 0 && (period < RT_FRAMES_MIN || period > RT_FRAMES_MAX))
		rc = -ERANGE;
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: %s period %u frames at %u "
		    "Hz (the device does %lu to %lu)", name, dir,
		    want->period, rate, (unsigned long)lo, (unsigned long)hi);
		goto out;
	}

	periods = want->periods < 2 ? 2 : want->periods;
	rc = snd_pcm_hw_params_set_periods_integer(p->pcm, hw);
	if (rc == 0) {
		d = 0;
		rc = snd_pcm_hw_params_set_periods_near(p->pcm, hw, &periods,
		    &d);
	}
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: %s buffer of %u periods",
		    name, dir, want->periods);
		goto out;
	}

	rc = snd_pcm_hw_params(p->pcm, hw);
	if (rc < 0) {
		alsa_err(rc, said, err, errlen, "%s: cannot set up %s", name,
		    dir);
		goto out;
	}
	snd_pcm_hw_params_get_buffer_size(hw, &buffer);
	if (buffer < 2 * period || buffer / period > 64) {
		rc = alsa_err(-EINVAL, said, err, errlen, "%s: %s buffer of "
		    "%lu frames for a period of %lu", name, dir,
		    (unsigned long)buffer, (unsigned long)period);
		goto out;
	}

	/* Woken per period; started by hand, after the silence. */
	if ((rc = snd_pcm_sw_params_current(p->pcm, sw)) < 0 ||
	    (rc = snd_pcm_sw_params_get_boundary(sw, &boundary)) < 0 ||
	    (rc = snd_pcm_sw_params_set_avail_min(p->pcm, sw, period)) < 0 ||
	    (rc = snd_pcm_sw_params_set_start_threshold(p->pcm, sw,
	    boundary)) < 0 ||
	    (rc = snd_pcm_sw_params_set_stop_threshold(p->pcm, sw,
	    buffer)) < 0 ||
	    (rc = snd_pcm_sw_params(p->pcm, sw)) < 0) {
		alsa_err(rc, said, err, errlen, "%s: %s software parameters",
		    name, dir);
		goto out;
	}

	p->channels = ch;
	p->bpf = ch * alsa_fmts[p->fmt].bytes;
	p->buf = xcalloc(period, p->bpf);
	p->zero = xcalloc(period, p->bpf);
	/* Touch every page now, not on the real-time thread. */
	memset(p->buf, 0, (size_t)period * p->bpf);
	memset(p->zero, 0, (size_t)period * p->bpf);
	p->seed = AL_DITHER_SEED;
	want->channels = ch;
	want->rate = rate;
	want->period = (uint32_t)period;
	want->periods = (uint32_t)(buffer / period);
	snprintf(want->format, sizeof(want->format), "%s",
	    alsa_fmts[p->fmt].name);
	rc = 0;
out:
	alsa_lib_catch(NULL, 0);
	return rc;
}

/* Control: close a stream, open or half-open, and free its buffers. */
static void
alsa_pcm_close(struct alsa_pcm *p)
{
	if (p->pcm != NULL)
		snd_pcm_close(p->pcm);
	free(p->buf);
	free(p->zero);
	memset(p, 0, sizeof(*p));
}

/* RT: device channel c of frame i of the stereo graph output. */
static inline float
alsa_out(const float *src, uint32_t i, uint32_t c, uint32_t ch)
{
	if (ch == 1)
		return 0.5f * (src[2 * i] + src[2 * i + 1]);
	return c < 2 ? src[2 * i + c] : 0.0f;
}

/*
 * RT: stereo float frames to the device's channels and format at p->buf,
 * through lib/afmt (rounded, clipped, NaN as 0; s16 dithered where not
 * exact). The number of samples clipped.
 */
static uint64_t
alsa_encode(struct alsa_pcm *p, const float *src, uint32_t frames)
{
	uint32_t i, c, ch = p->channels;
	int af = alsa_fmts[p->fmt].afmt;
	uint32_t bs = alsa_fmts[p->fmt].bytes;
	uint32_t *dither = p->fmt == AL_S16 ? &p->seed : NULL;
	unsigned char *b = p->buf;
	uint64_t clipped = 0;

	if (ch == 2)
		return am_afmt_encode(af, p->buf, src, (size_t)frames * 2,
		    dither);
	for (i = 0; i < frames; i++)
		for (c = 0; c < ch; c++, b += bs)
			clipped += (uint64_t)am_afmt_put(af, b,
			    alsa_out(src, i, c, ch), dither);
	return clipped;
}

/* RT: the device's capture frames to stereo float. */
static void
alsa_decode(const struct alsa_pcm *p, float *dst, uint32_t frames)
{
	const uint8_t *q = p->buf;
	int af = alsa_fmts[p->fmt].afmt;
	uint32_t i, bs = alsa_fmts[p->fmt].bytes;

	if (p->channels == 2) {
		am_afmt_decode(af, dst, q, (size_t)frames * 2);
		return;
	}
	for (i = 0; i < frames; i++, q += p->bpf) {
		dst[2 * i] = am_afmt_get(af, q);
		dst[2 * i + 1] = p->channels == 1 ? dst[2 * i] :
		    am_afmt_get(af, q + bs);
	}
}

/*
 * RT: move frames frames between buf and the device, non-blocking.
 * Frames moved (short only if the device refused more) or -errno.
 */
static snd_pcm_sframes_t
alsa_xfer(struct alsa_pcm *p, void *buf, uint32_t frames)
{
	snd_pcm_sframes_t n;
	uint32_t done = 0;
	int tries;

	for (tries = 0; done < frames && tries < 4; tries++) {
		char *at = (char *)buf + (size_t)done * p->bpf;

		if (p->capture)
			n = p->mmap ? snd_pcm_mmap_readi(p->pcm, at,
			    frames - done) : snd_pcm_readi(p->pcm, at,
			    frames - done);
		else
			n = p->mmap ? snd_pcm_mmap_writei(p->pcm, at,
			    frames - done) : snd_pcm_writei(p->pcm, at,
			    frames - done);
		if (n == -EAGAIN)
			break;
		if (n < 0)
			return n;
		done += (uint32_t)n;
	}
	return done;
}

/*
 * RT, or control before the thread runs: restart both streams from a
 * buffer of silence. A suspended device is resumed first if it can be.
 */
static int
alsa_restart(struct alsa_dev *d, int err)
{
	snd_pcm_sframes_t n;
	uint32_t left;
	int rc;

	if (err == -ESTRPIPE) {
		snd_pcm_resume(d->play.pcm);
		if (d->cap.pcm != NULL)
			snd_pcm_resume(d->cap.pcm);
	}
	if (snd_pcm_state(d->play.pcm) != SND_PCM_STATE_PREPARED)
		snd_pcm_drop(d->play.pcm);
	if ((rc = snd_pcm_prepare(d->play.pcm)) < 0)
		return rc;
	if (d->cap.pcm != NULL) {
		if (snd_pcm_state(d->cap.pcm) != SND_PCM_STATE_PREPARED)
			snd_pcm_drop(d->cap.pcm);
		if ((rc = snd_pcm_prepare(d->cap.pcm)) < 0)
			return rc;
	}
	for (left = d->buffer; left > 0; left -= (uint32_t)n) {
		n = alsa_xfer(&d->play, d->play.zero,
		    left < d->period ? left : d->period);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
	}
	d->written = d->buffer - left;
	if (d->cap.pcm != NULL && (rc = snd_pcm_start(d->cap.pcm)) < 0)
		return rc;
	if ((rc = snd_pcm_start(d->play.pcm)) < 0)
		return rc;
	d->t_prog = am_clock_ns();
	d->t_dry = d->t_prog + am_clock_frames_ns(d->written, d->rate);
	d->t_full = d->t_prog + am_clock_frames_ns(d->buffer, d->rate);
	d->d_skip = AL_DRIFT_SKIP;
	d->w_pos = 0;
	d->w_t = d->t_prog;
	return 0;
}

/* RT: is err the device gone rather than a glitch? */
static int
alsa_gone(int err)
{
	return err == -ENODEV || err == -EBADFD || err == -EIO ||
	    err == -ENXIO || err == -ESHUTDOWN || err == -ENOTTY;
}

/*
 * RT: stream p failed with err: report the xrun and restart. 0 when the
 * audio goes on, -errno when the device is lost.
 */
static int
alsa_fail(struct alsa_dev *d, struct alsa_pcm *p, int err)
{
	uint64_t now = am_clock_ns(), since;

	if (alsa_gone(err) || ++d->fails > AL_FAILS_MAX)
		return err;
	since = p->capture ? d->t_full : d->t_dry;
	rt_xrun(&d->e->rt, p->capture ? RT_XRUN_OVERRUN : RT_XRUN_UNDERRUN,
	    now > since ? (now - since) / 1000 : 0);
	return alsa_restart(d, err);
}

/* RT: what a poll error on a stream means: -errno, or 0 (carry on). */
static int
alsa_state_err(struct alsa_pcm *p)
{
	switch (snd_pcm_state(p->pcm)) {
	case SND_PCM_STATE_XRUN:
		return -EPIPE;
	case SND_PCM_STATE_SUSPENDED:
		return -ESTRPIPE;
	case SND_PCM_STATE_DISCONNECTED:
		return -ENODEV;
	case SND_PCM_STATE_RUNNING:
	case SND_PCM_STATE_PREPARED:
		return 0;
	default:
		return -EBADFD;
	}
}

/*
 * RT: has stream p a period to move? 1 (with *min lowered to what it
 * has), 0 not yet, or -errno.
 */
static int
alsa_ready(struct alsa_dev *d, struct alsa_pcm *p, snd_pcm_sframes_t *min)
{
	snd_pcm_sframes_t av = snd_pcm_avail(p->pcm);

	if (av < 0)
		return (int)av;
	if ((snd_pcm_uframes_t)av > d->buffer)
		return -EPIPE;		/* plugins may not notice */
	if (av < (snd_pcm_sframes_t)d->period)
		return 0;
	if (*min == 0 || av < *min)
		*min = av;
	return 1;
}

/*
 * RT: wait until every open stream has at least a period to move. The
 * frames every stream can move (>= one period); 0 when asked to quit;
 * -ETIMEDOUT after AL_POLL_MS without a ready stream; or -errno with
 * *bad set to the failing stream.
 *
 * Bounded: a plugin whose descriptors keep waking us with nothing to do
 * (PipeWire's busy-spins so) would make this loop forever. After
 * AL_EMPTY_MAX empty wake-ups in a row the wait stops trusting the
 * descriptors and sleeps a quarter period at a time on the stop eventfd
 * alone, then asks avail; and, empty or timed, it gives up with
 * -ETIMEDOUT after AL_POLL_MS, as a poll that timed out would.
 */
static snd_pcm_sframes_t
alsa_wait(struct alsa_dev *d, struct alsa_pcm **bad)
{
	struct alsa_pcm *st[2] = { &d->play, &d->cap };
	struct pollfd pfd[AL_PFD_MAX];
	struct timespec nap;
	snd_pcm_sframes_t min = 0;
	unsigned short rev;
	uint64_t t0 = am_clock_ns();
	int i, n, k, rc, cnt[2], ready[2] = { 0, 0 };
	int nst = d->cap.pcm != NULL ? 2 : 1, left = nst, moved, empty = 0;

	am_clock_ts(am_clock_frames_ns(d->period, d->rate) / 4, &nap);
	for (;;) {
		if (atomic_load_explicit(&d->quit, memory_order_acquire))
			return 0;
		pfd[0].fd = d->wakefd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		n = 1;
		for (i = 0; i < nst; i++) {
			cnt[i] = 0;
			if (ready[i] || empty >= AL_EMPTY_MAX)
				continue;
			/* Asked again each time: plugins may change them. */
			cnt[i] = snd_pcm_poll_descriptors(st[i]->pcm, &pfd[n],
			    AL_PFD_MAX - n);
			if (cnt[i] <= 0) {
				*bad = st[i];
				return cnt[i] < 0 ? cnt[i] : -EIO;
			}
			n += cnt[i];
		}
		if (empty >= AL_EMPTY_MAX)
			rc = ppoll(pfd, 1, &nap, NULL);	/* timed */
		else
			rc = poll(pfd, (nfds_t)n, AL_POLL_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			*bad = &d->play;
			return -errno;
		}
		if (rc == 0 && n > 1)
			return -ETIMEDOUT;
		if (pfd[0].revents != 0)
			continue;	/* stop: the flag says so */
		atomic_fetch_add_explicit(&d->e->rt.wakeups, 1,
		    memory_order_relaxed);
		moved = 0;
		for (i = 0, k = 1; i < nst; k += cnt[i], i++) {
			if (ready[i])
				continue;
			*bad = st[i];
			if (n > 1) {
				rc = snd_pcm_poll_descriptors_revents(
				    st[i]->pcm, &pfd[k], (unsigned int)cnt[i],
				    &rev);
				if (rc < 0)
					return rc;
				if ((rev & (POLLERR | POLLNVAL)) &&
				    (rc = alsa_state_err(st[i])) < 0)
					return rc;
				if (!(rev & (st[i]->capture ? POLLIN :
				    POLLOUT | POLLERR)))
					continue;
			}
			if ((rc = alsa_ready(d, st[i], &min)) < 0)
				return rc;
			if (rc == 0)
				continue;
			ready[i] = 1;
			moved = 1;
			left--;
		}
		if (left == 0)
			return min;
		if (!moved) {
			atomic_fetch_add_explicit(&d->e->rt.wakeups_empty, 1,
			    memory_order_relaxed);
			if (empty < AL_EMPTY_MAX)
				empty++;
		}
		if (am_clock_ns() - t0 > (uint64_t)AL_POLL_MS * 1000000)
			return -ETIMEDOUT;
	}
}

/* RT: one period: capture in, the graph, playback out. 0 or -errno. */
static int
alsa_period(struct alsa_dev *d, struct alsa_pcm **bad)
{
	struct rt *rt = &d->e->rt;
	snd_pcm_sframes_t n;
	const void *out;
	uint64_t clipped;

	if (d->cap.pcm != NULL) {
		*bad = &d->cap;
		n = alsa_xfer(&d->cap, d->cap.buf, d->period);
		if (n < 0)
			return (int)n;
		if ((uint32_t)n < d->period)
			memset((char *)d->cap.buf + (size_t)n * d->cap.bpf, 0,
			    (size_t)(d->period - (uint32_t)n) * d->cap.bpf);
		alsa_decode(&d->cap, rt->dev_in, d->period);
	}
	rt_cycle(rt, d->period, d->rate);
	if (rt_left(rt))
		return -ECANCELED;	/* the watchdog replaced this thread */
	/* Nothing beyond full scale reaches the device, f32 included. */
	if (d->play.fmt == AL_F32 && d->play.channels == 2) {
		clipped = am_afmt_clip(rt->dev_out, (size_t)d->period * 2);
		out = rt->dev_out;
	} else {
		clipped = alsa_encode(&d->play, rt->dev_out, d->period);
		out = d->play.buf;
	}
	if (clipped > 0)
		device_sink_clipped(rt->cur, clipped);
	*bad = &d->play;
	n = alsa_xfer(&d->play, (void *)out, d->period);
	if (n < 0)
		return (int)n;
	d->written += (uint64_t)n;
	return 0;
}

/*
 * RT: follow the device clock at a wake-up where playback has avail
 * frames free: the frames it consumed against CLOCK_MONOTONIC, as drift
 * in ppm since the last (re)start, and how long it consumed nothing it
 * should have since the last wake-up. A device that stalled for more
 * than a buffer and a period (a JACK server stopped, a host that froze)
 * left a gap in the output although no sample was lost: that gap in ns
 * is returned, and the drift starts over after it. Else 0.
 */
static uint64_t
alsa_clock(struct alsa_dev *d, snd_pcm_sframes_t avail, uint64_t now)
{
	uint64_t pos = d->written + (uint64_t)avail, dt = now - d->w_t;
	uint64_t played, gap = 0;
	union { double f; uint64_t u; } ppm;

	pos = pos > d->buffer ? pos - d->buffer : 0;
	played = am_clock_frames_ns(pos > d->w_pos ? pos - d->w_pos : 0,
	    d->rate);
	d->w_t = now;
	d->w_pos = pos;
	if (dt > played && dt - played > d->stall_ns) {
		gap = dt - played;
		d->d_skip = AL_DRIFT_SKIP;
	}
	/* The base is taken once the device has settled. */
	if (d->d_skip > 0) {
		d->d_pos0 = pos;
		d->d_t0 = now;
		d->d_skip--;
		return gap;
	}
	if (now - d->d_t0 < AM_NSEC_PER_SEC)
		return 0;
	ppm.f = ((double)(pos - d->d_pos0) * 1e9 / d->rate /
	    (double)(now - d->d_t0) - 1.0) * 1e6;
	atomic_store_explicit(&d->drift, ppm.u, memory_order_relaxed);
	return 0;
}

/* The real-time thread: clocked by the device. */
static void *
alsa_thread(void *arg)
{
	struct alsa_dev *d = arg;
	struct rt *rt = &d->e->rt;
	struct alsa_pcm *bad = &d->play;
	snd_pcm_sframes_t avail, pavail;
	uint64_t now, gap, heard;
	uint32_t k, i;
	int rc = 0;

	dsp_ftz();
	while (!atomic_load_explicit(&d->quit, memory_order_acquire)) {
		avail = alsa_wait(d, &bad);
		if (avail == 0)
			continue;	/* quit */
		now = am_clock_ns();
		if (avail == -ETIMEDOUT) {
			if (now - d->t_prog > d->lost_ns) {
				rc = -ETIMEDOUT;
				break;
			}
			continue;
		}
		if (avail < 0) {
			rc = alsa_fail(d, bad, (int)avail);
			if (rc < 0)
				break;
			continue;
		}
		rt_late(rt, am_clock_frames_ns((uint64_t)avail - d->period,
		    d->rate));
		pavail = d->cap.pcm != NULL ? snd_pcm_avail_update(
		    d->play.pcm) : avail;
		if (pavail >= 0 && (gap = alsa_clock(d, pavail, now)) > 0)
			rt_xrun(rt, RT_XRUN_UNDERRUN, gap / 1000);
		/* The next frame written is heard after what is queued. */
		if (pavail >= 0 && (uint64_t)pavail <= d->buffer) {
			heard = now + am_clock_frames_ns(d->buffer -
			    (uint64_t)pavail, d->rate);
			rt_clock(rt, heard, heard, d->written, d->rate, d->period,
			    d->buffer, d->cap.pcm != NULL ? d->period : 0);
		}
		k = (uint32_t)avail / d->period;
		for (i = 0; i < k; i++) {
			rc = alsa_period(d, &bad);
			if (rc < 0)
				break;
		}
		if (rc == -ECANCELED)
			return NULL;	/* left behind: the device is not ours */
		if (rc < 0) {
			rc = alsa_fail(d, bad, rc);
			if (rc < 0)
				break;
			continue;
		}
		d->fails = 0;
		d->t_prog = now;
		/* When the buffers would run dry or full from here on. */
		if (pavail >= 0 && (uint64_t)pavail <= d->buffer)
			d->t_dry = now + am_clock_frames_ns(d->buffer -
			    (uint64_t)pavail + (uint64_t)k * d->period,
			    d->rate);
		d->t_full = now + am_clock_frames_ns(d->buffer -
		    ((uint64_t)avail - (uint64_t)k * d->period), d->rate);
	}
	if (rc < 0)
		rt_lost(rt);
	return NULL;
}

/* Control: close both streams; also after a lost device. Stopped. */
static void
alsa_close(struct engine *e)
{
	struct alsa_dev *d = e->bdata;

	if (d == NULL)
		return;
	alsa_pcm_close(&d->cap);
	alsa_pcm_close(&d->play);
	if (d->wakefd >= 0)
		close(d->wakefd);
	free(d);
	e->bdata = NULL;
}

/*
 * Open the playback PCM cfg->name and, with cfg->capture, the capture
 * PCM cfg->capture_name (or cfg->name) at the same rate and period.
 * cfg gets what was granted. 0 or -errno with a message in err.
 */
static int
alsa_open(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen)
{
	struct alsa_dev *d;
	struct dev_config c, cc;
	const char *cname;
	int rc;

	d = xcalloc(1, sizeof(*d));
	d->e = e;
	e->bdata = d;
	d->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->wakefd < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-rc));
		goto fail;
	}
	c = *cfg;
	rc = alsa_pcm_open(&d->play, cfg->name, 0, &c, err, errlen);
	if (rc < 0)
		goto fail;
	if (cfg->capture) {
		cname = cfg->capture_name[0] != '\0' ? cfg->capture_name :
		    cfg->name;
		cc = c;
		cc.channels = cfg->channels;
		cc.strict = 1;		/* the playback's clock */
		rc = alsa_pcm_open(&d->cap, cname, 1, &cc, err, errlen);
		if (rc < 0)
			goto fail;
		logx(2, "%s: capture %u ch %s, %u periods", cname,
		    cc.channels, cc.format, cc.periods);
	}
	d->rate = c.rate;
	d->period = c.period;
	d->buffer = c.period * c.periods;
	d->stall_ns = am_clock_frames_ns(d->buffer + d->period, d->rate);
	d->lost_ns = 2 * am_clock_frames_ns(d->buffer, d->rate);
	if (d->lost_ns < AL_LOST_NS)
		d->lost_ns = AL_LOST_NS;
	logx(2, "%s: playback %u ch %s %s, %u Hz, period %u, buffer %u",
	    cfg->name, c.channels, c.format, d->play.mmap ? "mmap" : "rw",
	    c.rate, c.period, d->buffer);
	*cfg = c;
	return 0;
fail:
	alsa_close(e);
	return rc;
}

/*
 * Control: restart the streams from silence (errors come back here,
 * not from the thread) and spawn the real-time thread. 0 or -errno.
 */
static int
alsa_start(struct engine *e, char *err, size_t errlen)
{
	struct alsa_dev *d = e->bdata;
	uint64_t junk;
	ssize_t n;
	int rc;

	n = read(d->wakefd, &junk, sizeof(junk));
	(void)n;
	atomic_store(&d->quit, 0);
	atomic_store(&d->drift, 0);
	d->fails = 0;
	memset(e->rt.dev_in, 0, sizeof(e->rt.dev_in));
	rc = alsa_restart(d, 0);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot start: %s", e->dev.name,
		    snd_strerror(rc));
		return rc;
	}
	rc = engine_rt_spawn(e, &d->thread, alsa_thread, d);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the real-time thread: %s",
		    strerror(-rc));
		snd_pcm_drop(d->play.pcm);
		if (d->cap.pcm != NULL)
			snd_pcm_drop(d->cap.pcm);
		return rc;
	}
	d->running = 1;
	return 0;
}

/*
 * The watchdog gave up on the real-time thread, stuck in a node: leave
 * it (detached; should the node return it quits before touching the
 * device) and start a fresh one on the running streams, which recovers
 * from the underrun the stall caused. Control thread. 0 or -errno; on
 * failure no thread is ours any more.
 */
static int
alsa_abandon(struct engine *e, char *err, size_t errlen)
{
	struct alsa_dev *d = e->bdata;
	int rc;

	if (!d->running)
		return -ESRCH;
	pthread_detach(d->thread);
	rc = engine_rt_spawn(e, &d->thread, alsa_thread, d);
	if (rc < 0) {
		d->running = 0;
		snprintf(err, errlen, "cannot start the real-time thread: %s",
		    strerror(-rc));
	}
	return rc;
}

/* Join the thread (it may have ended by itself) and stop the streams. */
static void
alsa_stop(struct engine *e)
{
	struct alsa_dev *d = e->bdata;
	uint64_t one = 1;
	ssize_t n;

	if (d == NULL || !d->running)
		return;
	atomic_store_explicit(&d->quit, 1, memory_order_release);
	n = write(d->wakefd, &one, sizeof(one));
	(void)n;
	pthread_join(d->thread, NULL);
	d->running = 0;
	snd_pcm_drop(d->play.pcm);
	if (d->cap.pcm != NULL)
		snd_pcm_drop(d->cap.pcm);
}

/* Control: the drift the real-time thread last published, in ppm. */
static double
alsa_drift_ppm(struct engine *e)
{
	struct alsa_dev *d = e->bdata;
	union { double f; uint64_t u; } ppm;

	if (d == NULL)
		return 0.0;
	ppm.u = atomic_load_explicit(&d->drift, memory_order_relaxed);
	return round(ppm.f * 10.0) / 10.0;
}

const struct backend_ops backend_alsa_ops = {
	.name = "alsa",
	.open = alsa_open,
	.close = alsa_close,
	.start = alsa_start,
	.stop = alsa_stop,
	.abandon = alsa_abandon,
	.drift_ppm = alsa_drift_ppm,
};
