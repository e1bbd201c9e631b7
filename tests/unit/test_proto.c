/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/proto.c and lib/sock.c: the line assembler fed in
 * chunks of several sizes (split lines, several lines a read, \r\n, the
 * exact 64 KiB edge, oversized lines reported once, a megabyte without
 * newline), reply helpers with tag echo, socket path resolution, and
 * sockets: descriptor passing over a socketpair, listen/connect with a
 * stale socket, and a client request that skips event lines.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "proto.h"
#include "sock.h"
#include "t.h"
#include "util.h"

#define MAX	AM_PROTO_LINE_MAX

/* A growing transcript of what the assembler handed out. */
struct tr {
	char *s;
	size_t len, cap;
	int stalled;		/* am_lbuf_space gave no room */
	int badline;		/* a long line was not all one char */
};

static void
tr_add(struct tr *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
}

/*
 * Take every available line out of lb into the transcript: short lines
 * as "[text]", long ones as "[N*c]" (N copies of c), -E2BIG as "!".
 */
static void
tr_drain(struct am_lbuf *lb, struct tr *t)
{
	char buf[64], *line;
	size_t len, i;
	int rc;

	while ((rc = am_lbuf_next(lb, &line, &len)) != 0) {
		if (rc < 0) {
			tr_add(t, rc == -E2BIG ? "!" : "?");
			continue;
		}
		if (strlen(line) != len)
			t->badline = 1;
		if (len <= 32) {
			snprintf(buf, sizeof(buf), "[%s]", line);
		} else {
			for (i = 1; i < len; i++)
				if (line[i] != line[0])
					t->badline = 1;
			snprintf(buf, sizeof(buf), "[%zu*%c]", len, line[0]);
		}
		tr_add(t, buf);
	}
}

/*
 * Feed in[0..n) to a fresh assembler, at most chunk bytes per read as
 * a socket would deliver them. Returns the transcript; *pending gets
 * am_lbuf_pending() at the end.
 */
static struct tr
feed(const char *in, size_t n, size_t chunk, size_t *pending)
{
	struct am_lbuf lb;
	struct tr t;
	size_t avail, k;
	char *p;

	memset(&t, 0, sizeof(t));
	tr_add(&t, "");
	am_lbuf_init(&lb);
	while (n > 0) {
		p = am_lbuf_space(&lb, &avail);
		if (avail == 0) {
			t.stalled = 1;
			break;
		}
		k = n < chunk ? n : chunk;
		if (k > avail)
			k = avail;
		memcpy(p, in, k);
		am_lbuf_commit(&lb, k);
		in += k;
		n -= k;
		tr_drain(&lb, &t);
	}
	if (pending != NULL)
		*pending = am_lbuf_pending(&lb);
	am_lbuf_done(&lb);
	return t;
}

struct lrow {
	const char *in;
	const char *want;
	size_t pending;
};

static const struct lrow lrows[] = {
	{ "a\nb\n",			"[a][b]",		0 },
	{ "hello\nworld\n",		"[hello][world]",	0 },
	{ "one\ntwo\nthree\n",		"[one][two][three]",	0 },
	{ "x\r\ny\r\n",			"[x][y]",		0 },
	{ "\r\n",			"[]",			0 },
	{ "\n\n",			"[][]",			0 },
	{ "a\rb\n",			"[a\rb]",		0 },
	{ "a\r\r\n",			"[a\r]",		0 },
	{ "{\"cmd\":\"ping\"}\n{\"c",	"[{\"cmd\":\"ping\"}]",	3 },
	{ "partial",			"",			7 },
	{ "",				"",			0 },
};

static const size_t chunks[] = { 1, 2, 3, 7, 4096, 1 << 20 };

/*
 * Build input from parts: a part is "=N:c" for N copies of c, else
 * literal text.
 */
