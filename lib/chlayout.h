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
#define AM_LAYOUT_STRLEN 384	/* am_layout_str of any layout, with NUL */

/*
 * Positions. 0..36 are ALSA's SND_CHMAP_* values, in the same order, and
 * am_pos_name gives ALSA's names (snd_pcm_chmap_name); lib/ does not
 * include <alsa/pcm.h>, tests/unit/test_chlayout.c checks both against
 * it. AUXk: a channel with no position (by convention channel k).
 */
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

/* l's layout name ("stereo", "5.1"; am_layout_parse's), or NULL. */
const char *am_layout_name(const struct am_layout *l);

/*
 * Parse a layout: a name ("mono", "stereo", "2.1", "3.0", "quad",
 * "5.0", "5.1", "6.1", "7.1"), or positions separated by commas or
 * spaces ("FL,FR,FC"), each named at most once; any case; a run of
 * AUX as "AUX0..AUX15". Returns 0, or -EINVAL with a reason in err (l
 * unchanged).
 */
int am_layout_parse(struct am_layout *l, const char *s, char *err,
    size_t errlen);

/*
 * l's positions as "FL,FR,FC", NUL-terminated, cut short if len is
 * less than AM_LAYOUT_STRLEN; returns buf.
 */
const char *am_layout_str(const struct am_layout *l, char *buf, size_t len);

/* A position's name ("FL", "AUX3"), or NULL for an unknown value. */
const char *am_pos_name(int pos);

/* A position by name, any case ("fl", "AUX3"); -1 if none. */
int am_pos_find(const char *name);

int am_layout_eq(const struct am_layout *a, const struct am_layout *b);

/*
 * WAVE_FORMAT_EXTENSIBLE's dwChannelMask <-> layout. Microsoft's
 * SPEAKER_* bits in order: FL FR FC LFE BL BR FLC FRC BC SL SR TC TFL
 * TFC TFR TBL TBC TBR, where BL BR BC (back) are ALSA's RL RR RC (rear)
 * and TBL TBC TBR are TRL TRC TRR; the reserved bits and SPEAKER_ALL
 * are no position. from_mask: n channels, the mask's bits in order;
 * channels past the mask's bits are AUXk (k: the channel's index); no
 * position bit (mask 0): the default layout; one channel: mono,
 * whatever the mask. 5.1 is 0x3F, 7.1 0x63F. to_mask: the mask of l
 * (mono: 0x4, KSAUDIO_SPEAKER_MONO), trailing AUXk at index k allowed;
 * 0 if some position has no bit or they are not in bit order.
 */
int am_layout_from_mask(struct am_layout *l, unsigned n, uint32_t mask);
uint32_t am_layout_to_mask(const struct am_layout *l);

/*
 * The matrix converting from into to, by amixd(7)'s rules: m[o *
 * from->n + i] is the gain of input channel i in output channel o (row
 * per output; m may be NULL to only check). Returns 1 if the
 * conversion is the identity (same layout: copy), 0 for another
 * matrix, or -EINVAL with err naming a channel_map that would do it
 * when no rule converts from to to (m unchanged).
 */
int am_layout_matrix(const struct am_layout *from,
    const struct am_layout *to, float *m, char *err, size_t errlen);

#endif /* !defined(AM_CHLAYOUT_H) */
