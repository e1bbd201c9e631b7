/* SPDX-License-Identifier: MIT */
/*
 * sniff: is the input a sound file? Its first CAT_PEEK bytes are
 * compared with the magic of the containers libsndfile reads (WAV,
 * RF64, FLAC, AIFF, Ogg, AU, CAF) without being consumed: pread(2) on
 * a file, tee(2) into a scratch pipe on a pipe, so raw PCM loses
 * nothing. A sound file is opened through libsndfile and sets the
 * stream's rate, channels (float samples) and, unless --layout says,
 * their positions as the file names them (a WAVE_FORMAT_EXTENSIBLE
 * channel mask, CAF or AIFF channel layouts: libsndfile's channel map,
 * taken when it is a valid layout); anything else is raw, described by
 * -r -c -f --layout. FLAC on a pipe is refused: libsndfile seeks
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

/* libsndfile's SF_CHANNEL_MAP_* (0 to 22) as positions (lib/chlayout). */
static const uint8_t cat_sf_pos[] = {
	0, AM_POS_MONO, AM_POS_FL, AM_POS_FR, AM_POS_FC, AM_POS_FL,
	AM_POS_FR, AM_POS_FC, AM_POS_RC, AM_POS_RL, AM_POS_RR, AM_POS_LFE,
	AM_POS_FLC, AM_POS_FRC, AM_POS_SL, AM_POS_SR, AM_POS_TC, AM_POS_TFL,
	AM_POS_TFR, AM_POS_TFC, AM_POS_TRL, AM_POS_TRR, AM_POS_TRC
};

/*
 * The positions of the file's channels, from libsndfile's channel map
 * when it has one that makes a valid layout; else left as they are.
 */
static void
cat_sniff_layout(struct cat *c)
{
	int map[AM_ARING_CHAN_MAX];
	uint8_t pos[AM_ARING_CHAN_MAX];
	struct am_layout l;
	char err[64];
	uint32_t i;

	memset(pos, 0, sizeof(pos));
	if (c->have_layout || sf_command(c->sf, SFC_GET_CHANNEL_MAP_INFO,
	    map, (int)(c->channels * sizeof(map[0]))) != SF_TRUE)
		return;
	for (i = 0; i < c->channels; i++) {
		if (map[i] <= 0 || map[i] >= (int)sizeof(cat_sf_pos))
			return;
		pos[i] = cat_sf_pos[map[i]];
	}
	if (am_aring_layout_check(pos, c->channels, &l, err,
	    sizeof(err)) == 0) {
		c->layout = l;
		c->have_layout = 1;
	}
}

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
		    "amcat plays 1 to %u channels at %u to %u Hz",
		    info.channels, info.samplerate, AM_ARING_CHAN_MAX,
		    AM_ARING_RATE_MIN, AM_ARING_RATE_MAX);
		return -1;
	}
	c->channels = (uint32_t)info.channels;
	c->rate = (uint32_t)info.samplerate;
	c->format = AM_ARING_F32;
	cat_sniff_layout(c);
	return 1;
}
