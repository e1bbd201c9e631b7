/* SPDX-License-Identifier: MIT */
/*
 * sock: Unix stream sockets for the control protocol.
 *
 * The daemon listens on a path (am_sock_listen), clients connect to it
 * (am_sock_connect); both sides exchange bytes with descriptors riding
 * beside them as SCM_RIGHTS (app rings travel as memfds). Framing into
 * lines is proto's business; this module only moves bytes.
 *
 * Invariants: every descriptor made or received here is close-on-exec,
 * so a daemon that spawns helpers never leaks a client's ring into
 * them; sends use MSG_NOSIGNAL, so a vanished peer is -EPIPE and never
 * SIGPIPE; descriptors received beyond the caller's room are closed, so
 * a hostile client cannot make the daemon run out of them; a read that
 * brings descriptors holds bytes of one line only, so the caller can
 * tell which line they came with (am_sock_recv). All
 * functions return -errno on failure and never log: the caller knows the
 * subject. Control thread (or client programs); never the RT thread.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

#define SOCK_BACKLOG	128
#define SOCK_DIR_MODE	0750
#define SOCK_MODE	0660
#define SOCK_PEEK_MAX	4096	/* bytes peeked by a read with room for fds */

/* Control message buffer with room for AM_SOCK_FD_MAX descriptors. */
union sock_cmsg {
	struct cmsghdr hdr;
	char buf[CMSG_SPACE(sizeof(int) * AM_SOCK_FD_MAX)];
};

/*
 * Fill a sockaddr_un; -ENAMETOOLONG if path does not fit with its NUL.
 */
static int
sock_addr(struct sockaddr_un *sun, const char *path)
{
	size_t n;

	n = strlen(path);
	if (n == 0)
		return -ENOENT;
	if (n >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n + 1);
	return 0;
}

/*
 * Create the directories leading to path (not path itself) that do not
 * exist yet, mode 0750 (before umask), like mkdir -p.
 */
static int
sock_mkparent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *p, c;

	strcpy(dir, path);	/* length checked by sock_addr() */
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			c = *p;
			*p = '\0';
			if (stat(dir, &st) < 0 &&
			    mkdir(dir, SOCK_DIR_MODE) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	return 0;
}

/*
 * A file exists at the socket path. If it is a socket a daemon still
 * answers on, return -EADDRINUSE; if nobody listens it is the leftover
 * of a dead daemon: unlink it. Anything that is not a socket is left
 * alone: -EEXIST. The probe is non-blocking, so a live daemon whose
 * backlog is full (EAGAIN) counts as live instead of hanging us.
 */
static int
sock_unstale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (rc < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 || rc == -EAGAIN || rc == -EINPROGRESS)
		return -EADDRINUSE;
	if (rc != -ECONNREFUSED && rc != -ENOENT)
		return rc;
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Listen on a Unix stream socket at path: create missing parent
 * directories (0750), remove a stale socket left by a dead daemon, bind,
 * chmod 0660, listen. Return the non-blocking, close-on-exec listening
 * descriptor, or -errno: -EADDRINUSE when a daemon answers on path,
 * -ENAMETOOLONG when path does not fit sun_path, -EEXIST when path is
 * not a socket.
 */
int
am_sock_listen(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	if ((rc = sock_addr(&sun, path)) < 0)
		return rc;
	if ((rc = sock_mkparent(path)) < 0)
		return rc;
	if ((rc = sock_unstale(&sun)) < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		goto bad_close;
	}
	if (chmod(path, SOCK_MODE) < 0 || listen(fd, SOCK_BACKLOG) < 0) {
		rc = -errno;
		goto bad_unlink;
	}
	return fd;
bad_unlink:
	unlink(path);
bad_close:
	close(fd);
	return rc;
}

/*
 * Connect to the socket at path. Return a blocking, close-on-exec
 * descriptor or -errno (-ENOENT or -ECONNREFUSED: no daemon). A connect
 * interrupted by a signal carries on in the kernel; wait for it.
 */
int
am_sock_connect(const char *path)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	socklen_t sl;
	int fd, rc, soerr;

	if ((rc = sock_addr(&sun, path)) < 0)
		return rc;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	rc = -errno;
	if (rc != -EINTR)
		goto bad;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	while ((rc = poll(&pfd, 1, -1)) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		rc = -errno;
		goto bad;
	}
	sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
		rc = -errno;
		goto bad;
	}
	if (soerr == 0)
		return fd;
	rc = -soerr;
bad:
	close(fd);
	return rc;
}

/*
 * One sendmsg(2) of up to len bytes (capped at INT_MAX), with nfds
 * descriptors (at most AM_SOCK_FD_MAX) attached as SCM_RIGHTS. The
 * descriptors stay open here; the peer gets its own copies. Return the
 * bytes sent (maybe fewer than len) or -errno (-EAGAIN on a full
 * non-blocking socket, -EPIPE when the peer is gone, -EINTR).
 * Descriptors need at least one byte to travel with: len 0 with nfds > 0
 * is -EINVAL.
 */
