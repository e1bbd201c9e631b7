/* SPDX-License-Identifier: MIT */
/*
 * chlayout: channel layouts. A layout is a channel count (1..AM_CH_MAX)
 * and, for each channel, the speaker position it feeds; samples are
 * interleaved in layout order. This file names the positions, parses
 * and prints layouts, reads and writes WAVE_FORMAT_EXTENSIBLE channel
 * masks, and builds the matrix that converts one layout into another
 * by the rules amixd(7) documents under CHANNELS AND LAYOUTS.
 *
 * Positions are ALSA's chmap positions, with ALSA's values (1..36, the
 * SND_CHMAP_* order of <alsa/pcm.h>; the unit test checks every value
 * and name against alsa-lib) and ALSA's short names (snd_pcm_chmap_name),
 * so a device's chmap is a layout as it is. lib/ does not include the
 * ALSA headers: the values are written out in chlayout.h. A channel
 * with no position is AUXk (values 64..127); by convention AUXk is
 * channel k where a layout has to make one up (default layouts of more
 * than eight channels, WAVE channels past the mask's bits).
 *
 * The conversion rules, in the order am_layout_matrix applies them (m
 * is a row per output channel, a column per input channel; every gain
 * is added into m, so an output fed by two rules gets their sum):
 *
 *  1. Same layout: the identity (return 1: a plain copy).
 *  2. By name: every output position the input has takes that input
 *     channel at gain 1 (FL to FL, AUX3 to AUX3...). An output position
 *     the input lacks stays silent; NA (ALSA's "silent") never matches.
 *  3. Each input channel left over goes by the first fold of its
 *     position (folds[]) whose targets the output all has:
 *	MONO	FL and FR at 1 (as the engine always played mono: the same
 *		signal on both sides), else FC at 1;
 *	FC	FL and FR at 1/sqrt(2) (ITU-R BS.775);
 *	RL, RR	SL, SR at 1, else FL, FR at 1/sqrt(2) (BS.775);
 *	SL, SR	RL, RR at 1, else FL, FR at 1/sqrt(2) (BS.775);
 *	RC	RL and RR at 1/sqrt(2), else SL and SR at 1/sqrt(2), else
 *		FL and FR at 1/2 (a centred source, -3 dB, behind, -3 dB);
 *	LFE, LLFE, RLFE, NA	dropped: BS.775's down-mix leaves the
 *		LFE channel out, and NA is silent by definition.
 *     The down-mixes to FL and FR need both FL and FR in the output.
 *  4. An output with MONO but without FL (or FR) takes what would have
 *     gone to FL (FR) at half the gain: "to mono" is the stereo
 *     down-mix, then (L + R) / 2. Stereo to mono is (L + R) / 2, as
 *     the engine always made it for a mono device.
 *  5. An input channel no rule places is an error: the caller is told
 *     to put a channel_map node in between, with a map to start from.
 *
 * Nothing is normalised (PipeWire does not either by default): with
 * every channel at full scale one side of the 5.1 down-mix reaches
 * 1 + 2 * 0.7071 = 2.41 (+7.7 dB), of the 7.1 one 3.12 (+9.9 dB). The
 * engine counts clipped samples at the devices and files, so that
 * shows; amixd(7) says how much gain to take off in front.
 *
 * Any thread; no allocation, no locks, nothing kept between calls.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chlayout.h"

#define SQRT1_2	0.70710678118654752f	/* 1/sqrt(2): -3 dB */

/* ALSA's short names (snd_pcm_chmap_name), indexed by enum am_pos. */
static const char *const pos_names[] = {
	"UNKNOWN", "NA", "MONO", "FL", "FR", "RL", "RR", "FC", "LFE", "SL",
	"SR", "RC", "FLC", "FRC", "RLC", "RRC", "FLW", "FRW", "FLH", "FCH",
	"FRH", "TC", "TFL", "TFR", "TFC", "TRL", "TRR", "TRC", "TFLC",
	"TFRC", "TSL", "TSR", "LLFE", "RLFE", "BC", "BLC", "BRC",
};
#define POS_NAMED	(int)(sizeof(pos_names) / sizeof(pos_names[0]))

/*
 * Named layouts. The first eight channel counts' default layouts are
 * rows here too (layout_default[]).
 */
