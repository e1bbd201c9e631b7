/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of amixd/nodes/file_sink.c, included to reach its statics:
 *
 * - overruns: process() against a ring with no writer draining it, as a
 *   writer that fell behind leaves it. Every frame that does not fit is
 *   counted in stats->overruns, and reported through node events, at
 *   most ten a second of audio, adding up to the count exactly;
 * - every container and sample format through init, process and done
 *   (the real writer thread), read back with libsndfile: format, rate,
 *   channels, frames, and the samples themselves (s16 within dither);
 * - a WAV is a plain RIFF WAVE (RF64 downgraded while small), an RF64
 *   stays RF64;
 * - a path that is a FIFO or a directory is refused at once;
 * - a write that fails (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG, as a full
 *   disk gives ENOSPC) stops the recording, not the node: one error
 *   event, the reason in file_sink_error, every frame not in the file
 *   counted as overruns, the file cut to the last good frame and its
 *   header saying so, and the samples up to there intact; a failure
 *   after the last period is counted by error, on the control side,
 *   and never twice;
 * - flush returns at once and flushed, which never waits, turns 1 once
 *   everything pushed is in the file and its header.
 */

#include <sys/resource.h>
#include <sys/stat.h>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "dl.h"
#include "nodes/file_sink.c"
#include "rt.h"
#include "t.h"

#define T_RATE	48000
#define T_FRAMES 128

static struct rt t_rt;			/* big: not on the stack */
static float t_in[T_FRAMES * 2];
static char t_dir[] = "/tmp/test_file_sink.XXXXXX";

/* Pop every node event queued so far; sum their values into *sum. */
static int
t_events(uint32_t node, int kind, uint64_t *sum)
{
	struct rt_event ev;
	int n = 0;

	while (am_queue_pop(&t_rt.events, &ev) == 0) {
		if (ev.type == RT_EV_NODE && ev.node == node &&
		    (int)ev.b == kind) {
			*sum += ev.a;
			n++;
		}
	}
	return n;
}

static void
t_overruns(void)
{
	static struct file_sink f;
	struct node_stats st;
	struct node_cycle c;
	uint64_t sum = 0, lost;
	int i, n, max_events;

	memset(&f, 0, sizeof(f));
	memset(&st, 0, sizeof(st));
	is_int(am_queue_init(&f.ring, 1024, 2 * sizeof(float)), 0,
	    "a ring of 1024 frames");
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = T_RATE;
	c.stats = &st;
	c.rt = &t_rt;
	c.node_id = 7;

	/* Eight periods fill it; nothing lost yet. */
	for (i = 0; i < 8; i++)
		file_sink_process(&f, &c, t_in, NULL);
	is_int(atomic_load(&st.overruns), 0, "a full ring, nothing lost");
	is_int(t_events(7, NODE_EV_OVERRUN, &sum), 0, "no event");

	/* The ninth period is lost whole: counted, reported at once. */
	file_sink_process(&f, &c, t_in, NULL);
	is_int(atomic_load(&st.overruns), T_FRAMES, "one period lost");
	is_int(t_events(7, NODE_EV_OVERRUN, &sum), 1, "one event at once");
	is_int(sum, T_FRAMES, "carrying the frames lost");

	/* 2 s more lost: counted whole, reported ten times a second. */
	n = 2 * T_RATE / T_FRAMES;
	for (i = 0; i < n; i++)
		file_sink_process(&f, &c, t_in, NULL);
	lost = (uint64_t)(n + 1) * T_FRAMES;
	is_int(atomic_load(&st.overruns), lost, "every frame lost counted");
	max_events = 2 * FS_EV_PER_SEC + 1;
	n = t_events(7, NODE_EV_OVERRUN, &sum);
	ok(n >= 2 * FS_EV_PER_SEC - 1 && n <= max_events,
	    "about ten events a second: %d in 2 s", n);

	/* The writer catches up: no more loss; the rest is reported. */
	am_queue_skip(&f.ring, UINT32_MAX);
	for (i = 0; i < T_RATE / FS_EV_PER_SEC / T_FRAMES + 2; i++) {
		am_queue_skip(&f.ring, UINT32_MAX);
		file_sink_process(&f, &c, t_in, NULL);
	}
	t_events(7, NODE_EV_OVERRUN, &sum);
	is_int(sum, lost, "events add up to the count");
	is_int(atomic_load(&st.overruns), lost, "no loss once drained");
	is_int(f.lost_total, lost, "the sink's own count agrees");
	is_int(atomic_load(&t_rt.ev_dropped), 0, "no event dropped");
	am_queue_done(&f.ring);
}

