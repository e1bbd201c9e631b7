/* SPDX-License-Identifier: MIT */
/*
 * The JACK backend: amixd as a client of a running JACK server, clocked
 * by the server's process callback. Ports are amixd:playback_N (what
 * the device sinks mix) and amixd:capture_N (what device sources read),
 * N = 1..channels (up to 64), one per channel of the device's layout;
 * start connects them, by name or to the physical ports (jack_ports.c;
 * stop deactivates the client, and JACK drops all its connections). The
 * server is never started by us (JackNoStartServer): with no server
 * device_open fails at once with a clear message.
 *
 * The server owns rate and period. open grants what the server runs,
 * whatever was asked, unless the request said strict (then the rate and
 * period in cfg, asked or inherited from the current device, must be
 * the server's). Later changes of the server's buffer size or rate
 * arrive on JACK's notification thread and are passed to the control
 * thread with rt_reconfig; until it has compiled a plan for a longer
 * period those periods are silent (rt_cycle), and periods beyond
 * RT_FRAMES_MAX are always silent.
 *
 * Threads. open/close/start/stop/drift run on the control thread. The
 * process callback is the real-time thread: it moves the capture ports
 * into rt.dev_in, runs one rt_cycle, and spreads rt.dev_out over the
 * playback ports; it never allocates, locks, logs or blocks. The xrun,
 * buffer size, rate, freewheel and shutdown callbacks run on JACK's
 * non-real-time notification thread and only touch atomics: an xrun is
 * counted there and reported by the next process call (rt_xrun belongs
 * to the real-time thread, the event ring has one producer); a shutdown
 * only calls rt_lost, and the control thread does the closing, since
 * jack_client_close may not run inside the callback.
 *
 * Stopping: jack_deactivate cancels the process thread (asynchronously,
 * in JACK2), and waits for the server, forever when the server is
 * frozen (SIGSTOP, a debugger): libjack's requests have no timeout. So
 * stop only raises quit and returns; busy (polled by the engine) says 1
 * while a cycle is still in flight (busy, a Dekker-style pair of
 * seq_cst atomics with quit), then hands jack_deactivate to a helper
 * thread and says 1 until it returned. The process thread is thus never
 * cancelled half-way through a cycle, the control thread never waits
 * for the server, and once busy says 0 the callback no longer touches
 * rt, even when the server is dead and deactivation is skipped. close
 * runs jack_client_close on another helper and waits for it 2 s at
 * most: a frozen server then keeps that helper, which frees the client
 * whenever the server runs again, instead of the control thread (or
 * the daemon's exit). d is leaked, never freed, if a cycle never ended.
 * A cycle stuck in a node the watchdog gave up on is not waited for:
 * busy leaves the thread behind (watchdog_leave: should the node return,
 * the callback touches nothing shared) and deactivation cancels it;
 * once jack_deactivate returned no process call runs, so busy is 0.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jack/jack.h>
#include <jack/statistics.h>

#include "afmt.h"
#include "jack.h"
#include "clock.h"
#include "dsp.h"
#include "dl.h"
#include "engine.h"
#include "log.h"
#include "util.h"
#include "watchdog.h"

#define BACKEND_JACK_XRUN_BURST	8	/* xrun events per cycle, at most */
#define BACKEND_JACK_CLOSE_NS	(2 * AM_NSEC_PER_SEC)	/* close wait cap */
#define BACKEND_JACK_REBASE_NS	(3600 * AM_NSEC_PER_SEC) /* drift window */

static pthread_t backend_jack_ctl;	/* the control thread, set once */
static _Atomic int backend_jack_ctl_set;	/* backend_jack_ctl is valid */

/*
 * libjack's error and info messages: logged when they come from the
 * control thread (jack_client_open, jack_activate...), dropped when
 * they come from JACK's own threads, where logx may not run. Our own
 * messages say what failed in any case.
 */
static void
backend_jack_on_message(const char *msg)
{
	if (atomic_load_explicit(&backend_jack_ctl_set,
	    memory_order_acquire) &&
	    pthread_equal(pthread_self(), backend_jack_ctl))
		logx(3, "libjack: %s", msg);
}

/* RT: write silence to the playback ports. */
static void
backend_jack_silence(struct backend_jack *d, jack_nframes_t n)
{
	uint32_t ch;

	for (ch = 0; ch < d->channels; ch++)
		memset(jack_port_get_buffer(d->out[ch], n), 0,
		    n * sizeof(float));
}

