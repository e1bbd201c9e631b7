/* SPDX-License-Identifier: MIT */
/*
 * Unit test of the ALSA backend's wait (amixd/backends/alsa_rt.c, included
 * with poll, ppoll and the snd_pcm calls backend_alsa_wait makes
 * replaced by fakes): a PCM whose descriptor is always ready while it has nothing to
 * do (the busy-spin of PipeWire's ALSA PCM) must not keep backend_alsa_wait
 * looping: after AL_EMPTY_MAX empty wake-ups it sleeps in timed waits,
 * finds the period when the device has one, and gives up with -ETIMEDOUT
 * after AL_POLL_MS when it never does. An alarm ends the test if the
 * wait does not return at all (the bug this catches).
 */

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

static int fake_poll(struct pollfd *fds, nfds_t n, int ms);
static int fake_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask);
static int fake_descs(snd_pcm_t *pcm, struct pollfd *fds, unsigned int n);
static int fake_revents(snd_pcm_t *pcm, struct pollfd *fds, unsigned int n,
    unsigned short *rev);
static snd_pcm_sframes_t fake_avail(snd_pcm_t *pcm);

#define poll fake_poll
#define ppoll fake_ppoll
#define snd_pcm_poll_descriptors fake_descs
#define snd_pcm_poll_descriptors_revents fake_revents
#define snd_pcm_avail fake_avail

#include "backends/alsa_rt.c"
#include "t.h"

static long polls, ppolls, avails;
static long avail_after;	/* avail calls before a period is free */
static uint64_t napped;		/* ns the timed waits asked for */

/* Every descriptor ready at once, as a busy-spinning plugin has them. */
static int
fake_poll(struct pollfd *fds, nfds_t n, int ms)
{
	nfds_t i;

	(void)ms;
	polls++;
	for (i = 1; i < n; i++)
		fds[i].revents = POLLOUT;
	return (int)n - 1;
}

/* A real sleep: the timed wait is what bounds the loop. */
static int
fake_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	(void)fds;
	(void)n;
	(void)mask;
	ppolls++;
	napped += (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
	nanosleep(ts, NULL);
	return 0;
}

static int
fake_descs(snd_pcm_t *pcm, struct pollfd *fds, unsigned int n)
{
	(void)pcm;
	(void)n;
	fds[0].fd = 0;
	fds[0].events = POLLOUT;
	fds[0].revents = 0;
	return 1;
}

static int
fake_revents(snd_pcm_t *pcm, struct pollfd *fds, unsigned int n,
    unsigned short *rev)
{
	(void)pcm;
	(void)n;
	*rev = fds[0].revents;
	return 0;
}

static snd_pcm_sframes_t
fake_avail(snd_pcm_t *pcm)
{
	(void)pcm;
	return ++avails > avail_after ? 4800 : 0;
}

static void
on_alarm(int sig)
{
	(void)sig;
	printf("not ok - backend_alsa_wait did not return: unbounded\n");
	exit(1);
}

int
main(void)
{
	static struct engine e;
	struct backend_alsa d;
	struct backend_alsa_pcm *bad = NULL;
	snd_pcm_sframes_t rc;
	uint64_t t0, dt;

	signal(SIGALRM, on_alarm);
	memset(&d, 0, sizeof(d));
	d.e = &e;
	d.play.pcm = (snd_pcm_t *)&d;	/* never dereferenced: faked */
	d.wakefd = -1;
	d.rate = 48000;
	d.period = 480;			/* 10 ms: naps of 2.5 ms */
	d.buffer = 9600;

	/* The device has a period after 40 empty wake-ups. */
	avail_after = 40;
	alarm(5);
	rc = backend_alsa_wait(&d, &bad);
	alarm(0);
	is_int(rc, 4800, "the period is found after the empty wake-ups");
	is_int(polls, AL_EMPTY_MAX, "descriptors polled AL_EMPTY_MAX times");
	ok(ppolls == 40 - AL_EMPTY_MAX + 1, "then timed waits (%ld)", ppolls);
	is_int((long long)napped, ppolls * 2500000LL,
	    "each a quarter period");
	is_int((long long)atomic_load(&e.rt.wakeups_empty), 40,
	    "empty wake-ups counted");

	/* The device never has one: the wait ends, as a timeout would. */
	polls = ppolls = avails = 0;
	avail_after = 1L << 40;
	t0 = am_clock_ns();
	alarm(5);
	rc = backend_alsa_wait(&d, &bad);
	alarm(0);
	dt = am_clock_ns() - t0;
	is_int(rc, -ETIMEDOUT, "a PCM that never has a period: -ETIMEDOUT");
	ok(dt >= AL_POLL_MS * 1000000ULL && dt < 4 * AL_POLL_MS * 1000000ULL,
	    "after AL_POLL_MS (%.1f ms)", (double)dt / 1e6);
	ok(polls == AL_EMPTY_MAX && ppolls <= AL_POLL_MS * 10 / 25 + 2,
	    "%ld polls then %ld sleeps, not a spin", polls, ppolls);

	/* A quit request still ends the wait at once. */
	atomic_store(&d.quit, 1);
	is_int(backend_alsa_wait(&d, &bad), 0, "quit returns 0");
	return t_done();
}
