/* SPDX-License-Identifier: MIT */
/*
 * What the engine's files (engine*.c) share and the rest of amixd does
 * not call. Control thread only.
 */
#ifndef ENGINE_IMPL_H
#define ENGINE_IMPL_H

#include <stddef.h>
#include <stdint.h>

struct engine;

/* engine_plan.c */
int engine_rate(struct engine *e, uint32_t rate, char *err, size_t errlen);
void engine_rate_apply(struct engine *e);
void engine_settle(struct engine *e);

/* engine_device.c */
struct dev_config;
void engine_dev_ask(struct dev_config *cfg);
int engine_dev_buffers(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen);
int engine_backend_busy(struct engine *e);
int engine_halt_wait(struct engine *e);
int engine_dev_layout(struct engine *e, struct dev_config *cfg);
void engine_watch_start(struct engine *e);
void engine_watch_stop(struct engine *e);

/* engine_thread.c */
void engine_rt_prepare(struct engine *e);

#endif /* !defined(ENGINE_IMPL_H) */
