/* SPDX-License-Identifier: MIT */
/*
 * amctl: send control requests to amixd and print its replies.
 *
 * Requests come three ways: all operands as one short command ("amctl
 * connect 1 2", made into JSON by am_cmd_parse), raw JSON operands, one
 * request each, or a script (-f) of one command a line with '#'
 * comments and "name = create ..." bindings (am_script_line). Operands
 * are all parsed before anything is sent, so a usage error (exit 2)
 * never leaves half a command list done. The first failing reply stops
 * amctl, as "set -e" stops a shell script: later requests are not sent,
 * exit 1. After the last reply a subscribed connection keeps printing
 * events until the daemon closes it, SIGINT or SIGTERM arrives, the
 * reader of stdout goes away, or -n COUNT event lines have been
 * printed.
 *
 * The parts: this file (options, main), request.c (one request out, its
 * reply in, events printed as they come; signals), view.c (list as a
 * table, dot as Graphviz), script.c (operands and -f scripts into
 * requests). They share struct amctl (amctl.h).
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#include "amctl.h"

static const char usage_str[] =
    "usage: amctl [-hq] [-n COUNT] [-s SOCKET] [-t MS] COMMAND [ARG ...]\n"
    "       amctl [-hq] [-n COUNT] [-s SOCKET] [-t MS] JSON ...\n"
    "       amctl [-hq] [-n COUNT] [-s SOCKET] [-t MS] -f FILE\n";

/*
 * Print the usage lines, the same text as the SYNOPSIS of amctl(1).
 */
void
amctl_usage(FILE *fp)
{
	fputs(usage_str, fp);
}

/*
 * Parse an option's number in [min, max]; -1 after a message.
 */
static int
opt_long(int opt, const char *s, long min, long max, long *out)
{
	int rc;

	if ((rc = am_parse_long(s, min, max, out)) == 0)
		return 0;
	if (rc == -ERANGE)
		am_warn("-%c: out of range (%ld to %ld): %s", opt, min, max,
		    s);
	else
		am_warn("-%c: not an integer: %s", opt, s);
	return -1;
}

/*
 * Name the option getopt() refused: optopt is unknown, or known and
 * missing its argument.
 */
static void
opt_bad(void)
{
	if (optopt != 0 && optopt != ':' && strchr(AMCTL_OPTS, optopt) != NULL)
		am_warn("-%c: missing argument", optopt);
	else if (optopt > ' ' && optopt < 0x7f)
		am_warn("unknown option -%c", optopt);
	else
		am_warn("unknown option");
}

/*
 * Check options and operands (exit 2 on a usage error) before touching
 * the socket, then connect, run the requests and watch events. Exit 0,
 * or 1 after a message.
 */
int
main(int argc, char *argv[])
{
	struct amctl c;
	const char *sock = NULL, *script = NULL;
	cJSON **reqs = NULL;
	FILE *fp = NULL;
	long v;
	int ch, i, nreqs = 0, rc, status;

	am_log_init("amctl");
	opterr = 0;		/* getopt would name argv[0], not amctl */
	memset(&c, 0, sizeof(c));
	c.conn.fd = -1;
	c.timeout = AMCTL_TIMEOUT_DEF;
	while ((ch = getopt(argc, argv, AMCTL_OPTS)) != -1) {
		switch (ch) {
		case 'f':
			script = optarg;
			break;
		case 'h':
			amctl_usage(stdout);
			return 0;
		case 'n':
			if (opt_long(ch, optarg, 1, LONG_MAX, &c.count) < 0)
				return 2;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			if (opt_long(ch, optarg, 0, INT_MAX, &v) < 0)
				return 2;
			c.timeout = v == 0 ? -1 : (int)v;
			break;
		default:
			opt_bad();
			amctl_usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if ((script == NULL) == (argc == 0)) {
		if (script != NULL)
			am_warn("-f takes no operands");
		amctl_usage(stderr);
		return 2;
	}

	/* Everything that can be a usage error comes before any I/O. */
	if (script == NULL && strcmp(argv[0], "dot") == 0) {
		if (argc > 1) {
			am_warn("dot: unexpected argument '%s'", argv[1]);
			return 2;
		}
		reqs = xcalloc(1, sizeof(*reqs));
		reqs[0] = cJSON_CreateObject();
		cJSON_AddStringToObject(reqs[0], "cmd", "list");
		nreqs = 1;
		c.view = AMCTL_VIEW_DOT;
	} else if (script == NULL) {
		reqs = xcalloc((size_t)argc, sizeof(*reqs));
		if ((nreqs = amctl_operands(argc, argv, reqs)) < 0) {
			free(reqs);
			return 2;
		}
		/* A terminal gets a table; a pipe, the reply line. */
		if (argc == 1 && strcmp(argv[0], "list") == 0 && !c.quiet &&
		    isatty(STDOUT_FILENO))
			c.view = AMCTL_VIEW_LIST;
	} else if (strcmp(script, "-") == 0) {
		fp = stdin;
		script = "stdin";
	} else if ((fp = fopen(script, "r")) == NULL) {
		am_warn("%s: %s", script, strerror(errno));
		return 1;
	}

	status = 1;
	if (sock != NULL)
		rc = snprintf(c.path, sizeof(c.path), "%s", sock) <
		    (int)sizeof(c.path) ? 0 : -ENAMETOOLONG;
	else
		rc = am_proto_socket_path(c.path, sizeof(c.path));
	if (rc < 0) {
		am_warn("socket path too long");
		goto done;
	}
	if ((rc = am_conn_open(&c.conn, c.path)) < 0) {
		am_warn("cannot connect to %s: %s", c.path, strerror(-rc));
		goto done;
	}
	amctl_sig_init(&c);

	if (c.view != AMCTL_VIEW_RAW)
		rc = amctl_run_view(&c, reqs[0]);
	else if (script == NULL)
		rc = amctl_run_reqs(&c, reqs, nreqs);
	else
		rc = amctl_run_script(&c, fp, script);
	if (rc == AMCTL_GO)
		rc = amctl_monitor(&c);
	status = rc == AMCTL_FAIL ? 1 : 0;
done:
	am_conn_close(&c.conn);
	if (fp != NULL && fp != stdin)
		fclose(fp);
	for (i = 0; i < nreqs; i++)
		cJSON_Delete(reqs[i]);
	free(reqs);
	return status;
}
