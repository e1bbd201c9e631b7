/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend's own header, shared by its files (amixd/backends/
 * alsa*.c) and its unit tests, never by the rest of amixd, which sees
 * only backend_alsa_ops (backend.h). A stream, the device, the sample
 * formats, the limits, and the functions one file calls in another:
 *
 *	alsa.c		open, close, start, stop, abandon, drift: the ops
 *	alsa_params.c	a stream's parameters, negotiated at open
 *	alsa_chmap.c	the device's channel map as the layout, at open
 *	alsa_format.c	the format edge: channels, encode, decode, dither
 *	alsa_recover.c	xruns, restarts, a lost device, the device clock
 *	alsa_rt.c	the real-time thread: wait, a period, transfers
 */
#ifndef BACKENDS_ALSA_H
#define BACKENDS_ALSA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <alsa/asoundlib.h>

#include "afmt.h"
#include "backend.h"
#include "clock.h"

struct engine;

#define AL_PFD_MAX	32		/* poll descriptors, both streams */
#define AL_POLL_MS	100		/* poll timeout: look for a stall */
#define AL_EMPTY_MAX	16		/* empty wake-ups, then timed waits */
#define AL_LOST_NS	AM_NSEC_PER_SEC	/* no progress: device lost */
#define AL_FAILS_MAX	8		/* xruns in a row: device lost */
#define AL_DRIFT_SKIP	32		/* wake-ups before measuring drift */
#define AL_DITHER_SEED	AM_AFMT_DITHER_SEED

enum { AL_F32, AL_S32, AL_S24, AL_S24_3, AL_S16, AL_NFMTS };

struct backend_alsa_fmt {
	snd_pcm_format_t fmt;
	const char *name;		/* as reported in dev_config */
	uint32_t bytes;			/* per sample */
	int afmt;			/* AM_AFMT_* */
};

extern const struct backend_alsa_fmt backend_alsa_fmts[AL_NFMTS];

/* One stream. */
struct backend_alsa_pcm {
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

struct backend_alsa {
	struct engine *e;		/* borrowed: main */
	struct backend_alsa_pcm play, cap;
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

/* alsa_params.c, control thread */
int backend_alsa_pcm_open(struct backend_alsa_pcm *p, const char *name,
    int capture, struct dev_config *want, char *err, size_t errlen);
void backend_alsa_pcm_close(struct backend_alsa_pcm *p);

/* alsa_chmap.c, control thread */
void backend_alsa_chmap(struct backend_alsa_pcm *p, const char *name,
    struct dev_config *want);

/* alsa_format.c, RT */
uint64_t backend_alsa_encode(struct backend_alsa_pcm *p, const float *src,
    uint32_t frames);
void backend_alsa_decode(const struct backend_alsa_pcm *p, float *dst,
    uint32_t ch, uint32_t frames);

/* alsa_recover.c, RT (restart: or control before the thread runs) */
int backend_alsa_restart(struct backend_alsa *d, int err);
int backend_alsa_fail(struct backend_alsa *d, struct backend_alsa_pcm *p,
    int err);
uint64_t backend_alsa_clock(struct backend_alsa *d, snd_pcm_sframes_t avail,
    uint64_t now);

/* alsa_rt.c, RT */
snd_pcm_sframes_t backend_alsa_xfer(struct backend_alsa_pcm *p, void *buf,
    uint32_t frames);
void *backend_alsa_thread(void *arg);

#endif /* !defined(BACKENDS_ALSA_H) */
