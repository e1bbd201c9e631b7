/* SPDX-License-Identifier: MIT */
/*
 * Every node type at the extremes of periods and rates, inside rate
 * domains (nested too) and at the graph rate, rendered through the real
 * cycle: the class of bug where a buffer sized for the device period
 * meets a domain's block (98304 frames: a 192 kHz domain under a graph
 * at 8 kHz with 4096-frame periods). Built with ASan (make B=build-asan
 * SANITIZE=address,undefined unit) it finds any read or write past a
 * buffer; in any build it checks the output stays finite and bounded
 * by what its sources add up to, that a tone crosses two domains, that
 * device nodes are refused in a domain with the graph unchanged, that
 * no node is handed more than RT_FRAMES_MAX frames a call, and that an
 * app_source in a domain runs at the domain's rate: it takes frames
 * from its ring at the ring's rate relative to the domain, not to the
 * graph.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "aring.h"
#include "backends/backend.h"
#include "dl.h"
#include "engine.h"
#include "graph.h"
#include "node.h"
#include "plan.h"
#include "rt.h"
#include "t.h"
#include "util.h"

static struct engine e;
static uint32_t probe_max;		/* most frames a call was given */

/* A source that fills what it is given and notes how much that was. */
static void
probe_process(void *st, const struct node_cycle *c, const float *in,
    float *out)
{
	(void)st;
	(void)in;
	probe_max = c->frames > probe_max ? c->frames : probe_max;
	memset(out, 0, (size_t)c->frames * 2 * sizeof(float));
}

static const struct node_ops probe_ops = {
	.type = "probe",
	.flags = NODE_SOURCE,
	.process = probe_process,
};
static char t_dir[] = "/tmp/test_domain.XXXXXX";
static char t_wav[300];

/*
 * A node of ops at rate, every argument at its default but the
 * NULL-terminated name/value pairs given (strings for path arguments).
 */
static struct node *
mk(const struct node_ops *ops, uint32_t rate, ...)
{
	struct node_val v[NODE_ARG_MAX];
	struct node *n;
	const char *name;
	char err[256];
	va_list ap;
	int i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < ops->nargs; i++)
		v[i].num = ops->args[i].def;
	va_start(ap, rate);
	while ((name = va_arg(ap, const char *)) != NULL) {
		i = node_arg_find(ops, name);
		if (i < 0)
			abort();
		if (ops->args[i].kind == NODE_ARG_PATH ||
		    ops->args[i].kind == NODE_ARG_NEWPATH)
			v[i].str = va_arg(ap, const char *);
		else
			v[i].num = va_arg(ap, double);
	}
	va_end(ap);
	n = xcalloc(1, sizeof(*n));
	n->ops = ops;
	n->state = xcalloc(1, ops->size > 0 ? ops->size : 1);
	if (ops->init != NULL && ops->init(n->state, v, rate, err,
	    sizeof(err)) < 0) {
		printf("Bail out! %s: %s\n", ops->type, err);
		exit(1);
	}
	graph_add(&e.graph, n);
	return n;
}

static int
lnk(struct node *a, struct node *b, char *err, size_t errlen)
{
	return graph_link(&e.graph, a->id, b->id, err, errlen);
}

static void
must(struct node *a, struct node *b)
{
	char err[200];

	if (lnk(a, b, err, sizeof(err)) < 0) {
		printf("Bail out! link %u -> %u: %s\n", a->id, b->id, err);
		exit(1);
	}
}

static void
clear(void)
{
	while (e.graph.nodes != NULL)
		engine_retire(&e, graph_remove(&e.graph, e.graph.nodes->id));
	engine_commit(&e);
	rt_cycle(&e.rt, 16, e.dev.rate);
	engine_reclaim(&e);
}

/* A ring of rate Hz, f32 stereo, full of a quiet ramp; fd for the node. */
static int
ring(struct am_aring *r, uint32_t rate)
{
	static float buf[2 * 8192];
	uint32_t i;

	if (am_aring_open(r, 1, AM_ARING_F32, 2, rate, 1 << 16, 256,
	    1 << 15) < 0) {
		printf("Bail out! am_aring_open\n");
		exit(1);
	}
	for (i = 0; i < 2 * 8192; i++)
		buf[i] = (float)(i % 64) / 256.0f;
	for (i = 0; i < 7; i++)
		am_aring_write(r, buf, 8192, 0);
	return dup(r->fd);
}

/*
 * One graph at graph rate g, period p: a domain at rate d holding a
 * tone, gain, mixer, file source, app source and a nested resample
 * whose own domain (rate d2) holds another tone and app source; the
 * outer resample feeds every sink type at the graph rate.
 */
