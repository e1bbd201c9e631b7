/* SPDX-License-Identifier: MIT */
/*
 * The security policy: quotas, and the files a client may make the
 * daemon open. The daemon opens files with its own rights, so a client
 * could otherwise read or overwrite anything the daemon can: file paths
 * must resolve (symlinks followed, "..") under an allowed directory, by
 * default the user's home and /tmp, and name a regular file, never a
 * device node or a FIFO (which could block the control thread).
 * Control thread only.
 *
 * XXX: the check and the open are two steps; a client able to rename
 * directories under an allowed directory between them could race it.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

struct policy policy;

/* Defaults, as amixd(8) documents them. */
void
policy_init(void)
{
	memset(&policy, 0, sizeof(policy));
	policy.group = (gid_t)-1;
	policy.clients = 256;
	policy.nodes = 1024;
	policy.client_nodes = 256;
	policy.rings = 64;
	policy.ring_bytes = 256UL << 20;
	policy.subscribers = 64;
	policy.rate = 10000;
}

void
policy_done(void)
{
	int i;

	for (i = 0; i < policy.ndirs; i++)
		free(policy.dirs[i]);
	policy.ndirs = 0;
}

/* Allow files under dir (resolved now). 0 or -errno with a message. */
int
policy_dir(const char *dir, char *err, size_t errlen)
{
	char *real;

	if (policy.ndirs == POLICY_DIR_MAX) {
		snprintf(err, errlen, "at most %d allowed directories",
		    POLICY_DIR_MAX);
		return -ENOSPC;
	}
	real = realpath(dir, NULL);
	if (real == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (strcmp(real, "/") == 0)
		real[0] = '\0';		/* "/" allows everything */
	policy.dirs[policy.ndirs++] = real;
	return 0;
}

/*
 * One quota, "name=value": clients, nodes, client_nodes, rings,
 * ring_mb, subscribers, rate. 0 or -EINVAL with a message.
 */
int
policy_quota(const char *spec, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		long max;
	} names[] = {
		{ "clients", 4096 }, { "nodes", 1024 }, { "client_nodes", 1024 },
		{ "rings", 1024 }, { "ring_mb", 65536 }, { "subscribers", 128 },
		{ "rate", 1000000 },
	};
	const char *eq = strchr(spec, '=');
	size_t i, n;
	long v;

	for (i = 0; eq != NULL && i < AM_NELEM(names); i++) {
		n = strlen(names[i].name);
		if ((size_t)(eq - spec) == n &&
		    strncmp(spec, names[i].name, n) == 0)
			break;
	}
	if (eq == NULL || i == AM_NELEM(names) ||
	    am_parse_long(eq + 1, 1, names[i].max, &v) < 0) {
		snprintf(err, errlen, "%s: expected clients, nodes, "
		    "client_nodes, rings, ring_mb, subscribers or rate = "
		    "a positive number (within its limit)", spec);
		return -EINVAL;
	}
	switch (i) {
	case 0: policy.clients = (int)v; break;
	case 1: policy.nodes = (int)v; break;
	case 2: policy.client_nodes = (int)v; break;
	case 3: policy.rings = (int)v; break;
	case 4: policy.ring_bytes = (size_t)v << 20; break;
	case 5: policy.subscribers = (int)v; break;
	default: policy.rate = (int)v; break;
	}
	return 0;
}

/* True when real lies under an allowed directory. */
static int
policy_allowed(const char *real)
{
	size_t n;
	int i;

	for (i = 0; i < policy.ndirs; i++) {
		n = strlen(policy.dirs[i]);
		if (strncmp(real, policy.dirs[i], n) == 0 &&
		    (real[n] == '/' || real[n] == '\0'))
			return 1;
	}
	return 0;
}

/*
 * Check a path a client gave: resolved (symlinks and "..") it must lie
 * under an allowed directory and be a regular file; with create, it may
 * not exist yet, but its directory must. The resolved path goes to out.
 * 0 or -errno with a message.
 */
int
policy_path(const char *path, int create, char *out, size_t outlen,
    char *err, size_t errlen)
{
	char dir[PATH_MAX], *real = NULL, *slash;
	const char *base;
	struct stat st;
	int rc;

	if (path[0] != '/') {
		snprintf(err, errlen, "%s: give an absolute path", path);
		return -EINVAL;
	}
	real = realpath(path, NULL);
	if (real == NULL && (errno != ENOENT || !create)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (real == NULL) {
		/* A new file: its directory must exist and be allowed. */
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		base = path + (slash - dir) + 1;
		*slash = '\0';
		if (*base == '\0' || strcmp(base, ".") == 0 ||
		    strcmp(base, "..") == 0) {
			snprintf(err, errlen, "%s: not a file name", path);
			return -EINVAL;
		}
		real = realpath(dir[0] != '\0' ? dir : "/", NULL);
		if (real == NULL) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return rc;
		}
		rc = snprintf(out, outlen, "%s/%s",
		    strcmp(real, "/") == 0 ? "" : real, base);
	} else {
		if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file (no "
			    "directories, devices or FIFOs)", path);
			free(real);
			return -EINVAL;
		}
		rc = snprintf(out, outlen, "%s", real);
	}
	free(real);
	if (rc < 0 || (size_t)rc >= outlen) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	if (!policy_allowed(out)) {
		snprintf(err, errlen, "%s: outside the allowed directories "
		    "(amixd -a)", path);
		return -EACCES;
	}
	return 0;
}
