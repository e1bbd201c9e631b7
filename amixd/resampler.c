/* SPDX-License-Identifier: MIT */
/*
 * Sample-rate conversion for every node that needs it (the resample
 * node, file and app sources at another rate), over two engines, the
 * best one for each quality (tests/bench/srcbench.c measures them side
 * by side with speexdsp, which won at no quality):
 *
 *	quality	engine			44.1 -> 48 kHz, srcbench, this VM
 *	best	libsoxr 28-bit (VHQ)	151 dB SNR, 67 M instructions, 16 ms
 *	medium	libsoxr 24-bit		151 dB, 65 M instructions, 9 ms
 *	fast	libsoxr 20-bit (HQ), double precision
 *					140 dB, 62 M instructions, 11 ms
 *	linear	libsamplerate linear	62 dB, 110 M frames/s, none
 *
 * (libsamplerate's best: 149 dB at 1.3 M frames/s, 3 ms; speexdsp's
 * 10: 137 dB at 2 M frames/s; soxr's cubic is slower than linear.)
 * Instructions: callgrind's count in soxr_process for 4 s of stereo,
 * steadier than speed on a shared VM (all three run at about 50 M
 * frames/s of CPU, twice sox's speed in tests/bench/resample.sh).
 * fast is sox's default "rate -h": the same 20-bit filter, computed in
 * double as sox's own rate effect computes it. libsoxr computes a
 * recipe of 20 bits or less in single precision unless told
 * SOXR_DOUBLE_PRECISION, and its float arithmetic stops near 134 dB,
 * below sox's 139 dB; in double a 20-bit filter costs little less than
 * a 24-bit one (the engine's fixed work dominates), so fast is only
 * 6 % cheaper than medium, but it meets sox at its own quality.
 * It is loaded on first use (dl_soxr.c); should that fail, libsamplerate
 * converts instead, at the same quality names. The last column is the
 * look-ahead: what the converter reads beyond what it gives out.
 * soxr is always called in fixed blocks (resampler_soxr.c): on the
 * real-time thread (the resample node, app streams) after priming at
 * init, so that it never allocates there; off it (RESAMPLER_NONRT: a
 * file source's decoder thread) without, and through soxr's input
 * callback, so that its output needs no staging copy.
 *
 * Variable ratio: a converter made with RESAMPLER_VARY may be asked on
 * the real-time thread to convert to another output rate (a source that
 * finds itself in a resample node's domain). A soxr made for a fixed
 * ratio cannot change it, and a soxr made with SOXR_VR is slower than
 * the fixed one and worse (115 dB whatever the recipe) than
 * libsamplerate; remaking or clearing a soxr allocates. So a VARY
 * converter also holds a libsamplerate converter of the same quality,
 * made at init: retargeting to another rate switches to it for good
 * (src_reset neither allocates nor locks), and the soxr stays idle until
 * done. Drift correction would go the same way: libsamplerate takes a
 * new ratio on every call.
 *
 * Channels: a converter is made for 1 to RESAMPLER_CH_MAX interleaved
 * channels (resampler_init_ch; resampler_init is stereo, as every
 * caller was before issue 16); soxr and libsamplerate take the count at
 * creation, and every buffer here is sized by it at init, never on the
 * real-time thread. Stereo runs the same code it did, with the factor 2
 * now rs->ch.
 *
 * Pull model: resampler_run is asked for n output frames and pulls its
 * input through a callback in fixed blocks of resampler_block(period)
 * frames (soxr on the real-time thread: blocks of its fixed call, in
 * pieces no longer than those), keeping what the converter has not used in a FIFO sized at
 * init for the largest period. Because blocks are fixed, the converters
 * single-threaded (soxr runtime spec: one thread) and both engines
 * free of randomness, a render is deterministic, bit for bit.
 *
 * Push model: an app_sink gets its input a period at a time and must
 * take all of it, so it does not pull: resampler_push hands a
 * libsamplerate converter the input it has and takes what comes out,
 * as much as its buffer holds; called again with the rest until the
 * input is used up. The converter keeps its filter's history between
 * calls, so consecutive periods join without a seam. Should its input
 * rate change on the RT thread, it starts from a clean state: src_reset,
 * as for a retarget. Such a converter is made with RESAMPLER_LOWLAT.
 *
 * RESAMPLER_LOWLAT: libsamplerate, never soxr. App rings use it: soxr in
 * fixed blocks reads 13-32 ms ahead, frames a client's snd_pcm_delay
 * cannot see and a one-period ring cannot feed, and a push of whatever
 * a period holds is not a fixed block.
 *
 * The RT rule: src_process neither allocates nor locks; src_new and
 * src_delete (which do) run only in init/done, on the control thread.
 * soxr_process does not lock either, but it grows its internal FIFOs
 * whenever a call needs more room than they have had, and soxr_clear
 * reallocates everything: on the real-time thread it only runs as
 * resampler_soxr.c says, primed at init and then always called the
 * same way. The unit test (tests/unit/test_resampler.c wraps malloc, or
 * counts through the sanitizer's hooks) checks that every converter
 * made without RESAMPLER_NONRT makes no heap call in resampler_run or
 * resampler_retarget, over periods fixed and random.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <samplerate.h>
#include <soxr.h>

#include "dl.h"
#include "resampler.h"
#include "util.h"

#define RESAMPLER_SPINS	64	/* bound on converter calls per run */
#define RESAMPLER_UNIT_MAX 4800	/* soxr on RT: ratio cycles up to this */

