/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the channels of amixd's file nodes (issue 16), the
 * nodes included to reach their statics:
 *
 * file_source
 * - a 5.1 WAV whose WAVE_FORMAT_EXTENSIBLE mask says side surrounds
 *   (0x60F) gives FL,FR,FC,LFE,SL,SR; each of its six channels comes out
 *   bit for bit when the plan runs it at six channels, its first two at
 *   stereo (out_ch 0: as before layouts);
 * - 64 channels (default layout AUX0..AUX63), every channel bit for bit;
 *   65 refused with a message saying the range;
 * - odd masks: fewer bits than channels (the rest AUXk), more bits than
 *   channels, reserved bits only (the default layout); a FLAC (no mask:
 *   its default order); a mono WAV is mono whatever its mask;
 * - "layout" relabels, and a count that is not the file's is refused;
 * - six channels at another rate: the decoder converts every channel
 *   (resampler_init_ch), each keeping its own level;
 * file_sink
 * - "channels":6: six channels read back bit for bit, mask 0x3F;
 * - following, linked late: periods with nothing linked record
 *   nothing, so a later plan's 5.1 is still taken (a sink made on a
 *   running graph, then linked: amcat -c 6 --to SINK)
 * - following: a plan bringing 5.1 with side surrounds reopens the
 *   empty file (mask 0x60F); once audio is in, another plan does not;
 * - 16 channels channel by channel, mask 0; flac refuses 16 at plan
 *   time and a "layout" that is not its order at init;
 * - layouts with AUX channels, whose mask libsndfile cannot write, get
 *   theirs once the file is closed (FL,FR,AUX2,AUX3: 0x3; AUX0,AUX1: 0);
 * - a stereo sink fed six channels (a plan before layouts) records the
 *   first two.
 */

#include <sys/stat.h>

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "dl.h"
#include "nodes/file_sink.c"
#include "nodes/file_source.c"
#include "rt.h"
#include "t.h"

#define T_RATE		48000
#define T_FRAMES	128
#define T_LEN		1000		/* frames in the test files */

static struct rt t_rt;			/* big: not on the stack */
static char t_dir[] = "/tmp/test_file_channels.XXXXXX";
static float t_buf[T_LEN * 65];
static float t_out[T_FRAMES * AM_CH_MAX];

/* Sample ch of frame i: distinct everywhere, exact in float and s24. */
static float
t_sample(int i, int ch)
{
	return (float)((i * 7 + ch * 131) % 2000 - 1000) / 1024.0f;
}

/*
 * Write T_LEN frames of ch channels (WAV float, or format) to name in
 * t_dir; a WAV's dwChannelMask then set to mask unless it is ~0u.
 */
static void
t_write(const char *name, int ch, int format, uint32_t mask, char *path,
    size_t len)
{
	unsigned char h[512];
	SF_INFO info;
	SNDFILE *sf;
	size_t off, size;
	int fd, i, k;
	ssize_t n;

	snprintf(path, len, "%s/%s", t_dir, name);
	for (i = 0; i < T_LEN; i++)
		for (k = 0; k < ch; k++)
			t_buf[i * ch + k] = t_sample(i, k);
	memset(&info, 0, sizeof(info));
	info.samplerate = T_RATE;
	info.channels = ch;
	info.format = format;
	sf = sf_open(path, SFM_WRITE, &info);
	if (sf == NULL) {
		printf("# %s: %s\n", path, sf_strerror(NULL));
		return;
	}
	sf_writef_float(sf, t_buf, T_LEN);
	sf_close(sf);
	if (mask == ~0u || (fd = open(path, O_RDWR)) < 0)
		return;
	/* The fmt chunk's dwChannelMask: byte 20 of its data. */
	n = pread(fd, h, sizeof(h), 0);
	for (off = 12; n > 0 && off + 8 <= (size_t)n; off += 8 + size) {
		size = h[off + 4] | h[off + 5] << 8 | h[off + 6] << 16;
		if (memcmp(h + off, "fmt ", 4) == 0) {
			h[off + 28] = mask & 0xff;
			h[off + 29] = mask >> 8 & 0xff;
			h[off + 30] = mask >> 16 & 0xff;
			h[off + 31] = mask >> 24 & 0xff;
			if (pwrite(fd, h + off + 28, 4, (off_t)off + 28) != 4)
				printf("# %s: cannot set the mask\n", path);
			break;
		}
	}
	close(fd);
}

