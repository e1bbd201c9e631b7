/* SPDX-License-Identifier: MIT */
#ifndef AM_PARSE_H
#define AM_PARSE_H

/*
 * Strict number parsing: the whole string must be a finite number within
 * [min, max]. Return 0 or -EINVAL (not a number) / -ERANGE (out of range).
 */
int am_parse_double(const char *s, double min, double max, double *out);
int am_parse_long(const char *s, long min, long max, long *out);

#endif /* !defined(AM_PARSE_H) */
