/* SPDX-License-Identifier: MIT */
#ifndef AM_UTIL_H
#define AM_UTIL_H

#include <stddef.h>

#include "log.h"	/* panic() */
#include "parse.h"	/* am_parse_double(), am_parse_long() */

#define AM_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

#endif /* !defined(AM_UTIL_H) */
