/* SPDX-License-Identifier: MIT */
/*
 * The real-time cycle: once per period, adopt a newly published plan,
 * apply queued parameter changes, then run every node in plan order,
 * summing inputs, metering and timing each one. Everything after rt_init
 * runs on the real-time thread (or, in an offline render, on the control
 * thread while no real-time thread exists) and never allocates, frees,
 * locks, logs or blocks: the only system calls are clock_gettime and at
 * most one write(2) a period to a non-blocking eventfd to wake the
 * control thread (and one gettid(2) in a thread's first cycle).
 *
 * Channels: each step's buffers hold frames times its in_ch or out_ch
 * interleaved samples; a link between layouts is converted while the
 * input is summed, by the matrix plan_new made (rt_convert); a stereo
 * graph has none and its input is summed as it always was.
 *
 * The path of a period: rt_cycle runs the plan's graph-rate steps
 * (rt_run), each reading its summed upstream outputs (PLAN_NODE). A
 * resample node's step (PLAN_PULL) reads no buffer: the plan names its
 * rate domain (steps, rate, block), and its converter asks for input in
 * blocks as its filter needs them, through node_cycle.pull, which is
 * always rt_domain: rt_run over the domain's steps at the domain's rate.
 * The converter decides when (libsoxr's fixed calls and the FIFO keep the
 * same input giving the same bytes, so the block sizes and their moments
 * are its own); rt.c decides what runs. Nothing else calls back.
 *
 * For the watchdog (watchdog.c) each step publishes the id of the node
 * it runs, one relaxed store, and checks after the node returns that
 * its thread was not left behind meanwhile (rt_left, one load): a
 * thread given up on touches nothing shared again.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chlayout.h"
#include "clock.h"
#include "dsp.h"
#include "node.h"
#include "plan.h"
#include "rt.h"

/* Control: set up the shared state. 0 or -errno. */
int
rt_init(struct rt *rt)
{
	int rc;

	memset(rt, 0, sizeof(*rt));
	rt->dev_ch = 2;			/* the device's layout: stereo */
	atomic_store(&rt->gen, 1);	/* a thread's 0: not entered yet */
	aclock_init(&rt->clock);
	rt->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rt->evfd < 0)
		return -errno;
	rc = am_queue_init(&rt->cmds, RT_CMD_MAX, sizeof(struct rt_cmd));
	if (rc == 0)
		rc = am_queue_init(&rt->events, RT_EVENT_MAX,
		    sizeof(struct rt_event));
	if (rc == 0)
		rc = rt_dev_size(rt, 2, 0);
	if (rc < 0) {
		am_queue_done(&rt->cmds);
		am_queue_done(&rt->events);
		close(rt->evfd);
		return rc;
	}
	return 0;
}

/*
 * Control, no cycle running: make dev_out and dev_in carry ch channels
 * (1..AM_CH_MAX) of RT_FRAMES_MAX frames, zeroed. They only grow, so
 * going back to fewer channels allocates nothing; keep: a cycle that
 * never ended may still hold the old ones (a wedged engine), which are
 * then leaked rather than freed. New buffers are one fresh anonymous
 * mapping (dev_out, then dev_in): zero and untouched -- calloc would
 * write every page, costing a daemon's start-up page faults its engine
 * may never need. rt_dev_touch faults them in before a thread runs
 * cycles, after the daemon locked its memory (engine_rt_prepare).
 * 0 or -ENOMEM (nothing changed).
 */
