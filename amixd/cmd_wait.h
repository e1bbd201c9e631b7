/* SPDX-License-Identifier: MIT */
#ifndef CMD_WAIT_H
#define CMD_WAIT_H

#include <stdint.h>

struct cJSON;
struct req_peer;
struct engine;

void cmd_wait_init(struct engine *e);
void cmd_wait_done(void);
void cmd_wait_add(struct req_peer *c, const struct cJSON *req, int render,
    uint64_t frames, double secs);
void cmd_wait_gone(const struct req_peer *c);
int cmd_wait_poll(void);

#endif /* !defined(CMD_WAIT_H) */
