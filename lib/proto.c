/* SPDX-License-Identifier: MIT */
/*
 * proto: framing and helpers of control protocol v0 (DESIGN.md).
 *
 * The protocol is newline-delimited JSON over a Unix stream socket, at
 * most AM_PROTO_LINE_MAX bytes a line, newline included. This module
 * has three parts, shared by the daemon and the tools:
 *
 * am_lbuf, the line assembler. One fixed buffer of AM_PROTO_LINE_MAX + 1
 * bytes, allocated once: bytes are read straight into its tail
 * (am_lbuf_space, am_lbuf_commit) and complete lines are handed out in
 * place, NUL-terminated (am_lbuf_next), so no line is copied. Consumed
 * bytes are dropped by moving the unconsumed rest to the front, only
 * when room at the tail runs low. A line that cannot fit is not an
 * error of the connection: it is reported once (-E2BIG) and its bytes
 * are discarded as they arrive, up to and including its newline,
 * however long it goes on, so a reader is never stalled by a full
 * buffer and the next line is read normally. The assembler counts
 * stream bytes (lb->pos, the stream offset of buf[off]), so a caller can
 * tell which line a byte offset falls in: descriptors that came with
 * the bytes are matched to their line that way (fdq.c).
 *
 * Replies: am_proto_ok() and am_proto_err() build the reply objects,
 * echoing the request's "tag"; am_proto_print() makes the wire line.
 * The socket path rule lives here so daemon and clients agree.
 *
 * am_conn, the client side: a connected socket plus its assembler, and
 * a blocking request/reply call that skips interleaved event lines.
 *
 * Control thread or client programs only: cJSON allocates.
 */

#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#define LBUF_SIZE	(lb->max + 1)	/* bytes */
#define LBUF_LOW	4096		/* bytes: less room left compacts */

/* lb->skipping: one of below */
#define LBUF_KEEP	0		/* assembling lines */
#define LBUF_SKIP	1		/* dropping a long line, reported */
#define LBUF_SKIP_NEW	2		/* dropping one, not reported yet */

#define PROTO_RUN_DIR	"/run/copperline"
#define PROTO_SOCK_NAME	"audiomixerd.sock"
#define PROTO_MSG_MAX	1024		/* bytes, one error message */

/*
 * Set up an empty assembler; its buffer is allocated here, once.
 * Control thread.
 */
void
am_lbuf_init(struct am_lbuf *lb)
{
	am_lbuf_init_max(lb, AM_PROTO_LINE_MAX);
}

/*
 * The same for lines of at most max bytes: clients take the daemon's
 * replies and events, which may be longer than a request.
 */
void
am_lbuf_init_max(struct am_lbuf *lb, size_t max)
{
	lb->max = max;
	lb->buf = xmalloc(LBUF_SIZE);
	lb->len = 0;
	lb->off = 0;
	lb->pos = 0;
	lb->skipping = LBUF_KEEP;
}

/*
 * Free the buffer; lines handed out become invalid.
 */
void
am_lbuf_done(struct am_lbuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->off = 0;
}

/*
 * Where to read the next bytes into, and how many fit (*avail). Lines
 * handed out so far become invalid: consumed bytes may be moved out.
 * Callers take every complete line out with am_lbuf_next() before
 * asking for space again; then *avail is never 0. As a safety net, a
 * full buffer without any newline starts dropping (its line is too
 * long) instead of returning no room.
 */
char *
am_lbuf_space(struct am_lbuf *lb, size_t *avail)
{
	size_t n;

	if (lb->off == lb->len) {
		lb->off = lb->len = 0;
	} else if (lb->off > 0 && LBUF_SIZE - lb->len < LBUF_LOW) {
		n = lb->len - lb->off;
		memmove(lb->buf, lb->buf + lb->off, n);
		lb->off = 0;
		lb->len = n;
	}
	if (lb->len == LBUF_SIZE &&
	    memchr(lb->buf + lb->off, '\n', lb->len - lb->off) == NULL) {
		if (lb->skipping == LBUF_KEEP)
			lb->skipping = LBUF_SKIP_NEW;
		lb->pos += lb->len - lb->off;
		lb->off = lb->len = 0;
	}
	*avail = LBUF_SIZE - lb->len;
	return lb->buf + lb->len;
}

