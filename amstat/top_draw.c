/* SPDX-License-Identifier: MIT */
/*
 * The live table on the terminal: taking it (non-canonical, no echo,
 * the alternate screen, no cursor) and giving it back as it was, its
 * size, and the frame: built whole in one buffer (top_put) and written
 * at once, so a redraw never shows half a table. Rows: the engine, then
 * one per node with its cost, frames, xruns and a meter in dBFS from
 * TOP_DB_FLOOR up; columns drop out as the window narrows.
 */

#include <sys/ioctl.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "amstat.h"

/*
 * Append to the frame being built.
 */
static void
top_put(struct top *t, const char *s, size_t n)
{
	if (t->fblen + n > t->fbcap) {
		t->fbcap = (t->fblen + n) * 2;
		t->fb = xrealloc(t->fb, t->fbcap);
	}
	memcpy(t->fb + t->fblen, s, n);
	t->fblen += n;
}

/* Append a string to the frame being built. */
void
top_puts(struct top *t, const char *s)
{
	top_put(t, s, strlen(s));
}

/*
 * Write the frame to the terminal and empty it. 0, or -errno when the
 * terminal is gone.
 */
static int
top_flush(struct top *t)
{
	size_t off = 0;
	ssize_t n;

	while (off < t->fblen) {
		n = write(STDOUT_FILENO, t->fb + off, t->fblen - off);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			t->fblen = 0;
			return -errno;
		}
		off += n;
	}
	t->fblen = 0;
	return 0;
}

/*
 * The terminal's size; from LINES and COLUMNS, or 24 by 80, when
 * standard output is not a terminal.
 */
void
top_size(struct top *t)
{
	struct winsize ws;
	const char *s;

	t->rows = 24;
	t->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		t->rows = ws.ws_row;
		t->cols = ws.ws_col;
		return;
	}
	if ((s = getenv("LINES")) != NULL && atoi(s) > 0)
		t->rows = atoi(s);
	if ((s = getenv("COLUMNS")) != NULL && atoi(s) > 0)
		t->cols = atoi(s);
}

/*
 * Take the terminal: keys one at a time without echo (signals from the
 * keyboard still work), the alternate screen, no cursor.
 */
void
top_enter(struct top *t)
{
	struct termios tio;

	if (t->keys && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		tio = t->saved;
		tio.c_lflag &= ~(ICANON | ECHO);
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
			t->tty = 1;
	}
	top_puts(t, "\033[?1049h\033[?25l\033[H\033[2J");
	(void)top_flush(t);
	t->screen = 1;
	t->dirty = 1;
}

/*
 * Give the terminal back as it was: the normal screen, the cursor, the
 * modes of before. Harmless when already done.
 */
void
top_leave(struct top *t)
{
	if (t->screen) {
		top_puts(t, "\033[0m\033[?25h\033[?1049l");
		(void)top_flush(t);
		t->screen = 0;
	}
	if (t->tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
		t->tty = 0;
	}
}

/*
 * Append one row of text, cut at the screen's width and cleared to its
 * end; attr, if not NULL, is an SGR sequence for the whole row, padded.
 */
static void
top_row(struct top *t, int *row, const char *attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (*row >= t->rows)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (n > t->cols)
		n = t->cols;
	if (attr != NULL) {
		top_puts(t, attr);
		if (n < t->cols && t->cols < (int)sizeof(buf)) {
			memset(buf + n, ' ', t->cols - n);
			n = t->cols;
		}
	}
	top_put(t, buf, n);
	if (attr != NULL)
		top_puts(t, "\033[0m");
	top_puts(t, "\033[K");
	if (++*row < t->rows)
		top_puts(t, "\r\n");
}

/*
 * A level in dBFS, "-inf" for the daemon's silence.
 */
static const char *
top_db(double db, char *buf, size_t len)
{
	if (db <= TOP_DB_SILENT)
		snprintf(buf, len, "-inf");
	else
		snprintf(buf, len, "%.1f", db);
	return buf;
}

/*
 * The cell of a meter width w (cells) for level db: 0 for the floor.
 */
static int
top_cell(double db, int w)
{
	double x;

	if (db <= TOP_DB_FLOOR)
		return 0;
	x = (db - TOP_DB_FLOOR) / -TOP_DB_FLOOR * w;
	return x >= w ? w : (int)ceil(x);
}

/*
 * A meter w cells wide: '#' up to the RMS level, '|' at the peak.
 */
static void
top_meter(const struct top_node *n, char *buf, int w)
{
	int i, rms, peak;

	rms = n->has_level ? top_cell(n->rms_db, w) : 0;
	peak = n->has_level ? top_cell(n->peak_db, w) : 0;
	for (i = 0; i < w; i++)
		buf[i] = i < rms ? '#' : ' ';
	if (peak > 0)
		buf[peak - 1] = '|';
	buf[w] = '\0';
}

/*
 * The engine lines: from the last stats event, or from the last list
 * reply until the first stats event comes.
 */
