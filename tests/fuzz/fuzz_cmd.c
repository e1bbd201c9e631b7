/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the control protocol as a client sees it. The input
 * is split into lines by the same assembler the daemon uses (am_lbuf),
 * each line parsed as the daemon parses it and handed to cmd_dispatch on
 * a live engine (null backend, stopped). Every reply must be a JSON
 * object with "ok". "start" and "render" are skipped: they would run
 * audio for as long as the input asks, which is not what is fuzzed here.
 * The graph is emptied after each input, so inputs do not pile up.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "engine.h"
#include "ev.h"
#include "events.h"
#include "log.h"
#include "policy.h"
#include "proto.h"

static struct engine fz_engine;

static void
fz_init(void)
{
	struct dev_config dev;
	char err[256];

	am_log_level = -1;
	policy_init();
	policy_dir("/tmp", err, sizeof(err));
	memset(&dev, 0, sizeof(dev));
	strcpy(dev.name, "default");
	dev.rate = 48000;
	dev.channels = 2;
	dev.period = 128;
	dev.periods = 2;
	if (engine_init(&fz_engine, &backend_null_ops, &dev) < 0)
		abort();
	cmd_init(&fz_engine, 0);
	events_init(&fz_engine);
}

static void
fz_line(const char *line, size_t len)
{
	const cJSON *cmd;
	cJSON *req, *reply;

	if (memchr(line, '\0', len) != NULL)
		return;
	req = cJSON_ParseWithLengthOpts(line, len + 1, NULL, 1);
	if (req == NULL)
		return;
	cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	if (cJSON_IsObject(req) && !(cJSON_IsString(cmd) &&
	    (strcmp(cmd->valuestring, "start") == 0 ||
	    strcmp(cmd->valuestring, "render") == 0))) {
		reply = cmd_dispatch(NULL, req);
		if (!cJSON_IsObject(reply) ||
		    !cJSON_IsBool(cJSON_GetObjectItem(reply, "ok")))
			abort();
		cJSON_Delete(reply);
	}
	cJSON_Delete(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct am_lbuf lb;
	size_t off = 0, avail, n;
	char *p, *line;
	size_t len;
	int rc;

	if (!ready) {
		fz_init();
		ready = 1;
	}
	am_lbuf_init(&lb);
	while (off < size) {
		p = am_lbuf_space(&lb, &avail);
		n = size - off < avail ? size - off : avail;
		memcpy(p, data + off, n);
		am_lbuf_commit(&lb, n);
		off += n;
		while ((rc = am_lbuf_next(&lb, &line, &len)) != 0) {
			if (rc == 1)
				fz_line(line, len);
		}
	}
	am_lbuf_done(&lb);
	/* Each input starts from an empty graph with ids from 1. */
	while (fz_engine.graph.nodes != NULL)
		engine_retire(&fz_engine, graph_remove(&fz_engine.graph,
		    fz_engine.graph.nodes->id));
	fz_engine.graph.next_id = 1;
	engine_commit(&fz_engine);
	return 0;
}
