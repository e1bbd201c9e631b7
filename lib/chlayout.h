/* SPDX-License-Identifier: MIT */
#ifndef AM_CHLAYOUT_H
#define AM_CHLAYOUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Channel layouts: how many channels a stream has and which speaker
 * position each one feeds. Positions carry ALSA's chmap names (FL, FR,
 * FC, LFE, ...) and, for channels with no position, AUX0..AUX63.
 * Samples are always interleaved in layout order.
 */

#define AM_CH_MAX	64	/* channels of one node, link, file or ring */

/* Positions. 1..36 are ALSA's SND_CHMAP_* values, in the same order. */
enum am_pos {
	AM_POS_UNKNOWN = 0,
	AM_POS_NA, AM_POS_MONO, AM_POS_FL, AM_POS_FR, AM_POS_RL, AM_POS_RR,
	AM_POS_FC, AM_POS_LFE, AM_POS_SL, AM_POS_SR, AM_POS_RC, AM_POS_FLC,
	AM_POS_FRC, AM_POS_RLC, AM_POS_RRC, AM_POS_FLW, AM_POS_FRW,
	AM_POS_FLH, AM_POS_FCH, AM_POS_FRH, AM_POS_TC, AM_POS_TFL,
	AM_POS_TFR, AM_POS_TFC, AM_POS_TRL, AM_POS_TRR, AM_POS_TRC,
	AM_POS_TFLC, AM_POS_TFRC, AM_POS_TSL, AM_POS_TSR, AM_POS_LLFE,
	AM_POS_RLFE, AM_POS_BC, AM_POS_BLC, AM_POS_BRC,
	AM_POS_AUX0 = 64,	/* AUX0..AUX63: 64..127 */
	AM_POS_END = AM_POS_AUX0 + AM_CH_MAX
};

struct am_layout {
	uint8_t n;			/* channels, 1..AM_CH_MAX */
	uint8_t pos[AM_CH_MAX];		/* enum am_pos, pos[0..n) */
};

/*
 * The default layout of n channels (1..AM_CH_MAX): mono; FL FR; then
 * the WAVE/FLAC orders (3: FL FR FC, 4: FL FR RL RR, 5: FL FR FC RL RR,
 * 6: FL FR FC LFE RL RR, 7: FL FR FC LFE RC SL SR, 8: FL FR FC LFE RL
 * RR SL SR); more: AUX0..AUX(n-1). Returns 0 or -EINVAL.
 */
int am_layout_default(struct am_layout *l, unsigned n);

/*
 * Parse a layout: a name ("mono", "stereo", "2.1", "quad", "5.0",
 * "5.1", "7.1"), or positions separated by commas or spaces
 * ("FL,FR,FC"), each named at most once. Returns 0, or -EINVAL with a
 * reason in err.
 */
int am_layout_parse(struct am_layout *l, const char *s, char *err,
    size_t errlen);

/* l's positions as "FL,FR,FC", NUL-terminated; returns buf. */
const char *am_layout_str(const struct am_layout *l, char *buf, size_t len);

/* A position's name ("FL", "AUX3"), or NULL for an unknown value. */
const char *am_pos_name(int pos);

/* A position by name; -1 if none. */
int am_pos_find(const char *name);

int am_layout_eq(const struct am_layout *a, const struct am_layout *b);

/*
 * WAVE_FORMAT_EXTENSIBLE's dwChannelMask <-> layout. from_mask: n
 * channels, the mask's bits in order (0, or too few bits: the default
 * layout; channels past the mask's bits get AUX). to_mask: the mask of
 * l, or 0 if some position has no bit or they are not in bit order.
 */
int am_layout_from_mask(struct am_layout *l, unsigned n, uint32_t mask);
uint32_t am_layout_to_mask(const struct am_layout *l);

/*
 * The matrix converting from into to, by amixd(7)'s rules: m[o *
 * from->n + i] is the gain of input channel i in output channel o (row
 * per output). Returns 1 if the conversion is the identity (same
 * layout: copy), 0 for another matrix, or -EINVAL with err naming a
 * channel_map that would do it when no rule converts from to to.
 */
int am_layout_matrix(const struct am_layout *from,
    const struct am_layout *to, float *m, char *err, size_t errlen);

#endif /* !defined(AM_CHLAYOUT_H) */
