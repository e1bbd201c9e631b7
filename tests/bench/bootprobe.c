/* SPDX-License-Identifier: MIT */
/*
 * bootprobe: a server's exec to its first answer, with no client
 * start-up in the figure, the same way for amixd and for PipeWire
 * (pipewire.sh's pw_boot_ms):
 *
 *	bootprobe amixd SOCKET STAMP TIMEOUT_MS
 *	bootprobe pipewire REMOTE STAMP TIMEOUT_MS
 *
 * The caller starts the probe first. It sets itself up (for PipeWire:
 * pw_init, a loop and a context, which load libpipewire's modules and
 * configuration), prints "ready" and only then may the caller exec the
 * server (bench_daemon, which writes $EPOCHREALTIME into STAMP right
 * before the exec). From there the probe tries every POLL_US until the
 * server answers a real request:
 *
 *	amixd		connect to SOCKET, send {"cmd":"ping"}, read the
 *			reply line, which must be a success (lib/proto.c,
 *			as amctl ping does)
 *	pipewire	pw_context_connect to REMOTE (in PIPEWIRE_RUNTIME_DIR),
 *			then pw_core_sync and wait for its done event: the
 *			"connected and answered" of pw-cli info 0
 *
 * At the first answer it reads CLOCK_REALTIME (the clock of bash's
 * EPOCHREALTIME), then STAMP, and prints the microseconds between on a
 * second line. So only the library's connect and one round trip are in
 * the figure on either side, polled by the same loop at the same
 * interval. Exit 1, saying why, when nothing answered within TIMEOUT_MS
 * of the ready line or STAMP was never written; 2 on bad usage.
 *
 * Only this probe links libpipewire; the daemon and tools never do.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* CLOCK_REALTIME in microseconds. */
static int64_t
real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Read STAMP: "SECONDS.MICROSECONDS" as bash's EPOCHREALTIME prints it
 * (the point follows the locale: a comma is taken too). Return the
 * time in microseconds, or -1 when the file is missing or not that.
 */
static int64_t
stamp_us(const char *path)
{
	char buf[64], *p, *end;
	long long s, f;
	size_t n;
	FILE *fp;
	int digits;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	errno = 0;
	s = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '.' && *end != ','))
		return -1;
	p = end + 1;
	f = strtoll(p, &end, 10);
	digits = (int)(end - p);
	if (digits < 1 || digits > 6 || f < 0)
		return -1;
	while (digits++ < 6)
		f *= 10;
	return s * 1000000 + f;
}

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

static int
usage(void)
{
	fprintf(stderr, "usage: %s amixd SOCKET STAMP TIMEOUT_MS\n"
	    "       %s pipewire REMOTE STAMP TIMEOUT_MS\n", prog, prog);
	return 2;
}

int
main(int argc, char **argv)
{
	struct timespec gap = { 0, POLL_US * 1000 };
	struct pw_try t = { .seq = -1 };
	uint64_t deadline;
	int64_t t1, t0;
	const char *stamp;
	char *end;
	long ms;
	int pw, ok;

	if (argc != 5)
		return usage();
	if (strcmp(argv[1], "amixd") == 0)
		pw = 0;
	else if (strcmp(argv[1], "pipewire") == 0)
		pw = 1;
	else
		return usage();
	stamp = argv[3];
	errno = 0;
	ms = strtol(argv[4], &end, 10);
	if (errno != 0 || *end != '\0' || ms <= 0 || ms > 600000) {
		fprintf(stderr, "%s: bad TIMEOUT_MS: %s\n", prog, argv[4]);
		return 2;
	}
	if (pw) {
		pw_init(&argc, &argv);
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
	printf("ready\n");
	fflush(stdout);

	deadline = am_clock_ns() + (uint64_t)ms * 1000000;
	for (;;) {
		ok = pw ? try_pipewire(&t, deadline) :
		    try_amixd(argv[2], deadline);
		if (ok)
			break;
		if (left_ms(deadline) == 0) {
			fprintf(stderr, "%s: %s %s did not answer within "
			    "%ld ms\n", prog, argv[1], argv[2], ms);
			return 1;
		}
		nanosleep(&gap, NULL);
	}
	t1 = real_us();
	if ((t0 = stamp_us(stamp)) < 0) {
		fprintf(stderr, "%s: %s answered, but %s holds no exec time "
		    "(bench_daemon's BENCH_EXEC_STAMP)\n", prog, argv[1], stamp);
		return 1;
	}
	printf("%lld\n", (long long)(t1 - t0));
	if (pw) {
		pw_loop_leave(t.loop);
		pw_context_destroy(t.ctx);
		pw_loop_destroy(t.loop);
		pw_deinit();
	}
	return 0;
}
