/* SPDX-License-Identifier: MIT */
/*
 * amx_conn: the amixd PCM's side of the protocol and of ALSA's set-up:
 * its options (socket, target), the connection, the node it plays to or
 * records from, the requests that make, link and remove its app node,
 * the hardware constraints ALSA negotiates within, the wake-up arming
 * and the S24_LE conversion. See alsa/pcm_amixd.c for the stream.
 *
 * Options:
 *   socket "PATH"	else AUDIOMIXERD_SOCKET, else the default path
 *			(lib/proto.c has the rule)
 *   target NODE	the node (name or id) to play to or record from;
 *			by default playback goes to the default target
 *			(node "master", else the only device_sink) and
 *			capture records the node named "capture", else
 *			the default target's mix.
 *
 * The app node is named after the client: "aplay.1234".
 *
 * Wake-ups: the PCM's poll descriptor (evfd) is the read end of a pipe
 * and keeps its number for the PCM's life, as ALSA's callers expect.
 * While no node exists it is a pipe of our own. amx_create asks the
 * engine for its wake pipe ("wake": true), which its real-time thread
 * writes directly, and puts the read end it is given in evfd's place
 * (dup3); kickfd is then a write end of that same pipe opened anew
 * through /proc/self/fd, a file description of our own, so amx_arm can
 * make the descriptor ready itself when the level is already there,
 * while the engine's write end stays non-blocking and ours alone.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "amx.h"
#include "target.h"
#include "clock.h"

#define AMX_PERIOD_MIN	64		/* frames */
#define AMX_PERIODS_MAX	1024

/*
 * The node's name: the client's ("aplay.1234", lib/target.c), with
 * ".N" from the second PCM the process opens on, so names stay unique.
 */
static void
amx_name(struct amx *a)
{
	static atomic_uint opened;
	char base[AM_NODE_NAME_MAX + 1 - 11];	/* room for ".N" */
	unsigned int n = atomic_fetch_add(&opened, 1) + 1;

	if (am_client_name(base, sizeof(base)) < 0)
		snprintf(base, sizeof(base), "alsa");
	if (n == 1)
		snprintf(a->name, sizeof(a->name), "%s", base);
	else
		snprintf(a->name, sizeof(a->name), "%s.%u", base, n);
}

/* A new PCM's state, or NULL. */
struct amx *
amx_new(void)
{
	struct amx *a = calloc(1, sizeof(*a));
	int p[2];

	if (a == NULL)
		return NULL;
	a->conn.fd = -1;
	a->ring.fd = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(a);
		return NULL;
	}
	a->evfd = p[0];
	a->kickfd = p[1];
	a->boundary = (snd_pcm_uframes_t)1 << 62;
	amx_name(a);
	return a;
}

/* Remove our node and let go of everything. */
void
amx_free(struct amx *a)
{
	if (a == NULL)
		return;
	if (a->node != 0 && !a->dead)
		amx_destroy(a, a->node);
	am_aring_close(&a->ring);
	if (a->evfd >= 0)
		close(a->evfd);
	if (a->kickfd >= 0)
		close(a->kickfd);
	am_conn_close(&a->conn);
	free(a->want);
	free(a);
}

/* Read the PCM's options. 0 or -EINVAL (said why). */
int
amx_config(struct amx *a, snd_config_t *conf)
{
	snd_config_iterator_t i, next;
	const char *id, *s;
	long v;
	char num[32];

	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);

		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (strcmp(id, "comment") == 0 || strcmp(id, "type") == 0 ||
		    strcmp(id, "hint") == 0)
			continue;
		if (strcmp(id, "socket") == 0) {
			if (snd_config_get_string(n, &s) < 0 ||
			    strlen(s) >= sizeof(a->sock)) {
				SNDERR("amixd: socket: a path of at most %zu "
				    "bytes", sizeof(a->sock) - 1);
				return -EINVAL;
			}
			strcpy(a->sock, s);	/* "": the default */
			continue;
		}
		if (strcmp(id, "target") == 0) {
			if (snd_config_get_integer(n, &v) == 0) {
				snprintf(num, sizeof(num), "%ld", v);
				s = num;
			} else if (snd_config_get_string(n, &s) < 0) {
				SNDERR("amixd: target: a node id or name");
				return -EINVAL;
			}
			free(a->want);
			a->want = NULL;
			if (*s != '\0' && (a->want = strdup(s)) == NULL)
				return -ENOMEM;
			continue;
		}
		SNDERR("amixd: unknown option %s (socket, target)", id);
		return -EINVAL;
	}
	return 0;
}

