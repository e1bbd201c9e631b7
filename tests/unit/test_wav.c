/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/wav.c: am_put_le's byte order at every width, and
 * am_wav_header's two layouts byte for byte against hand-written
 * tables (16-bit PCM stereo at 44.1 kHz, 44 bytes; float stereo at 48
 * kHz with its fact chunk, 58 bytes, the header amcat writes), an odd
 * data size counting its pad byte, an endless stream and one too long
 * for 32-bit sizes (0xffffffff in every size).
 */

#include <endian.h>
#include <stdint.h>
#include <string.h>

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
	return t_done();
}