/* The dwChannelMask in path's fmt chunk, or -1 if none. */
static long long
t_mask(const char *path)
{
	unsigned char h[512];
	size_t off, size;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	for (off = 12; n > 0 && off + 32 <= (size_t)n; off += 8 + size) {
		size = h[off + 4] | h[off + 5] << 8 | h[off + 6] << 16;
		if (memcmp(h + off, "fmt ", 4) == 0)
			return h[off + 8] == 0xfe && h[off + 9] == 0xff ?
			    (long long)(h[off + 28] | h[off + 29] << 8 |
			    h[off + 30] << 16 | (uint32_t)h[off + 31] << 24) :
			    -1;
	}
	return -1;
}

/*
 * Open a file source on path with layout arg (or NULL), looping if loop
 * (an argument: init starts the decoder thread, which reads f->loop, so
 * the test never writes it afterwards); 0 or -errno.
 */
static int
t_src_loop(struct file_source *f, const char *path, const char *layout,
    int loop, char *err, size_t errlen)
{
	struct node_val v[NODE_ARG_MAX];

	memset(f, 0, sizeof(*f));
	memset(v, 0, sizeof(v));
	v[FSRC_ARG_PATH].str = path;
	v[FSRC_ARG_LOOP].num = loop;
	v[FSRC_ARG_LAYOUT].str = layout;
	return file_source_init(f, v, T_RATE, err, errlen);
}

/* The same, not looping. */
static int
t_src(struct file_source *f, const char *path, const char *layout,
    char *err, size_t errlen)
{
	return t_src_loop(f, path, layout, 0, err, errlen);
}

/* The layout f's hook gives, as a string. */
static const char *
t_src_layout(struct file_source *f, char *buf)
{
	struct am_layout in, out;
	char err[128];

	file_source_layout(f, NULL, &in, &out, err, sizeof(err));
	return am_layout_str(&out, buf, AM_LAYOUT_STRLEN);
}

/*
 * Play f for periods periods at och channels (0: stereo as before
 * layouts); count samples unlike the file's channel want[o] (-1:
 * silence) of each output channel o.
 */
static int
t_src_play(struct file_source *f, uint32_t och, const int *want, int periods)
{
	struct node_stats st;
	struct node_cycle c;
	uint32_t n = och != 0 ? och : 2, o;
	int p, i, waits, bad = 0;
	float x;

	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = T_RATE;
	c.out_ch = och;
	c.stats = &st;
	c.rt = &t_rt;
	for (p = 0; p < periods; p++) {
		for (waits = 0; !file_source_ready(f, T_FRAMES) &&
		    waits < 100000; waits++)
			usleep(100);
		file_source_process(f, &c, NULL, t_out);
		for (i = 0; i < T_FRAMES; i++)
			for (o = 0; o < n; o++) {
				x = want[o] < 0 || p * T_FRAMES + i >= T_LEN ?
				    0 : t_sample(p * T_FRAMES + i, want[o]);
				bad += t_out[(size_t)i * n + o] != x;
			}
	}
	return bad;
}