/*
 * Send one request (printf-style) and return its reply if ok; else say
 * "amixd: what: why" and return NULL. A daemon gone marks the PCM dead.
 * With rfd, a descriptor passed with an ok reply lands there (-1: none).
 */
static cJSON * __attribute__((format(printf, 6, 7)))
amx_req(struct amx *a, const char *what, const int *fds, int nfds, int *rfd,
    const char *fmt, ...)
{
	char line[1024];
	cJSON *reply;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rc = am_conn_request_fd(&a->conn, line, fds, nfds, &reply, rfd);
	if (rc < 0) {
		if (rc == -EPIPE || rc == -ECONNRESET) {
			if (!a->dead)
				SNDERR("amixd: %s: the daemon at %s went "
				    "away", what, a->sock);
			a->dead = 1;
		} else
			SNDERR("amixd: %s: %s", what, strerror(-rc));
		return NULL;
	}
	if (!am_proto_is_ok(reply)) {
		SNDERR("amixd: %s: %s", what, am_proto_err_message(reply));
		cJSON_Delete(reply);
		if (rfd != NULL && *rfd >= 0) {
			close(*rfd);
			*rfd = -1;
		}
		return NULL;
	}
	return reply;
}

/* A number member of o, or def. */
static uint32_t
amx_num(const cJSON *o, const char *key, uint32_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ?
	    (uint32_t)v->valuedouble : def;
}

/* The source of the first link into node to, or 0. */
static uint32_t
amx_feeder(const cJSON *list, uint32_t to)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(list,
	    "links")) {
		if (amx_num(l, "to", 0) == to)
			return amx_num(l, "from", 0);
	}
	return 0;
}

/*
 * Pick the node to play to or record from (lib/target.c's rule): the
 * target option, a name or an id; else for playback the default target
 * (node "master", else the only device_sink); for capture a node named
 * "capture", else the default target's mix (what feeds it, when it is
 * a device_sink). 0 or -errno (said why).
 */
static int
amx_pick(struct amx *a, const cJSON *list, snd_pcm_stream_t stream)
{
	const cJSON *n, *t;
	char err[256];
	int rc;

	if (a->want != NULL || stream == SND_PCM_STREAM_PLAYBACK) {
		rc = am_target_pick(list, a->want, &a->target, err,
		    sizeof(err));
		if (rc < 0)
			SNDERR("amixd: %s", err);
		return rc;
	}
	if (am_target_pick(list, "capture", &a->target, err,
	    sizeof(err)) == 0)
		return 0;
	if ((rc = am_target_pick(list, NULL, &a->target, err,
	    sizeof(err))) < 0) {
		SNDERR("amixd: nothing to record: %s", err);
		return rc;
	}
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(list,
	    "nodes")) {
		t = cJSON_GetObjectItemCaseSensitive(n, "type");
		if (amx_num(n, "id", 0) == a->target && cJSON_IsString(t) &&
		    strcmp(t->valuestring, "device_sink") == 0) {
			a->target = amx_feeder(list, a->target);
			break;
		}
	}
	if (a->target == 0) {
		SNDERR("amixd: nothing feeds the device_sink to record: "
		    "create a node named capture, or give the PCM a "
		    "target");
		return -ENOENT;
	}
	return 0;
}

