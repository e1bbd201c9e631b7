/* SPDX-License-Identifier: MIT */
/*
 * The connection layer's way in: the control socket's listener, who may
 * connect (peer credentials: root, the daemon's user, the -g group),
 * each client's life, and its requests. It knows nothing of commands:
 * each request goes, parsed, to the handler given to ctl_init, which
 * sees the client through req.h (struct req_peer). Each client's bytes
 * go through a line assembler; each complete line is one request,
 * answered by exactly one reply line, in order. Descriptors passed
 * beside the bytes (SCM_RIGHTS) wait in a per-client queue tagged with
 * their stream offset (fdq.c) until the line they belong to is
 * answered, then close unless the handler took them. A client is read
 * only while its output queue is short (ctl_out.c), so nothing a client
 * does can stall the loop.
 *
 * A request whose work takes long (render, a stop that waits) gets a
 * deferred reply (the handler returns NULL): the client is not read
 * until req_reply_deferred sends it, so its replies stay in order, and
 * every other client goes on meanwhile.
 *
 * Clients are closed by marking them (ctl_close); ctl_free_closed frees
 * them after the callback, so no list is changed while it is being
 * walked. Control thread only.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "ctl.h"
#include "ctl_impl.h"
#include "ev.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "req.h"
#include "sock.h"
#include "util.h"


static const struct req_handler *ctl_handler;	/* the commands */
static int ctl_fd = -1;
static struct ev_file *ctl_ev;
static char ctl_path[256];
/*
 * /dev/null, held so that a client arriving at the descriptor limit can
 * still be accepted and told why it is refused (ctl_accept_full).
 */
static int ctl_spare = -1;
struct client *ctl_clients;
static int ctl_nclients;

/* Take the spare descriptor back. 0 or -errno. */
static int
ctl_spare_take(void)
{
	ctl_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return ctl_spare < 0 ? -errno : 0;
}

static void
ctl_spare_drop(void)
{
	if (ctl_spare >= 0)
		close(ctl_spare);
	ctl_spare = -1;
}

static void ctl_client_cb(void *arg, int revents);

static void
ctl_close_fds(struct client *c)
{
	int i;

	for (i = 0; i < c->peer.nfds; i++) {
		if (c->peer.fds[i] >= 0)
			close(c->peer.fds[i]);
	}
	c->peer.nfds = 0;
}

/* Close c: ctl_free_closed frees it once no callback uses it. */
void
ctl_close(struct client *c)
{
	if (c->fd < 0)
		return;
	ctl_handler->gone(&c->peer);
	ev_file_del(c->ev);
	close(c->fd);
	c->fd = -1;
	/*
	 * A descriptor is free again: with no spare, listening had stopped
	 * (ctl_accept_full); take one and listen again.
	 */
	if (ctl_spare < 0 && ctl_ev != NULL && ctl_spare_take() == 0)
		ev_file_events(ctl_ev, POLLIN);
}

/* Free the clients marked dead. */
void
ctl_free_closed(void)
{
	struct client **cp, *c;

	for (cp = &ctl_clients; (c = *cp) != NULL;) {
		if (c->fd >= 0) {
			cp = &c->next;
			continue;
		}
		*cp = c->next;
		ctl_close_fds(c);
		am_fdq_done(&c->fdq);
		if (c->out_fd >= 0)
			close(c->out_fd);
		am_lbuf_done(&c->in);
		free(c->out);
		free(c);
		ctl_nclients--;
	}
}

/*
 * The request-rate quota: a token bucket of policy.rate tokens, refilled
 * at policy.rate a second. 1 when this request may run.
 */
static int
ctl_rate_ok(struct client *c)
{
	uint64_t now = am_clock_ns();
	double add;

	add = (double)(now - c->rate_ns) * policy.rate / 1e9;
	c->rate_ns = now;
	c->tokens = c->tokens + add > policy.rate ? policy.rate :
	    c->tokens + add;
	if (c->tokens < 1.0)
		return 0;
	c->tokens -= 1.0;
	return 1;
}