const char *const resampler_qualities[] = {
	"best", "medium", "fast", "linear", NULL
};

/* Per quality: the soxr recipe, or -1 for libsamplerate alone. */
static const long soxr_recipes[] = {
	SOXR_VHQ, SOXR_24_BITQ, SOXR_HQ, -1
};
/* And its flags: 20 bits in double, as sox's "rate -h" computes. */
static const unsigned long soxr_flags[] = {
	0, 0, SOXR_DOUBLE_PRECISION, 0
};
static const int lsr_types[] = {
	SRC_SINC_BEST_QUALITY, SRC_SINC_MEDIUM_QUALITY, SRC_SINC_FASTEST,
	SRC_LINEAR
};

/* Input frames to pull for out_frames output frames: rounded up. */
uint32_t
resampler_block(uint32_t out_frames, uint32_t in_rate, uint32_t out_rate)
{
	return (uint32_t)(((uint64_t)out_frames * in_rate + out_rate - 1) /
	    out_rate);
}

/* Control: a single-threaded soxr for in -> out, or NULL. */
static soxr_t
resampler_soxr(long recipe, unsigned long flags, uint32_t ch,
    uint32_t in_rate, uint32_t out_rate, char *err, size_t errlen)
{
	soxr_quality_spec_t q = soxr_quality_spec((unsigned long)recipe,
	    flags);
	soxr_runtime_spec_t r = soxr_runtime_spec(1);
	soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
	soxr_error_t e = NULL;
	soxr_t s;

	s = soxr_create(in_rate, out_rate, ch, &e, &io, &q, &r);
	if (s == NULL)
		snprintf(err, errlen, "resampler: soxr: %s", e ? e : "failed");
	return s;
}

/* Control: resampler_init_ch for stereo. */
int
resampler_init(struct resampler *rs, int quality, uint32_t in_rate,
    uint32_t out_rate, uint32_t max_out, char *err, size_t errlen)
{
	return resampler_init_ch(rs, quality, 2, in_rate, out_rate, max_out,
	    err, errlen);
}

/*
 * Control: set up conversion of ch interleaved channels (1 to
 * RESAMPLER_CH_MAX) from in_rate to out_rate for periods of at most
 * max_out frames. 0, or -errno with a message.
 */
