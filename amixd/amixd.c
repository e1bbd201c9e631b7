/* SPDX-License-Identifier: MIT */
/*
 * amixd: options, set-up, the control loop, and teardown in reverse.
 * The signals of sig_quitset (every terminating one that is no fault)
 * are blocked in every thread and read through a signalfd by the control
 * loop, so each ends the daemon cleanly: the engine stops, file sinks are
 * finalized, the socket file is removed. SIGPIPE and SIGXFSZ are ignored.
 */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backends/backend.h"
#include "cmd.h"
#include "cmdline.h"
#include "ctl.h"
#include "engine.h"
#include "ev.h"
#include "events.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "sig.h"
#include "stats.h"
#include "util.h"
#include "watchdog.h"

#define AMIXD_RATE	48000
#define AMIXD_PERIOD	128
#ifndef AMIXD_SYSCONFDIR
#define AMIXD_SYSCONFDIR	"/etc"	/* make SYSCONFDIR=... */
#endif

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: amixd [-hnv] [-a dir] [-b backend] [-d device] "
	    "[-f script] [-g group]\n"
	    "             [-p period] [-q quota=value] [-r rate] [-s socket] "
	    "[-u user] [-w ms]\n"
	    "             [--render seconds [script]]\n");
}

static void
amixd_signal_cb(void *arg, int revents)
{
	struct signalfd_siginfo si;
	int fd = *(int *)arg;

	(void)revents;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		logx(2, "%s: stopping", strsignal((int)si.ssi_signo));
		cmd_quit();
	}
}

/*
 * Run a script of commands in-process (amixd --render): each line as
 * amctl -f would send it. Stops at the first error. 0 or -1.
 */
static int
amixd_script(const char *path)
{
	struct am_script s;
	char line[AM_PROTO_LINE_MAX], bind[AM_SCRIPT_NAME_MAX], err[256];
	cJSON *req, *reply, *id;
	FILE *fp;
	int rc, lineno = 0, ret = 0;

	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		logx(1, "%s: %s", path, strerror(errno));
		return -1;
	}
	am_script_init(&s);
	while (!cmd_quit_requested() && fgets(line, sizeof(line), fp)) {
		lineno++;
		rc = am_script_line(&s, line, &req, bind, sizeof(bind), err,
		    sizeof(err));
		if (rc == 0)
			continue;
		if (rc < 0) {
			logx(1, "%s:%d: %s", path, lineno, err);
			ret = -1;
			break;
		}
		reply = cmd_dispatch(NULL, req);
		cJSON_Delete(req);
		if (!am_proto_is_ok(reply)) {
			logx(1, "%s:%d: %s", path, lineno,
			    am_proto_err_message(reply));
			cJSON_Delete(reply);
			ret = -1;
			break;
		}
		id = cJSON_GetObjectItemCaseSensitive(reply, "id");
		if (bind[0] != '\0' && cJSON_IsNumber(id))
			am_script_bind(&s, bind, (long)id->valuedouble);
		cJSON_Delete(reply);
	}
	if (fp != stdin)
		fclose(fp);
	return ret;
}

/*
 * The start-up script when no -f names one: the first of
 * $XDG_CONFIG_HOME/amixd/default.am (else ~/.config/amixd/default.am)
 * and $AMIXD_SYSCONFDIR/amixd/default.am (else SYSCONFDIR's) that
 * exists, into buf. 1 when found, 0 when none exists.
 */
static int
amixd_default_script(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *etc = getenv("AMIXD_SYSCONFDIR");

	buf[0] = '\0';
	if (xdg != NULL && *xdg == '/')
		snprintf(buf, len, "%s/amixd/default.am", xdg);
	else if (home != NULL && *home == '/')
		snprintf(buf, len, "%s/.config/amixd/default.am", home);
	if (buf[0] != '\0' && access(buf, F_OK) == 0)
		return 1;
	if (etc == NULL || *etc == '\0')
		etc = AMIXD_SYSCONFDIR;
	snprintf(buf, len, "%s/amixd/default.am", etc);
	return access(buf, F_OK) == 0;
}

/*
 * After a render: 1 when a node could not do its part, such as a file
 * sink whose disk filled; its message is logged when it is closed.
 */