int
rt_dev_size(struct rt *rt, uint32_t ch, int keep)
{
	size_t n = (size_t)RT_FRAMES_MAX * ch;
	float *o;

	if (ch == 0 || ch > AM_CH_MAX)
		return -EINVAL;
	if (ch > rt->dev_cap) {
		o = mmap(NULL, 2 * n * sizeof(float), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (o == MAP_FAILED)
			return -ENOMEM;
		if (!keep && rt->dev_out != NULL)
			munmap(rt->dev_out, 2 * (size_t)RT_FRAMES_MAX *
			    rt->dev_cap * sizeof(float));
		rt->dev_out = o;
		rt->dev_in = o + n;
		rt->dev_cap = ch;
	} else
		rt_dev_touch(rt);	/* zero what a wider layout left */
	rt->dev_ch = ch;
	return 0;
}

/*
 * Control, no cycle running: zero the device buffers, touching every
 * page, so the real-time thread never faults one in.
 */
void
rt_dev_touch(struct rt *rt)
{
	memset(rt->dev_out, 0, (size_t)RT_FRAMES_MAX * rt->dev_cap *
	    sizeof(float));
	memset(rt->dev_in, 0, (size_t)RT_FRAMES_MAX * rt->dev_cap *
	    sizeof(float));
}

void
rt_done(struct rt *rt)
{
	am_queue_done(&rt->cmds);
	am_queue_done(&rt->events);
	close(rt->evfd);
	if (rt->dev_out != NULL)
		munmap(rt->dev_out, 2 * (size_t)RT_FRAMES_MAX * rt->dev_cap *
		    sizeof(float));
	rt->dev_out = rt->dev_in = NULL;
	rt->dev_cap = 0;
}

/* The generation this thread entered at (rt_enter); 0: none yet. */
static _Thread_local uint32_t rt_gen_mine;

/*
 * This thread becomes the one that runs cycles: it takes the current
 * generation and publishes its kernel thread id for the watchdog (one
 * gettid(2), once a thread). rt_cycle calls it on a thread's first
 * cycle; an offline render calls it first, as the control thread may
 * have been left with an old generation.
 */
void
rt_enter(struct rt *rt)
{
	rt_gen_mine = atomic_load_explicit(&rt->gen, memory_order_acquire);
	atomic_store_explicit(&rt->tid, gettid(), memory_order_release);
}

/*
 * RT: was this thread left behind? The watchdog (watchdog.c) bumps the
 * generation when it gives up on a stuck thread and starts another; the
 * old one, should its node ever return, must then touch nothing shared
 * again: it returns from rt_cycle at once and its backend loop ends. A
 * thread that never ran a cycle (a unit test's) was left by nobody.
 */
int
rt_left(struct rt *rt)
{
	return rt_gen_mine != 0 && rt_gen_mine !=
	    atomic_load_explicit(&rt->gen, memory_order_acquire);
}

/* Histogram bucket of a value in us: 4 per octave, linear below 8. */
int
rt_hist_bucket(uint64_t us)
{
	int msb, b;

	if (us < 8)
		return (int)us;
	msb = 63 - __builtin_clzll(us);
	b = msb * 4 + (int)((us >> (msb - 2)) & 3) - 4;
	return b < RT_HIST ? b : RT_HIST - 1;
}

/* Lower bound in us of a bucket: the inverse of rt_hist_bucket. */
uint64_t
rt_hist_value(int bucket)
{
	int msb;

	if (bucket < 8)
		return bucket;
	msb = (bucket + 4) / 4;
	return (4ULL + (uint64_t)((bucket + 4) % 4)) << (msb - 2);
}

/* RT: single-writer add to a counter the control thread reads. */
static inline void
rt_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
	    memory_order_relaxed) + v, memory_order_relaxed);
}

/* RT: the writer's step of a seqlock (struct node_stats). */
static inline void
rt_seq_bump(_Atomic uint32_t *seq, memory_order mo)
{
	atomic_store_explicit(seq, atomic_load_explicit(seq,
	    memory_order_relaxed) + 1, mo);
}

/*
 * RT: raise the maximum *c to v, where old is what the caller last read
 * of *c. The control thread only ever resets it (an exchange with 0), so
 * a failed compare-exchange means a reset came between the read and the
 * store: old now holds the fresh value and the next try stores v. Two
 * resets in a row within a few instructions are unheard of (control
 * resets 30 times a second); RT_MAX_TRIES bounds the loop anyway.
 */
