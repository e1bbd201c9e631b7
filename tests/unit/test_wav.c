/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/wav.c: am_put_le's byte order at every width, and
 * am_wav_header's two layouts byte for byte against hand-written
 * tables (16-bit PCM stereo at 44.1 kHz, 44 bytes; float stereo at 48
 * kHz with its fact chunk, 58 bytes, the header amcat writes), an odd
 * data size counting its pad byte, an endless stream and one too long
 * for 32-bit sizes (0xffffffff in every size); and the extensible
 * header (more than two channels, or other positions) byte for byte for
 * 5.1 float, with its sizes and masks for 8 s16, 16 AUX channels and a
 * relabelled pair.
 */

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include "chlayout.h"
#include "t.h"
#include "wav.h"

static const unsigned char pcm16[44] = {
	'R', 'I', 'F', 'F', 0x28, 0x00, 0x01, 0x00,	/* 36 + 65540 */
	'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
	16, 0, 0, 0, 1, 0, 2, 0,			/* PCM, stereo */
	0x44, 0xac, 0, 0, 0x10, 0xb1, 0x02, 0,		/* 44100, 176400 */
	4, 0, 16, 0,					/* align, bits */
	'd', 'a', 't', 'a', 0x04, 0x00, 0x01, 0x00,	/* 65540 bytes */
};

static const unsigned char f32[58] = {
	'R', 'I', 'F', 'F', 0x32 + 80, 0x00, 0x00, 0x00,	/* 50 + 80 */
	'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
	18, 0, 0, 0, 3, 0, 2, 0,			/* float, stereo */
	0x80, 0xbb, 0, 0, 0x00, 0xdc, 0x05, 0,		/* 48000, 384000 */
	8, 0, 32, 0, 0, 0,				/* align, bits, cb */
	'f', 'a', 'c', 't', 4, 0, 0, 0, 10, 0, 0, 0,	/* 10 frames */
	'd', 'a', 't', 'a', 80, 0, 0, 0,
};

/* 5.1 float at 48 kHz, 10 frames: the extensible header amtone writes. */
static const unsigned char f32_51[80] = {
	'R', 'I', 'F', 'F', 0x38, 0x01, 0x00, 0x00,	/* 72 + 240 = 312 */
	'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
	40, 0, 0, 0, 0xfe, 0xff, 6, 0,			/* ext, 6 ch */
	0x80, 0xbb, 0, 0, 0x00, 0x94, 0x11, 0,		/* 48000, 1152000 */
	24, 0, 32, 0, 22, 0, 32, 0,			/* align, bits, cb, valid */
	0x3f, 0, 0, 0,					/* FL FR FC LFE BL BR */
	3, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71,
							/* KSDATAFORMAT_SUBTYPE_IEEE_FLOAT */
	'f', 'a', 'c', 't', 4, 0, 0, 0, 10, 0, 0, 0,	/* 10 frames */
	'd', 'a', 't', 'a', 240, 0, 0, 0,
};

/* Extensible headers: 8 and 16 channels, and a pair swapped. */
static void
t_ext(void)
{
	unsigned char b[AM_WAV_HDR_MAX];
	struct am_layout l;
	uint32_t mask, data;
	uint16_t tag;
	char err[64];

	is_int(am_wav_header(b, 48000, 6, 4, 1, 10, 0), 80, "5.1 float: 80");
	ok(memcmp(b, f32_51, sizeof(f32_51)) == 0,
	    "5.1 float extensible header bytes");
	is_int(am_wav_header(b, 44100, 8, 2, 0, 100, 0), 68, "7.1 s16: 68");
	memcpy(&tag, b + 20, 2);
	memcpy(&mask, b + 40, 4);
	memcpy(&data, b + 64, 4);
	is_int(le16toh(tag), AM_WAV_EXT, "7.1: extensible");
	is_int(le32toh(mask), 0x63f, "7.1: mask FL FR FC LFE BL BR SL SR");
	is_int(le32toh(data), 1600, "7.1: 100 frames of 16 bytes");
	am_layout_default(&l, 16);
	am_wav_header_layout(b, 48000, &l, 3, 0, 1, 0);
	memcpy(&mask, b + 40, 4);
	is_int(le32toh(mask), 0, "16 AUX channels: no positions, mask 0");
	is_int(b[34], 24, "16 channels: 24 bits");
	am_layout_parse(&l, "FR,FL", err, sizeof(err));
	is_int(am_wav_header_layout(b, 48000, &l, 2, 0, 1, 0), 68,
	    "a swapped pair: extensible");
	memcpy(&mask, b + 40, 4);
	is_int(le32toh(mask), 0, "FR,FL: out of bit order, mask 0");
	am_layout_default(&l, 2);
	is_int(am_wav_header_layout(b, 48000, &l, 2, 0, 1, 0), 44,
	    "FL,FR: the plain header");
}

int
main(void)
{
	unsigned char b[AM_WAV_HDR_MAX], le[8];
	static const unsigned char want_le[8] = {
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01
	};
	uint32_t riff, data, fact;
	int n;

	for (n = 1; n <= 8; n++) {
		memset(le, 0xee, sizeof(le));
		am_put_le(le, 0x0102030405060708ULL, n);
		ok(memcmp(le, want_le, (size_t)n) == 0 &&
		    (n == 8 || le[n] == 0xee), "am_put_le, %d bytes", n);
	}
	is_int(am_wav_header(b, 44100, 2, 2, 0, 16385, 0), 44, "PCM: 44");
	ok(memcmp(b, pcm16, sizeof(pcm16)) == 0, "16-bit PCM header bytes");
	is_int(am_wav_header(b, 48000, 2, 4, 1, 10, 0), 58, "float: 58");
	ok(memcmp(b, f32, sizeof(f32)) == 0, "float header bytes");
	/* 3 frames of mono 24-bit: 9 data bytes and a pad in the riff. */
	am_wav_header(b, 8000, 1, 3, 0, 3, 0);
	memcpy(&riff, b + 4, 4);
	memcpy(&data, b + 40, 4);
	is_int(le32toh(riff), 36 + 9 + 1, "odd data: riff counts the pad");
	is_int(le32toh(data), 9, "odd data: data does not");
	am_wav_header(b, 48000, 2, 4, 1, 0, 1);
	memcpy(&riff, b + 4, 4);
	memcpy(&fact, b + 46, 4);
	memcpy(&data, b + 54, 4);
	ok(riff == 0xffffffff && fact == 0xffffffff && data == 0xffffffff,
	    "endless: every size 0xffffffff");
	am_wav_header(b, 48000, 2, 4, 1, 1ULL << 30, 0);
	memcpy(&riff, b + 4, 4);
	memcpy(&fact, b + 46, 4);
	memcpy(&data, b + 54, 4);
	ok(riff == 0xffffffff && data == 0xffffffff &&
	    le32toh(fact) == 1u << 30, "8 GiB: sizes 0xffffffff, frames kept");
	t_ext();
	return t_done();
}
