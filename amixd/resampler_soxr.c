/* SPDX-License-Identifier: MIT */
/*
 * libsoxr on the real-time thread (resampler.c's converters made without
 * RESAMPLER_NONRT: the resample node, app streams), without a heap call
 * there; and off it (a file source's decoder), with input in the same
 * fixed calls but not primed, soxr_output writing each run straight
 * into the caller's buffer (resampler_soxr_open).
 *
 * What soxr allocates after soxr_create: its transform buffers, on the
 * first call; and its FIFOs, one per stage and channel plus the output
 * one, which it grows (realloc) when what a FIFO holds plus what is
 * added exceeds its allocation while its read offset is below 16 KiB;
 * nothing ever shrinks. What a FIFO holds and what is added at once
 * depend only on the sizes of the calls made, never on the samples. A
 * caller that asks for whatever its period needs makes calls of ever
 * new sizes, and a FIFO may first need to grow long after start: the
 * unit test found such growth, at some rate pairs and periods, after
 * priming on silence with large calls and with calls of varied sizes.
 *
 * So here soxr is only ever called one way: chunk input frames in, a
 * whole number of ratio cycles (resampler_soxr_unit) making about
 * RS_CHUNK frames on the faster side, and everything it can give out,
 * into obuf; resampler_soxr_run copies from obuf what each period
 * takes and makes the next call when obuf is empty. Every
 * call is the same, whatever the period, so soxr's state after a call
 * is a function of the number of calls made alone, eventually periodic
 * since it is bounded, and the FIFOs stop growing once that is reached.
 * resampler_soxr_prime makes RS_PRIME_CALLS such calls on silence at
 * init, on the control thread; more when the output comes in bursts,
 * RS_BURST_GAP calls or more without any between (a DFT stage's block,
 * as converting by a large factor makes): RS_PRIME_BURSTS bursts past
 * the first output, at most RS_PRIME_MAX calls (beyond, libsamplerate
 * converts instead). At 8 to 192 kHz fast (soxr HQ in double) gives
 * 19520 frames every 73 or 74 calls, and a FIFO grew at call 1556, the
 * 21st burst, past the 1024 calls that had been enough for every
 * recipe in floats; over 28 rate pairs at fast, medium and best none
 * grew later than that, and 44.1 to 48 kHz, which never waits more
 * than two calls, stays at 1024. That this is enough is measured, not
 * proven: tests/unit/test_resampler.c counts the heap calls of
 * resampler_run after it, for every quality, several rate pairs, and
 * periods fixed and random, over minutes of audio.
 *
 * The silence fed is a whole number of cycles, K frames, so the signal
 * after it comes out at output frame K * out / in exactly: the frames
 * soxr still holds of the silence (skip) are dropped as they come, and
 * the output lines up with the input as a fresh converter's would.
 * Conversion is deterministic: the calls are fixed and soxr runs
 * single-threaded.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <soxr.h>

#include "resampler.h"
#include "util.h"

#define RS_CHUNK	256		/* frames per call, about, in or out */
#define RS_PRIME_CALLS	1024		/* calls on silence at init, least */
#define RS_PRIME_MAX	16384		/* and most */
#define RS_BURST_GAP	8		/* calls without output: bursts */
#define RS_PRIME_BURSTS	64		/* then bursts primed, least */
#define RS_PRIME_OUT	(1u << 17)	/* priming: output frames per call */
#define RS_FILE_CHUNK	1024		/* off RT: input frames per call */

static void resampler_soxr_fix(struct resampler *rs, uint32_t obuf_cap,
    uint32_t spins);

/*
 * Input frames in the shortest whole cycle of the ratio: in_rate /
 * gcd(in_rate, out_rate). That many frames in make a whole number out.
 */
uint32_t
resampler_soxr_unit(uint32_t in_rate, uint32_t out_rate)
{
	uint32_t a = in_rate, b = out_rate, t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return in_rate / a;
}

/*
 * Control: ready rs->soxr, just made, for resampler_soxr_run: the call
 * size, RS_PRIME_CALLS calls or more on silence, obuf sized at twice
 * the most one call gave, and a bound on the calls one run of max_out
 * frames may need. Grows rs->fifo_cap to a call's input if it is smaller
 * (resampler_init allocates the FIFO after). 0, or -1: not primed, the
 * caller does without soxr.
 */
