/* SPDX-License-Identifier: MIT */
#ifndef AM_UTIL_H
#define AM_UTIL_H

#include <stddef.h>

#define AM_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
_Noreturn void panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Strict number parsing: the whole string must be a finite number within
 * [min, max]. Return 0 or -EINVAL (not a number) / -ERANGE (out of range).
 */
int am_parse_double(const char *s, double min, double max, double *out);
int am_parse_long(const char *s, long min, long max, long *out);

#endif /* !defined(AM_UTIL_H) */
