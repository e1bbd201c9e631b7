/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend's real-time thread. It (backend_alsa_thread) polls
 * the PCMs' descriptors, asked for again before every poll(2) and
 * decoded with snd_pcm_poll_descriptors_revents, plus an eventfd that
 * stop uses to wake it. When every open stream has a period to move it
 * reads the capture period into rt->dev_in, runs rt_cycle, and writes
 * rt->dev_out to playback; it does this as many times as whole periods
 * are free, so the buffer stays full. Playback starts from a buffer full
 * of silence, so the latency is the buffer.
 *
 * The jack plugin signals a period through a socket it drains only when
 * polled with less than a period free: after each period the next poll
 * returns at once with nothing to do (counted in rt.wakeups_empty; a
 * poll(2) and an avail, no sleep). A PCM that keeps doing that
 * (AL_EMPTY_MAX in a row) is waited for by timed sleeps of a quarter
 * period instead, and no wait lasts beyond AL_POLL_MS (see
 * backend_alsa_wait).
 *
 * Everything here runs on the real-time thread and only calls snd_pcm_*,
 * poll, clock_gettime and the rt_* entry points.
 */

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <alsa/asoundlib.h>

#include "alsa.h"
#include "dsp.h"
#include "engine.h"

/*
 * RT: move frames frames between buf and the device, non-blocking.
 * Frames moved (short only if the device refused more) or -errno.
 */
snd_pcm_sframes_t
backend_alsa_xfer(struct backend_alsa_pcm *p, void *buf, uint32_t frames)
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

/* RT: what a poll error on a stream means: -errno, or 0 (carry on). */
static int
backend_alsa_state_err(struct backend_alsa_pcm *p)
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
backend_alsa_ready(struct backend_alsa *d, struct backend_alsa_pcm *p,
    snd_pcm_sframes_t *min)
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
backend_alsa_wait(struct backend_alsa *d, struct backend_alsa_pcm **bad)
{
	struct backend_alsa_pcm *st[2] = { &d->play, &d->cap };
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
				    (rc = backend_alsa_state_err(st[i])) < 0)
					return rc;
				if (!(rev & (st[i]->capture ? POLLIN :
				    POLLOUT | POLLERR)))
					continue;
			}
			if ((rc = backend_alsa_ready(d, st[i], &min)) < 0)
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
backend_alsa_period(struct backend_alsa *d, struct backend_alsa_pcm **bad)
{
	struct rt *rt = &d->e->rt;
	snd_pcm_sframes_t n;
	const void *out;
	uint64_t clipped;

	if (d->cap.pcm != NULL) {
		*bad = &d->cap;
		n = backend_alsa_xfer(&d->cap, d->cap.buf, d->period);
		if (n < 0)
			return (int)n;
		if ((uint32_t)n < d->period)
			memset((char *)d->cap.buf + (size_t)n * d->cap.bpf, 0,
			    (size_t)(d->period - (uint32_t)n) * d->cap.bpf);
		backend_alsa_decode(&d->cap, rt->dev_in, d->play.channels,
		    d->period);
	}
	rt_cycle(rt, d->period, d->rate);
	if (rt_left(rt))
		return -ECANCELED;	/* the watchdog replaced this thread */
	/* Nothing beyond full scale reaches the device, f32 included. */
	if (d->play.fmt == AL_F32) {
		clipped = am_afmt_clip(rt->dev_out, (size_t)d->period *
		    d->play.channels);
		out = rt->dev_out;
	} else {
		clipped = backend_alsa_encode(&d->play, rt->dev_out, d->period);
		out = d->play.buf;
	}
	if (clipped > 0)
		device_sink_clipped(rt->cur, clipped);
	*bad = &d->play;
	n = backend_alsa_xfer(&d->play, (void *)out, d->period);
	if (n < 0)
		return (int)n;
	d->written += (uint64_t)n;
	return 0;
}

/* The real-time thread: clocked by the device. */
void *
backend_alsa_thread(void *arg)
{
	struct backend_alsa *d = arg;
	struct rt *rt = &d->e->rt;
	struct backend_alsa_pcm *bad = &d->play;
	snd_pcm_sframes_t avail, pavail;
	uint64_t now, gap, heard;
	uint32_t k, i;
	int rc = 0;

	dsp_ftz();
	while (!atomic_load_explicit(&d->quit, memory_order_acquire)) {
		avail = backend_alsa_wait(d, &bad);
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
			rc = backend_alsa_fail(d, bad, (int)avail);
			if (rc < 0)
				break;
			continue;
		}
		rt_late(rt, am_clock_frames_ns((uint64_t)avail - d->period,
		    d->rate));
		pavail = d->cap.pcm != NULL ? snd_pcm_avail_update(
		    d->play.pcm) : avail;
		if (pavail >= 0 &&
		    (gap = backend_alsa_clock(d, pavail, now)) > 0)
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
			rc = backend_alsa_period(d, &bad);
			if (rc < 0)
				break;
		}
		if (rc == -ECANCELED)
			return NULL;	/* left behind: the device is not ours */
		if (rc < 0) {
			rc = backend_alsa_fail(d, bad, rc);
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