static const struct layout_name {
	const char *name;
	uint8_t n;
	uint8_t pos[8];
} layout_names[] = {
	{ "mono", 1, { AM_POS_MONO } },
	{ "stereo", 2, { AM_POS_FL, AM_POS_FR } },
	{ "2.1", 3, { AM_POS_FL, AM_POS_FR, AM_POS_LFE } },
	{ "3.0", 3, { AM_POS_FL, AM_POS_FR, AM_POS_FC } },
	{ "quad", 4, { AM_POS_FL, AM_POS_FR, AM_POS_RL, AM_POS_RR } },
	{ "5.0", 5, { AM_POS_FL, AM_POS_FR, AM_POS_FC, AM_POS_RL,
	    AM_POS_RR } },
	{ "5.1", 6, { AM_POS_FL, AM_POS_FR, AM_POS_FC, AM_POS_LFE,
	    AM_POS_RL, AM_POS_RR } },
	{ "6.1", 7, { AM_POS_FL, AM_POS_FR, AM_POS_FC, AM_POS_LFE,
	    AM_POS_RC, AM_POS_SL, AM_POS_SR } },
	{ "7.1", 8, { AM_POS_FL, AM_POS_FR, AM_POS_FC, AM_POS_LFE,
	    AM_POS_RL, AM_POS_RR, AM_POS_SL, AM_POS_SR } },
};
#define NLAYOUT_NAMES	(sizeof(layout_names) / sizeof(layout_names[0]))

/* The default layout of 1..8 channels: a row of layout_names[]. */
static const uint8_t layout_default[9] = { 0, 0, 1, 3, 4, 5, 6, 7, 8 };

/*
 * WAVE_FORMAT_EXTENSIBLE's speaker bits (Microsoft's SPEAKER_*, bit 0
 * first) as positions: BACK is ALSA's rear (RL, RR, RC) and TOP_BACK
 * its top rear (TRL, TRC, TRR). Bits 18..30 are reserved and bit 31 is
 * SPEAKER_ALL: no position.
 */
static const uint8_t mask_pos[] = {
	AM_POS_FL, AM_POS_FR, AM_POS_FC, AM_POS_LFE, AM_POS_RL, AM_POS_RR,
	AM_POS_FLC, AM_POS_FRC, AM_POS_RC, AM_POS_SL, AM_POS_SR, AM_POS_TC,
	AM_POS_TFL, AM_POS_TFC, AM_POS_TFR, AM_POS_TRL, AM_POS_TRC,
	AM_POS_TRR,
};
#define MASK_BITS	(int)(sizeof(mask_pos) / sizeof(mask_pos[0]))
#define MASK_MONO	0x4	/* KSAUDIO_SPEAKER_MONO: SPEAKER_FRONT_CENTER */

/*
 * Rule 3's folds: where an input position goes when the output lacks
 * it. Rows of one position are tried in order; a row applies when the
 * output has every target (gain 0: a target that must be there but
 * gets nothing, so a down-mix to FL needs FR too). A position with no
 * row cannot be folded; DROP rows apply always and place nothing.
 */
#define DROP	AM_POS_UNKNOWN	/* no target */
static const struct fold {
	uint8_t src;
	uint8_t dst[2];
	float gain[2];
} folds[] = {
	{ AM_POS_MONO, { AM_POS_FL, AM_POS_FR }, { 1, 1 } },
	{ AM_POS_MONO, { AM_POS_FC, DROP }, { 1, 0 } },
	{ AM_POS_FL, { AM_POS_FL, DROP }, { 1, 0 } },	/* rule 4 */
	{ AM_POS_FR, { AM_POS_FR, DROP }, { 1, 0 } },	/* rule 4 */
	{ AM_POS_FC, { AM_POS_FL, AM_POS_FR }, { SQRT1_2, SQRT1_2 } },
	{ AM_POS_RL, { AM_POS_SL, DROP }, { 1, 0 } },
	{ AM_POS_RL, { AM_POS_FL, AM_POS_FR }, { SQRT1_2, 0 } },
	{ AM_POS_RR, { AM_POS_SR, DROP }, { 1, 0 } },
	{ AM_POS_RR, { AM_POS_FR, AM_POS_FL }, { SQRT1_2, 0 } },
	{ AM_POS_SL, { AM_POS_RL, DROP }, { 1, 0 } },
	{ AM_POS_SL, { AM_POS_FL, AM_POS_FR }, { SQRT1_2, 0 } },
	{ AM_POS_SR, { AM_POS_RR, DROP }, { 1, 0 } },
	{ AM_POS_SR, { AM_POS_FR, AM_POS_FL }, { SQRT1_2, 0 } },
	{ AM_POS_RC, { AM_POS_RL, AM_POS_RR }, { SQRT1_2, SQRT1_2 } },
	{ AM_POS_RC, { AM_POS_SL, AM_POS_SR }, { SQRT1_2, SQRT1_2 } },
	{ AM_POS_RC, { AM_POS_FL, AM_POS_FR }, { 0.5f, 0.5f } },
	{ AM_POS_LFE, { DROP, DROP }, { 0, 0 } },
	{ AM_POS_LLFE, { DROP, DROP }, { 0, 0 } },
	{ AM_POS_RLFE, { DROP, DROP }, { 0, 0 } },
	{ AM_POS_NA, { DROP, DROP }, { 0, 0 } },
};
#define NFOLDS	(sizeof(folds) / sizeof(folds[0]))