static int
amixd_render_failed(struct engine *e)
{
	struct node *n;

	for (n = e->graph.nodes; n != NULL; n = n->next) {
		if (n->ops->error != NULL && n->ops->error(n->state) != NULL)
			return 1;
	}
	return 0;
}

/*
 * systemd socket activation (sd_listen_fds(3), without libsystemd): when
 * LISTEN_PID is this process and LISTEN_FDS >= 1, descriptor 3 is a
 * listening socket to serve. Returns it, or -1.
 */
static int
amixd_listen_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long p, n;
	int type = 0, listening = 0;
	socklen_t len = sizeof(int);

	if (pid == NULL || fds == NULL ||
	    am_parse_long(pid, 1, 1L << 30, &p) < 0 || p != getpid() ||
	    am_parse_long(fds, 1, 64, &n) < 0)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM ||
	    getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    !listening) {
		logx(1, "LISTEN_FDS: descriptor 3 is not a listening stream "
		    "socket; ignored");
		return -1;
	}
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);
	logx(2, "serving the socket systemd passed");
	return 3;
}

/*
 * Files clients may name: by default the home of the user the daemon
 * runs as, and /tmp.
 */
static int
amixd_default_dirs(const struct passwd *user)
{
	const char *home = user != NULL ? user->pw_dir : getenv("HOME");
	char err[256];

	if (home != NULL && *home != '\0' &&
	    policy_dir(home, err, sizeof(err)) < 0)
		logx(2, "home not allowed: %s", err);
	if (policy_dir("/tmp", err, sizeof(err)) < 0) {
		fprintf(stderr, "amixd: %s\n", err);
		return -1;
	}
	return 0;
}

/* As many descriptors as allowed: every client holds one. */
static void
amixd_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Become user after the socket is open (-u), keeping CAP_SYS_NICE and
 * CAP_IPC_LOCK, those of them the daemon has, so the RT thread still
 * gets SCHED_FIFO and the first start mlockall (engine_rt_prepare). The
 * socket is given to the user first, and so is its directory when it is
 * the daemon's own (".../copperline"), so the socket can be removed at
 * exit; a shared directory such as /tmp is never touched. 0 or -1 (then
 * the daemon must not go on).
 */
static int
amixd_drop(const struct passwd *pw, const char *sockpath)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
	    0 };
	struct __user_cap_data_struct data[2];
	uint32_t keep = (1U << CAP_SYS_NICE) | (1U << CAP_IPC_LOCK);
	char dir[256], *slash;

	/* Ask for no capability it lacks: capset would refuse them all. */
	if (syscall(SYS_capget, &hdr, data) == 0)
		keep &= data[0].permitted;

	if (sockpath != NULL) {
		snprintf(dir, sizeof(dir), "%s", sockpath);
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			slash = strrchr(dir, '/');
			if (slash != NULL && strcmp(slash, "/copperline") == 0 &&
			    chown(dir, pw->pw_uid, pw->pw_gid) < 0)
				logx(2, "%s: chown: %s", dir, strerror(errno));
		}
		if (chown(sockpath, pw->pw_uid, pw->pw_gid) < 0)
			logx(2, "%s: chown: %s", sockpath, strerror(errno));
	}
	if (prctl(PR_SET_KEEPCAPS, 1) < 0 ||
	    initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		fprintf(stderr, "amixd: -u %s: %s\n", pw->pw_name,
		    strerror(errno));
		return -1;
	}
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = keep;
	if (syscall(SYS_capset, &hdr, data) < 0)
		logx(1, "-u %s: cannot keep CAP_SYS_NICE and CAP_IPC_LOCK: %s "
		    "(no SCHED_FIFO, no mlockall)", pw->pw_name,
		    strerror(errno));
	logx(2, "running as %s", pw->pw_name);
	return 0;
}

