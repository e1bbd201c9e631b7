/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/cmdline.c: every short command form against the
 * exact JSON it must produce (compact print, member order included),
 * error rows with their messages, quoting, raw JSON, and scripts with
 * comments, bindings and $name / ${name} substitution.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmdline.h"
#include "t.h"
#include "util.h"

struct row {
	const char *line;
	const char *json;	/* expected request, or NULL for an error */
	const char *err;	/* expected message (NULL: any) */
};

static const struct row rows[] = {
	{ "ping", "{\"cmd\":\"ping\"}", NULL },
	{ "list", "{\"cmd\":\"list\"}", NULL },
	{ "stats", "{\"cmd\":\"stats\"}", NULL },
	{ "start", "{\"cmd\":\"start\"}", NULL },
	{ "stop", "{\"cmd\":\"stop\"}", NULL },
	{ "device_close", "{\"cmd\":\"device_close\"}", NULL },
	{ "  ping  ", "{\"cmd\":\"ping\"}", NULL },
	{ "\tstop\t", "{\"cmd\":\"stop\"}", NULL },
	{ "ping extra", NULL, "ping: unexpected argument 'extra'" },
	{ "backend null", "{\"cmd\":\"backend\",\"driver\":\"null\"}", NULL },
	{ "backend", NULL, "backend: expected DRIVER" },
	{ "backend a b", NULL, "backend: expected DRIVER" },
	{ "open name=hw:0 rate=48000 channels=2 period=256",
	    "{\"cmd\":\"device_open\",\"name\":\"hw:0\",\"rate\":48000,"
	    "\"channels\":2,\"period\":256}", NULL },
	{ "device_open rate=44100",
	    "{\"cmd\":\"device_open\",\"rate\":44100}", NULL },
	{ "open", "{\"cmd\":\"device_open\"}", NULL },
	{ "open cmd=x", NULL, "bad argument 'cmd=x': key 'cmd' is reserved" },
	{ "open rate", NULL, "bad argument 'rate': expected key=value" },
	{ "create tone freq=440 amp=0.5",
	    "{\"cmd\":\"create_node\",\"type\":\"tone\",\"args\":"
	    "{\"freq\":440,\"amp\":0.5}}", NULL },
	{ "create_node mixer",
	    "{\"cmd\":\"create_node\",\"type\":\"mixer\",\"args\":{}}", NULL },
	{ "create gain on=true off=false s=hello n=-1.5e3 h=0x10 i=inf "
	    "nan=nan e= big=1e400 null=null",
	    "{\"cmd\":\"create_node\",\"type\":\"gain\",\"args\":{\"on\":true,"
	    "\"off\":false,\"s\":\"hello\",\"n\":-1500,\"h\":\"0x10\","
	    "\"i\":\"inf\",\"nan\":\"nan\",\"e\":\"\",\"big\":\"1e400\","
	    "\"null\":\"null\"}}", NULL },
	{ "create gain g=1 g=2 K_9=x=y",
	    "{\"cmd\":\"create_node\",\"type\":\"gain\",\"args\":{\"g\":2,"
	    "\"K_9\":\"x=y\"}}", NULL },
	{ "create", NULL, "create: expected TYPE [key=value ...]" },
	{ "create gain=2", NULL, "create: expected TYPE [key=value ...]" },
	{ "create gain x", NULL, "bad argument 'x': expected key=value" },
	{ "create gain =1", NULL, "bad argument '=1': expected key=value" },
	{ "create gain a-b=1", NULL,
	    "bad argument 'a-b=1': key must be letters, digits or '_'" },
	{ "connect 1 2", "{\"cmd\":\"connect\",\"from\":1,\"to\":2}", NULL },
	{ "disconnect 3 40",
	    "{\"cmd\":\"disconnect\",\"from\":3,\"to\":40}", NULL },
	{ "connect 1", NULL, "connect: expected FROM TO" },
	{ "connect 1 2 3", NULL, "connect: expected FROM TO" },
	{ "disconnect", NULL, "disconnect: expected FROM TO" },
	{ "connect 0 2", NULL,
	    "connect: bad node id '0': expected an integer >= 1 or a name" },
	{ "connect 1 b", "{\"cmd\":\"connect\",\"from\":1,\"to\":\"b\"}",
	    NULL },
	{ "connect tone1 master",
	    "{\"cmd\":\"connect\",\"from\":\"tone1\",\"to\":\"master\"}",
	    NULL },
	{ "connect 1.5 2", "{\"cmd\":\"connect\",\"from\":\"1.5\",\"to\":2}",
	    NULL },
	{ "connect -1 2", "{\"cmd\":\"connect\",\"from\":\"-1\",\"to\":2}",
	    NULL },
	{ "connect 1x 2", "{\"cmd\":\"connect\",\"from\":\"1x\",\"to\":2}",
	    NULL },
	{ "connect a/b 2", NULL, "connect: bad node 'a/b': expected an id or "
	    "a name (name may hold only [A-Za-z0-9_.:-], not byte 0x2f at 1)" },
	{ "connect 1 ''", NULL, NULL },
	{ "disconnect 00 2", NULL, NULL },
	{ "create mixer name=master",
	    "{\"cmd\":\"create_node\",\"type\":\"mixer\",\"args\":{},"
	    "\"name\":\"master\"}", NULL },
	{ "create gain name=12 db=-6",
	    "{\"cmd\":\"create_node\",\"type\":\"gain\",\"args\":"
	    "{\"db\":-6},\"name\":\"12\"}", NULL },
	{ "destroy 5", "{\"cmd\":\"destroy_node\",\"id\":5}", NULL },
	{ "destroy_node 6", "{\"cmd\":\"destroy_node\",\"id\":6}", NULL },
	{ "destroy", NULL, "destroy: expected ID" },
	{ "destroy 1 2", NULL, "destroy: expected ID" },
	{ "destroy x", "{\"cmd\":\"destroy_node\",\"id\":\"x\"}", NULL },
	{ "destroy x!", NULL, NULL },
	{ "set 3 gain=0.5",
	    "{\"cmd\":\"set\",\"id\":3,\"args\":{\"gain\":0.5}}", NULL },
	{ "set 3 gain=-6 mute=true",
	    "{\"cmd\":\"set\",\"id\":3,\"args\":{\"gain\":-6,\"mute\":true}}",
	    NULL },
	{ "set 3", NULL, "set: expected ID key=value ..." },
	{ "set", NULL, "set: expected ID key=value ..." },
	{ "set x a=1", "{\"cmd\":\"set\",\"id\":\"x\",\"args\":{\"a\":1}}",
	    NULL },
	{ "set aplay.1234 db=-12",
	    "{\"cmd\":\"set\",\"id\":\"aplay.1234\",\"args\":{\"db\":-12}}",
	    NULL },
	{ "set 0 a=1", NULL, "set: bad node id '0': expected an integer >= 1 "
	    "or a name" },
	{ "set 3 gain", NULL, "bad argument 'gain': expected key=value" },
	{ "subscribe xrun stats",
	    "{\"cmd\":\"subscribe\",\"events\":[\"xrun\",\"stats\"]}", NULL },
	{ "subscribe", NULL, "subscribe: expected EVENT ..." },
	{ "unsubscribe", "{\"cmd\":\"unsubscribe\"}", NULL },
	{ "unsubscribe state",
	    "{\"cmd\":\"unsubscribe\",\"events\":[\"state\"]}", NULL },
	{ "render 2.5", "{\"cmd\":\"render\",\"seconds\":2.5}", NULL },
	{ "render 10", "{\"cmd\":\"render\",\"seconds\":10}", NULL },
	{ "render", NULL, "render: expected SECONDS" },
	{ "render 0", NULL, "render: bad SECONDS '0': expected a number > 0" },
	{ "render -1", NULL, NULL },
	{ "render abc", NULL, NULL },
	{ "render nan", NULL, NULL },
	{ "foo", NULL, "unknown command 'foo'" },
	{ "Ping", NULL, "unknown command 'Ping'" },
	{ "", NULL, "empty command" },
	{ "   ", NULL, "empty command" },

	/* raw JSON */
	{ "{\"cmd\":\"ping\",\"tag\":1}",
	    "{\"cmd\":\"ping\",\"tag\":1}", NULL },
	{ "  { \"cmd\" : \"list\" , \"x\" : [1, \"a b\"] }  ",
	    "{\"cmd\":\"list\",\"x\":[1,\"a b\"]}", NULL },
	{ "{\"a\":1}", "{\"a\":1}", NULL },
	{ "{\"cmd\":", NULL, NULL },
	{ "{} x", NULL, NULL },
	{ "[1,2]", NULL, "unknown command '[1,2]'" },

	/* quoting */
	{ "create file_sink path=\"/tmp/a b.wav\"",
	    "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":"
	    "{\"path\":\"/tmp/a b.wav\"}}", NULL },
	{ "create x p='/tmp/a b.wav' q=\"it's\" r='say \"hi\"'",
	    "{\"cmd\":\"create_node\",\"type\":\"x\",\"args\":{\"p\":"
	    "\"/tmp/a b.wav\",\"q\":\"it's\",\"r\":\"say \\\"hi\\\"\"}}",
	    NULL },
	{ "create x s=\"a\\\"b\\\\c\\d\" t='a\\b' u=a\\ b v=\"\" w=''",
	    "{\"cmd\":\"create_node\",\"type\":\"x\",\"args\":{\"s\":"
	    "\"a\\\"b\\\\c\\\\d\",\"t\":\"a\\\\b\",\"u\":\"a b\",\"v\":\"\","
	    "\"w\":\"\"}}", NULL },
	{ "create x 'a=b c' \"d\"=e f\"g\"=1",
	    "{\"cmd\":\"create_node\",\"type\":\"x\",\"args\":{\"a\":\"b c\","
	    "\"d\":\"e\",\"fg\":1}}", NULL },
	{ "create x \"a b\"=1", NULL,
	    "bad argument 'a b=1': key must be letters, digits or '_'" },
	{ "create \"x y\"",
	    "{\"cmd\":\"create_node\",\"type\":\"x y\",\"args\":{}}", NULL },
	{ "create x rate=\"48000\"",
	    "{\"cmd\":\"create_node\",\"type\":\"x\",\"args\":"
	    "{\"rate\":48000}}",
	    NULL },
	{ "create x s=\"open", NULL, "unterminated double quote" },
	{ "create x s='open", NULL, "unterminated single quote" },
	{ "\"ping\"", "{\"cmd\":\"ping\"}", NULL },
	{ "''", NULL, "empty command" },
};

