/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: channel layouts (lib/chlayout.c). The input is
 * read twice. As text (up to the first NUL), through am_layout_parse:
 * a layout it accepts prints (am_layout_str) to text that parses back
 * to the same layout, and a refusal leaves the layout alone with a
 * message. As bytes, two layouts (a count byte, then that many
 * position bytes, each taken as is, invalid ones included) through
 * am_layout_matrix and the mask functions: 1 exactly for equal valid
 * layouts; a matrix whose gains are in 0..1 and in which every input
 * channel but LFE and NA is heard somewhere; or a refusal with a
 * message and m unchanged. Every failed property aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chlayout.h"

/* Layout l from p[0..len): a count byte, then the positions. */
static size_t
fz_layout(struct am_layout *l, const uint8_t *p, size_t len)
{
	size_t k;

	memset(l, 0, sizeof(*l));
	if (len == 0)
		return 0;
	l->n = p[0] % (AM_CH_MAX + 2);	/* 0 and 65: invalid counts too */
	for (k = 0; k < l->n && k < AM_CH_MAX && k + 1 < len; k++)
		l->pos[k] = p[k + 1] % (AM_POS_END + 8);
	return 1 + k;
}

static void
fz_text(const uint8_t *data, size_t size)
{
	struct am_layout l, l2, was;
	char s[1024], buf[AM_LAYOUT_STRLEN], err[256];
	size_t n;

	n = strnlen((const char *)data,
	    size < sizeof(s) ? size : sizeof(s) - 1);
	memcpy(s, data, n);
	s[n] = '\0';
	memset(&l, 0x5a, sizeof(l));
	was = l;
	err[0] = '\0';
	if (am_layout_parse(&l, s, err, sizeof(err)) != 0) {
		if (memcmp(&l, &was, sizeof(l)) != 0 || err[0] == '\0')
			abort();
		return;
	}
	if (l.n < 1 || l.n > AM_CH_MAX)
		abort();
	am_layout_str(&l, buf, sizeof(buf));
	if (am_layout_parse(&l2, buf, err, sizeof(err)) != 0 ||
	    !am_layout_eq(&l, &l2))
		abort();
}

static void
fz_matrix(const uint8_t *data, size_t size)
{
	static float m[AM_CH_MAX * AM_CH_MAX];
	struct am_layout a, b, w;
	char err[512];
	size_t used, k;
	unsigned i, o, heard;
	int rc;

	used = fz_layout(&a, data, size);
	fz_layout(&b, data + used, size - used);
	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++)
		m[k] = -7;
	err[0] = '\0';
	rc = am_layout_matrix(&a, &b, m, err, sizeof(err));
	if (rc != am_layout_matrix(&a, &b, NULL, err, sizeof(err)))
		abort();
	if (rc < 0) {
		for (k = 0; k < sizeof(m) / sizeof(m[0]); k++)
			if (m[k] != -7)
				abort();
		if (err[0] == '\0')
			abort();
		return;
	}
	if ((rc == 1) != am_layout_eq(&a, &b))
		abort();
	for (i = 0; i < a.n; i++) {
		for (o = 0, heard = 0; o < b.n; o++) {
			if (m[o * a.n + i] < 0 || m[o * a.n + i] > 1)
				abort();
			heard |= m[o * a.n + i] != 0;
		}
		if (!heard && a.pos[i] != AM_POS_LFE &&
		    a.pos[i] != AM_POS_LLFE && a.pos[i] != AM_POS_RLFE &&
		    a.pos[i] != AM_POS_NA)
			abort();
	}
	/* A mask that says a says it again after a round trip. */
	if (am_layout_to_mask(&a) != 0 && a.n > 1) {
		if (am_layout_from_mask(&w, a.n, am_layout_to_mask(&a)) != 0 ||
		    am_layout_to_mask(&w) != am_layout_to_mask(&a))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_text(data, size);
	fz_matrix(data, size);
	return 0;
}
