/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/aring.c, the app ring: a table of rings the engine
 * must refuse (each row spoils one thing of a good ring: seals, size,
 * magic, version, format, channels, rate, capacity, watermarks, layout,
 * counters), a table of hostile counters with what avail must say and
 * where resync leaves the ring, a table of transfers across the wrap,
 * and a two-thread stress test moving frames of 6 bytes (s24 stereo:
 * every copy straddles words) through a small ring with a sequence
 * check, the consumer side attached as the engine attaches.
 * T_ARING_N overrides the stress count, e.g. for sanitizer runs.
 */

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aring.h"
#include "t.h"
#include "util.h"

/* A good ring: s16 stereo, 48 kHz, 1024 frames, client producing. */
static int
good(struct am_aring *r)
{
	return am_aring_open(r, 1, AM_ARING_S16, 2, 48000, 1024, 256, 768);
}

enum {
	SP_NONE, SP_MAGIC, SP_VERSION, SP_FORMAT, SP_CHANNELS0,
	SP_CHANNELS65, SP_RATE_LOW, SP_RATE_HIGH, SP_CAP_ODD, SP_CAP_BIG,
	SP_CAP_SMALL, SP_LOW_HIGH, SP_HIGH_CAP, SP_DATA_OFF, SP_FRAME_BYTES,
	SP_COUNTERS, SP_COUNTERS_BACK, SP_UNSEALED, SP_GROWN, SP_SHORT,
	SP_NOT_MEMFD, SP_LAYOUT_BAD, SP_LAYOUT_TWICE, SP_LAYOUT_PAST,
	SP_LAYOUT_ZERO, SP_LAYOUT_GAP, SP_LAYOUT_OK
};

struct spoil_row {
	int spoil;
	int rc;
	const char *msg;	/* part of the error message */
};

static const struct spoil_row spoil_rows[] = {
	{ SP_NONE,		0,		"" },
	{ SP_MAGIC,		-EPROTO,	"bad magic" },
	{ SP_VERSION,		-EPROTO,	"version" },
	{ SP_FORMAT,		-EINVAL,	"sample format" },
	{ SP_CHANNELS0,		-EINVAL,	"0 channels" },
	{ SP_CHANNELS65,	-EINVAL,	"65 channels (1 to 64)" },
	{ SP_RATE_LOW,		-EINVAL,	"rate 7999" },
	{ SP_RATE_HIGH,		-EINVAL,	"rate 192001" },
	{ SP_CAP_ODD,		-EINVAL,	"capacity 1000" },
	{ SP_CAP_BIG,		-EINVAL,	"capacity 2097152" },
	{ SP_CAP_SMALL,		-EINVAL,	"capacity 32" },
	{ SP_LOW_HIGH,		-EINVAL,	"watermarks" },
	{ SP_HIGH_CAP,		-EINVAL,	"watermarks" },
	{ SP_DATA_OFF,		-EINVAL,	"data offset" },
	{ SP_FRAME_BYTES,	-EINVAL,	"frame size" },
	{ SP_COUNTERS,		-EPROTO,	"counters" },
	{ SP_COUNTERS_BACK,	-EPROTO,	"counters" },
	{ SP_UNSEALED,		-EINVAL,	"F_SEAL_SHRINK" },
	{ SP_GROWN,		-EINVAL,	"its header says" },
	{ SP_SHORT,		-EINVAL,	"less than its header" },
	{ SP_NOT_MEMFD,		-EINVAL,	"not a memfd" },
	{ SP_LAYOUT_BAD,	-EINVAL,	"channel 2: no such position (40)" },
	{ SP_LAYOUT_TWICE,	-EINVAL,	"position FL twice" },
	{ SP_LAYOUT_PAST,	-EINVAL,	"for channel 3 of 2" },
	{ SP_LAYOUT_ZERO,	-EINVAL,	"no such position (0)" },
	{ SP_LAYOUT_GAP,	-EINVAL,	"no such position (128)" },
	{ SP_LAYOUT_OK,		0,		"" },
};

