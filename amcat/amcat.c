/* SPDX-License-Identifier: MIT */
/*
 * amcat: play audio into amixd through an app ring, or record a node.
 *
 * Play: the input (a file or standard input) is raw PCM described by
 * -r -c -f, or a sound file libsndfile recognises by its first bytes
 * (WAV, FLAC, ...): those are peeked without being consumed (pread on a
 * file, tee(2) on a pipe), so raw input loses nothing. amcat makes an
 * app ring (lib/aring.c) sized by --latency (at least one period of the
 * engine, which "list" tells), creates an app_source on it asking for
 * the engine's wake pipe ("wake": true; the reply passes its read end),
 * and a gain node for --db, named after the client ("amcat.PID", or
 * --name) so a user can find and turn it down, connects it to --to (a
 * node id or name; by default the graph's default target, lib/target.c),
 * then copies the input straight into the ring's memory.
 *
 * Backpressure: it fills the ring to its high watermark (the latency),
 * sets the ring's waiting flag and sleeps in one blocking read(2) of the
 * wake pipe until the engine's real-time thread has drained the ring to
 * its low watermark (half the latency) and written it: one wake-up per
 * half latency (every period at one or two periods of latency), and per
 * wake-up one read of the pipe, one read of the input, no poll(2). The
 * end of the pipe (read gives 0) says the engine let go: the node was
 * destroyed (the ring says "closed") or the daemon is gone. With a
 * progress line on a terminal it polls the pipe with a timeout instead.
 * Below CAT_RT_MS of latency amcat asks for SCHED_FIFO (CAT_RT_PRIO,
 * below the engine's) and carries on without it when refused. Why: a
 * one-period stream has one period to refill after its wake-up; on the
 * 2-core test VM at a load average of 20, 16 and 64 such streams lost
 * 0 to 384 frames in 8 s with it and 0.5 to 3.6 million without. It
 * costs: a SCHED_FIFO wake-up took about 26 us of amcat's CPU against
 * about 11 us (the RT scheduler pushes the woken task to another CPU;
 * IPIs are dear in a VM), so a longer latency keeps SCHED_OTHER. At the
 * end of the input it sets eof and waits until the engine has taken
 * every frame, then removes its nodes and exits 0.
 *
 * Record: an app_sink at the graph rate, or at -r (the engine converts;
 * float stereo), connected from
 * --from (by default the node named master, else the first mixer, else
 * what feeds the first device_sink); amcat sleeps until the engine has filled a quarter of
 * the ring, then writes what it holds to standard output, as WAV or
 * raw. Frames the engine could not store because amcat fell behind are
 * counted by the engine in the ring; amcat says how many and exits 1.
 *
 * The connection stays open while amcat runs: the nodes belong to it,
 * so a killed amcat leaves nothing behind but a gain node of --db (see
 * BUGS in amcat(1)). One thread. SIGINT and SIGTERM interrupt the wait
 * or read in progress (no SA_RESTART) and end amcat cleanly, status 1.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sndfile.h>

#include "aclock_page.h"
#include "aring.h"
#include "clock.h"
#include "proto.h"
#include "target.h"
#include "util.h"

#define OPT_TO		256
#define OPT_DB		257
#define OPT_LATENCY	258
#define OPT_RECORD	259
#define OPT_FROM	260
#define OPT_NAME	261

#define CAT_LATENCY_DEF	100.0		/* ms */
#define CAT_LATENCY_MIN	0.0		/* ms: raised to one period */
#define CAT_LATENCY_MAX	5000.0		/* ms */
#define CAT_PEEK	4		/* bytes of magic looked at */
#define CAT_PROGRESS_MS	250		/* progress line period */
#define CAT_REC_MS	500		/* record ring, ms */
#define CAT_RT_MS	20.0		/* ms: ask SCHED_FIFO below */
#define CAT_RT_PRIO	50		/* below amixd's ENGINE_RT_PRIO */
#define WAV_FLOAT	3		/* WAVE_FORMAT_IEEE_FLOAT */

static const char usage_str[] =
    "usage: amcat [-v] [-s SOCK] [-r RATE] [-c CH] [-f s16|s24|s32|f32]\n"
    "\t[--to NODE] [--db GAIN] [--latency MS] [--name NAME] [FILE|-]\n"
    "       amcat --record [-s SOCK] [-r RATE] [--from NODE] [-d SECONDS] "
    "\n\t[-t wav|raw] [--name NAME]\n";

