/* SPDX-License-Identifier: MIT */
/*
 * target: node names and the graph's default target, client side.
 *
 * A node may carry a name ([A-Za-z0-9_.:-], 1 to AM_NODE_NAME_MAX
 * bytes, not a pure decimal number, so a name never reads as an id).
 * am_name_valid() is the one rule, shared by the daemon (which refuses
 * a bad name in create_node) and by clients (which build names).
 *
 * A client that wants "where do I play to" asks am_target_resolve():
 * NULL means the default target, a node named "master" if there is one,
 * else the only device_sink; anything else is a node name or a decimal
 * id. It sends one "list" request over an already connected control
 * socket and picks from the reply (am_target_pick(), pure, so the unit
 * test feeds it lists). Failures come back as -errno with one line for
 * the user that says what to create or give.
 *
 * am_client_name() names an application's node after the program and
 * its PID ("aplay.1234"), so a user can find it in `amctl list` and
 * turn it down. Control thread / client code only: allocates.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "proto.h"
#include "target.h"
#include "util.h"

/* Whether c may appear in a node name. */
static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
	    c == '-';
}

/*
 * Check a node name: 1 to AM_NODE_NAME_MAX bytes of [A-Za-z0-9_.:-],
 * not all digits (an id). Return 0, or -EINVAL with the reason in err.
 */
int
am_name_valid(const char *name, char *err, size_t errlen)
{
	size_t i, n;
	int digits = 1;

	n = strlen(name);
	if (n == 0 || n > AM_NODE_NAME_MAX) {
		snprintf(err, errlen, "name must be 1 to %d bytes, not %zu",
		    AM_NODE_NAME_MAX, n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!name_char((unsigned char)name[i])) {
			snprintf(err, errlen, "name may hold only "
			    "[A-Za-z0-9_.:-], not byte 0x%02x at %zu",
			    (unsigned char)name[i], i);
			return -EINVAL;
		}
		if (name[i] < '0' || name[i] > '9')
			digits = 0;
	}
	if (digits) {
		snprintf(err, errlen, "name '%s' is a number: it would read "
		    "as a node id", name);
		return -EINVAL;
	}
	return 0;
}

/* Replace every byte a name may not hold by '_', in place. */
void
am_name_sanitize(char *name)
{
	for (; *name != '\0'; name++) {
		if (!name_char((unsigned char)*name))
			*name = '_';
	}
}

/*
 * This process's client name, "<program>.<pid>", program from
 * /proc/self/comm (else "client"), sanitized and cut so the whole
 * fits AM_NODE_NAME_MAX and len. Return 0, or -ENOSPC if len cannot
 * hold even "x.<pid>".
 */
int
am_client_name(char *buf, size_t len)
{
	char prog[AM_NODE_NAME_MAX + 1] = "", pid[24];
	size_t room, n, pl;
	FILE *f;

	if ((f = fopen("/proc/self/comm", "r")) != NULL) {
		if (fgets(prog, sizeof(prog), f) == NULL)
			prog[0] = '\0';
		fclose(f);
	}
	prog[strcspn(prog, "\n")] = '\0';
	if (prog[0] == '\0')
		snprintf(prog, sizeof(prog), "client");
	am_name_sanitize(prog);
	pl = (size_t)snprintf(pid, sizeof(pid), ".%ld", (long)getpid());
	room = len < AM_NODE_NAME_MAX + 1 ? len : AM_NODE_NAME_MAX + 1;
	if (room < pl + 2)
		return -ENOSPC;
	n = strlen(prog);
	if (n > room - 1 - pl)
		n = room - 1 - pl;
	memcpy(buf, prog, n);
	memcpy(buf + n, pid, pl + 1);
	return 0;
}

/* A list node's string member key, or NULL. */
static const char *
node_str(const cJSON *n, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(n, key);

	return cJSON_IsString(s) ? s->valuestring : NULL;
}

