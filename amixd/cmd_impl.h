/* SPDX-License-Identifier: MIT */
/*
 * What the protocol commands' files (cmd.c, cmd_args.c, cmd_node.c)
 * share and the rest of amixd does not call. Control thread only.
 */
#ifndef CMD_IMPL_H
#define CMD_IMPL_H

#include <stddef.h>
#include <stdint.h>

#define CMD_ERRLEN	640

struct cJSON;
struct dev_config;
struct engine;
struct node_argdesc;
struct node_ops;
struct node_val;
struct req_peer;

/* cmd.c */
extern struct engine *cmd_engine;	/* borrowed: main */
extern int cmd_script;			/* handling a --render script line */

/* cmd_args.c: reading and checking a request's fields */
int cmd_id(const struct cJSON *req, const char *field, uint32_t *id,
    struct cJSON **reply);
int cmd_new_name(const struct cJSON *req, char *buf, size_t len,
    struct cJSON **reply);
int cmd_args(struct req_peer *c, const struct node_ops *ops,
    const struct cJSON *args, struct node_val *v, int *given, int live,
    char *err, size_t errlen);
void cmd_take_fds(struct req_peer *c, const struct node_ops *ops,
    const struct node_val *v, const int *given);
struct cJSON *cmd_arg_json(const struct node_argdesc *d,
    const struct node_val *v);
int cmd_uint(const struct cJSON *req, const char *field, double min,
    double max, uint32_t *out, char *err, size_t errlen);
int cmd_flag(const struct cJSON *req, const char *field, int def, int *out,
    char *err, size_t errlen);

/* cmd_device.c: device_open's channel fields */
int cmd_device_channels(const struct cJSON *req, struct dev_config *cfg,
    char *err, size_t errlen);
void cmd_device_layout_json(struct cJSON *o, const struct dev_config *d);

/* cmd_node.c: the graph's commands, the nodes' lifetime */
void cmd_node_init(void);
void cmd_node_done(void);
void cmd_node_gone(const struct req_peer *c);
int cmd_orphans(void);
int cmd_created(const struct req_peer *c);
struct cJSON *cmd_create_node(struct req_peer *c, const struct cJSON *req);
struct cJSON *cmd_connect(struct req_peer *c, const struct cJSON *req);
struct cJSON *cmd_disconnect(struct req_peer *c, const struct cJSON *req);
struct cJSON *cmd_destroy_node(struct req_peer *c, const struct cJSON *req);
struct cJSON *cmd_set(struct req_peer *c, const struct cJSON *req);

#endif /* !defined(CMD_IMPL_H) */
