/* SPDX-License-Identifier: MIT */
#ifndef SIG_H
#define SIG_H

#include <signal.h>

void sig_quitset(sigset_t *set);
int sig_quit_pending(void);

#endif /* !defined(SIG_H) */