void
rt_raise(_Atomic uint64_t *c, uint64_t v, uint64_t old)
{
	int i;

	for (i = 0; i < RT_MAX_TRIES && v > old; i++) {
		if (atomic_compare_exchange_strong_explicit(c, &old, v,
		    memory_order_relaxed, memory_order_relaxed))
			return;
	}
}

/* RT: raise a maximum the control thread may reset to 0. */
void
rt_max(_Atomic uint64_t *c, uint64_t v)
{
	rt_raise(c, v, atomic_load_explicit(c, memory_order_relaxed));
}

/*
 * RT: rt_raise for a peak kept as float bits (node_stats.peak). Peaks
 * are never negative, and non-negative floats order as their bits do.
 */
void
rt_raise_peak(_Atomic uint32_t *c, float v, uint32_t old)
{
	union { uint32_t u; float f; } pk;
	int i;

	pk.f = v;
	for (i = 0; i < RT_MAX_TRIES && pk.u > old; i++) {
		if (atomic_compare_exchange_strong_explicit(c, &old, pk.u,
		    memory_order_relaxed, memory_order_relaxed))
			return;
	}
}

/* RT: account how late this period's wake-up was. */
void
rt_late(struct rt *rt, uint64_t late_ns)
{
	atomic_fetch_add_explicit(&rt->late.b[rt_hist_bucket(late_ns /
	    1000)], 1, memory_order_relaxed);
	rt_max(&rt->late_max_ns, late_ns);
	rt_max(&rt->late_int_ns, late_ns);
}

/* RT, or any thread: wake the control thread; never waits. */
static void
rt_wake(struct rt *rt)
{
	uint64_t one = 1;
	ssize_t rc;

	rc = write(rt->evfd, &one, sizeof(one));
	(void)rc;	/* EAGAIN: the counter is already non-zero */
}

/*
 * RT: queue an event and wake the control thread; never waits. A period
 * costs at most one write(2) however many events it raises: within a
 * cycle the wake-up waits for the cycle's end (rt_cycle); outside one
 * (a backend's xrun between periods) it is written at once unless this
 * period already woke control, and then waits for the next cycle's end.
 * 0, or -1 when the queue is full and the event is dropped (counted).
 */
static int
rt_event(struct rt *rt, const struct rt_event *ev)
{
	if (am_queue_push(&rt->events, ev) < 0) {
		rt_add(&rt->ev_dropped, 1);
		return -1;
	}
	if (rt->in_cycle || rt->ev_woke)
		rt->ev_due = 1;
	else {
		rt->ev_woke = 1;
		rt_wake(rt);
	}
	return 0;
}

/*
 * RT: a period was missed by usec microseconds: type RT_XRUN_UNDERRUN
 * (playback) or RT_XRUN_OVERRUN (capture). Only from the RT thread.
 */
void
rt_xrun(struct rt *rt, int type, uint64_t usec)
{
	struct rt_event ev = { RT_EV_XRUN, 0, usec, type, rt->pos };

	/* The plan is immutable and the RT thread's own: no race. */
	if (rt->cur != NULL)
		ev.node = rt->cur->xrun_node;

	rt_add(&rt->xruns, 1);
	aclock_restart(&rt->clock, AM_CLOCK_XRUN);
	(void)rt_event(rt, &ev);	/* counted in ev_dropped */
}

/*
 * RT: the backend's measure of this period, before rt_cycle: the first
 * frame it will render (rt->pos) is heard at t_ns, by the raw wake-up
 * at raw_ns; dev_frames is the device's count for it; latency and
 * in_latency in frames. Feeds the audio clock (aclock.c) and tells the
 * control thread at once when the clock restarted.
 */
