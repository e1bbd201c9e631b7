/* SPDX-License-Identifier: MIT */
/*
 * Sample-rate conversion for every node that needs it (the resample
 * node, file and app sources at another rate), over libsamplerate.
 *
 * Pull model: resampler_run is asked for n output frames and pulls its
 * input through a callback in fixed blocks of resampler_block(period)
 * frames, keeping what the converter has not used in a FIFO sized at
 * init for the largest period. Because blocks are fixed, a render is
 * deterministic. src_process neither allocates nor locks; src_new and
 * src_delete (which do) run only in init/done, on the control thread.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <samplerate.h>

#include "resampler.h"
#include "util.h"

#define RESAMPLER_SPINS	64	/* bound on converter calls per run */

const char *const resampler_qualities[] = {
	"best", "medium", "fast", "linear", NULL
};

/* Input frames to pull for out_frames output frames: rounded up. */
uint32_t
resampler_block(uint32_t out_frames, uint32_t in_rate, uint32_t out_rate)
{
	return (uint32_t)(((uint64_t)out_frames * in_rate + out_rate - 1) /
	    out_rate);
}

/*
 * Control: set up conversion from in_rate to out_rate for periods of at
 * most max_out frames. 0, or -errno with a message.
 */
int
resampler_init(struct resampler *rs, int quality, uint32_t in_rate,
    uint32_t out_rate, uint32_t max_out, char *err, size_t errlen)
{
	static const int types[] = {
		SRC_SINC_BEST_QUALITY, SRC_SINC_MEDIUM_QUALITY,
		SRC_SINC_FASTEST, SRC_LINEAR
	};
	int error = 0, vary = (quality & RESAMPLER_VARY) != 0;

	memset(rs, 0, sizeof(*rs));
	quality &= RESAMPLER_QMASK;
	rs->quality = quality;
	rs->in_rate = in_rate;
	rs->out_rate = out_rate;
	if (in_rate == out_rate && !vary)
		return 0;
	rs->src = src_new(types[quality], 2, &error);
	if (rs->src == NULL) {
		snprintf(err, errlen, "resampler: %s", src_strerror(error));
		return -ENOMEM;
	}
	/* Two largest blocks: a partly used one plus a fresh one. */
	rs->fifo_cap = 2 * resampler_block(max_out, in_rate, out_rate) + 2;
	/*
	 * RESAMPLER_VARY: inside a resample node's domain the block asked
	 * for is rounded up once per domain level, each rounding costing
	 * up to in_rate / 8000 more input frames: room for a few levels.
	 */
	if (vary)
		rs->fifo_cap += 8 * (in_rate / 8000 + 2);
	rs->fifo = xcalloc((size_t)rs->fifo_cap * 2, sizeof(float));
	return 0;
}

void
resampler_done(struct resampler *rs)
{
	if (rs->src != NULL)
		src_delete(rs->src);
	free(rs->fifo);
	memset(rs, 0, sizeof(*rs));
}

/*
 * RT: n output frames into out. Input comes from pull in blocks sized
 * for n; equal rates pull straight into out.
 */
void
resampler_run(struct resampler *rs, float *out, uint32_t n,
    resampler_pull pull, void *ctx)
{
	SRC_DATA d;
	uint32_t done = 0, block, i;

	if (rs->src == NULL) {
		pull(ctx, out, n);
		return;
	}
	block = resampler_block(n, rs->in_rate, rs->out_rate);
	for (i = 0; done < n && i < RESAMPLER_SPINS; i++) {
		if (rs->fifo_len == 0 || (i > 0 && rs->fifo_len < block)) {
			/* Move what is left to the front, add a block. */
			memmove(rs->fifo, rs->fifo + 2 * rs->fifo_off,
			    (size_t)rs->fifo_len * 2 * sizeof(float));
			rs->fifo_off = 0;
			if (rs->fifo_len + block <= rs->fifo_cap) {
				pull(ctx, rs->fifo + 2 * rs->fifo_len, block);
				rs->fifo_len += block;
			}
		}
		memset(&d, 0, sizeof(d));
		d.data_in = rs->fifo + 2 * rs->fifo_off;
		d.input_frames = rs->fifo_len;
		d.data_out = out + 2 * done;
		d.output_frames = n - done;
		d.src_ratio = (double)rs->out_rate / rs->in_rate;
		if (src_process(rs->src, &d) != 0)
			break;
		rs->fifo_off += (uint32_t)d.input_frames_used;
		rs->fifo_len -= (uint32_t)d.input_frames_used;
		done += (uint32_t)d.output_frames_gen;
	}
	if (done < n)	/* cannot happen with a sane converter: silence */
		memset(out + 2 * done, 0, (size_t)(n - done) * 2 *
		    sizeof(float));
}

/*
 * RT: convert to out_rate from now on, for a converter made with
 * RESAMPLER_VARY (a source that finds itself in a resample node's
 * domain runs at that domain's rate). The converter restarts from a
 * clean state: src_reset neither allocates nor locks. 0, or -EINVAL
 * without a converter.
 */
int
resampler_retarget(struct resampler *rs, uint32_t out_rate)
{
	if (rs->src == NULL)
		return -EINVAL;
	if (out_rate == rs->out_rate)
		return 0;
	src_reset(rs->src);
	rs->out_rate = out_rate;
	rs->fifo_off = rs->fifo_len = 0;
	return 0;
}
