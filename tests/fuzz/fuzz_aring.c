/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: app ring validation. The input becomes the whole
 * content of a sealed memfd, as a hostile client would pass it; the
 * engine side attaches it (every header field checked), then reads what
 * the counters claim, as the RT side would. Nothing may read or write
 * outside the mapping.
 */

#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "aring.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[1 << 16];
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
