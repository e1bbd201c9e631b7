/* SPDX-License-Identifier: MIT */
#ifndef APP_CONV_H
#define APP_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "aring.h"

void app_conv_in(const struct am_aring *r, const unsigned char *src,
    float *dst, uint32_t n);
void app_conv_out(const struct am_aring *r, uint32_t *seed,
    const float *src, unsigned char *dst, uint32_t n);
int app_conv_layout(const struct am_aring *r, const char *s,
    struct am_layout *l, char *err, size_t errlen);
void app_conv_adapt(float *dst, uint32_t dch, const float *src,
    uint32_t sch, uint32_t n);

#endif /* !defined(APP_CONV_H) */