#define NOWHERE	0xff	/* a position a layout does not have */

/*
 * A position's name, or NULL if pos is none (37..63, past AUX63).
 */
const char *
am_pos_name(int pos)
{
	static const char aux[AM_CH_MAX][6] = {
#define AUX10(t) "AUX" #t "0", "AUX" #t "1", "AUX" #t "2", "AUX" #t "3", \
	"AUX" #t "4", "AUX" #t "5", "AUX" #t "6", "AUX" #t "7", "AUX" #t "8", \
	"AUX" #t "9"
		"AUX0", "AUX1", "AUX2", "AUX3", "AUX4", "AUX5", "AUX6",
		"AUX7", "AUX8", "AUX9", AUX10(1), AUX10(2), AUX10(3),
		AUX10(4), AUX10(5), "AUX60", "AUX61", "AUX62", "AUX63",
#undef AUX10
	};

	if (pos >= 0 && pos < POS_NAMED)
		return pos_names[pos];
	if (pos >= AM_POS_AUX0 && pos < AM_POS_END)
		return aux[pos - AM_POS_AUX0];
	return NULL;
}

/*
 * The position called name, any case: one of ALSA's names or AUX0 to
 * AUX63 (decimal, no leading zero). Returns the position or -1.
 */
int
am_pos_find(const char *name)
{
	const char *d;
	int i, k;

	for (i = 0; i < POS_NAMED; i++)
		if (strcasecmp(name, pos_names[i]) == 0)
			return i;
	if (strncasecmp(name, "AUX", 3) != 0)
		return -1;
	d = name + 3;
	if (!isdigit((unsigned char)d[0]) || (d[0] == '0' && d[1] != '\0'))
		return -1;
	for (k = 0; isdigit((unsigned char)*d) && k < AM_CH_MAX; d++)
		k = 10 * k + (*d - '0');
	if (*d != '\0' || k >= AM_CH_MAX)
		return -1;
	return AM_POS_AUX0 + k;
}

/* Is l a layout: 1..AM_CH_MAX channels, each at a named position? */
static int
layout_valid(const struct am_layout *l)
{
	unsigned i;

	if (l->n < 1 || l->n > AM_CH_MAX)
		return 0;
	for (i = 0; i < l->n; i++)
		if (am_pos_name(l->pos[i]) == NULL)
			return 0;
	return 1;
}

/* l := the named layout row ln. */
static void
layout_set(struct am_layout *l, const struct layout_name *ln)
{
	l->n = ln->n;
	memcpy(l->pos, ln->pos, ln->n);
}

/*
 * l := the default layout of n channels (chlayout.h lists them: the
 * WAVE/FLAC orders up to 8, AUX0..AUX(n-1) beyond). Returns 0, or
 * -EINVAL for n outside 1..AM_CH_MAX, l unchanged.
 */
int
am_layout_default(struct am_layout *l, unsigned n)
{
	unsigned i;

	if (n < 1 || n > AM_CH_MAX)
		return -EINVAL;
	if (n <= 8) {
		layout_set(l, &layout_names[layout_default[n]]);
		return 0;
	}
	l->n = (uint8_t)n;
	for (i = 0; i < n; i++)
		l->pos[i] = (uint8_t)(AM_POS_AUX0 + i);
	return 0;
}

/*
 * The name of layout l ("stereo", "5.1"), or NULL if it has none.
 */
