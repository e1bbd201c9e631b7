/* SPDX-License-Identifier: MIT */
#ifndef AM_LEVEL_H
#define AM_LEVEL_H

/* Decibels to a linear amplitude factor: 10^(db / 20). Any thread. */
double am_db_to_gain(double db);

#endif /* !defined(AM_LEVEL_H) */