/*
 * Pick the target from a "list" reply: want NULL is the default
 * target (node "master", else the only device_sink), else a node name
 * or a decimal id. Return 0 with *id set, -ENOENT (no such node, or no
 * default target: err says what to create) or -EEXIST (several
 * device_sinks and no master: err says so).
 */
int
am_target_pick(const cJSON *list, const char *want, uint32_t *id,
    char *err, size_t errlen)
{
	const cJSON *nodes, *n, *i;
	const char *name, *type;
	uint32_t sink = 0, got = 0;
	long num = -1;
	int nsinks = 0;

	nodes = cJSON_GetObjectItemCaseSensitive(list, "nodes");
	if (want != NULL && am_parse_long(want, 1, UINT32_MAX, &num) < 0)
		num = -1;
	cJSON_ArrayForEach(n, nodes) {
		i = cJSON_GetObjectItemCaseSensitive(n, "id");
		if (!cJSON_IsNumber(i))
			continue;
		name = node_str(n, "name");
		type = node_str(n, "type");
		if (want == NULL) {
			if (name != NULL && strcmp(name, AM_TARGET_DEFAULT) ==
			    0) {
				*id = (uint32_t)i->valuedouble;
				return 0;
			}
			if (type != NULL && strcmp(type, "device_sink") == 0) {
				if (nsinks++ == 0)
					sink = (uint32_t)i->valuedouble;
			}
		} else if ((num > 0 && i->valuedouble == (double)num) ||
		    (name != NULL && strcmp(name, want) == 0)) {
			got = (uint32_t)i->valuedouble;
			break;
		}
	}
	if (want != NULL) {
		if (got == 0) {
			snprintf(err, errlen, num > 0 ? "no node %s in the "
			    "graph (see amctl list)" : "no node named '%s' in "
			    "the graph (see amctl list)", want);
			return -ENOENT;
		}
		*id = got;
		return 0;
	}
	if (nsinks == 1) {
		*id = sink;
		return 0;
	}
	if (nsinks > 1) {
		snprintf(err, errlen, "no default target: %d device_sinks "
		    "and no node named %s; name one master or give a target",
		    nsinks, AM_TARGET_DEFAULT);
		return -EEXIST;
	}
	snprintf(err, errlen, "no default target: create a mixer named %s "
	    "or a device_sink (amctl create device_sink name=out)",
	    AM_TARGET_DEFAULT);
	return -ENOENT;
}

/*
 * Ask the daemon on connection c for its graph and pick the target
 * (am_target_pick()). Return 0, or -errno with one line in err.
 */
int
am_target_resolve_conn(struct am_conn *c, const char *want, uint32_t *id,
    char *err, size_t errlen)
{
	cJSON *reply;
	int rc;

	rc = am_conn_request(c, "{\"cmd\":\"list\"}", NULL, 0, &reply);
	if (rc < 0) {
		snprintf(err, errlen, "list: %s", strerror(-rc));
		return rc;
	}
	if (!am_proto_is_ok(reply)) {
		snprintf(err, errlen, "list: %s",
		    am_proto_err_message(reply));
		cJSON_Delete(reply);
		return -EPROTO;
	}
	rc = am_target_pick(reply, want, id, err, errlen);
	cJSON_Delete(reply);
	return rc;
}

/*
 * am_target_resolve_conn() over a bare connected socket fd, for a
 * client that keeps no struct am_conn. The request and its reply are
 * whole lines, so nothing is left behind in the temporary line
 * buffer provided the caller has no request in flight and takes no
 * events on fd.
 */
int
am_target_resolve(int fd, const char *want, uint32_t *id, char *err,
    size_t errlen)
{
	struct am_conn c;
	int rc;

	c.fd = fd;
	am_lbuf_init_max(&c.lb, AM_PROTO_REPLY_MAX);
	rc = am_target_resolve_conn(&c, want, id, err, errlen);
	am_lbuf_done(&c.lb);
	return rc;
}