static char *
pr(const cJSON *j)
{
	static char buf[2048];
	char *s;

	if (j == NULL)
		return NULL;
	s = cJSON_PrintUnformatted(j);
	snprintf(buf, sizeof(buf), "%s", s);
	cJSON_free(s);
	return buf;
}

static void
test_rows(void)
{
	const struct row *r;
	char err[256];
	cJSON *j;
	size_t i;

	for (i = 0; i < AM_NELEM(rows); i++) {
		r = &rows[i];
		err[0] = '\0';
		j = am_cmd_parse_line(r->line, err, sizeof(err));
		if (r->json != NULL) {
			is_str(pr(j), r->json, "'%s'", r->line);
			if (j == NULL)
				printf("#   error: %s\n", err);
		} else {
			ok(j == NULL, "'%s' is an error", r->line);
			if (r->err != NULL)
				is_str(err, r->err, "'%s' message", r->line);
			else
				ok(err[0] != '\0', "'%s' message: %s",
				    r->line, err);
		}
		cJSON_Delete(j);
	}
}

static void
test_argv(void)
{
	char *const a1[] = { "connect", "1", "2" };
	char *const a2[] = { "{\"cmd\":\"ping\"}", "x" };
	char *const a3[] = { "create", "file_sink", "path=/tmp/a b.wav" };
	char *const a4[] = { "{\"cmd\":\"ping\"}" };
	char err[256];
	cJSON *j;

	j = am_cmd_parse(3, a1, err, sizeof(err));
	is_str(pr(j), "{\"cmd\":\"connect\",\"from\":1,\"to\":2}", "argv");
	cJSON_Delete(j);
	j = am_cmd_parse(2, a2, err, sizeof(err));
	ok(j == NULL, "JSON must be the only word");
	is_str(err, "a JSON request must be the only argument", "message");
	j = am_cmd_parse(3, a3, err, sizeof(err));
	is_str(pr(j), "{\"cmd\":\"create_node\",\"type\":\"file_sink\","
	    "\"args\":{\"path\":\"/tmp/a b.wav\"}}", "argv word with blank");
	cJSON_Delete(j);
	j = am_cmd_parse(1, a4, err, sizeof(err));
	is_str(pr(j), "{\"cmd\":\"ping\"}", "argv JSON");
	cJSON_Delete(j);
	j = am_cmd_parse(0, a4, err, sizeof(err));
	ok(j == NULL, "argc 0");
	is_str(err, "empty command", "argc 0 message");
	j = am_cmd_parse(1, a4, NULL, 0);
	ok(j != NULL, "NULL err buffer is fine");
	cJSON_Delete(j);
	j = am_cmd_parse(2, a2, NULL, 0);
	ok(j == NULL, "NULL err buffer on error");
}

