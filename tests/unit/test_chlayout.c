/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/chlayout.c: every position's value and name against
 * alsa-lib's (SND_CHMAP_*, snd_pcm_chmap_name), names and layouts
 * round-tripped through am_pos_find, am_layout_str and am_layout_parse,
 * parse errors with their messages, the default layouts of 1..64
 * channels, WAVE channel masks both ways (5.1 = 0x3F, 7.1 = 0x63F, each
 * speaker bit), each conversion rule's matrix bit for bit, the
 * refusals with their messages, and identity detection.
 *
 * Two checks find a class of bug rather than one: every subset of FL FR
 * FC LFE RL RR SL SR goes to stereo and to mono with each channel's
 * gains worked out independently from BS.775; and every pair of named
 * and default layouts either converts with no input channel (but LFE)
 * silently dropped, gains in 0..1, the same answer with m NULL, and the
 * identity exactly when the layouts are equal, or is refused with a
 * message and m left alone. test_chlayout_man.c checks amixd(7)
 * against the library.
 */

#include <alsa/asoundlib.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chlayout.h"
#include "t.h"
#include "t_chlayout.h"

/*
 * am_layout_matrix of from -> to into m, every gain first set to -7
 * (so untouched entries show); *nm := the number of gains.
 */
static int
convert(const char *from, const char *to, float *m, size_t *nm)
{
	struct am_layout a = L(from), b = L(to);
	size_t k;

	*nm = (size_t)a.n * b.n;
	for (k = 0; k < *nm; k++)
		m[k] = -7;
	err[0] = '\0';
	return am_layout_matrix(&a, &b, m, err, sizeof(err));
}

/*
 * from -> to converts with return rc and exactly the matrix want (rows
 * per output channel).
 */
static void
matrix_is(const char *from, const char *to, int rc, const float *want)
{
	float m[AM_CH_MAX * AM_CH_MAX];
	size_t k, nm, nin;
	int got, same;

	got = convert(from, to, m, &nm);
	nin = L(from).n;
	for (k = 0, same = 1; k < nm; k++)
		if (m[k] != want[k]) {
			printf("# m[%zu] (out %zu, in %zu) = %.9g, want %.9g\n",
			    k, k / nin, k % nin, m[k], want[k]);
			same = 0;
		}
	is_int(got, rc, "%s -> %s returns %d", from, to, rc);
	ok(same, "%s -> %s: the documented matrix", from, to);
}

/* from -> to is refused with exactly the message want, m untouched. */
static void
refused(const char *from, const char *to, const char *want)
{
	struct am_layout a = L(from), b = L(to);
	float m[AM_CH_MAX * AM_CH_MAX];
	size_t k, nm;
	int rc, kept;

	rc = convert(from, to, m, &nm);
	for (k = 0, kept = 1; k < nm; k++)
		kept &= m[k] == -7;
	is_int(rc, -EINVAL, "%s -> %s refused", from, to);
	is_str(err, want, "%s -> %s: message", from, to);
	ok(kept, "%s -> %s: m unchanged", from, to);
	is_int(am_layout_matrix(&a, &b, NULL, err, sizeof(err)), -EINVAL,
	    "%s -> %s refused with m NULL", from, to);
}

/* s fails to parse with a message containing want; l is unchanged. */
static void
bad_parse(const char *s, const char *want)
{
	struct am_layout l;
	int rc;

	am_layout_default(&l, 3);
	err[0] = '\0';
	rc = am_layout_parse(&l, s, err, sizeof(err));
	is_int(rc, -EINVAL, "parse \"%.30s\" fails", s);
	ok(strstr(err, want) != NULL, "parse \"%.30s\": \"%s\" in \"%s\"", s,
	    want, err);
	ok(l.n == 3 && l.pos[2] == AM_POS_FC, "parse \"%.30s\": l unchanged",
	    s);
}

