/* SPDX-License-Identifier: MIT */
/*
 * amcat: play audio into amixd through an app ring, or record a node.
 *
 * Play: the input (a file or standard input) is raw PCM described by
 * -r -c -f, or a sound file libsndfile recognises by its first bytes
 * (WAV, FLAC, ...): those are peeked without being consumed (pread on a
 * file, tee(2) on a pipe), so raw input loses nothing. amcat makes an
 * app ring (lib/aring.c) sized by --latency (at least one period of the
 * engine, which "list" tells), creates an app_source on it asking for
 * the engine's wake pipe ("wake": true; the reply passes its read end),
 * and a gain node for --db, named after the client ("amcat.PID", or
 * --name) so a user can find and turn it down, connects it to --to (a
 * node id or name; by default the graph's default target, lib/target.c),
 * then copies the input straight into the ring's memory.
 *
 * Backpressure: it fills the ring to its high watermark (the latency),
 * sets the ring's waiting flag and sleeps in one blocking read(2) of the
 * wake pipe until the engine's real-time thread has drained the ring to
 * its low watermark (half the latency) and written it: one wake-up per
 * half latency (every period at one or two periods of latency), and per
 * wake-up one read of the pipe and a copy of the input, which raw PCM
 * reads up to 64 KiB at a time (play.c), no poll(2). The
 * end of the pipe (read gives 0) says the engine let go: the node was
 * destroyed (the ring says "closed") or the daemon is gone. With a
 * progress line on a terminal it polls the pipe with a timeout instead.
 * Below CAT_RT_MS of latency amcat asks for SCHED_FIFO (CAT_RT_PRIO,
 * below the engine's) and carries on without it when refused. Why: a
 * one-period stream has one period to refill after its wake-up; on the
 * 2-core test VM at a load average of 20, 16 and 64 such streams lost
 * 0 to 384 frames in 8 s with it and 0.5 to 3.6 million without. It
 * costs: a SCHED_FIFO wake-up took about 26 us of amcat's CPU against
 * about 11 us (the RT scheduler pushes the woken task to another CPU;
 * IPIs are dear in a VM), so a longer latency keeps SCHED_OTHER. At the
 * end of the input it sets eof and waits until the engine has taken
 * every frame, then removes its nodes and exits 0.
 *
 * Record: an app_sink at the graph rate, or at -r (the engine converts;
 * float stereo), connected from --from (by default the node named
 * master, else the first mixer, else what feeds the first
 * device_sink); amcat sleeps until the engine has filled a quarter of
 * the ring, then writes what it holds to standard output, as WAV or
 * raw. Frames the engine could not store because amcat fell behind are
 * counted by the engine in the ring; amcat says how many and exits 1.
 *
 * The connection stays open while amcat runs: the nodes belong to it,
 * so a killed amcat leaves nothing behind but a gain node of --db (see
 * BUGS in amcat(1)). One thread. SIGINT and SIGTERM interrupt the wait
 * or read in progress (no SA_RESTART) and end amcat cleanly, status 1.
 *
 * Where each part lives: this file reads the options and runs one of
 * play.c (input to an app_source; sniff.c tells a sound file from raw
 * PCM) or record.c (an app_sink to standard output); session.c talks
 * to the daemon and waits on the ring's wake pipe. Messages go through
 * am_warn (lib/log.c), option numbers through lib/opt.c, the WAV header
 * through lib/wav.c.
 */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "amcat.h"
#include "log.h"
#include "opt.h"

#define OPT_TO		256
#define OPT_DB		257
#define OPT_LATENCY	258
#define OPT_RECORD	259
#define OPT_FROM	260
#define OPT_NAME	261
#define OPT_LAYOUT	262

static const char usage_str[] =
    "usage: amcat [-v] [-s SOCK] [-r RATE] [-c CH] [-f s16|s24|s32|f32]\n"
    "\t[--layout LAYOUT] [--to NODE] [--db GAIN] [--latency MS]\n"
    "\t[--name NAME] [FILE|-]\n"
    "       amcat --record [-s SOCK] [-r RATE] [-c CH] [--layout LAYOUT]\n"
    "\t[--from NODE] [-d SECONDS] [-t wav|raw] [--name NAME]\n";

volatile sig_atomic_t cat_quit;

static void
usage(FILE *fp)
{
	fputs(usage_str, fp);
}

static void
cat_signal(int sig)
{
	(void)sig;
	cat_quit = 1;
}