static void
t_graph(uint32_t p, uint32_t g, uint32_t d, uint32_t d2)
{
	struct node *t1, *ga, *mx, *fs, *as, *r1, *t2, *as2, *r2, *ds;
	struct node *fk, *ak, *dsrc, *dsrc2, *g2, *k;
	struct am_aring ra, ra2, rk;
	char err[256], path[320];
	int bad = 0, nl, rc, rcl;
	float peak = 0;
	uint32_t i;

	e.dev.rate = g;
	e.dev.period = p;
	t1 = mk(node_ops_find("tone"), g, "freq", 100.0, "db", -12.0, NULL);
	ga = mk(node_ops_find("gain"), g, "db", -1.0, NULL);
	mx = mk(node_ops_find("mixer"), g, NULL);
	fs = mk(node_ops_find("file_source"), g, "path", t_wav, "loop", 1.0,
	    "quality", (double)2, NULL);
	as = mk(node_ops_find("app_source"), g, "fd", (double)ring(&ra, 44100),
	    "quality", (double)2, NULL);
	r1 = mk(node_ops_find("resample"), g, "rate", (double)d, "quality",
	    (double)2, NULL);
	t2 = mk(node_ops_find("tone"), g, "freq", 50.0, "db", -12.0, NULL);
	as2 = mk(node_ops_find("app_source"), g, "fd", (double)ring(&ra2, d2),
	    NULL);
	r2 = mk(node_ops_find("resample"), g, "rate", (double)d2, "quality",
	    (double)2, NULL);
	ds = mk(node_ops_find("device_sink"), g, NULL);
	snprintf(path, sizeof(path), "%s/out.wav", t_dir);
	fk = mk(node_ops_find("file_sink"), g, "path", path, NULL);
	if (am_aring_open(&rk, 0, AM_ARING_F32, 2, g, 1 << 16, 256,
	    1 << 15) < 0)
		abort();
	ak = mk(node_ops_find("app_sink"), g, "fd", (double)dup(rk.fd), NULL);
	dsrc = mk(node_ops_find("device_source"), g, NULL);
	dsrc2 = mk(node_ops_find("device_source"), g, NULL);
	g2 = mk(node_ops_find("gain"), g, NULL);
	k = mk(node_ops_find("gain"), g, NULL);

	must(t1, ga);
	must(ga, mx);
	must(fs, mx);
	must(as, mx);
	must(t2, r2);
	must(as2, r2);
	must(r2, mx);
	must(mx, r1);
	must(r1, ds);
	must(r1, fk);
	must(r1, ak);
	must(dsrc, ds);		/* at the graph rate: fine */

	/* A device source in a domain: refused, the graph unchanged. */
	nl = e.graph.nlinks;
	rc = lnk(dsrc2, mx, err, sizeof(err));
	ok(rc == -EXDEV && strstr(err, "device node") != NULL &&
	    e.graph.nlinks == nl, "p%u g%u d%u: device_source -> a domain's "
	    "mixer refused: %s", p, g, d, err);
	rc = lnk(dsrc2, r2, err, sizeof(err));
	ok(rc == -EXDEV && e.graph.nlinks == nl, "p%u g%u d%u: device_source "
	    "-> a resample node refused: %s", p, g, d, err);
	rc = lnk(dsrc, mx, err, sizeof(err));
	ok(rc == -EXDEV && e.graph.nlinks == nl, "p%u g%u d%u: one feeding "
	    "the graph too: refused: %s", p, g, d, err);
	must(dsrc2, g2);
	rcl = lnk(g2, k, err, sizeof(err));	/* still the graph rate */
	rc = lnk(k, mx, err, sizeof(err));	/* a later link: refused */
	ok(rcl == 0 && rc == -EXDEV && e.graph.nlinks == nl + 2 &&
	    strstr(err, "device node") != NULL,
	    "p%u g%u d%u: a later link putting it in a domain refused, "
	    "links unchanged: %s", p, g, d, err);

	if (engine_commit(&e) < 0) {
		ok(0, "plan: %s", strerror(errno));
		return;
	}
	rc = engine_render(&e, (uint64_t)p * 6, err, sizeof(err));
	is_int(rc, 0, "p%u g%u d%u d2 %u: rendered", p, g, d, d2);
	for (i = 0; i < 2 * p; i++) {
		bad += !isfinite(e.rt.dev_out[i]) ||
		    fabsf(e.rt.dev_out[i]) > 2.0f;
		peak = fmaxf(peak, fabsf(e.rt.dev_out[i]));
	}
	is_int(bad, 0, "p%u g%u d%u d2 %u: output finite, bounded",
	    p, g, d, d2);
	ok(peak > 0.01f, "p%u g%u d%u d2 %u: sound crosses the domains "
	    "(peak %g)", p, g, d, d2, peak);
	ok(atomic_load(&t2->stats.frames) > 0 &&
	    atomic_load(&as->stats.frames) > 0, "p%u g%u d%u d2 %u: nested "
	    "domain nodes ran", p, g, d, d2);
	clear();
	am_aring_close(&ra);
	am_aring_close(&ra2);
	am_aring_close(&rk);
}