struct cat {
	struct am_conn conn;
	struct am_aring ring;
	int wakefd;			/* read end of the engine's pipe */
	int in;				/* input descriptor */
	SNDFILE *sf;			/* input through libsndfile, or NULL */
	uint32_t src_id, gain_id;	/* our nodes, or 0 */
	uint32_t rate, channels, format;
	uint32_t graph_rate;		/* Hz */
	uint32_t period;		/* frames at graph_rate */
	char name[AM_NODE_NAME_MAX + 1];	/* our app node's name */
	int progress;			/* stderr is a terminal */
	int verbose;			/* -v: clock and presentation delay */
	double delay_ms;		/* the last presentation delay seen */
	uint64_t delays;		/* how many were seen */
	uint64_t next_progress;		/* ns */
};

static volatile sig_atomic_t cat_quit;

static void
usage(FILE *fp)
{
	fputs(usage_str, fp);
}

static void
cat_signal(int sig)
{
	(void)sig;
	cat_quit = 1;
}

/*
 * Send one request (printf-style), with nfds descriptors, and return
 * the reply if it is ok. Otherwise print "amcat: what: message" and
 * return NULL. With rfd, the descriptor passed with the reply lands
 * there (-1: none), the caller's to close.
 */
static cJSON *
cat_vreq(struct cat *c, const char *what, const int *fds, int nfds,
    int *rfd, const char *fmt, va_list ap)
{
	char line[1024];
	cJSON *reply;
	int rc;

	vsnprintf(line, sizeof(line), fmt, ap);
	rc = am_conn_request_fd(&c->conn, line, fds, nfds, &reply, rfd);
	if (rc < 0) {
		fprintf(stderr, "amcat: %s: %s\n", what, rc == -EPIPE ?
		    "the daemon went away" : strerror(-rc));
		return NULL;
	}
	if (!am_proto_is_ok(reply)) {
		fprintf(stderr, "amcat: %s: %s\n", what,
		    am_proto_err_message(reply));
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

static cJSON * __attribute__((format(printf, 5, 6)))
cat_req(struct cat *c, const char *what, const int *fds, int nfds,
    const char *fmt, ...)
{
	cJSON *reply;
	va_list ap;

	va_start(ap, fmt);
	reply = cat_vreq(c, what, fds, nfds, NULL, fmt, ap);
	va_end(ap);
	return reply;
}

/*
 * create_node of an app node with "wake": true: the reply, with the
 * wake pipe's read end kept in c->wakefd; NULL (said why) otherwise.
 */
static cJSON * __attribute__((format(printf, 3, 4)))
cat_app_req(struct cat *c, const char *what, const char *fmt, ...)
{
	int fds[1] = { c->ring.fd };
	cJSON *reply;
	va_list ap;

	va_start(ap, fmt);
	reply = cat_vreq(c, what, fds, 1, &c->wakefd, fmt, ap);
	va_end(ap);
	if (reply != NULL && c->wakefd < 0) {
		fprintf(stderr, "amcat: %s: the daemon passed no wake "
		    "descriptor\n", what);
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

/* The id in a create_node reply, or 0. Frees the reply. */
static uint32_t
cat_id(cJSON *reply)
{
	const cJSON *id;
	uint32_t v = 0;

	if (reply == NULL)
		return 0;
	id = cJSON_GetObjectItemCaseSensitive(reply, "id");
	if (cJSON_IsNumber(id))
		v = (uint32_t)id->valuedouble;
	cJSON_Delete(reply);
	return v;
}

/* The lowest id of a node of type, or 0. */
static uint32_t
cat_first(const cJSON *list, const char *type)
{
	const cJSON *n, *i, *t;

	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(list,
	    "nodes")) {
		i = cJSON_GetObjectItemCaseSensitive(n, "id");
		t = cJSON_GetObjectItemCaseSensitive(n, "type");
		if (cJSON_IsNumber(i) && cJSON_IsString(t) &&
		    strcmp(t->valuestring, type) == 0)
			return (uint32_t)i->valuedouble;
	}
	return 0;
}

/* The source of the first link into node to, or 0. */
static uint32_t
cat_feeder(const cJSON *list, uint32_t to)
{
	const cJSON *l, *f, *t;

	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(list,
	    "links")) {
		f = cJSON_GetObjectItemCaseSensitive(l, "from");
		t = cJSON_GetObjectItemCaseSensitive(l, "to");
		if (cJSON_IsNumber(f) && cJSON_IsNumber(t) &&
		    (uint32_t)t->valuedouble == to)
			return (uint32_t)f->valuedouble;
	}
	return 0;
}

/*
 * Connect and ask for the graph; pick the node to play to (record: to
 * record from). want is a node name or id, or NULL: play to the default
 * target (lib/target.c); record from the node named master, else the
 * first mixer, else what feeds the first device_sink. 0 or -1 (said
 * why).
 */
static int
cat_setup(struct cat *c, const char *sock, const char *want, uint32_t *node,
    int record)
{
	const cJSON *dev, *rate, *period;
	char err[256];
	cJSON *list;
	int rc;

	if ((rc = am_conn_open(&c->conn, sock)) < 0) {
		fprintf(stderr, "amcat: cannot connect to amixd: %s\n",
		    strerror(-rc));
		return -1;
	}
	if ((list = cat_req(c, "list", NULL, 0, "{\"cmd\":\"list\"}")) ==
	    NULL)
		return -1;
	dev = cJSON_GetObjectItemCaseSensitive(list, "device");
	rate = cJSON_GetObjectItemCaseSensitive(dev, "rate");
	c->graph_rate = cJSON_IsNumber(rate) ? (uint32_t)rate->valuedouble :
	    48000;
	period = cJSON_GetObjectItemCaseSensitive(dev, "period");
	c->period = cJSON_IsNumber(period) ? (uint32_t)period->valuedouble :
	    0;
	rc = 0;
	*node = 0;
	if (want != NULL || !record) {
		if (am_target_pick(list, want, node, err, sizeof(err)) < 0) {
			fprintf(stderr, "amcat: %s\n", err);
			rc = -1;
		}
	} else if (am_target_pick(list, AM_TARGET_DEFAULT, node, err,
	    sizeof(err)) < 0) {
		*node = cat_first(list, "mixer");
		if (*node == 0)
			*node = cat_feeder(list, cat_first(list,
			    "device_sink"));
		if (*node == 0) {
			fprintf(stderr, "amcat: the graph has no mixer and "
			    "nothing feeds a device_sink: give --from "
			    "NODE\n");
			rc = -1;
		}
	}
	cJSON_Delete(list);
	return rc;
}

/* Remove the nodes amcat made, newest first. */
static void
cat_cleanup(struct cat *c)
{
	cJSON *r;

	if (c->conn.fd < 0)
		return;
	if (c->src_id != 0) {
		r = cat_req(c, "destroy_node", NULL, 0,
		    "{\"cmd\":\"destroy_node\",\"id\":%u}", c->src_id);
		cJSON_Delete(r);
	}
	if (c->gain_id != 0) {
		r = cat_req(c, "destroy_node", NULL, 0,
		    "{\"cmd\":\"destroy_node\",\"id\":%u}", c->gain_id);
		cJSON_Delete(r);
	}
	c->src_id = c->gain_id = 0;
}

/*
 * Sleep until the engine writes the wake pipe, lets go of it, a signal
 * comes, or timeout_ms passes (-1: no limit, one blocking read). The
 * waiting flag must be set and the level checked again by the caller
 * before. 0, or -1 when the daemon is gone or let go of the ring (said
 * why).
 */
static int
cat_sleep(struct cat *c, int timeout_ms)
{
	struct pollfd pfd;
	char buf[64];
	ssize_t n = 1;

	if (timeout_ms >= 0) {
		pfd.fd = c->wakefd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
			fprintf(stderr, "amcat: poll: %s\n",
			    strerror(errno));
			return -1;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			n = read(c->wakefd, buf, sizeof(buf));
	} else
		n = read(c->wakefd, buf, sizeof(buf));
	if (n < 0 && errno != EINTR) {
		fprintf(stderr, "amcat: read: %s\n", strerror(errno));
		return -1;
	}
	if (atomic_load(&c->ring.hdr->closed)) {
		fprintf(stderr, "amcat: our node was destroyed\n");
		c->src_id = 0;
		return -1;
	}
	if (n == 0) {
		/* The engine let go without closing the ring: it died. */
		fprintf(stderr, "amcat: the daemon went away\n");
		close(c->conn.fd);
		c->conn.fd = -1;
		return -1;
	}
	return 0;
}

/*
 * Below CAT_RT_MS of latency, SCHED_FIFO for amcat's one thread, so a
 * busy machine does not make it late for the engine. Refused (no
 * privilege, no rtprio limit): it runs as it is; -v says which.
 */
static void
cat_rt(const struct cat *c, double latency)
{
	struct sched_param sp;
	int rc;

	if (latency >= CAT_RT_MS)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = CAT_RT_PRIO;
	rc = sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp);
	if (c->verbose)
		fprintf(stderr, "amcat: SCHED_FIFO %d: %s\n", CAT_RT_PRIO,
		    rc == 0 ? "yes" : strerror(errno));
}

/* Milliseconds the engine takes to move frames through the ring. */
static int
cat_due_ms(const struct am_aring *r, uint32_t frames)
{
	return (int)((uint64_t)frames * 1000 / r->rate);
}

/* -v: the audio clock, read from its shared page (lib/aclock_page.c). */
static void
cat_verbose_clock(const char *sock)
{
	struct am_clock_map m;
	struct am_clock k;
	int rc;

	if ((rc = am_clock_page_map(&m, sock)) == 0)
		rc = am_clock_page_read(&m, &k);
	if (rc < 0) {
		fprintf(stderr, "amcat: clock: %s\n", strerror(-rc));
		return;
	}
	fprintf(stderr, "amcat: clock: frame %llu heard at %llu ns, %.3f Hz, "
	    "latency %u frames, period %u, %s\n",
	    (unsigned long long)k.frames, (unsigned long long)k.time_ns,
	    k.rate, k.latency, k.period, k.running ? "running" : "stopped");
	am_clock_page_close(&m);
}

/* -v, at the end: the presentation delay last seen. */
static void
cat_verbose_end(const struct cat *c)
{
	if (c->delays == 0)
		fprintf(stderr, "amcat: presentation delay: unknown (nothing "
		    "played yet)\n");
	else
		fprintf(stderr, "amcat: presentation delay: %.1f ms (the "
		    "newest frame written is heard that long after)\n",
		    c->delay_ms);
}

/*
 * The progress line on a terminal, at most every CAT_PROGRESS_MS; with
 * -v, the presentation delay: when the newest frame written will be
 * heard (the engine's stamp in the ring, lib/aring.c), from now.
 */
static void
cat_progress(struct cat *c, int last)
{
	struct am_aring_hdr *h = c->ring.hdr;
	uint64_t now = am_clock_ns(), rd, wr, ns;

	if ((!c->progress && !c->verbose) ||
	    (!last && now < c->next_progress))
		return;
	c->next_progress = now + CAT_PROGRESS_MS * 1000000ULL;
	rd = atomic_load(&h->rd);
	wr = atomic_load(&h->wr);
	if (c->verbose && !last && am_aring_play_ns(&c->ring, wr, &ns) == 0) {
		c->delay_ms = ((double)ns - (double)now) / 1e6;
		c->delays++;
	}
	if (c->verbose && last)
		cat_verbose_end(c);
	if (!c->progress)
		return;
	fprintf(stderr, "\ramcat: %8.2f s  buffer %3u%%  underruns %llu%s",
	    (double)rd / c->ring.rate,
	    wr - rd <= c->ring.cap ? (unsigned)((wr - rd) * 100 /
	    c->ring.high) : 0, (unsigned long long)atomic_load(&h->xruns),
	    last ? "\n" : "");
}

/*
 * Fill the ring up to its high watermark from the input, reading
 * straight into its memory. *eof is set at the end of the input.
 * 0 or -1 (said why).
 */
static int
cat_fill(struct cat *c, size_t *carry, int *eof)
{
	struct am_aring *r = &c->ring;
	unsigned char *p;
	uint32_t room, fill, k, full;
	sf_count_t got;
	ssize_t n;

	am_aring_avail(r, &room);
	fill = r->cap - room;
	if (fill >= r->high)
		return 0;
	k = am_aring_region(r, 0, r->high - fill, &p);
	if (c->sf != NULL) {
		got = sf_readf_float(c->sf, (float *)p, k);
		if (got <= 0)
			*eof = 1;
		else
			am_aring_advance(r, (uint32_t)got, am_clock_ns());
		return 0;
	}
	/* A partial frame stays in place at the start of the region. */
	n = read(c->in, p + *carry, (size_t)k * r->fbytes - *carry);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		fprintf(stderr, "amcat: read: %s\n", strerror(errno));
		return -1;
	}
	if (n == 0) {
		*eof = 1;
		return 0;
	}
	*carry += (size_t)n;
	full = (uint32_t)(*carry / r->fbytes);
	if (full > 0)
		am_aring_advance(r, full, am_clock_ns());
	*carry -= (size_t)full * r->fbytes;
	return 0;
}