/* RT: report xruns JACK counted since the last period, a few at a time. */
static void
backend_jack_xruns(struct backend_jack *d, struct rt *rt)
{
	uint32_t n, i;
	uint64_t usec;

	n = atomic_load_explicit(&d->xruns, memory_order_acquire);
	if (n == 0)
		return;
	if (n > BACKEND_JACK_XRUN_BURST)
		n = BACKEND_JACK_XRUN_BURST;
	atomic_fetch_sub_explicit(&d->xruns, n, memory_order_acq_rel);
	usec = atomic_exchange_explicit(&d->xrun_usec, 0,
	    memory_order_relaxed);
	for (i = 0; i < n; i++)
		rt_xrun(rt, RT_XRUN_UNDERRUN, usec);
}

/*
 * RT: how late this process call starts after the beginning of the
 * JACK period (the driver's wake-up, as the server's DLL estimates it):
 * includes the clients JACK ran before us in this period. The audio
 * clock is fed our own wake-up (CLOCK_MONOTONIC) plus our playback
 * port's latency: when this period's first frame is heard. Not JACK's
 * cycle start: after a stall JACK's DLL relocks for seconds with its
 * start lagging by hundreds of ms and its period a third off, and its
 * clients are misled all that time; our loop filters our own wake-ups
 * instead, and JACK's frame time of the period is kept beside them
 * (device_frames). Port latencies are plain reads in libjack.
 */
static void
backend_jack_late(struct backend_jack *d, struct rt *rt, jack_nframes_t n)
{
	jack_latency_range_t out, in;
	jack_nframes_t frames;
	jack_time_t start, next, now;
	uint64_t mono, lat_ns, rate;
	float period_us;

	mono = am_clock_ns();
	if (jack_get_cycle_times(d->client, &frames, &start, &next,
	    &period_us) != 0)
		return;
	now = jack_get_time();
	rt_late(rt, now > start ? (now - start) * 1000 : 0);
	rate = atomic_load_explicit(&d->rate, memory_order_relaxed);
	jack_port_get_latency_range(d->out[0], JackPlaybackLatency, &out);
	jack_port_get_latency_range(d->in[0], JackCaptureLatency, &in);
	lat_ns = am_clock_frames_ns(out.max, (uint32_t)rate);
	rt_clock(rt, mono + lat_ns, mono + lat_ns, frames, (uint32_t)rate, n,
	    out.max, in.max);
}

/*
 * RT: the capture ports interleaved into rt.dev_in, channel k from
 * capture_k+1; the stereo loop as it always was, any other count one
 * port at a time. Port buffers are JACK's; nothing is allocated.
 */
static void
backend_jack_gather(struct backend_jack *d, float *dst, jack_nframes_t n)
{
	const float *in0, *in1, *p;
	uint32_t i, c, ch = d->channels;

	if (ch == 2) {
		in0 = jack_port_get_buffer(d->in[0], n);
		in1 = jack_port_get_buffer(d->in[1], n);
		for (i = 0; i < n; i++) {
			dst[2 * i] = in0[i];
			dst[2 * i + 1] = in1[i];
		}
		return;
	}
	for (c = 0; c < ch; c++) {
		p = jack_port_get_buffer(d->in[c], n);
		for (i = 0; i < n; i++)
			dst[i * ch + c] = p[i];
	}
}

/* RT: rt.dev_out spread over the playback ports, channel k to k+1. */
static void
backend_jack_spread(struct backend_jack *d, const float *src,
    jack_nframes_t n)
{
	float *out0, *out1, *p;
	uint32_t i, c, ch = d->channels;

	if (ch == 2) {
		out0 = jack_port_get_buffer(d->out[0], n);
		out1 = jack_port_get_buffer(d->out[1], n);
		for (i = 0; i < n; i++) {
			out0[i] = src[2 * i];
			out1[i] = src[2 * i + 1];
		}
		return;
	}
	for (c = 0; c < ch; c++) {
		p = jack_port_get_buffer(d->out[c], n);
		for (i = 0; i < n; i++)
			p[i] = src[i * ch + c];
	}
}

