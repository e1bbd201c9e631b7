/* SPDX-License-Identifier: MIT */
/*
 * The undithered sample-format conversions (afmt_kern.h) for neon; see
 * GNUmakefile for the flags this file is compiled with, and afmt.c for
 * the dispatch.
 */

#if defined(__aarch64__) && defined(__ARM_NEON)
#include "afmt_isa.h"

#define AFMT_ISA	neon
#include "afmt_kern.h"
#endif