static char *
build(const char *const *parts, size_t *len)
{
	char *s = NULL;
	size_t n = 0, k;
	char c;

	for (; *parts != NULL; parts++) {
		if ((*parts)[0] == '=') {
			k = strtoul(*parts + 1, NULL, 10);
			c = strchr(*parts, ':')[1];
			s = xrealloc(s, n + k);
			memset(s + n, c, k);
		} else {
			k = strlen(*parts);
			s = xrealloc(s, n + k);
			memcpy(s + n, *parts, k);
		}
		n += k;
	}
	*len = n;
	return s;
}

struct brow {
	const char *what;
	const char *parts[8];
	const char *want;
};

static const struct brow brows[] = {
	{ "exactly 64 KiB with newline",
	    { "=65535:a", "\n", "next\n", NULL }, "[65535*a][next]" },
	{ "exactly 64 KiB with \\r\\n",
	    { "=65534:a", "\r\n", NULL }, "[65534*a]" },
	{ "one byte over",
	    { "=65536:a", "\n", "next\n", NULL }, "![next]" },
	{ "one over by \\r",
	    { "=65535:a", "\r\n", "next\n", NULL }, "![next]" },
	{ "1 MiB without newline, then one",
	    { "=1048576:z", "\n", "after\n", NULL }, "![after]" },
	{ "three oversized lines",
	    { "=70000:a", "\n", "=65536:b", "\n", "=200000:c", "\n", "z\n",
	    NULL }, "!!![z]" },
	{ "max line after others (compaction)",
	    { "l1\nl2\n", "=40000:q", "\n", "=65535:m", "\n", "end\n", NULL },
	    "[l1][l2][40000*q][65535*m][end]" },
	{ "short lines around an oversized one",
	    { "a\n", "=65537:x", "\nb\n", NULL }, "[a]![b]" },
};

static void
test_lbuf(void)
{
	struct am_lbuf lb;
	struct tr t;
	char *in, *p, *l1, *l2;
	size_t i, j, n, pend, avail;
	int stalled;

	for (i = 0; i < AM_NELEM(lrows); i++) {
		for (j = 0; j < AM_NELEM(chunks); j++) {
			t = feed(lrows[i].in, strlen(lrows[i].in), chunks[j],
			    &pend);
			is_str(t.s, lrows[i].want, "lbuf row %zu chunk %zu",
			    i, chunks[j]);
			is_int(pend, lrows[i].pending, "lbuf row %zu chunk %zu "
			    "pending", i, chunks[j]);
			free(t.s);
		}
	}
	for (i = 0; i < AM_NELEM(brows); i++) {
		in = build(brows[i].parts, &n);
		for (j = 0; j < AM_NELEM(chunks); j++) {
			if (chunks[j] < 4 && n > 300000)
				continue;	/* slow, adds nothing */
			t = feed(in, n, chunks[j], &pend);
			is_str(t.s, brows[i].want, "%s, chunk %zu",
			    brows[i].what, chunks[j]);
			ok(!t.stalled && !t.badline && pend == 0, "%s, chunk "
			    "%zu: no stall, lines intact", brows[i].what,
			    chunks[j]);
			free(t.s);
		}
		free(in);
	}

	/* Two lines from one read are both valid until the next read. */
	am_lbuf_init(&lb);
	p = am_lbuf_space(&lb, &avail);
	ok(avail == MAX + 1, "empty buffer offers %zu bytes", avail);
	memcpy(p, "first\nsecond\n", 13);
	am_lbuf_commit(&lb, 13);
	ok(am_lbuf_next(&lb, &l1, NULL) == 1 &&
	    am_lbuf_next(&lb, &l2, NULL) == 1, "two lines");
	is_str(l1, "first", "first line still valid");
	is_str(l2, "second", "second line");
	is_int(am_lbuf_next(&lb, &l1, NULL), 0, "no third line");

	/*
	 * A caller that never drains: a full buffer without newline must
	 * still offer room, and report the line once.
	 */
	stalled = 0;
	for (i = 0; i < 40; i++) {
		p = am_lbuf_space(&lb, &avail);
		if (avail == 0) {
			stalled = 1;
			break;
		}
		memset(p, 'k', avail < 8192 ? avail : 8192);
		am_lbuf_commit(&lb, avail < 8192 ? avail : 8192);
	}
	ok(!stalled, "undrained buffer never stalls");
	is_int(am_lbuf_next(&lb, &l1, NULL), -E2BIG, "reported");
	is_int(am_lbuf_next(&lb, &l1, NULL), 0, "reported once");
	p = am_lbuf_space(&lb, &avail);
	memcpy(p, "kk\nok\n", 6);
	am_lbuf_commit(&lb, 6);
	ok(am_lbuf_next(&lb, &l1, NULL) == 1, "line after skipped one");
	is_str(l1, "ok", "line after skipped one is intact");
	am_lbuf_done(&lb);
}