/*
 * Account for n bytes just read into the room am_lbuf_space() gave.
 */
void
am_lbuf_commit(struct am_lbuf *lb, size_t n)
{
	if (n > LBUF_SIZE - lb->len)
		n = LBUF_SIZE - lb->len;	/* caller bug: stay in bounds */
	lb->len += n;
}

/*
 * Take out the next complete line: newline and one '\r' before it
 * stripped, NUL-terminated, in place. *line (and *len, its length
 * without the NUL; len may be NULL) stay valid until the next
 * am_lbuf_space() or am_lbuf_commit(). Return 1 with a line, 0 when no
 * complete line is held, or -E2BIG once for each line longer than
 * AM_PROTO_LINE_MAX, whose bytes are then skipped.
 */
int
am_lbuf_next(struct am_lbuf *lb, char **line, size_t *len)
{
	char *data, *nl;
	size_t n, ll;
	int report;

	for (;;) {
		data = lb->buf + lb->off;
		n = lb->len - lb->off;
		nl = memchr(data, '\n', n);
		if (lb->skipping != LBUF_KEEP) {
			report = lb->skipping == LBUF_SKIP_NEW;
			lb->skipping = LBUF_SKIP;
			if (nl == NULL) {
				lb->pos += n;
				lb->off = lb->len = 0;
				return report ? -E2BIG : 0;
			}
			lb->pos += (size_t)(nl - data) + 1;
			lb->off += (size_t)(nl - data) + 1;
			lb->skipping = LBUF_KEEP;
			if (report)
				return -E2BIG;
			continue;
		}
		if (nl == NULL) {
			if (n < lb->max)
				return 0;
			/* No newline in LINE_MAX bytes: it cannot fit. */
			lb->skipping = LBUF_SKIP_NEW;
			continue;
		}
		ll = (size_t)(nl - data) + 1;
		if (ll > lb->max) {
			lb->skipping = LBUF_SKIP_NEW;
			continue;
		}
		lb->off += ll;
		lb->pos += ll;
		ll--;
		if (ll > 0 && data[ll - 1] == '\r')
			ll--;
		data[ll] = '\0';
		*line = data;
		if (len != NULL)
			*len = ll;
		return 1;
	}
}

/*
 * The stream offset of the first byte not taken out yet: after
 * am_lbuf_next() gave a line, the offset just past its newline; bytes
 * of a dropped line count as taken out.
 */
unsigned long long
am_lbuf_pos(const struct am_lbuf *lb)
{
	return lb->pos;
}

/*
 * The stream offset of the next byte to arrive: all bytes committed.
 */
unsigned long long
am_lbuf_end(const struct am_lbuf *lb)
{
	return lb->pos + (lb->len - lb->off);
}

/*
 * Drop the bytes held (a half line at end of file); they count as
 * taken out.
 */
void
am_lbuf_drop(struct am_lbuf *lb)
{
	lb->pos += lb->len - lb->off;
	lb->off = lb->len = 0;
	lb->skipping = LBUF_KEEP;
}

/*
 * Bytes held of a line not complete yet (0 while dropping one). At end
 * of file, non-zero means the peer stopped mid-line.
 */
size_t
am_lbuf_pending(const struct am_lbuf *lb)
{
	if (lb->skipping != LBUF_KEEP)
		return 0;
	return lb->len - lb->off;
}

/*
 * The protocol's error code for a failure given as -errno (or errno):
 * the one place where errno values meet the codes of amixd(7). What the
 * client asked for wrongly is bad_request, a file or node it named that
 * is not there not_found, what it may not touch denied, a limit quota;
 * what failed in the daemon or the system, not by the client's fault,
 * is device (I/O) or internal (memory, descriptors, anything else).
 */
