/* SPDX-License-Identifier: MIT */
/*
 * level: decibels and linear factors, the one place that converts them
 * (amixd's dsp_db_to_gain for its nodes, amtone's --db). In double, so
 * every caller rounds the same value to its own precision. Any thread,
 * no state.
 */

#include <math.h>

#include "level.h"

/* 10^(db / 20): the amplitude factor of db decibels. */
double
am_db_to_gain(double db)
{
	return pow(10.0, db / 20.0);
}
