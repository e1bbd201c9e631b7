/* SPDX-License-Identifier: MIT */
#ifndef BACKEND_H
#define BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "chlayout.h"

struct engine;

/* How dev_config.layout came about. */
enum {
	DEV_LAYOUT_DEFAULT,		/* none asked, none reported */
	DEV_LAYOUT_DEVICE,		/* the device's channel map */
	DEV_LAYOUT_SET,			/* asked, and the device took it */
	DEV_LAYOUT_LABEL		/* asked, the device did not confirm */
};

#define DEV_CONNECT_LEN	4096		/* JACK port names, one a line */

/* What device_open asks for; a backend rewrites it with what it got. */
struct dev_config {
	char name[128];			/* device or client name */
	uint32_t rate;			/* Hz */
	uint32_t channels;		/* 1..AM_CH_MAX */
	struct am_layout layout;	/* granted; asked if layout_asked */
	int layout_asked;		/* the request named a layout */
	int layout_from;		/* DEV_LAYOUT_*, granted */
	uint32_t period;		/* frames */
	uint32_t periods;		/* buffer = periods * period */
	char format[16];		/* sample format granted */
	int strict;			/* refuse another rate or period */
	int noconnect;			/* JACK: leave ports unconnected */
	int capture;			/* ALSA: open capture too */
	char capture_name[128];		/* ALSA: capture PCM, "" = name */
	/*
	 * JACK: the ports to connect playback_N (connect) and capture_N
	 * (connect_cap) to, one line per port in order, an empty line
	 * for none; connect_set/connect_cap_set: the list replaces the
	 * autoconnection of that direction.
	 */
	int connect_set, connect_cap_set;
	char connect[DEV_CONNECT_LEN];
	char connect_cap[DEV_CONNECT_LEN];
};

/*
 * A backend: the device and the clock that drives the real-time thread.
 * All run on the control thread; start spawns the real-time thread
 * (engine_rt_spawn) and stop joins it. A backend whose stop cannot wait
 * (JACK: a server frozen by SIGSTOP never returns from deactivation)
 * only asks for it in stop, and says through busy when it is done:
 * busy returns 2 while a cycle may still touch the engine's rt, 1 while
 * nothing does but the backend is still stopping, 0 once it is done;
 * it never blocks.
 * NULL busy: stop finishes before it returns. Library errors become
 * -errno and a message in err.
 */
struct backend_ops {
	const char *name;
	int (*open)(struct engine *e, struct dev_config *cfg, char *err,
	    size_t errlen);
	void (*close)(struct engine *e);
	int (*start)(struct engine *e, char *err, size_t errlen);
	void (*stop)(struct engine *e);
	int (*busy)(struct engine *e);		/* NULL: stop is done */
	double (*drift_ppm)(struct engine *e);	/* NULL: the clock is ours */
	/* Leave a stuck RT thread behind, start another; NULL: cannot. */
	int (*abandon)(struct engine *e, char *err, size_t errlen);
};

extern const struct backend_ops backend_null_ops;
extern const struct backend_ops backend_alsa_ops;
extern const struct backend_ops backend_jack_ops;

const struct backend_ops *backend_find(const char *name);

#endif /* !defined(BACKEND_H) */