const char *
am_layout_name(const struct am_layout *l)
{
	size_t k;

	for (k = 0; k < NLAYOUT_NAMES; k++)
		if (l->n == layout_names[k].n &&
		    memcmp(l->pos, layout_names[k].pos, l->n) == 0)
			return layout_names[k].name;
	return NULL;
}

/*
 * Parse s into l: a layout name, any case, or positions separated by
 * commas or blanks ("FL,FR,FC", "fl fr fc", "FL, FR"), each at most
 * once; "AUX2..AUX5" stands for AUX2,AUX3,AUX4,AUX5 (as messages write
 * a run). On error l is unchanged and err says what is wrong with s.
 * Any thread. Returns 0 or -EINVAL.
 */
int
am_layout_parse(struct am_layout *l, const char *s, char *err,
    size_t errlen)
{
	struct am_layout t;
	char tok[16], *dots;
	const char *p, *e;
	size_t k, len;
	int pos, last;

	p = s;
	while (isspace((unsigned char)*p))
		p++;
	for (len = strlen(p); len > 0 && isspace((unsigned char)p[len - 1]);)
		len--;
	for (k = 0; k < NLAYOUT_NAMES; k++)
		if (strlen(layout_names[k].name) == len &&
		    strncasecmp(p, layout_names[k].name, len) == 0) {
			layout_set(l, &layout_names[k]);
			return 0;
		}
	t.n = 0;
	if (*p == '\0') {
		snprintf(err, errlen, "empty layout: name its positions "
		    "(\"FL,FR\") or give a layout name (mono, stereo, 2.1, "
		    "3.0, quad, 5.0, 5.1, 6.1, 7.1)");
		return -EINVAL;
	}
	for (;;) {
		for (e = p; *e != '\0' && *e != ',' &&
		    !isspace((unsigned char)*e); e++)
			;
		len = (size_t)(e - p);
		if (len == 0) {
			snprintf(err, errlen, "layout \"%s\": empty position "
			    "between commas", s);
			return -EINVAL;
		}
		pos = last = -1;
		if (len < sizeof(tok)) {
			memcpy(tok, p, len);
			tok[len] = '\0';
			if ((dots = strstr(tok, "..")) != NULL) {
				*dots = '\0';
				last = am_pos_find(dots + 2);
			}
			pos = am_pos_find(tok);
			if (dots == NULL)
				last = pos;
			else if (pos < AM_POS_AUX0 || last <= pos)
				pos = -1;	/* only AUXa..AUXb, a < b */
		}
		if (pos < 0) {
			snprintf(err, errlen, "layout \"%s\": unknown position "
			    "\"%.*s\" (positions are ALSA's: FL FR FC LFE RL "
			    "RR SL SR RC FLC FRC... and AUX0 to AUX63; layout "
			    "names: mono stereo 2.1 3.0 quad 5.0 5.1 6.1 7.1)",
			    s, (int)(len < 16 ? len : 16), p);
			return -EINVAL;
		}
		for (; pos <= last; pos++) {
			if (t.n == AM_CH_MAX) {
				snprintf(err, errlen, "layout \"%.40s...\": "
				    "more than %d channels", s, AM_CH_MAX);
				return -EINVAL;
			}
			for (k = 0; k < t.n; k++)
				if (t.pos[k] == pos) {
					snprintf(err, errlen, "layout \"%s\": "
					    "%s named twice (channels %zu and "
					    "%u)", s, am_pos_name(pos), k, t.n);
					return -EINVAL;
				}
			t.pos[t.n++] = (uint8_t)pos;
		}
		for (p = e; isspace((unsigned char)*p); p++)
			;
		if (*p == ',')
			for (p++; isspace((unsigned char)*p); p++)
				;
		else if (*p == '\0')
			break;
		if (*p == '\0') {
			snprintf(err, errlen, "layout \"%s\": empty position "
			    "after the last comma", s);
			return -EINVAL;
		}
	}
	*l = t;
	return 0;
}

/*
 * l's positions as "FL,FR,FC" into buf of len bytes (AM_LAYOUT_STRLEN
 * holds any layout), cut short if it does not fit, always terminated.
 * A value that is no position prints as "?". Returns buf.
 */