/*
 * RT: the process callback, once per JACK period of n frames: capture
 * ports into rt.dev_in, one rt_cycle, rt.dev_out over the playback
 * ports. The buffers carry the device's channels, one per port pair:
 * no channel is mixed here (a mono device's node does the average).
 */
static int
backend_jack_on_process(jack_nframes_t n, void *arg)
{
	struct backend_jack *d = arg;
	struct rt *rt = &d->e->rt;

	atomic_store(&d->busy, 1);
	if (atomic_load(&d->quit) || n > RT_FRAMES_MAX) {
		backend_jack_silence(d, n);
		atomic_store(&d->busy, 0);
		return 0;
	}
	dsp_ftz();
	if (!atomic_load_explicit(&d->freewheel, memory_order_relaxed)) {
		backend_jack_xruns(d, rt);	/* first: they restart the clock */
		backend_jack_late(d, rt, n);
	}

	backend_jack_gather(d, rt->dev_in, n);
	rt_cycle(rt, n, atomic_load_explicit(&d->rate,
	    memory_order_relaxed));
	if (rt_left(rt)) {
		/* Left behind while stuck (watchdog_leave): nothing shared. */
		backend_jack_silence(d, n);
		atomic_store(&d->busy, 0);
		return 0;
	}
	/* JACK ports carry overs, as its users expect: counted only. */
	device_sink_clipped(rt->cur, am_afmt_overs(rt->dev_out,
	    (size_t)n * d->channels));
	backend_jack_spread(d, rt->dev_out, n);
	atomic_store_explicit(&d->busy, 0, memory_order_release);
	return 0;
}

/* Notification thread: an xrun somewhere in the JACK graph. */
static int
backend_jack_on_xrun(void *arg)
{
	struct backend_jack *d = arg;
	uint64_t usec, old;

	usec = (uint64_t)jack_get_xrun_delayed_usecs(d->client);
	old = atomic_load_explicit(&d->xrun_usec, memory_order_relaxed);
	while (usec > old && !atomic_compare_exchange_weak_explicit(
	    &d->xrun_usec, &old, usec, memory_order_relaxed,
	    memory_order_relaxed))
		;
	atomic_fetch_add_explicit(&d->xruns, 1, memory_order_release);
	return 0;
}

/*
 * Notification thread: the server's buffer size or rate is changing.
 * The control thread follows with a new plan (ctl: rt.reconfig).
 */
static void
backend_jack_reconfig(struct backend_jack *d, uint32_t rate, uint32_t period)
{
	uint32_t orate, operiod;

	orate = atomic_exchange(&d->rate, rate);
	operiod = atomic_exchange(&d->period, period);
	if (orate != rate || operiod != period)
		rt_reconfig(&d->e->rt, rate, period);
}

static int
backend_jack_on_buffer_size(jack_nframes_t n, void *arg)
{
	struct backend_jack *d = arg;

	backend_jack_reconfig(d, atomic_load(&d->rate), n);
	return 0;
}

static int
backend_jack_on_sample_rate(jack_nframes_t rate, void *arg)
{
	struct backend_jack *d = arg;

	backend_jack_reconfig(d, rate, atomic_load(&d->period));
	return 0;
}

/* Notification thread: freewheel mode starts or ends. */
static void
backend_jack_on_freewheel(int starting, void *arg)
{
	struct backend_jack *d = arg;

	atomic_store(&d->freewheel, starting != 0);
}

/*
 * JACK thread: the server shut us down (it quit or threw us out). Only
 * flags: the control thread stops and closes (engine_on_device_lost), as
 * jack_client_close may not be called from here. A client that is not
 * active has no engine running on it: nothing to report (its next
 * start fails on dead).
 */
static void
backend_jack_on_shutdown(jack_status_t code, const char *reason, void *arg)
{
	struct backend_jack *d = arg;

	(void)code;
	(void)reason;
	atomic_store(&d->dead, 1);
	if (atomic_load(&d->active))
		rt_lost(&d->e->rt);
}

/* The server's name, for messages. */
static const char *
backend_jack_server(void)
{
	const char *s = getenv("JACK_DEFAULT_SERVER");

	return s != NULL && *s != '\0' ? s : "default";
}

