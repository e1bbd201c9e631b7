/* SPDX-License-Identifier: MIT */
/*
 * The undithered sample-format conversions (afmt_kern.h) for sse2; see
 * GNUmakefile for the flags this file is compiled with, and afmt.c for
 * the dispatch.
 */

#if defined(__x86_64__)
#include "afmt_isa.h"

#define AFMT_ISA	sse2
#include "afmt_kern.h"
#endif
