/* SPDX-License-Identifier: MIT */
#ifndef FILE_SINK_H
#define FILE_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <sndfile.h>

#include "chlayout.h"
#include "clock.h"
#include "queue.h"

/*
 * The file_sink node (nodes/file_sink.c) and its file side
 * (file_sink_writer.c: opening, the write-behind thread), which share
 * this state.
 */

#define FS_RING_FRAMES	(1 << 17)	/* ~2.7 s at 48 kHz */
#define FS_RING_MAX	(8u << 20)	/* ring, bytes, past 16 channels */
#define FS_SCRATCH	64		/* frames, RT channel conversion */
#define FS_CHUNK	4096		/* frames per write */
#define FS_HEADER_NS	(AM_NSEC_PER_SEC / 2)
#define FS_IDLE_NS	5000000		/* writer poll, 5 ms */
#define FS_EV_PER_SEC	10		/* overrun events, at most */

enum { FS_AUTO, FS_WAV, FS_FLAC, FS_W64, FS_RF64, FS_AIFF, FS_RAW };
enum { FS_S_AUTO, FS_F32, FS_S16, FS_S24 };

/* file_sink.state: may the control thread still reopen the file? */
#define FS_OPEN		0	/* nothing recorded: it may */
#define FS_BUSY		1	/* it is reopening: process keeps out */
#define FS_FIXED	2	/* process has recorded: never again */

struct node_stats;

struct file_sink {
	SNDFILE *sf;
	int stampfd;			/* WAV, RF64: see file_sink_fixup */
	long long mask_fix;		/* channel mask to write, or -1 */
	char *path;
	int major;			/* SF_FORMAT_* container */
	int sample;			/* FS_F32, FS_S16, FS_S24 */
	uint32_t rate;			/* Hz */
	struct am_layout layout;	/* the file's channels */
	int forced;			/* "channels"/"layout": no following */
	_Atomic int state;		/* one of FS_OPEN... above */
	_Atomic int unlinked;		/* following, no input (plan): record nothing */
	struct am_queue ring;		/* frames of layout.n floats */
	pthread_t writer;
	int writer_on;
	int wakefd;			/* eventfd: control wakes the writer */
	_Atomic int quit;
	_Atomic uint64_t flush_req;
	_Atomic uint64_t flush_done;
	_Atomic uint64_t flush_at;	/* taken when flush_done was stored */
	_Atomic uint64_t pushed;	/* frames into the ring, RT */
	_Atomic uint64_t taken;		/* frames out of the ring, writer */
	uint64_t written;		/* frames to libsndfile, writer only */
	_Atomic int werr;		/* errno of the failed write, or 0 */
	_Atomic uint64_t good;		/* frames in the file when it failed */
	char errmsg[256];		/* why, set before werr; then constant */
	_Atomic int err_counted;	/* the loss was counted: RT or error */
	int err_asked;			/* error gave the text, control */
	_Atomic(struct node_stats *) stats;	/* borrowed, set by RT */
	int err_seen;			/* werr seen, RT */
	int err_sent;			/* NODE_EV_ERROR queued, RT */
	uint32_t dither;		/* PRNG state, writer only */
	float *fbuf;			/* FS_CHUNK frames, writer only */
	short *sbuf;			/* FS_CHUNK frames, writer only */
	int *ibuf;			/* FS_CHUNK frames, writer only */
	uint64_t out;			/* frames seen, RT */
	uint64_t lost;			/* frames lost, unreported, RT */
	_Atomic uint64_t lost_total;	/* frames lost: RT, or error */
	uint64_t lost_at;		/* out at the last overrun event, RT */
	int lost_once;			/* an overrun event was sent, RT */
	float scratch[FS_SCRATCH * AM_CH_MAX];	/* RT: converted frames */
};

int file_sink_guess(const char *path);
void file_sink_bufs_free(struct file_sink *f);
int file_sink_info(const struct file_sink *f, const struct am_layout *l,
    SF_INFO *info, char *err, size_t errlen);
int file_sink_open(struct file_sink *f, char *err, size_t errlen);
void file_sink_fixup(struct file_sink *f);
int file_sink_writer_start(struct file_sink *f, char *err, size_t errlen);
void file_sink_writer_stop(struct file_sink *f);
void file_sink_writer_wake(struct file_sink *f);

#endif /* !defined(FILE_SINK_H) */
