/* SPDX-License-Identifier: MIT */
/*
 * device_open's channel fields, read into a dev_config before anything
 * changes, and the device's channels as the replies show them.
 *
 * "channels" (1..64) and "layout" (a name such as "5.1" or positions
 * "FL,FR,FC", lib/chlayout) go together: a layout alone sets the count,
 * both must agree, and either one forgets a layout asked by an earlier
 * device_open (the device's own map, or the default, applies again).
 * "connect" and "connect_capture" (JACK) list, in port order, the port
 * each of playback_N / capture_N is connected to ("" leaves one
 * unconnected); a list replaces the autoconnection of its direction.
 * They are kept in dev_config as lines, one per port. Control thread.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backends/backend.h"
#include "chlayout.h"
#include "cmd_impl.h"

#define CMD_PORT_LEN	320	/* JACK's full port name, at most */

/* A "connect" list into lines at buf; 1 if given, 0 if not, or -EINVAL. */
static int
cmd_device_ports(const cJSON *req, const char *field, char *buf,
    size_t len, char *err, size_t errlen)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(req, field);
	const cJSON *v;
	size_t at = 0, n;
	int i = 0;

	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > AM_CH_MAX) {
		snprintf(err, errlen, "\"%s\" must be a list of at most %d "
		    "port names, one per channel", field, AM_CH_MAX);
		return -EINVAL;
	}
	buf[0] = '\0';
	cJSON_ArrayForEach(v, a) {
		i++;
		if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) >=
		    CMD_PORT_LEN || strchr(v->valuestring, '\n') != NULL ||
		    at + n + 2 > len) {
			snprintf(err, errlen, "\"%s\" entry %d must be a port "
			    "name of fewer than %d bytes, or \"\"", field, i,
			    CMD_PORT_LEN);
			return -EINVAL;
		}
		memcpy(buf + at, v->valuestring, n);
		at += n;
		buf[at++] = '\n';
		buf[at] = '\0';
	}
	return 1;
}

/*
 * device_open's "channels", "layout", "connect" and "connect_capture"
 * into cfg (which holds the current device's). 0, or -EINVAL with err
 * and cfg unusable.
 */
int
cmd_device_channels(const cJSON *req, struct dev_config *cfg, char *err,
    size_t errlen)
{
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(req, "channels");
	const cJSON *lay = cJSON_GetObjectItemCaseSensitive(req, "layout");
	struct am_layout l;
	char why[128];
	int rc;

	if (cmd_uint(req, "channels", 1, AM_CH_MAX, &cfg->channels, err,
	    errlen) < 0)
		return -EINVAL;
	if (ch != NULL || lay != NULL)
		cfg->layout_asked = 0;
	if (lay != NULL) {
		if (!cJSON_IsString(lay) || am_layout_parse(&l,
		    lay->valuestring, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "\"layout\": %s", cJSON_IsString(
			    lay) ? why : "must be a string such as \"5.1\" "
			    "or \"FL,FR,FC\"");
			return -EINVAL;
		}
		if (ch != NULL && l.n != cfg->channels) {
			snprintf(err, errlen, "\"layout\" \"%s\" has %u "
			    "channels, not the %u of \"channels\"",
			    lay->valuestring, l.n, cfg->channels);
			return -EINVAL;
		}
		cfg->layout = l;
		cfg->layout_asked = 1;
		cfg->channels = l.n;
	}
	rc = cmd_device_ports(req, "connect", cfg->connect,
	    sizeof(cfg->connect), err, errlen);
	if (rc < 0)
		return rc;
	cfg->connect_set = rc;
	rc = cmd_device_ports(req, "connect_capture", cfg->connect_cap,
	    sizeof(cfg->connect_cap), err, errlen);
	if (rc < 0)
		return rc;
	cfg->connect_cap_set = rc;
	return 0;
}

/* The device's layout fields for a reply: "layout", "layout_from". */
void
cmd_device_layout_json(cJSON *o, const struct dev_config *d)
{
	static const char *const from[] = {
		[DEV_LAYOUT_DEFAULT] = "default",
		[DEV_LAYOUT_DEVICE] = "device",
		[DEV_LAYOUT_SET] = "asked",
		[DEV_LAYOUT_LABEL] = "unconfirmed",
	};
	char s[AM_LAYOUT_STRLEN];

	if (d->layout.n == 0)
		return;
	cJSON_AddStringToObject(o, "layout", am_layout_str(&d->layout, s,
	    sizeof(s)));
	if (d->layout_from >= 0 && d->layout_from <= DEV_LAYOUT_LABEL)
		cJSON_AddStringToObject(o, "layout_from", from[d->layout_from]);
}
