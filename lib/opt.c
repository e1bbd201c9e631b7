/* SPDX-License-Identifier: MIT */
/*
 * opt: the numbers a tool's options take, parsed strictly (parse.c) and
 * refused in the words every tool uses, so "-r 48000x" reads the same
 * from each: "prog: -r: not an integer: 48000x", or "out of range (MIN
 * to MAX)". The message goes through am_warn (log.c), prefixed with the
 * program's name. Control thread of a tool, no allocation.
 */

#include <errno.h>

#include "log.h"
#include "opt.h"
#include "parse.h"

/* Parse option opt's argument s as a double in [min, max]; 0 or -1. */
int
am_opt_double(const char *opt, const char *s, double min, double max,
    double *out)
{
	int rc = am_parse_double(s, min, max, out);

	if (rc == -ERANGE)
		am_warn("%s: out of range (%g to %g): %s", opt, min, max, s);
	else if (rc < 0)
		am_warn("%s: not a number: %s", opt, s);
	return rc < 0 ? -1 : 0;
}

/* Parse option opt's argument s as a long in [min, max]; 0 or -1. */
int
am_opt_long(const char *opt, const char *s, long min, long max, long *out)
{
	int rc = am_parse_long(s, min, max, out);

	if (rc == -ERANGE)
		am_warn("%s: out of range (%ld to %ld): %s", opt, min, max,
		    s);
	else if (rc < 0)
		am_warn("%s: not an integer: %s", opt, s);
	return rc < 0 ? -1 : 0;
}
