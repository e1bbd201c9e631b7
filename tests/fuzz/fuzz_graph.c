/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: random graphs run by the real engine. The input is
 * not JSON but a program: its bytes decode into a sequence of structured
 * requests (so most are valid and reach deep) and of engine steps, run
 * on a live engine (plans, rate domains, retire ring, command ring) with
 * a test backend:
 *
 *   open the device at a period of 16-4096 frames and 8-192 kHz, then
 *   create nodes of every type (tone, gain, mixer, resample, device_sink,
 *   device_source, file_sink, file_source, app_source, app_sink,
 *   channel_map) with arguments drawn from each type's own table
 *   (node.h): in range, on its edges, or out of it (channel counts,
 *   layouts, maps and matrices among them, so links between layouts
 *   are converted or refused); app nodes get a real sealed ring and an
 *   eventfd, file sources real files (one with NaN, Inf and overs);
 *   connect, disconnect, destroy and set while the engine runs or not
 *   (sets in bursts with no period between, so the change queue fills);
 *   start, stop, render; feed and drain the rings (hostile counters too);
 *   and change the device's rate and period under the running engine,
 *   as a JACK server may.
 *
 * Two engines in one: the first byte picks lockstep mode, where this
 * thread plays the real-time thread between requests (deterministic:
 * a crash reproduces from its input), or threaded mode, where a real
 * real-time thread runs rt_cycle back to back while the requests come,
 * as in the daemon (what only a race finds, ASan sees as it happens).
 *
 * Checked, besides the sanitizers: every reply is an object with "ok";
 * every refusal leaves "list" exactly as it was; every sample the graph
 * hands the device is finite, and within full scale once through the
 * device edge's conversion when the build has one (lib/afmt.h); every
 * sample an app_sink ring receives is finite. A failed check aborts with
 * the request and both lists on stderr; FUZZ_GRAPH_TRACE=1 prints every
 * request, reply and period of an input (to read a crash's input).
 * fz_graph.c is the rig: the engine, the backend, the checks. Stop and
 * render reply late (cmd_wait.c): the rig runs the daemon loop's work
 * until the reply comes (5 s at most, within libFuzzer's -timeout=10)
 * and checks it as any other.
 */

#include <sys/eventfd.h>

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aring.h"
#include "clock.h"
#include "fz_graph.h"
#include "node.h"
#include "rt.h"

#define FZ_NODES	48	/* nodes one input may create */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

/* ---- input decoding ---- */

static unsigned
fz_byte(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static unsigned
fz_u16(struct fz_in *in)
{
	unsigned v = fz_byte(in);

	return v | fz_byte(in) << 8;
}

static uint32_t
fz_u32(struct fz_in *in)
{
	uint32_t v = fz_u16(in);

	return v | (uint32_t)fz_u16(in) << 16;
}

/* A period of 16-4096 frames: mostly the usual ones, any of them. */
static uint32_t
fz_period_of(struct fz_in *in)
{
	static const uint32_t common[] = { 16, 32, 64, 128, 256, 1024, 4096 };
	unsigned b = fz_byte(in);

	if (b < 128)
		return common[b % 7];
	return RT_FRAMES_MIN + fz_u16(in) % (RT_FRAMES_MAX - RT_FRAMES_MIN + 1);
}

/* A rate of 8-192 kHz: mostly the usual ones, any of them. */
static uint32_t
fz_rate_of(struct fz_in *in)
{
	static const uint32_t common[] = {
		8000, 11025, 22050, 44100, 48000, 96000, 192000
	};
	unsigned b = fz_byte(in);

	if (b < 160)
		return common[b % 7];
	return ENGINE_RATE_MIN + fz_u32(in) %
	    (ENGINE_RATE_MAX - ENGINE_RATE_MIN + 1);
}

/* A node id: mostly one that exists, now and then one that does not. */
static uint32_t
fz_node_id(struct fz_in *in)
{
	struct node *n;
	unsigned b = fz_byte(in);
	int k;

	if (b >= 240 || fz_engine.graph.nnodes == 0)
		return b == 255 ? 0 : fz_engine.graph.next_id + b % 3;
	k = b % fz_engine.graph.nnodes;
	for (n = fz_engine.graph.nodes; k-- > 0; n = n->next)
		;
	return n->id;
}

/* ---- argument values, from each type's own table ---- */

static cJSON *
fz_num(const struct node_argdesc *d, struct fz_in *in)
{
	unsigned b = fz_byte(in);
	double lo = d->min, hi = d->max, span = hi - lo;

	switch (b % 16) {
	case 0: return cJSON_CreateNumber(lo);
	case 1: return cJSON_CreateNumber(hi);
	case 2: return cJSON_CreateNumber(d->def);
	case 3: return cJSON_CreateNumber(hi + 1);	/* refused */
	case 4: return cJSON_CreateNumber(lo - 1);	/* refused */
	case 5: return cJSON_CreateString("x");	/* refused */
	case 6: return cJSON_CreateNumber(lo + span * 0.5 + 0.25);
	default:
		if (d->kind == NODE_ARG_INT)
			return cJSON_CreateNumber(lo + fmod(fz_u32(in),
			    span + 1));
		return cJSON_CreateNumber(lo + span * fz_u16(in) / 65535.0);
	}
}

/* Layouts, as a STR argument: names, position lists, some refused. */
static const char *const fz_layouts[] = {
	"mono", "stereo", "5.1", "7.1", "quad", "FC,FL,FR", "FR,FL",
	"AUX0,AUX1,AUX2", "AUX0..AUX3", "FL,FL", "XY", "x",
};
#define FZ_LAYOUTS	(sizeof(fz_layouts) / sizeof(fz_layouts[0]))

/* A channel_map "map": 1 to 4 indices or names, now and then refused. */
static cJSON *
fz_list(struct fz_in *in)
{
	static const char *const names[] = { "FL", "FR", "FC", "LFE", "RR",
	    "AUX1", "XY" };
	cJSON *a = cJSON_CreateArray();
	unsigned i, n = 1 + fz_byte(in) % 4, b;

	for (i = 0; i < n; i++) {
		b = fz_byte(in);
		cJSON_AddItemToArray(a, b & 1 ? cJSON_CreateString(names[(b >>
		    1) % 7]) : cJSON_CreateNumber(b == 254 ? 64 : (b >> 1) % 8));
	}
	return a;
}

/* A "matrix": 1 to 4 rows of 1 to 6 gains, now and then ragged. */
static cJSON *
fz_matrix(struct fz_in *in)
{
	cJSON *a = cJSON_CreateArray(), *row;
	unsigned r, c, rows = 1 + fz_byte(in) % 4, cols = 1 + fz_byte(in) % 6;
	unsigned ragged = fz_byte(in) == 255;

	for (r = 0; r < rows; r++) {
		row = cJSON_CreateArray();
		for (c = 0; c < cols + (ragged && r == 1); c++)
			cJSON_AddItemToArray(row, cJSON_CreateNumber(
			    (fz_byte(in) - 128) / 64.0));
		cJSON_AddItemToArray(a, row);
	}
	return a;
}

/* A usable value of argument d, or now and then one to refuse. */
static cJSON *
fz_arg(const struct node_argdesc *d, struct fz_in *in, int sink_path)
{
	static const char *const exts[] = {
		"wav", "flac", "w64", "aiff", "raw", "caf"
	};
	char path[160];
	unsigned b;
	int i, n;

	switch (d->kind) {
	case NODE_ARG_NUM:
	case NODE_ARG_INT:
		return fz_num(d, in);
	case NODE_ARG_BOOL:
		return cJSON_CreateBool(fz_byte(in) & 1);
	case NODE_ARG_ENUM:
		for (n = 0; d->choices[n] != NULL; n++)
			;
		b = fz_byte(in);
		if (b == 255)
			return cJSON_CreateString("no-such-choice");
		return cJSON_CreateString(d->choices[b % n]);
	case NODE_ARG_FD:
		b = fz_byte(in);
		return cJSON_CreateNumber(b < 250 ? b % 2 : b % 5);
	case NODE_ARG_PATH:
		b = fz_byte(in);
		if (b >= 250)
			return cJSON_CreateString(b == 255 ? "/etc/passwd" :
			    "/nonexistent/x.wav");
		return cJSON_CreateString(fz_files[b % FZ_FILES]);
	case NODE_ARG_NEWPATH:
		b = fz_byte(in);
		i = sink_path;
		snprintf(path, sizeof(path), "%s/out%d.%s", fz_dir, i,
		    exts[b % 6]);
		return cJSON_CreateString(path);
	case NODE_ARG_LIST:
		return fz_list(in);
	case NODE_ARG_MATRIX:
		return fz_matrix(in);
	case NODE_ARG_STR:
		/* "layout" (tone, channel_map): mostly ones that parse */
		b = fz_byte(in);
		return cJSON_CreateString(fz_layouts[b % FZ_LAYOUTS]);
	default:
		return cJSON_CreateString("x");
	}
}

/* The ring an app node's request passes, with an eventfd beside it. */
static void
fz_ring_new(struct fz_in *in, int sink)
{
	struct fz_ring *fr;
	uint32_t fmt, ch, rate, cap, low, high;
	int rc;

	if (fz_nrings == FZ_RINGS)
		return;
	fr = &fz_rings[fz_nrings];
	fmt = fz_byte(in) % AM_ARING_NFMT;
	ch = 1 + (fz_byte(in) & 1);
	rate = sink && (fz_byte(in) & 7) != 0 ? fz_engine.dev.rate :
	    fz_rate_of(in);
	cap = 1U << (6 + fz_byte(in) % 8);	/* 64 to 8192 frames */
	low = cap / (1 + fz_byte(in) % 8);
	high = cap - low / 2;
	if (low > high)
		low = high;
	rc = am_aring_open(&fr->r, !sink, fmt, ch, rate, cap, low, high);
	if (rc < 0)
		return;
	fr->sink = sink;
	fr->node = 0;
	fz_client.peer.fds[0] = dup(fr->r.fd);
	fz_client.peer.fds[1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	fz_client.peer.nfds = 2;
	fz_nrings++;
}

/* create_node of any type, args from its table. */
static void
fz_create(struct fz_in *in)
{
	static const char *const types[] = {
		"tone", "gain", "mixer", "resample", "device_sink",
		"device_source", "file_sink", "file_source", "app_source",
		"app_sink", "channel_map"
	};
	static int sinks;
	const struct node_ops *ops;
	const char *type;
	cJSON *req, *args;
	unsigned b = fz_byte(in), mask;
	uint32_t id;
	int i, app, nr = fz_nrings;

	if (fz_engine.graph.nnodes >= FZ_NODES)
		return;
	type = types[b % (sizeof(types) / sizeof(types[0]))];
	ops = node_ops_find(type);
	app = strncmp(type, "app_", 4) == 0;
	if (app)
		fz_ring_new(in, strcmp(type, "app_sink") == 0);
	req = fz_cmd("create_node");
	cJSON_AddStringToObject(req, "type", type);
	args = cJSON_AddObjectToObject(req, "args");
	/* Which arguments to give: required ones nearly always. */
	mask = fz_byte(in);
	for (i = 0; ops != NULL && i < ops->nargs; i++) {
		if (app && i == 0 && (mask & 0x80) == 0) {
			cJSON_AddNumberToObject(args, "fd", 0);
			if (mask & 0x40)
				cJSON_AddNumberToObject(args, "eventfd", 1);
			continue;
		}
		if (ops->args[i].required ? (mask & 0x80) && (mask & 1) :
		    !(mask & 1 << (i % 7))) {
			/*
			 * Left out, a quality is "best": libsamplerate's
			 * costliest, most of an input's time. Mostly a
			 * cheap one then; the code around it is the same.
			 */
			if (strcmp(ops->args[i].name, "quality") == 0 &&
			    !(mask & 0x80))
				cJSON_AddStringToObject(args, "quality",
				    mask & 0x40 ? "fast" : "linear");
			continue;
		}
		if (app && ops->args[i].kind == NODE_ARG_FD)
			continue;
		cJSON_AddItemToObject(args, ops->args[i].name,
		    fz_arg(&ops->args[i], in, sinks % 4));
	}
	if (strcmp(type, "file_sink") == 0)
		sinks++;
	id = fz_req(req);
	if (app && fz_nrings > nr) {
		if (id != 0)
			fz_rings[nr].node = id;
		else {
			am_aring_close(&fz_rings[nr].r);
			fz_nrings--;
		}
	}
}

static void
fz_link(struct fz_in *in, int on)
{
	cJSON *req = fz_cmd(on ? "connect" : "disconnect");
	struct graph *g = &fz_engine.graph;
	int l;

	if (!on && g->nlinks > 0 && (fz_byte(in) & 3) != 0) {
		l = fz_byte(in) % g->nlinks;
		cJSON_AddNumberToObject(req, "from", g->links[l].from);
		cJSON_AddNumberToObject(req, "to", g->links[l].to);
	} else {
		cJSON_AddNumberToObject(req, "from", fz_node_id(in));
		cJSON_AddNumberToObject(req, "to", fz_node_id(in));
	}
	fz_req(req);
}

static void
fz_set(struct fz_in *in)
{
	uint32_t id = fz_node_id(in);
	struct node *n = graph_node(&fz_engine.graph, id);
	cJSON *req = fz_cmd("set"), *args;
	unsigned mask = fz_byte(in), k;
	int i;

	cJSON_AddNumberToObject(req, "id", id);
	args = cJSON_AddObjectToObject(req, "args");
	for (i = 0; n != NULL && i < n->ops->nargs; i++) {
		/* Live ones mostly; others to be refused. */
		if (!(mask & 1 << (i % 8)) || (!n->ops->args[i].live &&
		    !(mask & 0x80)))
			continue;
		if (n->ops->args[i].kind == NODE_ARG_FD ||
		    n->ops->args[i].kind == NODE_ARG_NEWPATH)
			continue;
		cJSON_AddItemToObject(args, n->ops->args[i].name,
		    fz_arg(&n->ops->args[i], in, 0));
	}
	/* A burst, with no period between: the change queue fills. */
	for (k = (mask & 0x40) ? fz_byte(in) + 1 : 1; k > 0; k--)
		fz_req(cJSON_Duplicate(req, 1));
	cJSON_Delete(req);
}

/* The client's side of its rings: write samples, read, or scribble. */
static void
fz_rings_io(struct fz_in *in)
{
	unsigned char buf[8192];
	struct fz_ring *fr;
	uint32_t n, i, len;
	const float *f;

	if (fz_nrings == 0)
		return;
	fr = &fz_rings[fz_byte(in) % fz_nrings];
	n = 1 + fz_u16(in) % 2048;
	if (n > sizeof(buf) / fr->r.fbytes)
		n = sizeof(buf) / fr->r.fbytes;
	if (fr->sink) {
		n = am_aring_read(&fr->r, buf, n);
		if (fr->r.format != AM_ARING_F32)
			return;
		f = (const float *)buf;
		for (i = 0; i < n * fr->r.channels; i++) {
			if (!isfinite(f[i]))
				fz_fail("app_sink: a sample not finite", NULL,
				    NULL);
		}
		return;
	}
	if (fz_byte(in) == 0xa5) {
		/* A hostile client: its counter anywhere. */
		atomic_store(&fr->r.hdr->wr, (uint64_t)fz_u32(in) << 8);
		return;
	}
	/* Samples from the input: any bit pattern, NaN and Inf too. */
	len = n * fr->r.fbytes;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(in->n > 0 ? fz_byte(in) : i * 37);
	am_aring_write(&fr->r, buf, n, am_clock_ns());
}

/* The device changes rate or period by itself while running (JACK). */
static void
fz_reconfig(struct fz_in *in)
{
	uint32_t rate = fz_rate_of(in), period = fz_period_of(in);
	int now = fz_byte(in) & 1;

	if (fz_engine.state != ENGINE_RUNNING)
		return;
	if (fz_trace)
		fprintf(stderr, "  device now: %u frames at %u Hz%s\n", period,
		    rate, now ? "" : ", control first");
	fz_device_change(rate, period, now);
}

static void
fz_device_open(struct fz_in *in)
{
	cJSON *req = fz_cmd("device_open");

	cJSON_AddNumberToObject(req, "rate", fz_rate_of(in));
	cJSON_AddNumberToObject(req, "period", fz_period_of(in));
	if (fz_byte(in) & 1)
		cJSON_AddNumberToObject(req, "channels", 1 + (fz_byte(in) & 1));
	fz_req(req);
}

static void
fz_simple(const char *cmd)
{
	fz_req(fz_cmd(cmd));
}

static void
fz_render(struct fz_in *in)
{
	cJSON *req = fz_cmd("render");

	/* Short: a few periods at most. */
	cJSON_AddNumberToObject(req, "seconds", (1 + fz_byte(in) % 8) *
	    (double)fz_engine.dev.period / fz_engine.dev.rate);
	fz_req(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct fz_in in = { data, size };
	unsigned op, steps = 0;

	if (!ready) {
		fz_init();
		ready = 1;
	}
	/* Byte 0: the mode; then the device every input starts with. */
	fz_threaded = (fz_byte(&in) & 0x0f) == 0x0f;
	fz_device_open(&in);
	while (in.n > 0 && steps++ < 256) {
		op = fz_byte(&in);
		switch (op % 16) {
		case 0: case 1: case 2:
			fz_create(&in);
			break;
		case 3: case 4:
			fz_link(&in, 1);
			break;
		case 5:
			fz_link(&in, 0);
			break;
		case 6: {
			cJSON *req = fz_cmd("destroy_node");

			cJSON_AddNumberToObject(req, "id", fz_node_id(&in));
			fz_req(req);
			break;
		}
		case 7:
			fz_set(&in);
			break;
		case 8: case 9:
			fz_run(1 + fz_byte(&in) % 8);
			break;
		case 10:
			fz_simple(fz_engine.state == ENGINE_RUNNING &&
			    (fz_byte(&in) & 3) == 0 ? "stop" : "start");
			break;
		case 11:
			fz_rings_io(&in);
			break;
		case 12:
			fz_reconfig(&in);
			break;
		case 13:
			fz_device_open(&in);
			break;
		case 14:
			if (fz_engine.state != ENGINE_RUNNING)
				fz_render(&in);
			else
				fz_run(1);
			break;
		default:
			fz_simple(op & 0x10 ? "stats" : "device_close");
			break;
		}
		fz_check_bad("after a step");
	}
	fz_run(2);
	fz_check_bad("at the end");
	fz_reset();
	return 0;
}
