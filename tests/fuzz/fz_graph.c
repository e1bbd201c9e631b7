/* SPDX-License-Identifier: MIT */
/*
 * The rig of the graph fuzzer (fuzz_graph.c): the engine it drives, with
 * a test backend that is the device (lockstep: this thread runs each
 * period between requests; threaded: a real-time thread runs them back
 * to back), the control thread's chores the daemon's event loop would
 * do, the client's requests with their checks (an object with "ok"; a
 * refusal changes nothing "list" shows), the checks of every sample the
 * device gets, and the input files made at start.
 */

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sanitizer/common_interface_defs.h>
#include <sndfile.h>

#include "clock.h"
#include "cmd.h"
#include "cmd_impl.h"
#include "cmd_wait.h"
#include "ctl.h"
#include "dl.h"
#include "fdq.h"
#include "ev.h"
#include "events.h"
#include "fz_graph.h"
#include "log.h"
#include "plan.h"
#include "policy.h"
#include "proto.h"

#if defined(__has_include)
#if __has_include("afmt.h")
#include "afmt.h"
#define FZ_EDGE	1		/* the device edge's conversion exists */
#endif
#endif

#define FZ_FRAMES	(1 << 14)	/* lockstep: frames one input may run */
#define FZ_WAIT_NS	(20 * 1000000ULL)	/* threaded: cycles waited for */
#define FZ_DEFER_NS	(5 * 1000000000ULL)	/* a deferred reply, at most */

struct engine fz_engine;
struct client fz_client;
char fz_dir[64];
char fz_files[FZ_FILES][128];
struct fz_ring fz_rings[FZ_RINGS];
int fz_nrings;
int fz_threaded;
int fz_trace;
_Atomic uint32_t fz_period, fz_rate;

static uint64_t fz_frames;		/* run by this input, lockstep */
static int fz_peer = -1;		/* the client's end of fz_client.fd */
static struct ev_file fz_client_ev;	/* ctl sets its events; unwatched */
static pthread_t fz_thread;
static _Atomic int fz_quit;
static _Atomic int fz_in_cycle;		/* threaded: RT is in rt_cycle */
static _Atomic uint64_t fz_next;	/* rate << 32 | period: the device's next */
static _Atomic int fz_bad;		/* RT found a bad sample */
static float fz_bad_val;
static const char *fz_bad_where;

void
fz_fail(const char *what, const char *a, const char *b)
{
	char msg[1024];

	fprintf(stderr, "fuzz_graph: %s\n", what);
	if (a != NULL)
		fprintf(stderr, "  %s\n", a);
	if (b != NULL)
		fprintf(stderr, "  %s\n", b);
	/*
	 * libFuzzer's -close_fd_mask (tests/fuzz/run.sh) closes our
	 * stderr; the sanitizers' report descriptor stays open.
	 */
	snprintf(msg, sizeof(msg), "fuzz_graph: %s: %s%s%s", what,
	    a != NULL ? a : "", b != NULL ? " -> " : "", b != NULL ? b : "");
	__sanitizer_report_error_summary(msg);
	abort();
}

/* RT: is every sample finite and, through the edge, within full scale? */
static void
fz_check_out(const float *buf, uint32_t n, const char *where)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (!isfinite(buf[i])) {
			fz_bad_val = buf[i];
			fz_bad_where = where;
			atomic_store(&fz_bad, 1);
			return;
		}
	}
#ifdef FZ_EDGE
	{
		static float edge[RT_FRAMES_MAX * 2];
		uint32_t seed = AM_AFMT_DITHER_SEED;

		am_afmt_encode(AM_AFMT_F32, edge, buf, n, &seed);
		for (i = 0; i < n; i++) {
			if (!(fabsf(edge[i]) <= 1.0f)) {
				fz_bad_val = edge[i];
				fz_bad_where = "f32 device edge: over full scale";
				atomic_store(&fz_bad, 1);
				return;
			}
		}
	}
#endif
}

/* Control: stop at the first bad sample the RT side found. */
void
fz_check_bad(const char *req)
{
	char msg[160];

	if (!atomic_load(&fz_bad))
		return;
	snprintf(msg, sizeof(msg), "%s: sample %g", fz_bad_where,
	    (double)fz_bad_val);
	fz_fail(msg, req, NULL);
}

/* ---- the test backend ---- */


/* RT: one period as a backend runs it: capture in, graph, playback out. */
static void
fz_cycle(void)
{
	struct rt *rt = &fz_engine.rt;
	uint64_t next = atomic_exchange(&fz_next, 0);
	uint32_t period, rate;

	if (next != 0) {
		atomic_store(&fz_period, (uint32_t)next);
		atomic_store(&fz_rate, (uint32_t)(next >> 32));
	}
	period = atomic_load(&fz_period);
	rate = atomic_load(&fz_rate);
	rt_cycle(rt, period, rate);
	fz_check_out(rt->dev_out, period * 2, "device output not finite");
}