struct fmt_row {
	const char *name;		/* file name in t_dir */
	int format, sample;		/* FS_* or FS_AUTO, FS_S_* */
	int sf_major, sf_sub;		/* what libsndfile must report */
};

static const struct fmt_row fmt_rows[] = {
	{ "a.wav",  FS_AUTO, FS_S_AUTO, SF_FORMAT_WAVEX, SF_FORMAT_FLOAT },
	{ "b.wav",  FS_AUTO, FS_S16,   SF_FORMAT_WAVEX, SF_FORMAT_PCM_16 },
	{ "c.wav",  FS_AUTO, FS_S24,   SF_FORMAT_WAVEX, SF_FORMAT_PCM_24 },
	{ "d.flac", FS_AUTO, FS_S_AUTO, SF_FORMAT_FLAC, SF_FORMAT_PCM_24 },
	{ "e.flac", FS_AUTO, FS_S16,   SF_FORMAT_FLAC,  SF_FORMAT_PCM_16 },
	{ "f.w64",  FS_AUTO, FS_F32,   SF_FORMAT_W64,   SF_FORMAT_FLOAT },
	{ "g.rf64", FS_AUTO, FS_S24,   SF_FORMAT_RF64,  SF_FORMAT_PCM_24 },
	{ "h.rf64", FS_AUTO, FS_F32,   SF_FORMAT_RF64,  SF_FORMAT_FLOAT },
	{ "i.aiff", FS_AUTO, FS_S16,   SF_FORMAT_AIFF,  SF_FORMAT_PCM_16 },
	{ "j.aif",  FS_AUTO, FS_F32,   SF_FORMAT_AIFF,  SF_FORMAT_FLOAT },
	{ "k.snd",  FS_W64,  FS_S24,   SF_FORMAT_W64,   SF_FORMAT_PCM_24 },
};

/* A .wav file starts RIFF (RF64 downgraded), a .rf64 file RF64. */
static void
t_magic(const char *path, const char *name)
{
	const char *dot = strrchr(name, '.'), *want;
	char magic[5] = "";
	FILE *fp;

	if (strcmp(dot, ".wav") == 0)
		want = "RIFF";
	else if (strcmp(dot, ".rf64") == 0)
		want = "RF64";
	else
		return;
	if ((fp = fopen(path, "rb")) != NULL) {
		if (fread(magic, 1, 4, fp) != 4)
			magic[0] = '\0';
		fclose(fp);
	}
	is_str(magic, want, "%s: magic", name);
}

