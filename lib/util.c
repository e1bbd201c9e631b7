/* SPDX-License-Identifier: MIT */
/*
 * util: allocation that cannot fail.
 *
 * The x*alloc() wrappers are for the control thread only: an allocation
 * failure there leaves no sane way on, so they panic() (log.c: message
 * on stderr, then abort(3) for a core dump). Zero-size requests
 * allocate one byte, so a NULL return never means success.
 *
 * The layers of lib's base, each using only those before it: parse.c
 * (numbers), log.c (messages, panic), util.c (allocation). util.h
 * includes the other two headers for the many files that want all.
 */

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

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