/* Answer one request line. */
static void
ctl_line(struct client *c, const char *line, size_t len)
{
	const char *end = NULL;
	cJSON *req, *reply;

	/* len + 1: the NUL ends it; trailing bytes are an error. */
	if (!ctl_rate_ok(c)) {
		ctl_close_fds(c);
		ctl_reply(c, am_proto_err(NULL, AM_ERR_QUOTA,
		    "more than %d requests a second", policy.rate));
		return;
	}
	req = memchr(line, '\0', len) != NULL ? NULL :
	    cJSON_ParseWithLengthOpts(line, len + 1, &end, 1);
	if (req == NULL) {
		reply = am_proto_err(NULL, AM_ERR_BAD_JSON,
		    "malformed JSON near byte %ld",
		    end != NULL ? (long)(end - line) : 0L);
	} else if (!cJSON_IsObject(req)) {
		reply = am_proto_err(NULL, AM_ERR_BAD_REQUEST,
		    "a request is one JSON object");
	} else
		reply = ctl_handler->request(&c->peer, req);
	cJSON_Delete(req);
	ctl_close_fds(c);
	if (reply == NULL)
		c->waiting = 1;		/* req_reply_deferred answers */
	else
		ctl_reply(c, reply);
}

/* Answer complete lines while the client keeps up with its replies. */
void
ctl_process(struct client *c)
{
	char *line;
	size_t len;
	int rc;

	while (c->fd >= 0 && !c->waiting && ctl_queued(c) < CTL_OUT_HIGH) {
		ctl_close_fds(c);
		c->peer.nfds = AM_SOCK_FD_MAX;
		rc = am_fdq_next(&c->fdq, &c->in, &line, &len, c->peer.fds,
		    &c->peer.nfds);
		if (rc == 0)
			break;
		if (rc == -EMFILE) {
			ctl_reply(c, am_proto_err(NULL, AM_ERR_QUOTA,
			    "more than %d descriptors passed with one request",
			    AM_SOCK_FD_MAX));
			continue;
		}
		if (rc == -E2BIG) {
			ctl_close_fds(c);
			ctl_reply(c, am_proto_err(NULL, AM_ERR_TOO_LARGE,
			    "request longer than %d bytes",
			    AM_PROTO_LINE_MAX));
			continue;
		}
		ctl_line(c, line, len);
	}
	if (c->eof && c->fd >= 0 && !c->waiting &&
	    ctl_queued(c) < CTL_OUT_HIGH) {
		am_lbuf_drop(&c->in);	/* a half line never ends */
		am_fdq_done(&c->fdq);
	}
}

/*
 * Read what the client sent. Lines held back by a full queue are
 * answered first, and nothing is read while the queue stays full, so
 * the descriptor queue only ever holds those of the line being
 * assembled (it is refused if they overflow the queue). A read that
 * brings descriptors holds bytes of their line only (am_sock_recv):
 * they are filed under the stream offset of its first byte.
 */
static void
ctl_read(struct client *c)
{
	int fds[AM_SOCK_FD_MAX];
	unsigned long long pos;
	char *buf;
	size_t avail;
	long n;
	int nfds;

	ctl_process(c);
	if (c->fd < 0 || c->waiting || ctl_queued(c) >= CTL_OUT_HIGH)
		return;		/* a deferred reply first: read no further */
	buf = am_lbuf_space(&c->in, &avail);
	pos = am_lbuf_end(&c->in);
	nfds = AM_SOCK_FD_MAX;
	n = am_sock_recv(c->fd, buf, avail, fds, &nfds);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n < 0) {
		ctl_close(c);
		return;
	}
	am_fdq_put(&c->fdq, pos, fds, nfds);
	if (n == 0) {
		c->eof = 1;
		return;
	}
	am_lbuf_commit(&c->in, n);
}

static void
ctl_client_cb(void *arg, int revents)
{
	struct client *c = arg;

	if (revents & POLLIN)
		ctl_read(c);
	else if (revents & (POLLHUP | POLLERR)) {
		if (!(revents & POLLOUT) || (revents & POLLERR)) {
			ctl_close(c);
			ctl_free_closed();
			return;
		}
	}
	if (c->fd >= 0)
		ctl_process(c);
	if (c->fd >= 0)
		ctl_flush(c);
	if (c->fd >= 0 && ctl_queued(c) < CTL_OUT_HIGH)
		ctl_process(c);		/* lines held back by a full queue */
	if (c->fd >= 0)
		ctl_flush(c);
	ctl_update(c);
	ctl_free_closed();
}

/* Refuse a connection with one clear error line. */
static void
ctl_refuse(int fd, const char *code, const char *msg)
{
	cJSON *err;
	char *s;
	size_t len;
	ssize_t rc;

	err = am_proto_err(NULL, code, "%s", msg);
	s = am_proto_print(err, &len);
	rc = send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)rc;
	free(s);
	cJSON_Delete(err);
	close(fd);
}

