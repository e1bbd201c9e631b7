/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of amixd/nodes/file_source.c, included to reach its statics:
 *
 * - a file at the graph rate comes out bit for bit, through the decoder
 *   thread and the ring, then silence and exactly one eof event;
 * - loop: the output is the file again and again, sample-exact;
 * - mono is duplicated; of three channels the first two play;
 * - a plan that puts the node in a domain at the file's rate (run_rate)
 *   after the decoder has filled the ring converting for the graph rate:
 *   from frame 0, bit for bit, the stale frames dropped;
 * - a ring that runs dry before eof: zero-filled, counted per period,
 *   reported at most ten times a second, adding up to the frames filled;
 * - a 16-bit 44.1 kHz file converted to 48 kHz gives the same bytes
 *   whether its converted frames start at the ring's first slot or a
 *   few short of its end, the first block across the wrap (the decoder
 *   writes blocks in place where they fit, else through obuf).
 */

#include <stdlib.h>
#include <unistd.h>

#include "nodes/file_source.c"
#include "t.h"

#define T_RATE		48000
#define T_FRAMES	128
#define T_LEN		1000		/* frames in the test files */

static struct rt t_rt;			/* big: not on the stack */
static char t_dir[] = "/tmp/test_file_source.XXXXXX";

/* Sample ch of frame i of the test signal: distinct everywhere. */
static float
t_sample(int i, int ch)
{
	return (float)((i * 7 + ch * 3) % 2000 - 1000) / 1024.0f;
}

/* Write T_LEN frames of ch channels at T_RATE to name in t_dir. */
static void
t_write(const char *name, int ch, char *path, size_t len)
{
	static float buf[T_LEN * 3];
	SF_INFO info;
	SNDFILE *sf;
	int i, k;

	snprintf(path, len, "%s/%s", t_dir, name);
	for (i = 0; i < T_LEN; i++)
		for (k = 0; k < ch; k++)
			buf[i * ch + k] = t_sample(i, k);
	memset(&info, 0, sizeof(info));
	info.samplerate = T_RATE;
	info.channels = ch;
	info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	sf = sf_open(path, SFM_WRITE, &info);
	sf_writef_float(sf, buf, T_LEN);
	sf_close(sf);
}

/* Count node events of kind, summing their values into *sum. */
static int
t_events(int kind, uint64_t *sum)
{
	struct rt_event ev;
	int n = 0;

	while (am_queue_pop(&t_rt.events, &ev) == 0) {
		if (ev.type == RT_EV_NODE && (int)ev.b == kind) {
			*sum += ev.a;
			n++;
		}
	}
	return n;
}

/* A period of T_FRAMES at T_RATE, counting into st. */
static void
t_cycle(struct node_cycle *c, struct node_stats *st)
{
	memset(st, 0, sizeof(*st));
	memset(c, 0, sizeof(*c));
	c->frames = T_FRAMES;
	c->rate = T_RATE;
	c->stats = st;
	c->rt = &t_rt;
}

/* Wait as a render does until f can give a period: 10 s at most. */
static void
t_ready(struct file_source *f)
{
	int waits;

	for (waits = 0; !file_source_ready(f, T_FRAMES) && waits < 100000;
	    waits++)
		usleep(100);
}

/*
 * Play path (loop or not) for periods periods as a render would, after
 * ready(); check every frame against the test signal of channels lch
 * (left) and rch (right), silence past the end unless looping.
 */
