/* SPDX-License-Identifier: MIT */
/*
 * amixd(7) says what lib/chlayout.c does: the page's CHANNELS AND
 * LAYOUTS section is read (from the top directory, where make runs the
 * unit tests) and the positions it lists (each of ALSA's 37 exactly
 * once), its layout names, every conversion matrix it shows (title "X
 * to Y:", then a table: a header of input positions, a row per output
 * position, gains as numbers, g = 1/sqrt(2) or h = g/2) and the refusal
 * it quotes are checked against the library, gain for gain. A rule
 * changed in the code and not in the page, or the other way round,
 * fails here.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chlayout.h"
#include "t.h"
#include "t_chlayout.h"

#define MAN_PAGE	"man/amixd.7"

/* Split line into at most max words at blanks, dropping .It, Ta, Sy. */
static int
man_words(char *line, char **w, int max)
{
	char *p, *save;
	int n;

	n = 0;
	for (p = strtok_r(line, " \t\n", &save); p != NULL && n < max;
	    p = strtok_r(NULL, " \t\n", &save))
		if (strcmp(p, ".It") != 0 && strcmp(p, "Ta") != 0 &&
		    strcmp(p, "Sy") != 0)
			w[n++] = p;
	return n;
}

/* A gain as the page writes it: a number, g = 1/sqrt(2) or h = g/2. */
static float
man_gain(const char *s)
{
	if (strcmp(s, "g") == 0)
		return G;
	if (strcmp(s, "h") == 0)
		return H;
	return strtof(s, NULL);
}

/*
 * The matrix table titled title ("7.1 to 5.1 (...):"), its input
 * positions in head[0..nh) and rows row[0..nr) of words, against
 * am_layout_matrix. Returns the number of differences.
 */
static int
man_matrix(const char *title, char head[][8], int nh, char rows[][10][8],
    const int *nw, int nr)
{
	struct am_layout a, b;
	char f[16], t[16];
	float m[AM_CH_MAX * AM_CH_MAX];
	int i, o, bad, k;

	if (sscanf(title, "%15s to %15[^ :]", f, t) != 2)
		return printf("# %s: no \"X to Y\"\n", title), 1;
	for (k = 0; f[k] != '\0'; k++)
		f[k] = (char)tolower((unsigned char)f[k]);
	a = L(f);
	b = L(t);
	bad = 0;
	if (a.n != nh || b.n != nr)
		return printf("# %s: %d x %d, want %u x %u\n", title, nr, nh,
		    b.n, a.n), 1;
	if (am_layout_matrix(&a, &b, m, err, sizeof(err)) < 0)
		return printf("# %s: %s\n", title, err), 1;
	for (i = 0; i < nh; i++)
		bad += am_pos_find(head[i]) != a.pos[i];
	for (o = 0; o < nr; o++) {
		bad += nw[o] != nh + 1 || am_pos_find(rows[o][0]) != b.pos[o];
		for (i = 0; i < nh && i + 1 < nw[o]; i++)
			if (man_gain(rows[o][i + 1]) != m[o * a.n + i]) {
				printf("# %s: %s from %s is %s, code %.9g\n",
				    title, rows[o][0], head[i], rows[o][i + 1],
				    m[o * a.n + i]);
				bad++;
			}
	}
	return bad;
}