void
rt_clock(struct rt *rt, uint64_t t_ns, uint64_t raw_ns, uint64_t dev_frames,
    uint32_t rate, uint32_t period, uint32_t latency, uint32_t in_latency)
{
	struct rt_event ev = { RT_EV_CLOCK, 0, 0, 0, rt->pos };

	if (aclock_update(&rt->clock, rt->pos, t_ns, raw_ns, dev_frames, rate,
	    period, latency, in_latency) == 0)
		return;
	ev.a = rt->clock.now.reason;
	ev.b = rt->clock.now.discont;
	(void)rt_event(rt, &ev);	/* counted in ev_dropped */
}

/*
 * RT: something happened to a node (NODE_EV_*). Only from RT.
 * 0, or -1 when the event queue was full and it is dropped.
 */
int
rt_node_event(struct rt *rt, uint32_t node, int kind, uint64_t a)
{
	struct rt_event ev = { RT_EV_NODE, node, a, kind, rt->pos };

	return rt_event(rt, &ev);
}

/* RT: for node code, which knows its cycle but not the rt. */
int
node_event(const struct node_cycle *c, int kind, uint64_t a)
{
	if (c->rt == NULL || rt_left(c->rt))
		return 0;	/* left behind: the ring has another producer */
	return rt_node_event(c->rt, c->node_id, kind, a);
}

/*
 * RT, or any backend thread: the device is gone (ALSA -ENODEV, the JACK
 * server shut down). A flag and a wake-up; the control thread does the
 * rest. Safe from several threads, unlike the event ring.
 */
void
rt_lost(struct rt *rt)
{
	atomic_store_explicit(&rt->lost, 1, memory_order_release);
	rt_wake(rt);
}

/*
 * RT, or any backend thread: the device now runs at another rate or
 * period (a JACK server changed its buffer size). The control thread
 * compiles a plan for it; until then periods longer than the plan's
 * buffers are rendered as silence.
 */
void
rt_reconfig(struct rt *rt, uint32_t rate, uint32_t period)
{
	atomic_store_explicit(&rt->reconfig, (uint64_t)rate << 32 | period,
	    memory_order_release);
	rt_wake(rt);
}

/*
 * RT: after step s ran over n input and nout output samples (frames
 * times in_ch, out_ch): make its output finite (NaN and
 * infinities become 0 before anything mixes them, counted in the node's
 * nonfinite) and, unless rendering offline, meter it, in one pass. A
 * sink is metered on its input, which upstream steps made finite. A
 * node that produced a non-finite sample meters a peak of at least
 * RT_PEAK_NONFINITE, over full scale, so no meter shows it silent.
 */
static void
rt_finish(struct rt *rt, struct plan_step *s, const float *in, uint32_t n,
    uint32_t nout)
{
	struct node_stats *st = s->stats;
	union { uint64_t u; double d; } sq;
	uint32_t bad = 0;
	double sumsq;
	float pk;

	if (rt->skip_meters) {
		if (!s->meter_in)
			bad = dsp_finite(s->out, nout);
	} else {
		if (s->meter_in) {
			pk = dsp_peak(in, n);
			sumsq = dsp_sumsq(in, n);
		} else
			bad = dsp_meter(s->out, nout, &pk, &sumsq);
		if (bad > 0 && pk < RT_PEAK_NONFINITE)
			pk = RT_PEAK_NONFINITE;
		sq.u = atomic_load_explicit(&st->sumsq, memory_order_relaxed);
		sq.d += sumsq;
		atomic_store_explicit(&st->sumsq, sq.u, memory_order_relaxed);
		rt_raise_peak(&st->peak, pk, atomic_load_explicit(&st->peak,
		    memory_order_relaxed));
	}
	if (bad > 0)
		rt_add(&st->nonfinite, bad);
}

/*
 * RT: step s's input when a link into it converts layouts (s->mat):
 * each link added into s->sum through its matrix, or as it is.
 */
static const float *
rt_convert(struct plan_step *s, uint32_t frames)
{
	uint32_t k, n = frames * s->in_ch;

	dsp_zero(s->sum, n);
	for (k = 0; k < s->nsrc; k++) {
		if (s->mat[k] == NULL)
			dsp_add(s->sum, s->src[k], n);
		else
			dsp_matrix_add(s->sum, s->src[k], frames, s->srcch[k],
			    s->in_ch, s->mat[k]);
	}
	return s->sum;
}