static void *
fz_rt_thread(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&fz_quit, memory_order_acquire)) {
		atomic_store(&fz_in_cycle, 1);
		fz_cycle();
		atomic_store(&fz_in_cycle, 0);
		sched_yield();
	}
	return NULL;
}

static int
fz_open(struct engine *e, struct dev_config *cfg, char *err, size_t errlen)
{
	(void)e;
	(void)err;
	(void)errlen;
	if (cfg->periods == 0)
		cfg->periods = 2;
	snprintf(cfg->format, sizeof(cfg->format), "f32");
	atomic_store(&fz_period, cfg->period);
	atomic_store(&fz_rate, cfg->rate);
	return 0;
}

static void
fz_close(struct engine *e)
{
	(void)e;
}

static int
fz_start(struct engine *e, char *err, size_t errlen)
{
	int rc;

	(void)e;
	if (!fz_threaded)
		return 0;
	atomic_store(&fz_quit, 0);
	rc = pthread_create(&fz_thread, NULL, fz_rt_thread, NULL);
	if (rc != 0)
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
	return -rc;
}

static void
fz_stop(struct engine *e)
{
	(void)e;
	if (!fz_threaded)
		return;
	atomic_store_explicit(&fz_quit, 1, memory_order_release);
	pthread_join(fz_thread, NULL);
}

static const struct backend_ops fz_backend = {
	.name = "null",		/* as the daemon's, for "backend" requests */
	.open = fz_open,
	.close = fz_close,
	.start = fz_start,
	.stop = fz_stop,
};

/* ---- the control thread's side ---- */

/*
 * What the daemon's event loop does when the RT thread wakes it: follow
 * a device reconfiguration, hand wake-ups to their nodes, free what the
 * RT thread let go of, remove drained orphans.
 */
static void
fz_control(void)
{
	struct engine *e = &fz_engine;
	struct rt_event rev;
	struct node *n;
	uint64_t cnt, reconf;
	ssize_t rc;

	rc = read(e->rt.evfd, &cnt, sizeof(cnt));
	(void)rc;
	reconf = atomic_exchange(&e->rt.reconfig, 0);
	if (reconf != 0)
		engine_on_device_changed(e, reconf >> 32, reconf & 0xffffffff);
	while (am_queue_pop(&e->rt.events, &rev) == 0) {
		if (rev.type == RT_EV_NODE && rev.b == NODE_EV_WAKE &&
		    (n = graph_node(&e->graph, rev.node)) != NULL &&
		    n->ops->wake != NULL)
			n->ops->wake(n->state);
	}
	engine_reclaim(e);
	cmd_orphans();
}

/* Run k periods: on this thread (lockstep) or wait for the RT thread. */
void
fz_run(unsigned k)
{
	uint64_t c0, t0;

	if (!fz_threaded || fz_engine.state != ENGINE_RUNNING) {
		/* Bounded, so that an input costs milliseconds. */
		while (k-- > 0 && fz_frames < FZ_FRAMES) {
			fz_frames += atomic_load(&fz_period);
			if (fz_trace)
				fprintf(stderr, "  cycle: %u frames at %u Hz\n",
				    atomic_load(&fz_period),
				    atomic_load(&fz_rate));
			fz_cycle();
		}
	} else {
		/* Concurrency is the point here, not the amount of audio. */
		k = k > 2 ? 2 : k;
		c0 = atomic_load(&fz_engine.rt.cycles);
		t0 = am_clock_ns();
		while (atomic_load(&fz_engine.rt.cycles) < c0 + k &&
		    am_clock_ns() - t0 < FZ_WAIT_NS)
			sched_yield();
	}
	fz_control();
}

/*
 * The device changes rate or period by itself, as a JACK server may:
 * now (the backend runs the new period at once and control follows, as
 * after a buffer-size change), or at its next period while control
 * follows at once (JACK calls its sample-rate callback on another
 * thread, while the process callback may still run a period).
 */
