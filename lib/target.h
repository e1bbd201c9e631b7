/* SPDX-License-Identifier: MIT */
#ifndef AM_TARGET_H
#define AM_TARGET_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct am_conn;

#define AM_NODE_NAME_MAX	63	/* bytes of a node name, NUL not counted */
#define AM_TARGET_DEFAULT	"master"	/* name of the default target */

int am_name_valid(const char *name, char *err, size_t errlen);
void am_name_sanitize(char *name);
int am_client_name(char *buf, size_t len);
int am_target_pick(const struct cJSON *list, const char *want, uint32_t *id,
    char *err, size_t errlen);
int am_target_resolve_conn(struct am_conn *c, const char *want,
    uint32_t *id, char *err, size_t errlen);
int am_target_resolve(int fd, const char *want, uint32_t *id, char *err,
    size_t errlen);

#endif /* !defined(AM_TARGET_H) */
