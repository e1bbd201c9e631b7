/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend: a playback PCM, and optionally a capture PCM, driving
 * the real-time thread with the device's own clock. This file is its
 * ops table and its life on the control thread: open (both streams,
 * negotiated by alsa_params.c), start (from a buffer of silence,
 * alsa_recover.c, then the thread of alsa_rt.c), stop, abandon (the
 * watchdog), close, and the drift the thread publishes. The sample
 * formats and channels are alsa_format.c's; alsa.h maps the files.
 *
 * Everything here runs on the control thread; the functions of the other
 * files marked RT run on the real-time thread and only call snd_pcm_*,
 * poll, write to the eventfd, clock_gettime and the rt_* entry points.
 */

#include <sys/eventfd.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alsa.h"
#include "engine.h"
#include "log.h"
#include "util.h"

/* Control: close both streams; also after a lost device. Stopped. */
static void
backend_alsa_close(struct engine *e)
{
	struct backend_alsa *d = e->bdata;

	if (d == NULL)
		return;
	backend_alsa_pcm_close(&d->cap);
	backend_alsa_pcm_close(&d->play);
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
backend_alsa_open(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen)
{
	struct backend_alsa *d;
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
	rc = backend_alsa_pcm_open(&d->play, cfg->name, 0, &c, err, errlen);
	if (rc < 0)
		goto fail;
	if (cfg->capture) {
		cname = cfg->capture_name[0] != '\0' ? cfg->capture_name :
		    cfg->name;
		cc = c;			/* playback's channels */
		cc.strict = 1;		/* the playback's clock */
		rc = backend_alsa_pcm_open(&d->cap, cname, 1, &cc, err, errlen);
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
	backend_alsa_close(e);
	return rc;
}

/*
 * Control: restart the streams from silence (errors come back here,
 * not from the thread) and spawn the real-time thread. 0 or -errno.
 */
static int
backend_alsa_start(struct engine *e, char *err, size_t errlen)
{
	struct backend_alsa *d = e->bdata;
	uint64_t junk;
	ssize_t n;
	int rc;

	n = read(d->wakefd, &junk, sizeof(junk));
	(void)n;
	atomic_store(&d->quit, 0);
	atomic_store(&d->drift, 0);
	d->fails = 0;
	memset(e->rt.dev_in, 0, (size_t)RT_FRAMES_MAX * e->rt.dev_ch *
	    sizeof(float));
	rc = backend_alsa_restart(d, 0);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot start: %s", e->dev.name,
		    snd_strerror(rc));
		return rc;
	}
	rc = engine_rt_spawn(e, &d->thread, backend_alsa_thread, d);
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
backend_alsa_abandon(struct engine *e, char *err, size_t errlen)
{
	struct backend_alsa *d = e->bdata;
	int rc;

	if (!d->running)
		return -ESRCH;
	pthread_detach(d->thread);
	rc = engine_rt_spawn(e, &d->thread, backend_alsa_thread, d);
	if (rc < 0) {
		d->running = 0;
		snprintf(err, errlen, "cannot start the real-time thread: %s",
		    strerror(-rc));
	}
	return rc;
}

/* Join the thread (it may have ended by itself) and stop the streams. */
static void
backend_alsa_stop(struct engine *e)
{
	struct backend_alsa *d = e->bdata;
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
backend_alsa_drift_ppm(struct engine *e)
{
	struct backend_alsa *d = e->bdata;
	union { double f; uint64_t u; } ppm;

	if (d == NULL)
		return 0.0;
	ppm.u = atomic_load_explicit(&d->drift, memory_order_relaxed);
	return round(ppm.f * 10.0) / 10.0;
}

const struct backend_ops backend_alsa_ops = {
	.name = "alsa",
	.open = backend_alsa_open,
	.close = backend_alsa_close,
	.start = backend_alsa_start,
	.stop = backend_alsa_stop,
	.abandon = backend_alsa_abandon,
	.drift_ppm = backend_alsa_drift_ppm,
};