const char *
am_proto_errno_code(int err)
{
	switch (err < 0 ? -err : err) {
	case EINVAL:
	case ERANGE:
	case EDOM:
	case EBADF:
	case EPROTO:
	case EXDEV:
	case EEXIST:
	case ELOOP:
	case EISDIR:
	case ENOTDIR:
	case ENAMETOOLONG:
		return AM_ERR_BAD_REQUEST;
	case ENOENT:
		return AM_ERR_NOT_FOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return AM_ERR_DENIED;
	case EDQUOT:
	case ENOSPC:
		return AM_ERR_QUOTA;
	case EBUSY:
		return AM_ERR_STATE;
	case ENOSYS:
	case EOPNOTSUPP:
		return AM_ERR_UNSUPPORTED;
	case EIO:
	case ENODEV:
	case ENXIO:
		return AM_ERR_DEVICE;
	default:	/* ENOMEM, EMFILE, ENFILE, EAGAIN, ... */
		return AM_ERR_INTERNAL;
	}
}

/*
 * Format into buf; -ENAMETOOLONG if it does not fit.
 */
static int
proto_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The control socket path, first match wins:
 *   $AUDIOMIXERD_SOCKET, if set and not empty;
 *   /run/copperline/audiomixerd.sock, if /run/copperline is writable
 *   and searchable, or is absent and /run is writable (the daemon will
 *   create it);
 *   $XDG_RUNTIME_DIR/copperline/audiomixerd.sock, if XDG_RUNTIME_DIR is
 *   set and not empty;
 *   /tmp/copperline-UID/audiomixerd.sock.
 * Return 0 or -ENAMETOOLONG (size includes the NUL).
 */
int
am_proto_socket_path(char *buf, size_t size)
{
	const char *env;

	env = getenv("AUDIOMIXERD_SOCKET");
	if (env != NULL && *env != '\0')
		return proto_path(buf, size, "%s", env);
	if (access(PROTO_RUN_DIR, W_OK | X_OK) == 0 ||
	    (errno == ENOENT && access("/run", W_OK | X_OK) == 0))
		return proto_path(buf, size, "%s/%s", PROTO_RUN_DIR,
		    PROTO_SOCK_NAME);
	env = getenv("XDG_RUNTIME_DIR");
	if (env != NULL && *env != '\0')
		return proto_path(buf, size, "%s/copperline/%s", env,
		    PROTO_SOCK_NAME);
	return proto_path(buf, size, "/tmp/copperline-%u/%s",
	    (unsigned)getuid(), PROTO_SOCK_NAME);
}

/*
 * New reply object {"ok":ok}, with a deep copy of req's "tag" (any JSON
 * type) when req has one. NULL (errno ENOMEM) if cJSON cannot allocate.
 */
static cJSON *
proto_reply(const cJSON *req, int ok)
{
	cJSON *r, *tag;

	if ((r = cJSON_CreateObject()) == NULL)
		goto nomem;
	if (cJSON_AddBoolToObject(r, "ok", ok) == NULL)
		goto nomem_del;
	tag = cJSON_IsObject(req) ?
	    cJSON_GetObjectItemCaseSensitive(req, "tag") : NULL;
	if (tag != NULL) {
		if ((tag = cJSON_Duplicate(tag, 1)) == NULL)
			goto nomem_del;
		cJSON_AddItemToObject(r, "tag", tag);
	}
	return r;
nomem_del:
	cJSON_Delete(r);
nomem:
	errno = ENOMEM;
	return NULL;
}

/*
 * Success reply for req (req may be NULL): {"ok":true[,"tag":...]}.
 * The caller adds its fields, prints and deletes it. NULL on ENOMEM.
 */
cJSON *
am_proto_ok(const cJSON *req)
{
	return proto_reply(req, 1);
}

/*
 * Error reply for req (may be NULL):
 * {"ok":false,"error":{"code":code,"message":...}[,"tag":...]}, the
 * message printf-formatted (truncated to 1 KiB). NULL on ENOMEM.
 */