static void
t_source(void)
{
	static struct file_source f;
	int want[AM_CH_MAX], i;
	char path[256], err[256], buf[AM_LAYOUT_STRLEN];

	for (i = 0; i < AM_CH_MAX; i++)
		want[i] = i;
	t_write("side.wav", 6, SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 0x60f,
	    path, sizeof(path));
	if (is_int(t_src(&f, path, NULL, err, sizeof(err)), 0, "5.1: init")) {
		is_str(t_src_layout(&f, buf), "FL,FR,FC,LFE,SL,SR",
		    "5.1 side: the mask's layout");
		is_int(t_src_play(&f, 6, want, 10), 0,
		    "5.1: six channels, bit for bit");
		file_source_done(&f);
	}
	if (t_src(&f, path, NULL, err, sizeof(err)) == 0) {
		is_int(t_src_play(&f, 0, want, 10), 0,
		    "5.1 in a plan of stereo: its first two channels");
		file_source_done(&f);
	}
	t_write("64.wav", 64, SF_FORMAT_WAV | SF_FORMAT_FLOAT, ~0u, path,
	    sizeof(path));
	if (is_int(t_src(&f, path, NULL, err, sizeof(err)), 0, "64: init")) {
		is_str(t_src_layout(&f, buf), "AUX0,AUX1,AUX2,AUX3,AUX4,AUX5,"
		    "AUX6,AUX7,AUX8,AUX9,AUX10,AUX11,AUX12,AUX13,AUX14,AUX15,"
		    "AUX16,AUX17,AUX18,AUX19,AUX20,AUX21,AUX22,AUX23,AUX24,"
		    "AUX25,AUX26,AUX27,AUX28,AUX29,AUX30,AUX31,AUX32,AUX33,"
		    "AUX34,AUX35,AUX36,AUX37,AUX38,AUX39,AUX40,AUX41,AUX42,"
		    "AUX43,AUX44,AUX45,AUX46,AUX47,AUX48,AUX49,AUX50,AUX51,"
		    "AUX52,AUX53,AUX54,AUX55,AUX56,AUX57,AUX58,AUX59,AUX60,"
		    "AUX61,AUX62,AUX63", "64: AUX0..AUX63");
		is_int(t_src_play(&f, 64, want, 10), 0,
		    "64: every channel bit for bit");
		file_source_done(&f);
	}
	t_write("65.wav", 65, SF_FORMAT_WAV | SF_FORMAT_FLOAT, ~0u, path,
	    sizeof(path));
	is_int(t_src(&f, path, NULL, err, sizeof(err)), -EINVAL,
	    "65 channels: refused");
	ok(strstr(err, "65 channels (1 to 64") != NULL, "saying so: %s", err);

	t_write("few.wav", 4, SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 0x3, path,
	    sizeof(path));
	if (t_src(&f, path, NULL, err, sizeof(err)) == 0) {
		is_str(t_src_layout(&f, buf), "FL,FR,AUX2,AUX3",
		    "a mask of fewer bits than channels: AUX for the rest");
		file_source_done(&f);
	}
	t_write("many.wav", 2, SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 0x63f,
	    path, sizeof(path));
	if (t_src(&f, path, NULL, err, sizeof(err)) == 0) {
		is_str(t_src_layout(&f, buf), "FL,FR",
		    "a mask of more bits than channels: the first");
		file_source_done(&f);
	}
	t_write("odd.wav", 4, SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 0x80000000u,
	    path, sizeof(path));
	if (is_int(t_src(&f, path, NULL, err, sizeof(err)), 0,
	    "reserved bits only: played")) {
		is_str(t_src_layout(&f, buf), "FL,FR,RL,RR",
		    "reserved bits only: the default layout");
		file_source_done(&f);
	}
	t_write("mono.wav", 1, SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 0x1, path,
	    sizeof(path));
	if (t_src(&f, path, NULL, err, sizeof(err)) == 0) {
		is_str(t_src_layout(&f, buf), "MONO", "one channel is mono");
		want[0] = want[1] = 0;
		is_int(t_src_play(&f, 0, want, 10), 0,
		    "mono in a stereo plan: on both sides");
		want[1] = 1;
		file_source_done(&f);
	}
	t_write("six.flac", 6, SF_FORMAT_FLAC | SF_FORMAT_PCM_24, ~0u, path,
	    sizeof(path));
	if (t_src(&f, path, NULL, err, sizeof(err)) == 0) {
		is_str(t_src_layout(&f, buf), "FL,FR,FC,LFE,RL,RR",
		    "a 6-channel flac: its order, 5.1");
		file_source_done(&f);
	}
	if (is_int(t_src(&f, path, "FL,FR,FC,LFE,SL,SR", err, sizeof(err)),
	    0, "\"layout\" relabels")) {
		is_str(t_src_layout(&f, buf), "FL,FR,FC,LFE,SL,SR",
		    "as it says");
		file_source_done(&f);
	}
	is_int(t_src(&f, path, "stereo", err, sizeof(err)), -EINVAL,
	    "a \"layout\" of another count: refused");
	ok(strstr(err, "has 2 channels") != NULL, "saying so: %s", err);
}