/*
 * Connect to the daemon and pick the target. 0, or -errno (said why,
 * naming the socket when there is no daemon).
 */
int
amx_connect(struct amx *a, snd_pcm_stream_t stream)
{
	const cJSON *dev;
	cJSON *list;
	int rc;

	if (a->sock[0] == '\0' &&
	    am_proto_socket_path(a->sock, sizeof(a->sock)) < 0) {
		SNDERR("amixd: the socket path is too long");
		return -ENAMETOOLONG;
	}
	if ((rc = am_conn_open(&a->conn, a->sock)) < 0) {
		SNDERR("amixd: cannot connect to amixd at %s: %s (is the "
		    "daemon running?)", a->sock, strerror(-rc));
		return rc;
	}
	if ((list = amx_req(a, "list", NULL, 0, NULL,
	    "{\"cmd\":\"list\"}")) == NULL)
		return -EIO;
	dev = cJSON_GetObjectItemCaseSensitive(list, "device");
	a->graph_rate = amx_num(dev, "rate", 48000);
	if (a->graph_rate == 0)
		a->graph_rate = 48000;
	a->dev_lat = amx_num(dev, "buffer", 0);
	rc = amx_pick(a, list, stream);
	cJSON_Delete(list);
	return rc;
}

/*
 * Put the engine's wake pipe (read end rfd, taken) in place of evfd,
 * non-blocking, and open kickfd anew on it (see the essay). 0, or -1
 * (said why).
 */
static int
amx_wake_take(struct amx *a, int rfd)
{
	char path[64];
	int fd, rc = -1;

	if (dup3(rfd, a->evfd, O_CLOEXEC) < 0 ||
	    fcntl(a->evfd, F_SETFL, O_NONBLOCK) < 0) {
		SNDERR("amixd: the wake pipe: %s", strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", a->evfd);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		SNDERR("amixd: the wake pipe: %s: %s", path, strerror(errno));
		goto out;
	}
	if (a->kickfd >= 0)
		close(a->kickfd);
	a->kickfd = fd;
	rc = 0;
out:
	close(rfd);
	return rc;
}

/*
 * Make an app node on ring fds[0], with the engine's wake pipe put on
 * descriptor fds[1] (the PCM's evfd): its id, or 0.
 */
uint32_t
amx_create(struct amx *a, const char *type, const int fds[2], uint32_t cap,
    uint32_t channels, uint32_t rate, const char *fmt)
{
	cJSON *r;
	uint32_t id;
	int rfd = -1;

	if (fds[1] != a->evfd)
		return 0;
	r = amx_req(a, type, fds, 1, &rfd, "{\"cmd\":\"create_node\","
	    "\"type\":\"%s\",\"name\":\"%s\",\"args\":{\"fd\":0,"
	    "\"wake\":true,\"frames\":%u,\"channels\":%u,\"rate\":%u,"
	    "\"format\":\"%s\"}}", type, a->name, cap, channels, rate,
	    fmt);
	if (r == NULL)
		return 0;
	id = amx_num(r, "id", 0);
	cJSON_Delete(r);
	if (rfd < 0)
		SNDERR("amixd: %s: the daemon passed no wake descriptor",
		    type);
	if (rfd < 0 || amx_wake_take(a, rfd) < 0) {
		if (id != 0)
			amx_destroy(a, id);
		return 0;
	}
	return id;
}

/* Link from -> to. 0 or -EIO (said why). */
int
amx_link(struct amx *a, uint32_t from, uint32_t to)
{
	cJSON *r;

	r = amx_req(a, "connect", NULL, 0, NULL,
	    "{\"cmd\":\"connect\",\"from\":%u,\"to\":%u}", from, to);
	cJSON_Delete(r);
	return r != NULL ? 0 : -EIO;
}

/* Remove node id; a failure was said. */
void
amx_destroy(struct amx *a, uint32_t id)
{
	cJSON_Delete(amx_req(a, "destroy_node", NULL, 0, NULL,
	    "{\"cmd\":\"destroy_node\",\"id\":%u}", id));
}

/*
 * What ALSA may negotiate: interleaved access, the ring's formats,
 * 1 or 2 channels, the ring's rates (the engine converts, both ways),
 * buffers the ring can hold.
 */
int
amx_constraints(struct amx *a)
{
	static const unsigned int access[] = {
		SND_PCM_ACCESS_RW_INTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED
	};
	static const unsigned int formats[] = {
		SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S24_LE,
		SND_PCM_FORMAT_S24_3LE, SND_PCM_FORMAT_S32_LE,
		SND_PCM_FORMAT_FLOAT_LE
	};
	snd_pcm_ioplug_t *io = &a->io;
	unsigned int rmin = AM_ARING_RATE_MIN, rmax = AM_ARING_RATE_MAX;
	int rc;

	if ((rc = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS,
	    2, access)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT,
	    5, formats)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io,
	    SND_PCM_IOPLUG_HW_CHANNELS, 1, AMX_CHAN_MAX)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE,
	    rmin, rmax)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io,
	    SND_PCM_IOPLUG_HW_PERIOD_BYTES, AMX_PERIOD_MIN * 2,
	    AM_ARING_CAP_MAX)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io,
	    SND_PCM_IOPLUG_HW_PERIODS, 2, AMX_PERIODS_MAX)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io,
	    SND_PCM_IOPLUG_HW_BUFFER_BYTES, AMX_PERIOD_MIN * 4,
	    AM_ARING_CAP_MAX * 2)) < 0)
		SNDERR("amixd: cannot set the hardware constraints: %s",
		    snd_strerror(rc));
	return rc < 0 ? rc : 0;
}

