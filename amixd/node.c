/* SPDX-License-Identifier: MIT */
/*
 * The registry of node types. Each type lives in its own file,
 * amixd/nodes/<type>.c, that describes itself in one struct node_ops
 * (name, argument table, flags, hooks) named node_<type>_ops; this file
 * lists them, once, and finds them by name. Adding a type is that file
 * and one line in NODE_TYPES (GNUmakefile builds every file in nodes/).
 * Control thread only.
 */

#include <stddef.h>
#include <string.h>

#include "node.h"
#include "util.h"

/* Every node type, in the order node_types names them. */
#define NODE_TYPES(X)							\
	X(tone)								\
	X(gain)		/* nodes/gain.c */				\
	X(mixer)	/* nodes/gain.c: the same code */		\
	X(resample)							\
	X(device_sink)	/* nodes/device.c */				\
	X(device_source) /* nodes/device.c */				\
	X(file_sink)							\
	X(file_source)							\
	X(app_source)	/* nodes/app.c */				\
	X(app_sink)	/* nodes/app.c */				\
	X(cpu_load)							\
	X(channel_map)

#define NODE_DECLARE(t)	extern const struct node_ops node_##t##_ops;
#define NODE_ENTRY(t)	&node_##t##_ops,
#define NODE_NAME(t)	", " #t

NODE_TYPES(NODE_DECLARE)

static const struct node_ops *const node_registry[] = {
	NODE_TYPES(NODE_ENTRY)
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
	/* ", tone, gain, ...": skip the first ", " */
	return &NODE_TYPES(NODE_NAME)[2];
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