static void
t_play(const char *what, const char *path, int loop, int periods, int lch,
    int rch, uint32_t grate)
{
	static struct file_source f;
	static float out[T_FRAMES * 2];
	struct node_val v[NODE_ARG_MAX];
	struct node_stats st;
	struct node_cycle c;
	char err[256];
	uint64_t sum = 0;
	int p, i, n, bad = 0;
	float l, r;

	memset(&f, 0, sizeof(f));
	memset(v, 0, sizeof(v));
	v[FSRC_ARG_PATH].str = path;
	v[FSRC_ARG_LOOP].num = loop;
	if (!is_int(file_source_init(&f, v, grate, err, sizeof(err)), 0,
	    "%s: init", what)) {
		printf("# %s\n", err);
		return;
	}
	if (grate != T_RATE) {
		/*
		 * A graph at grate: the decoder converts to it and fills
		 * the ring. Then a plan puts the node in a domain at the
		 * file's rate: from frame 0, a copy, the stale frames
		 * dropped even though they fill the ring.
		 */
		usleep(300000);
		file_source_run_rate(&f, T_RATE);
	}
	t_cycle(&c, &st);
	for (p = 0; p < periods; p++) {
		t_ready(&f);
		file_source_process(&f, &c, NULL, out);
		for (i = 0; i < T_FRAMES; i++) {
			n = p * T_FRAMES + i;
			if (loop)
				n %= T_LEN;
			l = n < T_LEN ? t_sample(n, lch) : 0;
			r = n < T_LEN ? t_sample(n, rch) : 0;
			bad += out[2 * i] != l || out[2 * i + 1] != r;
		}
	}
	is_int(bad, 0, "%s: every frame as in the file", what);
	is_int(atomic_load(&st.underruns), 0, "%s: no underrun", what);
	is_int(t_events(NODE_EV_EOF, &sum), loop ? 0 : 1,
	    "%s: %s eof event", what, loop ? "no" : "one");
	file_source_done(&f);
}

/* A ring left dry before eof: underruns, zero-filled and reported. */
static void
t_underrun(void)
{
	static struct file_source f;
	static float out[T_FRAMES * 2];
	struct node_stats st;
	struct node_cycle c;
	uint64_t sum = 0;
	int i, n, nz = 0;

	memset(&f, 0, sizeof(f));
	f.channels = 2;
	f.file_rate = T_RATE;
	f.evfd = -1;
	f.flush = T_RATE;		/* the ring is at T_RATE from 0 */
	am_queue_init(&f.ring, 4096, 2 * sizeof(float));
	f.low = 0;			/* no decoder to wake */
	t_cycle(&c, &st);
	/* Half a period in the ring, then nothing for a second. */
	memset(out, 0, sizeof(out));
	for (i = 0; i < T_FRAMES; i++)
		out[i] = 1.0f;
	am_queue_write(&f.ring, out, T_FRAMES / 2);
	n = T_RATE / T_FRAMES;
	for (i = 0; i < n; i++) {
		file_source_process(&f, &c, NULL, out);
		nz += out[T_FRAMES * 2 - 1] != 0;
	}
	is_int(nz, 0, "the gap is silence");
	is_int(atomic_load(&st.underruns), n, "one underrun a period");
	i = t_events(NODE_EV_UNDERRUN, &sum);
	ok(i >= FSRC_EV_PER_SEC - 1 && i <= FSRC_EV_PER_SEC + 1,
	    "about ten events in a second: %d", i);
	/* The decoder catches up: the rest is reported a tenth on. */
	for (i = 0; i < T_RATE / FSRC_EV_PER_SEC / T_FRAMES + 1; i++) {
		am_queue_write(&f.ring, out, T_FRAMES);
		file_source_process(&f, &c, NULL, out);
	}
	t_events(NODE_EV_UNDERRUN, &sum);
	is_int(sum, (uint64_t)n * T_FRAMES - T_FRAMES / 2,
	    "events add up to the frames zero-filled");
	is_int(atomic_load(&st.underruns), n, "no underrun once fed");
	is_int(t_events(NODE_EV_EOF, &sum), 0, "and no eof");
	am_queue_done(&f.ring);
}

#define T_WRAP_CAP	131072		/* the ring at 44.1 or 48 kHz */
#define T_WRAP_ODD	1000		/* frames short of its end */
#define T_WRAP_PERIODS	200

/*
 * Write a 16-bit stereo file at 44.1 kHz, T_WRAP_ODD frames shorter
 * than the ring, to name in t_dir.
 */
static void
t_write_s16(const char *name, char *path, size_t len)
{
	static short buf[(T_WRAP_CAP - T_WRAP_ODD) * 2];
	SF_INFO info;
	SNDFILE *sf;
	int i, k;

	snprintf(path, len, "%s/%s", t_dir, name);
	for (i = 0; i < T_WRAP_CAP - T_WRAP_ODD; i++)
		for (k = 0; k < 2; k++)
			buf[i * 2 + k] = (short)(t_sample(i % 2000, k) * 16000);
	memset(&info, 0, sizeof(info));
	info.samplerate = 44100;
	info.channels = 2;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	sf = sf_open(path, SFM_WRITE, &info);
	sf_writef_short(sf, buf, T_WRAP_CAP - T_WRAP_ODD);
	sf_close(sf);
}