void
fz_device_change(uint32_t rate, uint32_t period, int now)
{
	uint64_t c0, t0;

	if (now) {
		atomic_store(&fz_period, period);
		atomic_store(&fz_rate, rate);
	} else
		atomic_store(&fz_next, (uint64_t)rate << 32 | period);
	rt_reconfig(&fz_engine.rt, rate, period);
	if (now && fz_threaded && fz_engine.state == ENGINE_RUNNING) {
		/*
		 * The period running now may be at the old rate: let it
		 * end (a backend stops before it changes; 5 s at most),
		 * however long it takes, before control follows.
		 */
		c0 = atomic_load(&fz_engine.rt.cycles);
		t0 = am_clock_ns();
		while (atomic_load(&fz_engine.rt.cycles) < c0 + 1 &&
		    am_clock_ns() - t0 < 5000000000ULL)
			sched_yield();
	}
	if (!now) {
		/* Threaded: land while a period runs, as the race would. */
		t0 = am_clock_ns();
		while (fz_threaded && fz_engine.state == ENGINE_RUNNING &&
		    !atomic_load(&fz_in_cycle) && am_clock_ns() - t0 <
		    FZ_WAIT_NS)
			;
		fz_control();
	}
	fz_run(1);
}

static char *
fz_list(void)
{
	cJSON *req = cJSON_CreateObject(), *r;
	char *s;

	cJSON_AddStringToObject(req, "cmd", "list");
	r = cmd_dispatch(&fz_client.peer, req);
	s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	cJSON_Delete(req);
	return s;
}

/* Close the descriptors a request did not take, as ctl does. */
void
fz_close_fds(void)
{
	int i;

	for (i = 0; i < fz_client.peer.nfds; i++) {
		if (fz_client.peer.fds[i] >= 0)
			close(fz_client.peer.fds[i]);
	}
	fz_client.peer.nfds = 0;
}

/*
 * The reply to text that cmd_dispatch deferred (stop, render): do what
 * the daemon's loop does, the engine's events and cmd_wait's timer,
 * until ctl sends it on fz_client's socket, and read it back.
 */
static cJSON *
fz_deferred(const char *text)
{
	char buf[4096];
	uint64_t t0 = am_clock_ns();
	ssize_t n;
	size_t len = 0;
	cJSON *r;

	fz_client.waiting = 1;		/* as ctl_line does */
	while (fz_client.waiting) {
		if (am_clock_ns() - t0 > FZ_DEFER_NS)
			fz_fail("a deferred reply never came", text, NULL);
		if (!fz_threaded && fz_engine.state == ENGINE_RUNNING)
			fz_cycle();	/* lockstep: the device goes on */
		fz_control();
		if (cmd_wait_poll() == -EINPROGRESS)
			sched_yield();
	}
	if (fz_client.fd < 0)
		fz_fail("the client was dropped while waiting", text, NULL);
	while (len == 0 || buf[len - 1] != '\n') {
		n = recv(fz_peer, buf + len, sizeof(buf) - 1 - len,
		    MSG_DONTWAIT);
		if (n <= 0 || len + n >= sizeof(buf) - 1)
			fz_fail("a deferred reply not one line", text, NULL);
		len += n;
	}
	buf[len] = '\0';
	if ((r = cJSON_Parse(buf)) == NULL)
		fz_fail("a deferred reply not JSON", text, buf);
	if (fz_trace)
		fprintf(stderr, "< (deferred) %s", buf);
	return r;
}

/*
 * Send one request (consumed) as the client and check its reply: an
 * object with a boolean "ok", "error" with a code when refused, and a
 * refusal changes nothing "list" shows. Returns the reply's "id" or 0.
 */
uint32_t
fz_req(cJSON *req)
{
	char *before, *after, *text;
	const cJSON *ok, *err, *id;
	uint32_t rid = 0;
	cJSON *r;

	before = fz_list();
	text = cJSON_PrintUnformatted(req);
	r = cmd_dispatch(&fz_client.peer, req);
	if (fz_trace) {
		char *rs = r != NULL ? cJSON_PrintUnformatted(r) : NULL;

		fprintf(stderr, "> %s\n< %s\n", text, rs != NULL ? rs :
		    "(deferred)");
		free(rs);
	}
	fz_close_fds();
	if (r == NULL)
		r = fz_deferred(text);
	ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
	if (!cJSON_IsObject(r) || !cJSON_IsBool(ok))
		fz_fail("a reply without \"ok\"", text, NULL);
	if (cJSON_IsFalse(ok)) {
		err = cJSON_GetObjectItemCaseSensitive(r, "error");
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(err,
		    "code")))
			fz_fail("a refusal without an error code", text, NULL);
		after = fz_list();
		if (strcmp(before, after) != 0) {
			fprintf(stderr, "before: %s\nafter:  %s\n", before,
			    after);
			fz_fail("a refused request changed the graph", text,
			    cJSON_PrintUnformatted(r));
		}
		free(after);
	} else if (cJSON_IsNumber(id = cJSON_GetObjectItemCaseSensitive(r,
	    "id")))
		rid = (uint32_t)id->valuedouble;
	fz_check_bad(text);
	free(text);
	free(before);
	cJSON_Delete(r);
	cJSON_Delete(req);
	return rid;
}