/*
 * Six channels of DC, each its own level, at T_RATE, played in a
 * domain at 44100 Hz: the decoder converts all six; after the
 * converter has settled each channel keeps its level.
 */
static void
t_source_rate(void)
{
	static struct file_source f;
	struct node_stats st;
	struct node_cycle c;
	char path[256], err[256];
	SF_INFO info;
	SNDFILE *sf;
	double maxd = 0;
	int i, k, p, waits;

	snprintf(path, sizeof(path), "%s/dc.wav", t_dir);
	for (i = 0; i < T_LEN; i++)
		for (k = 0; k < 6; k++)
			t_buf[i * 6 + k] = (float)(k + 1) / 8.0f;
	memset(&info, 0, sizeof(info));
	info.samplerate = T_RATE;
	info.channels = 6;
	info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	sf = sf_open(path, SFM_WRITE, &info);
	sf_writef_float(sf, t_buf, T_LEN);
	sf_close(sf);
	if (!is_int(t_src_loop(&f, path, NULL, 1, err, sizeof(err)), 0,
	    "dc: init"))
		return;
	file_source_run_rate(&f, 44100);
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = 44100;
	c.out_ch = 6;
	c.stats = &st;
	c.rt = &t_rt;
	for (p = 0; p < 40; p++) {
		for (waits = 0; !file_source_ready(&f, T_FRAMES) &&
		    waits < 100000; waits++)
			usleep(100);
		file_source_process(&f, &c, NULL, t_out);
		for (i = 0; p >= 20 && i < T_FRAMES; i++)
			for (k = 0; k < 6; k++)
				if (fabs(t_out[i * 6 + k] - (k + 1) / 8.0) > maxd)
					maxd = fabs(t_out[i * 6 + k] -
					    (k + 1) / 8.0);
	}
	ok(maxd < 1e-3, "six channels converted to 44100 Hz, each its own "
	    "level (largest error %g)", maxd);
	file_source_done(&f);
}

/* Make a sink at name: format (FS_*), channels (0: follow), layout. */
static int
t_snk(struct file_sink *f, const char *name, int format, int channels,
    const char *layout, char *path, char *err)
{
	struct node_val v[NODE_ARG_MAX];

	snprintf(path, 256, "%s/%s", t_dir, name);
	memset(f, 0, sizeof(*f));
	memset(v, 0, sizeof(v));
	v[FS_ARG_PATH].str = path;
	v[FS_ARG_FORMAT].num = format;
	v[FS_ARG_CHANNELS].num = channels;
	v[FS_ARG_LAYOUT].str = layout;
	return file_sink_init(f, v, T_RATE, err, 256);
}

