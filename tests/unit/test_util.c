/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/parse.c, lib/opt.c, lib/util.c, lib/log.c and
 * lib/clock.c: strict number parsing as tables with edge rows; panic(),
 * logx() and the option messages of am_opt_* captured from a child's
 * stderr (the words amcat's tests grep); exact frame/time conversion.
 */

#include <sys/wait.h>

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "opt.h"
#include "log.h"
#include "t.h"
#include "util.h"

#include "t_nullalloc.h"	/* the out-of-memory test asks for SIZE_MAX / 2 */

struct drow {
	const char *s;
	double min, max;
	int rc;
	double want;
};

static const struct drow drows[] = {
	{ "0",		-1, 1,		0,	0 },
	{ "1.5",	0, 2,		0,	1.5 },
	{ "-1",		-1, 1,		0,	-1 },	/* min inclusive */
	{ "1",		-1, 1,		0,	1 },	/* max inclusive */
	{ "1.0000001",	-1, 1,		-ERANGE, 0 },
	{ "-1.0000001",	-1, 1,		-ERANGE, 0 },
	{ "1e3",	0, 1e6,		0,	1000 },
	{ "+2",		0, 10,		0,	2 },
	{ "",		-10, 10,	-EINVAL, 0 },
	{ " 1",		-10, 10,	-EINVAL, 0 },
	{ "1 ",		-10, 10,	-EINVAL, 0 },
	{ "1x",		-10, 10,	-EINVAL, 0 },
	{ "x",		-10, 10,	-EINVAL, 0 },
	{ "-",		-10, 10,	-EINVAL, 0 },
	{ ".",		-10, 10,	-EINVAL, 0 },
	{ "nan",	-DBL_MAX, DBL_MAX, -EINVAL, 0 },
	{ "NAN",	-DBL_MAX, DBL_MAX, -EINVAL, 0 },
	{ "inf",	-DBL_MAX, DBL_MAX, -ERANGE, 0 },
	{ "-infinity",	-DBL_MAX, DBL_MAX, -ERANGE, 0 },
	{ "1e400",	-DBL_MAX, DBL_MAX, -ERANGE, 0 },
	{ "-1e400",	-DBL_MAX, DBL_MAX, -ERANGE, 0 },
	{ "1e-400",	-1, 1,		0,	0 },	/* underflow: tiny */
	{ "1.7976931348623157e308", -DBL_MAX, DBL_MAX, 0, DBL_MAX },
};

struct lrow {
	const char *s;
	long min, max;
	int rc;
	long want;
};

static const struct lrow lrows[] = {
	{ "0",		0, 10,		0,	0 },
	{ "10",		0, 10,		0,	10 },
	{ "11",		0, 10,		-ERANGE, 0 },
	{ "-1",		0, 10,		-ERANGE, 0 },
	{ "-5",		-5, 5,		0,	-5 },
	{ "+7",		0, 10,		0,	7 },
	{ "007",	0, 10,		0,	7 },	/* decimal, not octal */
	{ "",		0, 10,		-EINVAL, 0 },
	{ " 1",		0, 10,		-EINVAL, 0 },
	{ "1 ",		0, 10,		-EINVAL, 0 },
	{ "1x",		0, 10,		-EINVAL, 0 },
	{ "0x10",	0, 100,		-EINVAL, 0 },
	{ "1.5",	0, 10,		-EINVAL, 0 },
	{ "nan",	0, 10,		-EINVAL, 0 },
	{ "inf",	0, 10,		-EINVAL, 0 },
	{ "-",		0, 10,		-EINVAL, 0 },
	{ "9223372036854775807", LONG_MIN, LONG_MAX, 0, LONG_MAX },
	{ "-9223372036854775808", LONG_MIN, LONG_MAX, 0, LONG_MIN },
	{ "9223372036854775808", LONG_MIN, LONG_MAX, -ERANGE, 0 },
	{ "-9223372036854775809", LONG_MIN, LONG_MAX, -ERANGE, 0 },
	{ "99999999999999999999999", 0, 10, -ERANGE, 0 },
};

static void
test_parse(void)
{
	double d;
	long l;
	size_t i;
	int rc;

	for (i = 0; i < AM_NELEM(drows); i++) {
		d = -12345;
		rc = am_parse_double(drows[i].s, drows[i].min, drows[i].max,
		    &d);
		is_int(rc, drows[i].rc, "am_parse_double('%s') rc",
		    drows[i].s);
		if (drows[i].rc == 0)
			is_double(d, drows[i].want, 0,
			    "am_parse_double('%s') value", drows[i].s);
		else
			is_double(d, -12345, 0,
			    "am_parse_double('%s') leaves *out", drows[i].s);
	}
	is_int(am_parse_double(NULL, 0, 1, &d), -EINVAL,
	    "am_parse_double(NULL)");
	for (i = 0; i < AM_NELEM(lrows); i++) {
		l = -12345;
		rc = am_parse_long(lrows[i].s, lrows[i].min, lrows[i].max, &l);
		is_int(rc, lrows[i].rc, "am_parse_long('%s') rc", lrows[i].s);
		if (lrows[i].rc == 0)
			ok(l == lrows[i].want, "am_parse_long('%s') value %ld",
			    lrows[i].s, l);
		else
			is_int(l, -12345, "am_parse_long('%s') leaves *out",
			    lrows[i].s);
	}
}

static void
test_alloc(void)
{
	char *p, *q;

	p = xmalloc(0);
	ok(p != NULL, "xmalloc(0) is not NULL");
	free(p);
	p = xcalloc(16, 4);
	ok(p != NULL && p[0] == 0 && p[63] == 0, "xcalloc zeroes");
	p = xrealloc(p, 4096);
	p[4095] = 'x';
	ok(p[0] == 0 && p[4095] == 'x', "xrealloc keeps contents");
	free(p);
	q = xstrdup("hello");
	is_str(q, "hello", "xstrdup");
	free(q);
}

/*
 * Run fn in a child with stderr on a pipe; return its stderr and wait
 * status.
 */
static void
capture(void (*fn)(void), char *out, size_t size, int *status)
{
	int pfd[2];
	size_t len;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		fn();
		_exit(0);
	}
	close(pfd[1]);
	len = 0;
	while (len < size - 1 &&
	    (n = read(pfd[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	waitpid(pid, status, 0);
}

static void
do_panic(void)
{
	signal(SIGABRT, SIG_DFL);
	am_log_init("/usr/bin/tprog");
	panic("broken %d", 42);
}

static void
do_oom(void)
{
	am_log_init("tprog");
	(void)xmalloc(SIZE_MAX / 2);
}

static void
do_log(void)
{
	char big[3000];

	setenv("AMIXD_LOG", "3", 1);
	am_log_init("tprog");
	logx(1, "error %s", "one");
	logx(3, "structure %d", 3);
	logx(4, "per-block, not shown");
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	am_log_level = 0;
	logx(1, "hidden at level 0");
	logx(0, "%s", big);
}

static void
do_log_default(void)
{
	unsetenv("AMIXD_LOG");
	am_log_init("tprog");
	logx(1, "shown");
	logx(2, "info, not shown");
	setenv("AMIXD_LOG", "9", 1);
	am_log_init("tprog");
	logx(2, "still not shown, level %d", am_log_level);
}

static void
do_opt(void)
{
	double d = 0;
	long l = 0;

	am_log_init("tprog");
	if (am_opt_double("--db", "-6.5", -200, 40, &d) == 0 && d == -6.5)
		am_warn("db ok");
	if (am_opt_long("-r", "44100", 1000, 384000, &l) == 0 && l == 44100)
		am_warn("rate ok");
	if (am_opt_double("--db", "41", -200, 40, &d) < 0 && d == -6.5)
		am_warn("kept");
	(void)am_opt_double("--latency", "5ms", 0, 5000, &d);
	(void)am_opt_long("-c", "9", 1, 2, &l);
	(void)am_opt_long("-r", "48000x", 1000, 384000, &l);
}

static void
test_panic_log(void)
{
	char out[8192], *nl;
	int st;

	capture(do_panic, out, sizeof(out), &st);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "panic aborts");
	is_str(out, "tprog: panic: broken 42\n", "panic message");

	capture(do_oom, out, sizeof(out), &st);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "xmalloc oom aborts");
	/* strstr: a sanitizer may print its own warning first */
	ok(strstr(out, "tprog: panic: out of memory") != NULL,
	    "xmalloc oom message");

	capture(do_log, out, sizeof(out), &st);
	nl = strstr(out, "tprog: yyy");
	ok(nl != NULL, "long message printed");
	if (nl != NULL)
		*nl = '\0';
	is_str(out, "tprog: error one\ntprog: structure 3\n",
	    "logx with AMIXD_LOG=3");
	ok(nl != NULL && strlen(nl + 1) < 1024 &&
	    nl[1 + strlen(nl + 1) - 1] == '\n', "long message truncated, "
	    "newline kept");

	capture(do_log_default, out, sizeof(out), &st);
	is_str(out, "tprog: shown\n"
	    "tprog: AMIXD_LOG: ignoring '9', expected 0..4\n",
	    "default level 1, bad AMIXD_LOG ignored");

	capture(do_opt, out, sizeof(out), &st);
	is_str(out, "tprog: db ok\ntprog: rate ok\n"
	    "tprog: --db: out of range (-200 to 40): 41\ntprog: kept\n"
	    "tprog: --latency: not a number: 5ms\n"
	    "tprog: -c: out of range (1 to 2): 9\n"
	    "tprog: -r: not an integer: 48000x\n",
	    "am_opt_double, am_opt_long: values and messages");
}

static void
test_clock(void)
{
	struct timespec ts;
	uint64_t a, b;

	a = am_clock_ns();
	b = am_clock_ns();
	ok(a > 0 && b >= a, "am_clock_ns monotonic");
	am_clock_ts(3 * AM_NSEC_PER_SEC + 5, &ts);
	ok(ts.tv_sec == 3 && ts.tv_nsec == 5, "am_clock_ts splits");
	am_clock_ts(999999999, &ts);
	ok(ts.tv_sec == 0 && ts.tv_nsec == 999999999, "am_clock_ts < 1 s");

	is_int(am_clock_frames_ns(48000, 48000), 1000000000, "1 s at 48k");
	is_int(am_clock_frames_ns(1, 48000), 20833, "1 frame at 48k floors");
	is_int(am_clock_frames_ns(256, 48000), 5333333, "256 at 48k");
	is_int(am_clock_frames_ns(0, 44100), 0, "0 frames");
	is_int(am_clock_frames_ns(5, 0), 0, "rate 0 gives 0");
	/* floor(2^40 * 1e9 / 44100), by arbitrary precision arithmetic */
	ok(am_clock_frames_ns(1ULL << 40, 44100) == 24932236457505668ULL,
	    "2^40 frames at 44.1k without overflow");
	ok(am_clock_frames_ns(1ULL << 40, 48000) == 22906492245333333ULL,
	    "2^40 frames at 48k exact");
	ok(am_clock_frames_ns(UINT32_MAX - 1ULL, UINT32_MAX) ==
	    999999999ULL, "rate 2^32-1 edge");
}

int
main(void)
{
	test_parse();
	test_alloc();
	test_panic_log();
	test_clock();
	return t_done();
}
