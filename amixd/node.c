/* SPDX-License-Identifier: MIT */
/*
 * The registry of node types. Each type lives in its own node_<type>.c
 * and exports one struct node_ops; this file finds them by name. Types
 * of a later phase are listed so a request for one gets a clear
 * "unsupported" answer instead of "unknown". Control thread only.
 */

#include <stddef.h>
#include <string.h>

#include "node.h"
#include "util.h"

static const struct node_ops *const node_registry[] = {
	&node_tone_ops,
	&node_gain_ops,
	&node_mixer_ops,
	&node_device_sink_ops,
	&node_device_source_ops,
	&node_file_sink_ops,
	&node_file_source_ops,
	&node_app_source_ops,
	&node_app_sink_ops,
	&node_resample_ops,
	&node_cpu_load_ops,
};

/* The ops of a type name, or NULL. */
const struct node_ops *
node_ops_find(const char *type)
{
	size_t i;

	for (i = 0; i < AM_NELEM(node_registry); i++) {
		/* every request handler keeps NODE_ARG_MAX values */
		if (node_registry[i]->nargs > NODE_ARG_MAX)
			panic("%s: %d arguments, more than NODE_ARG_MAX",
			    node_registry[i]->type, node_registry[i]->nargs);
		if (strcmp(node_registry[i]->type, type) == 0)
			return node_registry[i];
	}
	return NULL;
}

/* The names of the types this build runs, for error messages. */
const char *
node_types(void)
{
	return "tone, gain, mixer, resample, device_sink, device_source, "
	    "file_sink, file_source, app_source, app_sink, cpu_load";
}

/* Index of an argument in the type's table, or -1. */
int
node_arg_find(const struct node_ops *ops, const char *name)
{
	int i;

	for (i = 0; i < ops->nargs; i++) {
		if (strcmp(ops->args[i].name, name) == 0)
			return i;
	}
	return -1;
}
