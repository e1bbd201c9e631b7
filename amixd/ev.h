/* SPDX-License-Identifier: MIT */
#ifndef EV_H
#define EV_H

#include <stdint.h>

/* A descriptor watched by the loop. Freed at the top of the next loop. */
struct ev_file {
	int fd;
	int events;			/* POLLIN, POLLOUT */
	void (*cb)(void *arg, int revents);
	void *arg;
	int zombie;
	struct ev_file *next;
};

/*
 * A periodic timer. With a want function it runs only while that says
 * so, and its first run is a period after: an idle daemon sleeps.
 */
struct ev_timer {
	uint64_t due;			/* CLOCK_MONOTONIC ns */
	uint64_t period;		/* ns */
	void (*cb)(void *arg);
	int (*want)(void *arg);		/* NULL: always */
	void *arg;
	int armed;			/* want said yes last time */
	struct ev_timer *next;
};

struct ev_file *ev_file_new(int fd, int events,
    void (*cb)(void *arg, int revents), void *arg);
void ev_file_events(struct ev_file *f, int events);
void ev_file_del(struct ev_file *f);
void ev_timer_add(struct ev_timer *t, uint64_t period_ns,
    void (*cb)(void *arg), void *arg);
void ev_timer_want(struct ev_timer *t, int (*want)(void *arg));
void ev_timer_del(struct ev_timer *t);
int ev_run(void);
void ev_done(void);

#endif /* !defined(EV_H) */
