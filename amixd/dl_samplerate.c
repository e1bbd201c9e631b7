/* SPDX-License-Identifier: MIT */
/*
 * libsamplerate, loaded when the first converter that uses it is made
 * (src_new: resampler_init, for a file source, app stream or resample
 * node at another rate when libsoxr is not used) rather than when amixd
 * starts: one library fewer to open, map and relocate on every start,
 * for a feature most starts never reach. As in dl_jack.c, each function
 * amixd calls is defined with libsamplerate's own prototype and
 * forwards through a pointer the load fills (dl.c, RTLD_NOW).
 *
 * No change in the converter: src_new, the first call on any converter,
 * loads the library (pthread_once, on the thread that makes converters:
 * the control thread or one it started); every other call takes the
 * SRC_STATE only a successful src_new gives. When the library cannot be
 * loaded src_new fails with DL_SRC_ELOAD and src_strerror says why
 * ("samplerate: cannot load libsamplerate.so.0: ...").
 *
 * The real-time thread's calls (src_process, src_reset) are one
 * indirect call through a pointer written once, before the converter
 * it is given exists: no lock, no allocation, no check.
 */

#include <pthread.h>
#include <stdio.h>

#include <samplerate.h>

#include "dl.h"

#define DL_SRC_SONAME	"libsamplerate.so.0"
#define DL_SRC_ELOAD	1000	/* an error number libsamplerate has not */

/* X(return type, name, parameters, arguments): forwarded as is. */
#define DL_SRC_FUNCS \
	X(SRC_STATE *, src_delete, (SRC_STATE *s), (s)) \
	X(int, src_process, (SRC_STATE *s, SRC_DATA *d), (s, d)) \
	X(int, src_reset, (SRC_STATE *s), (s))

static struct dl_samplerate {
#define X(ret, name, params, args) ret (*name) params;
	DL_SRC_FUNCS
#undef X
	SRC_STATE *(*src_new)(int, int, int *);
	const char *(*src_strerror)(int);
} dl_src;

static pthread_once_t dl_src_once = PTHREAD_ONCE_INIT;
static char dl_src_err[256];	/* empty: loaded */

static void
dl_samplerate_open(void)
{
	static const struct dl_sym syms[] = {
#define X(ret, name, params, args) { #name, &dl_src.name },
		DL_SRC_FUNCS
		X(SRC_STATE *, src_new, (), ())
		X(const char *, src_strerror, (), ())
#undef X
	};
	char why[sizeof(dl_src_err) - 16];

	if (dl_resolve(DL_SRC_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
	    why, sizeof(why)) < 0)
		snprintf(dl_src_err, sizeof(dl_src_err), "samplerate: %s",
		    why);
}

/* Load it, once; 1 when it is loaded. */
static int
dl_samplerate_loaded(void)
{
	pthread_once(&dl_src_once, dl_samplerate_open);
	return dl_src_err[0] == '\0';
}

int
dl_samplerate_load(char *err, size_t errlen)
{
	if (dl_samplerate_loaded())
		return 0;
	snprintf(err, errlen, "%s", dl_src_err);
	return -1;
}

#define X(ret, name, params, args) ret name params \
	{ return dl_src.name args; }
DL_SRC_FUNCS
#undef X

/* The first call on any converter: loads the library. */
SRC_STATE *
src_new(int converter_type, int channels, int *error)
{
	if (!dl_samplerate_loaded()) {
		*error = DL_SRC_ELOAD;
		return NULL;
	}
	return dl_src.src_new(converter_type, channels, error);
}

/* libsamplerate's words; for DL_SRC_ELOAD, why it could not be loaded. */
const char *
src_strerror(int error)
{
	if (error == DL_SRC_ELOAD || dl_src.src_strerror == NULL)
		return dl_src_err[0] != '\0' ? dl_src_err :
		    "samplerate: not loaded";
	return dl_src.src_strerror(error);
}