static char *
pr(const cJSON *j)
{
	static char buf[1024];
	char *s;

	if (j == NULL)
		return "(null)";
	s = cJSON_PrintUnformatted(j);
	snprintf(buf, sizeof(buf), "%s", s);
	cJSON_free(s);
	return buf;
}

static void
test_reply(void)
{
	cJSON *req, *r;
	char *s;
	size_t len;

	r = am_proto_ok(NULL);
	is_str(pr(r), "{\"ok\":true}", "ok without request");
	ok(am_proto_is_ok(r), "is_ok");
	ok(am_proto_err_code(r) == NULL && am_proto_err_message(r) == NULL,
	    "ok reply has no error code or message");
	s = am_proto_print(r, &len);
	is_str(s, "{\"ok\":true}\n", "print appends newline");
	is_int(len, 12, "print length without NUL");
	free(s);
	cJSON_Delete(r);

	req = cJSON_Parse("{\"cmd\":\"ping\"}");
	r = am_proto_ok(req);
	is_str(pr(r), "{\"ok\":true}", "ok without tag");
	cJSON_Delete(r);
	cJSON_Delete(req);

	req = cJSON_Parse("{\"cmd\":\"ping\",\"tag\":\"abc\"}");
	r = am_proto_ok(req);
	is_str(pr(r), "{\"ok\":true,\"tag\":\"abc\"}", "ok echoes tag");
	cJSON_Delete(r);
	cJSON_Delete(req);

	req = cJSON_Parse("{\"tag\":{\"a\":[1,2,{\"b\":null}]},\"cmd\":\"x\"}");
	r = am_proto_ok(req);
	cJSON_Delete(req);	/* deep copy: r must not use req */
	is_str(pr(r), "{\"ok\":true,\"tag\":{\"a\":[1,2,{\"b\":null}]}}",
	    "ok deep-copies an object tag");
	cJSON_Delete(r);

	req = cJSON_Parse("{\"cmd\":\"connect\",\"tag\":7}");
	r = am_proto_err(req, AM_ERR_NOT_FOUND, "no node %d", 12);
	is_str(pr(r), "{\"ok\":false,\"tag\":7,\"error\":{\"code\":"
	    "\"not_found\",\"message\":\"no node 12\"}}", "err with tag");
	ok(!am_proto_is_ok(r), "err is not ok");
	is_str(am_proto_err_code(r), "not_found", "err_code");
	is_str(am_proto_err_message(r), "no node 12", "err_message");
	cJSON_Delete(r);
	cJSON_Delete(req);

	r = am_proto_err(NULL, AM_ERR_BAD_JSON, "bad \"json\"");
	s = am_proto_print(r, &len);
	is_str(s, "{\"ok\":false,\"error\":{\"code\":\"bad_json\","
	    "\"message\":\"bad \\\"json\\\"\"}}\n", "err escapes message");
	is_int(len, strlen(s), "print length");
	free(s);
	cJSON_Delete(r);

	ok(!am_proto_is_ok(NULL), "is_ok(NULL)");
	r = cJSON_Parse("[1]");
	ok(!am_proto_is_ok(r) && am_proto_err_code(r) == NULL,
	    "array is not a reply");
	cJSON_Delete(r);
	r = cJSON_Parse("{\"ok\":1,\"error\":{\"code\":5}}");
	ok(!am_proto_is_ok(r), "ok must be true, not 1");
	ok(am_proto_err_code(r) == NULL, "non-string code is NULL");
	cJSON_Delete(r);
}

