/* SPDX-License-Identifier: MIT */
/*
 * channel_map: explicit channel routing, where the link rules (amixd(7),
 * CHANNELS AND LAYOUTS) do not do what is wanted or refuse.
 *
 *	"map":[1,0]		output channel o is input channel map[o], by
 *				index or position name ("FR"): a reorder, a
 *				pick, a duplication
 *	"matrix":[[..],..]	output o = sum of gains[o][i] * input i; live,
 *				a change ramps like gain's (one period or
 *				5 ms, the longer)
 *	"layout":"..."		the output's positions (a relabel); alone, a
 *				copy with the input's channel count
 *
 * It takes its input's layout as it is (no conversion) and gives
 * "layout", or the default layout of its outputs' count. The layout
 * hook checks the map and matrix against that input and refuses what
 * does not fit (an index past the input, a position it lacks, a matrix
 * with another column count), so the link that would make it is
 * refused. Names are looked up in the input's positions
 * (node_cycle.in_pos) each period, so the state the hook sees is never
 * changed by it.
 *
 * Cost: a map is one strided gather per output channel, straight into
 * the output (no intermediate buffer); a relabel is one copy; a matrix
 * is dsp_matrix_add (a ramp: the gains interpolated per frame).
 *
 * Live matrices: "set" stages the new gains on the control thread
 * (chmap_stage) in one of CHMAP_SLOTS slots the RT thread does not read,
 * and queues the slot's number; set, on the RT thread, copies the slot
 * and starts the ramp, then marks the slot free (applied). A set that
 * finds every slot in flight is refused ("try again"). init and done
 * run on the control thread; set and process on the real-time thread.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chlayout.h"
#include "dsp.h"
#include "node.h"
#include "util.h"

#define CHMAP_SLOTS	4	/* matrix changes in flight at most */

enum { CHMAP_ARG_MAP, CHMAP_ARG_MATRIX, CHMAP_ARG_LAYOUT };
enum { CHMAP_COPY, CHMAP_MAP, CHMAP_MATRIX };

static const struct node_argdesc chmap_args[] = {
	{ "map", NODE_ARG_LIST, 0, 0, 0, NULL, 0, 0 },
	{ "matrix", NODE_ARG_MATRIX, -100.0, 100.0, 0, NULL, 0, 1 },
	{ "layout", NODE_ARG_STR, 0, 0, 0, NULL, 0, 0 },
};

struct chmap {
	int mode;			/* CHMAP_* */
	int relabel;			/* "layout" given */
	struct am_layout layout;	/* with relabel: the output's */
	uint32_t nmap;			/* CHMAP_MAP: entries */
	int32_t map[AM_CH_MAX];		/* index, or -1 - position */
	uint32_t rows, cols;		/* CHMAP_MATRIX: outputs, inputs */
	float *cur;			/* RT: the gains, outside a ramp */
	float *from, *to;		/* RT: a ramp's ends */
	uint32_t pos, len;		/* RT: frames into the ramp, length */
	int ramping;			/* RT */
	float *slot[CHMAP_SLOTS];	/* staged matrices */
	uint32_t staged;		/* control: slots handed out */
	_Atomic uint32_t applied;	/* RT: slots taken back */
};

static void chmap_done(void *st);

static int
chmap_init(void *st, const struct node_val *v, uint32_t rate, char *err,
    size_t errlen)
{
	struct chmap *m = st;
	const struct node_array *a;
	uint32_t k, n = 0;

	(void)rate;
	if (v[CHMAP_ARG_MAP].arr != NULL && v[CHMAP_ARG_MATRIX].arr != NULL) {
		snprintf(err, errlen, "give \"map\" or \"matrix\", not both");
		return -EINVAL;
	}
	if ((a = v[CHMAP_ARG_MAP].arr) != NULL) {
		m->mode = CHMAP_MAP;
		m->nmap = n = a->cols;
		memcpy(m->map, a->idx, sizeof(m->map[0]) * n);
	} else if ((a = v[CHMAP_ARG_MATRIX].arr) != NULL) {
		m->mode = CHMAP_MATRIX;
		m->rows = n = a->rows;
		m->cols = a->cols;
		m->cur = xcalloc((size_t)n * m->cols, sizeof(float));
		m->from = xcalloc((size_t)n * m->cols, sizeof(float));
		m->to = xcalloc((size_t)n * m->cols, sizeof(float));
		for (k = 0; k < CHMAP_SLOTS; k++)
			m->slot[k] = xcalloc((size_t)n * m->cols,
			    sizeof(float));
		memcpy(m->cur, a->m, sizeof(float) * n * m->cols);
	}
	if (v[CHMAP_ARG_LAYOUT].str != NULL) {
		if (am_layout_parse(&m->layout, v[CHMAP_ARG_LAYOUT].str, err,
		    errlen) < 0) {
			chmap_done(m);
			return -EINVAL;
		}
		if (n != 0 && m->layout.n != n) {
			snprintf(err, errlen, "layout '%s' has %u channels, the "
			    "%s gives %u", v[CHMAP_ARG_LAYOUT].str,
			    m->layout.n, m->mode == CHMAP_MAP ? "map" :
			    "matrix", n);
			chmap_done(m);
			return -EINVAL;
		}
		m->relabel = 1;
	}
	return 0;
}