int
resampler_soxr_prime(struct resampler *rs, uint32_t max_out)
{
	uint64_t made = 0, want;
	uint32_t unit, ounit, i, first = 0, gap = 0, gapmax = 0, most = 0;
	uint32_t per, calls = RS_PRIME_CALLS;
	uint64_t need;
	size_t idone, odone;
	float *zin, *zout;
	int rc = 0;

	/* About RS_CHUNK frames on the faster side, whole cycles. */
	unit = resampler_soxr_unit(rs->in_rate, rs->out_rate);
	ounit = resampler_soxr_unit(rs->out_rate, rs->in_rate);
	rs->chunk = unit * ((RS_CHUNK + (unit > ounit ? unit : ounit) - 1) /
	    (unit > ounit ? unit : ounit));
	if (rs->fifo_cap < rs->chunk)
		rs->fifo_cap = rs->chunk;
	per = (uint32_t)((uint64_t)rs->chunk * rs->out_rate / rs->in_rate);
	zin = xcalloc((size_t)rs->chunk * rs->ch, sizeof(float));
	zout = xcalloc((size_t)RS_PRIME_OUT * rs->ch, sizeof(float));
	for (i = 0; i < calls && rc == 0; i++) {
		odone = 0;
		if (soxr_process(rs->soxr, zin, rs->chunk, &idone, zout,
		    RS_PRIME_OUT, &odone) != NULL || idone != rs->chunk ||
		    odone >= RS_PRIME_OUT)
			rc = -1;
		made += odone;
		if (odone > most)
			most = (uint32_t)odone;
		/* Calls before the first output; most calls without. */
		if (made == 0)
			first = i + 1;
		else if (odone == 0 && ++gap > gapmax)
			gapmax = gap;
		else if (odone > 0)
			gap = 0;
		/* In bursts: RS_PRIME_BURSTS past the first output. */
		if (i + 1 == RS_PRIME_CALLS && gapmax >= RS_BURST_GAP) {
			need = first + (uint64_t)RS_PRIME_BURSTS * (gapmax + 1);
			if (need > RS_PRIME_MAX)
				rc = -1;
			else if (need > calls)
				calls = (uint32_t)need;
		}
	}
	want = (uint64_t)calls * per;
	if (rc == 0 && (made > want || want - made > UINT32_MAX || most == 0))
		rc = -1;
	free(zin);
	free(zout);
	if (rc < 0)
		return -1;
	rs->skip = (uint32_t)(want - made);
	resampler_soxr_fix(rs, 2 * most + per, (max_out + per - 1) / per +
	    2 * gapmax + first + 4);
	return 0;
}

/* Control: obuf of obuf_cap frames, at most spins calls a run. */
static void
resampler_soxr_fix(struct resampler *rs, uint32_t obuf_cap, uint32_t spins)
{
	rs->obuf_cap = obuf_cap;
	rs->obuf = xcalloc((size_t)rs->obuf_cap * rs->ch, sizeof(float));
	rs->obuf_off = rs->obuf_len = 0;
	rs->spins = spins;
	rs->fixed = 1;
}

/*
 * Decoder (soxr's input callback, in soxr_output): one fixed call's
 * input, chunk frames pulled into the FIFO in pieces as
 * resampler_soxr_run would, whatever soxr asked for: soxr takes all it
 * is given.
 */
static size_t
resampler_soxr_in(void *ctx, soxr_in_t *data, size_t requested)
{
	struct resampler *rs = ctx;
	uint32_t k, m;

	(void)requested;
	for (k = 0; k < rs->chunk; k += m) {
		m = rs->chunk - k < rs->piece ? rs->chunk - k : rs->piece;
		rs->pull(rs->pull_ctx, rs->fifo + (size_t)rs->ch * k, m);
	}
	*data = rs->fifo;
	return rs->chunk;
}

