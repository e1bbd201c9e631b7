/* SPDX-License-Identifier: MIT */
/*
 * The control thread's poll loop and timers (sndio's file.c). Watched
 * descriptors are deleted by marking them zombies; they are freed at the
 * top of the next iteration, so a callback may delete any file, itself
 * included, while the loop is walking the list. Control thread only.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ev.h"
#include "log.h"
#include "util.h"

static struct ev_file *ev_files;
static struct ev_timer *ev_timers;
static struct pollfd *ev_pfds;
static struct ev_file **ev_pfile;
static int ev_cap;

struct ev_file *
ev_file_new(int fd, int events, void (*cb)(void *arg, int revents),
    void *arg)
{
	struct ev_file *f;

	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->events = events;
	f->cb = cb;
	f->arg = arg;
	f->next = ev_files;
	ev_files = f;
	return f;
}

void
ev_file_events(struct ev_file *f, int events)
{
	f->events = events;
}

/* Stop watching f; the memory goes at the top of the next loop. */
void
ev_file_del(struct ev_file *f)
{
	f->zombie = 1;
	f->cb = NULL;
}

void
ev_timer_add(struct ev_timer *t, uint64_t period_ns, void (*cb)(void *arg),
    void *arg)
{
	t->period = period_ns;
	t->due = am_clock_ns() + period_ns;
	t->cb = cb;
	t->want = NULL;
	t->arg = arg;
	t->armed = 1;
	t->next = ev_timers;
	ev_timers = t;
}

/* Run t only while want(arg) is true; asked before every wait. */
void
ev_timer_want(struct ev_timer *t, int (*want)(void *arg))
{
	t->want = want;
}

void
ev_timer_del(struct ev_timer *t)
{
	struct ev_timer **tp;

	for (tp = &ev_timers; *tp != NULL; tp = &(*tp)->next) {
		if (*tp == t) {
			*tp = t->next;
			return;
		}
	}
}

/* Free zombies and size the pollfd array; returns the live count. */
static int
ev_prepare(void)
{
	struct ev_file **fp, *f;
	int n = 0;

	for (fp = &ev_files; (f = *fp) != NULL;) {
		if (f->zombie) {
			*fp = f->next;
			free(f);
			continue;
		}
		n++;
		fp = &f->next;
	}
	if (n > ev_cap) {
		ev_cap = n * 2;
		ev_pfds = xrealloc(ev_pfds, ev_cap * sizeof(*ev_pfds));
		ev_pfile = xrealloc(ev_pfile, ev_cap * sizeof(*ev_pfile));
	}
	n = 0;
	for (f = ev_files; f != NULL; f = f->next) {
		ev_pfds[n].fd = f->fd;
		ev_pfds[n].events = (short)f->events;
		ev_pfds[n].revents = 0;
		ev_pfile[n++] = f;
	}
	return n;
}

/*
 * One iteration: wait for a descriptor or the next timer, then run the
 * callbacks. Returns 0, or -errno when poll fails for good.
 */
int
ev_run(void)
{
	struct ev_timer *t;
	uint64_t now, next = UINT64_MAX;
	int n, i, timeout = -1;

	n = ev_prepare();
	now = am_clock_ns();
	for (t = ev_timers; t != NULL; t = t->next) {
		if (t->want != NULL && !t->want(t->arg)) {
			t->armed = 0;
			continue;
		}
		if (!t->armed) {
			t->armed = 1;
			t->due = now + t->period;
		}
		if (t->due < next)
			next = t->due;
	}
	if (next != UINT64_MAX)
		timeout = next <= now ? 0 : (int)((next - now) / 1000000 + 1);
	if (poll(ev_pfds, n, timeout) < 0) {
		if (errno == EINTR)
			return 0;
		logx(1, "poll: %s", strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (ev_pfds[i].revents && ev_pfile[i]->cb != NULL)
			ev_pfile[i]->cb(ev_pfile[i]->arg, ev_pfds[i].revents);
	}
	now = am_clock_ns();
	for (t = ev_timers; t != NULL; t = t->next) {
		if (t->armed && t->due <= now) {
			t->due = now + t->period;
			t->cb(t->arg);
		}
	}
	return 0;
}

/* Free every watched file; the owners have closed their descriptors. */
void
ev_done(void)
{
	struct ev_file *f;

	while ((f = ev_files) != NULL) {
		ev_files = f->next;
		free(f);
	}
	free(ev_pfds);
	free(ev_pfile);
	ev_pfds = NULL;
	ev_pfile = NULL;
	ev_cap = 0;
}