int
resampler_init_ch(struct resampler *rs, int quality, uint32_t ch,
    uint32_t in_rate, uint32_t out_rate, uint32_t max_out, char *err,
    size_t errlen)
{
	int error = 0, vary = (quality & RESAMPLER_VARY) != 0;
	int nonrt = (quality & RESAMPLER_NONRT) != 0;
	int lowlat = (quality & RESAMPLER_LOWLAT) != 0;
	long recipe;

	memset(rs, 0, sizeof(*rs));
	if (ch < 1 || ch > RESAMPLER_CH_MAX) {
		snprintf(err, errlen, "resampler: %u channels (1 to %u)", ch,
		    RESAMPLER_CH_MAX);
		return -EINVAL;
	}
	rs->ch = ch;
	quality &= RESAMPLER_QMASK;
	if (quality > RESAMPLER_LINEAR)
		quality = RESAMPLER_BEST;
	rs->quality = quality;
	rs->in_rate = in_rate;
	rs->out_rate = out_rate;
	if (in_rate == out_rate && !vary)
		return 0;
	/* Two largest blocks: a partly used one plus a fresh one. */
	rs->fifo_cap = 2 * resampler_block(max_out, in_rate, out_rate) + 2;
	/*
	 * RESAMPLER_VARY: inside a resample node's domain the block asked
	 * for is rounded up once per domain level, each rounding costing
	 * up to in_rate / 8000 more input frames: room for a few levels.
	 */
	if (vary)
		rs->fifo_cap += 8 * (in_rate / 8000 + 2);
	recipe = soxr_recipes[quality];
	/*
	 * No libsoxr to load: libsamplerate, loaded on first use
	 * (dl_samplerate.c); src_new says why should it not load.
	 */
	if (recipe >= 0 && in_rate != out_rate && !lowlat && (nonrt ||
	    resampler_soxr_unit(in_rate, out_rate) <= RESAMPLER_UNIT_MAX) &&
	    dl_soxr_load(err, errlen) == 0) {
		rs->soxr = resampler_soxr(recipe, soxr_flags[quality], ch,
		    in_rate, out_rate, err, errlen);
		if (rs->soxr == NULL)
			return -ENOMEM;
		/* Not primed: libsamplerate converts instead. */
		if (nonrt)
			resampler_soxr_open(rs);
		else if (resampler_soxr_prime(rs, max_out) < 0) {
			soxr_delete(rs->soxr);
			rs->soxr = NULL;
		}
	}
	if (rs->soxr == NULL || vary) {
		rs->src = src_new(lsr_types[quality], (int)ch, &error);
		if (rs->src == NULL) {
			snprintf(err, errlen, "resampler: %s",
			    src_strerror(error));
			resampler_done(rs);
			return -ENOMEM;
		}
	}
	rs->fifo = xcalloc((size_t)rs->fifo_cap * ch, sizeof(float));
	rs->on_soxr = rs->soxr != NULL;
	return 0;
}

void
resampler_done(struct resampler *rs)
{
	if (rs->src != NULL)
		src_delete(rs->src);
	if (rs->soxr != NULL)
		soxr_delete(rs->soxr);
	free(rs->fifo);
	free(rs->obuf);
	memset(rs, 0, sizeof(*rs));
}

/*
 * RT: one libsamplerate call on what the FIFO holds, into out (room
 * frames). Sets *used and *made; -1 on a converter error.
 */
static int
resampler_step(struct resampler *rs, float *out, uint32_t room,
    uint32_t *used, uint32_t *made)
{
	SRC_DATA d;

	memset(&d, 0, sizeof(d));
	d.data_in = rs->fifo + (size_t)rs->ch * rs->fifo_off;
	d.input_frames = rs->fifo_len;
	d.data_out = out;
	d.output_frames = room;
	d.src_ratio = (double)rs->out_rate / rs->in_rate;
	if (src_process(rs->src, &d) != 0)
		return -1;
	*used = (uint32_t)d.input_frames_used;
	*made = (uint32_t)d.output_frames_gen;
	return 0;
}

