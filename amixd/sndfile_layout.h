/* SPDX-License-Identifier: MIT */
#ifndef SNDFILE_LAYOUT_H
#define SNDFILE_LAYOUT_H

#include <sndfile.h>

struct am_layout;

/*
 * Channel layouts of sound files through libsndfile (sndfile_layout.c):
 * read a file's channel map (a WAVE_FORMAT_EXTENSIBLE mask, an AIFF or
 * CAF layout) as an am_layout, and give a file being written the map
 * of a layout. Control thread, or a file node's own thread.
 */
int sndfile_layout_get(SNDFILE *sf, int channels, struct am_layout *l,
    char *note, size_t notelen);
int sndfile_layout_set(SNDFILE *sf, const struct am_layout *l);

#endif /* !defined(SNDFILE_LAYOUT_H) */
