/* SPDX-License-Identifier: MIT */
/*
 * bootprobe: a server's exec to its first answer, with no client
 * start-up in the figure, the same way for amixd and for PipeWire
 * (pipewire.sh's pw_boot_ms):
 *
 *	bootprobe amixd SOCKET TIMEOUT_MS LOG CMD [ARG...]
 *	bootprobe pipewire REMOTE TIMEOUT_MS LOG CMD [ARG...]
 *
 * The probe sets itself up first (for PipeWire: pw_init, a loop and a
 * context, which load libpipewire's modules and configuration), then
 * reads CLOCK_MONOTONIC and starts the server, CMD, itself with
 * posix_spawnp: stdin /dev/null, stdout and stderr to LOG, no other
 * descriptor (a daemon holding a caller's pipe makes the caller wait).
 * So neither a shell's fork nor its exec lookup is in the figure, only
 * the spawn's own exec. It prints "pid N" (the server's), then tries
 * every POLL_US until the server answers a real request:
 *
 *	amixd		connect to SOCKET, send {"cmd":"ping"}, read the
 *			reply line, which must be a success (lib/proto.c,
 *			as amctl ping does)
 *	pipewire	pw_context_connect to REMOTE (in PIPEWIRE_RUNTIME_DIR),
 *			then pw_core_sync and wait for its done event: the
 *			"connected and answered" of pw-cli info 0
 *
 * At the first answer it prints the microseconds since the spawn on a
 * second line, then waits for the server to end (the caller stops it
 * by its PID) and exits 0. So only the library's connect and one round
 * trip are in the figure on either side, polled by the same loop at
 * the same interval. When nothing answered within TIMEOUT_MS, or the
 * server ended first, it says so, stops the server (SIGTERM) and exits
 * 1; 1 too when CMD cannot be run; 2 on bad usage.
 *
 * Only this probe links libpipewire; the daemon and tools never do.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <pipewire/pipewire.h>

#include "clock.h"
#include "proto.h"

#define POLL_US	150		/* between two failed tries */

struct pw_try {
	struct pw_context *ctx;
	struct pw_loop *loop;
	const char *remote;
	int seq;		/* of our sync; -1 before it is sent */
	int done;		/* 1 answered, -errno failed */
};

static const char *prog = "bootprobe";

/* Milliseconds left until deadline (monotonic ns), at least 0. */
static int
left_ms(uint64_t deadline)
{
	uint64_t now = am_clock_ns();

	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/*
 * One try at amixd: connect, ping, a success reply. Return 1 when
 * answered, 0 when not (no socket yet, refused, or no reply by
 * deadline).
 */
static int
try_amixd(const char *sock, uint64_t deadline)
{
	struct am_conn c;
	cJSON *reply;
	char *line;
	int rc;

	if (am_conn_open(&c, sock) < 0)
		return 0;
	rc = am_conn_send(&c, "{\"cmd\":\"ping\"}", NULL, 0);
	if (rc == 0)
		rc = am_conn_recv(&c, &line, left_ms(deadline));
	if (rc == 1) {
		reply = cJSON_Parse(line);
		rc = reply != NULL && am_proto_is_ok(reply);
		cJSON_Delete(reply);
	} else
		rc = 0;
	am_conn_close(&c);
	return rc;
}

static void
on_done(void *data, uint32_t id, int seq)
{
	struct pw_try *t = data;

	if (id == PW_ID_CORE && seq == t->seq)
		t->done = 1;
}

static void
on_error(void *data, uint32_t id, int seq, int res, const char *msg)
{
	struct pw_try *t = data;

	(void)seq;
	(void)msg;
	if (id == PW_ID_CORE)
		t->done = res < 0 ? res : -EPROTO;
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = on_done,
	.error = on_error,
};

/*
 * One try at PipeWire: connect to the remote, send a sync and run the
 * loop until its done event, an error or deadline. Return 1 when
 * answered, 0 when not.
 */
static int
try_pipewire(struct pw_try *t, uint64_t deadline)
{
	struct spa_hook listener;
	struct pw_core *core;
	int ms;

	core = pw_context_connect(t->ctx, pw_properties_new(
	    PW_KEY_REMOTE_NAME, t->remote, NULL), 0);
	if (core == NULL)
		return 0;
	t->done = 0;
	spa_zero(listener);
	pw_core_add_listener(core, &listener, &core_events, t);
	t->seq = pw_core_sync(core, PW_ID_CORE, 0);
	while (t->done == 0 && (ms = left_ms(deadline)) > 0)
		pw_loop_iterate(t->loop, ms);
	spa_hook_remove(&listener);
	pw_core_disconnect(core);
	return t->done == 1;
}

/*
 * Start argv[0] (found by PATH) with stdin /dev/null, stdout and stderr
 * appended to log, nothing else open. Return its PID, or -1 saying why.
 */
static pid_t
spawn_server(const char *log, char **argv)
{
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
	    O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_addopen(&fa, 1, log,
	    O_WRONLY | O_CREAT | O_TRUNC, 0644)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, 1, 2)) != 0 ||
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    (rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv,
	    environ)) != 0) {
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0],
		    strerror(rc));
		pid = -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* The server ended on its own: 1, saying how, else 0. */