/*
 * RT: the summed input of step s over frames frames. A stereo graph
 * (no matrix) takes the path it always took, inlined into rt_run as
 * it always was (callgrind counts the same instructions).
 */
static inline __attribute__((always_inline)) const float *
rt_input(struct plan_step *s, uint32_t frames)
{
	uint32_t k, n = frames * s->in_ch;

	if (s->nsrc == 0)
		return s->silence;
	if (s->mat != NULL)
		return rt_convert(s, frames);
	if (s->nsrc == 1)
		return s->src[0];
	dsp_copy(s->sum, s->src[0], n);
	for (k = 1; k < s->nsrc; k++)
		dsp_add(s->sum, s->src[k], n);
	return s->sum;
}

static void rt_run(struct plan_step *steps, uint32_t nsteps,
    const struct node_cycle *proto);

/*
 * RT: run one rate domain: the PLAN_PULL step c->pull_step's domain
 * steps, for frames frames at the domain's rate, and hand back their
 * sum, the step's input. The only place a domain runs; it is reached
 * only as node_cycle.pull of that step, when its converter asks for a
 * block. Bounded: at most dom_frames, the block the buffers were sized
 * for; a domain inside it runs the same way, one level deeper.
 */
static const float *
rt_domain(const struct node_cycle *c, uint32_t frames)
{
	struct plan_step *s = (struct plan_step *)c->pull_step;
	struct node_cycle dc = *c;

	if (frames > s->dom_frames)
		frames = s->dom_frames;
	dc.frames = frames;
	dc.rate = s->dom_rate;
	rt_run(s->dom, s->ndom, &dc);
	if (!rt_left(c->rt))	/* the resample node runs on */
		atomic_store_explicit(&((struct rt *)c->rt)->step, c->node_id,
		    memory_order_relaxed);
	return rt_input(s, frames);
}

/*
 * RT: step s processes c->frames frames, handed to it in pieces of at
 * most RT_FRAMES_MAX: a rate domain's block may be longer than any
 * period (4096 frames at 8 kHz feeding a 192 kHz domain: 98304), and
 * no node need size anything for more than RT_FRAMES_MAX a call.
 */
static void
rt_process(struct plan_step *s, struct node_cycle *c, const float *in)
{
	uint32_t total = c->frames, off, k;

	if (total <= RT_FRAMES_MAX) {
		s->ops->process(s->state, c, in, s->out);
		return;
	}
	for (off = 0; off < total; off += k) {
		k = total - off < RT_FRAMES_MAX ? total - off : RT_FRAMES_MAX;
		c->frames = k;
		s->ops->process(s->state, c, in != NULL ? in + (size_t)off *
		    s->in_ch : NULL, s->out + (size_t)off * s->out_ch);
	}
	c->frames = total;
}

