/* SPDX-License-Identifier: MIT */
/*
 * log: diagnostics on stderr as "prog: message", and panic().
 *
 * A message is formatted into a stack buffer and handed to the kernel
 * with a single write(2), so lines from several processes sharing a
 * terminal or a log file never interleave mid-line and no stdio buffer
 * has to be flushed. Messages longer than the buffer are truncated, the
 * newline is always kept.
 *
 * am_log_level selects what is printed: a message of level L goes out
 * when L <= am_log_level. It is 1 (errors) until am_log_init() reads
 * AMIXD_LOG. Control thread only: never call logx() on the real-time
 * thread (DESIGN: the RT thread posts events, control formats them).
 * errno is preserved, so "logx(...); return -errno;" stays correct.
 * panic() writes "prog: panic: message" the same way and aborts.
 *
 * Below log is only parse.c (AMIXD_LOG's number); util.c's allocators
 * panic through here, so log must not use them.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

#define LOG_LINE_MAX	1024		/* bytes, one message */
#define LOG_LEVEL_MAX	4

int am_log_level = 1;
static const char *log_prog;		/* borrowed: caller, usually argv[0] */

/*
 * Set the program name used as message prefix (a path is reduced to its
 * last component) and take the level from AMIXD_LOG when it holds a
 * number 0..4; anything else is reported and ignored.
 */
void
am_log_init(const char *prog)
{
	const char *env, *p;
	long lvl;

	if (prog != NULL) {
		p = strrchr(prog, '/');
		log_prog = p != NULL ? p + 1 : prog;
	}
	env = getenv("AMIXD_LOG");
	if (env == NULL || *env == '\0')
		return;
	if (am_parse_long(env, 0, LOG_LEVEL_MAX, &lvl) == 0)
		am_log_level = (int)lvl;
	else
		logx(1, "AMIXD_LOG: ignoring '%s', expected 0..%d",
		    env, LOG_LEVEL_MAX);
}

/*
 * The message prefix: the name given to am_log_init(), else the name the
 * program was started with.
 */
const char *
am_log_prog(void)
{
	return log_prog != NULL ? log_prog : program_invocation_short_name;
}

/*
 * Format one message, truncated to fit, with prefix, tag ("" or
 * "panic: ") and newline, and write it in a single write(2) to stderr.
 * Short writes and errors are ignored: there is nowhere left to report
 * them.
 */
static void
log_vwrite(const char *tag, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	size_t n;
	int rc, save;

	save = errno;
	rc = snprintf(buf, sizeof(buf) - 1, "%s: %s", am_log_prog(), tag);
	n = rc < 0 ? 0 : (size_t)rc;
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	rc = vsnprintf(buf + n, sizeof(buf) - 1 - n, fmt, ap);
	if (rc > 0)
		n += (size_t)rc;
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	while ((rc = write(STDERR_FILENO, buf, n)) < 0 && errno == EINTR)
		;
	errno = save;
}

/*
 * Print a message at the given level (0 bug, 1 error, 2 info,
 * 3 structure, 4 per-block) when the level is enabled. Control thread.
 */
void
logx(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > am_log_level)
		return;
	va_start(ap, fmt);
	log_vwrite("", fmt, ap);
	va_end(ap);
}

/*
 * Print a message whatever the level: a tool's complaint to its user
 * (bad option, lost daemon), which AMIXD_LOG must not silence.
 */
void
am_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("", fmt, ap);
	va_end(ap);
}

/*
 * Print "prog: panic: message" to stderr with a single write(2) and
 * abort. For broken invariants and allocation failure, never for input.
 */
_Noreturn void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("panic: ", fmt, ap);
	va_end(ap);
	abort();
}
