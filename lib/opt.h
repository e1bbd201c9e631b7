/* SPDX-License-Identifier: MIT */
#ifndef AM_OPT_H
#define AM_OPT_H

/*
 * A command-line option's number: am_parse_double/am_parse_long, and on
 * failure "prog: OPT: out of range (MIN to MAX): S" or "prog: OPT: not
 * a number: S" / "not an integer: S" through am_warn. 0 or -1.
 */
int am_opt_double(const char *opt, const char *s, double min, double max,
    double *out);
int am_opt_long(const char *opt, const char *s, long min, long max,
    long *out);

#endif /* !defined(AM_OPT_H) */
