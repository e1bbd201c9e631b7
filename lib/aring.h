/* SPDX-License-Identifier: MIT */
#ifndef AM_ARING_H
#define AM_ARING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "chlayout.h"

/*
 * App ring: a sealed memfd shared by a client and the engine, holding
 * this header followed by capacity frames of interleaved little-endian
 * samples. Counters are free-running 64-bit frame counts; the producer
 * owns wr, the consumer owns rd, each on its own cache line. See
 * lib/aring.c for the rules, amixd(7) for the protocol side.
 */
#define AM_ARING_MAGIC		0x474e5241	/* "ARNG", little-endian */
#define AM_ARING_VERSION	1
#define AM_ARING_HDR		512		/* bytes before the samples */
#define AM_ARING_CAP_MIN	64		/* frames */
#define AM_ARING_CAP_MAX	(1U << 20)	/* frames, ~21 s at 48 kHz */
#define AM_ARING_RATE_MIN	8000		/* Hz */
#define AM_ARING_RATE_MAX	192000		/* Hz */
#define AM_ARING_CHAN_MAX	AM_CH_MAX	/* 64 */
#define AM_ARING_F32_MAX	64.0f		/* |f32 sample| clamp, +36 dB */

/* Sample formats, little-endian; s24 is packed in 3 bytes. */
#define AM_ARING_S16	0
#define AM_ARING_S24	1
#define AM_ARING_S32	2
#define AM_ARING_F32	3
#define AM_ARING_NFMT	4

struct am_aring_hdr {
	/* Geometry: written once by the creator, before sharing. */
	uint32_t magic;			/* AM_ARING_MAGIC */
	uint32_t version;		/* AM_ARING_VERSION */
	uint32_t format;		/* AM_ARING_S16 ... */
	uint32_t channels;		/* 1 to AM_ARING_CHAN_MAX */
	uint32_t rate;			/* Hz */
	uint32_t capacity;		/* frames, power of 2 */
	uint32_t low;			/* frames: wake the client at or below */
	uint32_t high;			/* frames: a producer waits above */
	uint32_t data_off;		/* bytes: AM_ARING_HDR */
	uint32_t frame_bytes;		/* bytes: channels * sample size */
	char pad0[24];
	/* Producer's line. */
	_Atomic uint64_t wr;		/* frames written */
	_Atomic uint64_t stamp_wr;	/* wr as of stamp_ns */
	_Atomic uint64_t stamp_ns;	/* CLOCK_MONOTONIC of the last write */
	_Atomic uint32_t eof;		/* producer will write no more */
	char pad1[36];
	/* Consumer's line. */
	_Atomic uint64_t rd;		/* frames read */
	char pad2[56];
	/* The client's line: set before it sleeps on its wake-up. */
	_Atomic uint32_t waiting;
	_Atomic uint32_t paused;	/* nonzero: the engine pauses us */
	char pad3[56];
	/* The engine's line: what it tells the client. */
	_Atomic uint64_t xruns;		/* frames: underruns or overruns */
	_Atomic uint64_t faults;	/* counters found out of range */
	_Atomic uint32_t closed;	/* the engine let go of the ring */
	/* Presentation: frame play_rd is heard at play_ns (under play_seq). */
	_Atomic uint32_t play_seq;	/* odd while the two change */
	_Atomic uint64_t play_rd;	/* frames: a consumer count */
	_Atomic uint64_t play_ns;	/* CLOCK_MONOTONIC; 0: not known */
	char pad4[24];
	/*
	 * Geometry too (the creator's, before sharing): the position of
	 * each channel (enum am_pos, lib/chlayout.h), pos[0..channels).
	 * All zero: the default layout of that many channels.
	 */
	uint8_t layout[AM_ARING_CHAN_MAX];
	char reserved[AM_ARING_HDR - 384];
};

/*
 * One side's view of a ring. Geometry is copied out of the header when
 * the ring is opened or attached and never read from it again; own is
 * this side's counter, kept here and only published to the header;
 * peer is the other side's counter as last loaded (hostile).
 */
struct am_aring {
	struct am_aring_hdr *hdr;	/* shared mapping */
	unsigned char *data;		/* cap * fbytes bytes */
	size_t maplen;			/* bytes */
	int fd;				/* memfd, or -1 */
	int producer;			/* this side writes */
	uint32_t format, channels, rate;
	uint32_t cap, mask;		/* frames */
	uint32_t low, high;		/* frames */
	uint32_t fbytes;		/* bytes a frame */
	struct am_layout layout;	/* the channels' positions */
	uint64_t own;			/* our counter: wr or rd */
	uint64_t peer;			/* theirs, last load */
};

extern const char *const am_aring_formats[];	/* NULL-terminated */

uint32_t am_aring_sample_bytes(uint32_t format);
int am_aring_open(struct am_aring *r, int producer, uint32_t format,
    uint32_t channels, uint32_t rate, uint32_t cap, uint32_t low,
    uint32_t high);
void am_aring_close(struct am_aring *r);
int am_aring_set_layout(struct am_aring *r, const struct am_layout *l);
int am_aring_layout_check(const uint8_t *pos, uint32_t channels,
    struct am_layout *l, char *err, size_t errlen);
int am_aring_attach(struct am_aring *r, int fd, int producer, char *err,
    size_t errlen);
void am_aring_detach(struct am_aring *r);
int am_aring_avail(struct am_aring *r, uint32_t *frames);
uint32_t am_aring_region(struct am_aring *r, uint32_t off, uint32_t n,
    unsigned char **p);
void am_aring_advance(struct am_aring *r, uint32_t n, uint64_t now_ns);
void am_aring_resync(struct am_aring *r);
int am_aring_wake_due(struct am_aring *r, int cond);
uint32_t am_aring_write(struct am_aring *r, const void *buf, uint32_t n,
    uint64_t now_ns);
uint32_t am_aring_read(struct am_aring *r, void *buf, uint32_t n);
void am_aring_play_stamp(struct am_aring *r, uint64_t rd, uint64_t ns);
int am_aring_play_ns(const struct am_aring *r, uint64_t frame,
    uint64_t *ns);

#endif /* !defined(AM_ARING_H) */
