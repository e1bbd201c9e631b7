/* SPDX-License-Identifier: MIT */
/*
 * libsoxr, loaded when the first converter that may use it is made
 * (resampler_init: a file source, app stream or resample node at
 * another rate) rather than when amixd starts: it brings libgomp with
 * it, two more libraries to map and relocate on every start for a
 * feature most graphs never use. As in dl_sndfile.c, each function
 * amixd calls is defined with libsoxr's own prototype and forwards
 * through a pointer that dl_soxr_load fills (RTLD_NOW: no lazy binding
 * later). The real-time thread calls soxr_process through it once
 * resampler.c has primed the converter on the control thread: one
 * indirect call, no lock (resampler_soxr.c).
 */

#include <pthread.h>
#include <stdio.h>

#include <soxr.h>

#include "dl.h"

#define DL_SOXR_SONAME	"libsoxr.so.0"

/* X(return type, name, parameters, arguments): forwarded as is. */
#define DL_SOXR_FUNCS \
	X(soxr_t, soxr_create, (double in, double out, unsigned ch, \
	    soxr_error_t *e, soxr_io_spec_t const *io, \
	    soxr_quality_spec_t const *q, soxr_runtime_spec_t const *r), \
	    (in, out, ch, e, io, q, r)) \
	X(soxr_error_t, soxr_process, (soxr_t s, soxr_in_t in, size_t ilen, \
	    size_t *idone, soxr_out_t out, size_t olen, size_t *odone), \
	    (s, in, ilen, idone, out, olen, odone)) \
	X(void, soxr_delete, (soxr_t s), (s)) \
	X(soxr_error_t, soxr_set_input_fn, (soxr_t s, soxr_input_fn_t fn, \
	    void *state, size_t max_ilen), (s, fn, state, max_ilen)) \
	X(size_t, soxr_output, (soxr_t s, soxr_out_t out, size_t olen), \
	    (s, out, olen)) \
	X(soxr_quality_spec_t, soxr_quality_spec, (unsigned long recipe, \
	    unsigned long flags), (recipe, flags)) \
	X(soxr_runtime_spec_t, soxr_runtime_spec, (unsigned threads), \
	    (threads)) \
	X(soxr_io_spec_t, soxr_io_spec, (soxr_datatype_t in, \
	    soxr_datatype_t out), (in, out))

static struct dl_soxr {
#define X(ret, name, params, args) ret (*name) params;
	DL_SOXR_FUNCS
#undef X
} dl_soxr;

static pthread_once_t dl_soxr_once = PTHREAD_ONCE_INIT;
static char dl_soxr_err[256];	/* empty: loaded */

static void
dl_soxr_open(void)
{
	static const struct dl_sym syms[] = {
#define X(ret, name, params, args) { #name, &dl_soxr.name },
		DL_SOXR_FUNCS
#undef X
	};

	dl_resolve(DL_SOXR_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
	    dl_soxr_err, sizeof(dl_soxr_err));
}

int
dl_soxr_load(char *err, size_t errlen)
{
	pthread_once(&dl_soxr_once, dl_soxr_open);
	if (dl_soxr_err[0] == '\0')
		return 0;
	snprintf(err, errlen, "resampler: %s", dl_soxr_err);
	return -1;
}

#define X(ret, name, params, args) ret name params \
	{ return dl_soxr.name args; }
DL_SOXR_FUNCS
#undef X
