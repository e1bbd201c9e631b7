/* SPDX-License-Identifier: MIT */
/*
 * amx_chmap: the channel maps of the amixd PCM, so an application asks
 * where each channel goes instead of guessing. A ring of n channels
 * carries amixd's default layout of n (amixd(7) CHANNELS AND LAYOUTS:
 * 5.1 is FL FR FC LFE RL RR, a WAVE file's order), which is not the
 * order ALSA applications assume for a device that says nothing (5.1 as
 * FL FR RL RR FC LFE): without these calls speaker-test's "Center" came
 * out of RL. query_chmaps offers one fixed map per count the plugin
 * takes (1 to AMX_CHAN_MAX); get_chmap gives the one of the count in
 * use. The positions are amixd's, which are ALSA's numbers (lib/
 * chlayout.h), so they are copied as they are. Control side of the
 * application only: both allocate, as alsa-lib's interface wants (it
 * frees with snd_pcm_free_chmaps and free).
 */

#include <stdlib.h>

#include "amx.h"
#include "chlayout.h"

/*
 * The fixed maps of 1 to AMX_CHAN_MAX channels, NULL-terminated, for
 * snd_pcm_query_chmaps; NULL when out of memory.
 */
snd_pcm_chmap_query_t **
amx_query_chmaps(snd_pcm_ioplug_t *io)
{
	snd_pcm_chmap_query_t **q;
	struct am_layout l;
	unsigned n, k;

	(void)io;
	if ((q = calloc(AMX_CHAN_MAX + 1, sizeof(*q))) == NULL)
		return NULL;
	for (n = 1; n <= AMX_CHAN_MAX; n++) {
		q[n - 1] = malloc(sizeof(*q[n - 1]) + n * sizeof(unsigned));
		if (q[n - 1] == NULL) {
			snd_pcm_free_chmaps(q);
			return NULL;
		}
		(void)am_layout_default(&l, n);
		q[n - 1]->type = SND_CHMAP_TYPE_FIXED;
		q[n - 1]->map.channels = n;
		for (k = 0; k < n; k++)
			q[n - 1]->map.pos[k] = l.pos[k];
	}
	return q;
}

/*
 * The map of the channel count in use (io->channels, set by hw_params),
 * for snd_pcm_get_chmap; NULL before hw_params or when out of memory.
 */
snd_pcm_chmap_t *
amx_get_chmap(snd_pcm_ioplug_t *io)
{
	snd_pcm_chmap_t *m;
	struct am_layout l;
	unsigned k;

	if (io->channels < 1 || io->channels > AMX_CHAN_MAX)
		return NULL;
	if ((m = malloc(sizeof(*m) + io->channels * sizeof(unsigned))) ==
	    NULL)
		return NULL;
	(void)am_layout_default(&l, io->channels);
	m->channels = io->channels;
	for (k = 0; k < io->channels; k++)
		m->pos[k] = l.pos[k];
	return m;
}
