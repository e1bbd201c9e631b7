/* SPDX-License-Identifier: MIT */
/*
 * libasound, loaded when the ALSA backend first opens a PCM rather than
 * when amixd starts. Linked, it is the largest part of amixd's dynamic
 * loading: about 3,200 relocations (800 of them symbol look-ups, more
 * than all the other libraries together) on every start, also for the
 * null and JACK backends and offline renders, which never use it. As
 * in dl_jack.c, each ALSA function amixd calls is defined here with
 * alsa-lib's own prototype (from <alsa/asoundlib.h>, so the compiler
 * checks them) and forwards through a pointer dl_alsa_load fills; the
 * linker then finds no need for libasound (-Wl,--as-needed). dlsym
 * gives each symbol's default version, the one the header declares and
 * a link would bind (ALSA_0.9.0rc4 for the hw_params getters and _near
 * setters, whose ALSA_0.9 versions have other prototypes).
 *
 * No change in the backend: its first call on every open is
 * snd_lib_error_set_handler, then snd_pcm_open, and every other call
 * takes the snd_pcm_t that only a successful snd_pcm_open gives. Those
 * two load the library (pthread_once, control thread); when it cannot
 * be loaded snd_pcm_open fails with -ELIBACC and snd_strerror gives the
 * reason ("alsa: cannot load libasound.so.2: ..."), which the backend
 * puts in its error as it does any of alsa-lib's.
 *
 * The real-time thread's calls (snd_pcm_writei, snd_pcm_avail_update,
 * snd_pcm_poll_descriptors_revents, ...) cost one indirect call: no
 * lock, no allocation, no check. The pointers are written once, before
 * the first PCM is open, and only read afterwards; the thread that uses
 * them is created after (pthread_create orders the writes before it).
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include <alsa/asoundlib.h>

#include "dl.h"

#define DL_ALSA_SONAME	"libasound.so.2"

/* X(return type, name, parameters, arguments): forwarded as is. */
#define DL_ALSA_FUNCS \
	X(int, snd_pcm_close, (snd_pcm_t *p), (p)) \
	X(int, snd_pcm_drop, (snd_pcm_t *p), (p)) \
	X(int, snd_pcm_prepare, (snd_pcm_t *p), (p)) \
	X(int, snd_pcm_start, (snd_pcm_t *p), (p)) \
	X(int, snd_pcm_resume, (snd_pcm_t *p), (p)) \
	X(snd_pcm_state_t, snd_pcm_state, (snd_pcm_t *p), (p)) \
	X(snd_pcm_sframes_t, snd_pcm_avail, (snd_pcm_t *p), (p)) \
	X(snd_pcm_sframes_t, snd_pcm_avail_update, (snd_pcm_t *p), (p)) \
	X(snd_pcm_sframes_t, snd_pcm_writei, (snd_pcm_t *p, \
	    const void *buf, snd_pcm_uframes_t n), (p, buf, n)) \
	X(snd_pcm_sframes_t, snd_pcm_readi, (snd_pcm_t *p, void *buf, \
	    snd_pcm_uframes_t n), (p, buf, n)) \
	X(snd_pcm_sframes_t, snd_pcm_mmap_writei, (snd_pcm_t *p, \
	    const void *buf, snd_pcm_uframes_t n), (p, buf, n)) \
	X(snd_pcm_sframes_t, snd_pcm_mmap_readi, (snd_pcm_t *p, void *buf, \
	    snd_pcm_uframes_t n), (p, buf, n)) \
	X(int, snd_pcm_poll_descriptors, (snd_pcm_t *p, struct pollfd *pfds, \
	    unsigned int n), (p, pfds, n)) \
	X(int, snd_pcm_poll_descriptors_revents, (snd_pcm_t *p, \
	    struct pollfd *pfds, unsigned int n, unsigned short *revents), \
	    (p, pfds, n, revents)) \
	X(size_t, snd_pcm_hw_params_sizeof, (void), ()) \
	X(int, snd_pcm_hw_params, (snd_pcm_t *p, snd_pcm_hw_params_t *h), \
	    (p, h)) \
	X(int, snd_pcm_hw_params_any, (snd_pcm_t *p, snd_pcm_hw_params_t *h), \
	    (p, h)) \
	X(int, snd_pcm_hw_params_test_format, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, snd_pcm_format_t f), (p, h, f)) \
	X(int, snd_pcm_hw_params_set_access, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, snd_pcm_access_t a), (p, h, a)) \
	X(int, snd_pcm_hw_params_set_format, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, snd_pcm_format_t f), (p, h, f)) \
	X(int, snd_pcm_hw_params_set_channels_near, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, unsigned int *v), (p, h, v)) \
	X(int, snd_pcm_hw_params_set_rate, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, unsigned int v, int dir), (p, h, v, dir)) \
	X(int, snd_pcm_hw_params_set_rate_near, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, unsigned int *v, int *dir), \
	    (p, h, v, dir)) \
	X(int, snd_pcm_hw_params_set_period_size, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, snd_pcm_uframes_t v, int dir), \
	    (p, h, v, dir)) \
	X(int, snd_pcm_hw_params_set_period_size_near, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, snd_pcm_uframes_t *v, int *dir), \
	    (p, h, v, dir)) \
	X(int, snd_pcm_hw_params_set_periods_near, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, unsigned int *v, int *dir), \
	    (p, h, v, dir)) \
	X(int, snd_pcm_hw_params_set_periods_integer, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h), (p, h)) \
	X(int, snd_pcm_hw_params_get_rate_min, \
	    (const snd_pcm_hw_params_t *h, unsigned int *v, int *dir), \
	    (h, v, dir)) \
	X(int, snd_pcm_hw_params_get_rate_max, \
	    (const snd_pcm_hw_params_t *h, unsigned int *v, int *dir), \
	    (h, v, dir)) \
	X(int, snd_pcm_hw_params_get_period_size_min, \
	    (const snd_pcm_hw_params_t *h, snd_pcm_uframes_t *v, int *dir), \
	    (h, v, dir)) \
	X(int, snd_pcm_hw_params_get_period_size_max, \
	    (const snd_pcm_hw_params_t *h, snd_pcm_uframes_t *v, int *dir), \
	    (h, v, dir)) \
	X(int, snd_pcm_hw_params_get_buffer_size, \
	    (const snd_pcm_hw_params_t *h, snd_pcm_uframes_t *v), (h, v)) \
	X(size_t, snd_pcm_sw_params_sizeof, (void), ()) \
	X(int, snd_pcm_sw_params, (snd_pcm_t *p, snd_pcm_sw_params_t *s), \
	    (p, s)) \
	X(int, snd_pcm_sw_params_current, (snd_pcm_t *p, \
	    snd_pcm_sw_params_t *s), (p, s)) \
	X(int, snd_pcm_sw_params_get_boundary, \
	    (const snd_pcm_sw_params_t *s, snd_pcm_uframes_t *v), (s, v)) \
	X(int, snd_pcm_sw_params_set_avail_min, (snd_pcm_t *p, \
	    snd_pcm_sw_params_t *s, snd_pcm_uframes_t v), (p, s, v)) \
	X(int, snd_pcm_sw_params_set_start_threshold, (snd_pcm_t *p, \
	    snd_pcm_sw_params_t *s, snd_pcm_uframes_t v), (p, s, v)) \
	X(int, snd_pcm_sw_params_set_stop_threshold, (snd_pcm_t *p, \
	    snd_pcm_sw_params_t *s, snd_pcm_uframes_t v), (p, s, v)) \
	X(int, snd_pcm_hw_params_set_channels, (snd_pcm_t *p, \
	    snd_pcm_hw_params_t *h, unsigned int v), (p, h, v)) \
	X(int, snd_pcm_hw_params_get_channels_min, \
	    (const snd_pcm_hw_params_t *h, unsigned int *v), (h, v)) \
	X(int, snd_pcm_hw_params_get_channels_max, \
	    (const snd_pcm_hw_params_t *h, unsigned int *v), (h, v)) \
	X(snd_pcm_chmap_query_t **, snd_pcm_query_chmaps, (snd_pcm_t *p), \
	    (p)) \
	X(snd_pcm_chmap_t *, snd_pcm_get_chmap, (snd_pcm_t *p), (p)) \
	X(int, snd_pcm_set_chmap, (snd_pcm_t *p, const snd_pcm_chmap_t *m), \
	    (p, m))

