/* SPDX-License-Identifier: MIT */
#ifndef CMD_CLOCK_H
#define CMD_CLOCK_H

#include <stdint.h>

struct cJSON;
struct engine;
struct req_peer;

void cmd_clock_init(struct engine *e);
struct cJSON *cmd_clock(struct req_peer *p, const struct cJSON *req);
struct cJSON *cmd_clock_map(struct req_peer *p, const struct cJSON *req);
void cmd_clock_discont(void);
struct cJSON *cmd_clock_tick(struct req_peer *p, uint64_t now);

#endif /* !defined(CMD_CLOCK_H) */
