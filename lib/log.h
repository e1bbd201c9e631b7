/* SPDX-License-Identifier: MIT */
#ifndef AM_LOG_H
#define AM_LOG_H

/*
 * Levels: 0 bug/fatal, 1 error, 2 info, 3 structure, 4 per-block (DEBUG).
 * Messages at or below am_log_level go to stderr as "prog: message".
 * Never call from the real-time thread.
 */
extern int am_log_level;

void am_log_init(const char *prog);	/* sets prog, reads AMIXD_LOG */
const char *am_log_prog(void);		/* message prefix, for panic() */
void logx(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "prog: message" on stderr at any level: a tool's word to its user. */
void am_warn(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* "prog: panic: message" on stderr, then abort(3): broken invariants. */
_Noreturn void panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* !defined(AM_LOG_H) */