static void
chmap_done(void *st)
{
	struct chmap *m = st;
	int k;

	free(m->cur);
	free(m->from);
	free(m->to);
	for (k = 0; k < CHMAP_SLOTS; k++)
		free(m->slot[k]);
	m->cur = m->from = m->to = NULL;
	memset(m->slot, 0, sizeof(m->slot));
}

/* Index of position pos in positions p[0..n), or -1. */
static int
chmap_find(const uint8_t *p, uint32_t n, int pos)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == pos)
			return (int)i;
	}
	return -1;
}

/*
 * Control: it takes up as it is and gives "layout" or the default
 * layout of its outputs; refused when the map or matrix does not fit
 * up. With nothing linked in yet, it takes what would fit.
 */
static int
chmap_layout(void *st, const struct am_layout *up, struct am_layout *in,
    struct am_layout *out, char *err, size_t errlen)
{
	struct chmap *m = st;
	char have[AM_CH_MAX * 8];
	uint32_t k, need = 2;
	int32_t e;

	if (m->mode == CHMAP_MAP)
		for (k = 0; k < m->nmap; k++)
			need = m->map[k] >= 0 && (uint32_t)m->map[k] + 1 >
			    need ? (uint32_t)m->map[k] + 1 : need;
	if (m->mode == CHMAP_MATRIX)
		need = m->cols;
	if (m->mode == CHMAP_COPY && m->relabel)
		need = m->layout.n;
	if (up != NULL)
		*in = *up;
	else
		(void)am_layout_default(in, need);
	for (k = 0; up != NULL && k < m->nmap; k++) {
		e = m->map[k];
		if (e >= 0 ? (uint32_t)e < in->n :
		    chmap_find(in->pos, in->n, -1 - e) >= 0)
			continue;
		am_layout_str(in, have, sizeof(have));
		if (e >= 0)
			snprintf(err, errlen, "map entry %u: channel %d, but the "
			    "input has %u (%s)", k, e, in->n, have);
		else
			snprintf(err, errlen, "map entry %u: no %s in the "
			    "input (%s)", k, am_pos_name(-1 - e), have);
		return -EINVAL;
	}
	if (up != NULL && m->mode != CHMAP_MAP && need != in->n &&
	    (m->mode == CHMAP_MATRIX || m->relabel)) {
		snprintf(err, errlen, "the %s has %u channels, the input %u: "
		    "%s", m->mode == CHMAP_MATRIX ? "matrix's rows" :
		    "layout", need, in->n, m->mode == CHMAP_MATRIX ?
		    "give a gain per input channel" : "give a \"map\" too");
		return -EINVAL;
	}
	if (m->relabel)
		*out = m->layout;
	else if (m->mode == CHMAP_MAP)
		(void)am_layout_default(out, m->nmap);
	else if (m->mode == CHMAP_MATRIX)
		(void)am_layout_default(out, m->rows);
	else
		*out = *in;
	return 0;
}

/* Control: a new matrix, the same shape, into a free slot. */
static int
chmap_stage(void *st, int arg, const struct node_val *v, double *num,
    char *err, size_t errlen)
{
	struct chmap *m = st;
	const struct node_array *a = v->arr;
	uint32_t k;

	if (arg != CHMAP_ARG_MATRIX || m->mode != CHMAP_MATRIX ||
	    a->rows != m->rows || a->cols != m->cols) {
		snprintf(err, errlen, "matrix: %ux%u, this node's is %ux%u: "
		    "another shape needs another channel_map", a->rows,
		    a->cols, m->rows, m->cols);
		return -EINVAL;
	}
	if (m->staged - atomic_load_explicit(&m->applied,
	    memory_order_acquire) >= CHMAP_SLOTS) {
		snprintf(err, errlen, "matrix: %d changes in flight; try again",
		    CHMAP_SLOTS);
		return -EAGAIN;
	}
	k = m->staged++ % CHMAP_SLOTS;
	memcpy(m->slot[k], a->m, sizeof(float) * m->rows * m->cols);
	*num = k;
	return 0;
}

