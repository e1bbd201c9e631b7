/* SPDX-License-Identifier: MIT */
#ifndef AM_SOCK_H
#define AM_SOCK_H

#include <sys/types.h>

#define AM_SOCK_FD_MAX	8	/* descriptors passed beside one message */

int am_sock_listen(const char *path);
int am_sock_connect(const char *path);
int am_sock_send(int fd, const void *buf, size_t len, const int *fds,
    int nfds);
int am_sock_send_all(int fd, const void *buf, size_t len, const int *fds,
    int nfds);
long am_sock_recv(int fd, void *buf, size_t len, int *fds, int *nfds);
int am_sock_peercred(int fd, uid_t *uid, gid_t *gid, pid_t *pid);

#endif /* !defined(AM_SOCK_H) */