/* Write 3 periods of a ramp through a sink as row r says, read back. */
static void
t_format(const struct fmt_row *r)
{
	static struct file_sink f;
	struct node_val v[NODE_ARG_MAX];
	struct node_stats st;
	struct node_cycle c;
	char path[256], err[256];
	float back[T_FRAMES * 2 * 3];
	double tol, maxd = 0;
	SF_INFO info;
	SNDFILE *sf;
	sf_count_t got;
	int i, k;

	snprintf(path, sizeof(path), "%s/%s", t_dir, r->name);
	memset(&f, 0, sizeof(f));
	memset(v, 0, sizeof(v));
	v[FS_ARG_PATH].str = path;
	v[FS_ARG_FORMAT].num = r->format;
	v[FS_ARG_SAMPLE].num = r->sample;
	if (!is_int(file_sink_init(&f, v, T_RATE, err, sizeof(err)), 0,
	    "%s: init", r->name)) {
		printf("# %s\n", err);
		return;
	}
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = T_RATE;
	c.stats = &st;
	for (k = 0; k < 3; k++) {
		for (i = 0; i < T_FRAMES * 2; i++)
			t_in[i] = (float)((k * T_FRAMES * 2 + i) % 200 - 100) /
			    128.0f;
		file_sink_process(&f, &c, t_in, NULL);
	}
	file_sink_flush(&f);
	file_sink_done(&f);

	t_magic(path, r->name);
	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!ok(sf != NULL, "%s: libsndfile reads it", r->name))
		return;
	is_int(info.format & SF_FORMAT_TYPEMASK, r->sf_major,
	    "%s: container", r->name);
	is_int(info.format & SF_FORMAT_SUBMASK, r->sf_sub, "%s: samples",
	    r->name);
	is_int(info.samplerate, T_RATE, "%s: rate", r->name);
	is_int(info.channels, 2, "%s: channels", r->name);
	is_int(info.frames, T_FRAMES * 3, "%s: frames", r->name);
	got = sf_readf_float(sf, back, T_FRAMES * 3);
	sf_close(sf);
	is_int(got, T_FRAMES * 3, "%s: frames read", r->name);
	for (i = 0; i < T_FRAMES * 2 * 3; i++) {
		double want = (double)(i % 200 - 100) / 128.0;

		if (fabs(back[i] - want) > maxd)
			maxd = fabs(back[i] - want);
	}
	/* s16: +-1 LSB of dither plus rounding; s24: rounding; f32: exact. */
	tol = (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16 ?
	    1.5 / 32768 : (info.format & SF_FORMAT_SUBMASK) ==
	    SF_FORMAT_PCM_24 ? 1.0 / 8388608 : 0;
	ok(maxd <= tol, "%s: samples within %g (largest error %g)", r->name,
	    tol, maxd);
}

/* Paths that are no regular file are refused without blocking. */
static void
t_refused(void)
{
	static struct file_sink f;
	struct node_val v[NODE_ARG_MAX];
	char path[256], err[256];

	memset(v, 0, sizeof(v));
	v[FS_ARG_PATH].str = path;
	snprintf(path, sizeof(path), "%s/fifo.wav", t_dir);
	if (mkfifo(path, 0600) < 0) {
		skip("mkfifo: %s", strerror(errno));
		return;
	}
	memset(&f, 0, sizeof(f));
	is_int(file_sink_init(&f, v, T_RATE, err, sizeof(err)), -EINVAL,
	    "a FIFO with no reader: refused at once");
	ok(strstr(err, "not a regular file") != NULL, "saying why: %s", err);
	snprintf(path, sizeof(path), "%s", t_dir);
	memset(&f, 0, sizeof(f));
	is_int(file_sink_init(&f, v, T_RATE, err, sizeof(err)), -EINVAL,
	    "a directory: refused");
	ok(strstr(err, "not a regular file") != NULL, "saying why: %s", err);
	snprintf(path, sizeof(path), "%s/flac.flac", t_dir);
	v[FS_ARG_SAMPLE].num = FS_F32;
	memset(&f, 0, sizeof(f));
	is_int(file_sink_init(&f, v, T_RATE, err, sizeof(err)), -EINVAL,
	    "float FLAC: refused");
	ok(access(path, F_OK) != 0, "and no file made");
}

/* Open a float WAV sink at name in t_dir; 0 or -1 (reported). */
static int
t_open(struct file_sink *f, const char *name, char *path, size_t len)
{
	struct node_val v[NODE_ARG_MAX];
	char err[256];

	snprintf(path, len, "%s/%s", t_dir, name);
	memset(f, 0, sizeof(*f));
	memset(v, 0, sizeof(v));
	v[FS_ARG_PATH].str = path;
	v[FS_ARG_FORMAT].num = FS_AUTO;
	v[FS_ARG_SAMPLE].num = FS_F32;
	if (file_sink_init(f, v, T_RATE, err, sizeof(err)) == 0)
		return 0;
	ok(0, "%s: init: %s", name, err);
	return -1;
}

