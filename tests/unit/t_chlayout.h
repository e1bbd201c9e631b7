/* SPDX-License-Identifier: MIT */
/*
 * t_chlayout.h: what test_chlayout.c and test_chlayout_man.c share:
 * the gains g = 1/sqrt(2) and h = g/2 as lib/chlayout.c computes them,
 * the error buffer, and L(), a layout from its text.
 */
#ifndef T_CHLAYOUT_H
#define T_CHLAYOUT_H

#include <stdio.h>
#include <string.h>

#include "chlayout.h"

#define G	0.70710678118654752f
#define H	(G / 2)

static char err[512];

/* A layout from its text, or n = 0 (which no check accepts). */
static struct am_layout
L(const char *s)
{
	struct am_layout l;

	memset(&l, 0, sizeof(l));
	if (am_layout_parse(&l, s, err, sizeof(err)) != 0) {
		printf("# bad layout in the test: %s: %s\n", s, err);
		l.n = 0;
	}
	return l;
}

#endif /* !defined(T_CHLAYOUT_H) */