/* Copy the input into the ring until its end and the engine took it. */
static int
cat_play_loop(struct cat *c)
{
	struct am_aring *r = &c->ring;
	uint32_t room, fill;
	size_t carry = 0;
	int eof = 0, timeout;

	while (!cat_quit) {
		cat_progress(c, 0);
		if (!eof) {
			am_aring_avail(r, &room);
			if (r->cap - room < r->high) {
				if (cat_fill(c, &carry, &eof) < 0)
					return -1;
				continue;
			}
		}
		if (eof && !atomic_load(&r->hdr->eof)) {
			if (carry > 0)
				fprintf(stderr, "amcat: %zu bytes at the end "
				    "are not a whole frame: dropped\n", carry);
			atomic_store(&r->hdr->eof, 1);
		}
		atomic_store(&r->hdr->waiting, 1);
		am_aring_avail(r, &room);
		fill = r->cap - room;
		if (eof ? fill == 0 : fill <= r->low) {
			atomic_store(&r->hdr->waiting, 0);
			if (eof)
				return 0;
			continue;
		}
		/*
		 * The engine's real-time thread wakes us at the level we
		 * wait for (it loses none: see lib/aring.c), or closes
		 * the pipe: no bound but the progress line's.
		 */
		timeout = c->progress ? CAT_PROGRESS_MS : -1;
		if (cat_sleep(c, timeout) < 0)
			return -1;
	}
	return -1;
}

