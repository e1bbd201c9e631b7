/* SPDX-License-Identifier: MIT */
#ifndef RESAMPLER_H
#define RESAMPLER_H

#include <stddef.h>
#include <stdint.h>

/* Quality, as the "quality" argument names them. */
#define RESAMPLER_BEST		0	/* band-limited sinc, best */
#define RESAMPLER_MEDIUM	1
#define RESAMPLER_FAST		2
#define RESAMPLER_LINEAR	3
#define RESAMPLER_QMASK		0xff	/* the quality bits of the above */
#define RESAMPLER_VARY		0x100	/* flag: out_rate may change later */
#define RESAMPLER_NONRT		0x200	/* flag: runs off the RT thread */
#define RESAMPLER_LOWLAT	0x400	/* flag: holds few frames (libsamplerate) */
#define RESAMPLER_CH_MAX	64	/* channels, interleaved */

extern const char *const resampler_qualities[];	/* NULL-terminated */

/* Fills dst with exactly frames interleaved frames (of rs->ch). RT. */
typedef void (*resampler_pull)(void *ctx, float *dst, uint32_t frames);

/*
 * A pull-model resampler of 1 to RESAMPLER_CH_MAX channels (stereo
 * unless made with resampler_init_ch) over libsoxr or libsamplerate: asked
 * for n output frames, it pulls input in fixed blocks, so the same input
 * always gives the same output. Equal rates bypass both: an exact copy.
 */
struct resampler {
	void *src;			/* SRC_STATE, or NULL */
	void *soxr;			/* soxr_t, or NULL */
	int on_soxr;			/* soxr converts (else src) */
	int quality;			/* RESAMPLER_* */
	uint32_t ch;			/* channels, interleaved */
	uint32_t in_rate, out_rate;	/* Hz */
	uint32_t block;			/* input frames per pull */
	float *fifo;			/* input not consumed yet */
	uint32_t fifo_off, fifo_len;	/* frames */
	uint32_t fifo_cap;		/* frames */
	/* soxr on the real-time thread, in fixed calls (resampler_soxr.c) */
	int fixed;			/* soxr is called that way */
	uint32_t chunk;			/* input frames per call */
	uint32_t skip;			/* output frames still to drop */
	uint32_t spins;			/* bound on calls per run */
	float *obuf;			/* converted, not taken yet */
	uint32_t obuf_off, obuf_len;	/* frames */
	uint32_t obuf_cap;		/* frames */
	/* soxr off it: soxr_output pulls through its input callback */
	int direct;			/* converts so (resampler_soxr_open) */
	resampler_pull pull;		/* during resampler_soxr_run */
	void *pull_ctx;
	uint32_t piece;			/* frames per pull */
};

int resampler_init(struct resampler *rs, int quality, uint32_t in_rate,
    uint32_t out_rate, uint32_t max_out, char *err, size_t errlen);
int resampler_init_ch(struct resampler *rs, int quality, uint32_t ch,
    uint32_t in_rate, uint32_t out_rate, uint32_t max_out, char *err,
    size_t errlen);
void resampler_done(struct resampler *rs);
uint32_t resampler_block(uint32_t out_frames, uint32_t in_rate,
    uint32_t out_rate);
void resampler_run(struct resampler *rs, float *out, uint32_t n,
    resampler_pull pull, void *ctx);
uint32_t resampler_push(struct resampler *rs, uint32_t in_rate,
    const float *in, uint32_t n, float *out, uint32_t room, uint32_t *used);
int resampler_retarget(struct resampler *rs, uint32_t out_rate);

uint32_t resampler_soxr_unit(uint32_t in_rate, uint32_t out_rate);
int resampler_soxr_prime(struct resampler *rs, uint32_t max_out);
void resampler_soxr_open(struct resampler *rs);
void resampler_soxr_run(struct resampler *rs, float *out, uint32_t n,
    resampler_pull pull, void *ctx);

#endif /* !defined(RESAMPLER_H) */