/*
 * T_WRAP_PERIODS periods of path converted to T_RATE into dst. first:
 * the graph's rate at init. T_RATE: converted from ring slot 0. 44100:
 * the decoder first copies the whole file into the ring, which stops
 * T_WRAP_ODD frames short of its end; then a plan puts the node at
 * T_RATE and the converted frames start there.
 */
static void
t_conv(const char *what, const char *path, uint32_t first, float *dst)
{
	static struct file_source f;
	struct node_val v[NODE_ARG_MAX];
	struct node_stats st;
	struct node_cycle c;
	char err[256];
	uint64_t sum = 0;
	int p, waits;

	memset(&f, 0, sizeof(f));
	memset(v, 0, sizeof(v));
	v[FSRC_ARG_PATH].str = path;
	v[FSRC_ARG_QUALITY].num = RESAMPLER_FAST;
	if (!is_int(file_source_init(&f, v, first, err, sizeof(err)), 0,
	    "%s: init", what)) {
		printf("# %s\n", err);
		return;
	}
	is_int(f.ring.cap, T_WRAP_CAP, "%s: the ring's size", what);
	if (first != T_RATE) {
		for (waits = 0; !atomic_load(&f.eof) && waits < 100000;
		    waits++)
			usleep(100);
		is_int(T_WRAP_CAP - (atomic_load(&f.ring.wr) & (T_WRAP_CAP -
		    1)), T_WRAP_ODD, "%s: the copy stops short of the "
		    "ring's end", what);
		file_source_run_rate(&f, T_RATE);
	}
	t_cycle(&c, &st);
	for (p = 0; p < T_WRAP_PERIODS; p++) {
		t_ready(&f);
		file_source_process(&f, &c, NULL, dst + (size_t)p *
		    T_FRAMES * 2);
	}
	is_int(atomic_load(&st.underruns), 0, "%s: no underrun", what);
	t_events(NODE_EV_EOF, &sum);
	file_source_done(&f);
}

/* The same bytes wherever in the ring the converted frames start. */
static void
t_wrap(void)
{
	static float a[T_WRAP_PERIODS * T_FRAMES * 2];
	static float b[T_WRAP_PERIODS * T_FRAMES * 2];
	char path[256];
	size_t i, nz = 0;

	t_write_s16("s16.wav", path, sizeof(path));
	t_conv("converted from slot 0", path, T_RATE, a);
	t_conv("converted from near the ring's end", path, 44100, b);
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		nz += a[i] != 0.0f;
	ok(nz > sizeof(a) / sizeof(a[0]) / 2, "the converted file has "
	    "sound (%zu of %zu samples)", nz, sizeof(a) / sizeof(a[0]));
	ok(memcmp(a, b, sizeof(a)) == 0, "a 44.1 kHz file converts to the "
	    "same bytes across the ring's wrap");
}

int
main(void)
{
	char path[256], cmd[64];
	char err[256];

	/* The test writes its inputs with libsndfile, through amixd's shim. */
	if (dl_sndfile_load(err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	if (rt_init(&t_rt) < 0 || mkdtemp(t_dir) == NULL) {
		printf("Bail out! set-up\n");
		return 1;
	}
	t_write("st.wav", 2, path, sizeof(path));
	t_play("stereo", path, 0, 12, 0, 1, T_RATE);
	t_play("stereo loop", path, 1, 40, 0, 1, T_RATE);
	t_play("in a domain at the file's rate", path, 0, 12, 0, 1, 44100);
	t_play("looping, in a domain at its rate", path, 1, 40, 0, 1, 8000);
	t_write("mono.wav", 1, path, sizeof(path));
	t_play("mono", path, 0, 10, 0, 0, T_RATE);
	t_write("three.wav", 3, path, sizeof(path));
	t_play("three channels", path, 1, 20, 0, 1, T_RATE);
	t_underrun();
	t_wrap();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t_dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", t_dir);
	rt_done(&t_rt);
	return t_done();
}
