/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/target.c: the node name rule (charset, length,
 * numbers), sanitizing, the client name, picking the default target and
 * a named or numbered node from list replies, each failure's one-line
 * message, and the round trip over a socket.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "proto.h"
#include "t.h"
#include "target.h"

struct name_row {
	const char *name;
	int ok;
	const char *err;	/* substring of the message, or NULL */
};

static const struct name_row names[] = {
	{ "master", 1, NULL },
	{ "aplay.1234", 1, NULL },
	{ "hw:0,0", 0, "0x2c" },
	{ "A-z_0.9:x", 1, NULL },
	{ "1x", 1, NULL },
	{ "x", 1, NULL },
	{ "", 0, "1 to 63 bytes" },
	{ "12", 0, "is a number" },
	{ "0", 0, "is a number" },
	{ "007", 0, "is a number" },
	{ "-1", 1, NULL },
	{ "a b", 0, "0x20 at 1" },
	{ "a/b", 0, "0x2f" },
	{ "\xc3\xa9", 0, "0xc3 at 0" },
	{ "tab\t", 0, "0x09" },
};

static void
test_names(void)
{
	char err[256], big[80];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		err[0] = '\0';
		rc = am_name_valid(names[i].name, err, sizeof(err));
		is_int(rc, names[i].ok ? 0 : -EINVAL, "name '%s'",
		    names[i].name);
		if (names[i].err != NULL)
			ok(strstr(err, names[i].err) != NULL,
			    "name '%s': message '%s' has '%s'", names[i].name,
			    err, names[i].err);
	}
	memset(big, 'a', sizeof(big));
	big[63] = '\0';
	is_int(am_name_valid(big, err, sizeof(err)), 0, "63 bytes pass");
	big[63] = 'a';
	big[64] = '\0';
	is_int(am_name_valid(big, err, sizeof(err)), -EINVAL,
	    "64 bytes refused");
	ok(strstr(err, "not 64") != NULL, "64 bytes: '%s'", err);

	snprintf(big, sizeof(big), "my prog/ü");
	am_name_sanitize(big);
	is_str(big, "my_prog___", "sanitize");
}

static void
test_client_name(void)
{
	char buf[64], want[64], small[8];

	snprintf(want, sizeof(want), "test_target.%ld", (long)getpid());
	is_int(am_client_name(buf, sizeof(buf)), 0, "client name");
	is_str(buf, want, "client name is comm.pid");
	is_int(am_name_valid(buf, want, sizeof(want)), 0,
	    "client name is a valid name");
	is_int(am_client_name(small, 3), -ENOSPC, "too small a buffer");
	if (snprintf(want, sizeof(want), "x.%ld", (long)getpid()) <
	    (int)sizeof(small)) {
		is_int(am_client_name(small, sizeof(small)), 0,
		    "short buffer cuts the program");
		ok(strchr(small, '.') != NULL && strlen(small) ==
		    sizeof(small) - 1, "cut name '%s' keeps the pid", small);
	}
}

struct pick_row {
	const char *list;
	const char *want;
	int rc;
	uint32_t id;
	const char *err;
};

#define SINK(i, n)	"{\"id\":" #i ",\"type\":\"device_sink\"" n "}"
#define MIX(i, n)	"{\"id\":" #i ",\"type\":\"mixer\"" n "}"

static const struct pick_row picks[] = {
	{ "{\"nodes\":[]}", NULL, -ENOENT, 0,
	    "no default target: create a mixer named master or a "
	    "device_sink (amctl create device_sink name=out)" },
	{ "{}", NULL, -ENOENT, 0, "no default target" },
	{ "{\"nodes\":[" SINK(3, "") "]}", NULL, 0, 3, NULL },
	{ "{\"nodes\":[" SINK(3, "") "," SINK(4, "") "]}", NULL, -EEXIST, 0,
	    "2 device_sinks" },
	{ "{\"nodes\":[" SINK(3, "") "," SINK(4, "") "," MIX(7,
	    ",\"name\":\"master\"") "]}", NULL, 0, 7, NULL },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "," SINK(5,
	    ",\"name\":\"out\"") "]}", NULL, 0, 5, NULL },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "]}", NULL, -ENOENT, 0,
	    "create a mixer named master" },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "," SINK(5,
	    ",\"name\":\"out\"") "]}", "mix", 0, 2, NULL },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "," SINK(5,
	    ",\"name\":\"out\"") "]}", "5", 0, 5, NULL },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "]}", "6", -ENOENT, 0,
	    "no node 6 in the graph" },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "]}", "nope", -ENOENT, 0,
	    "no node named 'nope' in the graph (see amctl list)" },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "]}", "0", -ENOENT, 0,
	    NULL },
	{ "{\"nodes\":[" MIX(2, ",\"name\":\"mix\"") "]}", "2x", -ENOENT, 0,
	    NULL },
};

static void
test_pick(void)
{
	char err[256];
	uint32_t id;
	size_t i;
	cJSON *l;
	int rc;

	for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		l = cJSON_Parse(picks[i].list);
		id = 0;
		err[0] = '\0';
		rc = am_target_pick(l, picks[i].want, &id, err, sizeof(err));
		is_int(rc, picks[i].rc, "pick %zu (%s)", i,
		    picks[i].want ? picks[i].want : "default");
		is_int((int)id, (int)picks[i].id, "pick %zu id", i);
		if (picks[i].err != NULL)
			ok(strstr(err, picks[i].err) != NULL,
			    "pick %zu says '%s'", i, err);
		if (rc < 0)
			ok(strchr(err, '\n') == NULL && err[0] != '\0',
			    "pick %zu: one line", i);
		cJSON_Delete(l);
	}
}

static void
test_resolve(void)
{
	const char *reply = "{\"ok\":true,\"nodes\":[" MIX(9,
	    ",\"name\":\"master\"") "]}\n";
	const char *bad = "{\"ok\":false,\"error\":{\"code\":\"denied\","
	    "\"message\":\"go away\"}}\n";
	char err[256], req[128];
	uint32_t id = 0;
	ssize_t n;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	ok(write(sv[1], reply, strlen(reply)) == (ssize_t)strlen(reply),
	    "queue a reply");
	is_int(am_target_resolve(sv[0], NULL, &id, err, sizeof(err)), 0,
	    "resolve over a socket");
	is_int((int)id, 9, "resolved master");
	n = read(sv[1], req, sizeof(req) - 1);
	req[n > 0 ? n : 0] = '\0';
	is_str(req, "{\"cmd\":\"list\"}\n", "sent a list request");
	ok(write(sv[1], bad, strlen(bad)) == (ssize_t)strlen(bad),
	    "queue an error");
	is_int(am_target_resolve(sv[0], "x", &id, err, sizeof(err)),
	    -EPROTO, "error reply");
	is_str(err, "list: go away", "error reply message");
	close(sv[1]);
	is_int(am_target_resolve(sv[0], NULL, &id, err, sizeof(err)),
	    -EPIPE, "daemon gone");
	close(sv[0]);
}

int
main(void)
{
	test_names();
	test_client_name();
	test_pick();
	test_resolve();
	return t_done();
}
