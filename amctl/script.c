/* SPDX-License-Identifier: MIT */
/*
 * amctl's requests from its operands and from scripts. Operands are one
 * short command (am_cmd_parse) or, when the first starts with '{', one
 * JSON request each; all are parsed before any is sent. A script (-f)
 * has one command a line, '#' comments and "name = create ..." bindings
 * (am_script_line) that later lines use as $name; each line is sent once
 * the one before it succeeded, and the first failure names FILE:LINE.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "log.h"
#include "util.h"

#include "amctl.h"

/*
 * Operands: a short command made of all of them, or, when the first
 * starts with '{', one JSON request each. Fill reqs (room for argc) and
 * return how many, or -1 after a message (a usage error).
 */
int
amctl_operands(int argc, char *argv[], cJSON **reqs)
{
	char err[AMCTL_ERR_MAX];
	int i;

	if (argv[0][0] != '{') {
		if ((reqs[0] = am_cmd_parse(argc, argv, err,
		    sizeof(err))) == NULL) {
			am_warn("%s", err);
			return -1;
		}
		return 1;
	}
	for (i = 0; i < argc; i++) {
		if (argv[i][0] != '{') {
			am_warn("operand %d: expected a JSON request, got "
			    "'%.40s'", i + 1, argv[i]);
			goto bad;
		}
		if ((reqs[i] = am_cmd_parse(1, &argv[i], err,
		    sizeof(err))) == NULL) {
			if (argc > 1)
				am_warn("operand %d: %s", i + 1, err);
			else
				am_warn("%s", err);
			goto bad;
		}
	}
	return argc;
bad:
	while (i-- > 0)
		cJSON_Delete(reqs[i]);
	return -1;
}

/*
 * Send the n parsed requests in order, stopping at the first failing
 * reply. Return AMCTL_GO when all succeeded, else AMCTL_END or AMCTL_FAIL.
 */
int
amctl_run_reqs(struct amctl *c, cJSON **reqs, int n)
{
	cJSON *reply;
	int i, rc;

	for (i = 0; i < n; i++) {
		if ((rc = amctl_request(c, reqs[i], "", &reply)) != AMCTL_GO)
			return rc;
		rc = amctl_check(reply, "");
		cJSON_Delete(reply);
		if (rc != AMCTL_GO)
			return rc;
	}
	return AMCTL_GO;
}

/*
 * After an ok reply to a "name = ..." line: bind name to the reply's
 * "id". AMCTL_GO or AMCTL_FAIL after a message.
 */
static int
amctl_bind(struct am_script *s, const char *name, const cJSON *reply,
    const char *where)
{
	const cJSON *id;
	int rc;

	id = cJSON_GetObjectItemCaseSensitive(reply, "id");
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    id->valuedouble > (double)LONG_MAX ||
	    id->valuedouble != (double)(long)id->valuedouble) {
		am_warn("%sno node id in the reply to bind to $%s", where,
		    name);
		return AMCTL_FAIL;
	}
	if ((rc = am_script_bind(s, name, (long)id->valuedouble)) < 0) {
		am_warn("%scannot bind $%s: %s", where, name,
		    rc == -ENOSPC ? "too many variables" : strerror(-rc));
		return AMCTL_FAIL;
	}
	return AMCTL_GO;
}

/*
 * Read one script line with SIGINT and SIGTERM open, so a signal stops
 * a read from a terminal. Return as getline(3); -1 with errno EINTR
 * when a signal asked us to stop.
 */
static ssize_t
amctl_getline(struct amctl *c, char **buf, size_t *cap, FILE *fp)
{
	sigset_t old;
	ssize_t n;

	sigprocmask(SIG_SETMASK, &c->waitmask, &old);
	/* a signal that was pending is delivered by now */
	n = amctl_signo != 0 ? -1 : getline(buf, cap, fp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (amctl_signo != 0) {
		errno = EINTR;
		return -1;
	}
	return n;
}

/*
 * Run the script fp, named name in messages: one command a line, each
 * sent once the one before it has succeeded. Return AMCTL_GO when every
 * line succeeded, else AMCTL_END or AMCTL_FAIL (message names the line).
 */
int
amctl_run_script(struct amctl *c, FILE *fp, const char *name)
{
	char where[AMCTL_WHERE_MAX], bind[AM_SCRIPT_NAME_MAX];
	char err[AMCTL_ERR_MAX];
	struct am_script s;
	cJSON *req, *reply;
	char *buf = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = AMCTL_GO;

	am_script_init(&s);
	for (;;) {
		errno = 0;
		if (amctl_getline(c, &buf, &cap, fp) < 0) {
			rc = AMCTL_GO;
			if (errno == EINTR) {
				am_warn("%s:%ld: interrupted", name, lineno);
				rc = AMCTL_FAIL;
			} else if (ferror(fp)) {
				am_warn("%s: %s", name, strerror(errno));
				rc = AMCTL_FAIL;
			}
			break;
		}
		lineno++;
		snprintf(where, sizeof(where), "%s:%ld: ", name, lineno);
		rc = am_script_line(&s, buf, &req, bind, sizeof(bind), err,
		    sizeof(err));
		if (rc < 0) {
			am_warn("%s%s", where, err);
			rc = AMCTL_FAIL;
			break;
		}
		if (rc == 0)
			continue;
		rc = amctl_request(c, req, where, &reply);
		cJSON_Delete(req);
		if (rc != AMCTL_GO)
			break;
		rc = amctl_check(reply, where);
		if (rc == AMCTL_GO && bind[0] != '\0')
			rc = amctl_bind(&s, bind, reply, where);
		cJSON_Delete(reply);
		if (rc != AMCTL_GO)
			break;
	}
	free(buf);
	return rc;
}
