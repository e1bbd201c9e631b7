/* SPDX-License-Identifier: MIT */
/*
 * Channel layouts of sound files, through libsndfile's channel maps.
 *
 * Reading: libsndfile gives a position per channel (SF_CHANNEL_MAP_*)
 * when the file says them: a WAV's WAVE_FORMAT_EXTENSIBLE dwChannelMask
 * (one channel per set bit, in bit order), an AIFF's or a CAF's channel
 * layout. They become amixd's positions (ALSA's chmap names, lib/
 * chlayout.h) by the table below. A channel the map leaves without a
 * position (a mask with fewer bits than channels, an ambisonic B-format
 * component) is AUX<its index>. A map naming no position at all (a
 * mask of reserved bits only), like a file that says no map (a plain
 * WAV, a mask of 0, FLAC, whose channel order is fixed by its count),
 * plays in the default layout for its count, which is FLAC's and
 * WAVE's; so does a single channel, mono whatever its map says, as
 * am_layout_from_mask has it. A map naming one position twice (an AIFF
 * with both "Left" and "Front Left") is not trusted: the default
 * layout, and a note saying why.
 *
 * Writing: a layout whose every channel has a WAVE mask bit
 * (am_layout_to_mask: positions of the mask's eighteen, in bit order)
 * is handed to libsndfile as the map of those bits, which its WAV,
 * RF64 and W64 writers turn back into the same mask. Any other layout
 * (AUX channels, positions with no bit or out of order) leaves the map
 * alone: libsndfile then writes its default mask for the count (0x4,
 * 0x3, 0x33, 0x3F, 0xFF for 1, 2, 4, 6, 8 channels, else 0), having no
 * way to write "no positions" for those counts; file_sink_fixup
 * (file_sink_writer.c) puts the right mask in once the file is closed.
 *
 * Control thread, or a file node's own thread; never the real-time one.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <sndfile.h>

#include "chlayout.h"
#include "sndfile_layout.h"

/* libsndfile's position -> amixd's, 0 for none. */
static const uint8_t sndfile_layout_pos[SF_CHANNEL_MAP_MAX] = {
	[SF_CHANNEL_MAP_MONO] = AM_POS_MONO,
	[SF_CHANNEL_MAP_LEFT] = AM_POS_FL,
	[SF_CHANNEL_MAP_RIGHT] = AM_POS_FR,
	[SF_CHANNEL_MAP_CENTER] = AM_POS_FC,
	[SF_CHANNEL_MAP_FRONT_LEFT] = AM_POS_FL,
	[SF_CHANNEL_MAP_FRONT_RIGHT] = AM_POS_FR,
	[SF_CHANNEL_MAP_FRONT_CENTER] = AM_POS_FC,
	[SF_CHANNEL_MAP_REAR_CENTER] = AM_POS_RC,
	[SF_CHANNEL_MAP_REAR_LEFT] = AM_POS_RL,
	[SF_CHANNEL_MAP_REAR_RIGHT] = AM_POS_RR,
	[SF_CHANNEL_MAP_LFE] = AM_POS_LFE,
	[SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER] = AM_POS_FLC,
	[SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER] = AM_POS_FRC,
	[SF_CHANNEL_MAP_SIDE_LEFT] = AM_POS_SL,
	[SF_CHANNEL_MAP_SIDE_RIGHT] = AM_POS_SR,
	[SF_CHANNEL_MAP_TOP_CENTER] = AM_POS_TC,
	[SF_CHANNEL_MAP_TOP_FRONT_LEFT] = AM_POS_TFL,
	[SF_CHANNEL_MAP_TOP_FRONT_RIGHT] = AM_POS_TFR,
	[SF_CHANNEL_MAP_TOP_FRONT_CENTER] = AM_POS_TFC,
	[SF_CHANNEL_MAP_TOP_REAR_LEFT] = AM_POS_TRL,
	[SF_CHANNEL_MAP_TOP_REAR_RIGHT] = AM_POS_TRR,
	[SF_CHANNEL_MAP_TOP_REAR_CENTER] = AM_POS_TRC,
};

