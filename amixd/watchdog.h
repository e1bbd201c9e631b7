/* SPDX-License-Identifier: MIT */
#ifndef WATCHDOG_H
#define WATCHDOG_H

#include <stdint.h>

#define WATCHDOG_MS		250	/* default of -w */
#define WATCHDOG_MS_MAX		60000
#define WATCHDOG_THREADS_MAX	16	/* stuck threads left behind */

struct engine;

void watchdog_init(struct engine *e, uint32_t ms);
void watchdog_done(void);
void watchdog_start(struct engine *e);
void watchdog_stop(struct engine *e);
int watchdog_leave(struct engine *e);
uint64_t watchdog_count(void);

#endif /* !defined(WATCHDOG_H) */