struct srow {
	const char *line;
	int rc;
	const char *bind;
	const char *json;	/* rc 1: request; rc -1: message */
};

/* Run in order on one script; "tone" and "mix" get ids 1 and 2. */
static const struct srow srows[] = {
	{ "# comment", 0, "", NULL },
	{ "   ", 0, "", NULL },
	{ "", 0, "", NULL },
	{ "  # {\"cmd\":\"ping\"}", 0, "", NULL },
	{ "ping # trailing comment", 1, "", "{\"cmd\":\"ping\"}" },
	{ "ping#tight", 1, "", "{\"cmd\":\"ping\"}" },
	{ "tone = create tone freq=440 # a comment", 1, "tone",
	    "{\"cmd\":\"create_node\",\"type\":\"tone\",\"args\":"
	    "{\"freq\":440}}" },
	{ "mix=create mixer", 1, "mix",
	    "{\"cmd\":\"create_node\",\"type\":\"mixer\",\"args\":{}}" },
	{ "connect $tone ${mix}", 1, "",
	    "{\"cmd\":\"connect\",\"from\":1,\"to\":2}" },
	{ "connect $tone $nope", -1, "", "unknown variable $nope" },
	{ "connect ${nope} 1", -1, "", "unknown variable $nope" },
	{ "connect ${tone 1", -1, "", "bad variable reference '${tone'" },
	{ "connect ${} 1", -1, "", "bad variable reference '${'" },
	{ "set $tone name=\"a # not a comment\" x='$tone' y=\"$tone\"", 1, "",
	    "{\"cmd\":\"set\",\"id\":1,\"args\":"
	    "{\"name\":\"a # not a comment\","
	    "\"x\":\"$tone\",\"y\":1}}" },
	{ "set ${tone} p=\\$tone q=$ r=a$ s=$1 t=\"\\$mix\" u=a\\#b", 1, "",
	    "{\"cmd\":\"set\",\"id\":1,\"args\":{\"p\":\"$tone\",\"q\":\"$\","
	    "\"r\":\"a$\",\"s\":\"$1\",\"t\":\"$mix\",\"u\":\"a#b\"}}" },
	{ "set $tone path=/x/${mix}_$tone.wav", 1, "",
	    "{\"cmd\":\"set\",\"id\":1,\"args\":{\"path\":\"/x/2_1.wav\"}}" },
	{ "{\"cmd\":\"connect\",\"from\":$tone,\"to\":${mix},\"tag\":\"#1\"}",
	    1, "",
	    "{\"cmd\":\"connect\",\"from\":1,\"to\":2,\"tag\":\"#1\"}" },
	{ "  {\"cmd\":\"x\",\"s\":\"'$mix'\"} # not a comment in JSON", -1, "",
	    NULL },
	{ "{\"cmd\":\"x\",\"s\":\"$nope\"}", -1, "", "unknown variable $nope" },
	{ "g = {\"cmd\":\"create_node\",\"type\":\"gain\"}", 1, "g",
	    "{\"cmd\":\"create_node\",\"type\":\"gain\"}" },
	{ "x = ", -1, "", "x: expected a command after '='" },
	{ "x = # only a comment", -1, "", "x: expected a command after '='" },
	{ "x = bar", -1, "", "unknown command 'bar'" },
	{ "x = connect $none 1", -1, "", "unknown variable $none" },
	{ "_a9 =\tping", 1, "_a9", "{\"cmd\":\"ping\"}" },
	{ "9a = ping", -1, "", "unknown command '9a'" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = "
	    "ping", -1, "", NULL },
	{ "connect 'a", -1, "", "unterminated single quote" },

	/* lines as fgets(3) returns them */
	{ "connect $tone ${mix}\n", 1, "",
	    "{\"cmd\":\"connect\",\"from\":1,\"to\":2}" },
	{ "ping\r\n", 1, "", "{\"cmd\":\"ping\"}" },
	{ "# comment\n", 0, "", NULL },
	{ "\n", 0, "", NULL },
	{ "y = create gain # c\n", 1, "y",
	    "{\"cmd\":\"create_node\",\"type\":\"gain\",\"args\":{}}" },
	{ "{\"cmd\":\"destroy_node\",\"id\":$mix}\n", 1, "",
	    "{\"cmd\":\"destroy_node\",\"id\":2}" },
	{ "x =\n", -1, "", "x: expected a command after '='" },
};

