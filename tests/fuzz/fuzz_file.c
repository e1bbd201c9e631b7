/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: opening audio files. The input is written to a file
 * that a file_source node is then created on, as create_node would: a
 * corrupt, truncated or absurd file must be refused with a message or
 * play, never crash. Nodes that open are torn down at once.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "node.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	const struct node_ops *ops = node_ops_find("file_source");
	struct node_val v[NODE_ARG_MAX];
	char err[256];
	void *st;
	FILE *fp;
	int i;

	if (path[0] == '\0') {
		am_log_level = -1;
		snprintf(path, sizeof(path), "/tmp/fuzz-file.%d", getpid());
	}
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	memset(v, 0, sizeof(v));
	for (i = 0; i < ops->nargs; i++)
		v[i].num = ops->args[i].def;
	v[0].str = path;
	st = calloc(1, ops->size);
	if (ops->init(st, v, 48000, err, sizeof(err)) == 0)
		ops->done(st);
	free(st);
	unlink(path);
	return 0;
}