static void
test_path(void)
{
	char buf[256], want[256], small[8];
	char *xdg;
	int run_ok;

	xdg = getenv("XDG_RUNTIME_DIR");
	xdg = xdg != NULL ? xstrdup(xdg) : NULL;

	setenv("AUDIOMIXERD_SOCKET", "/some/where.sock", 1);
	is_int(am_proto_socket_path(buf, sizeof(buf)), 0, "env path rc");
	is_str(buf, "/some/where.sock", "AUDIOMIXERD_SOCKET wins");
	is_int(am_proto_socket_path(small, sizeof(small)), -ENAMETOOLONG,
	    "too long for the buffer");
	setenv("AUDIOMIXERD_SOCKET", "", 1);
	setenv("XDG_RUNTIME_DIR", "/xdg/dir", 1);
	run_ok = access("/run/copperline", W_OK | X_OK) == 0 ||
	    (errno == ENOENT && access("/run", W_OK | X_OK) == 0);
	is_int(am_proto_socket_path(buf, sizeof(buf)), 0, "default rc");
	if (run_ok) {
		is_str(buf, "/run/copperline/audiomixerd.sock",
		    "empty AUDIOMIXERD_SOCKET ignored, /run usable");
		skip("XDG_RUNTIME_DIR and /tmp fallbacks: /run is usable");
		skip("/tmp fallback: /run is usable");
	} else {
		is_str(buf, "/xdg/dir/copperline/audiomixerd.sock",
		    "empty AUDIOMIXERD_SOCKET ignored, XDG_RUNTIME_DIR");
		unsetenv("AUDIOMIXERD_SOCKET");
		is_int(am_proto_socket_path(buf, sizeof(buf)), 0, "xdg rc");
		unsetenv("XDG_RUNTIME_DIR");
		snprintf(want, sizeof(want),
		    "/tmp/copperline-%u/audiomixerd.sock", (unsigned)getuid());
		am_proto_socket_path(buf, sizeof(buf));
		is_str(buf, want, "/tmp fallback without XDG_RUNTIME_DIR");
	}
	unsetenv("AUDIOMIXERD_SOCKET");
	if (xdg != NULL)
		setenv("XDG_RUNTIME_DIR", xdg, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(xdg);
}

/* Is fd open? */
static int
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void
test_fdpass(void)
{
	int sv[2], p[2], fds[AM_SOCK_FD_MAX + 1], got[4], nfds, i;
	char buf[64];
	long n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(p) < 0) {
		ok(0, "socketpair, pipe");
		return;
	}
	is_int(am_sock_send(sv[0], "hello\n", 6, &p[1], 1), 6,
	    "send 6 bytes and a pipe");
	nfds = 4;
	n = am_sock_recv(sv[1], buf, sizeof(buf), got, &nfds);
	is_int(n, 6, "recv 6 bytes");
	is_int(nfds, 1, "recv one descriptor");
	if (nfds == 1) {
		ok(fcntl(got[0], F_GETFD) & FD_CLOEXEC, "received fd is "
		    "close-on-exec");
		ok(write(got[0], "via", 3) == 3, "write to passed pipe");
		ok(read(p[0], buf, sizeof(buf)) == 3 &&
		    memcmp(buf, "via", 3) == 0, "read it from the pipe");
		close(got[0]);
	}

	/* No room: received descriptors are closed, none leak. */
	am_sock_send(sv[0], "x", 1, &p[1], 1);
	close(p[1]);
	nfds = 0;
	n = am_sock_recv(sv[1], buf, sizeof(buf), got, &nfds);
	ok(n == 1 && nfds == 0, "no room: zero descriptors");
	ok(read(p[0], buf, sizeof(buf)) == 0, "extra descriptor was closed "
	    "(pipe at EOF)");
	close(p[0]);

	/* Room for 1 of 3; the other two closed. NULL fds accepted. */
	if (pipe(p) < 0)
		return;
	fds[0] = fds[1] = fds[2] = p[1];
	is_int(am_sock_send(sv[0], "y", 1, fds, 3), 1, "send three fds");
	nfds = 1;
	n = am_sock_recv(sv[1], buf, sizeof(buf), got, &nfds);
	ok(n == 1 && nfds == 1, "room for one: one kept");
	close(p[1]);
	if (nfds == 1) {
		close(got[0]);
		ok(fd_open(got[0]) == 0, "kept one closed by the test");
	}
	ok(read(p[0], buf, sizeof(buf)) == 0, "the other two were closed");
	close(p[0]);
	am_sock_send(sv[0], "z", 1, NULL, 0);
	n = am_sock_recv(sv[1], buf, sizeof(buf), NULL, NULL);
	is_int(n, 1, "recv with NULL fds");

	for (i = 0; i <= AM_SOCK_FD_MAX; i++)
		fds[i] = 0;
	is_int(am_sock_send(sv[0], "a", 1, fds, AM_SOCK_FD_MAX + 1), -EINVAL,
	    "more than AM_SOCK_FD_MAX descriptors");
	is_int(am_sock_send(sv[0], "", 0, fds, 1), -EINVAL,
	    "descriptors without data");
	is_int(am_sock_send(sv[0], "a", 1, fds, AM_SOCK_FD_MAX),
	    1, "exactly AM_SOCK_FD_MAX descriptors");
	nfds = AM_SOCK_FD_MAX;
	n = am_sock_recv(sv[1], buf, sizeof(buf), fds, &nfds);
	is_int(nfds, AM_SOCK_FD_MAX, "received AM_SOCK_FD_MAX");
	for (i = 0; i < nfds; i++)
		close(fds[i]);

	close(sv[1]);
	is_int(am_sock_send(sv[0], "a", 1, NULL, 0), -EPIPE,
	    "peer gone: -EPIPE, no SIGPIPE");
	is_int(am_sock_send_all(sv[0], "a", 1, NULL, 0), -EPIPE,
	    "send_all: -EPIPE");
	n = am_sock_recv(sv[0], buf, sizeof(buf), NULL, NULL);
	is_int(n, 0, "recv at EOF");
	close(sv[0]);
}

