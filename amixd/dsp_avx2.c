/* SPDX-License-Identifier: MIT */
/*
 * The sample kernels (dsp_kern.h) for avx2; see GNUmakefile for the
 * flags this file is compiled with, and dsp.c for the dispatch.
 */

#include <string.h>

#include "dsp_isa.h"

#define DSP_ISA	avx2
#include "dsp_kern.h"