/* The line with \r and \n made visible, for test descriptions. */
static const char *
vis(const char *s)
{
	static char buf[512];
	size_t n = 0;

	for (; *s != '\0' && n < sizeof(buf) - 3; s++) {
		if (*s == '\n' || *s == '\r') {
			buf[n++] = '\\';
			buf[n++] = *s == '\n' ? 'n' : 'r';
		} else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static void
test_script(void)
{
	const struct srow *r;
	struct am_script s;
	char bind[AM_SCRIPT_NAME_MAX], err[256], name[80];
	const char *line;
	cJSON *req;
	size_t i;
	int rc;

	am_script_init(&s);
	for (i = 0; i < AM_NELEM(srows); i++) {
		r = &srows[i];
		if (strcmp(r->line, "connect $tone ${mix}") == 0) {
			/* what the caller does with the replies' ids */
			is_int(am_script_bind(&s, "tone", 1), 0, "bind tone");
			is_int(am_script_bind(&s, "mix", 2), 0, "bind mix");
		}
		strcpy(bind, "junk");
		err[0] = '\0';
		rc = am_script_line(&s, r->line, &req, bind, sizeof(bind),
		    err, sizeof(err));
		line = vis(r->line);
		is_int(rc, r->rc, "script '%s' rc", line);
		if (rc < 0 && r->rc >= 0)
			printf("#   error: %s\n", err);
		is_str(bind, r->bind, "script '%s' bind", line);
		if (r->rc == 1)
			is_str(pr(req), r->json, "script '%s' request", line);
		else if (r->rc == -1 && r->json != NULL)
			is_str(err, r->json, "script '%s' message", line);
		else if (r->rc == -1)
			ok(err[0] != '\0', "script '%s' message: %s", line,
			    err);
		else
			ok(req == NULL, "script '%s' no request", line);
		cJSON_Delete(req);
	}

	/* Rebinding replaces. */
	is_int(am_script_bind(&s, "tone", 7), 0, "rebind tone");
	rc = am_script_line(&s, "destroy $tone", &req, bind, sizeof(bind),
	    err, sizeof(err));
	is_str(pr(req), "{\"cmd\":\"destroy_node\",\"id\":7}", "rebound id");
	cJSON_Delete(req);

	/* A bind buffer too small for the name is an error, not a cut. */
	rc = am_script_line(&s, "abcdef = ping", &req, bind, 4, err,
	    sizeof(err));
	ok(rc == -1 && req == NULL, "bind buffer too small: %s", err);

	is_int(am_script_bind(&s, "", 1), -EINVAL, "bind ''");
	is_int(am_script_bind(&s, "1a", 1), -EINVAL, "bind '1a'");
	is_int(am_script_bind(&s, "a-b", 1), -EINVAL, "bind 'a-b'");
	memset(name, 'n', sizeof(name));
	name[AM_SCRIPT_NAME_MAX] = '\0';
	is_int(am_script_bind(&s, name, 1), -ENAMETOOLONG, "bind 64 chars");
	name[AM_SCRIPT_NAME_MAX - 1] = '\0';
	is_int(am_script_bind(&s, name, 1), 0, "bind 63 chars");

	am_script_init(&s);
	is_int(s.nvars, 0, "init empties");
	for (i = 0; i < AM_SCRIPT_VAR_MAX; i++) {
		snprintf(name, sizeof(name), "v%zu", i);
		if (am_script_bind(&s, name, (long)i + 1) != 0)
			break;
	}
	is_int(i, AM_SCRIPT_VAR_MAX, "%d bindings fit", AM_SCRIPT_VAR_MAX);
	is_int(am_script_bind(&s, "one_more", 1), -ENOSPC, "table full");
	is_int(am_script_bind(&s, "v3", 99), 0, "rebind when full");
	rc = am_script_line(&s, "connect $v3 ${v255}", &req, NULL, 0, err,
	    sizeof(err));
	is_str(pr(req), "{\"cmd\":\"connect\",\"from\":99,\"to\":256}",
	    "substitution from a full table");
	cJSON_Delete(req);
	rc = am_script_line(&s, "x = ping", &req, NULL, 0, err, sizeof(err));
	is_int(rc, -1, "binding with no bind buffer is an error");
}

int
main(void)
{
	test_rows();
	test_argv();
	test_script();
	return t_done();
}