/* Reader thread for the send_all test: sums what arrives. */
struct sink {
	int fd;
	size_t total;
	uint64_t sum;
	int nfds;
};

static void *
sink_run(void *arg)
{
	struct sink *s = arg;
	unsigned char buf[3000];
	int fds[2], nfds;
	long n, i;

	for (;;) {
		nfds = 2;
		n = am_sock_recv(s->fd, buf, sizeof(buf), fds, &nfds);
		if (n <= 0)
			break;
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		s->nfds += nfds;
		for (i = 0; i < n; i++)
			s->sum += buf[i] * (uint64_t)(s->total + i + 1);
		s->total += (size_t)n;
	}
	return NULL;
}

static void
test_send_all(void)
{
	struct sink s;
	pthread_t th;
	unsigned char *big;
	uint64_t sum = 0;
	size_t n = 3 << 20, i;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		return;
	/* The reader blocks; only the writer's side is non-blocking. */
	fcntl(sv[1], F_SETFL, 0);
	big = xmalloc(n);
	for (i = 0; i < n; i++) {
		big[i] = (unsigned char)(i * 7 + (i >> 9));
		sum += big[i] * (uint64_t)(i + 1);
	}
	memset(&s, 0, sizeof(s));
	s.fd = sv[1];
	pthread_create(&th, NULL, sink_run, &s);
	is_int(am_sock_send_all(sv[0], big, n, &sv[0], 1), 0,
	    "send_all 3 MiB on a non-blocking socket");
	close(sv[0]);
	pthread_join(th, NULL);
	is_int(s.total, n, "all bytes arrived");
	ok(s.sum == sum, "in order");
	is_int(s.nfds, 1, "the descriptor went once");
	close(sv[1]);
	free(big);
}