/*
 * Recognise a sound file by its first bytes without consuming them:
 * pread on a file, tee(2) into a scratch pipe on a pipe. 1 with the
 * input opened through libsndfile, 0 for raw, -1 on error.
 */
static int
cat_sniff(struct cat *c)
{
	static const char *const magics[] = {
		"RIFF", "RF64", "fLaC", "FORM", "OggS", ".snd", "caff", NULL
	};
	unsigned char buf[CAT_PEEK];
	struct stat st;
	struct timespec ms = { 0, 1000000 };
	struct pollfd pfd;
	SF_INFO info;
	ssize_t n = 0;
	int pp[2], i;

	if (fstat(c->in, &st) < 0)
		return 0;
	if (S_ISREG(st.st_mode))
		n = pread(c->in, buf, sizeof(buf), lseek(c->in, 0, SEEK_CUR));
	else if (S_ISFIFO(st.st_mode) && pipe(pp) == 0) {
		/*
		 * tee copies what the pipe holds, consuming nothing; wait
		 * for the writer until there are 4 bytes or the end.
		 */
		while (!cat_quit) {
			n = tee(c->in, pp[1], sizeof(buf), SPLICE_F_NONBLOCK);
			if (n >= (ssize_t)sizeof(buf) || n == 0 ||
			    (n < 0 && errno != EAGAIN))
				break;
			if (n > 0 && read(pp[0], buf, (size_t)n) == n)
				nanosleep(&ms, NULL);	/* 1-3 bytes so far */
			else {
				pfd.fd = c->in;
				pfd.events = POLLIN;
				poll(&pfd, 1, -1);
			}
		}
		if (n >= (ssize_t)sizeof(buf))
			n = read(pp[0], buf, sizeof(buf));
		close(pp[0]);
		close(pp[1]);
	}
	if (n < (ssize_t)sizeof(buf))
		return 0;
	for (i = 0; magics[i] != NULL; i++) {
		if (memcmp(buf, magics[i], sizeof(buf)) == 0)
			break;
	}
	if (magics[i] == NULL)
		return 0;
	if (S_ISFIFO(st.st_mode) && i == 2) {
		/* libsndfile seeks in FLAC and loses sync on a pipe. */
		fprintf(stderr, "amcat: FLAC cannot be read from a pipe: give "
		    "the file name, or decode it first (flac -dc)\n");
		return -1;
	}
	memset(&info, 0, sizeof(info));
	c->sf = sf_open_fd(c->in, SFM_READ, &info, 0);
	if (c->sf == NULL) {
		fprintf(stderr, "amcat: cannot read the input: %s\n",
		    sf_strerror(NULL));
		return -1;
	}
	if (info.channels < 1 || info.channels > AM_ARING_CHAN_MAX ||
	    info.samplerate < AM_ARING_RATE_MIN ||
	    info.samplerate > AM_ARING_RATE_MAX) {
		fprintf(stderr, "amcat: the input has %d channels at %d Hz; "
		    "amcat plays 1 or 2 channels at %u to %u Hz\n",
		    info.channels, info.samplerate, AM_ARING_RATE_MIN,
		    AM_ARING_RATE_MAX);
		return -1;
	}
	c->channels = (uint32_t)info.channels;
	c->rate = (uint32_t)info.samplerate;
	c->format = AM_ARING_F32;
	return 1;
}