/* A failed jack_client_open in words, and as -errno. */
static int
backend_jack_status(jack_status_t st, const char *name, char *err,
    size_t errlen)
{
	if (st & JackVersionError) {
		snprintf(err, errlen, "jack: the server '%s' speaks another "
		    "protocol version", backend_jack_server());
		return -EPROTO;
	}
	if (st & (JackShmFailure | JackInitFailure)) {
		snprintf(err, errlen, "jack: cannot attach to the server "
		    "'%s' (shared memory or initialisation failed)",
		    backend_jack_server());
		return -EIO;
	}
	if (st & (JackServerFailed | JackServerError)) {
		snprintf(err, errlen, "jack: no server '%s' is running (amixd "
		    "never starts one)", backend_jack_server());
		return -ECONNREFUSED;
	}
	if (st & JackNameNotUnique) {
		snprintf(err, errlen, "jack: client name '%s' is taken", name);
		return -EEXIST;
	}
	snprintf(err, errlen, "jack: cannot open client '%s' (status "
	    "0x%x)", name, (unsigned)st);
	return -EIO;
}

/* Helper thread: deactivate, however long a frozen server takes. */
static void *
backend_jack_deact(void *arg)
{
	struct backend_jack *d = arg;

	jack_deactivate(d->client);
	/* No process call runs now, not even a cancelled stuck one. */
	atomic_store(&d->busy, 0);
	atomic_store_explicit(&d->deact_done, 1, memory_order_release);
	return NULL;
}

/* Helper thread: close the client, then hand d back or free it. */
static void *
backend_jack_closer(void *arg)
{
	struct backend_jack *d = arg;

	if (d->deact_on)
		pthread_join(d->deact, NULL);
	if (d->client != NULL)
		jack_client_close(d->client);
	/* The control thread gave up waiting: d is ours to free. */
	if (atomic_exchange(&d->gone, 1))
		free(d);
	return NULL;
}

/*
 * Close the client of d, even on a dead server, and free d; but a d
 * that a cycle which never ended may still use is leaked, not freed.
 * Closing waits for the server, forever when it is frozen: it runs on
 * a helper thread, waited for at most BACKEND_JACK_CLOSE_NS; then the
 * helper is left to finish and free d whenever the server runs again.
 */
static void
backend_jack_del(struct backend_jack *d)
{
	struct timespec ms = { 0, 1000000 };
	pthread_t t;
	uint64_t t0;

	if (atomic_load(&d->busy)) {
		logx(1, "jack: a process call never ended: client left open");
		return;
	}
	if (pthread_create(&t, NULL, backend_jack_closer, d) != 0) {
		backend_jack_closer(d);		/* gone was 0: d is ours */
		free(d);
		return;
	}
	t0 = am_clock_ns();
	while (!atomic_load(&d->gone) &&
	    am_clock_ns() - t0 < BACKEND_JACK_CLOSE_NS)
		nanosleep(&ms, NULL);
	if (atomic_exchange(&d->gone, 1)) {
		pthread_join(t, NULL);
		free(d);
	} else {
		logx(1, "jack: the server does not answer: closing the client "
		    "in the background");
		pthread_detach(t);
	}
}

/*
 * Open a JACK client named cfg->name ("default" means "amixd"; JACK
 * may append a number if the name is taken) with its ports, and grant
 * the server's rate and period in cfg. A request with strict set is
 * refused unless the server runs what it asked. Control thread; 0 or
 * -errno with a message in err.
 */
