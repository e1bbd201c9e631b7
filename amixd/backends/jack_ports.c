/* SPDX-License-Identifier: MIT */
/*
 * The JACK backend's ports: amixd:playback_1..N (what the device sinks
 * mix, channel k of the device's layout on playback_k+1) and
 * amixd:capture_1..N, N = the device's channels (1..64).
 *
 * Connections are made when the client is activated (start; stop drops
 * them all). A direction given by name (device_open's "connect" or
 * "connect_capture": the k-th name for port k, "" for none) connects
 * exactly those; its names are checked at open, against the ports the
 * server has and their direction, so a typo is refused before anything
 * runs. Otherwise, unless "autoconnect" is false, ports connect in
 * order to the physical ports: playback_k to the k-th physical playback
 * port (a mono device's playback_1 to the first two), the k-th physical
 * capture port to capture_k; ports beyond the physical ones stay
 * unconnected. A connection that fails at start is logged, the device
 * still runs. Control thread only.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jack.h"
#include "log.h"

/* Register playback_N and capture_N. 0 or -errno. */
int
backend_jack_ports(struct backend_jack *d, char *err, size_t errlen)
{
	char pname[32];
	uint32_t ch;

	for (ch = 0; ch < d->channels; ch++) {
		snprintf(pname, sizeof(pname), "playback_%u", ch + 1);
		d->out[ch] = jack_port_register(d->client, pname,
		    JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
		if (d->out[ch] == NULL)
			break;
		snprintf(pname, sizeof(pname), "capture_%u", ch + 1);
		d->in[ch] = jack_port_register(d->client, pname,
		    JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
		if (d->in[ch] == NULL)
			break;
	}
	if (ch < d->channels) {
		snprintf(err, errlen, "jack: cannot register port %s",
		    pname);
		return -EIO;
	}
	return 0;
}

/*
 * The k-th line (0-based) of a list of lines into buf: 1 if it names a
 * port, 0 if it is empty or the list is shorter.
 */
static int
backend_jack_line(const char *list, uint32_t k, char *buf, size_t len)
{
	const char *nl;
	size_t n;

	for (; k > 0 && list != NULL; k--) {
		list = strchr(list, '\n');
		if (list != NULL)
			list++;
	}
	if (list == NULL || *list == '\0')
		return 0;
	nl = strchr(list, '\n');
	n = nl != NULL ? (size_t)(nl - list) : strlen(list);
	if (n == 0 || n >= len)
		return 0;
	memcpy(buf, list, n);
	buf[n] = '\0';
	return 1;
}

/*
 * Check one direction's names: each a port of the server that takes
 * what ours give (flag: JackPortIsInput for playback), no more names
 * than ports. 0 or -EINVAL with err.
 */
static int
backend_jack_check(struct backend_jack *d, const char *list, int cap,
    char *err, size_t errlen)
{
	const char *field = cap ? "connect_capture" : "connect";
	int flag = cap ? JackPortIsOutput : JackPortIsInput;
	char name[512];
	jack_port_t *p;
	uint32_t k, lines = 0;
	const char *s;

	for (s = list; *s != '\0'; s++)
		lines += *s == '\n';
	if (lines > d->channels) {
		snprintf(err, errlen, "jack: \"%s\" names %u ports for %u "
		    "channels", field, lines, d->channels);
		return -EINVAL;
	}
	for (k = 0; k < d->channels; k++) {
		if (!backend_jack_line(list, k, name, sizeof(name)))
			continue;
		p = jack_port_by_name(d->client, name);
		if (p == NULL) {
			snprintf(err, errlen, "jack: \"%s\": no port '%s' "
			    "for %s_%u", field, name, cap ? "capture" :
			    "playback", k + 1);
			return -EINVAL;
		}
		if (!(jack_port_flags(p) & flag)) {
			snprintf(err, errlen, "jack: \"%s\": port '%s' is an "
			    "%s: %s_%u cannot connect to it", field, name,
			    cap ? "input" : "output", cap ? "capture" :
			    "playback", k + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* The names given for either direction, checked at open. */
int
backend_jack_check_names(struct backend_jack *d, char *err, size_t errlen)
{
	if (d->connect_set && backend_jack_check(d, d->connect_to, 0, err,
	    errlen) < 0)
		return -EINVAL;
	if (d->connect_cap_set && backend_jack_check(d, d->connect_cap, 1,
	    err, errlen) < 0)
		return -EINVAL;
	return 0;
}

/* Connect src to dst, logging a failure. */
static void
backend_jack_link(struct backend_jack *d, const char *src, const char *dst)
{
	int rc = jack_connect(d->client, src, dst);

	if (rc != 0 && rc != EEXIST)
		logx(1, "jack: cannot connect %s to %s", src, dst);
}

/* Connect one direction by its list of names. */
static void
backend_jack_by_name(struct backend_jack *d, const char *list, int cap)
{
	char name[512];
	uint32_t k;

	for (k = 0; k < d->channels; k++) {
		if (!backend_jack_line(list, k, name, sizeof(name)))
			continue;
		if (cap)
			backend_jack_link(d, name, jack_port_name(d->in[k]));
		else
			backend_jack_link(d, jack_port_name(d->out[k]), name);
	}
}

/*
 * Connect our ports to the physical ones: playback_N to the N-th
 * physical playback port (a mono device to the first two), the N-th
 * physical capture port to capture_N. What is missing is logged; a
 * device with no physical ports still runs.
 */
static void
backend_jack_physical(struct backend_jack *d, int cap)
{
	const char **phys;
	uint32_t ch, k, n;

	phys = jack_get_ports(d->client, NULL, JACK_DEFAULT_AUDIO_TYPE,
	    JackPortIsPhysical | (cap ? JackPortIsOutput : JackPortIsInput));
	/* A mono device plays on both of the first two. */
	n = !cap && d->channels == 1 ? 2 : d->channels;
	for (k = 0; phys != NULL && k < n && phys[k] != NULL; k++) {
		ch = k < d->channels ? k : 0;
		if (cap)
			backend_jack_link(d, phys[k], jack_port_name(d->in[ch]));
		else
			backend_jack_link(d, jack_port_name(d->out[ch]),
			    phys[k]);
	}
	if (phys == NULL || phys[0] == NULL)
		logx(2, "jack: no physical %s ports to connect to",
		    cap ? "capture" : "playback");
	jack_free(phys);
}

/*
 * Make the connections of both directions, after activation: by name
 * where a list was given, else to the physical ports unless asked not
 * to (autoconnect false).
 */
void
backend_jack_connect(struct backend_jack *d)
{
	if (d->connect_set)
		backend_jack_by_name(d, d->connect_to, 0);
	else if (d->connect)
		backend_jack_physical(d, 0);
	if (d->connect_cap_set)
		backend_jack_by_name(d, d->connect_cap, 1);
	else if (d->connect)
		backend_jack_physical(d, 1);
}
