/* SPDX-License-Identifier: MIT */
#ifndef FZ_GRAPH_H
#define FZ_GRAPH_H

#include <stdatomic.h>
#include <stdint.h>

#include "aring.h"
#include "ctl_impl.h"
#include "engine.h"

/*
 * The rig of fuzz_graph.c (fz_graph.c): an engine with a test backend,
 * a client, input files and rings, and the checks. See fuzz_graph.c.
 */

#define FZ_RINGS	8	/* app rings one input may hold */
#define FZ_FILES	6	/* file_source inputs made at start */

/* A ring the fuzzer's "client" made and keeps its side of. */
struct fz_ring {
	struct am_aring r;
	uint32_t node;			/* its node's id, 0: refused */
	int sink;			/* app_sink: the engine produces */
};

struct cJSON;

extern struct engine fz_engine;
extern struct client fz_client;		/* the one connection (ctl_impl.h) */
extern char fz_dir[64];			/* private, under $TMPDIR */
extern char fz_files[FZ_FILES][128];	/* for file_source */
extern struct fz_ring fz_rings[FZ_RINGS];
extern int fz_nrings;
extern int fz_threaded;			/* a real RT thread runs cycles */
extern int fz_trace;			/* FUZZ_GRAPH_TRACE: print steps */
extern _Atomic uint32_t fz_period, fz_rate;	/* what the device runs */

void fz_init(void);
void fz_reset(void);
void fz_run(unsigned k);
void fz_device_change(uint32_t rate, uint32_t period, int now);
void fz_check_bad(const char *req);
void fz_fail(const char *what, const char *a, const char *b);
struct cJSON *fz_cmd(const char *cmd);
uint32_t fz_req(struct cJSON *req);
void fz_close_fds(void);

#endif /* !defined(FZ_GRAPH_H) */
