/* SPDX-License-Identifier: MIT */
#ifndef CMD_SUBSCRIBE_H
#define CMD_SUBSCRIBE_H

struct cJSON;
struct engine;
struct req_peer;

void cmd_subscribe_init(struct engine *e);
void cmd_subscribe_done(void);
void cmd_subscribe_gone(struct req_peer *p);
struct cJSON *cmd_subscribe(struct req_peer *p, const struct cJSON *req);
struct cJSON *cmd_unsubscribe(struct req_peer *p, const struct cJSON *req);

#endif /* !defined(CMD_SUBSCRIBE_H) */
