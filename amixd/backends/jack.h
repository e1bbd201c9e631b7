/* SPDX-License-Identifier: MIT */
/*
 * The JACK backend's own header, shared by its files and never by the
 * rest of amixd, which sees only backend_jack_ops (backend.h):
 *
 *	jack.c		the client: open, close, start, stop, the process
 *			callback (the real-time thread), notifications
 *	jack_ports.c	the ports: registering playback_N and capture_N,
 *			connecting them by name or to the physical ports
 */
#ifndef BACKENDS_JACK_H
#define BACKENDS_JACK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jack/jack.h>

#include "backend.h"
#include "chlayout.h"

struct backend_jack {
	struct engine *e;		/* borrowed: main */
	jack_client_t *client;
	jack_port_t *out[AM_CH_MAX];	/* playback_N */
	jack_port_t *in[AM_CH_MAX];	/* capture_N */
	uint32_t channels;		/* 1..AM_CH_MAX */
	int connect;			/* connect to physical ports */
	int connect_set, connect_cap_set;	/* by name instead */
	char connect_to[DEV_CONNECT_LEN];	/* dev_config.connect */
	char connect_cap[DEV_CONNECT_LEN];	/* dev_config.connect_cap */
	_Atomic int active;		/* activated (or activating) */
	_Atomic uint32_t rate;		/* Hz, as the server runs it */
	_Atomic uint32_t period;	/* frames, as the server runs it */
	_Atomic int quit;		/* stop: process does nothing */
	_Atomic int busy;		/* a process call is in a cycle */
	int left;			/* its thread left behind (watchdog) */
	_Atomic int dead;		/* the server shut us down */
	_Atomic int freewheel;
	pthread_t deact;		/* helper running jack_deactivate */
	int deact_on;			/* deact is to be joined */
	_Atomic int deact_done;		/* jack_deactivate returned */
	_Atomic int gone;		/* closed, or abandoned to the closer */
	_Atomic uint32_t xruns;		/* counted, not yet reported */
	_Atomic uint64_t xrun_usec;	/* largest delay among them, us */
	uint32_t drift_frames;		/* jack_frame_time at drift_ns */
	uint64_t drift_ns;		/* reference for drift_ppm */
};

/* jack_ports.c, control thread */
int backend_jack_ports(struct backend_jack *d, char *err, size_t errlen);
int backend_jack_check_names(struct backend_jack *d, char *err,
    size_t errlen);
void backend_jack_connect(struct backend_jack *d);

#endif /* !defined(BACKENDS_JACK_H) */
