/* SPDX-License-Identifier: MIT */
/*
 * For unit tests that ask for impossible sizes (2^60 bytes, SIZE_MAX / 2):
 * let the sanitizers return NULL as libc does instead of reporting an
 * error. Include it in one test file only: it defines the hooks.
 */
#ifndef T_NULLALLOC_H
#define T_NULLALLOC_H

const char *__asan_default_options(void);
const char *__tsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

const char *
__tsan_default_options(void)
{
	return "allocator_may_return_null=1";
}

#endif /* !defined(T_NULLALLOC_H) */