/* An unsealed memfd of len bytes holding a copy of h. */
static int
unsealed(const struct am_aring_hdr *h, size_t len)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)len) < 0 ||
	    pwrite(fd, h, len < sizeof(*h) ? len : sizeof(*h), 0) < 0)
		return -1;
	return fd;
}

/* The descriptor of a ring spoilt as row says; r stays the client's. */
static int
spoilt(struct am_aring *r, int spoil)
{
	struct am_aring_hdr *h = r->hdr;
	int fd;

	switch (spoil) {
	case SP_MAGIC:		h->magic ^= 1; break;
	case SP_VERSION:	h->version = 2; break;
	case SP_FORMAT:		h->format = 4; break;
	case SP_CHANNELS0:	h->channels = 0; break;
	case SP_CHANNELS65:	h->channels = 65; break;
	case SP_RATE_LOW:	h->rate = 7999; break;
	case SP_RATE_HIGH:	h->rate = 192001; break;
	case SP_CAP_ODD:	h->capacity = 1000; break;
	case SP_CAP_BIG:	h->capacity = 1U << 21; break;
	case SP_CAP_SMALL:	h->capacity = 32; break;
	case SP_LOW_HIGH:	h->low = 769; break;
	case SP_HIGH_CAP:	h->high = 1025; break;
	case SP_DATA_OFF:	h->data_off = 256; break;
	case SP_FRAME_BYTES:	h->frame_bytes = 2; break;
	case SP_COUNTERS:	atomic_store(&h->wr, 1025); break;
	case SP_COUNTERS_BACK:	atomic_store(&h->rd, 5); break;
	case SP_LAYOUT_BAD:	h->layout[0] = AM_POS_FL;
				h->layout[1] = 40; break;
	case SP_LAYOUT_TWICE:	h->layout[0] = h->layout[1] = AM_POS_FL; break;
	case SP_LAYOUT_PAST:	h->layout[0] = AM_POS_FL;
				h->layout[1] = AM_POS_FR;
				h->layout[2] = AM_POS_FC; break;
	case SP_LAYOUT_ZERO:	h->layout[1] = AM_POS_FR; break;
	case SP_LAYOUT_GAP:	h->layout[0] = AM_POS_FL;
				h->layout[1] = AM_POS_END; break;
	case SP_LAYOUT_OK:	h->layout[0] = AM_POS_RL;
				h->layout[1] = AM_POS_AUX0 + 63; break;
	case SP_UNSEALED:
		return unsealed(h, r->maplen);
	case SP_GROWN:
		fd = unsealed(h, r->maplen + 4096);
		if (fd >= 0)
			fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
		return fd;
	case SP_SHORT:
		fd = unsealed(h, 100);
		if (fd >= 0)
			fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
		return fd;
	case SP_NOT_MEMFD:
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	return dup(r->fd);
}

/*
 * Rings of 1 to 64 channels: sizes (frames x channels x sample), the
 * default layouts, a layout set by the client read back by the engine;
 * 0 and 65 channels refused by open.
 */
static void
test_attach_channels(void)
{
	static const uint32_t chs[] = { 1, 3, 6, 8, 16, 64 };
	struct am_aring c, e;
	struct am_layout l;
	char err[256];
	size_t i;
	int fd;

	for (i = 0; i < AM_NELEM(chs); i++) {
		ok(am_aring_open(&c, 1, AM_ARING_S24, chs[i], 48000,
		    AM_ARING_CAP_MAX, 0, 64) == 0, "%u channels: open",
		    chs[i]);
		is_int(c.maplen, AM_ARING_HDR + (size_t)AM_ARING_CAP_MAX *
		    chs[i] * 3, "%u channels: size", chs[i]);
		am_layout_default(&l, chs[i]);
		if (chs[i] == 8) {	/* a relabelled 7.1: sides first */
			l.pos[4] = AM_POS_SL;
			l.pos[5] = AM_POS_SR;
			l.pos[6] = AM_POS_RL;
			l.pos[7] = AM_POS_RR;
		}
		ok(am_aring_set_layout(&c, &l) == 0, "%u: set layout",
		    chs[i]);
		fd = dup(c.fd);
		err[0] = '\0';
		is_int(am_aring_attach(&e, fd, 0, err, sizeof(err)), 0,
		    "%u channels: attach: %s", chs[i], err);
		is_int(e.channels, chs[i], "%u: channels", chs[i]);
		is_int(e.fbytes, chs[i] * 3, "%u: frame bytes", chs[i]);
		ok(am_layout_eq(&e.layout, &l), "%u: layout read back",
		    chs[i]);
		am_aring_detach(&e);
		close(fd);
		l.n = (uint8_t)(chs[i] == 1 ? 2 : chs[i] - 1);
		is_int(am_aring_set_layout(&c, &l), -EINVAL,
		    "%u: a layout of other channels refused", chs[i]);
		am_aring_close(&c);
	}
	is_int(am_aring_open(&c, 1, AM_ARING_F32, 0, 48000, 1024, 0, 10),
	    -EINVAL, "open refuses 0 channels");
	is_int(am_aring_open(&c, 1, AM_ARING_F32, 65, 48000, 1024, 0, 10),
	    -EINVAL, "open refuses 65 channels");
}

static void
test_attach(void)
{
	struct am_aring c, e;
	char err[256];
	size_t i;
	int fd, rc;

	for (i = 0; i < AM_NELEM(spoil_rows); i++) {
		ok(good(&c) == 0, "row %zu: a good ring", i);
		fd = spoilt(&c, spoil_rows[i].spoil);
		err[0] = '\0';
		rc = am_aring_attach(&e, fd, 0, err, sizeof(err));
		is_int(rc, spoil_rows[i].rc, "row %zu: attach: %s", i, err);
		ok(strstr(err, spoil_rows[i].msg) != NULL,
		    "row %zu: message '%s' names '%s'", i, err,
		    spoil_rows[i].msg);
		if (rc == 0) {
			is_int(e.cap, 1024, "row %zu: capacity", i);
			is_int(e.fbytes, 4, "row %zu: frame bytes", i);
			is_int(e.low, 256, "row %zu: low", i);
			is_int(e.layout.n, 2, "row %zu: layout of 2", i);
			is_int(e.layout.pos[0], spoil_rows[i].spoil ==
			    SP_LAYOUT_OK ? AM_POS_RL : AM_POS_FL,
			    "row %zu: first position", i);
			/* Geometry is private: a rewrite changes nothing. */
			c.hdr->capacity = 1U << 20;
			c.hdr->frame_bytes = 1;
			is_int(e.cap, 1024, "row %zu: copy kept", i);
			am_aring_detach(&e);
		} else
			ok(e.hdr == NULL, "row %zu: nothing mapped", i);
		close(fd);
		am_aring_close(&c);
	}
	test_attach_channels();
	is_int(am_aring_open(&c, 1, AM_ARING_F32, 2, 48000, 1000, 0, 10),
	    -EINVAL, "open refuses a capacity that is no power of two");
	is_int(am_aring_open(&c, 1, 7, 2, 48000, 1024, 0, 10), -EINVAL,
	    "open refuses an unknown format");
	is_int(am_aring_open(&c, 1, AM_ARING_F32, 2, 48000, 1024, 11, 10),
	    -EINVAL, "open refuses low above high");
}

/* Hostile counters: values the client writes, what the engine sees. */
struct counter_row {
	int producer;		/* the engine's side */
	uint64_t own;		/* the engine's counter */
	uint64_t peer;		/* what the client wrote */
	int rc;
	uint32_t frames;	/* readable or writable */
};

#define BIG	0xfffffffffffffff0ULL

static const struct counter_row counter_rows[] = {
	/* engine consumes (app_source): peer is wr */
	{ 0, 0,		0,		0,	0 },
	{ 0, 0,		1,		0,	1 },
	{ 0, 0,		1024,		0,	1024 },
	{ 0, 0,		1025,		-EPROTO, 0 },	/* beyond capacity */
	{ 0, 100,	99,		-EPROTO, 0 },	/* behind rd */
	{ 0, 100,	0,		-EPROTO, 0 },	/* reset to 0 */
	{ 0, 0,		UINT64_MAX,	-EPROTO, 0 },
	{ 0, BIG,	BIG + 1024,	0,	1024 },
	{ 0, BIG,	BIG + 1000,	0,	1000 },	/* across 2^64 */
	{ 0, BIG,	BIG + 1040,	-EPROTO, 0 },
	{ 0, UINT64_MAX, 1023,		0,	1024 },
	{ 0, UINT64_MAX, 1024,		-EPROTO, 0 },
	/* engine produces (app_sink): peer is rd */
	{ 1, 0,		0,		0,	1024 },
	{ 1, 1024,	0,		0,	0 },
	{ 1, 1024,	1,		0,	1 },
	{ 1, 1024,	1025,		-EPROTO, 0 },	/* read past wr */
	{ 1, 5000,	0,		-EPROTO, 0 },	/* far behind */
	{ 1, 0,		UINT64_MAX,	0,	1023 },	/* across 2^64 */
	{ 1, 0,		5,		-EPROTO, 0 },
};

static void
test_counters(void)
{
	const struct counter_row *row;
	struct am_aring c, e;
	char err[256];
	uint32_t n;
	size_t i;
	int rc;

	for (i = 0; i < AM_NELEM(counter_rows); i++) {
		row = &counter_rows[i];
		if (good(&c) != 0 ||
		    am_aring_attach(&e, c.fd, row->producer, err,
		    sizeof(err)) != 0) {
			ok(0, "row %zu: set-up: %s", i, err);
			continue;
		}
		e.own = row->own;
		atomic_store(row->producer ? &c.hdr->rd : &c.hdr->wr,
		    row->peer);
		n = 12345;
		rc = am_aring_avail(&e, &n);
		is_int(rc, row->rc, "row %zu: avail", i);
		is_int(n, row->frames, "row %zu: frames", i);
		if (rc < 0) {
			am_aring_resync(&e);
			is_int(e.own, row->peer, "row %zu: resync takes the "
			    "peer's counter", i);
			is_int(atomic_load(row->producer ? &c.hdr->wr :
			    &c.hdr->rd), row->peer, "row %zu: and publishes it",
			    i);
			rc = am_aring_avail(&e, &n);
			ok(rc == 0 && n == (row->producer ? 1024U : 0U),
			    "row %zu: then the ring is %s", i, row->producer ?
			    "free" : "empty");
		}
		am_aring_detach(&e);
		am_aring_close(&c);
	}
}

/* Transfers through a 64-frame ring: n in, m out, from position pos. */
struct xfer_row {
	uint64_t pos;
	uint32_t in, out;
	uint32_t wrote, read;
};

static const struct xfer_row xfer_rows[] = {
	{ 0,	10,	10,	10,	10 },
	{ 60,	10,	10,	10,	10 },	/* across the wrap */
	{ 0,	64,	64,	64,	64 },
	{ 0,	100,	100,	64,	64 },	/* full */
	{ 63,	64,	1,	64,	1 },
	{ 30,	0,	5,	0,	0 },	/* empty */
	{ UINT64_MAX - 3, 10, 10, 10,	10 },	/* counter wraps */
};

static void
test_xfer(void)
{
	const struct xfer_row *row;
	unsigned char in[64 * 3 * 2], out[64 * 3 * 2];
	struct am_aring c, e;
	char err[256];
	size_t i, k;

	for (i = 0; i < AM_NELEM(xfer_rows); i++) {
		row = &xfer_rows[i];
		for (k = 0; k < sizeof(in); k++)
			in[k] = (unsigned char)(k * 7 + i);
		memset(out, 0, sizeof(out));
		if (am_aring_open(&c, 1, AM_ARING_S24, 2, 48000, 64, 0, 64) ||
		    am_aring_attach(&e, c.fd, 0, err, sizeof(err))) {
			ok(0, "row %zu: set-up", i);
			continue;
		}
		c.own = e.own = row->pos;
		atomic_store(&c.hdr->wr, row->pos);
		atomic_store(&c.hdr->rd, row->pos);
		is_int(am_aring_write(&c, in, row->in, 7), row->wrote,
		    "row %zu: wrote", i);
		is_int(am_aring_read(&e, out, row->out), row->read,
		    "row %zu: read", i);
		ok(memcmp(in, out, (size_t)row->read * 6) == 0,
		    "row %zu: the bytes came through", i);
		is_int(atomic_load(&c.hdr->stamp_ns), row->wrote ? 7 : 0,
		    "row %zu: write stamped", i);
		am_aring_detach(&e);
		am_aring_close(&c);
	}
}

static void
test_wake(void)
{
	struct am_aring c, e;
	char err[256];

	good(&c);
	am_aring_attach(&e, c.fd, 0, err, sizeof(err));
	ok(!am_aring_wake_due(&e, 1), "nobody waits: no wake-up");
	atomic_store(&c.hdr->waiting, 1);
	ok(!am_aring_wake_due(&e, 0), "level not reached: no wake-up");
	ok(am_aring_wake_due(&e, 1), "waiting and level: wake");
	ok(!am_aring_wake_due(&e, 1), "one wake-up per sleep");
	is_int(atomic_load(&c.hdr->waiting), 0, "the flag is taken");
	am_aring_detach(&e);
	am_aring_close(&c);
}

/* Stress: frames of 6 bytes carrying a sequence number. */
struct stress {
	struct am_aring *r;
	uint64_t n;
	uint64_t bad;
};

static void
frame_put(unsigned char *p, uint64_t seq)
{
	int i;

	for (i = 0; i < 6; i++)
		p[i] = (unsigned char)(seq >> (8 * i)) ^ 0x5a;
}

static uint64_t
frame_get(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v |= (uint64_t)(p[i] ^ 0x5a) << (8 * i);
	return v;
}

static void *
stress_producer(void *arg)
{
	struct stress *s = arg;
	unsigned char buf[97 * 6];
	uint64_t seq = 0;
	uint32_t chunk = 1, k, w;

	while (seq < s->n) {
		k = chunk;
		if (k > s->n - seq)
			k = (uint32_t)(s->n - seq);
		for (w = 0; w < k; w++)
			frame_put(buf + w * 6, seq + w);
		w = am_aring_write(s->r, buf, k, seq + 1);
		seq += w;
		chunk = chunk % 97 + 1;
		if (w == 0)
			sched_yield();
	}
	return NULL;
}

static void *
stress_consumer(void *arg)
{
	struct stress *s = arg;
	unsigned char buf[89 * 6];
	uint64_t seq = 0;
	uint32_t chunk = 1, k, i;

	while (seq < s->n) {
		k = am_aring_read(s->r, buf, chunk);
		for (i = 0; i < k; i++) {
			if (frame_get(buf + i * 6) != ((seq + i) &
			    0xffffffffffffULL))
				s->bad++;
		}
		seq += k;
		chunk = chunk % 89 + 1;
		if (k == 0)
			sched_yield();
	}
	return NULL;
}

static void
test_stress(void)
{
	struct am_aring c, e;
	struct stress p, q;
	pthread_t tp, tq;
	const char *env = getenv("T_ARING_N");
	char err[256];
	uint64_t n = env != NULL ? strtoull(env, NULL, 10) : 5000000;

	if (am_aring_open(&c, 1, AM_ARING_S24, 2, 48000, 128, 0, 128) ||
	    am_aring_attach(&e, c.fd, 0, err, sizeof(err))) {
		ok(0, "stress set-up: %s", err);
		return;
	}
	p.r = &c;
	q.r = &e;
	p.n = q.n = n;
	p.bad = q.bad = 0;
	pthread_create(&tp, NULL, stress_producer, &p);
	pthread_create(&tq, NULL, stress_consumer, &q);
	pthread_join(tp, NULL);
	pthread_join(tq, NULL);
	is_int(q.bad, 0, "stress: %llu frames of 6 bytes in sequence",
	    (unsigned long long)n);
	is_int(atomic_load(&c.hdr->wr), n, "stress: all written");
	is_int(atomic_load(&c.hdr->rd), n, "stress: all read");
	am_aring_detach(&e);
	am_aring_close(&c);
}

int
main(void)
{
	test_attach();
	test_counters();
	test_xfer();
	test_wake();
	test_stress();
	return t_done();
}