static int
backend_jack_open(struct engine *e, struct dev_config *cfg, char *err,
    size_t errlen)
{
	struct backend_jack *d;
	jack_status_t st = 0;
	const char *name;
	uint32_t rate, period;
	int rc;

	rc = dl_jack_load(err, errlen);
	if (rc < 0)
		return -ENOSYS;
	if (!atomic_load(&backend_jack_ctl_set)) {
		backend_jack_ctl = pthread_self();
		atomic_store_explicit(&backend_jack_ctl_set, 1,
		    memory_order_release);
	}
	jack_set_error_function(backend_jack_on_message);
	jack_set_info_function(backend_jack_on_message);

	name = strcmp(cfg->name, "default") == 0 ? "amixd" : cfg->name;
	if (strlen(name) >= (size_t)jack_client_name_size()) {
		snprintf(err, errlen, "jack: client name '%s' is longer than "
		    "%d bytes", name, jack_client_name_size() - 1);
		return -ENAMETOOLONG;
	}
	d = xcalloc(1, sizeof(*d));
	d->e = e;
	d->channels = cfg->channels;
	d->connect = !cfg->noconnect;
	d->connect_set = cfg->connect_set;
	d->connect_cap_set = cfg->connect_cap_set;
	memcpy(d->connect_to, cfg->connect, sizeof(d->connect_to));
	memcpy(d->connect_cap, cfg->connect_cap, sizeof(d->connect_cap));
	d->client = jack_client_open(name, JackNoStartServer, &st);
	if (d->client == NULL) {
		rc = backend_jack_status(st, name, err, errlen);
		goto fail;
	}
	rate = jack_get_sample_rate(d->client);
	period = jack_get_buffer_size(d->client);
	if (rate < ENGINE_RATE_MIN || rate > ENGINE_RATE_MAX ||
	    period < RT_FRAMES_MIN || period > RT_FRAMES_MAX) {
		snprintf(err, errlen, "jack: the server runs at %u Hz, period "
		    "%u: amixd takes %u to %u Hz, periods of %u to %u", rate,
		    period, ENGINE_RATE_MIN, ENGINE_RATE_MAX, RT_FRAMES_MIN,
		    RT_FRAMES_MAX);
		rc = -ERANGE;
		goto fail;
	}
	if (cfg->strict && (rate != cfg->rate || period != cfg->period)) {
		snprintf(err, errlen, "jack: the server runs at %u Hz, period "
		    "%u, not %u Hz, period %u (strict)", rate, period,
		    cfg->rate, cfg->period);
		rc = -EINVAL;
		goto fail;
	}
	atomic_store(&d->rate, rate);
	atomic_store(&d->period, period);
	rc = backend_jack_ports(d, err, errlen);
	if (rc == 0)
		rc = backend_jack_check_names(d, err, errlen);
	if (rc < 0)
		goto fail;
	if (jack_set_process_callback(d->client, backend_jack_on_process,
	    d) != 0 ||
	    jack_set_buffer_size_callback(d->client,
	    backend_jack_on_buffer_size, d) != 0 ||
	    jack_set_sample_rate_callback(d->client,
	    backend_jack_on_sample_rate, d) != 0 ||
	    jack_set_xrun_callback(d->client, backend_jack_on_xrun, d) != 0 ||
	    jack_set_freewheel_callback(d->client, backend_jack_on_freewheel,
	    d) != 0) {
		snprintf(err, errlen, "jack: cannot set the client's "
		    "callbacks");
		rc = -EIO;
		goto fail;
	}
	jack_on_info_shutdown(d->client, backend_jack_on_shutdown, d);

	snprintf(cfg->name, sizeof(cfg->name), "%s",
	    jack_get_client_name(d->client));
	cfg->rate = rate;
	cfg->period = period;
	cfg->channels = d->channels;
	if (cfg->layout_asked)
		cfg->layout_from = DEV_LAYOUT_SET;	/* ports have no map */
	cfg->periods = 2;	/* JACK double-buffers: one played, one made */
	snprintf(cfg->format, sizeof(cfg->format), "f32");
	e->bdata = d;
	logx(2, "jack: client %s on server %s at %u Hz, period %u",
	    cfg->name, backend_jack_server(), rate, period);
	return 0;
fail:
	backend_jack_del(d);
	return rc;
}

/* Control thread: close the client (after stop), server dead or not. */
static void
backend_jack_close(struct engine *e)
{
	struct backend_jack *d = e->bdata;

	if (d == NULL)
		return;
	backend_jack_del(d);
	e->bdata = NULL;
}

/* Whether JACK runs our process thread with real-time scheduling. */
static int
backend_jack_is_rt(struct backend_jack *d)
{
	struct sched_param sp;
	pthread_t t;
	int policy;

	if (!jack_is_realtime(d->client))
		return 0;
	t = (pthread_t)jack_client_thread_id(d->client);
	if (t != 0 && pthread_getschedparam(t, &policy, &sp) == 0)
		return policy == SCHED_FIFO || policy == SCHED_RR;
	return 1;
}

/*
 * Activate the client: the server starts calling backend_jack_on_process.
 * Then connect to the physical ports unless asked not to. Control
 * thread; 0 or -errno with a message in err.
 */
