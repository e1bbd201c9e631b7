/* SPDX-License-Identifier: MIT */
#ifndef CMD_H
#define CMD_H

struct cJSON;
struct engine;
struct req_handler;
struct req_peer;

extern const struct req_handler cmd_handler;

void cmd_init(struct engine *e, double render_seconds);
void cmd_done(void);
struct cJSON *cmd_dispatch(struct req_peer *p, const struct cJSON *req);
void cmd_quit(void);
int cmd_quit_requested(void);

#endif /* !defined(CMD_H) */