static void
test_listen(void)
{
	char dir[] = "/tmp/amtest.XXXXXX";
	char path[300], sub[256], lng[300];
	struct stat st;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int l, l2, c, a, fd;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	umask(022);
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	snprintf(path, sizeof(path), "%s/amixd.sock", sub);
	is_int(am_sock_connect(path), -ENOENT, "connect, nobody there");
	l = am_sock_listen(path);
	ok(l >= 0, "listen creates parent directories (%d)", l);
	ok(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0750, "parent mode 0750");
	ok(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    (st.st_mode & 07777) == 0660, "socket mode 0660");
	ok((fcntl(l, F_GETFL) & O_NONBLOCK) &&
	    (fcntl(l, F_GETFD) & FD_CLOEXEC), "listener non-blocking, cloexec");

	c = am_sock_connect(path);
	ok(c >= 0, "connect");
	ok(!(fcntl(c, F_GETFL) & O_NONBLOCK) &&
	    (fcntl(c, F_GETFD) & FD_CLOEXEC), "client blocking, cloexec");
	a = accept(l, NULL, NULL);
	ok(a >= 0, "accept");
	ok(am_sock_peercred(a, &uid, &gid, &pid) == 0 && uid == getuid() &&
	    gid == getgid() && pid == getpid(), "peercred is us");
	ok(am_sock_peercred(a, NULL, NULL, NULL) == 0, "peercred NULLs");
	close(a);
	close(c);

	is_int(am_sock_listen(path), -EADDRINUSE, "a live daemon answers");
	close(l);
	ok(stat(path, &st) == 0, "closed listener leaves a stale file");
	l2 = am_sock_listen(path);
	ok(l2 >= 0, "stale socket replaced");
	close(l2);
	unlink(path);

	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	is_int(am_sock_listen(path), -EEXIST, "a regular file is not removed");
	ok(stat(path, &st) == 0 && S_ISREG(st.st_mode), "file still there");
	unlink(path);

	memset(lng, 'x', sizeof(lng) - 1);
	lng[0] = '/';
	lng[sizeof(lng) - 1] = '\0';
	is_int(am_sock_listen(lng), -ENAMETOOLONG, "listen: path too long");
	is_int(am_sock_connect(lng), -ENAMETOOLONG, "connect: too long");

	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	rmdir(sub);
	rmdir(dir);
}

/* Read one line from a server-side socket (test helper, blocking). */
static int
srv_line(int fd, char *buf, size_t size, int *fds, int *nfds)
{
	size_t len = 0;
	int room = nfds != NULL ? *nfds : 0, got, total = 0;
	long n;

	while (len < size - 1) {
		got = room - total;
		n = am_sock_recv(fd, buf + len, 1, fds ? fds + total : NULL,
		    &got);
		if (n <= 0)
			return -1;
		total += got;
		len += (size_t)n;
		if (buf[len - 1] == '\n')
			break;
	}
	buf[len] = '\0';
	if (nfds != NULL)
		*nfds = total;
	return 0;
}

/* Write a string to the client as the daemon would. */
static void
srv_put(int fd, const char *s)
{
	size_t n = strlen(s);

	if (write(fd, s, n) != (ssize_t)n)
		ok(0, "server write");
}