int
main(int argc, char *argv[])
{
	static const char optstr[] = ":s:r:c:f:d:t:hv";
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, OPT_TO },
		{ "db", required_argument, NULL, OPT_DB },
		{ "latency", required_argument, NULL, OPT_LATENCY },
		{ "record", no_argument, NULL, OPT_RECORD },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "layout", required_argument, NULL, OPT_LAYOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct cat c;
	struct sigaction sa;
	const char *sock = NULL, *file = NULL, *node = NULL, *name = NULL;
	char why[128];
	double db = 0, latency = CAT_LATENCY_DEF, secs = -1;
	long rate = 48000, ch = 2;
	int opt, record = 0, have_db = 0, wav = 1, fmt = AM_ARING_F32;
	int play_only = 0, rec_only = 0, have_rate = 0, raw_ch = 0, i, rc;

	am_log_init("amcat");
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (am_opt_long("-c", optarg, 1, AM_ARING_CHAN_MAX,
			    &ch) < 0)
				goto bad;
			raw_ch = 1;	/* record too: the sink's channels */
			break;
		case 'd':
			if (am_opt_double("-d", optarg, 0, 1e7, &secs) < 0)
				goto bad;
			rec_only = 1;
			break;
		case 'f':
			for (i = 0; am_aring_formats[i] != NULL; i++) {
				if (strcmp(am_aring_formats[i], optarg) == 0)
					break;
			}
			if (am_aring_formats[i] == NULL) {
				am_warn("-f: unknown format: "
				    "%s", optarg);
				goto bad;
			}
			fmt = i;
			play_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'r':
			if (am_opt_long("-r", optarg, AM_ARING_RATE_MIN,
			    AM_ARING_RATE_MAX, &rate) < 0)
				goto bad;
			have_rate = 1;	/* record too: the engine converts */
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			c.verbose = 1;
			play_only = 1;
			break;
		case 't':
			if (strcmp(optarg, "wav") != 0 &&
			    strcmp(optarg, "raw") != 0) {
				am_warn("-t: unknown file "
				    "type: %s", optarg);
				goto bad;
			}
			wav = strcmp(optarg, "wav") == 0;
			rec_only = 1;
			break;
		case OPT_TO:
		case OPT_FROM:
			/* an id or a name: the daemon's list says which */
			if (optarg[0] == '\0') {
				am_warn("%s: empty node",
				    opt == OPT_TO ? "--to" : "--from");
				goto bad;
			}
			node = optarg;
			if (opt == OPT_TO)
				play_only = 1;
			else
				rec_only = 1;
			break;
		case OPT_DB:
			if (am_opt_double("--db", optarg, -200, 40, &db) < 0)
				goto bad;
			have_db = play_only = 1;
			break;
		case OPT_LATENCY:
			if (am_opt_double("--latency", optarg, CAT_LATENCY_MIN,
			    CAT_LATENCY_MAX, &latency) < 0)
				goto bad;
			play_only = 1;
			break;
		case OPT_RECORD:
			record = 1;
			break;
		case OPT_LAYOUT:
			if (am_layout_parse(&c.layout, optarg, why,
			    sizeof(why)) < 0) {
				am_warn("--layout: %s", why);
				goto bad;
			}
			c.have_layout = 1;
			break;
		case OPT_NAME:
			if (am_name_valid(optarg, why, sizeof(why)) < 0) {
				am_warn("--name %s: %s",
				    optarg, why);
				goto bad;
			}
			name = optarg;
			break;
		case ':':
			am_warn("option %s needs an "
			    "argument", argv[optind - 1]);
			goto bad;
		default:
			am_warn("unknown option %s",
			    argv[optind - 1]);
			goto bad;
		}
	}
	if (record && play_only) {
		am_warn("--record takes only -s, -r, -c, --layout, "
		    "--from, -d, -t and --name");
		goto bad;
	}
	if (!record && rec_only) {
		am_warn("--from, -d and -t need --record");
		goto bad;
	}
	if (optind < argc - (record ? 0 : 1)) {
		am_warn("unexpected argument: %s",
		    argv[argc - 1]);
		goto bad;
	}
	if (optind < argc)
		file = argv[optind];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cat_signal;	/* no SA_RESTART: reads end */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	c.conn.fd = -1;
	c.wakefd = -1;
	c.ring.fd = -1;
	c.progress = !record && isatty(STDERR_FILENO);
	c.rate = (uint32_t)rate;
	/* --layout alone gives the channel count; with -c they agree */
	c.channels = c.have_layout && !raw_ch ? c.layout.n : (uint32_t)ch;
	c.format = (uint32_t)fmt;
	if (name != NULL)
		snprintf(c.name, sizeof(c.name), "%s", name);
	else if (am_client_name(c.name, sizeof(c.name)) < 0)
		snprintf(c.name, sizeof(c.name), "amcat");
	if (record)
		rc = cat_record(&c, sock, node, secs, wav, have_rate ?
		    (uint32_t)rate : 0);
	else
		rc = cat_play(&c, sock, file, node, db, have_db, latency);
	if (cat_quit && rc == 1)
		am_warn("interrupted");
	if (c.sf != NULL)
		sf_close(c.sf);
	am_aring_close(&c.ring);
	if (c.wakefd >= 0)
		close(c.wakefd);
	am_conn_close(&c.conn);
	return rc;
bad:
	usage(stderr);
	return 2;
}