/*
 * Before sleeping: set the ring's waiting flag, then look at the level
 * again; when it is already there, make the poll descriptor ready
 * ourselves, one byte through our own write end.
 */
void
amx_arm(struct amx *a)
{
	struct am_aring_hdr *h = a->ring.hdr;
	uint64_t fill;
	ssize_t n;
	int ready;

	if (h == NULL) {
		ready = a->io.stream == SND_PCM_STREAM_PLAYBACK;
	} else {
		atomic_store(&h->waiting, 1);
		fill = atomic_load(&h->wr) - atomic_load(&h->rd);
		if (a->io.stream == SND_PCM_STREAM_PLAYBACK)
			ready = fill <= a->io.buffer_size &&
			    a->io.buffer_size - fill >= a->avail_min;
		else
			ready = fill >= a->avail_min;
		if (ready)
			atomic_store(&h->waiting, 0);
	}
	if (ready && a->kickfd >= 0)
		n = write(a->kickfd, "", 1);
	(void)n;
}

/* Playback, S24_LE: 24 bits in 32 into the ring's s32. Frames taken. */
uint32_t
amx_s24_out(struct amx *a, const unsigned char *buf, uint32_t n)
{
	struct am_aring *r = &a->ring;
	const int32_t *src = (const int32_t *)buf;
	unsigned char *p;
	uint32_t done = 0, k, i, ch = r->channels;
	int32_t *dst;

	while (done < n) {
		k = am_aring_region(r, done, n - done, &p);
		dst = (int32_t *)p;
		for (i = 0; i < k * ch; i++)
			dst[i] = (int32_t)((uint32_t)src[done * ch + i] << 8);
		done += k;
	}
	if (n > 0)
		am_aring_advance(r, n, am_clock_ns());
	return n;
}

/* Capture, S24_LE: the ring's s32 to 24 bits in 32, in place. */
void
amx_s24_in(unsigned char *buf, uint32_t samples)
{
	int32_t *s = (int32_t *)buf;
	uint32_t i;

	for (i = 0; i < samples; i++)
		s[i] >>= 8;
}