/*
 * Control: ready rs->soxr, just made, for resampler_soxr_run off the
 * real-time thread (a file source's decoder), where it may allocate:
 * soxr_output writes each run's frames straight into out and, while it
 * holds too few, takes input through resampler_soxr_in, RS_FILE_CHUNK
 * frames a call, no priming; what it makes beyond the run stays in soxr
 * for the next. No obuf, and no copy out of it: the converted frames
 * are written once, into the caller's buffer (a file source's ring).
 * The input is the same fixed calls as on the real-time thread, and
 * soxr's output does not depend on how it is taken, so a file converts
 * to the same bytes. Being called with input fixed rather than as the
 * period needs also keeps soxr from taking input in dribs while it
 * waits for a whole transform block (soxr_process takes only as much
 * input per call as the output asked for: near the end of a period, a
 * few frames), which ran out of calls and left gaps of silence, every
 * few seconds, in files converted before. rs must stay where it is:
 * soxr keeps its address for the callback.
 */
void
resampler_soxr_open(struct resampler *rs)
{
	rs->chunk = RS_FILE_CHUNK;
	if (rs->fifo_cap < rs->chunk)
		rs->fifo_cap = rs->chunk;
	rs->skip = 0;
	rs->direct = 1;
	rs->fixed = 1;
	(void)soxr_set_input_fn(rs->soxr, resampler_soxr_in, rs, rs->chunk);
}

/*
 * Decoder: resampler_soxr_run for a converter of resampler_soxr_open.
 * What soxr cannot make (an error only) is silence.
 */
static void
resampler_soxr_direct(struct resampler *rs, float *out, uint32_t n,
    resampler_pull pull, void *ctx)
{
	size_t done;

	rs->pull = pull;
	rs->pull_ctx = ctx;
	rs->piece = resampler_block(n, rs->in_rate, rs->out_rate);
	done = soxr_output(rs->soxr, out, n);
	rs->pull = NULL;
	rs->pull_ctx = NULL;
	if (done < n)
		memset(out + (size_t)rs->ch * done, 0, (size_t)(n - done) *
		    rs->ch * sizeof(float));
}

/*
 * RT: n output frames into out from obuf, refilled by one fixed call
 * of chunk frames whenever it is empty, pulled into the FIFO in pieces
 * no longer than resampler_block(n) (a resample node's domain runs in
 * blocks of at most that, plan.c); the silence still held from
 * priming is dropped first. At most spins calls; what they could not
 * make is silence.
 */
void
resampler_soxr_run(struct resampler *rs, float *out, uint32_t n,
    resampler_pull pull, void *ctx)
{
	uint32_t done = 0, i = 0, k, m, piece;
	size_t idone, odone;

	if (rs->direct) {
		resampler_soxr_direct(rs, out, n, pull, ctx);
		return;
	}
	piece = resampler_block(n, rs->in_rate, rs->out_rate);
	while (done < n) {
		if (rs->obuf_len == 0) {
			if (i++ >= rs->spins)
				break;
			/* In pieces no longer than the blocks for n. */
			for (k = 0; k < rs->chunk; k += m) {
				m = rs->chunk - k < piece ? rs->chunk - k :
				    piece;
				pull(ctx, rs->fifo + (size_t)rs->ch * k, m);
			}
			odone = 0;
			if (soxr_process(rs->soxr, rs->fifo, rs->chunk, &idone,
			    rs->obuf, rs->obuf_cap, &odone) != NULL)
				break;
			rs->obuf_off = 0;
			rs->obuf_len = (uint32_t)odone;
			k = rs->skip < rs->obuf_len ? rs->skip : rs->obuf_len;
			rs->obuf_off += k;
			rs->obuf_len -= k;
			rs->skip -= k;
			continue;
		}
		k = n - done < rs->obuf_len ? n - done : rs->obuf_len;
		memcpy(out + (size_t)rs->ch * done, rs->obuf + (size_t)rs->ch *
		    rs->obuf_off, (size_t)k * rs->ch * sizeof(float));
		done += k;
		rs->obuf_off += k;
		rs->obuf_len -= k;
	}
	if (done < n)	/* only on a converter error */
		memset(out + (size_t)rs->ch * done, 0, (size_t)(n - done) *
		    rs->ch * sizeof(float));
}