const char *
am_layout_str(const struct am_layout *l, char *buf, size_t len)
{
	const char *name;
	size_t at;
	unsigned i;
	int w;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (at = 0, i = 0; i < l->n && i < AM_CH_MAX && at < len; i++) {
		name = am_pos_name(l->pos[i]);
		w = snprintf(buf + at, len - at, "%s%s", i > 0 ? "," : "",
		    name != NULL ? name : "?");
		if (w < 0)
			break;
		at += (size_t)w;
	}
	return buf;
}

/*
 * Layout l for a message: as am_layout_str, but a run of three or more
 * AUX positions in order is "AUX0..AUX15". Returns buf.
 */
static const char *
layout_brief(const struct am_layout *l, char *buf, size_t len)
{
	const char *name;
	size_t at;
	unsigned i, j;
	int w;

	buf[0] = '\0';
	for (at = 0, i = 0; i < l->n && at < len; i = j + 1) {
		j = i;
		if (l->pos[i] >= AM_POS_AUX0)
			while (j + 1 < l->n && l->pos[j + 1] == l->pos[j] + 1 &&
			    l->pos[j + 1] < AM_POS_END)
				j++;
		if (j < i + 2)
			j = i;
		name = am_pos_name(l->pos[i]);
		w = snprintf(buf + at, len - at, "%s%s", i > 0 ? "," : "",
		    name != NULL ? name : "?");
		if (w >= 0 && j > i) {
			at += (size_t)w;
			if (at < len)
				w = snprintf(buf + at, len - at, "..%s",
				    am_pos_name(l->pos[j]));
		}
		if (w < 0)
			break;
		at += (size_t)w;
	}
	return buf;
}

/* Do a and b have the same channels at the same positions? 1 or 0. */
int
am_layout_eq(const struct am_layout *a, const struct am_layout *b)
{
	return a->n == b->n && a->n <= AM_CH_MAX &&
	    memcmp(a->pos, b->pos, a->n) == 0;
}

/*
 * l := n channels placed by WAVE_FORMAT_EXTENSIBLE's dwChannelMask:
 * channel k takes the k-th set bit's position, channels past the last
 * set bit are AUXk (Microsoft: "not assigned to any speaker"), bits
 * past the n-th are ignored. No position bits (0, SPEAKER_ALL): the
 * default layout of n. One channel is mono whatever the mask says
 * (writers mark it FC, KSAUDIO_SPEAKER_MONO, or FL), so a mono file
 * plays as it always did. Returns 0, or -EINVAL for n outside
 * 1..AM_CH_MAX.
 */
int
am_layout_from_mask(struct am_layout *l, unsigned n, uint32_t mask)
{
	unsigned k;
	int bit;

	if (n < 1 || n > AM_CH_MAX)
		return -EINVAL;
	mask &= (1u << MASK_BITS) - 1;
	if (n == 1 || mask == 0)
		return am_layout_default(l, n);
	for (k = 0, bit = 0; bit < MASK_BITS && k < n; bit++)
		if (mask & (1u << bit))
			l->pos[k++] = mask_pos[bit];
	for (; k < n; k++)
		l->pos[k] = (uint8_t)(AM_POS_AUX0 + k);
	l->n = (uint8_t)n;
	return 0;
}

/*
 * The dwChannelMask that says l: the bits of its positions, which must
 * come in bit order, followed by nothing or by channels AUXk at their
 * own index k (unassigned). Mono (MONO or FC alone) is
 * KSAUDIO_SPEAKER_MONO, 0x4. Returns 0 when no mask says l: a position
 * with no bit (SL after RL is fine, FLW is not), positions out of bit
 * order, AUX elsewhere, or no position at all.
 */
uint32_t
am_layout_to_mask(const struct am_layout *l)
{
	uint32_t mask;
	unsigned i;
	int bit, last;

	if (l->n == 1 && (l->pos[0] == AM_POS_MONO || l->pos[0] == AM_POS_FC))
		return MASK_MONO;
	mask = 0;
	last = -1;
	for (i = 0; i < l->n; i++) {
		if (l->pos[i] >= AM_POS_AUX0)
			break;
		for (bit = 0; bit < MASK_BITS; bit++)
			if (mask_pos[bit] == l->pos[i])
				break;
		if (bit == MASK_BITS || bit <= last)
			return 0;
		mask |= 1u << bit;
		last = bit;
	}
	for (; i < l->n; i++)
		if (l->pos[i] != AM_POS_AUX0 + i)
			return 0;
	return mask;
}