static struct dl_alsa {
#define X(ret, name, params, args) ret (*name) params;
	DL_ALSA_FUNCS
#undef X
	int (*snd_pcm_open)(snd_pcm_t **, const char *, snd_pcm_stream_t,
	    int);
	int (*snd_lib_error_set_handler)(snd_lib_error_handler_t);
	const char *(*snd_strerror)(int);
	void (*snd_pcm_free_chmaps)(snd_pcm_chmap_query_t **);
} dl_alsa;

static pthread_once_t dl_alsa_once = PTHREAD_ONCE_INIT;
static char dl_alsa_err[256];	/* empty: loaded */

static void
dl_alsa_open(void)
{
	static const struct dl_sym syms[] = {
#define X(ret, name, params, args) { #name, &dl_alsa.name },
		DL_ALSA_FUNCS
		X(int, snd_pcm_open, (), ())
		X(int, snd_lib_error_set_handler, (), ())
		X(const char *, snd_strerror, (), ())
		X(void, snd_pcm_free_chmaps, (), ())
#undef X
	};
	char why[sizeof(dl_alsa_err) - 8];

	if (dl_resolve(DL_ALSA_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
	    why, sizeof(why)) < 0)
		snprintf(dl_alsa_err, sizeof(dl_alsa_err), "alsa: %s", why);
}

/* Load it, once; 1 when it is loaded. */
static int
dl_alsa_loaded(void)
{
	pthread_once(&dl_alsa_once, dl_alsa_open);
	return dl_alsa_err[0] == '\0';
}

int
dl_alsa_load(char *err, size_t errlen)
{
	if (dl_alsa_loaded())
		return 0;
	snprintf(err, errlen, "%s", dl_alsa_err);
	return -1;
}

#define X(ret, name, params, args) ret name params \
	{ return dl_alsa.name args; }
DL_ALSA_FUNCS
#undef X

/* Only maps snd_pcm_query_chmaps gave: the library is loaded. */
void
snd_pcm_free_chmaps(snd_pcm_chmap_query_t **maps)
{
	dl_alsa.snd_pcm_free_chmaps(maps);
}

/* The backend's first call on every open: loads the library. */
int
snd_lib_error_set_handler(snd_lib_error_handler_t handler)
{
	if (!dl_alsa_loaded())
		return -ELIBACC;
	return dl_alsa.snd_lib_error_set_handler(handler);
}

/* Fails with -ELIBACC when libasound cannot be loaded (snd_strerror). */
int
snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream,
    int mode)
{
	if (!dl_alsa_loaded()) {
		*pcm = NULL;
		return -ELIBACC;
	}
	return dl_alsa.snd_pcm_open(pcm, name, stream, mode);
}

/* alsa-lib's words; before it is loaded, why it could not be. */
const char *
snd_strerror(int errnum)
{
	if (dl_alsa.snd_strerror != NULL)
		return dl_alsa.snd_strerror(errnum);
	return dl_alsa_err[0] != '\0' ? dl_alsa_err : "alsa: not loaded";
}