/*
 * Who may connect: root, the daemon's own user, and members of the group
 * given with -g (as primary group, or among the supplementary groups
 * the kernel lists for the peer's process).
 */
static int
ctl_peer_ok(uid_t uid, gid_t gid, pid_t pid)
{
	char path[64], line[1024], *tok, *save;
	FILE *fp;
	int ok = 0;

	if (uid == 0 || uid == geteuid())
		return 1;
	if (policy.group == (gid_t)-1)
		return 0;
	if (gid == policy.group)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (!ok && fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (tok = strtok_r(line + 7, " \t\n", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t\n", &save)) {
			if ((gid_t)strtoul(tok, NULL, 10) == policy.group)
				ok = 1;
		}
	}
	fclose(fp);
	return ok;
}

/*
 * No descriptor for a new client (EMFILE, ENFILE). The listener stays
 * readable, so the loop would spin on it and the client wait forever.
 * Let go of the spare for a moment to accept the client and tell it
 * why it is refused; with no spare, stop listening until a client
 * leaves (ctl_close): the waiting client is then served.
 */
static void
ctl_accept_full(int err)
{
	int fd;

	if (ctl_spare >= 0) {
		ctl_spare_drop();
		fd = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			ctl_refuse(fd, AM_ERR_QUOTA, "out of file descriptors: "
			    "amixd is at its limit (ulimit -n)");
		(void)ctl_spare_take();
	}
	logx(1, "accept: %s%s", strerror(err), ctl_spare >= 0 ? "" :
	    ": not listening until a client leaves");
	if (ctl_spare < 0)
		ev_file_events(ctl_ev, 0);
}

static void
ctl_accept_cb(void *arg, int revents)
{
	struct client *c;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int fd;

	(void)arg;
	(void)revents;
	fd = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			ctl_accept_full(errno);
		else if (errno != EAGAIN && errno != EINTR)
			logx(1, "accept: %s", strerror(errno));
		return;
	}
	if (am_sock_peercred(fd, &uid, &gid, &pid) < 0 ||
	    !ctl_peer_ok(uid, gid, pid)) {
		logx(2, "refused a client of uid %u", (unsigned)uid);
		ctl_refuse(fd, AM_ERR_DENIED, "permission denied: neither the "
		    "daemon's user nor its group (amixd -g)");
		return;
	}
	if (ctl_nclients >= policy.clients) {
		ctl_refuse(fd, AM_ERR_QUOTA, "too many clients");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->peer.stats_slot = c->peer.levels_slot = -1;
	c->peer.reply_fd = c->out_fd = -1;
	c->tokens = policy.rate;
	c->rate_ns = am_clock_ns();
	am_lbuf_init(&c->in);
	am_fdq_init(&c->fdq);
	c->ev = ev_file_new(fd, POLLIN, ctl_client_cb, c);
	c->next = ctl_clients;
	ctl_clients = c;
	ctl_nclients++;
	logx(3, "client %d connected, pid %d", fd, (int)pid);
}

/*
 * Listen on path, or on listen_fd when it is not -1 (a socket passed by
 * systemd: then the file is not ours to remove). No path and no
 * descriptor: requests come from a --render script only, not through
 * here. Requests go to h. 0 or -errno (-EADDRINUSE: a daemon answers
 * there).
 */
int
ctl_init(const char *path, int listen_fd, const struct req_handler *h)
{
	int rc;

	ctl_handler = h;
	if (listen_fd < 0 && path == NULL)
		return 0;
	if ((rc = ctl_spare_take()) < 0)
		return rc;
	if (listen_fd >= 0) {
		ctl_fd = listen_fd;
		ctl_ev = ev_file_new(ctl_fd, POLLIN, ctl_accept_cb, NULL);
		return 0;
	}
	ctl_fd = am_sock_listen(path);
	if (ctl_fd < 0) {
		ctl_spare_drop();
		return ctl_fd;
	}
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	ctl_ev = ev_file_new(ctl_fd, POLLIN, ctl_accept_cb, NULL);
	return 0;
}

/* Close every client and the listener, removing the socket file. */
void
ctl_done(void)
{
	struct client *c;

	for (c = ctl_clients; c != NULL; c = c->next) {
		ctl_flush(c);
		ctl_close(c);
	}
	ctl_free_closed();
	ctl_spare_drop();
	if (ctl_fd >= 0) {
		ev_file_del(ctl_ev);
		close(ctl_fd);
		if (ctl_path[0] != '\0')
			unlink(ctl_path);
		ctl_fd = -1;
	}
}