/*
 * RT: n output frames into out. Input comes from pull in blocks sized
 * for n; equal rates pull straight into out.
 */
void
resampler_run(struct resampler *rs, float *out, uint32_t n,
    resampler_pull pull, void *ctx)
{
	uint32_t done = 0, block, i, used, made;

	if (rs->src == NULL && !rs->on_soxr) {
		pull(ctx, out, n);
		return;
	}
	if (rs->on_soxr) {
		resampler_soxr_run(rs, out, n, pull, ctx);
		return;
	}
	block = resampler_block(n, rs->in_rate, rs->out_rate);
	for (i = 0; done < n && i < RESAMPLER_SPINS; i++) {
		if (rs->fifo_len == 0 || (i > 0 && rs->fifo_len < block)) {
			/* Move what is left to the front, add a block. */
			memmove(rs->fifo, rs->fifo + (size_t)rs->ch *
			    rs->fifo_off, (size_t)rs->fifo_len * rs->ch *
			    sizeof(float));
			rs->fifo_off = 0;
			if (rs->fifo_len + block <= rs->fifo_cap) {
				pull(ctx, rs->fifo + (size_t)rs->ch *
				    rs->fifo_len, block);
				rs->fifo_len += block;
			}
		}
		if (resampler_step(rs, out + (size_t)rs->ch * done, n - done,
		    &used, &made) < 0)
			break;
		rs->fifo_off += used;
		rs->fifo_len -= used;
		done += made;
	}
	if (done < n)	/* the converter still filling: silence */
		memset(out + (size_t)rs->ch * done, 0, (size_t)(n - done) *
		    rs->ch * sizeof(float));
}

/*
 * RT, push model: convert up to n frames at in (in_rate Hz) into at most
 * room frames at out (the converter's out_rate). *used: the input frames
 * taken. Returns the frames made. A converter without libsamplerate
 * (equal rates, no RESAMPLER_VARY) copies; on a converter error the
 * input is dropped (*used = n, 0 made), never spun on.
 */
uint32_t
resampler_push(struct resampler *rs, uint32_t in_rate, const float *in,
    uint32_t n, float *out, uint32_t room, uint32_t *used)
{
	SRC_DATA d;

	if (rs->src == NULL) {
		*used = n < room ? n : room;
		memcpy(out, in, (size_t)*used * rs->ch * sizeof(float));
		return *used;
	}
	if (in_rate != rs->in_rate) {
		src_reset(rs->src);
		rs->in_rate = in_rate;
	}
	memset(&d, 0, sizeof(d));
	d.data_in = in;
	d.input_frames = n;
	d.data_out = out;
	d.output_frames = room;
	d.src_ratio = (double)rs->out_rate / in_rate;
	if (src_process(rs->src, &d) != 0) {
		*used = n;
		return 0;
	}
	*used = (uint32_t)d.input_frames_used;
	return (uint32_t)d.output_frames_gen;
}

/*
 * RT: convert to out_rate from now on, for a converter made with
 * RESAMPLER_VARY (a source that finds itself in a resample node's
 * domain runs at that domain's rate). From then on libsamplerate
 * converts, from a clean state: src_reset neither allocates nor locks.
 * 0, or -EINVAL without a libsamplerate converter.
 */
int
resampler_retarget(struct resampler *rs, uint32_t out_rate)
{
	if (rs->src == NULL)
		return -EINVAL;
	if (out_rate == rs->out_rate)
		return 0;
	rs->on_soxr = 0;	/* idle; resampler_done deletes it */
	src_reset(rs->src);
	rs->out_rate = out_rate;
	rs->fifo_off = rs->fifo_len = 0;
	return 0;
}
