/* SPDX-License-Identifier: MIT */
/*
 * bootfloor: the least a server can do before its first answer, for
 * pipewire.sh's floors under pw_boot_ms. It listens on
 * $AUDIOMIXERD_SOCKET and answers each request line with amixd's ping
 * reply; it does nothing else: no options, no graph, no engine. So
 * bootprobe's figure for it is what exec, loading and one round trip
 * cost on this machine. Built two ways (the Makefile):
 *
 *	bootfloor	 dynamically linked with exactly the libraries
 *			 amixd loads at start (libc, libcjson, libm; amixd
 *			 opens every other one on first use), the reply
 *			 parsed and built with cJSON: no amixd can answer
 *			 sooner (pw_boot_floor_ms). 950-bench-peers checks
 *			 that the two load the same libraries.
 *	bootfloor-static  static, the reply a constant (-DBOOTFLOOR_STATIC;
 *			 Debian has no static libcjson): no server of any
 *			 kind can (pw_boot_static_floor_ms).
 *
 *	AUDIOMIXERD_SOCKET=PATH bootfloor
 *
 * Runs until killed; 1, saying why, when it cannot listen.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#ifndef BOOTFLOOR_STATIC
#include <cjson/cJSON.h>
#endif

#ifdef BOOTFLOOR_STATIC
/* The reply, whatever was asked: nothing to parse with. */
static ssize_t
answer(int c, const char *req)
{
	static const char reply[] =
	    "{\"ok\":true,\"name\":\"audiomixerd\",\"version\":\"0.1.0\"}\n";

	(void)req;
	return write(c, reply, sizeof(reply) - 1);
}
#else
/* Parse the request, build the reply and send it as one line. */
static ssize_t
answer(int c, const char *buf)
{
	cJSON *req = cJSON_Parse(buf), *rep = cJSON_CreateObject();
	ssize_t n = -1;
	char *out;

	cJSON_AddBoolToObject(rep, "ok", req != NULL);
	cJSON_AddStringToObject(rep, "name", "audiomixerd");
	cJSON_AddStringToObject(rep, "version", "0.1.0");
	if ((out = cJSON_PrintUnformatted(rep)) != NULL) {
		n = (ssize_t)strlen(out);
		out[n] = '\n';		/* over the NUL: one line */
		n = write(c, out, (size_t)n + 1);
		cJSON_free(out);
	}
	cJSON_Delete(rep);
	cJSON_Delete(req);
	return n;
}
#endif

/* Answer one client's requests until it hangs up. */
static void
serve(int c)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (answer(c, buf) < 0)
			return;
	}
}

int
main(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *path = getenv("AUDIOMIXERD_SOCKET");
	int s, c;

	if (path == NULL || strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "bootfloor: set AUDIOMIXERD_SOCKET to a "
		    "path of under %zu bytes\n", sizeof(a.sun_path));
		return 1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s, 128) < 0) {
		perror("bootfloor: listen");
		return 1;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) < 0)
			continue;
		serve(c);
		close(c);
	}
}