static void
test_positions(void)
{
	static const struct {
		int am, alsa;
	} v[] = {
		{ AM_POS_UNKNOWN, SND_CHMAP_UNKNOWN },
		{ AM_POS_NA, SND_CHMAP_NA },
		{ AM_POS_MONO, SND_CHMAP_MONO }, { AM_POS_FL, SND_CHMAP_FL },
		{ AM_POS_FR, SND_CHMAP_FR }, { AM_POS_RL, SND_CHMAP_RL },
		{ AM_POS_RR, SND_CHMAP_RR }, { AM_POS_FC, SND_CHMAP_FC },
		{ AM_POS_LFE, SND_CHMAP_LFE }, { AM_POS_SL, SND_CHMAP_SL },
		{ AM_POS_SR, SND_CHMAP_SR }, { AM_POS_RC, SND_CHMAP_RC },
		{ AM_POS_FLC, SND_CHMAP_FLC }, { AM_POS_FRC, SND_CHMAP_FRC },
		{ AM_POS_RLC, SND_CHMAP_RLC }, { AM_POS_RRC, SND_CHMAP_RRC },
		{ AM_POS_FLW, SND_CHMAP_FLW }, { AM_POS_FRW, SND_CHMAP_FRW },
		{ AM_POS_FLH, SND_CHMAP_FLH }, { AM_POS_FCH, SND_CHMAP_FCH },
		{ AM_POS_FRH, SND_CHMAP_FRH }, { AM_POS_TC, SND_CHMAP_TC },
		{ AM_POS_TFL, SND_CHMAP_TFL }, { AM_POS_TFR, SND_CHMAP_TFR },
		{ AM_POS_TFC, SND_CHMAP_TFC }, { AM_POS_TRL, SND_CHMAP_TRL },
		{ AM_POS_TRR, SND_CHMAP_TRR }, { AM_POS_TRC, SND_CHMAP_TRC },
		{ AM_POS_TFLC, SND_CHMAP_TFLC },
		{ AM_POS_TFRC, SND_CHMAP_TFRC }, { AM_POS_TSL, SND_CHMAP_TSL },
		{ AM_POS_TSR, SND_CHMAP_TSR }, { AM_POS_LLFE, SND_CHMAP_LLFE },
		{ AM_POS_RLFE, SND_CHMAP_RLFE }, { AM_POS_BC, SND_CHMAP_BC },
		{ AM_POS_BLC, SND_CHMAP_BLC }, { AM_POS_BRC, SND_CHMAP_BRC },
	};
	char lower[8], aux[16];
	const char *name;
	size_t k, j, bad;
	int p;

	for (k = 0, bad = 0; k < sizeof(v) / sizeof(v[0]); k++)
		if (v[k].am != v[k].alsa || v[k].am != (int)k) {
			printf("# position %zu: %d, ALSA %d\n", k, v[k].am,
			    v[k].alsa);
			bad++;
		}
	is_int(bad, 0, "AM_POS_* are SND_CHMAP_*, 0..36 in order");
	is_int(SND_CHMAP_LAST, AM_POS_BRC, "ALSA has no position past BRC");
	for (p = 0; p <= SND_CHMAP_LAST; p++) {
		name = am_pos_name(p);
		is_str(name, snd_pcm_chmap_name((enum snd_pcm_chmap_position)p),
		    "position %d is ALSA's %s", p,
		    snd_pcm_chmap_name((enum snd_pcm_chmap_position)p));
		if (name == NULL)
			continue;
		for (j = 0; name[j] != '\0'; j++)
			lower[j] = (char)tolower((unsigned char)name[j]);
		lower[j] = '\0';
		ok(am_pos_find(name) == p && am_pos_find(lower) == p,
		    "am_pos_find(\"%s\") and (\"%s\") are %d", name, lower, p);
	}
	for (p = 0, bad = 0; p < AM_CH_MAX; p++) {
		snprintf(aux, sizeof(aux), "AUX%d", p);
		if (am_pos_name(AM_POS_AUX0 + p) == NULL ||
		    strcmp(am_pos_name(AM_POS_AUX0 + p), aux) != 0 ||
		    am_pos_find(aux) != AM_POS_AUX0 + p)
			bad++;
		aux[0] = 'a';
		if (am_pos_find(aux) != AM_POS_AUX0 + p)
			bad++;
	}
	is_int(bad, 0, "AUX0..AUX63 named and found, any case");
	for (p = SND_CHMAP_LAST + 1, bad = 0; p < AM_POS_AUX0; p++)
		bad += am_pos_name(p) != NULL;
	is_int(bad, 0, "no name for 37..63");
	is_str(am_pos_name(AM_POS_END), NULL, "no name past AUX63");
	is_str(am_pos_name(-1), NULL, "no name for -1");
	is_int(am_pos_find("AUX64"), -1, "AUX64 is no position");
	is_int(am_pos_find("AUX01"), -1, "AUX01 is no position");
	is_int(am_pos_find("AUX"), -1, "AUX is no position");
	is_int(am_pos_find("AUX-1"), -1, "AUX-1 is no position");
	is_int(am_pos_find("AUX1a"), -1, "AUX1a is no position");
	is_int(am_pos_find("AUX99999999999"), -1, "AUX99999999999");
	is_int(am_pos_find(""), -1, "\"\" is no position");
	is_int(am_pos_find("FLX"), -1, "FLX is no position");
	is_int(am_pos_find("BL"), -1, "BL is Microsoft's, not ALSA's");
}