static void
top_engine(struct top *t, int *row)
{
	const cJSON *s = t->stats;
	double rate, period;
	char backend[TOP_NAME_MAX];

	top_str(s, "backend", t->backend, backend, sizeof(backend));
	rate = top_num(s, "rate", t->rate);
	period = top_num(s, "period", t->period);
	top_row(t, row, NULL, "amixd  %s  %g Hz  period %g (%.2f ms)  %s  "
	    "rt %s  drift %+.1f ppm  %g ch %s", backend, rate, period,
	    rate > 0 ? 1000 * period / rate : 0, t->state, cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(s, "rt")) ? "yes" : "no",
	    top_num(s, "drift_ppm", 0), t->channels, t->layout);
	if (s == NULL) {
		top_row(t, row, NULL, "waiting for the first stats report "
		    "(every %g s)", t->interval);
		return;
	}
	top_row(t, row, NULL, "cpu %.2f%%  xruns %g  late us p99/max %g/%g  "
	    "cycle us p50/p99/max %g/%g/%g", top_num(s, "cpu_pct", 0),
	    top_num(s, "xruns", 0), top_num(s, "late_us_p99", 0),
	    top_num(s, "late_us_max", 0), top_num(s, "cycle_us_p50", 0),
	    top_num(s, "cycle_us_p99", 0), top_num(s, "cycle_us_max", 0));
}

/*
 * Redraw the whole table in place. 0, or -errno when the terminal is
 * gone.
 */
int
top_draw(struct top *t)
{
	char name[TOP_ARGS_MAX + TOP_NAME_MAX + 64 + 3], meter[512];
	char cost[16], frames[24], peak[16], rms[16], ch[8];
	struct top_node *n;
	int row = 0, i, fw, nw, mw, room;

	top_puts(t, "\033[H");
	top_engine(t, &row);
	top_row(t, &row, NULL, "nodes %d  events dropped %llu  %s%s(q quits)",
	    t->nnodes, t->dropped, t->note, t->note[0] != '\0' ? "  " : "");
	top_row(t, &row, NULL, "%s", "");

	/*
	 * Frames only in a wide window; the node column takes 12 to 32
	 * columns, the meter the rest.
	 */
	fw = t->cols >= TOP_FRAMES_MIN ? TOP_FRAMES : 0;
	nw = t->cols - TOP_FIXED - (fw > 0 ? fw + 1 : 0) - 24;
	nw = nw > 32 ? 32 : nw < 12 ? 12 : nw;
	mw = t->cols - TOP_FIXED - (fw > 0 ? fw + 1 : 0) - nw - 1;
	if (mw > (int)sizeof(meter) - 1)
		mw = sizeof(meter) - 1;
	if (mw < TOP_METER_MIN)
		mw = 0;
	/* The meter's heading as long as the meter is wide. */
	top_row(t, &row, "\033[7m", "%4s %-*s %2s %8s%s%*.*s %5s %5s %5s "
	    "%6s %6s  %s", "ID", nw, "NODE", "CH", "COST/us", fw > 0 ? " " : "",
	    fw, fw, "FRAMES", "UNDER", "OVER", "CLIP", "PEAK", "RMS", mw >= 17 ?
	    "LEVEL -60..0 dBFS" : mw >= 12 ? "LEVEL -60..0" : mw > 0 ?
	    "LEVEL" : "");
	room = t->rows - row;
	for (i = 0; i < t->nnodes && room > 0; i++, room--) {
		n = &t->nodes[i];
		if (room == 1 && i < t->nnodes - 1) {
			top_row(t, &row, NULL, "  ... %d more node%s",
			    t->nnodes - i, t->nnodes - i == 1 ? "" : "s");
			break;
		}
		/* "name type args": a named node shows its name first */
		snprintf(name, sizeof(name), "%s%s%s%s%s", n->name,
		    n->name[0] != '\0' ? " " : "", n->type,
		    n->args[0] != '\0' ? " " : "", n->args);
		snprintf(cost, sizeof(cost), n->has_stats ? "%.2f" : "-",
		    n->cost_us);
		snprintf(ch, sizeof(ch), n->ch > 0 ? "%.0f" : "-", n->ch);
		snprintf(frames, sizeof(frames), n->has_stats ? "%.0f" : "-",
		    n->frames);
		if (mw > 0)
			top_meter(n, meter, mw - 2);
		top_row(t, &row, NULL, "%4u %-*.*s %2s %8s%s%*.*s %5.0f %5.0f "
		    "%5.0f %6s %6s  %s%s%s", n->id, nw, nw, name, ch, cost,
		    fw > 0 ? " " : "", fw, fw, frames, n->underruns,
		    n->overruns, n->clipped,
		    n->nan ? "NaN" : n->has_level ? top_db(n->peak_db, peak,
		    sizeof(peak)) : "-", n->has_level ? top_db(n->rms_db, rms,
		    sizeof(rms)) : "-", mw > 0 ? "[" : "", mw > 0 ? meter : "",
		    mw > 0 ? "]" : "");
	}
	top_puts(t, "\033[J");
	t->dirty = 0;
	return top_flush(t);
}
