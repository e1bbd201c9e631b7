/* SPDX-License-Identifier: MIT */
/*
 * The real-time thread never faults in the device buffers: whatever
 * sized them (rt_init's stereo, a device of 8 channels: both new
 * anonymous mappings, untouched), every page of rt.dev_out and
 * rt.dev_in is resident by the time the backend's start runs, which is
 * when its thread may first run a cycle. A backend stands in that looks
 * (mincore) at that moment. And the memory lock is asked for once: the
 * first start takes mlock_ask, later ones leave mlocked as it is; an
 * engine not asked (as here: no daemon) never locks.
 */

#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"
#include "rt.h"
#include "t.h"

static struct engine e;
static uint32_t pf_channels;		/* what the "device" opens with */
static int pf_resident = -1;		/* at start: 1 all pages, 0 not */

/* Are all the pages of [p, p + len) resident? */
static int
resident(const void *p, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(pg - 1);
	size_t n = ((uintptr_t)p + len - a + (size_t)pg - 1) / (size_t)pg, i;
	unsigned char *v = malloc(n);
	int all = 1;

	if (v == NULL || mincore((void *)a, n * (size_t)pg, v) < 0)
		all = 0;
	for (i = 0; all && i < n; i++)
		all = v[i] & 1;
	free(v);
	return all;
}

static int
pf_open(struct engine *en, struct dev_config *cfg, char *err, size_t len)
{
	(void)en;
	(void)err;
	(void)len;
	cfg->channels = pf_channels;
	return 0;
}

static void
pf_close(struct engine *en)
{
	(void)en;
}

/* Where a backend spawns its thread: look at the buffers now. */
static int
pf_start(struct engine *en, char *err, size_t len)
{
	size_t n = (size_t)RT_FRAMES_MAX * en->rt.dev_cap * sizeof(float);

	(void)err;
	(void)len;
	pf_resident = resident(en->rt.dev_out, n) &&
	    resident(en->rt.dev_in, n);
	return 0;
}

static void
pf_stop(struct engine *en)
{
	(void)en;
}

static const struct backend_ops pf_ops = {
	.name = "prefault", .open = pf_open, .close = pf_close,
	.start = pf_start, .stop = pf_stop,
};

/* Start (opening the device with ch channels), then stop and close. */
static void
start_stop(uint32_t ch, const char *what)
{
	char err[128];

	pf_channels = ch;
	pf_resident = -1;
	is_int(engine_start(&e, err, sizeof(err)), 0, "%s: starts", what);
	is_int(e.rt.dev_cap >= ch, 1, "%s: buffers of %u channels", what, ch);
	is_int(pf_resident, 1, "%s: every page resident before the thread",
	    what);
	engine_close(&e);
}

int
main(void)
{
	struct dev_config dev = { .rate = 48000, .period = 128,
	    .channels = 2 };

	is_int(engine_init(&e, &pf_ops, &dev), 0, "engine_init");
	is_int(e.mlock_ask, 0, "an engine locks nothing unless asked");
	start_stop(2, "stereo");
	/* 8 x 4096 x 4 bytes: new buffers, mapped and not yet touched. */
	start_stop(8, "8 channels");
	start_stop(2, "stereo again");
	is_int(e.mlocked, 0, "not asked: not locked");

	/*
	 * Asked, a start takes the request, whatever the outcome (root:
	 * locked; a finite RLIMIT_MEMLOCK without CAP_IPC_LOCK: not), and
	 * no later start asks again. Here mlocked is set by hand to see
	 * that the second start leaves it alone.
	 */
	e.mlock_ask = 1;
	start_stop(2, "asked");
	is_int(e.mlock_ask, 0, "the first start takes the request");
	munlockall();
	e.mlocked = 7;
	start_stop(2, "after");
	is_int(e.mlocked, 7, "a later start does not lock again");
	engine_done(&e);
	return t_done();
}
