/* SPDX-License-Identifier: MIT */
/*
 * The signals that end amixd in order. Every signal whose default action
 * ends the process, and that does not report a fault of the program,
 * is blocked in every thread and read from a signalfd by the control
 * loop (amixd.c): the engine stops, every file sink writes out what it
 * holds and finalizes its file, the socket file is removed, the daemon
 * exits 0. No catchable signal may lose a recording.
 *
 * Not in the set: the faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP,
 * SIGABRT, SIGSYS), which keep their default, a core, because the
 * program's state cannot be trusted; SIGPIPE, ignored (a client that
 * goes away is only disconnected); SIGXFSZ, ignored, so a write past
 * RLIMIT_FSIZE fails with EFBIG and the file sink reports it like a
 * full disk; SIGKILL and SIGSTOP, which cannot be caught.
 *
 * Control thread only.
 */

#include <signal.h>

#include "sig.h"

/* Fill set with the signals that stop the daemon in order. */
void
sig_quitset(sigset_t *set)
{
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
		SIGVTALRM, SIGPROF, SIGXCPU, SIGIO,
#ifdef SIGPWR
		SIGPWR,
#endif
#ifdef SIGSTKFLT
		SIGSTKFLT,
#endif
#ifdef SIGLOST
		SIGLOST,
#endif
#ifdef SIGEMT
		SIGEMT,
#endif
	};
	size_t i;
	int s;

	sigemptyset(set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
	/* Real-time signals end a process too; libc keeps those below. */
	for (s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(set, s);
}

/*
 * 1 when one of them waits, unread: an offline render, which keeps the
 * control loop from reading the signalfd, checks it to stop early.
 */
int
sig_quit_pending(void)
{
	sigset_t set, quit;
	int s;

	if (sigpending(&set) < 0)
		return 0;
	sig_quitset(&quit);
	for (s = 1; s <= SIGRTMAX; s++) {
		if (sigismember(&set, s) == 1 && sigismember(&quit, s) == 1)
			return 1;
	}
	return 0;
}
