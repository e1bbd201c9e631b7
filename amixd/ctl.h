/* SPDX-License-Identifier: MIT */
#ifndef CTL_H
#define CTL_H

struct req_handler;

int ctl_init(const char *path, int listen_fd, const struct req_handler *h);
void ctl_done(void);

#endif /* !defined(CTL_H) */
