/* SPDX-License-Identifier: MIT */
#ifndef AM_CMDLINE_H
#define AM_CMDLINE_H

#include <stddef.h>

struct cJSON;

/*
 * Short command forms, shared by amctl and amixd --render scripts:
 *
 *	ping | list | stats | start | stop | device_close
 *	backend DRIVER
 *	open [name=NAME] [rate=HZ] [channels=N] [period=FRAMES] [k=v ...]
 *	create TYPE [name=NAME] [key=value ...]
 *	connect FROM TO | disconnect FROM TO | destroy ID
 *	set ID key=value ...
 *
 * FROM, TO and ID are a node id (digits) or a node name (a string).
 *	subscribe EVENT ... | unsubscribe [EVENT ...]
 *	render SECONDS
 *
 * A first word starting with '{' is taken as a raw JSON request. Values:
 * numbers become JSON numbers, true/false booleans, anything else a
 * string. "device_open", "create_node" and "destroy_node" are accepted as
 * long names.
 */
struct cJSON *am_cmd_parse(int argc, char *const argv[], char *err,
    size_t errlen);
struct cJSON *am_cmd_parse_line(const char *line, char *err, size_t errlen);

#define AM_SCRIPT_VAR_MAX	256
#define AM_SCRIPT_NAME_MAX	64

/*
 * Script state: one command a line, '#' comments, "name = create ..."
 * binds the new node's id to $name for later lines.
 */
struct am_script_var {
	char name[AM_SCRIPT_NAME_MAX];
	long id;
};

struct am_script {
	struct am_script_var vars[AM_SCRIPT_VAR_MAX];
	int nvars;
};

void am_script_init(struct am_script *s);
int am_script_line(struct am_script *s, const char *line, struct cJSON **req,
    char *bind, size_t bindlen, char *err, size_t errlen);
int am_script_bind(struct am_script *s, const char *name, long id);

#endif /* !defined(AM_CMDLINE_H) */