cJSON *
am_proto_err(const cJSON *req, const char *code, const char *fmt, ...)
{
	char msg[PROTO_MSG_MAX];
	cJSON *r, *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((r = proto_reply(req, 0)) == NULL)
		return NULL;
	if ((e = cJSON_AddObjectToObject(r, "error")) == NULL ||
	    cJSON_AddStringToObject(e, "code", code) == NULL ||
	    cJSON_AddStringToObject(e, "message", msg) == NULL) {
		cJSON_Delete(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

/*
 * The wire form of obj: compact JSON and a newline, NUL-terminated, in
 * memory from malloc() that the caller free()s. *len (len may be NULL)
 * gets its length without the NUL. NULL (errno ENOMEM) on failure.
 */
char *
am_proto_print(const cJSON *obj, size_t *len)
{
	char *s, *out;
	size_t n;

	if ((s = cJSON_PrintUnformatted(obj)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	n = strlen(s);
	if ((out = malloc(n + 2)) != NULL) {
		memcpy(out, s, n);
		out[n] = '\n';
		out[n + 1] = '\0';
		if (len != NULL)
			*len = n + 1;
	}
	cJSON_free(s);
	if (out == NULL)
		errno = ENOMEM;
	return out;
}

/*
 * True if reply is an object with "ok":true.
 */
int
am_proto_is_ok(const cJSON *reply)
{
	return cJSON_IsObject(reply) &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
}

/*
 * The string member name of reply's "error" object, or NULL.
 */
static const char *
proto_err_field(const cJSON *reply, const char *name)
{
	const cJSON *e;

	if (!cJSON_IsObject(reply))
		return NULL;
	e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	if (!cJSON_IsObject(e))
		return NULL;
	return cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(e, name));
}

/*
 * error.code of an error reply, or NULL. Borrowed from reply.
 */
const char *
am_proto_err_code(const cJSON *reply)
{
	return proto_err_field(reply, "code");
}

/*
 * error.message of an error reply, or NULL. Borrowed from reply.
 */
const char *
am_proto_err_message(const cJSON *reply)
{
	return proto_err_field(reply, "message");
}

/*
 * Connect to the daemon at path (NULL: am_proto_socket_path()). Return
 * 0 or -errno; on error c holds no resources (fd -1) and
 * am_conn_close() is harmless.
 */
int
am_conn_open(struct am_conn *c, const char *path)
{
	char def[256];
	int rc;

	c->fd = -1;
	c->lb.buf = NULL;
	c->lb.len = c->lb.off = 0;
	c->lb.skipping = LBUF_KEEP;
	if (path == NULL) {
		if ((rc = am_proto_socket_path(def, sizeof(def))) < 0)
			return rc;
		path = def;
	}
	if ((rc = am_sock_connect(path)) < 0)
		return rc;
	c->fd = rc;
	am_lbuf_init_max(&c->lb, AM_PROTO_REPLY_MAX);
	return 0;
}

/*
 * Close the connection and free the assembler.
 */
void
am_conn_close(struct am_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	am_lbuf_done(&c->lb);
}

/*
 * Send one request line, adding the newline if missing, with nfds
 * descriptors. Blocks until all is sent. Return 0 or -errno (-E2BIG for
 * a line over AM_PROTO_LINE_MAX, -EPIPE when the daemon went away).
 */
int
am_conn_send(struct am_conn *c, const char *line, const int *fds, int nfds)
{
	size_t n;
	char *tmp;
	int rc;

	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		return n > AM_PROTO_LINE_MAX ? -E2BIG :
		    am_sock_send_all(c->fd, line, n, fds, nfds);
	if (n + 1 > AM_PROTO_LINE_MAX)
		return -E2BIG;
	tmp = xmalloc(n + 1);
	memcpy(tmp, line, n);
	tmp[n] = '\n';
	rc = am_sock_send_all(c->fd, tmp, n + 1, fds, nfds);
	free(tmp);
	return rc;
}

/*
 * Next line from the daemon, waiting at most timeout_ms (-1: forever).
 * *line is valid until the next call. With rfd, the first descriptor
 * the daemon passes is kept in *rfd when it holds -1; every other one
 * is closed. Return 1 with a line, 0 on timeout, -EPIPE at end of file,
 * -E2BIG for an oversized line (skipped; call again), or -errno.
 */
static int
conn_recv(struct am_conn *c, char **line, int timeout_ms, int *rfd)
{
	int fds[AM_SOCK_FD_MAX], nfds, i;
	struct pollfd pfd;
	uint64_t deadline = 0, now;
	size_t avail;
	char *p;
	long n;
	int rc, wait;

	if (timeout_ms >= 0)
		deadline = am_clock_ns() + (uint64_t)timeout_ms * 1000000;
	for (;;) {
		if ((rc = am_lbuf_next(&c->lb, line, NULL)) != 0)
			return rc;
		wait = -1;
		if (timeout_ms >= 0) {
			now = am_clock_ns();
			wait = now >= deadline ? 0 :
			    (int)((deadline - now + 999999) / 1000000);
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, wait);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (rc == 0)
			return 0;
		p = am_lbuf_space(&c->lb, &avail);
		nfds = rfd != NULL ? AM_SOCK_FD_MAX : 0;
		n = am_sock_recv(c->fd, p, avail, rfd != NULL ? fds : NULL,
		    rfd != NULL ? &nfds : NULL);
		for (i = 0; rfd != NULL && n > 0 && i < nfds; i++) {
			if (*rfd < 0)
				*rfd = fds[i];
			else
				close(fds[i]);
		}
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EPIPE;
		am_lbuf_commit(&c->lb, (size_t)n);
	}
}

/* am_conn_recv's contract: conn_recv with descriptors closed. */
int
am_conn_recv(struct am_conn *c, char **line, int timeout_ms)
{
	return conn_recv(c, line, timeout_ms, NULL);
}

/*
 * Send a request and wait for its reply, skipping event lines (objects
 * with an "event" member) in between. *reply (caller cJSON_Delete()s)
 * may be a success or an error reply. Return 0, -EPROTO if the daemon
 * answered something that is not a JSON object, or -errno.
 */
int
am_conn_request(struct am_conn *c, const char *line, const int *fds,
    int nfds, cJSON **reply)
{
	return am_conn_request_fd(c, line, fds, nfds, reply, NULL);
}

/*
 * am_conn_request, and with rfd the descriptor the daemon passed with
 * the reply (create_node's "wake_fd", clock_map's page) in *rfd, the
 * caller's to close; -1 when none came (or on failure: nothing kept).
 */
int
am_conn_request_fd(struct am_conn *c, const char *line, const int *fds,
    int nfds, cJSON **reply, int *rfd)
{
	char *l;
	cJSON *j;
	int rc;

	*reply = NULL;
	if (rfd != NULL)
		*rfd = -1;
	if ((rc = am_conn_send(c, line, fds, nfds)) < 0)
		return rc;
	for (;;) {
		if ((rc = conn_recv(c, &l, -1, rfd)) < 0) {
			if (rfd != NULL && *rfd >= 0) {
				close(*rfd);
				*rfd = -1;
			}
			return rc;
		}
		if (rc == 0)
			continue;
		if ((j = cJSON_Parse(l)) == NULL || !cJSON_IsObject(j)) {
			cJSON_Delete(j);
			if (rfd != NULL && *rfd >= 0) {
				close(*rfd);
				*rfd = -1;
			}
			return -EPROTO;
		}
		if (cJSON_GetObjectItemCaseSensitive(j, "event") != NULL) {
			cJSON_Delete(j);
			continue;
		}
		*reply = j;
		return 0;
	}
}

/*
 * A node's arguments as "key=value ...", in the order of the object,
 * for people: control characters become subst. Truncated to fit len.
 */
void
am_proto_args_text(const cJSON *args, char *buf, size_t len, char subst)
{
	const cJSON *a;
	size_t off = 0;
	char *p;

	buf[0] = '\0';
	cJSON_ArrayForEach(a, args) {
		if (off >= len)
			break;
		if (cJSON_IsString(a))
			off += snprintf(buf + off, len - off, "%s%s=%s",
			    off > 0 ? " " : "", a->string, a->valuestring);
		else if (cJSON_IsNumber(a))
			off += snprintf(buf + off, len - off, "%s%s=%g",
			    off > 0 ? " " : "", a->string, a->valuedouble);
		else if (cJSON_IsBool(a))
			off += snprintf(buf + off, len - off, "%s%s=%s",
			    off > 0 ? " " : "", a->string,
			    cJSON_IsTrue(a) ? "true" : "false");
	}
	for (p = buf; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = subst;
	}
}
