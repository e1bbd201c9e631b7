/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: app ring validation. The input becomes the whole
 * content of a sealed memfd, as a hostile client would pass it; the
 * engine side attaches it (every header field checked), then reads what
 * the counters claim, as the RT side would. Nothing may read or write
 * outside the mapping, and a ring that attaches has a channel count and
 * a layout the engine can use (1 to 64 channels, a valid position each,
 * none twice): seeds in corpus/aring carry 1, 8 and 64 channels, 0 and
 * 65, and layouts that do not match their channels.
 */

#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "aring.h"

/* Abort unless r's layout is one the engine can use. */
static void
fuzz_layout(const struct am_aring *r)
{
	uint8_t seen[AM_POS_END] = { 0 };
	uint32_t i, p;

	if (r->channels < 1 || r->channels > AM_ARING_CHAN_MAX ||
	    r->layout.n != r->channels)
		abort();
	for (i = 0; i < r->layout.n; i++) {
		p = r->layout.pos[i];
		if (p == 0 || p >= AM_POS_END || am_pos_name((int)p) == NULL ||
		    (seen[p]++ && p != AM_POS_NA))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[1024 * AM_ARING_CHAN_MAX * 4];
	struct am_aring r;
	char err[256];
	uint32_t frames, i;
	int fd;

	if (size > (1 << 20))
		return 0;
	fd = memfd_create("fuzz-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
	if (am_aring_attach(&r, fd, 0, err, sizeof(err)) == 0) {
		fuzz_layout(&r);
		for (i = 0; i < 4; i++) {
			if (am_aring_avail(&r, &frames) < 0) {
				am_aring_resync(&r);
				continue;
			}
			am_aring_read(&r, buf, frames < 1024 ? frames : 1024);
		}
		am_aring_detach(&r);
	}
	close(fd);
	return 0;
}