static void
test_conn(void)
{
	char dir[] = "/tmp/amtest.XXXXXX";
	char path[256], buf[256], *line;
	struct am_conn c;
	cJSON *reply;
	int l, s, p[2], fds[2], nfds;
	const char *srv;

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/s", dir);
	l = am_sock_listen(path);
	is_int(am_conn_open(&c, path), 0, "am_conn_open");
	s = accept(l, NULL, NULL);

	/* The daemon's answer is queued before the request is even sent. */
	srv = "{\"event\":\"state\",\"state\":\"running\"}\n"
	    "{\"event\":\"xrun\"}\r\n"
	    "{\"ok\":true,\"pong\":1}\n";
	srv_put(s, srv);
	is_int(am_conn_request(&c, "{\"cmd\":\"ping\"}", NULL, 0, &reply), 0,
	    "request skips event lines");
	is_str(pr(reply), "{\"ok\":true,\"pong\":1}", "the reply");
	cJSON_Delete(reply);
	srv_line(s, buf, sizeof(buf), NULL, NULL);
	is_str(buf, "{\"cmd\":\"ping\"}\n", "newline appended on send");

	/* A request with a descriptor and its own newline. */
	if (pipe(p) == 0) {
		srv = "{\"ok\":false,\"error\":{\"code\":\"state\","
		    "\"message\":\"m\"}}\n";
		srv_put(s, srv);
		is_int(am_conn_request(&c, "{\"cmd\":\"x\",\"fd\":0}\n", &p[0],
		    1, &reply), 0, "request with a descriptor");
		is_str(am_proto_err_code(reply), "state", "error reply");
		cJSON_Delete(reply);
		nfds = 2;
		srv_line(s, buf, sizeof(buf), fds, &nfds);
		is_str(buf, "{\"cmd\":\"x\",\"fd\":0}\n", "no second newline");
		is_int(nfds, 1, "server got the descriptor");
		if (nfds == 1)
			close(fds[0]);
		close(p[0]);
		close(p[1]);
	}

	is_int(am_conn_recv(&c, &line, 50), 0, "recv times out");
	is_int(am_conn_recv(&c, &line, 0), 0, "recv with timeout 0");
	srv_put(s, "half");
	is_int(am_conn_recv(&c, &line, 20), 0, "incomplete line: timeout");
	srv_put(s, " line\n");
	is_int(am_conn_recv(&c, &line, 1000), 1, "completed line");
	is_str(line, "half line", "the line");

	srv_put(s, "not json\n");
	is_int(am_conn_request(&c, "{}", NULL, 0, &reply), -EPROTO,
	    "not JSON: -EPROTO");
	ok(reply == NULL, "no reply on error");
	srv_line(s, buf, sizeof(buf), NULL, NULL);

	close(s);
	is_int(am_conn_recv(&c, &line, -1), -EPIPE, "EOF: -EPIPE");
	is_int(am_conn_request(&c, "{}", NULL, 0, &reply), -EPIPE,
	    "request after EOF: -EPIPE");
	am_conn_close(&c);

	setenv("AUDIOMIXERD_SOCKET", path, 1);
	is_int(am_conn_open(&c, NULL), 0, "am_conn_open(NULL) uses the env");
	am_conn_close(&c);
	unsetenv("AUDIOMIXERD_SOCKET");

	close(l);
	unlink(path);
	is_int(am_conn_open(&c, path), -ENOENT, "open: no daemon");
	am_conn_close(&c);
	rmdir(dir);
}

/* -errno to protocol codes: one table, amixd(7) ERROR CODES. */
static void
test_errno_code(void)
{
	static const struct {
		int err;
		const char *code;
	} t[] = {
		{ -EINVAL, "bad_request" }, { -ERANGE, "bad_request" },
		{ -EBADF, "bad_request" }, { -EPROTO, "bad_request" },
		{ -ENOENT, "not_found" }, { -EACCES, "denied" },
		{ -EPERM, "denied" }, { -EDQUOT, "quota" },
		{ -ENOSPC, "quota" }, { -ENOSYS, "unsupported" },
		{ -EIO, "device" }, { -ENOMEM, "internal" },
		{ -EMFILE, "internal" }, { -ENFILE, "internal" },
		{ EINVAL, "bad_request" }, { 0, "internal" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_str(am_proto_errno_code(t[i].err), t[i].code,
		    "errno %d", t[i].err);
}

int
main(void)
{
	test_errno_code();
	test_lbuf();
	test_reply();
	test_path();
	test_fdpass();
	test_send_all();
	test_listen();
	test_conn();
	return t_done();
}