/* The smallest power of two >= n, at least AM_ARING_CAP_MIN. */
static uint32_t
cat_pow2(uint32_t n)
{
	uint32_t p = AM_ARING_CAP_MIN;

	while (p < n && p < AM_ARING_CAP_MAX)
		p <<= 1;
	return p;
}

/* Make the ring. 0 or -1 (said why). */
static int
cat_ring(struct cat *c, int producer, uint32_t cap, uint32_t low,
    uint32_t high)
{
	int rc;

	rc = am_aring_open(&c->ring, producer, c->format, c->channels,
	    c->rate, cap, low, high);
	if (rc < 0) {
		fprintf(stderr, "amcat: cannot make the ring: %s\n",
		    strerror(-rc));
		return -1;
	}
	return 0;
}

/* Link from -> to. 0 or -1 (said why). */
static int
cat_connect(struct cat *c, uint32_t from, uint32_t to)
{
	cJSON *r;

	r = cat_req(c, "connect", NULL, 0,
	    "{\"cmd\":\"connect\",\"from\":%u,\"to\":%u}", from, to);
	cJSON_Delete(r);
	return r != NULL ? 0 : -1;
}

/* Play the input through an app_source. The exit status. */
static int
cat_play(struct cat *c, const char *sock, const char *file, const char *want,
    double db, int have_db, double latency)
{
	uint32_t high, one, to;
	int rc;

	c->in = STDIN_FILENO;
	if (file != NULL && strcmp(file, "-") != 0 &&
	    (c->in = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "amcat: %s: %s\n", file, strerror(errno));
		return 1;
	}
	if (cat_sniff(c) < 0 || cat_setup(c, sock, want, &to, 0) < 0)
		return 1;
	if (c->verbose)
		cat_verbose_clock(sock);
	/* At least one period of the engine, in the ring's frames. */
	high = (uint32_t)fmin(latency * c->rate / 1000.0, AM_ARING_CAP_MAX);
	one = (uint32_t)(((uint64_t)c->period * c->rate + c->graph_rate - 1) /
	    c->graph_rate);
	if (high < one)
		high = one;
	if (high < AM_ARING_CAP_MIN)
		high = AM_ARING_CAP_MIN;
	cat_rt(c, high * 1000.0 / c->rate);
	if (cat_ring(c, 1, cat_pow2(high), high / 2, high) < 0)
		return 1;
	if (have_db) {
		c->gain_id = cat_id(cat_req(c, "gain", NULL, 0,
		    "{\"cmd\":\"create_node\",\"type\":\"gain\","
		    "\"args\":{\"db\":%.17g}}", db));
		if (c->gain_id == 0 || cat_connect(c, c->gain_id, to) < 0)
			goto fail;
		to = c->gain_id;
	}
	/* An empty ring: the engine starts once it holds low frames. */
	c->src_id = cat_id(cat_app_req(c, "app_source",
	    "{\"cmd\":\"create_node\",\"type\":\"app_source\","
	    "\"name\":\"%s\",\"args\":"
	    "{\"fd\":0,\"wake\":true,\"frames\":%u,\"channels\":%u,"
	    "\"rate\":%u,\"format\":\"%s\"}}", c->name, c->ring.cap,
	    c->channels, c->rate, am_aring_formats[c->format]));
	if (c->src_id == 0 || cat_connect(c, c->src_id, to) < 0)
		goto fail;
	rc = cat_play_loop(c);
	cat_progress(c, 1);
	cat_cleanup(c);
	return rc < 0 ? 1 : 0;
fail:
	cat_cleanup(c);
	return 1;
}

