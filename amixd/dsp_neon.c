/* SPDX-License-Identifier: MIT */
/*
 * The sample kernels (dsp_kern.h) for neon; see GNUmakefile for the
 * flags this file is compiled with, and dsp.c for the dispatch.
 */

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <string.h>

#include "dsp_isa.h"

#define DSP_ISA	neon
#include "dsp_kern.h"
#endif
