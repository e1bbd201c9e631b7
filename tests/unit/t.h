/* SPDX-License-Identifier: MIT */
/*
 * t.h: a tiny TAP producer for the C unit tests.
 *
 *	ok(cond, fmt, ...)		pass when cond is true
 *	is_int(got, want, fmt, ...)	integers equal
 *	is_str(got, want, fmt, ...)	strings equal (NULL allowed)
 *	is_double(got, want, tol, fmt, ...)	|got - want| <= tol
 *	skip(fmt, ...)			a check that cannot run here
 *	return t_done();		print the plan "1..N", exit status
 *
 * Each check prints "ok N - what" or "not ok N - what" followed by
 * "#" lines with the file, line, and expected vs actual values. Output is
 * flushed after every line so a crash still shows how far it got.
 */
#ifndef T_H
#define T_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int t_n;			/* checks run */
static int t_fail;		/* checks failed */

static inline int __attribute__((format(printf, 4, 0)))
t_vok(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	t_n++;
	printf("%sok %d - ", pass ? "" : "not ", t_n);
	vprintf(fmt, ap);
	putchar('\n');
	if (!pass) {
		t_fail++;
		printf("#   Failed test at %s line %d.\n", file, line);
	}
	fflush(stdout);
	return pass;
}

static inline int __attribute__((format(printf, 4, 5)))
t_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = t_vok(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

#define T_CHECK(pass, file, line, fmt, show) do {			\
	va_list ap_;							\
	va_start(ap_, fmt);						\
	if (!t_vok((pass), file, line, fmt, ap_)) {			\
		show;							\
		fflush(stdout);						\
	}								\
	va_end(ap_);							\
	return (pass);							\
} while (0)

static inline int __attribute__((format(printf, 5, 6)))
t_is_int(long long got, long long want, const char *file, int line,
    const char *fmt, ...)
{
	T_CHECK(got == want, file, line, fmt,
	    printf("#          got: %lld\n#     expected: %lld\n", got, want));
}

static inline int __attribute__((format(printf, 5, 6)))
t_is_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	T_CHECK((got == NULL && want == NULL) || (got != NULL &&
	    want != NULL && strcmp(got, want) == 0), file, line, fmt,
	    printf("#          got: %s%s%s\n#     expected: %s%s%s\n",
	    got ? "'" : "", got ? got : "NULL", got ? "'" : "",
	    want ? "'" : "", want ? want : "NULL", want ? "'" : ""));
}

static inline int __attribute__((format(printf, 6, 7)))
t_is_double(double got, double want, double tol, const char *file, int line,
    const char *fmt, ...)
{
	T_CHECK(fabs(got - want) <= tol, file, line, fmt,
	    printf("#          got: %.17g\n#     expected: %.17g (+-%g)\n",
	    got, want, tol));
}

static inline void __attribute__((format(printf, 1, 2)))
skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # skip ", ++t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static inline int
t_done(void)
{
	printf("1..%d\n", t_n);
	if (t_fail > 0)
		printf("# failed %d of %d\n", t_fail, t_n);
	fflush(stdout);
	return t_fail > 0 ? 1 : 0;
}

#define ok(cond, ...)	t_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)	t_is_int((long long)(got),		\
	(long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...)	t_is_str((got), (want), __FILE__,	\
	__LINE__, __VA_ARGS__)
#define is_double(got, want, tol, ...)	t_is_double((got), (want),	\
	(tol), __FILE__, __LINE__, __VA_ARGS__)

#endif /* !defined(T_H) */