static int
server_gone(pid_t pid, const char *what)
{
	int st;

	if (waitpid(pid, &st, WNOHANG) != pid)
		return 0;
	if (WIFEXITED(st))
		fprintf(stderr, "%s: %s exited %d before it answered\n", prog,
		    what, WEXITSTATUS(st));
	else
		fprintf(stderr, "%s: %s was killed by signal %d before it "
		    "answered\n", prog, what, WTERMSIG(st));
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: %s amixd SOCKET TIMEOUT_MS LOG CMD [ARG...]\n"
	    "       %s pipewire REMOTE TIMEOUT_MS LOG CMD [ARG...]\n", prog,
	    prog);
	return 2;
}

int
main(int argc, char **argv)
{
	struct timespec gap = { 0, POLL_US * 1000 };
	struct pw_try t = { .seq = -1 };
	uint64_t deadline, t0, t1;
	char *end;
	long ms;
	pid_t pid;
	int pw, ok, st;

	if (argc < 6)
		return usage();
	if (strcmp(argv[1], "amixd") == 0)
		pw = 0;
	else if (strcmp(argv[1], "pipewire") == 0)
		pw = 1;
	else
		return usage();
	errno = 0;
	ms = strtol(argv[3], &end, 10);
	if (errno != 0 || *end != '\0' || ms <= 0 || ms > 600000) {
		fprintf(stderr, "%s: bad TIMEOUT_MS: %s\n", prog, argv[3]);
		return 2;
	}
	if (pw) {
		pw_init(NULL, NULL);
		t.remote = argv[2];
		t.loop = pw_loop_new(NULL);
		if (t.loop == NULL || (t.ctx = pw_context_new(t.loop,
		    NULL, 0)) == NULL) {
			fprintf(stderr, "%s: no PipeWire context: %s\n", prog,
			    strerror(errno));
			return 1;
		}
		pw_loop_enter(t.loop);
	}

	t0 = am_clock_ns();
	if ((pid = spawn_server(argv[4], argv + 5)) < 0)
		return 1;
	printf("pid %ld\n", (long)pid);
	fflush(stdout);
	deadline = t0 + (uint64_t)ms * 1000000;
	for (;;) {
		ok = pw ? try_pipewire(&t, deadline) :
		    try_amixd(argv[2], deadline);
		if (ok)
			break;
		if (server_gone(pid, argv[5]))
			return 1;
		if (left_ms(deadline) == 0) {
			fprintf(stderr, "%s: %s %s did not answer within "
			    "%ld ms\n", prog, argv[1], argv[2], ms);
			kill(pid, SIGTERM);
			waitpid(pid, &st, 0);
			return 1;
		}
		nanosleep(&gap, NULL);
	}
	t1 = am_clock_ns();
	printf("%llu\n", (unsigned long long)((t1 - t0) / 1000));
	fflush(stdout);
	if (pw) {
		pw_loop_leave(t.loop);
		pw_context_destroy(t.ctx);
		pw_loop_destroy(t.loop);
		pw_deinit();
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}