static int
backend_jack_start(struct engine *e, char *err, size_t errlen)
{
	struct backend_jack *d = e->bdata;

	if (d->deact_on) {
		/* A stop nobody waited for (engine_stop): let it finish. */
		pthread_join(d->deact, NULL);
		d->deact_on = 0;
	}
	atomic_store(&d->quit, 0);
	atomic_store(&d->busy, 0);
	d->left = 0;
	atomic_store(&d->xruns, 0);
	/*
	 * active before dead is read, as the shutdown callback stores dead
	 * before it reads active: a death is either seen here or reported.
	 */
	atomic_store(&d->active, 1);
	if (atomic_load(&d->dead)) {
		atomic_store(&d->active, 0);
		snprintf(err, errlen, "jack: the server '%s' went away; open "
		    "the device again", backend_jack_server());
		return -ENODEV;
	}
	if (jack_activate(d->client) != 0) {
		atomic_store(&d->active, 0);
		snprintf(err, errlen, "jack: cannot activate the client");
		return -EIO;
	}
	e->rt_via = backend_jack_is_rt(d) ? ENGINE_RT_SCHED : ENGINE_RT_NONE;
	e->rt_policy = -1;	/* JACK's thread: JACK's business */
	snprintf(e->rt_error, sizeof(e->rt_error), "%s", e->rt_via ==
	    ENGINE_RT_NONE ? "jack: the server runs clients without real "
	    "time" : "");
	backend_jack_connect(d);
	d->drift_ns = am_clock_ns();
	d->drift_frames = jack_frame_time(d->client);
	return 0;
}

/*
 * Ask the process callback to stop: from its next call on it only
 * writes silence. busy says when it has let go. Control thread; never
 * blocks.
 */
static void
backend_jack_stop(struct engine *e)
{
	struct backend_jack *d = e->bdata;

	atomic_store(&d->quit, 1);
}

/*
 * Control thread, never blocks: 2 while a cycle is in flight (quit is
 * up, so no new one starts: see busy), unless it is one the watchdog
 * gave up on, whose thread is then left behind (watchdog_leave); then,
 * if the client is active and the server alive, jack_deactivate runs on
 * a helper thread (cancelling a stuck thread) and this says 1 until it
 * returned; 0 when neither is pending.
 */
static int
backend_jack_busy(struct engine *e)
{
	struct backend_jack *d = e->bdata;
	int rc;

	if (atomic_load(&d->busy) && !d->left) {
		if (!watchdog_leave(e))
			return 2;
		d->left = 1;
	}
	if (atomic_exchange(&d->active, 0) && !atomic_load(&d->dead)) {
		atomic_store(&d->deact_done, 0);
		rc = pthread_create(&d->deact, NULL, backend_jack_deact, d);
		if (rc != 0) {
			logx(1, "jack: no thread to deactivate (%s): "
			    "waiting for the server", strerror(rc));
			jack_deactivate(d->client);
		} else
			d->deact_on = 1;
	}
	if (d->deact_on) {
		if (!atomic_load_explicit(&d->deact_done,
		    memory_order_acquire))
			return 1;
		pthread_join(d->deact, NULL);
		d->deact_on = 0;
	}
	return 0;
}

/*
 * The JACK frame clock against CLOCK_MONOTONIC since start, in ppm.
 * The window restarts every hour, before the 32-bit frame counter can
 * wrap. Control thread; 0 for the first second.
 */
static double
backend_jack_drift(struct engine *e)
{
	struct backend_jack *d = e->bdata;
	uint64_t now, dt;
	uint32_t frames;
	double secs;

	if (d == NULL || !atomic_load(&d->active) || atomic_load(&d->dead))
		return 0.0;
	now = am_clock_ns();
	frames = jack_frame_time(d->client) - d->drift_frames;
	dt = now - d->drift_ns;
	if (dt < AM_NSEC_PER_SEC)
		return 0.0;
	secs = (double)frames / atomic_load(&d->rate);
	if (dt > BACKEND_JACK_REBASE_NS) {
		d->drift_ns = now;
		d->drift_frames += frames;
	}
	return (secs * 1e9 / (double)dt - 1.0) * 1e6;
}

const struct backend_ops backend_jack_ops = {
	.name = "jack",
	.open = backend_jack_open,
	.close = backend_jack_close,
	.start = backend_jack_start,
	.stop = backend_jack_stop,
	.busy = backend_jack_busy,
	.drift_ppm = backend_jack_drift,
};
