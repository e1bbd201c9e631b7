/* SPDX-License-Identifier: MIT */
#ifndef APP_CONV_H
#define APP_CONV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "afmt.h"
#include "aring.h"

/* RT: one sample of format at p as float (lib/afmt); f32 made sane. */
static inline float
app_conv_get(uint32_t format, const unsigned char *p)
{
	float x = am_afmt_get((int)format, p);

	return format == AM_ARING_F32 ? am_afmt_sane(x, AM_ARING_F32_MAX) : x;
}

/*
 * RT: one float as a sample of format at p: f32 as it is (overs kept,
 * as in a float file), integers through lib/afmt, s16 dithered where
 * not exact from the generator at seed.
 */
static inline void
app_conv_put(uint32_t format, float x, unsigned char *p, uint32_t *seed)
{
	if (format == AM_ARING_F32)
		memcpy(p, &x, sizeof(x));
	else
		am_afmt_put((int)format, p, x, format == AM_ARING_S16 ?
		    seed : NULL);
}

void app_conv_in(const struct am_aring *r, const unsigned char *src,
    float *dst, uint32_t n);
void app_conv_out(const struct am_aring *r, uint32_t *seed,
    const float *src, unsigned char *dst, uint32_t n);
int app_conv_layout(const struct am_aring *r, const char *s,
    struct am_layout *l, char *err, size_t errlen);
void app_conv_adapt(float *dst, uint32_t dch, const float *src,
    uint32_t sch, uint32_t n);

#endif /* !defined(APP_CONV_H) */
