/* SPDX-License-Identifier: MIT */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <sys/types.h>

#define POLICY_DIR_MAX	16	/* allowed directories */

/*
 * What clients may do: who may connect, how much they may use, and which
 * files the daemon opens for them. Filled by main from options; read by
 * ctl and cmd. Defaults are in policy_init and amixd(8), SECURITY.
 */
struct policy {
	gid_t group;			/* may connect too, or (gid_t)-1 */
	int clients;			/* connections at once */
	int nodes;			/* nodes in the graph */
	int client_nodes;		/* nodes one connection owns */
	int rings;			/* app rings at once */
	size_t ring_bytes;		/* their total mapped size */
	int subscribers;		/* telemetry subscriptions */
	int rate;			/* requests per second per client */
	int ndirs;
	char *dirs[POLICY_DIR_MAX];	/* resolved, no trailing slash */
};

extern struct policy policy;

void policy_init(void);
void policy_done(void);
int policy_dir(const char *dir, char *err, size_t errlen);
int policy_quota(const char *spec, char *err, size_t errlen);
int policy_path(const char *path, int create, char *out, size_t outlen,
    char *err, size_t errlen);

#endif /* !defined(POLICY_H) */