/*
 * Output channel of to that position pos of the input goes to, given
 * where[] (to's channel of each position): o and the factor its gain
 * takes (rule 4: FL or FR into a MONO output, half). Returns 0, or -1
 * when to has nowhere for it.
 */
static int
layout_place(const uint8_t *where, int pos, unsigned *o, float *f)
{
	if (where[pos] != NOWHERE) {
		*o = where[pos];
		*f = 1;
		return 0;
	}
	if ((pos == AM_POS_FL || pos == AM_POS_FR) &&
	    where[AM_POS_MONO] != NOWHERE) {
		*o = where[AM_POS_MONO];
		*f = 0.5f;
		return 0;
	}
	return -1;
}

/*
 * Rules 2 to 4 (the module essay), adding the gains into m (zeroed by
 * the caller; NULL: only check). Returns -1 when every input channel is
 * placed, else the first that is not.
 */
static int
layout_convert(const struct am_layout *from, const struct am_layout *to,
    float *m)
{
	uint8_t where[AM_POS_END], placed[AM_CH_MAX];
	unsigned i, o, oo[2];
	size_t k;
	float f[2];
	int j, ok;

	memset(where, NOWHERE, sizeof(where));
	for (o = to->n; o-- > 0;)
		where[to->pos[o]] = (uint8_t)o;
	memset(placed, 0, sizeof(placed));
	for (o = 0; o < to->n; o++)
		for (i = 0; i < from->n; i++)
			if (to->pos[o] != AM_POS_NA &&
			    from->pos[i] == to->pos[o]) {
				if (m != NULL)
					m[o * from->n + i] += 1;
				placed[i] = 1;
				break;
			}
	for (i = 0; i < from->n; i++) {
		if (placed[i])
			continue;
		ok = 0;
		for (k = 0; k < NFOLDS && !ok; k++) {
			if (folds[k].src != from->pos[i])
				continue;
			ok = 1;
			for (j = 0; j < 2 && ok; j++)
				if (folds[k].dst[j] != DROP &&
				    layout_place(where, folds[k].dst[j],
				    &oo[j], &f[j]) < 0)
					ok = 0;
			for (j = 0; j < 2 && ok && m != NULL; j++)
				if (folds[k].dst[j] != DROP)
					m[oo[j] * from->n + i] +=
					    folds[k].gain[j] * f[j];
		}
		if (!ok)
			return (int)i;
	}
	return -1;
}

/*
 * The matrix that converts from into to by the module essay's rules,
 * into m (to->n rows of from->n gains; m may be NULL to only ask
 * whether a rule converts). Control thread or any: no allocation.
 * Returns 1 for the identity (same layout), 0 for another matrix, or
 * -EINVAL with a reason in err and m unchanged: an invalid layout, or
 * an input channel no rule places, with a channel_map node that would
 * do it (the first channels straight across, the last input repeated
 * into the outputs past it).
 */
int
am_layout_matrix(const struct am_layout *from,
    const struct am_layout *to, float *m, char *err, size_t errlen)
{
	char fs[AM_LAYOUT_STRLEN], ts[AM_LAYOUT_STRLEN], map[4 * AM_CH_MAX];
	size_t at;
	unsigned o, i;

	if (!layout_valid(from) || !layout_valid(to)) {
		snprintf(err, errlen, "invalid channel layout (%u channels "
		    "to %u)", from->n, to->n);
		return -EINVAL;
	}
	if (am_layout_eq(from, to)) {
		if (m != NULL)
			for (o = 0; o < to->n; o++)
				for (i = 0; i < from->n; i++)
					m[o * from->n + i] = o == i;
		return 1;
	}
	if (layout_convert(from, to, NULL) < 0) {
		if (m != NULL) {
			memset(m, 0, sizeof(*m) * from->n * to->n);
			layout_convert(from, to, m);
		}
		return 0;
	}
	for (at = 0, o = 0; o < to->n; o++)
		at += (size_t)snprintf(map + at, sizeof(map) - at, "%s%u",
		    o > 0 ? "," : "", o < from->n ? o : from->n - 1u);
	snprintf(err, errlen, "cannot convert %u channel%s (%s) to %u (%s): "
	    "put a channel_map node between them, e.g. "
	    "{\"type\":\"channel_map\",\"map\":[%s]}", from->n,
	    from->n == 1 ? "" : "s", layout_brief(from, fs, sizeof(fs)),
	    to->n, layout_brief(to, ts, sizeof(ts)), map);
	return -EINVAL;
}
