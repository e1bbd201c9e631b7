/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend's recovery and clock: what an error means, restarting
 * the streams from silence, and following the device's clock.
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
 * RT, but for backend_alsa_restart, which start also calls on the control
 * thread before the real-time thread runs.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "alsa.h"
#include "engine.h"

/*
 * RT, or control before the thread runs: restart both streams from a
 * buffer of silence. A suspended device is resumed first if it can be.
 */
int
backend_alsa_restart(struct backend_alsa *d, int err)
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
		n = backend_alsa_xfer(&d->play, d->play.zero,
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
backend_alsa_is_gone(int err)
{
	return err == -ENODEV || err == -EBADFD || err == -EIO ||
	    err == -ENXIO || err == -ESHUTDOWN || err == -ENOTTY;
}

/*
 * RT: stream p failed with err: report the xrun and restart. 0 when the
 * audio goes on, -errno when the device is lost.
 */
int
backend_alsa_fail(struct backend_alsa *d, struct backend_alsa_pcm *p, int err)
{
	uint64_t now = am_clock_ns(), since;

	if (backend_alsa_is_gone(err) || ++d->fails > AL_FAILS_MAX)
		return err;
	since = p->capture ? d->t_full : d->t_dry;
	rt_xrun(&d->e->rt, p->capture ? RT_XRUN_OVERRUN : RT_XRUN_UNDERRUN,
	    now > since ? (now - since) / 1000 : 0);
	return backend_alsa_restart(d, err);
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
uint64_t
backend_alsa_clock(struct backend_alsa *d, snd_pcm_sframes_t avail,
    uint64_t now)
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