/* Record periods periods of ich channels of the test signal. */
static void
t_snk_push(struct file_sink *f, uint32_t ich, int periods)
{
	static float in[T_FRAMES * AM_CH_MAX];
	struct node_stats st;
	struct node_cycle c;
	int p, i;
	uint32_t k;

	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.frames = T_FRAMES;
	c.rate = T_RATE;
	c.in_ch = ich;
	c.stats = &st;
	c.rt = &t_rt;
	for (p = 0; p < periods; p++) {
		for (i = 0; i < T_FRAMES; i++)
			for (k = 0; k < (ich != 0 ? ich : 2); k++)
				in[(size_t)i * (ich != 0 ? ich : 2) + k] =
				    t_sample(p * T_FRAMES + i, (int)k);
		file_sink_process(f, &c, in, NULL);
	}
}

/*
 * path read back: ch channels, frames frames, each channel o as the
 * test signal's channel o (s24: within rounding). The samples unlike.
 */
static int
t_snk_check(const char *path, int ch, int frames, const char *what)
{
	SF_INFO info;
	SNDFILE *sf;
	int i, k, bad = 0;
	double tol;

	memset(&info, 0, sizeof(info));
	if (!ok((sf = sf_open(path, SFM_READ, &info)) != NULL, "%s: read "
	    "back", what))
		return -1;
	is_int(info.channels, ch, "%s: %d channels", what, ch);
	is_int(info.frames, frames, "%s: frames", what);
	tol = (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_FLOAT ? 0 :
	    1.0 / 8388608;
	if (sf_readf_float(sf, t_buf, frames) != frames)
		bad = -1;
	for (i = 0; bad >= 0 && i < frames; i++)
		for (k = 0; k < info.channels; k++)
			bad += fabs(t_buf[i * info.channels + k] -
			    t_sample(i, k)) > tol;
	sf_close(sf);
	return bad;
}

/* The sink's hook, given up; its "in" as a string into buf. */
static int
t_snk_layout(struct file_sink *f, const char *up, char *buf, char *err)
{
	struct am_layout u, in, out;
	int rc;

	am_layout_parse(&u, up, err, 256);
	rc = file_sink_layout(f, &u, &in, &out, err, 256);
	am_layout_str(&in, buf, AM_LAYOUT_STRLEN);
	return rc;
}

static void
t_sink(void)
{
	static struct file_sink f;
	char path[256], err[256], buf[AM_LAYOUT_STRLEN], l16[128];
	int i;

	if (is_int(t_snk(&f, "six.wav", FS_AUTO, 6, NULL, path, err), 0,
	    "sink, channels 6: init")) {
		is_int(t_snk_layout(&f, "stereo", buf, err), 0, "its hook");
		is_str(buf, "FL,FR,FC,LFE,RL,RR", "takes 5.1 whatever comes");
		t_snk_push(&f, 6, 3);
		file_sink_done(&f);
		is_int(t_snk_check(path, 6, 3 * T_FRAMES, "channels 6"), 0,
		    "channels 6: every sample");
		is_int(t_mask(path), 0x3f, "channels 6: mask 0x3F");
	}
	if (is_int(t_snk(&f, "side.wav", FS_AUTO, 0, NULL, path, err), 0,
	    "sink following: init")) {
		is_int(t_snk_layout(&f, "FL,FR,FC,LFE,SL,SR", buf, err), 0,
		    "a plan of 5.1 side");
		is_str(buf, "FL,FR,FC,LFE,SL,SR", "is taken");
		t_snk_push(&f, 6, 3);
		is_int(t_snk_layout(&f, "stereo", buf, err), 0,
		    "then a plan of stereo");
		is_str(buf, "FL,FR,FC,LFE,SL,SR", "is converted: audio is in");
		file_sink_done(&f);
		is_int(t_snk_check(path, 6, 3 * T_FRAMES, "followed"), 0,
		    "followed: every sample");
		is_int(t_mask(path), 0x60f, "followed: mask 0x60F");
	}
	snprintf(l16, sizeof(l16), "AUX0");
	for (i = 1; i < 16; i++)
		snprintf(l16 + strlen(l16), sizeof(l16) - strlen(l16),
		    ",AUX%d", i);
	if (t_snk(&f, "16.wav", FS_AUTO, 0, NULL, path, err) == 0) {
		is_int(t_snk_layout(&f, l16, buf, err), 0, "a plan of 16");
		t_snk_push(&f, 16, 3);
		file_sink_done(&f);
		is_int(t_snk_check(path, 16, 3 * T_FRAMES, "16"), 0,
		    "16 channels: each one as recorded");
		is_int(t_mask(path), 0, "16 channels: mask 0");
	}
	if (t_snk(&f, "16.flac", FS_AUTO, 0, NULL, path, err) == 0) {
		is_int(t_snk_layout(&f, l16, buf, err), -EINVAL,
		    "flac: a plan of 16 refused");
		ok(strstr(err, "at most 8") != NULL, "saying so: %s", err);
		is_str(buf, "FL,FR", "the file stays stereo");
		file_sink_done(&f);
	}
	is_int(t_snk(&f, "side.flac", FS_AUTO, 0, "FL,FR,FC,LFE,SL,SR", path,
	    err), -EINVAL, "flac: a layout not its order, refused");
	ok(strstr(err, "FL,FR,FC,LFE,RL,RR") != NULL, "naming it: %s", err);
	is_int(t_snk(&f, "x.wav", FS_AUTO, 2, "5.1", path, err), -EINVAL,
	    "\"channels\" and \"layout\" disagree: refused");
	if (t_snk(&f, "aux.wav", FS_AUTO, 0, "FL,FR,AUX2,AUX3", path,
	    err) == 0) {
		t_snk_push(&f, 4, 3);
		file_sink_done(&f);
		is_int(t_snk_check(path, 4, 3 * T_FRAMES, "FL,FR,AUX2,AUX3"), 0,
		    "FL,FR,AUX2,AUX3: every sample");
		is_int(t_mask(path), 0x3, "FL,FR,AUX2,AUX3: mask 0x3, not "
		    "quad's 0x33 (fixed after libsndfile closed it)");
	}
	if (t_snk(&f, "aux2.wav", FS_AUTO, 0, "AUX0,AUX1", path, err) == 0) {
		file_sink_done(&f);
		is_int(t_mask(path), 0, "AUX0,AUX1: mask 0, not stereo's");
	}
	if (t_snk(&f, "two.wav", FS_AUTO, 0, NULL, path, err) == 0) {
		t_snk_push(&f, 6, 3);
		file_sink_done(&f);
		is_int(t_snk_check(path, 2, 3 * T_FRAMES, "six into two"), 0,
		    "six in a plan of stereo: the first two recorded");
		is_int(t_mask(path), 0x3, "stereo: mask 0x3");
	}
	if (is_int(t_snk(&f, "late.wav", FS_AUTO, 0, NULL, path, err), 0,
	    "sink following, linked late: init")) {
		struct am_layout in, out;

		/* made on a running graph: plans with nothing linked run */
		is_int(file_sink_layout(&f, NULL, &in, &out, err, 256), 0,
		    "a plan with nothing linked");
		t_snk_push(&f, 0, 2);
		is_int(t_snk_layout(&f, "5.1", buf, err), 0,
		    "then a plan bringing 5.1");
		is_str(buf, "FL,FR,FC,LFE,RL,RR", "is taken: nothing was "
		    "recorded while unlinked");
		t_snk_push(&f, 6, 3);
		file_sink_done(&f);
		is_int(t_snk_check(path, 6, 3 * T_FRAMES, "linked late"), 0,
		    "linked late: the linked periods, every sample");
		is_int(t_mask(path), 0x3f, "linked late: mask 0x3F");
	}
}

int
main(void)
{
	char cmd[64], err[256];

	if (dl_sndfile_load(err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	if (rt_init(&t_rt) < 0 || mkdtemp(t_dir) == NULL) {
		printf("Bail out! set-up\n");
		return 1;
	}
	t_source();
	t_source_rate();
	t_sink();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t_dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", t_dir);
	rt_done(&t_rt);
	return t_done();
}
