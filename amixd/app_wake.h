/* SPDX-License-Identifier: MIT */
#ifndef APP_WAKE_H
#define APP_WAKE_H

#include <stddef.h>

struct node_cycle;

/* How an app node (nodes/app.c) wakes its client; see app_wake.c. */
struct app_wake {
	int evfd;			/* owned: the client's eventfd, or -1 */
	int wfd;			/* owned: wake pipe's write end, or -1 */
	int rfd;			/* owned until given: its read end, or -1 */
	int due;			/* RT: the client is due a wake-up */
	int dead;			/* RT: EPIPE, the client closed its end */
};

int app_wake_init(struct app_wake *w, int evfd, int pipe, char *err,
    size_t errlen);
void app_wake_done(struct app_wake *w);
int app_wake_reply_fd(struct app_wake *w);
void app_wake_control(struct app_wake *w);
void app_wake_post(struct app_wake *w, const struct node_cycle *c);

/* RT: does the client sleep on anything of ours? */
static inline int
app_wake_on(const struct app_wake *w)
{
	return w->wfd >= 0 || w->evfd >= 0;
}

#endif /* !defined(APP_WAKE_H) */
