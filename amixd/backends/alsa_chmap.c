/* SPDX-License-Identifier: MIT */
/*
 * The ALSA backend's channel map: which speaker each of the device's
 * channels feeds, found once the stream's parameters are set, as the
 * device's layout (dev_config.layout, enum am_pos, whose first values
 * are ALSA's SND_CHMAP_* positions).
 *
 * With no layout asked, the device's current map (snd_pcm_get_chmap),
 * else the first map it offers for that many channels
 * (snd_pcm_query_chmaps), becomes the layout; a device with neither
 * (plugins such as null and file have none) gets the default layout
 * for its count (engine_dev_buffers). A layout asked for is set with
 * snd_pcm_set_chmap; when the device refuses it or has no maps, the
 * asked layout is kept as a label (DEV_LAYOUT_LABEL: the device did
 * not confirm it, and the reply and the log say so). Positions ALSA
 * does not name (unknown, N/A) or names twice become AUXn.
 *
 * The buffers are interleaved in this order: no channel is moved on
 * the real-time thread. Control thread only.
 */

#include <stdlib.h>
#include <string.h>

#include "alsa.h"
#include "chlayout.h"
#include "log.h"

/* Control: an ALSA map as a layout; -1 if it has another count. */
static int
backend_alsa_map_layout(const snd_pcm_chmap_t *m, unsigned ch,
    struct am_layout *l)
{
	unsigned i, j, pos;

	if (m == NULL || m->channels != ch || ch == 0 || ch > AM_CH_MAX)
		return -1;
	memset(l, 0, sizeof(*l));
	l->n = (uint8_t)ch;
	for (i = 0; i < ch; i++) {
		pos = m->pos[i] & SND_CHMAP_POSITION_MASK;
		if (pos < SND_CHMAP_MONO || pos > SND_CHMAP_LAST)
			pos = AM_POS_AUX0 + i;
		for (j = 0; j < i; j++) {
			if (l->pos[j] == pos)
				pos = AM_POS_AUX0 + i;
		}
		l->pos[i] = (uint8_t)pos;
	}
	return 0;
}

/* Control: the map the device offers for ch channels; -1 if none. */
static int
backend_alsa_query(snd_pcm_t *pcm, unsigned ch, struct am_layout *l)
{
	snd_pcm_chmap_query_t **q = snd_pcm_query_chmaps(pcm);
	int i, rc = -1;

	for (i = 0; q != NULL && q[i] != NULL && rc < 0; i++)
		rc = backend_alsa_map_layout(&q[i]->map, ch, l);
	if (q != NULL)
		snd_pcm_free_chmaps(q);
	return rc;
}

/* Control: the device's current map; -1 if it has none. */
static int
backend_alsa_current(snd_pcm_t *pcm, unsigned ch, struct am_layout *l)
{
	snd_pcm_chmap_t *m = snd_pcm_get_chmap(pcm);
	int rc = backend_alsa_map_layout(m, ch, l);

	free(m);
	return rc;
}

/* Control: ask the device for layout l. 0 if it took it. */
static int
backend_alsa_set(snd_pcm_t *pcm, const struct am_layout *l)
{
	unsigned int map[1 + AM_CH_MAX];	/* snd_pcm_chmap_t: n, pos[n] */
	struct am_layout got;
	unsigned i;

	map[0] = l->n;
	for (i = 0; i < l->n; i++) {
		if (l->pos[i] > SND_CHMAP_LAST)
			return -1;	/* AUXn: ALSA has no name for it */
		map[1 + i] = l->pos[i];
	}
	if (snd_pcm_set_chmap(pcm, (const snd_pcm_chmap_t *)map) == 0)
		return 0;
	/* No setter, but maybe the device runs it already. */
	if (backend_alsa_current(pcm, l->n, &got) == 0 &&
	    am_layout_eq(&got, l))
		return 0;
	return -1;
}

/*
 * Control, after hw_params: the playback stream's layout into want
 * (layout, layout_from); want->layout.n 0 when the device says nothing
 * and nothing was asked. want->channels is what was granted.
 */
void
backend_alsa_chmap(struct backend_alsa_pcm *p, const char *name,
    struct dev_config *want)
{
	struct am_layout l;
	char s[AM_LAYOUT_STRLEN];

	if (want->layout_asked && want->layout.n == want->channels) {
		if (backend_alsa_set(p->pcm, &want->layout) == 0) {
			want->layout_from = DEV_LAYOUT_SET;
			return;
		}
		want->layout_from = DEV_LAYOUT_LABEL;
		logx(1, "%s: the device did not confirm the layout %s: "
		    "kept as a label", name, am_layout_str(&want->layout, s,
		    sizeof(s)));
		return;
	}
	if (backend_alsa_current(p->pcm, want->channels, &l) == 0 ||
	    backend_alsa_query(p->pcm, want->channels, &l) == 0) {
		want->layout = l;
		want->layout_from = DEV_LAYOUT_DEVICE;
		return;
	}
	want->layout.n = 0;
}