cJSON *
fz_cmd(const char *cmd)
{
	cJSON *req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "cmd", cmd);
	return req;
}


/* Write a test file of frames frames; one holds NaN, Inf and overs. */
static void
fz_file(int k, const char *ext, int format, int channels, int rate,
    sf_count_t frames, int hostile)
{
	SF_INFO info;
	SNDFILE *sf;
	float *buf;
	sf_count_t i;
	int fd;

	snprintf(fz_files[k], sizeof(fz_files[k]), "%s/in%d.%s", fz_dir, k,
	    ext);
	memset(&info, 0, sizeof(info));
	info.samplerate = rate;
	info.channels = channels;
	info.format = format;
	fd = open(fz_files[k], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	sf = fd < 0 ? NULL : sf_open_fd(fd, SFM_WRITE, &info, 1);
	if (sf == NULL)
		abort();
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_FALSE);
	buf = calloc((size_t)frames * channels + 1, sizeof(float));
	for (i = 0; i < frames * channels; i++)
		buf[i] = (float)sin(i * 0.1) * 0.9f;
	if (hostile) {
		for (i = 0; i + 5 < frames * channels; i += 97) {
			buf[i] = NAN;
			buf[i + 1] = INFINITY;
			buf[i + 2] = -INFINITY;
			buf[i + 3] = 1e30f;
			buf[i + 4] = 8.0f;
		}
	}
	sf_writef_float(sf, buf, frames);
	sf_close(sf);
	free(buf);
}

/* At exit: the private directory and what the file nodes wrote in it. */
static void
fz_cleanup(void)
{
	char path[sizeof(fz_dir) + 300];
	struct dirent *d;
	DIR *dir;

	if ((dir = opendir(fz_dir)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", fz_dir, d->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(fz_dir);
}

void
fz_init(void)
{
	struct dev_config dev;
	char err[256];
	uint32_t i;
	int sp[2];

	am_log_level = -1;
	fz_trace = getenv("FUZZ_GRAPH_TRACE") != NULL;
	/* sf_open_fd and the rest forward through dl_sndfile.c. */
	if (dl_sndfile_load(err, sizeof(err)) < 0)
		abort();
	snprintf(fz_dir, sizeof(fz_dir), "%s/fuzz_graph.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fz_dir) == NULL)
		abort();
	atexit(fz_cleanup);
	fz_file(0, "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 48000, 4800, 0);
	fz_file(1, "wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 44100, 3000, 1);
	fz_file(2, "flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 2, 8000, 100, 0);
	fz_file(3, "wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 192000, 9000,
	    1);
	fz_file(4, "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1, 22050, 0, 0);
	fz_file(5, "aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 2, 96000, 7,
	    0);
	policy_init();
	policy_dir(fz_dir, err, sizeof(err));
	memset(&dev, 0, sizeof(dev));
	strcpy(dev.name, "default");
	dev.rate = 48000;
	dev.channels = 2;
	dev.period = 128;
	dev.periods = 2;
	if (engine_init(&fz_engine, &fz_backend, &dev) < 0)
		abort();
	cmd_init(&fz_engine, 0);
	events_init(&fz_engine);
	ctl_init(NULL, -1, &cmd_handler);
	/* A socket, so that deferred replies can be read back. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		abort();
	fz_client.fd = sp[0];
	fz_peer = sp[1];
	fz_client.ev = &fz_client_ev;
	am_lbuf_init(&fz_client.in);	/* ctl reads on after a late reply */
	am_fdq_init(&fz_client.fdq);
	fz_client.peer.stats_slot = fz_client.peer.levels_slot = -1;
	fz_client.peer.reply_fd = fz_client.out_fd = -1;
	/* A capture within full scale, as a device delivers it. */
	for (i = 0; i < RT_FRAMES_MAX * 2; i++)
		fz_engine.rt.dev_in[i] = (float)sin(i * 0.01) * 0.5f;
}

/* Empty the graph, the device and the rings for the next input. */
void
fz_reset(void)
{
	struct engine *e = &fz_engine;
	int i;

	engine_stop(e);
	fz_threaded = 0;
	while (e->graph.nodes != NULL)
		engine_retire(e, graph_remove(&e->graph, e->graph.nodes->id));
	engine_commit(e);
	engine_reclaim(e);
	e->graph.next_id = 1;
	for (i = 0; i < fz_nrings; i++)
		am_aring_close(&fz_rings[i].r);
	fz_nrings = 0;
	fz_frames = 0;
	atomic_store(&fz_next, 0);
	fz_close_fds();
}