/* Period k of a ramp no two frames of which are equal in 64 periods. */
static void
t_ramp(int k)
{
	int i;

	for (i = 0; i < T_FRAMES * 2; i++)
		t_in[i] = (float)(k * T_FRAMES * 2 + i) / 65536.0f;
}

/* Poll flushed, 1 ms apart, for at most 5 s; 1 when it said done. */
static int
t_wait_flushed(struct file_sink *f)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 5000; i++) {
		if (file_sink_flushed(f))
			return 1;
		nanosleep(&ms, NULL);
	}
	return 0;
}

/*
 * A write fails half way (RLIMIT_FSIZE of 64 KiB: EFBIG): the recording
 * stops, the node does not; every frame is in the file or an overrun.
 */
static void
t_write_error(void)
{
	static struct file_sink f;
	static float back[64 * T_FRAMES * 2];
	struct rlimit old, lim;
	struct node_stats st;
	struct node_cycle c;
	struct timespec ms = { 0, 1000000 };
	char path[256];
	const char *msg;
	uint64_t sum = 0, good, frames = 0;
	struct stat sb;
	SF_INFO info;
	SNDFILE *sf;
	sf_count_t got;
	int i, k, diff = 0;

	if (t_open(&f, "full.wav", path, sizeof(path)) < 0)
		return;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 64 * 1024;
	setrlimit(RLIMIT_FSIZE, &lim);
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = T_RATE;
	c.stats = &st;
	c.rt = &t_rt;
	c.node_id = 9;
	t_events(9, NODE_EV_ERROR, &sum);
	/* 64 periods, 64 KiB of audio: more than the file may hold. */
	for (k = 0; k < 64; k++) {
		t_ramp(k);
		file_sink_process(&f, &c, t_in, NULL);
		frames += T_FRAMES;
	}
	for (i = 0; i < 5000 && atomic_load(&f.werr) == 0; i++)
		nanosleep(&ms, NULL);
	if (!ok(atomic_load(&f.werr) != 0, "the write failed"))
		goto out;
	good = atomic_load(&f.good);
	ok(good > 0 && good < frames, "%llu of %llu frames written",
	    (unsigned long long)good, (unsigned long long)frames);
	is_int(t_events(9, NODE_EV_ERROR, &sum), 0, "no event before a "
	    "period saw it");
	/* Ten periods more: none reaches the ring, all are counted. */
	for (k = 0; k < 10; k++) {
		file_sink_process(&f, &c, t_in, NULL);
		frames += T_FRAMES;
	}
	is_int(t_events(9, NODE_EV_ERROR, &sum), 1, "one error event");
	is_int(sum, EFBIG, "carrying errno");
	is_int(atomic_load(&st.overruns), frames - good,
	    "every frame not in the file is an overrun");
	msg = file_sink_error(&f);
	ok(msg != NULL && strstr(msg, path) != NULL &&
	    strstr(msg, strerror(EFBIG)) != NULL,
	    "the message names the file and the reason: %s", msg);
	is_int(atomic_load(&st.overruns), frames - good,
	    "asking for it counts nothing twice");
	is_int(atomic_load(&f.pushed), 64 * T_FRAMES, "nothing pushed after");
	ok(t_wait_flushed(&f), "flushed: the ring emptied all the same");
	file_sink_done(&f);
	setrlimit(RLIMIT_FSIZE, &old);

	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!ok(sf != NULL, "the file is readable"))
		return;
	is_int(info.frames, good, "its header holds the good frames");
	got = sf_readf_float(sf, back, 64 * T_FRAMES);
	sf_close(sf);
	is_int(got, good, "all of them read back");
	for (i = 0; i < (int)got * 2; i++) {
		if (back[i] != (float)i / 65536.0f)
			diff++;
	}
	is_int(diff, 0, "samples differing from what was pushed");
	if (stat(path, &sb) == 0)
		ok(sb.st_size <= 64 * 1024 && sb.st_size > (off_t)good * 8 &&
		    sb.st_size - (off_t)good * 8 < 256,
		    "the file ends with the last good frame: %lld bytes",
		    (long long)sb.st_size);
	return;
