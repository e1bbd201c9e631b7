/* SPDX-License-Identifier: MIT */
/*
 * libsndfile, loaded when the first file node is made rather than when
 * amixd starts: with its codecs (FLAC, Vorbis, Opus, mpg123, LAME) it
 * costs several milliseconds of dynamic loading on every start. As in
 * dl_jack.c, each function amixd calls is defined with libsndfile's own
 * prototype and forwards through a pointer that dl_sndfile_load fills.
 * Only the control thread and the file nodes' own threads, started
 * after the load, call them; the real-time thread never does.
 */

#include <pthread.h>
#include <stdio.h>

#include <sndfile.h>

#include "dl.h"

#define DL_SNDFILE_SONAME	"libsndfile.so.1"

/* X(return type, name, parameters, arguments): forwarded as is. */
#define DL_SNDFILE_FUNCS \
	X(SNDFILE *, sf_open_fd, (int fd, int mode, SF_INFO *info, \
	    int close_desc), (fd, mode, info, close_desc)) \
	X(int, sf_close, (SNDFILE *sf), (sf)) \
	X(int, sf_command, (SNDFILE *sf, int cmd, void *data, int size), \
	    (sf, cmd, data, size)) \
	X(int, sf_format_check, (const SF_INFO *info), (info)) \
	X(sf_count_t, sf_readf_float, (SNDFILE *sf, float *p, \
	    sf_count_t n), (sf, p, n)) \
	X(sf_count_t, sf_readf_short, (SNDFILE *sf, short *p, \
	    sf_count_t n), (sf, p, n)) \
	X(sf_count_t, sf_writef_float, (SNDFILE *sf, const float *p, \
	    sf_count_t n), (sf, p, n)) \
	X(sf_count_t, sf_writef_short, (SNDFILE *sf, const short *p, \
	    sf_count_t n), (sf, p, n)) \
	X(sf_count_t, sf_writef_int, (SNDFILE *sf, const int *p, \
	    sf_count_t n), (sf, p, n)) \
	X(sf_count_t, sf_seek, (SNDFILE *sf, sf_count_t n, int whence), \
	    (sf, n, whence)) \
	X(const char *, sf_strerror, (SNDFILE *sf), (sf))

static struct dl_sndfile {
#define X(ret, name, params, args) ret (*name) params;
	DL_SNDFILE_FUNCS
#undef X
	void (*sf_write_sync)(SNDFILE *sf);
} dl_sndfile;

static pthread_once_t dl_sndfile_once = PTHREAD_ONCE_INIT;
static char dl_sndfile_err[256];	/* empty: loaded */

static void
dl_sndfile_open(void)
{
	static const struct dl_sym syms[] = {
#define X(ret, name, params, args) { #name, &dl_sndfile.name },
		DL_SNDFILE_FUNCS
		X(void, sf_write_sync, (), ())
#undef X
	};

	dl_resolve(DL_SNDFILE_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
	    dl_sndfile_err, sizeof(dl_sndfile_err));
}

int
dl_sndfile_load(char *err, size_t errlen)
{
	pthread_once(&dl_sndfile_once, dl_sndfile_open);
	if (dl_sndfile_err[0] == '\0')
		return 0;
	snprintf(err, errlen, "files: %s", dl_sndfile_err);
	return -1;
}

#define X(ret, name, params, args) ret name params \
	{ return dl_sndfile.name args; }
DL_SNDFILE_FUNCS
#undef X

void
sf_write_sync(SNDFILE *sf)
{
	dl_sndfile.sf_write_sync(sf);
}
