/* SPDX-License-Identifier: MIT */
/*
 * parse: strict number parsing, the bottom of lib (it uses nothing of
 * the project's).
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
#include <stdlib.h>

#include "parse.h"

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
