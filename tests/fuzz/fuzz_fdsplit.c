/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: which request line passed descriptors belong to.
 * The input chooses the lines, how many descriptors each carries, where
 * the bytes are cut into sendmsg calls and when the reader pauses (a
 * full reply queue); the harness (tests/unit/fdsplit.h) sends them over
 * a real socketpair and reads them back the way the daemon does
 * (am_sock_recv, am_lbuf, am_fdq). Any line that gets another's
 * descriptor, any lost or leaked descriptor, aborts.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/fdsplit.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];

	if (size > 8192)
		return 0;
	if (fdsplit_run(data, size, why, sizeof(why)) < 0) {
		fprintf(stderr, "fdsplit: %s\n", why);
		abort();
	}
	return 0;
}