/*
 * A node never gets more than RT_FRAMES_MAX frames a call, even where a
 * domain's block is 24 times a 4096-frame period: a node may size its
 * buffers for RT_FRAMES_MAX.
 */
static void
t_probe(void)
{
	struct node *pr, *r, *k;
	char err[200];

	e.dev.rate = 8000;
	e.dev.period = 4096;
	pr = mk(&probe_ops, 8000, NULL);
	r = mk(node_ops_find("resample"), 8000, "rate", 192000.0, "quality",
	    (double)3, NULL);
	k = mk(node_ops_find("device_sink"), 8000, NULL);
	must(pr, r);
	must(r, k);
	engine_commit(&e);
	probe_max = 0;
	engine_render(&e, 4096 * 2, err, sizeof(err));
	ok(probe_max > 0 && probe_max <= RT_FRAMES_MAX, "a 98304-frame "
	    "domain block reaches nodes %u frames at a time", probe_max);
	ok(e.rt.cur->steps[0].dom_frames >= 98304, "the block was %u",
	    e.rt.cur->steps[0].dom_frames);
	clear();
}

/*
 * An app_source with a ring at ring Hz inside a domain at d Hz, under a
 * graph at 48 kHz: frames it takes from the ring per frame it produces
 * must be ring / d (1 at equal rates: an exact copy), not ring / 48000.
 */
static void
t_app_rate(uint32_t ringrate, uint32_t d)
{
	struct node *as, *r, *k;
	struct am_aring ra;
	uint64_t took, made;
	double want, got;
	char err[200];
	int i;

	e.dev.rate = 48000;
	e.dev.period = 480;
	as = mk(node_ops_find("app_source"), 48000, "fd", (double)ring(&ra,
	    ringrate), NULL);
	r = mk(node_ops_find("resample"), 48000, "rate", (double)d, NULL);
	k = mk(node_ops_find("device_sink"), 48000, NULL);
	must(as, r);
	must(r, k);
	engine_commit(&e);
	for (i = 0; i < 60; i++)
		engine_render(&e, 480, err, sizeof(err));
	took = atomic_load(&ra.hdr->rd);
	made = atomic_load(&as->stats.frames);
	want = (double)ringrate / d;
	got = made > 0 ? (double)took / made : 0;
	if (ringrate == d)	/* the ring may run dry: zero-filled */
		is_int((long long)took, (long long)(made -
		    atomic_load(&as->stats.underruns)), "app_source ring at "
		    "%u Hz in a %u Hz domain: one ring frame a frame", ringrate,
		    d);
	else
		ok(fabs(got - want) < 0.05 * want, "app_source ring at %u Hz "
		    "in a %u Hz domain: %.3f ring frames a frame (want %.3f)",
		    ringrate, d, got, want);
	clear();
	am_aring_close(&ra);
}

static void
t_wav_write(void)
{
	static float buf[2 * 4410];
	SF_INFO info;
	SNDFILE *sf;
	int i;

	snprintf(t_wav, sizeof(t_wav), "%s/in.wav", t_dir);
	for (i = 0; i < 2 * 4410; i++)
		buf[i] = 0.25f * sinf((float)i * 0.01f);
	memset(&info, 0, sizeof(info));
	info.samplerate = 44100;
	info.channels = 2;
	info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	sf = sf_open(t_wav, SFM_WRITE, &info);
	sf_writef_float(sf, buf, 4410);
	sf_close(sf);
}

int
main(void)
{
	static const uint32_t periods[] = { 16, 4096 };
	static const uint32_t rates[] = { 8000, 192000 };
	struct dev_config dev;
	char err[256], cmd[64];
	int pi, gi, di;

	if (dl_sndfile_load(err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	if (mkdtemp(t_dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	t_wav_write();
	memset(&dev, 0, sizeof(dev));
	dev.rate = 48000;
	dev.period = 128;
	dev.channels = 2;
	if (engine_init(&e, &backend_null_ops, &dev) < 0) {
		printf("Bail out! engine_init\n");
		return 1;
	}
	e.dev = dev;
	for (pi = 0; pi < 2; pi++)
		for (gi = 0; gi < 2; gi++)
			for (di = 0; di < 2; di++)
				t_graph(periods[pi], rates[gi], rates[di],
				    rates[1 - di]);
	t_graph(128, 44100, 48000, 48000);
	t_probe();
	t_app_rate(8000, 8000);
	t_app_rate(192000, 192000);
	t_app_rate(16000, 8000);
	t_app_rate(44100, 96000);
	engine_done(&e);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t_dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", t_dir);
	return t_done();
}
