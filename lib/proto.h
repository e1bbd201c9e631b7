/* SPDX-License-Identifier: MIT */
#ifndef AM_PROTO_H
#define AM_PROTO_H

#include <stddef.h>

struct cJSON;

#define AM_PROTO_LINE_MAX	65536	/* bytes a request, newline included */
#define AM_PROTO_REPLY_MAX	(4 << 20) /* bytes a reply or event line */
#define AM_PROTO_VERSION	"0.1.0"
#define AM_PROTO_NAME		"audiomixerd"

/* Stable error codes of protocol v0 (DESIGN.md). */
#define AM_ERR_BAD_JSON		"bad_json"
#define AM_ERR_BAD_REQUEST	"bad_request"
#define AM_ERR_UNKNOWN_CMD	"unknown_cmd"
#define AM_ERR_NOT_FOUND	"not_found"
#define AM_ERR_CYCLE		"cycle"
#define AM_ERR_STATE		"state"
#define AM_ERR_DEVICE		"device"
#define AM_ERR_QUOTA		"quota"
#define AM_ERR_TOO_LARGE	"too_large"
#define AM_ERR_UNSUPPORTED	"unsupported"
#define AM_ERR_DENIED		"denied"
#define AM_ERR_INTERNAL		"internal"

/*
 * Line assembler for newline-delimited JSON. Bytes are appended as they
 * arrive; complete lines are taken out one by one. A line longer than
 * AM_PROTO_LINE_MAX is dropped up to its newline and reported once.
 */
struct am_lbuf {
	char *buf;			/* max + 1 bytes */
	size_t max;			/* longest line, bytes */
	size_t len;			/* bytes held */
	size_t off;			/* start of unconsumed data */
	unsigned long long pos;		/* stream offset of buf[off], bytes */
	int skipping;			/* dropping an oversized line */
};

void am_lbuf_init(struct am_lbuf *lb);
void am_lbuf_init_max(struct am_lbuf *lb, size_t max);
void am_lbuf_done(struct am_lbuf *lb);
char *am_lbuf_space(struct am_lbuf *lb, size_t *avail);
void am_lbuf_commit(struct am_lbuf *lb, size_t n);
int am_lbuf_next(struct am_lbuf *lb, char **line, size_t *len);
size_t am_lbuf_pending(const struct am_lbuf *lb);
unsigned long long am_lbuf_pos(const struct am_lbuf *lb);
unsigned long long am_lbuf_end(const struct am_lbuf *lb);
void am_lbuf_drop(struct am_lbuf *lb);

int am_proto_socket_path(char *buf, size_t size);

struct cJSON *am_proto_ok(const struct cJSON *req);
struct cJSON *am_proto_err(const struct cJSON *req, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *am_proto_print(const struct cJSON *obj, size_t *len);
int am_proto_is_ok(const struct cJSON *reply);
void am_proto_args_text(const struct cJSON *args, char *buf, size_t len,
    char subst);
const char *am_proto_err_code(const struct cJSON *reply);
const char *am_proto_errno_code(int err);
const char *am_proto_err_message(const struct cJSON *reply);

/*
 * Client side: a connection to the daemon, with its line assembler.
 */
struct am_conn {
	int fd;
	struct am_lbuf lb;
};

int am_conn_open(struct am_conn *c, const char *path);
void am_conn_close(struct am_conn *c);
int am_conn_send(struct am_conn *c, const char *line, const int *fds,
    int nfds);
int am_conn_recv(struct am_conn *c, char **line, int timeout_ms);
int am_conn_request(struct am_conn *c, const char *line, const int *fds,
    int nfds, struct cJSON **reply);
int am_conn_request_fd(struct am_conn *c, const char *line, const int *fds,
    int nfds, struct cJSON **reply, int *rfd);

#endif /* !defined(AM_PROTO_H) */
