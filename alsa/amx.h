/* SPDX-License-Identifier: MIT */
#ifndef AM_AMX_H
#define AM_AMX_H

#include <stdint.h>

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#include "aring.h"
#include "proto.h"

#define AMX_CHAN_MAX	8		/* channels: 7.1 (a ring takes 64) */

/* One open amixd PCM (alsa/pcm_amixd.c). */
struct amx {
	snd_pcm_ioplug_t io;		/* first: ALSA's view */
	struct am_conn conn;		/* control connection */
	struct am_aring ring;		/* this stream's ring, once prepared */
	int evfd;			/* poll: the wake pipe's read end */
	int kickfd;			/* our own write end of it, or -1 */
	char sock[256];			/* socket path */
	char *want;			/* "target" option, or NULL */
	char name[64];			/* our node's name */
	uint32_t target;		/* node played to / recorded from */
	uint32_t node;			/* our app node, or 0 */
	uint32_t graph_rate;		/* Hz */
	uint32_t dev_lat;		/* frames at graph_rate: device buffer */
	uint64_t xruns0;		/* ring xruns already reported */
	uint64_t seen_rd;		/* rd as last seen moving */
	uint64_t seen_ns;		/* when */
	snd_pcm_uframes_t avail_min;	/* frames */
	snd_pcm_uframes_t boundary;	/* frames */
	int s24;			/* S24_LE carried as s32 */
	int dead;			/* the daemon went away: said so */
};

struct amx *amx_new(void);
void amx_free(struct amx *a);
int amx_config(struct amx *a, snd_config_t *conf);
int amx_connect(struct amx *a, snd_pcm_stream_t stream);
int amx_constraints(struct amx *a);
uint32_t amx_create(struct amx *a, const char *type, const int fds[2],
    uint32_t cap, uint32_t channels, uint32_t rate, const char *fmt);
int amx_link(struct amx *a, uint32_t from, uint32_t to);
void amx_destroy(struct amx *a, uint32_t id);
void amx_arm(struct amx *a);
uint32_t amx_s24_out(struct amx *a, const unsigned char *buf, uint32_t n);
void amx_s24_in(unsigned char *buf, uint32_t samples);
snd_pcm_chmap_query_t **amx_query_chmaps(snd_pcm_ioplug_t *io);
snd_pcm_chmap_t *amx_get_chmap(snd_pcm_ioplug_t *io);

#endif /* !defined(AM_AMX_H) */