/* RT: run nsteps steps for proto->frames frames. */
static void
rt_run(struct plan_step *steps, uint32_t nsteps,
    const struct node_cycle *proto)
{
	struct plan_step *s;
	struct node_cycle c = *proto;
	struct rt *rt = c.rt;
	const float *in;
	uint64_t ts, te;
	uint32_t i;

	for (i = 0; i < nsteps; i++) {
		s = &steps[i];
		c.stats = s->stats;
		c.node_id = s->id;
		c.in_ch = s->in_ch;
		c.out_ch = s->out_ch;
		c.in_pos = s->in_pos;
		c.out_pos = s->out_pos;
		switch (s->kind) {
		case PLAN_PULL:
			/* Its input is its domain, run by rt_domain on ask. */
			in = NULL;
			c.pull = rt_domain;
			c.pull_step = s;
			break;
		case PLAN_NODE:
		default:
			in = rt_input(s, c.frames);
			c.pull = NULL;
			c.pull_step = NULL;
			break;
		}
		/* What the watchdog names if this step never returns. */
		atomic_store_explicit(&rt->step, s->id, memory_order_relaxed);
		ts = am_clock_ns();
		rt_process(s, &c, in);
		te = am_clock_ns();
		if (rt_left(rt))
			return;		/* another thread runs: touch nothing */
		rt_seq_bump(&s->stats->seq, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		rt_finish(c.rt, s, in, c.frames * s->in_ch,
		    c.frames * s->out_ch);
		rt_add(&s->stats->frames, c.frames);
		rt_add(&s->stats->cost_ns, te - ts);
		rt_seq_bump(&s->stats->seq, memory_order_release);
	}
}

/* RT: when frame is heard by clock k, or 0 while k does not run. */
static uint64_t
rt_clock_ns(const struct am_clock *k, uint64_t frame)
{
	if (!k->running || !(k->rate > 0.0))
		return 0;
	return k->time_ns + (uint64_t)(int64_t)((double)(int64_t)(frame -
	    k->frames) * 1e9 / k->rate);
}

/*
 * RT: run one period of frames frames at rate Hz. Afterwards dev_out
 * holds what the device sinks produced; dev_in must hold the capture.
 */
void
rt_cycle(struct rt *rt, uint32_t frames, uint32_t rate)
{
	struct plan *p;
	struct rt_cmd cmd;
	struct node_cycle c;
	uint64_t t0, te;
	uint32_t n = frames * rt->dev_ch;

	if (rt_gen_mine == 0)
		rt_enter(rt);
	if (rt_left(rt))
		return;
	/*
	 * Dekker with watchdog_stop (seq_cst both ways): either it sees
	 * this cycle running and waits for it, or the cycle sees closing
	 * and does not start, so a stop never joins a thread that went on
	 * into a node after the check.
	 */
	atomic_store(&rt->step, RT_STEP_BUSY);
	if (atomic_load(&rt->closing)) {
		atomic_store_explicit(&rt->step, 0, memory_order_relaxed);
		dsp_zero(rt->dev_out, n);
		return;
	}
	t0 = am_clock_ns();
	rt->in_cycle = 1;
	rt->ev_woke = 0;
	p = atomic_exchange_explicit(&rt->pending, NULL, memory_order_acq_rel);
	if (p != NULL)
		rt->cur = p;
	while (am_queue_pop(&rt->cmds, &cmd) == 0)
		cmd.ops->set(cmd.state, cmd.arg, cmd.val);
	p = rt->cur;
	atomic_store_explicit(&rt->seen, p != NULL ? p->seq : 0,
	    memory_order_release);

	dsp_zero(rt->dev_out, n);
	memset(&c, 0, sizeof(c));
	c.frames = frames;
	c.rate = rate;
	c.pos = rt->pos;
	c.time_ns = rt_clock_ns(&rt->clock.now, rt->pos);
	c.dev_ch = rt->dev_ch;
	c.dev_out = rt->dev_out;
	c.dev_in = rt->dev_in;
	c.rt = rt;
	if (p != NULL && frames <= p->frames && rate == p->rate)
		rt_run(p->steps, p->nsteps, &c);
	if (rt_left(rt))
		return;
	atomic_store_explicit(&rt->step, 0, memory_order_relaxed);
	rt->pos += frames;
	rt->in_cycle = 0;
	if (rt->ev_due) {
		rt->ev_due = 0;
		rt->ev_woke = 1;
		rt_wake(rt);	/* once a period, whatever the events */
	}
	te = am_clock_ns();
	rt_add(&rt->cycles, 1);
	rt_add(&rt->frames, frames);
	rt_add(&rt->busy_ns, te - t0);
	rt_max(&rt->cycle_max_ns, te - t0);
	atomic_fetch_add_explicit(&rt->cost.b[rt_hist_bucket((te - t0) /
	    1000)], 1, memory_order_relaxed);
}
