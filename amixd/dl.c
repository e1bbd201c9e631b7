/* SPDX-License-Identifier: MIT */
/*
 * Load a shared library and fill a table of its functions, all or
 * nothing: the common part of dl_dbus.c, dl_jack.c and dl_sndfile.c.
 */

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dl.h"

/*
 * dlopen soname and point every slot at its symbol. 0; or -1 with the
 * reason in err, every slot NULL and the library unloaded.
 */
int
dl_resolve(const char *soname, const struct dl_sym *syms, size_t n,
    char *err, size_t errlen)
{
	const char *why;
	void *h, *p;
	size_t i;

	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		why = dlerror();
		snprintf(err, errlen, "cannot load %s: %s", soname,
		    why != NULL ? why : "unknown error");
		return -1;
	}
	for (i = 0; i < n; i++) {
		p = dlsym(h, syms[i].name);
		if (p == NULL) {
			snprintf(err, errlen, "%s has no %s", soname,
			    syms[i].name);
			break;
		}
		/* POSIX: a function pointer holds dlsym's bits; copy them. */
		memcpy(syms[i].slot, &p, sizeof(p));
	}
	if (i == n)
		return 0;
	for (i = 0; i < n; i++)
		memset(syms[i].slot, 0, sizeof(p));
	dlclose(h);
	return -1;
}