static void
test_parse(void)
{
	static const struct {
		const char *s, *want;
	} good[] = {
		{ "mono", "MONO" }, { "stereo", "FL,FR" },
		{ "2.1", "FL,FR,LFE" },
		{ "3.0", "FL,FR,FC" }, { "quad", "FL,FR,RL,RR" },
		{ "5.0", "FL,FR,FC,RL,RR" }, { "5.1", "FL,FR,FC,LFE,RL,RR" },
		{ "6.1", "FL,FR,FC,LFE,RC,SL,SR" },
		{ "7.1", "FL,FR,FC,LFE,RL,RR,SL,SR" },
		{ "STEREO", "FL,FR" }, { "Quad", "FL,FR,RL,RR" },
		{ " 5.1\n", "FL,FR,FC,LFE,RL,RR" },
		{ "fl,fr,fc", "FL,FR,FC" }, { "FL FR", "FL,FR" },
		{ " FL, FR ,\tSL ", "FL,FR,SL" }, { "sl sr", "SL,SR" },
		{ "aux3,Aux0", "AUX3,AUX0" }, { "MONO", "MONO" },
		{ "NA,UNKNOWN", "NA,UNKNOWN" }, { "FC", "FC" },
		{ "FL,FR,AUX2..AUX4", "FL,FR,AUX2,AUX3,AUX4" },
		{ "aux0..aux1", "AUX0,AUX1" },
		{ "AUX62..AUX63 AUX0..AUX2", "AUX62,AUX63,AUX0,AUX1,AUX2" },
	};
	struct am_layout l, l2;
	char buf[AM_LAYOUT_STRLEN], many[AM_LAYOUT_STRLEN + 8];
	size_t k, at;
	unsigned n;

	for (k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		memset(&l, 0, sizeof(l));
		is_int(am_layout_parse(&l, good[k].s, err, sizeof(err)), 0,
		    "parse \"%s\"", good[k].s);
		is_str(am_layout_str(&l, buf, sizeof(buf)), good[k].want,
		    "\"%s\" is %s", good[k].s, good[k].want);
	}
	/* Every default layout goes through text and back. */
	for (n = 1; n <= AM_CH_MAX; n++) {
		am_layout_default(&l, n);
		am_layout_str(&l, buf, sizeof(buf));
		memset(&l2, 0, sizeof(l2));
		if (am_layout_parse(&l2, buf, err, sizeof(err)) != 0 ||
		    !am_layout_eq(&l, &l2))
			break;
	}
	is_int(n, AM_CH_MAX + 1, "default layouts 1..64 round-trip as text");
	is_int(strlen(buf), 64 * 4 + 54 + 63, "AUX0..AUX63: 373 characters");
	/* Every named position at once, so 37 + 27 AUX: 64. */
	for (at = 0, k = 0; k <= AM_POS_BRC; k++)
		at += (size_t)snprintf(many + at, sizeof(many) - at, "%s ",
		    am_pos_name((int)k));
	for (k = 0; k < AM_CH_MAX - AM_POS_BRC - 1; k++)
		at += (size_t)snprintf(many + at, sizeof(many) - at, "AUX%zu,",
		    k);
	many[--at] = '\0';	/* the last comma */
	is_int(am_layout_parse(&l, many, err, sizeof(err)), 0,
	    "64 positions parse");
	is_int(l.n, 64, "64 channels");
	snprintf(many + at, sizeof(many) - at, ",AUX63");
	bad_parse(many, "more than 64 channels");
	bad_parse("", "empty layout");
	bad_parse("  \t", "empty layout");
	bad_parse("FL,,FR", "empty position between commas");
	bad_parse(",FL", "empty position between commas");
	bad_parse("FL,FR,", "empty position after the last comma");
	bad_parse("FL, ", "empty position after the last comma");
	bad_parse("FL,FR,FL", "FL named twice (channels 0 and 2)");
	bad_parse("aux1 AUX1", "AUX1 named twice");
	bad_parse("FL,XX", "unknown position \"XX\"");
	bad_parse("surround", "unknown position \"surround\"");
	bad_parse("FL,FRONTLEFTWIDE", "unknown position \"FRONTLEFTWIDE\"");
	bad_parse("AUX64", "AUX0 to AUX63");
	bad_parse("5.2", "layout names: mono stereo");
	bad_parse("AUX3..AUX3", "unknown position \"AUX3..AUX3\"");
	bad_parse("AUX3..AUX1", "unknown position \"AUX3..AUX1\"");
	bad_parse("FL..FR", "unknown position \"FL..FR\"");
	bad_parse("AUX0..FR", "unknown position \"AUX0..FR\"");
	bad_parse("AUX0..", "unknown position \"AUX0..\"");
	bad_parse("AUX0..AUX64", "unknown position \"AUX0..AUX64\"");
	bad_parse("AUX1,AUX0..AUX3", "AUX1 named twice (channels 0 and 2)");
	bad_parse("FL AUX0..AUX63", "more than 64 channels");
	/* Cut short, always terminated. */
	l = L("5.1");
	memset(buf, 'x', sizeof(buf));
	is_str(am_layout_str(&l, buf, 6), "FL,FR", "str into 6 bytes");
	is_str(am_layout_str(&l, buf, 5), "FL,F", "str into 5 bytes");
	buf[0] = 'x';
	am_layout_str(&l, buf, 0);
	is_int(buf[0], 'x', "str into 0 bytes writes nothing");
	l.pos[1] = 40;
	is_str(am_layout_str(&l, buf, sizeof(buf)), "FL,?,FC,LFE,RL,RR",
	    "no position prints as ?");
}