/* Store v as n little-endian bytes at p. */
static void
put_le(unsigned char *p, uint32_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * Write all len bytes to standard output. 0, 1 when the reader went
 * away (a normal end), -1 on error (said why).
 */
static int
cat_out(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n < 0) {
			if (errno == EINTR && !cat_quit)
				continue;
			if (errno == EPIPE)
				return 1;
			if (errno == EINTR)
				return -1;
			fprintf(stderr, "amcat: write: %s\n", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The RIFF/WAVE header of float stereo: frames, or endless. */
static int
cat_wav(uint32_t rate, uint64_t frames, int endless)
{
	unsigned char b[58];
	uint64_t data = frames * 8;
	uint32_t riff = (uint32_t)(50 + data);

	if (endless || 50 + data > 0xffffffffULL)
		riff = (uint32_t)(data = 0xffffffff);
	memcpy(b, "RIFF", 4);
	put_le(b + 4, riff, 4);
	memcpy(b + 8, "WAVEfmt ", 8);
	put_le(b + 16, 18, 4);
	put_le(b + 20, WAV_FLOAT, 2);
	put_le(b + 22, 2, 2);
	put_le(b + 24, rate, 4);
	put_le(b + 28, rate * 8, 4);
	put_le(b + 32, 8, 2);
	put_le(b + 34, 32, 2);
	put_le(b + 36, 0, 2);
	memcpy(b + 38, "fact", 4);
	put_le(b + 42, 4, 4);
	put_le(b + 46, endless ? 0xffffffff : (uint32_t)frames, 4);
	memcpy(b + 50, "data", 4);
	put_le(b + 54, (uint32_t)data, 4);
	return cat_out(b, sizeof(b));
}

/* Drain the ring to standard output: frames of them, or endless. */
static int
cat_record_loop(struct cat *c, uint64_t frames, int endless)
{
	struct am_aring *r = &c->ring;
	unsigned char *p;
	uint64_t done = 0, left;
	uint32_t have, k;
	int rc, timeout;

	while (!cat_quit && (endless || done < frames)) {
		am_aring_avail(r, &have);
		left = endless ? have : frames - done;
		if (have > 0) {
			k = am_aring_region(r, 0, have < left ? have :
			    (uint32_t)left, &p);
			if ((rc = cat_out(p, (size_t)k * r->fbytes)) != 0)
				return rc > 0 ? 0 : -1;
			am_aring_advance(r, k, 0);
			done += k;
			continue;
		}
		atomic_store(&r->hdr->waiting, 1);
		am_aring_avail(r, &have);
		if (have >= r->high) {
			atomic_store(&r->hdr->waiting, 0);
			continue;
		}
		/*
		 * The engine wakes us at high frames; the tail is shorter,
		 * so that wait is bounded by the time it takes.
		 */
		if (!endless && left < r->high)
			timeout = cat_due_ms(r, (uint32_t)left) + 20;
		else
			timeout = -1;
		if (cat_sleep(c, timeout) < 0)
			return -1;
	}
	return cat_quit ? -1 : 0;
}

/*
 * Record node from to standard output, at rate Hz (0: the graph's). The
 * exit status.
 */
static int
cat_record(struct cat *c, const char *sock, const char *want, double secs,
    int wav, uint32_t rate)
{
	uint64_t frames, lost;
	uint32_t cap, from;
	int rc, endless = secs < 0;

	if (cat_setup(c, sock, want, &from, 1) < 0)
		return 1;
	c->rate = rate != 0 ? rate : c->graph_rate;
	c->channels = 2;
	c->format = AM_ARING_F32;
	cap = cat_pow2(c->rate * CAT_REC_MS / 1000);
	if (cat_ring(c, 0, cap, 0, cap / 4) < 0)
		return 1;
	frames = endless ? 0 : (uint64_t)llround(secs * c->rate);
	c->src_id = cat_id(cat_app_req(c, "app_sink",
	    "{\"cmd\":\"create_node\",\"type\":\"app_sink\","
	    "\"name\":\"%s\",\"args\":"
	    "{\"fd\":0,\"wake\":true,\"frames\":%u,\"channels\":2,"
	    "\"rate\":%u,\"format\":\"f32\"}}", c->name, cap, c->rate));
	if (c->src_id == 0 || cat_connect(c, from, c->src_id) < 0)
		goto fail;
	if (wav && (rc = cat_wav(c->rate, frames, endless)) != 0) {
		cat_cleanup(c);
		return rc > 0 ? 0 : 1;
	}
	rc = cat_record_loop(c, frames, endless);
	lost = atomic_load(&c->ring.hdr->xruns);
	cat_cleanup(c);
	if (rc < 0)
		return 1;
	if (lost > 0) {
		fprintf(stderr, "amcat: %llu frames lost: amcat did not keep "
		    "up with the engine\n", (unsigned long long)lost);
		return 1;
	}
	return 0;
fail:
	cat_cleanup(c);
	return 1;
}

/* Parse a number option in [min, max]; -1 with a message if not. */
static int
opt_num(const char *opt, const char *s, double min, double max, double *out)
{
	int rc = am_parse_double(s, min, max, out);

	if (rc == -ERANGE)
		fprintf(stderr, "amcat: %s: out of range (%g to %g): %s\n",
		    opt, min, max, s);
	else if (rc < 0)
		fprintf(stderr, "amcat: %s: not a number: %s\n", opt, s);
	return rc < 0 ? -1 : 0;
}

/* Parse an integer option in [min, max]; -1 with a message if not. */
static int
opt_long(const char *opt, const char *s, long min, long max, long *out)
{
	int rc = am_parse_long(s, min, max, out);

	if (rc == -ERANGE)
		fprintf(stderr, "amcat: %s: out of range (%ld to %ld): %s\n",
		    opt, min, max, s);
	else if (rc < 0)
		fprintf(stderr, "amcat: %s: not an integer: %s\n", opt, s);
	return rc < 0 ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	static const char optstr[] = ":s:r:c:f:d:t:hv";
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, OPT_TO },
		{ "db", required_argument, NULL, OPT_DB },
		{ "latency", required_argument, NULL, OPT_LATENCY },
		{ "record", no_argument, NULL, OPT_RECORD },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct cat c;
	struct sigaction sa;
	const char *sock = NULL, *file = NULL, *node = NULL, *name = NULL;
	char why[128];
	double db = 0, latency = CAT_LATENCY_DEF, secs = -1;
	long rate = 48000, ch = 2;
	int opt, record = 0, have_db = 0, wav = 1, fmt = AM_ARING_F32;
	int play_only = 0, rec_only = 0, have_rate = 0, i, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (opt_long("-c", optarg, 1, AM_ARING_CHAN_MAX,
			    &ch) < 0)
				goto bad;
			play_only = 1;
			break;
		case 'd':
			if (opt_num("-d", optarg, 0, 1e7, &secs) < 0)
				goto bad;
			rec_only = 1;
			break;
		case 'f':
			for (i = 0; am_aring_formats[i] != NULL; i++) {
				if (strcmp(am_aring_formats[i], optarg) == 0)
					break;
			}
			if (am_aring_formats[i] == NULL) {
				fprintf(stderr, "amcat: -f: unknown format: "
				    "%s\n", optarg);
				goto bad;
			}
			fmt = i;
			play_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'r':
			if (opt_long("-r", optarg, AM_ARING_RATE_MIN,
			    AM_ARING_RATE_MAX, &rate) < 0)
				goto bad;
			have_rate = 1;	/* record too: the engine converts */
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			c.verbose = 1;
			play_only = 1;
			break;
		case 't':
			if (strcmp(optarg, "wav") != 0 &&
			    strcmp(optarg, "raw") != 0) {
				fprintf(stderr, "amcat: -t: unknown file "
				    "type: %s\n", optarg);
				goto bad;
			}
			wav = strcmp(optarg, "wav") == 0;
			rec_only = 1;
			break;
		case OPT_TO:
		case OPT_FROM:
			/* an id or a name: the daemon's list says which */
			if (optarg[0] == '\0') {
				fprintf(stderr, "amcat: %s: empty node\n",
				    opt == OPT_TO ? "--to" : "--from");
				goto bad;
			}
			node = optarg;
			if (opt == OPT_TO)
				play_only = 1;
			else
				rec_only = 1;
			break;
		case OPT_DB:
			if (opt_num("--db", optarg, -200, 40, &db) < 0)
				goto bad;
			have_db = play_only = 1;
			break;
		case OPT_LATENCY:
			if (opt_num("--latency", optarg, CAT_LATENCY_MIN,
			    CAT_LATENCY_MAX, &latency) < 0)
				goto bad;
			play_only = 1;
			break;
		case OPT_RECORD:
			record = 1;
			break;
		case OPT_NAME:
			if (am_name_valid(optarg, why, sizeof(why)) < 0) {
				fprintf(stderr, "amcat: --name %s: %s\n",
				    optarg, why);
				goto bad;
			}
			name = optarg;
			break;
		case ':':
			fprintf(stderr, "amcat: option %s needs an "
			    "argument\n", argv[optind - 1]);
			goto bad;
		default:
			fprintf(stderr, "amcat: unknown option %s\n",
			    argv[optind - 1]);
			goto bad;
		}
	}
	if (record && play_only) {
		fprintf(stderr, "amcat: --record takes only -s, -r, --from, "
		    "-d, -t and --name\n");
		goto bad;
	}
	if (!record && rec_only) {
		fprintf(stderr, "amcat: --from, -d and -t need --record\n");
		goto bad;
	}
	if (optind < argc - (record ? 0 : 1)) {
		fprintf(stderr, "amcat: unexpected argument: %s\n",
		    argv[argc - 1]);
		goto bad;
	}
	if (optind < argc)
		file = argv[optind];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cat_signal;	/* no SA_RESTART: reads end */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	c.conn.fd = -1;
	c.wakefd = -1;
	c.ring.fd = -1;
	c.progress = !record && isatty(STDERR_FILENO);
	c.rate = (uint32_t)rate;
	c.channels = (uint32_t)ch;
	c.format = (uint32_t)fmt;
	if (name != NULL)
		snprintf(c.name, sizeof(c.name), "%s", name);
	else if (am_client_name(c.name, sizeof(c.name)) < 0)
		snprintf(c.name, sizeof(c.name), "amcat");
	if (record)
		rc = cat_record(&c, sock, node, secs, wav, have_rate ?
		    (uint32_t)rate : 0);
	else
		rc = cat_play(&c, sock, file, node, db, have_db, latency);
	if (cat_quit && rc == 1)
		fprintf(stderr, "amcat: interrupted\n");
	if (c.sf != NULL)
		sf_close(c.sf);
	am_aring_close(&c.ring);
	if (c.wakefd >= 0)
		close(c.wakefd);
	am_conn_close(&c.conn);
	return rc;
bad:
	usage(stderr);
	return 2;
}
