/* SPDX-License-Identifier: MIT */
#ifndef DL_H
#define DL_H

#include <stddef.h>

/*
 * Libraries loaded on first use instead of at start (dl_alsa.c,
 * dl_dbus.c, dl_jack.c, dl_samplerate.c, dl_sndfile.c, dl_soxr.c): call
 * dl_*_load before any of the library's functions, on the control
 * thread (or a thread it starts after). 0, or -1 with the reason in
 * err; the answer is the same on every later call. (The first calls of
 * dl_alsa.c and dl_samplerate.c load their library themselves: see
 * there.)
 */
int dl_alsa_load(char *err, size_t errlen);
int dl_samplerate_load(char *err, size_t errlen);
int dl_dbus_load(char *err, size_t errlen);
int dl_jack_load(char *err, size_t errlen);
int dl_sndfile_load(char *err, size_t errlen);
int dl_soxr_load(char *err, size_t errlen);

/* A function of the library, and the pointer dl_resolve fills. */
struct dl_sym {
	const char *name;
	void *slot;		/* the address of a function pointer */
};

int dl_resolve(const char *soname, const struct dl_sym *syms, size_t n,
    char *err, size_t errlen);

#endif