static void
test_default(void)
{
	static const char *const want[9] = {
		NULL, "MONO", "FL,FR", "FL,FR,FC", "FL,FR,RL,RR",
		"FL,FR,FC,RL,RR", "FL,FR,FC,LFE,RL,RR",
		"FL,FR,FC,LFE,RC,SL,SR", "FL,FR,FC,LFE,RL,RR,SL,SR",
	};
	static const char *const names[9] = {
		NULL, "mono", "stereo", "3.0", "quad", "5.0", "5.1", "6.1",
		"7.1",
	};
	struct am_layout l;
	char buf[AM_LAYOUT_STRLEN];
	unsigned n, i, bad;

	for (n = 1; n <= 8; n++) {
		is_int(am_layout_default(&l, n), 0, "default of %u", n);
		is_str(am_layout_str(&l, buf, sizeof(buf)), want[n],
		    "default of %u: %s", n, want[n]);
		is_str(am_layout_name(&l), names[n], "it is %s", names[n]);
	}
	for (n = 9, bad = 0; n <= AM_CH_MAX; n++) {
		if (am_layout_default(&l, n) != 0 || l.n != n)
			bad++;
		for (i = 0; i < n; i++)
			bad += l.pos[i] != AM_POS_AUX0 + i;
	}
	is_int(bad, 0, "default of 9..64: AUX0..AUX(n-1)");
	is_str(am_layout_name(&l), NULL, "64 AUX have no name");
	l = L("2.1");
	is_str(am_layout_name(&l), "2.1", "2.1 has its name");
	l.n = 5;
	is_int(am_layout_default(&l, 0), -EINVAL, "no default of 0");
	is_int(am_layout_default(&l, 65), -EINVAL, "no default of 65");
	is_int(l.n, 5, "l unchanged");
}

