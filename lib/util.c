/* SPDX-License-Identifier: MIT */
/*
 * util: allocation that cannot fail, panic(), strict number parsing.
 *
 * The x*alloc() wrappers are for the control thread only: an allocation
 * failure there leaves no sane way on, so they panic() (message on
 * stderr, then abort(3) for a core dump). Zero-size requests allocate
 * one byte, so a NULL return never means success.
 *
 * am_parse_double() and am_parse_long() accept exactly what a user
 * means by a number: the whole string, no blanks around it, finite, in
 * range. They back every option, environment variable and key=value
 * argument, so "48000x", " 2" and "nan" are refused the same way
 * everywhere. Any thread, no allocation.
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define PANIC_LINE_MAX	1024		/* bytes, one message */

/*
 * Print "prog: panic: message" to stderr with a single write(2) and
 * abort. For broken invariants and allocation failure, never for input.
 */
_Noreturn void
panic(const char *fmt, ...)
{
	char buf[PANIC_LINE_MAX];
	va_list ap;
	size_t n;
	int rc;

	rc = snprintf(buf, sizeof(buf) - 1, "%s: panic: ", am_log_prog());
	n = rc < 0 ? 0 : (size_t)rc;
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	va_start(ap, fmt);
	rc = vsnprintf(buf + n, sizeof(buf) - 1 - n, fmt, ap);
	va_end(ap);
	if (rc > 0)
		n += (size_t)rc;
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	while (write(STDERR_FILENO, buf, n) < 0 && errno == EINTR)
		;
	abort();
}

/*
 * malloc(3) that panics on failure. Control thread.
 */
void *
xmalloc(size_t size)
{
	void *p;

	if ((p = malloc(size != 0 ? size : 1)) == NULL)
		panic("out of memory allocating %zu bytes", size);
	return p;
}

/*
 * calloc(3) that panics on failure, including nmemb * size overflow.
 * Control thread.
 */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		panic("out of memory allocating %zu * %zu bytes", nmemb, size);
	return p;
}

/*
 * realloc(3) that panics on failure; size 0 keeps a one-byte block
 * rather than freeing. Control thread.
 */
void *
xrealloc(void *ptr, size_t size)
{
	void *p;

	if ((p = realloc(ptr, size != 0 ? size : 1)) == NULL)
		panic("out of memory reallocating %zu bytes", size);
	return p;
}

/*
 * strdup(3) that panics on failure. Control thread.
 */
char *
xstrdup(const char *s)
{
	size_t n;
	char *p;

	n = strlen(s) + 1;
	p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}

/*
 * Parse a whole string as a finite double within [min, max].
 * strtod(3) syntax, but no leading blank (strtod would skip it) and
 * nothing after the number. Underflow to a denormal or zero is accepted
 * and range-checked like any value; overflow is -ERANGE, as are
 * infinities; "nan" and anything else that is not a number are -EINVAL.
 * *out is written only on success.
 */
int
am_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0')
		return -EINVAL;
	if (isnan(v))
		return -EINVAL;
	if (isinf(v))
		return -ERANGE;		/* "inf", or overflow with ERANGE */
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * Parse a whole string as a decimal long within [min, max]: optional
 * sign, digits, nothing else (no blanks, no 0x, no trailing junk).
 * Return 0, -EINVAL or -ERANGE; *out is written only on success.
 */
int
am_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