/* RT: the gains a ramp has reached after pos of len frames, into g. */
static void
chmap_ramp_at(const struct chmap *m, float *g, uint32_t pos, uint32_t len)
{
	uint32_t k, n = m->rows * m->cols;
	float a = (float)pos / (float)len;

	for (k = 0; k < n; k++)
		g[k] = pos == len ? m->to[k] : m->from[k] + (m->to[k] -
		    m->from[k]) * a;
}

/* RT: ramp from the gains now to the staged slot val. */
static void
chmap_set(void *st, int arg, double val)
{
	struct chmap *m = st;
	uint32_t k = (uint32_t)val % CHMAP_SLOTS;
	size_t bytes = sizeof(float) * m->rows * m->cols;

	if (arg != CHMAP_ARG_MATRIX || m->mode != CHMAP_MATRIX)
		return;
	/* From where the gains are now: a ramp's way along, or cur. */
	if (m->ramping && m->len > 0)
		chmap_ramp_at(m, m->from, m->pos, m->len);	/* in place */
	else if (!m->ramping)
		memcpy(m->from, m->cur, bytes);
	memcpy(m->to, m->slot[k], bytes);
	m->pos = m->len = 0;
	m->ramping = 1;
	atomic_store_explicit(&m->applied, atomic_load_explicit(&m->applied,
	    memory_order_relaxed) + 1, memory_order_release);
}

/* RT: frames of out = the ramping matrix times in, frame by frame. */
static uint32_t
chmap_ramp_run(struct chmap *m, const struct node_cycle *c, const float *in,
    float *out)
{
	uint32_t f, o, i, p, ic = m->cols, oc = m->rows, n;
	float a, g, acc;

	if (m->len == 0)
		m->len = dsp_ramp_frames(c->frames, c->rate);
	n = m->len - m->pos < c->frames ? m->len - m->pos : c->frames;
	for (f = 0; f < n; f++) {
		p = m->pos + f + 1;
		a = (float)p / (float)m->len;
		for (o = 0; o < oc; o++) {
			acc = 0.0f;
			for (i = 0; i < ic; i++) {
				g = p == m->len ? m->to[o * ic + i] :
				    m->from[o * ic + i] + (m->to[o * ic + i] -
				    m->from[o * ic + i]) * a;
				acc += g * in[(size_t)f * ic + i];
			}
			out[(size_t)f * oc + o] = acc;
		}
	}
	m->pos += n;
	if (m->pos == m->len) {
		memcpy(m->cur, m->to, sizeof(float) * oc * ic);
		m->ramping = 0;
	}
	return n;
}

/* RT */
static void
chmap_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	struct chmap *m = st;
	uint32_t f, o, ic = c->in_ch, oc = c->out_ch, done = 0;
	int idx;

	switch (m->mode) {
	case CHMAP_MAP:
		for (o = 0; o < oc; o++) {
			idx = o >= m->nmap ? -1 : m->map[o] >= 0 ? m->map[o] :
			    chmap_find(c->in_pos, ic, -1 - m->map[o]);
			if (idx < 0 || (uint32_t)idx >= ic) {
				for (f = 0; f < c->frames; f++)
					out[(size_t)f * oc + o] = 0.0f;
				continue;
			}
			for (f = 0; f < c->frames; f++)
				out[(size_t)f * oc + o] = in[(size_t)f * ic +
				    idx];
		}
		return;
	case CHMAP_MATRIX:
		if (ic != m->cols || oc != m->rows) {
			dsp_zero(out, c->frames * oc);	/* cannot happen */
			return;
		}
		if (m->ramping)
			done = chmap_ramp_run(m, c, in, out);
		if (done == c->frames)
			return;
		dsp_zero(out + (size_t)done * oc, (c->frames - done) * oc);
		dsp_matrix_add(out + (size_t)done * oc, in + (size_t)done * ic,
		    c->frames - done, ic, oc, m->cur);
		return;
	default:	/* CHMAP_COPY: a relabel, or nothing at all */
		if (ic == oc)
			dsp_copy(out, in, c->frames * oc);
		else
			dsp_zero(out, c->frames * oc);	/* cannot happen */
		return;
	}
}

const struct node_ops node_channel_map_ops = {
	.type = "channel_map",
	.size = sizeof(struct chmap),
	.args = chmap_args,
	.nargs = 3,
	.init = chmap_init,
	.done = chmap_done,
	.set = chmap_set,
	.process = chmap_process,
	.layout = chmap_layout,
	.stage = chmap_stage,
};