static void
test_mask(void)
{
	/* Microsoft's SPEAKER_* bits, as ALSA positions. */
#define BITS "FL,FR,FC,LFE,RL,RR,FLC,FRC,RC,SL,SR,TC,TFL,TFC,TFR,TRL,TRC,TRR"
	static const struct {
		unsigned n;
		uint32_t mask;
		const char *layout;
		uint32_t back;		/* am_layout_to_mask of it */
	} from[] = {
		{ 6, 0x3F, "5.1", 0x3F },
		{ 8, 0x63F, "7.1", 0x63F },
		{ 7, 0x70F, "6.1", 0x70F },
		{ 2, 0x3, "stereo", 0x3 },
		{ 1, 0x4, "mono", 0x4 },	/* mono is 0x4, FC */
		{ 1, 0x1, "mono", 0x4 },	/* one channel: mono */
		{ 18, 0x3FFFF, BITS, 0x3FFFF },	/* every bit, in order */
		{ 6, 0, "5.1", 0x3F },		/* no mask: the default */
		{ 2, 0x80000000u, "stereo", 0x3 },	/* SPEAKER_ALL */
		{ 3, 0x7FFC0003u, "FL,FR,AUX2", 0x3 },	/* reserved bits */
		{ 4, 0x3, "FL,FR,AUX2,AUX3", 0x3 },	/* AUXk past them */
		{ 2, 0x3F, "stereo", 0x3 },	/* bits past the channels */
		{ 16, 0, "AUX0..AUX15", 0 },	/* AUX only: no mask */
	};
	static const struct {
		const char *layout;
		uint32_t mask;
	} to[] = {
		{ "FC", 0x4 },			/* alone: mono */
		{ "FR,FL", 0 },			/* out of bit order */
		{ "FL,FR,FLW", 0 },		/* FLW has no bit */
		{ "FL,FR,AUX0", 0 },		/* AUX0 at channel 2 */
		{ "FL,AUX1,FR", 0 },		/* a position after AUX */
		{ "FL,FR,FC,LFE,SL,SR", 0x60F },
	};
	struct am_layout w, l;
	size_t k;
	unsigned b;

	for (k = 0; k < sizeof(from) / sizeof(from[0]); k++) {
		memset(&w, 0, sizeof(w));
		is_int(am_layout_from_mask(&w, from[k].n, from[k].mask), 0,
		    "%u channels of 0x%x", from[k].n, from[k].mask);
		l = L(from[k].layout);
		ok(l.n > 0 && am_layout_eq(&w, &l), "are %s", from[k].layout);
		is_int(am_layout_to_mask(&w), from[k].back, "back: 0x%x",
		    from[k].back);
	}
	for (k = 0; k < sizeof(to) / sizeof(to[0]); k++) {
		l = L(to[k].layout);
		is_int(am_layout_to_mask(&l), to[k].mask, "%s: mask 0x%x",
		    to[k].layout, to[k].mask);
	}
	for (b = 1; b < 18; b++) {
		am_layout_from_mask(&w, 2, 1u | 1u << b);
		if (am_layout_to_mask(&w) != (1u | 1u << b))
			break;
	}
	is_int(b, 18, "each bit round-trips");
	is_int(am_layout_from_mask(&w, 0, 3), -EINVAL, "0 channels");
	is_int(am_layout_from_mask(&w, 65, 3), -EINVAL, "65 channels");
#undef BITS
}

