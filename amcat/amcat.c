/* SPDX-License-Identifier: MIT */
/*
 * amcat: play PCM from stdin into the engine through an app ring, or
 * record a node to stdout. App rings are not in this build yet: amcat
 * prints its usage and says so, rather than pretending to play.
 */

#include <stdio.h>
#include <string.h>

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: amcat [-h] [-s socket] [-r rate] [-c channels] "
	    "[-f format] [file]\n"
	    "       amcat --record [-s socket] [--from node] "
	    "[-d seconds]\n");
}

int
main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "amcat: app rings are not available in this build\n");
	usage(stderr);
	return 1;
}
