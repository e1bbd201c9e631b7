/* SPDX-License-Identifier: MIT */
/*
 * The backends this build has, found by name. ALSA and JACK are built
 * unless WITH_ALSA=0 or WITH_JACK=0; null is always there. Control
 * thread only.
 */

#include <stddef.h>
#include <string.h>

#include "backend.h"
#include "util.h"

static const struct backend_ops *const backends[] = {
#if WITH_ALSA
	&backend_alsa_ops,
#endif
#if WITH_JACK
	&backend_jack_ops,
#endif
	&backend_null_ops,
};

/* The backend of a name, or NULL when this build has none by it. */
const struct backend_ops *
backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < AM_NELEM(backends); i++) {
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	}
	return NULL;
}