static void
test_rules(void)
{
	static const float id2[] = { 1, 0, 0, 1 };
	static const float up[] = { 1, 1 };
	static const float down[] = { 0.5f, 0.5f };
	static const float mono51[] = { 1, 1, 0, 0, 0, 0 };
	static const float one[] = { 1 };
	static const float mono_fc_lfe[] = { 1, 0 };
	static const float st51[] = {
		1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const float st71[] = {
		1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const float stquad[] = { 1, 0, 0, 1, 0, 0, 0, 0 };
	static const float d51[] = {	/* FL FR FC LFE RL RR */
		1, 0, G, 0, G, 0,
		0, 1, G, 0, 0, G,
	};
	static const float d50[] = {	/* FL FR FC RL RR */
		1, 0, G, G, 0,
		0, 1, G, 0, G,
	};
	static const float d71[] = {	/* FL FR FC LFE RL RR SL SR */
		1, 0, G, 0, G, 0, G, 0,
		0, 1, G, 0, 0, G, 0, G,
	};
	static const float d61[] = {	/* FL FR FC LFE RC SL SR */
		1, 0, G, 0, 0.5f, G, 0,
		0, 1, G, 0, 0.5f, 0, G,
	};
	static const float dquad[] = { 1, 0, G, 0, 0, 1, 0, G };
	static const float d21[] = { 1, 0, 0, 0, 1, 0 };
	static const float d30[] = { 1, 0, G, 0, 1, G };
	static const float m51[] = { 0.5f, 0.5f, G, 0, H, H };
	static const float m71[] = { 0.5f, 0.5f, G, 0, H, H, H, H };
	static const float m61[] = { 0.5f, 0.5f, G, 0, 0.5f, H, H };
	static const float fc2[] = { G, G };
	static const float fcm[] = { G };
	static const float x71_51[] = {	/* SL, SR fold into RL, RR */
		1, 0, 0, 0, 0, 0, 0, 0,
		0, 1, 0, 0, 0, 0, 0, 0,
		0, 0, 1, 0, 0, 0, 0, 0,
		0, 0, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 0, 1, 0, 1, 0,
		0, 0, 0, 0, 0, 1, 0, 1,
	};
	static const float side51[] = {	/* FL FR FC LFE SL SR -> 5.1 */
		1, 0, 0, 0, 0, 0,
		0, 1, 0, 0, 0, 0,
		0, 0, 1, 0, 0, 0,
		0, 0, 0, 1, 0, 0,
		0, 0, 0, 0, 1, 0,
		0, 0, 0, 0, 0, 1,
	};
	static const float x51_71[] = {
		1, 0, 0, 0, 0, 0,
		0, 1, 0, 0, 0, 0,
		0, 0, 1, 0, 0, 0,
		0, 0, 0, 1, 0, 0,
		0, 0, 0, 0, 1, 0,
		0, 0, 0, 0, 0, 1,
		0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0,
	};
	static const float x61_51[] = {	/* RC into RL and RR */
		1, 0, 0, 0, 0, 0, 0,
		0, 1, 0, 0, 0, 0, 0,
		0, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0, G, 1, 0,
		0, 0, 0, 0, G, 0, 1,
	};
	static const float x71_quad[] = {
		1, 0, G, 0, 0, 0, 0, 0,
		0, 1, G, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 1, 0, 1, 0,
		0, 0, 0, 0, 0, 1, 0, 1,
	};
	static const float swap[] = { 0, 1, 1, 0 };
	static const float aux4_8[] = {
		1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const float aux_pick[] = { 0, 1, 1, 0, 0, 0 };
	static float id16[16 * 16];
	int k;

	for (k = 0; k < 16; k++)
		id16[k * 16 + k] = 1;
	matrix_is("stereo", "stereo", 1, id2);
	matrix_is("mono", "mono", 1, one);
	matrix_is("AUX0,AUX1,AUX2,AUX3,AUX4,AUX5,AUX6,AUX7,AUX8,AUX9,AUX10,"
	    "AUX11,AUX12,AUX13,AUX14,AUX15", "AUX0 AUX1 AUX2 AUX3 AUX4 AUX5 "
	    "AUX6 AUX7 AUX8 AUX9 AUX10 AUX11 AUX12 AUX13 AUX14 AUX15", 1,
	    id16);
	/* Mono and stereo, as the engine always did. */
	matrix_is("mono", "stereo", 0, up);
	matrix_is("stereo", "mono", 0, down);
	matrix_is("mono", "5.1", 0, mono51);
	matrix_is("mono", "FC", 0, one);
	matrix_is("mono", "FC,LFE", 0, mono_fc_lfe);
	/* Stereo up: the pair on FL and FR. */
	matrix_is("stereo", "5.1", 0, st51);
	matrix_is("stereo", "7.1", 0, st71);
	matrix_is("stereo", "quad", 0, stquad);
	/* BS.775 down-mixes, LFE left out. */
	matrix_is("5.1", "stereo", 0, d51);
	matrix_is("5.0", "stereo", 0, d50);
	matrix_is("7.1", "stereo", 0, d71);
	matrix_is("6.1", "stereo", 0, d61);
	matrix_is("quad", "stereo", 0, dquad);
	matrix_is("2.1", "stereo", 0, d21);
	matrix_is("3.0", "stereo", 0, d30);
	matrix_is("FC", "stereo", 0, fc2);
	/* To mono: the stereo down-mix, then (L + R) / 2. */
	matrix_is("5.1", "mono", 0, m51);
	matrix_is("7.1", "mono", 0, m71);
	matrix_is("6.1", "mono", 0, m61);
	matrix_is("FC", "mono", 0, fcm);
	/* Between surround layouts: sides and rears fold into each other. */
	matrix_is("7.1", "5.1", 0, x71_51);
	matrix_is("FL,FR,FC,LFE,SL,SR", "5.1", 0, side51);
	matrix_is("5.1", "7.1", 0, x51_71);
	matrix_is("6.1", "5.1", 0, x61_51);
	matrix_is("7.1", "quad", 0, x71_quad);
	/* By name. */
	matrix_is("FR,FL", "FL,FR", 0, swap);
	matrix_is("AUX0,AUX1,AUX2,AUX3", "AUX0,AUX1,AUX2,AUX3,AUX4,AUX5,"
	    "AUX6,AUX7", 0, aux4_8);
	matrix_is("AUX1,AUX0", "AUX0,AUX1,AUX5", 0, aux_pick);
	/* Refusals, each with a channel_map to start from. */
	refused("3.0", "AUX0,AUX1,AUX2,AUX3", "cannot convert 3 channels "
	    "(FL,FR,FC) to 4 (AUX0..AUX3): put a channel_map node between "
	    "them, e.g. {\"type\":\"channel_map\",\"map\":[0,1,2,2]}");
	refused("mono", "AUX0,AUX1", "cannot convert 1 channel (MONO) to 2 "
	    "(AUX0,AUX1): put a channel_map node between them, e.g. "
	    "{\"type\":\"channel_map\",\"map\":[0,0]}");
	refused("AUX0,AUX1,AUX2,AUX3,AUX4,AUX5,AUX6,AUX7", "stereo",
	    "cannot convert 8 channels (AUX0..AUX7) to 2 (FL,FR): put a "
	    "channel_map node between them, e.g. {\"type\":\"channel_map\","
	    "\"map\":[0,1]}");
	refused("5.1", "AUX0,AUX1,AUX2,AUX3,AUX4,AUX6", "cannot convert 6 "
	    "channels (FL,FR,FC,LFE,RL,RR) to 6 (AUX0..AUX4,AUX6): put "
	    "a channel_map node between them, e.g. "
	    "{\"type\":\"channel_map\",\"map\":[0,1,2,3,4,5]}");
	refused("FL", "FR", "cannot convert 1 channel (FL) to 1 (FR): put a "
	    "channel_map node between them, e.g. "
	    "{\"type\":\"channel_map\",\"map\":[0]}");
	refused("stereo", "FL,FC", "cannot convert 2 channels (FL,FR) to 2 "
	    "(FL,FC): put a channel_map node between them, e.g. "
	    "{\"type\":\"channel_map\",\"map\":[0,1]}");
	refused("FC", "FL", "cannot convert 1 channel (FC) to 1 (FL): put a "
	    "channel_map node between them, e.g. "
	    "{\"type\":\"channel_map\",\"map\":[0]}");
	refused("FL,FR,FLW", "stereo", "cannot convert 3 channels "
	    "(FL,FR,FLW) to 2 (FL,FR): put a channel_map node between them, "
	    "e.g. {\"type\":\"channel_map\",\"map\":[0,1]}");
}

/* Invalid layouts, NULL m, and the error cut to the caller's buffer. */
static void
test_edges(void)
{
	struct am_layout a = L("stereo"), b = L("5.1"), bad;
	char small[24];
	float m[12];

	is_int(am_layout_matrix(&a, &a, NULL, err, sizeof(err)), 1,
	    "identity with m NULL");
	is_int(am_layout_matrix(&b, &a, NULL, err, sizeof(err)), 0,
	    "down-mix with m NULL");
	bad = a;
	bad.n = 0;
	is_int(am_layout_matrix(&bad, &a, m, err, sizeof(err)), -EINVAL,
	    "0 channels refused");
	ok(strstr(err, "invalid channel layout") != NULL, "says so: %s",
	    err);
	bad = a;
	bad.n = 65;
	is_int(am_layout_matrix(&a, &bad, m, err, sizeof(err)), -EINVAL,
	    "65 channels refused");
	bad = a;
	bad.pos[1] = 40;
	is_int(am_layout_matrix(&a, &bad, m, err, sizeof(err)), -EINVAL,
	    "position 40 refused");
	bad.pos[1] = AM_POS_END;
	is_int(am_layout_matrix(&bad, &a, m, err, sizeof(err)), -EINVAL,
	    "position 128 refused");
	b = L("AUX0,AUX1,AUX2");
	is_int(am_layout_matrix(&b, &a, m, small, sizeof(small)), -EINVAL,
	    "refused into a small buffer");
	is_int(strlen(small), sizeof(small) - 1, "message cut, terminated");
}

/*
 * Subset s of 7.1 (bit k: all[k] is in) converted into out, stereo or
 * mono, against BS.775 worked out by hand: gl and gr are each
 * channel's gains into L and R, mono is their mean. Returns the number
 * of gains that differ.
 */
static unsigned
subset_bad(const struct am_layout *in, const struct am_layout *out,
    unsigned s)
{
	static const float gl[8] = { 1, 0, G, 0, G, 0, G, 0 };
	static const float gr[8] = { 0, 1, G, 0, 0, G, 0, G };
	float m[16], want;
	unsigned i, k, o, bad;

	if (am_layout_matrix(in, out, m, err, sizeof(err)) != 0) {
		printf("# subset 0x%02x to %u channels: %s\n", s, out->n, err);
		return 1;
	}
	for (i = 0, k = 0, bad = 0; k < 8; k++) {
		if (!(s & 1u << k))
			continue;
		for (o = 0; o < out->n; o++) {
			want = out->n == 1 ? 0.5f * gl[k] + 0.5f * gr[k] :
			    o == 0 ? gl[k] : gr[k];
			bad += m[o * in->n + i] != want;
		}
		i++;
	}
	return bad;
}

/*
 * Every subset of FL FR FC LFE RL RR SL SR (in that order) to stereo
 * and to mono: each input channel's gains from BS.775 (FC both sides
 * at G; a rear or side channel its side at G; LFE nothing), mono their
 * mean.
 */
static void
test_subsets(void)
{
	static const uint8_t all[8] = {
		AM_POS_FL, AM_POS_FR, AM_POS_FC, AM_POS_LFE, AM_POS_RL,
		AM_POS_RR, AM_POS_SL, AM_POS_SR,
	};
	struct am_layout in, st = L("stereo"), mono = L("mono");
	unsigned s, k, bad, subsets;

	for (s = 1, bad = 0, subsets = 0; s < 256; s++) {
		in.n = 0;
		for (k = 0; k < 8; k++)
			if (s & 1u << k)
				in.pos[in.n++] = all[k];
		if (am_layout_eq(&in, &st))
			continue;
		subsets++;
		bad += subset_bad(&in, &st, s) + subset_bad(&in, &mono, s);
	}
	is_int(subsets, 254, "254 subsets");
	is_int(bad, 0, "each subset of 7.1 to stereo and mono by BS.775");
}

/*
 * Every pair of the named and default layouts: converted with every
 * input but LFE heard somewhere, gains in 0..1, the same answer with m
 * NULL, identity exactly for equal layouts; or refused with a message.
 */
static void
test_pairs(void)
{
	static const char *const ls[] = {
		"mono", "stereo", "2.1", "3.0", "quad", "5.0", "5.1", "6.1",
		"7.1", "FL,FR,FC,LFE,SL,SR", "FC", "AUX0,AUX1", "FR,FL",
		"AUX0,AUX1,AUX2,AUX3,AUX4,AUX5,AUX6,AUX7,AUX8",
		"FL,FR,AUX2,AUX3", "MONO,AUX1",
	};
	static float m[AM_CH_MAX * AM_CH_MAX];
	struct am_layout a, b;
	size_t x, y, nls;
	unsigned i, o, heard, bad, ok_pairs, refusals;
	int rc;

	nls = sizeof(ls) / sizeof(ls[0]);
	bad = ok_pairs = refusals = 0;
	for (x = 0; x < nls; x++)
		for (y = 0; y < nls; y++) {
			a = L(ls[x]);
			b = L(ls[y]);
			err[0] = '\0';
			rc = am_layout_matrix(&a, &b, m, err, sizeof(err));
			if (rc != am_layout_matrix(&a, &b, NULL, err,
			    sizeof(err)) || (rc == 1) != (x == y)) {
				printf("# %s -> %s: rc %d\n", ls[x], ls[y], rc);
				bad++;
			}
			if (rc < 0) {
				refusals++;
				bad += strstr(err, "channel_map") == NULL;
				continue;
			}
			ok_pairs++;
			for (i = 0; i < a.n; i++) {
				for (o = 0, heard = 0; o < b.n; o++) {
					heard |= m[o * a.n + i] != 0;
					bad += m[o * a.n + i] < 0 ||
					    m[o * a.n + i] > 1;
				}
				if (!heard && a.pos[i] != AM_POS_LFE) {
					printf("# %s -> %s: channel %u "
					    "dropped\n", ls[x], ls[y], i);
					bad++;
				}
			}
		}
	printf("# %u pairs convert, %u refused\n", ok_pairs, refusals);
	is_int(bad, 0, "every pair converts soundly or is refused");
	ok(ok_pairs > 100 && refusals > 20, "both kinds of pairs seen");
}

int
main(void)
{
	test_positions();
	test_parse();
	test_default();
	test_mask();
	test_rules();
	test_edges();
	test_subsets();
	test_pairs();
	return t_done();
}