int
am_sock_send(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
	union sock_cmsg cm;
	struct cmsghdr *cmsg;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	if (nfds < 0 || nfds > AM_SOCK_FD_MAX || (nfds > 0 && len == 0))
		return -EINVAL;
	if (len > INT_MAX)
		len = INT_MAX;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	if ((n = sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0)
		return -errno;
	return (int)n;
}

/*
 * Send all len bytes, the descriptors with the first chunk. Retries on
 * EINTR; on a non-blocking socket waits in poll(2) for room (so this may
 * block: for clients, or for replies short enough to fit the socket
 * buffer). Return 0 or -errno.
 */
int
am_sock_send_all(int fd, const void *buf, size_t len, const int *fds,
    int nfds)
{
	const char *p = buf;
	struct pollfd pfd;
	int n;

	while (len > 0 || nfds > 0) {
		n = am_sock_send(fd, p, len, fds, nfds);
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (n < 0)
			return n;
		p += n;
		len -= (size_t)n;
		fds = NULL;
		nfds = 0;
	}
	return 0;
}

/*
 * One recvmsg(2) with flags; descriptors as am_sock_recv says.
 */
static long
sock_recvmsg(int fd, void *buf, size_t len, int flags, int *fds, int room,
    int *got)
{
	union sock_cmsg cm;
	struct cmsghdr *cmsg;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;
	int i, nr, rfd;

	*got = 0;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC)) < 0)
		return -errno;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nr = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < nr; i++) {
			/* CMSG_DATA may be unaligned for int: copy. */
			memcpy(&rfd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (*got < room)
				fds[(*got)++] = rfd;
			else
				close(rfd);
		}
	}
	return (long)n;
}

/*
 * One read of up to len bytes. fds/nfds may be NULL; *nfds is the room
 * in fds on entry and the number of descriptors stored on return
 * (close-on-exec, owned by the caller). Descriptors beyond the room,
 * or all of them when fds is NULL, are closed. Return the bytes read,
 * 0 at end of file, or -errno (-EAGAIN, -EINTR, ...).
 *
 * With room for descriptors, a read that brings any holds no newline
 * but maybe its last byte: every byte of it belongs to one line, the
 * line that its first byte starts or continues, and so does the byte
 * the descriptors were sent with. A stream socket glues the bytes of
 * several sendmsg(2) calls into one read and hands over the descriptors
 * of the last of them, so which byte they came with is lost once read;
 * and a peek tells only that some descriptors wait, somewhere ahead
 * (Linux walks on to the first that carries any). So the bytes are
 * peeked first: when no descriptors wait, exactly the bytes peeked are
 * read (they carry none); when some wait, the read stops at the first
 * newline peeked, one line at a time until they come. Such a read
 * takes at most SOCK_PEEK_MAX bytes, as many requests do.
 */
long
am_sock_recv(int fd, void *buf, size_t len, int *fds, int *nfds)
{
	int tmp[AM_SOCK_FD_MAX], room, got, i;
	char *nl;
	long n;

	room = (fds != NULL && nfds != NULL) ? *nfds : 0;
	if (nfds != NULL)
		*nfds = 0;
	if (room == 0 || len == 0)
		return sock_recvmsg(fd, buf, len, 0, NULL, 0, &got);
	if (len > SOCK_PEEK_MAX)
		len = SOCK_PEEK_MAX;	/* the copy is paid again per line */
	n = sock_recvmsg(fd, buf, len, MSG_PEEK, tmp, AM_SOCK_FD_MAX, &got);
	if (n <= 0)
		return n;
	for (i = 0; i < got; i++)
		close(tmp[i]);		/* copies made by the peek */
	if (got > 0 && (nl = memchr(buf, '\n', (size_t)n)) != NULL)
		n = nl - (char *)buf + 1;
	/* Bytes already seen: the same ones come, with what they carry. */
	n = sock_recvmsg(fd, buf, (size_t)n, 0, fds, room, &got);
	if (n >= 0)
		*nfds = got;
	return n;
}

/*
 * Credentials of the peer process, taken at connect time (SO_PEERCRED).
 * Any of uid, gid, pid may be NULL. Return 0 or -errno.
 */
int
am_sock_peercred(int fd, uid_t *uid, gid_t *gid, pid_t *pid)
{
	struct ucred cr;
	socklen_t sl;

	sl = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) < 0)
		return -errno;
	if (uid != NULL)
		*uid = cr.uid;
	if (gid != NULL)
		*gid = cr.gid;
	if (pid != NULL)
		*pid = cr.pid;
	return 0;
}
