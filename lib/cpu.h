/* SPDX-License-Identifier: MIT */
#ifndef AM_CPU_H
#define AM_CPU_H

/*
 * What the kernel dispatchers (afmt.c, dsp.c) ask of the CPU, read from
 * the features glibc's loader found at exec (<sys/platform/x86.h>,
 * glibc 2.33), not with cpuid: in a VM each cpuid is a trap to the
 * host (about 4 us here), and libgcc's __builtin_cpu_init ran dozens of
 * them in a constructor at every start of every program. "Active"
 * means usable: the CPU has it and the kernel saves its registers.
 */
#if defined(__x86_64__)
#include <sys/platform/x86.h>

static inline int
am_cpu_avx2(void)
{
	return CPU_FEATURE_ACTIVE(AVX2);
}
#endif

#endif