/* The WAVE mask's bits, low to high, as libsndfile names them. */
static const int sndfile_layout_bits[] = {
	SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_CENTER,
	SF_CHANNEL_MAP_LFE, SF_CHANNEL_MAP_REAR_LEFT,
	SF_CHANNEL_MAP_REAR_RIGHT, SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER,
	SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER, SF_CHANNEL_MAP_REAR_CENTER,
	SF_CHANNEL_MAP_SIDE_LEFT, SF_CHANNEL_MAP_SIDE_RIGHT,
	SF_CHANNEL_MAP_TOP_CENTER, SF_CHANNEL_MAP_TOP_FRONT_LEFT,
	SF_CHANNEL_MAP_TOP_FRONT_CENTER, SF_CHANNEL_MAP_TOP_FRONT_RIGHT,
	SF_CHANNEL_MAP_TOP_REAR_LEFT, SF_CHANNEL_MAP_TOP_REAR_CENTER,
	SF_CHANNEL_MAP_TOP_REAR_RIGHT
};

/*
 * The layout of sf's channels (1..AM_CH_MAX) into l. Returns 1 when
 * the file names positions, 0 for the default layout of its count;
 * note says why when the file's map was not used ("" otherwise).
 * -EINVAL for a channel count out of range.
 */
int
sndfile_layout_get(SNDFILE *sf, int channels, struct am_layout *l,
    char *note, size_t notelen)
{
	int map[AM_CH_MAX];
	uint64_t seen[2] = { 0, 0 };
	int i, p, named = 0;

	note[0] = '\0';
	if (channels < 1 || channels > AM_CH_MAX)
		return -EINVAL;
	/* One channel is mono whatever it says (chlayout.c). */
	if (channels == 1 || sf_command(sf, SFC_GET_CHANNEL_MAP_INFO, map,
	    channels * (int)sizeof(map[0])) != SF_TRUE)
		return am_layout_default(l, (unsigned)channels);
	l->n = (uint8_t)channels;
	for (i = 0; i < channels; i++) {
		p = map[i] > 0 && map[i] < SF_CHANNEL_MAP_MAX ?
		    sndfile_layout_pos[map[i]] : 0;
		if (p == 0)
			p = AM_POS_AUX0 + i;
		else
			named++;
		if (seen[p / 64] & (uint64_t)1 << (p % 64)) {
			snprintf(note, notelen, "its channel map names %s "
			    "twice: default layout", am_pos_name(p));
			return am_layout_default(l, (unsigned)channels);
		}
		seen[p / 64] |= (uint64_t)1 << (p % 64);
		l->pos[i] = (uint8_t)p;
	}
	/* No position at all (a mask of reserved bits): as mask 0. */
	if (named == 0)
		return am_layout_default(l, (unsigned)channels);
	return 1;
}

/*
 * Before any audio is written: give sf the channel map of l when l has
 * a WAVE mask. 0, or -EINVAL when it has none (sf is left as it was).
 */
int
sndfile_layout_set(SNDFILE *sf, const struct am_layout *l)
{
	int map[AM_CH_MAX];
	uint32_t mask = am_layout_to_mask(l);
	unsigned b, k = 0;

	if (mask == 0)
		return -EINVAL;
	for (b = 0; b < sizeof(sndfile_layout_bits) /
	    sizeof(sndfile_layout_bits[0]) && k < l->n; b++)
		if (mask & (uint32_t)1 << b)
			map[k++] = sndfile_layout_bits[b];
	if (k != l->n)
		return -EINVAL;
	sf_command(sf, SFC_SET_CHANNEL_MAP_INFO, map, (int)(k *
	    sizeof(map[0])));
	return 0;
}