static void
test_man(void)
{
	static char rows[AM_CH_MAX][10][8];
	char line[512], title[128], head[10][8], lit[512], *w[12];
	char buf[AM_LAYOUT_STRLEN], want[AM_LAYOUT_STRLEN], *p;
	struct am_layout l, l2;
	int in, table, nw[AM_CH_MAX], nh, nr, n, k, bad, matrices, names;
	int literal, seen[AM_POS_BRC + 1];
	FILE *fp;

	fp = fopen(MAN_PAGE, "r");
	if (!ok(fp != NULL, "open %s (run from the top directory)", MAN_PAGE))
		return;
	in = table = literal = 0;
	nh = nr = bad = matrices = names = 0;
	title[0] = lit[0] = '\0';
	memset(seen, 0, sizeof(seen));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, ".Sh ", 4) == 0)
			in = strcmp(line, ".Sh CHANNELS AND LAYOUTS\n") == 0;
		if (!in)
			continue;
		if (strncmp(line, ".Bd -literal", 12) == 0) {
			literal = 1;
			continue;
		}
		if (strncmp(line, ".Ed", 3) == 0)
			literal = 0;
		if (literal) {
			line[strcspn(line, "\n")] = '\0';
			if (lit[0] != '\0')
				strcat(lit, " ");
			strncat(lit, line, sizeof(lit) - strlen(lit) - 2);
			continue;
		}
		if (line[0] != '.' && strstr(line, " to ") != NULL &&
		    line[strlen(line) - 2] == ':') {
			snprintf(title, sizeof(title), "%.127s", line);
			title[strcspn(title, "\n")] = '\0';
			continue;
		}
		if (strncmp(line, ".Bl -column", 11) == 0) {
			table = 1;
			nh = nr = 0;
			continue;
		}
		if (table && strncmp(line, ".El", 3) == 0) {
			if (title[0] != '\0') {
				bad += man_matrix(title, head, nh, rows, nw,
				    nr);
				matrices++;
			}
			table = 0;
			title[0] = '\0';
			continue;
		}
		if (!table || strncmp(line, ".It", 3) != 0)
			continue;
		if (strncmp(line, ".It Sy name Ta Sy position", 26) == 0) {
			table = 2 + (line[26] == 's');	/* 2: positions */
			continue;
		}
		if (table == 2) {	/* FLH, FCH, FRH Ta front ... */
			if ((p = strstr(line, " Ta ")) != NULL)
				*p = '\0';
			n = man_words(line, w, 12);
			for (k = 0; k < n; k++) {
				w[k][strcspn(w[k], ",")] = '\0';
				if (am_pos_find(w[k]) >= 0 &&
				    am_pos_find(w[k]) <= AM_POS_BRC)
					seen[am_pos_find(w[k])]++;
				else if (strncmp(w[k], "AUX", 3) != 0 &&
				    w[k][0] != '\\') {
					printf("# position %s?\n", w[k]);
					bad++;
				}
			}
			continue;
		}
		n = man_words(line, w, 12);
		if (table == 3 && n >= 2) {	/* 5.1 Ta FL FR FC ... */
			names++;
			for (k = 2, want[0] = '\0'; k < n + 1; k++)
				snprintf(want + strlen(want),
				    sizeof(want) - strlen(want), "%s%s",
				    k > 2 ? "," : "", w[k - 1]);
			memset(&l, 0, sizeof(l));
			memset(&l2, 0, sizeof(l2));
			am_layout_parse(&l, w[0], err, sizeof(err));
			am_layout_parse(&l2, want, err, sizeof(err));
			if (l.n == 0 || !am_layout_eq(&l, &l2)) {
				printf("# %s is %s, code %s\n", w[0], want,
				    am_layout_str(&l, buf, sizeof(buf)));
				bad++;
			}
			continue;
		}
		if (table != 1 || title[0] == '\0' || n < 1 || n > 10)
			continue;
		if (nh == 0 && nr == 0) {	/* .It Ta Sy FL Ta Sy FR */
			for (k = 0; k < n; k++)
				snprintf(head[k], sizeof(head[k]), "%.7s",
				    w[k]);
			nh = n;
			continue;
		}
		if (nr < AM_CH_MAX) {
			for (k = 0; k < n; k++)
				snprintf(rows[nr][k], sizeof(rows[nr][k]),
				    "%.7s", w[k]);
			nw[nr++] = n;
		}
	}
	fclose(fp);
	for (k = 0, n = 0; k <= AM_POS_BRC; k++)
		n += seen[k] == 1;
	is_int(n, AM_POS_BRC + 1, "amixd(7) names each of the 37 positions "
	    "once");
	is_int(names, 9, "amixd(7) lists the 9 layout names");
	is_int(matrices, 9, "amixd(7) shows 9 matrices");
	is_int(bad, 0, "amixd(7)'s names and matrices are the code's");
	l = L("3.0");
	l2 = L("AUX0,AUX1,AUX2,AUX3");
	am_layout_matrix(&l, &l2, NULL, err, sizeof(err));
	is_str(lit, err, "amixd(7)'s refusal is the code's");
}

int
main(void)
{
	test_man();
	return t_done();
}
