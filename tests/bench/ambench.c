/* SPDX-License-Identifier: MIT */
/*
 * ambench: small measurements that need a real client, not a shell:
 *
 *	ambench boot N AMIXD SOCKET	exec to first ping reply, N runs
 *	ambench ping N SOCKET		ping round trips on one connection
 *	ambench echo N [CPU]		the same round trips with a child
 *					that answers at once (on CPU when
 *					given): the floor of any request
 *					over a Unix socket between two
 *					processes placed so on this machine
 *	ambench exec N PROG [ARG...]	fork, exec and wait for PROG, N runs
 *
 * Prints one JSON object: median, p99 and min in microseconds.
 */

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "proto.h"
#include "sock.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, uint64_t *ns, int n)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("{\"what\":\"%s\",\"runs\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,"
	    "\"min_us\":%.1f}\n", what, n, ns[n / 2] / 1e3,
	    ns[(int)(n * 0.99)] / 1e3, ns[0] / 1e3);
}

/* One ping on a fresh connection; 0 when answered. */
static int
ping_once(const char *sock)
{
	struct am_conn c;
	cJSON *reply;
	int rc;

	if (am_conn_open(&c, sock) < 0)
		return -1;
	rc = am_conn_request(&c, "{\"cmd\":\"ping\"}", NULL, 0, &reply);
	am_conn_close(&c);
	if (rc < 0)
		return -1;
	rc = am_proto_is_ok(reply) ? 0 : -1;
	cJSON_Delete(reply);
	return rc;
}

static int
bench_boot(int n, const char *amixd, const char *sock)
{
	uint64_t *ns = calloc(n, sizeof(*ns)), t0;
	pid_t pid;
	int i, status;

	for (i = 0; i < n; i++) {
		unlink(sock);
		t0 = am_clock_ns();
		pid = fork();
		if (pid == 0) {
			execl(amixd, amixd, "-b", "null", "-s", sock,
			    (char *)NULL);
			_exit(127);
		}
		while (ping_once(sock) < 0) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "ambench: amixd exited\n");
				return 1;
			}
			/* Leave the CPU to the daemon starting up. */
			nanosleep(&(struct timespec){ 0, 100000 }, NULL);
		}
		ns[i] = am_clock_ns() - t0;
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	report("boot", ns, n);
	free(ns);
	return 0;
}

static int
bench_ping(int n, const char *sock)
{
	uint64_t *ns = calloc(n, sizeof(*ns)), t0;
	struct am_conn c;
	cJSON *reply;
	int i;

	if (am_conn_open(&c, sock) < 0) {
		fprintf(stderr, "ambench: cannot connect to %s\n", sock);
		return 1;
	}
	for (i = 0; i < n; i++) {
		t0 = am_clock_ns();
		if (am_conn_request(&c, "{\"cmd\":\"ping\"}", NULL, 0,
		    &reply) < 0)
			return 1;
		ns[i] = am_clock_ns() - t0;
		cJSON_Delete(reply);
	}
	am_conn_close(&c);
	report("ping", ns, n);
	free(ns);
	return 0;
}

/*
 * The floor under bench_ping: a socketpair to a forked child that reads
 * each request and writes amixd's ping reply back, doing nothing else;
 * the parent times N round trips of the same bytes as bench_ping's.
 */
static int
bench_echo(int n, int cpu)
{
	static const char req[] = "{\"cmd\":\"ping\"}\n";
	static const char rep[] =
	    "{\"ok\":true,\"name\":\"audiomixerd\",\"version\":\"0.1.0\"}\n";
	uint64_t *ns = calloc(n, sizeof(*ns)), t0;
	char buf[256];
	int sv[2], i, status;
	pid_t pid;

	if (ns == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("ambench: echo");
		return 1;
	}
	if ((pid = fork()) == 0) {
		close(sv[0]);
		if (cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0) {
				perror("ambench: echo: CPU");
				_exit(1);
			}
		}
		while (read(sv[1], buf, sizeof(buf)) > 0)
			if (write(sv[1], rep, sizeof(rep) - 1) < 0)
				break;
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; i < n; i++) {
		t0 = am_clock_ns();
		if (write(sv[0], req, sizeof(req) - 1) < 0 ||
		    read(sv[0], buf, sizeof(buf)) <= 0) {
			perror("ambench: echo");
			return 1;
		}
		ns[i] = am_clock_ns() - t0;
	}
	close(sv[0]);
	waitpid(pid, &status, 0);
	report("echo", ns, n);
	free(ns);
	return 0;
}

/* The machine's cost of starting any program, for context. */
static int
bench_exec(int n, char **argv)
{
	uint64_t *ns = calloc(n, sizeof(*ns)), t0;
	pid_t pid;
	int i, status;

	for (i = 0; i < n; i++) {
		t0 = am_clock_ns();
		pid = fork();
		if (pid == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		ns[i] = am_clock_ns() - t0;
	}
	report("exec", ns, n);
	free(ns);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "exec") == 0)
		return bench_exec(atoi(argv[2]), argv + 3);
	if (argc == 5 && strcmp(argv[1], "boot") == 0)
		return bench_boot(atoi(argv[2]), argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "ping") == 0)
		return bench_ping(atoi(argv[2]), argv[3]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "echo") == 0)
		return bench_echo(atoi(argv[2]), argc == 4 ? atoi(argv[3]) : -1);
	fprintf(stderr, "usage: ambench boot N AMIXD SOCKET | "
	    "ambench ping N SOCKET | ambench echo N [CPU] | "
	    "ambench exec N PROG [ARG...]\n");
	return 2;
}
