/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend's parameter negotiation, for one stream at a time.
 *
 * Open negotiates, for playback: interleaved access (read/write, else
 * mmap), the first sample format the device takes of f32, s32, s24 (in
 * 4 bytes), s24_3 (packed) and s16, the channel count nearest to the
 * one asked for (exactly when cfg->strict or a layout was asked, for
 * playback; 1 to 64), its channel map (alsa_chmap.c), the rate and the period (exactly when cfg->strict, else
 * the nearest the device offers) and a buffer of cfg->periods periods.
 * What was granted is written back into cfg. Capture, when asked for
 * ("capture", or a separate "capture_name"), must then run at the same
 * rate and period. The device's reasons (snd_strerror, and what
 * alsa-lib said) end up in the error message.
 *
 * Control thread only: nothing here runs once the real-time thread does.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alsa.h"
#include "chlayout.h"
#include "engine.h"
#include "util.h"

/*
 * alsa-lib's messages ("Unknown PCM x") while the control thread opens
 * a device are kept for the error reply; anywhere else (the real-time
 * thread) they are dropped, never printed.
 */
static _Thread_local char *backend_alsa_errbuf;
static _Thread_local size_t backend_alsa_errlen;

static void
backend_alsa_on_lib_error(const char *file, int line, const char *func, int err,
    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	(void)file;
	(void)line;
	(void)func;
	(void)err;
	if (backend_alsa_errbuf == NULL)
		return;
	n = strlen(backend_alsa_errbuf);
	if (n + 3 >= backend_alsa_errlen)
		return;
	if (n > 0) {
		memcpy(backend_alsa_errbuf + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(backend_alsa_errbuf + n, backend_alsa_errlen - n, fmt, ap);
	va_end(ap);
}

/* Control: collect alsa-lib's messages into buf (NULL: stop). */
static void
backend_alsa_lib_catch(char *buf, size_t len)
{
	static int set;

	if (!set) {
		snd_lib_error_set_handler(backend_alsa_on_lib_error);
		set = 1;
	}
	if (buf != NULL)
		buf[0] = '\0';
	backend_alsa_errbuf = buf;
	backend_alsa_errlen = len;
}

/* Control: "what: reason (alsa-lib's words)" into err; returns rc. */
static int
backend_alsa_err(int rc, const char *said, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	snprintf(err + n, errlen - n, ": %s%s%s%s", snd_strerror(rc),
	    said[0] != '\0' ? " (" : "", said, said[0] != '\0' ? ")" : "");
	return rc;
}

/*
 * Control: open one stream and negotiate its parameters. want holds the
 * request; on success it holds what was granted. 0 or -errno with err.
 */
int
backend_alsa_pcm_open(struct backend_alsa_pcm *p, const char *name, int capture,
    struct dev_config *want, char *err, size_t errlen)
{
	const char *dir = capture ? "capture" : "playback";
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t period, buffer, boundary, lo, hi;
	unsigned int rate, ch, periods, rlo, rhi;
	char said[256];
	size_t i;
	int rc, d = 0;

	backend_alsa_lib_catch(said, sizeof(said));
	p->capture = capture;
	rc = snd_pcm_open(&p->pcm, name, capture ? SND_PCM_STREAM_CAPTURE :
	    SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
	if (rc < 0) {
		p->pcm = NULL;
		backend_alsa_err(rc, said, err, errlen,
		    "%s: cannot open for %s", name, dir);
		goto out;
	}
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	rc = snd_pcm_hw_params_any(p->pcm, hw);
	if (rc < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: no %s configuration", name, dir);
		goto out;
	}

	p->mmap = 0;
	rc = snd_pcm_hw_params_set_access(p->pcm, hw,
	    SND_PCM_ACCESS_RW_INTERLEAVED);
	if (rc < 0) {
		p->mmap = 1;
		rc = snd_pcm_hw_params_set_access(p->pcm, hw,
		    SND_PCM_ACCESS_MMAP_INTERLEAVED);
	}
	if (rc < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: no interleaved %s access "
		    "(read/write or mmap)", name, dir);
		goto out;
	}

	for (i = 0; i < AM_NELEM(backend_alsa_fmts); i++) {
		if (snd_pcm_hw_params_test_format(p->pcm, hw,
		    backend_alsa_fmts[i].fmt) == 0)
			break;
	}
	if (i == AM_NELEM(backend_alsa_fmts)) {
		backend_alsa_err(-EINVAL, said, err, errlen,
		    "%s: no %s sample format "
		    "amixd converts (f32, s32, s24, s24_3, s16)", name, dir);
		rc = -EINVAL;
		goto out;
	}
	p->fmt = (int)i;
	rc = snd_pcm_hw_params_set_format(p->pcm, hw, backend_alsa_fmts[i].fmt);
	if (rc < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: %s format %s", name, dir, backend_alsa_fmts[i].name);
		goto out;
	}

	ch = want->channels;
	if (!capture && (want->strict || want->layout_asked))
		rc = snd_pcm_hw_params_set_channels(p->pcm, hw, ch);
	else
		rc = snd_pcm_hw_params_set_channels_near(p->pcm, hw, &ch);
	if (rc == 0 && (ch < 1 || ch > AM_CH_MAX))
		rc = -EINVAL;
	if (rc < 0) {
		snd_pcm_hw_params_get_channels_min(hw, &rlo);
		snd_pcm_hw_params_get_channels_max(hw, &rhi);
		backend_alsa_err(rc, said, err, errlen,
		    "%s: %s channels %u (the device does %u to %u)", name,
		    dir, want->channels, rlo, rhi);
		goto out;
	}

	snd_pcm_hw_params_get_rate_min(hw, &rlo, NULL);
	snd_pcm_hw_params_get_rate_max(hw, &rhi, NULL);
	rate = want->rate;
	if (want->strict)
		rc = snd_pcm_hw_params_set_rate(p->pcm, hw, rate, 0);
	else
		rc = snd_pcm_hw_params_set_rate_near(p->pcm, hw, &rate, &d);
	if (rc == 0 && (rate < ENGINE_RATE_MIN || rate > ENGINE_RATE_MAX))
		rc = -ERANGE;
	if (rc < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: %s rate %u Hz (the device "
		    "does %u to %u Hz)", name, dir, want->rate, rlo, rhi);
		goto out;
	}

	snd_pcm_hw_params_get_period_size_min(hw, &lo, NULL);
	snd_pcm_hw_params_get_period_size_max(hw, &hi, NULL);
	period = want->period;
	d = 0;
	if (want->strict)
		rc = snd_pcm_hw_params_set_period_size(p->pcm, hw, period, 0);
	else
		rc = snd_pcm_hw_params_set_period_size_near(p->pcm, hw,
		    &period, &d);
	if (rc == 0 && (period < RT_FRAMES_MIN || period > RT_FRAMES_MAX))
		rc = -ERANGE;
	if (rc < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: %s period %u frames at %u "
		    "Hz (the device does %lu to %lu)", name, dir,
		    want->period, rate, (unsigned long)lo, (unsigned long)hi);
		goto out;
	}

	periods = want->periods < 2 ? 2 : want->periods;
	rc = snd_pcm_hw_params_set_periods_integer(p->pcm, hw);
	if (rc == 0) {
		d = 0;
		rc = snd_pcm_hw_params_set_periods_near(p->pcm, hw, &periods,
		    &d);
	}
	if (rc < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: %s buffer of %u periods", name, dir, want->periods);
		goto out;
	}

	rc = snd_pcm_hw_params(p->pcm, hw);
	if (rc < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: cannot set up %s", name, dir);
		goto out;
	}
	snd_pcm_hw_params_get_buffer_size(hw, &buffer);
	if (buffer < 2 * period || buffer / period > 64) {
		rc = backend_alsa_err(-EINVAL, said, err, errlen,
		    "%s: %s buffer of "
		    "%lu frames for a period of %lu", name, dir,
		    (unsigned long)buffer, (unsigned long)period);
		goto out;
	}

	/* Woken per period; started by hand, after the silence. */
	if ((rc = snd_pcm_sw_params_current(p->pcm, sw)) < 0 ||
	    (rc = snd_pcm_sw_params_get_boundary(sw, &boundary)) < 0 ||
	    (rc = snd_pcm_sw_params_set_avail_min(p->pcm, sw, period)) < 0 ||
	    (rc = snd_pcm_sw_params_set_start_threshold(p->pcm, sw,
	    boundary)) < 0 ||
	    (rc = snd_pcm_sw_params_set_stop_threshold(p->pcm, sw,
	    buffer)) < 0 ||
	    (rc = snd_pcm_sw_params(p->pcm, sw)) < 0) {
		backend_alsa_err(rc, said, err, errlen,
		    "%s: %s software parameters", name, dir);
		goto out;
	}

	want->channels = ch;
	if (!capture)
		backend_alsa_chmap(p, name, want);
	p->channels = ch;
	p->bpf = ch * backend_alsa_fmts[p->fmt].bytes;
	p->buf = xcalloc(period, p->bpf);
	p->zero = xcalloc(period, p->bpf);
	/* Touch every page now, not on the real-time thread. */
	memset(p->buf, 0, (size_t)period * p->bpf);
	memset(p->zero, 0, (size_t)period * p->bpf);
	p->seed = AL_DITHER_SEED;
	want->channels = ch;
	want->rate = rate;
	want->period = (uint32_t)period;
	want->periods = (uint32_t)(buffer / period);
	snprintf(want->format, sizeof(want->format), "%s",
	    backend_alsa_fmts[p->fmt].name);
	rc = 0;
out:
	backend_alsa_lib_catch(NULL, 0);
	return rc;
}

/* Control: close a stream, open or half-open, and free its buffers. */
void
backend_alsa_pcm_close(struct backend_alsa_pcm *p)
{
	if (p->pcm != NULL)
		snd_pcm_close(p->pcm);
	free(p->buf);
	free(p->zero);
	memset(p, 0, sizeof(*p));
}
