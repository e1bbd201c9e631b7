/* SPDX-License-Identifier: MIT */
/*
 * sniff: is the input a sound file? Its first CAT_PEEK bytes are
 * compared with the magic of the containers libsndfile reads (WAV,
 * RF64, FLAC, AIFF, Ogg, AU, CAF) without being consumed: pread(2) on
 * a file, tee(2) into a scratch pipe on a pipe, so raw PCM loses
 * nothing. A sound file is opened through libsndfile and sets the
 * stream's rate and channels (float samples); anything else is raw,
 * described by -r -c -f. FLAC on a pipe is refused: libsndfile seeks
 * in it. One thread.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "amcat.h"
#include "log.h"

/*
 * Recognise a sound file by its first bytes without consuming them:
 * pread on a file, tee(2) into a scratch pipe on a pipe. 1 with the
 * input opened through libsndfile, 0 for raw, -1 on error.
 */
int
cat_sniff(struct cat *c)
{
	static const char *const magics[] = {
		"RIFF", "RF64", "fLaC", "FORM", "OggS", ".snd", "caff", NULL
	};
	unsigned char buf[CAT_PEEK];
	struct stat st;
	struct timespec ms = { 0, 1000000 };
	struct pollfd pfd;
	SF_INFO info;
	ssize_t n = 0;
	int pp[2], i;

	if (fstat(c->in, &st) < 0)
		return 0;
	if (S_ISREG(st.st_mode))
		n = pread(c->in, buf, sizeof(buf), lseek(c->in, 0, SEEK_CUR));
	else if (S_ISFIFO(st.st_mode) && pipe(pp) == 0) {
		/*
		 * tee copies what the pipe holds, consuming nothing; wait
		 * for the writer until there are 4 bytes or the end.
		 */
		while (!cat_quit) {
			n = tee(c->in, pp[1], sizeof(buf), SPLICE_F_NONBLOCK);
			if (n >= (ssize_t)sizeof(buf) || n == 0 ||
			    (n < 0 && errno != EAGAIN))
				break;
			if (n > 0 && read(pp[0], buf, (size_t)n) == n)
				nanosleep(&ms, NULL);	/* 1-3 bytes so far */
			else {
				pfd.fd = c->in;
				pfd.events = POLLIN;
				poll(&pfd, 1, -1);
			}
		}
		if (n >= (ssize_t)sizeof(buf))
			n = read(pp[0], buf, sizeof(buf));
		close(pp[0]);
		close(pp[1]);
	}
	if (n < (ssize_t)sizeof(buf))
		return 0;
	for (i = 0; magics[i] != NULL; i++) {
		if (memcmp(buf, magics[i], sizeof(buf)) == 0)
			break;
	}
	if (magics[i] == NULL)
		return 0;
	if (S_ISFIFO(st.st_mode) && i == 2) {
		/* libsndfile seeks in FLAC and loses sync on a pipe. */
		am_warn("FLAC cannot be read from a pipe: give "
		    "the file name, or decode it first (flac -dc)");
		return -1;
	}
	memset(&info, 0, sizeof(info));
	c->sf = sf_open_fd(c->in, SFM_READ, &info, 0);
	if (c->sf == NULL) {
		am_warn("cannot read the input: %s",
		    sf_strerror(NULL));
		return -1;
	}
	if (info.channels < 1 || info.channels > AM_ARING_CHAN_MAX ||
	    info.samplerate < AM_ARING_RATE_MIN ||
	    info.samplerate > AM_ARING_RATE_MAX) {
		am_warn("the input has %d channels at %d Hz; "
		    "amcat plays 1 or 2 channels at %u to %u Hz",
		    info.channels, info.samplerate, AM_ARING_RATE_MIN,
		    AM_ARING_RATE_MAX);
		return -1;
	}
	c->channels = (uint32_t)info.channels;
	c->rate = (uint32_t)info.samplerate;
	c->format = AM_ARING_F32;
	return 1;
}