/* The number in an environment variable, or def when unset. */
static long
amixd_env_num(const char *name, long min, long max, long def)
{
	const char *s = getenv(name);
	long v;

	if (s == NULL || *s == '\0')
		return def;
	if (am_parse_long(s, min, max, &v) < 0) {
		logx(1, "%s=%s: expected a number from %ld to %ld", name, s,
		    min, max);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "render", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	static struct engine engine;
	const struct backend_ops *backend;
	const char *bname, *sockpath = NULL, *devname, *script = NULL;
	struct passwd *pw, *user = NULL;
	struct group *gr;
	char path[256], err[256], defscript[PATH_MAX];
	struct dev_config dev;
	struct ev_file *sigev;
	double render = 0;
	sigset_t set;
	long period, rate, wdog = WATCHDOG_MS;
	int c, sigfd, rc, explicit_backend, status = 0, empty = 0;

	am_log_init("amixd");
	bname = getenv("AUDIOMIXERD_BACKEND");
	devname = getenv("AUDIOMIXERD_DEVICE");
	period = amixd_env_num("AUDIOMIXERD_PERIOD", RT_FRAMES_MIN,
	    RT_FRAMES_MAX, AMIXD_PERIOD);
	rate = AMIXD_RATE;
	if (getenv("AUDIOMIXERD_SOCKET") != NULL &&
	    *getenv("AUDIOMIXERD_SOCKET") != '\0')
		sockpath = getenv("AUDIOMIXERD_SOCKET");
	policy_init();
	while ((c = getopt_long(argc, argv, "a:b:d:f:g:hnp:q:r:s:u:vw:",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (policy_dir(optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "amixd: -a %s\n", err);
				return 2;
			}
			break;
		case 'g':
			if ((gr = getgrnam(optarg)) == NULL) {
				fprintf(stderr, "amixd: -g %s: no such group\n",
				    optarg);
				return 2;
			}
			policy.group = gr->gr_gid;
			break;
		case 'q':
			if (policy_quota(optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "amixd: -q %s\n", err);
				return 2;
			}
			break;
		case 'u':
			if ((pw = getpwnam(optarg)) == NULL) {
				fprintf(stderr, "amixd: -u %s: no such user\n",
				    optarg);
				return 2;
			}
			user = pw;
			break;
		case 'b':
			bname = optarg;
			break;
		case 'f':
			script = optarg;
			break;
		case 'n':
			empty = 1;
			break;
		case 'd':
			devname = optarg;
			break;
		case 'p':
			if (am_parse_long(optarg, RT_FRAMES_MIN, RT_FRAMES_MAX,
			    &period) < 0) {
				fprintf(stderr, "amixd: -p %s: period is %d "
				    "to %d frames\n", optarg, RT_FRAMES_MIN,
				    RT_FRAMES_MAX);
				return 2;
			}
			break;
		case 'r':
			if (am_parse_long(optarg, ENGINE_RATE_MIN,
			    ENGINE_RATE_MAX, &rate) < 0) {
				fprintf(stderr, "amixd: -r %s: rate is %d to "
				    "%d Hz\n", optarg, ENGINE_RATE_MIN,
				    ENGINE_RATE_MAX);
				return 2;
			}
			break;
		case 's':
			sockpath = optarg;
			break;
		case 'v':
			am_log_level++;
			break;
		case 'w':
			if (am_parse_long(optarg, 0, WATCHDOG_MS_MAX,
			    &wdog) < 0) {
				fprintf(stderr, "amixd: -w %s: watchdog is 0 "
				    "(off) to %d ms\n", optarg,
				    WATCHDOG_MS_MAX);
				return 2;
			}
			break;
		case 'R':
			if (am_parse_double(optarg, 1e-3, 86400, &render) < 0) {
				fprintf(stderr, "amixd: --render %s: seconds "
				    "from 0.001 to 86400\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 1 && render == 0)) {
		usage(stderr);
		return 2;
	}
	if ((script != NULL && (empty || render > 0)) ||
	    (empty && render > 0)) {
		fprintf(stderr, "amixd: -f, -n and --render exclude each "
		    "other\n");
		usage(stderr);
		return 2;
	}
	/* No -f, no -n: the user's default graph, else the system's. */
	if (script == NULL && !empty && render == 0 &&
	    amixd_default_script(defscript, sizeof(defscript)))
		script = defscript;

	if (policy.ndirs == 0 && amixd_default_dirs(user) < 0)
		return 1;
	amixd_nofile();

	explicit_backend = bname != NULL && *bname != '\0';
	/* An offline render needs no device: null unless told otherwise. */
	if (!explicit_backend)
		bname = render > 0 ? "null" : "alsa";
	backend = backend_find(bname);
	if (backend == NULL && !explicit_backend) {
		logx(2, "no %s backend in this build: using null", bname);
		backend = &backend_null_ops;
	} else if (backend == NULL) {
		fprintf(stderr, "amixd: backend %s: %s\n", bname,
		    strcmp(bname, "alsa") == 0 || strcmp(bname, "jack") == 0 ?
		    "not available in this build" : "unknown (alsa, jack, "
		    "null)");
		return 1;
	}

	memset(&dev, 0, sizeof(dev));
	snprintf(dev.name, sizeof(dev.name), "%s",
	    devname != NULL && *devname != '\0' ? devname : "default");
	dev.rate = rate;
	dev.channels = 2;
	dev.period = period;
	dev.periods = 2;
	snprintf(dev.format, sizeof(dev.format), "f32");

	/* Before any thread starts: they all inherit the mask. */
	sig_quitset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Past RLIMIT_FSIZE a write fails with EFBIG: a file sink says so. */
	signal(SIGXFSZ, SIG_IGN);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		fprintf(stderr, "amixd: signalfd: %s\n", strerror(errno));
		return 1;
	}

	/*
	 * Listen before the engine is made: a client that connects while
	 * it is (amctl right after amixd) waits in the backlog for its
	 * answer instead of being refused, and so does the first answer
	 * less. Nothing is accepted before the loop runs.
	 */
	if (render == 0) {
		if (sockpath == NULL) {
			if (am_proto_socket_path(path, sizeof(path)) < 0) {
				fprintf(stderr, "amixd: socket path too "
				    "long\n");
				return 1;
			}
			sockpath = path;
		}
		rc = ctl_init(sockpath, amixd_listen_fd(), &cmd_handler);
		if (rc < 0) {
			if (rc == -EADDRINUSE)
				fprintf(stderr, "amixd: %s: another amixd "
				    "answers there\n", sockpath);
			else
				fprintf(stderr, "amixd: %s: %s\n", sockpath,
				    strerror(-rc));
			return 1;
		}
	}

	rc = engine_init(&engine, backend, &dev);
	if (rc < 0) {
		fprintf(stderr, "amixd: %s\n", strerror(-rc));
		ctl_done();
		return 1;
	}
	/*
	 * The memory is locked (mlockall) just before the engine's first
	 * start (engine_rt_prepare): until a real-time thread runs nothing
	 * needs it, and the first answer comes sooner. A --render run
	 * never has one: it has no deadline and ends when the file is
	 * written, and locking would only make every page it faults in,
	 * and every one it frees at the end, cost more.
	 */
	engine.mlock_ask = render == 0;
	watchdog_init(&engine, (uint32_t)wdog);
	cmd_init(&engine, render);
	sigev = ev_file_new(sigfd, POLLIN, amixd_signal_cb, &sigfd);
	events_init(&engine);

	if (render > 0 && argc == 1) {
		if (amixd_script(argv[0]) < 0)
			status = 1;
		else if (!cmd_quit_requested()) {
			cJSON *req = cJSON_Parse("{\"cmd\":\"start\"}");
			cJSON *reply = cmd_dispatch(NULL, req);

			if (!am_proto_is_ok(reply)) {
				logx(1, "render: %s",
				    am_proto_err_message(reply));
				status = 1;
			}
			cJSON_Delete(req);
			cJSON_Delete(reply);
			if (amixd_render_failed(&engine))
				status = 1;
		}
	} else {
		if (user != NULL && amixd_drop(user, sockpath) < 0) {
			ctl_done();
			return 1;
		}
		/* Before the loop: no client is accepted until it is done. */
		if (script != NULL) {
			logx(2, "running %s", script);
			if (amixd_script(script) < 0)
				cmd_quit();
			status = cmd_quit_requested() ? 1 : 0;
		}
		if (!cmd_quit_requested())
			logx(2, "listening on %s, backend %s, period %u at "
			    "%u Hz", sockpath, backend->name, dev.period,
			    dev.rate);
		while (!cmd_quit_requested()) {
			if (ev_run() < 0) {
				status = 1;
				break;
			}
		}
	}
	(void)err;
	ctl_done();
	cmd_done();
	events_done();
	engine_done(&engine);
	stats_done();
	watchdog_done();
	ev_file_del(sigev);
	ev_done();
	close(sigfd);
	policy_done();
	logx(2, "stopped");
	return status;
}
