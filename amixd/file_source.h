/* SPDX-License-Identifier: MIT */
#ifndef FILE_SOURCE_H
#define FILE_SOURCE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <sndfile.h>

#include "chlayout.h"
#include "queue.h"
#include "resampler.h"

/*
 * The file_source node (nodes/file_source.c) and its decoder thread
 * (file_source_decoder.c), which share this state.
 */

#define FSRC_CHUNK	8192		/* frames per read */
#define FSRC_OUT	2048		/* converted frames per write */
#define FSRC_RBITS	20		/* flush word: rate bits */
#define FSRC_RMASK	((1u << FSRC_RBITS) - 1)
#define FSRC_AHEAD	2		/* ring, seconds at the file's rate */
#define FSRC_RING_MAX	(32u << 20)	/* ring, bytes at most */
#define FSRC_RATE_MIN	1000		/* Hz */
#define FSRC_RATE_MAX	768000		/* Hz */
#define FSRC_CHANNELS_MAX AM_CH_MAX
#define FSRC_WAIT_MS	1000		/* decoder's poll bound */
#define FSRC_EV_PER_SEC	10		/* underrun events, at most */
#define FSRC_SCRATCH	64		/* frames, RT channel conversion */

struct node_cycle;

struct file_source {
	char *path;
	int loop;
	int quality;			/* RESAMPLER_* */
	int channels;			/* in the file, and the ring's */
	struct am_layout layout;	/* of those channels */
	uint32_t file_rate;		/* Hz */
	uint32_t graph_rate;		/* Hz */
	struct am_queue ring;		/* float frames as in the file */
	uint32_t low;			/* wake the decoder below, frames */
	int evfd;			/* wakes the decoder, or -1 */
	_Atomic int wake_sent;		/* RT woke it; decoder not yet up */
	_Atomic int eof;		/* the ring holds all that is left */
	_Atomic int quit;
	_Atomic uint32_t want_rate;	/* control: the rate run at */
	_Atomic uint64_t flush;		/* ring pos << FSRC_RBITS | rate */
	sf_count_t frames;		/* in the file */

	/* Decoder thread (init before it starts). */
	SNDFILE *sf;
	pthread_t decoder;
	int decoder_on;
	uint64_t pass;			/* frames read since frame 0 */
	short *ibuf;			/* FSRC_CHUNK frames, 16-bit WAVs */
	float *sbuf;			/* FSRC_CHUNK frames, read */
	float *obuf;			/* FSRC_OUT frames, converted */
	struct resampler conv;		/* file rate -> conv_rate */
	uint32_t conv_rate;		/* the ring's rate, 0 before any */
	uint64_t base_out;		/* ring pos of the last flush */
	sf_count_t base_in;		/* file frame there */
	uint64_t out_left;		/* frames still to make, no loop */
	uint32_t sb_off, sb_len;	/* read, not yet fed: ibuf or sbuf */

	/* Real-time thread. */
	const struct node_cycle *cycle;	/* the period being pulled */
	int eof_sent;
	uint64_t out;			/* frames produced */
	uint64_t under;			/* frames zero-filled, unreported */
	uint64_t under_at;		/* out at the last underrun event */
	int under_once;			/* an underrun event was sent */
	float scratch[FSRC_SCRATCH * AM_CH_MAX];	/* RT: frames read */
};

uint32_t file_source_read(struct file_source *f, uint32_t want);
void *file_source_decoder(void *arg);

#endif /* !defined(FILE_SOURCE_H) */
