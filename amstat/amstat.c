/* SPDX-License-Identifier: MIT */
/*
 * amstat: subscribe to the daemon's telemetry and print every event as
 * one JSON line on stdout, line-buffered, so "amstat | jq" works. Stops
 * after COUNT events, on SIGINT/SIGTERM (status 0), or when the daemon
 * goes away (status 1, with a message).
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "proto.h"
#include "util.h"

#define AMSTAT_EVENTS	"stats,xrun,state"

static volatile sig_atomic_t amstat_quit;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: amstat [-h] [-e events] [-i seconds] "
	    "[-n count] [-s socket]\n");
}

static void
amstat_signal(int sig)
{
	(void)sig;
	amstat_quit = 1;
}

/* The subscribe request for a comma-separated list of event names. */
static char *
amstat_request(const char *events, double interval)
{
	cJSON *req, *arr;
	char *list, *tok, *save = NULL, *s;

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "subscribe");
	arr = cJSON_AddArrayToObject(req, "events");
	list = xstrdup(events);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
	free(list);
	if (interval > 0)
		cJSON_AddNumberToObject(req, "interval", interval);
	s = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return s;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *events = AMSTAT_EVENTS;
	struct sigaction sa;
	struct am_conn conn;
	double interval = 0;
	long count = -1, seen = 0;
	cJSON *reply;
	char *line, *req;
	int c, rc;

	am_log_init("amstat");
	while ((c = getopt_long(argc, argv, "e:hi:n:s:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'e':
			events = optarg;
			break;
		case 'i':
			if (am_parse_double(optarg, 0.1, 3600,
			    &interval) < 0) {
				fprintf(stderr, "amstat: -i %s: seconds from "
				    "0.1 to 3600\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (am_parse_long(optarg, 1, 1L << 40, &count) < 0) {
				fprintf(stderr, "amstat: -n %s: a count of 1 "
				    "or more\n", optarg);
				return 2;
			}
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = amstat_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	rc = am_conn_open(&conn, sock);
	if (rc < 0) {
		char path[256];

		if (sock == NULL && am_proto_socket_path(path, sizeof(path)) == 0)
			sock = path;
		fprintf(stderr, "amstat: cannot connect to %s: %s\n",
		    sock != NULL ? sock : "the daemon", strerror(-rc));
		return 1;
	}
	req = amstat_request(events, interval);
	rc = am_conn_request(&conn, req, NULL, 0, &reply);
	free(req);
	if (rc < 0) {
		fprintf(stderr, "amstat: subscribe: %s\n", strerror(-rc));
		return 1;
	}
	if (!am_proto_is_ok(reply)) {
		fprintf(stderr, "amstat: %s: %s\n", am_proto_err_code(reply),
		    am_proto_err_message(reply));
		cJSON_Delete(reply);
		return 1;
	}
	cJSON_Delete(reply);

	while (!amstat_quit && (count < 0 || seen < count)) {
		rc = am_conn_recv(&conn, &line, -1);
		if (rc == -E2BIG || rc == 0)
			continue;
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			if (amstat_quit)
				break;
			fprintf(stderr, "amstat: the daemon went away: %s\n",
			    rc == -EPIPE ? "connection closed" :
			    strerror(-rc));
			am_conn_close(&conn);
			return 1;
		}
		if (printf("%s\n", line) < 0)
			break;
		seen++;
	}
	am_conn_close(&conn);
	return 0;
}