out:
	file_sink_done(&f);
	setrlimit(RLIMIT_FSIZE, &old);
}

/*
 * A write fails after the last period (the engine stopped, the writer
 * drains): error, on the control thread, counts the loss, once.
 */
static void
t_late_error(void)
{
	static struct file_sink f;
	struct rlimit old, lim;
	struct node_stats st;
	struct node_cycle c;
	char path[256];
	const char *msg;
	int k;

	if (t_open(&f, "late.wav", path, sizeof(path)) < 0)
		return;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 16 * 1024;
	setrlimit(RLIMIT_FSIZE, &lim);
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = T_RATE;
	c.stats = &st;
	for (k = 0; k < 32; k++) {
		t_ramp(k);
		file_sink_process(&f, &c, t_in, NULL);
	}
	/* No more periods: the engine has stopped. */
	ok(t_wait_flushed(&f), "flushed, failure and all");
	is_int(atomic_load(&st.overruns), 0, "nothing counted yet");
	msg = file_sink_error(&f);
	ok(msg != NULL && strstr(msg, strerror(EFBIG)) != NULL,
	    "error says why: %s", msg);
	is_int(atomic_load(&st.overruns), 32 * T_FRAMES - atomic_load(&f.good),
	    "and counts the loss");
	file_sink_error(&f);
	file_sink_process(&f, &c, t_in, NULL);
	is_int(atomic_load(&st.overruns), 33 * T_FRAMES - atomic_load(&f.good),
	    "once: a period more adds only itself");
	file_sink_done(&f);
	setrlimit(RLIMIT_FSIZE, &old);
}

/* flush returns at once; flushed never waits and turns 1 when done. */
static void
t_flushed(void)
{
	static struct file_sink f;
	struct node_stats st;
	struct node_cycle c;
	char path[256];
	SF_INFO info;
	SNDFILE *sf;
	int k;

	if (t_open(&f, "flushed.wav", path, sizeof(path)) < 0)
		return;
	ok(file_sink_flushed(&f), "nothing pushed: flushed");
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = T_RATE;
	c.stats = &st;
	for (k = 0; k < 40; k++) {
		t_ramp(k);
		file_sink_process(&f, &c, t_in, NULL);
	}
	file_sink_flush(&f);
	ok(t_wait_flushed(&f), "flushed within 5 s");
	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (ok(sf != NULL, "readable while still open"))
		sf_close(sf);
	is_int(info.frames, 40 * T_FRAMES, "its header counts every frame");
	ok(file_sink_flushed(&f), "still flushed: nothing new");
	file_sink_process(&f, &c, t_in, NULL);
	ok(!file_sink_flushed(&f), "a new period: not flushed, asked for");
	ok(t_wait_flushed(&f), "then flushed again");
	file_sink_done(&f);
}

int
main(void)
{
	char cmd[64], err[256];
	size_t i;

	/* The test reads the files back through amixd's libsndfile shim. */
	if (dl_sndfile_load(err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	if (rt_init(&t_rt) < 0) {
		printf("Bail out! rt_init\n");
		return 1;
	}
	if (mkdtemp(t_dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	t_overruns();
	for (i = 0; i < AM_NELEM(fmt_rows); i++)
		t_format(&fmt_rows[i]);
	t_refused();
	t_flushed();
	t_write_error();
	t_late_error();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t_dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", t_dir);
	rt_done(&t_rt);
	return t_done();
}
