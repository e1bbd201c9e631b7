# SPDX-License-Identifier: MIT
# Shared bats helpers. Load with: load helpers
#
# amixd_start [ARGS...]  start a daemon on a private socket in
#                        $BATS_FILE_TMPDIR (or $AMIXD_DIR), wait until it
#                        answers ping; sets AMIXD_PID and AUDIOMIXERD_SOCKET
# amixd_stop             SIGTERM the daemon by PID and wait for it
# wait_until SECS CMD..  poll CMD every 20 ms until it succeeds or SECS of
#                        wall time pass (a slow try is killed at the deadline)
# assert_eq EXP ACT [WHAT]   fail printing expected vs actual
# assert_match REGEX ACT [WHAT]
# assert_near EXP ACT TOL [WHAT]   |EXP-ACT| <= TOL, numbers
# flunk MSG...           fail with a message
# jget JSON FILTER       jq -r FILTER over JSON
# exec_closed CMD...     exec CMD with every descriptor above 2 closed
# closed CMD...          run CMD so, in a subshell
# jackd_start [PERIOD [DRIVER ARGS...]]  a dummy JACK server at 48 kHz
#                        named $JACK_DEFAULT_SERVER; sets JACKD_PID
# jackd_stop [SIGNAL]    stop it (TERM unless told) and reap it
# jack_server_name ID    name the JACK server for this test file (ID) and
#                        this checkout, never a PID: see below
# jack_server_clean      remove what a killed server of that name left
# asan_build             true when amixd is a sanitizer build
# sink_closed PATH       true once the daemon holds PATH open no more (a
#                        destroyed file_sink closes it within a few periods)
# refused_unchanged CODE [REQUEST...]   each request (the arguments, or
#                        stdin's lines) is refused (with CODE; - for any)
#                        and leaves "list" as it was

PY=/usr/bin/python3

flunk() {
	printf '%s\n' "$@" >&2
	return 1
}

assert_eq() {
	if [ "$1" != "$2" ]; then
		flunk "${3:-value}: expected '$1'" "${3:-value}: actual   '$2'"
	fi
}

assert_match() {
	if ! [[ "$2" =~ $1 ]]; then
		flunk "${3:-value}: expected to match '$1'" \
		    "${3:-value}: actual '$2'"
	fi
}

assert_near() {
	if ! awk -v e="$1" -v a="$2" -v t="$3" \
	    'BEGIN { d = e - a; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; then
		flunk "${4:-value}: expected $1 ± $3" "${4:-value}: actual $2"
	fi
}

# Microseconds on the wall clock, in REPLY (no fork where bash has
# EPOCHREALTIME; its decimal point follows the locale, hence the filter).
now_us() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		REPLY=${EPOCHREALTIME//[^0-9]/}
	else
		REPLY=$(date +%s%6N)
	fi
}

# One try of wait_until: CMD in a process group of its own, killed with
# all its children (socat, jq, ...) once $1 microseconds have passed.
# Runs in a subshell, so monitor mode (which gives each background job
# its own group) stays there.
wait_try() {
	local left=$1 pid wd rc
	shift
	set -m
	( "$@" ) </dev/null >/dev/null 2>&1 &
	pid=$!
	( sleep "$((left / 1000000)).$(printf %06d $((left % 1000000)))"
	    kill -KILL -- -"$pid" ) </dev/null >/dev/null 2>&1 &
	wd=$!
	wait "$pid"
	rc=$?
	kill -KILL -- -"$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	return "$rc"
}

# Poll CMD every 20 ms until it succeeds or SECS of wall time pass. The
# bound is on time, not on tries: a try that itself takes a second under
# load (a socket round trip, a subscriber's timeout) must not stretch 5 s
# into minutes, and a try still running at the deadline is killed. CMD
# runs in a subshell: it may read the caller's variables, not set them.
wait_until() {
	local secs=$1 end tries=0 rc=0 frac=000000
	shift
	[[ $secs != *.* ]] || frac=${secs#*.}000000
	now_us
	end=$((REPLY + ${secs%%.*} * 1000000 + 10#${frac:0:6}))
	while :; do
		now_us
		[ "$REPLY" -lt "$end" ] || break
		tries=$((tries + 1))
		( wait_try $((end - REPLY)) "$@" ) 2>/dev/null && return 0
		rc=$?
		sleep 0.02
	done
	flunk "wait_until: '$*' not true after ${secs}s" \
	    "($tries tries, the last exited with status $rc)"
}

jget() {
	printf '%s\n' "$1" | jq -r "$2"
}

# A process started in the background must not hold bats' descriptors
# open: bats waits for them. The caller's subshell becomes CMD, so a PID
# taken with $! is CMD's.
exec_closed() {
	local fd
	for fd in /proc/self/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
	done
	exec "$@"
}

closed() {
	( exec_closed "$@" )
}

# Start a daemon with every inherited descriptor above 2 closed, so bats
# does not wait for it, and its output in a log beside the socket.
amixd_start() {
	local dir=${AMIXD_DIR:-$BATS_FILE_TMPDIR}
	mkdir -p "$dir"
	export AUDIOMIXERD_SOCKET="$dir/amixd.sock"
	export AMIXD_LOG_FILE="$dir/amixd.log"
	( exec_closed amixd -b null "$@" </dev/null >>"$AMIXD_LOG_FILE" 2>&1 ) &
	AMIXD_PID=$!
	export AMIXD_PID
	echo "$AMIXD_PID" >"$dir/amixd.pid"
	wait_until 10 amctl ping || {
		cat "$AMIXD_LOG_FILE" >&2
		return 1
	}
}

amixd_stop() {
	local dir=${AMIXD_DIR:-$BATS_FILE_TMPDIR} pid
	pid=${AMIXD_PID:-$(cat "$dir/amixd.pid" 2>/dev/null)}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset AMIXD_PID
}

sink_closed() {
	local fd
	for fd in /proc/"${AMIXD_PID:?}"/fd/*; do
		[ "$(readlink "$fd")" != "$1" ] || return 1
	done
}

# True while the daemon process is alive.
amixd_alive() {
	kill -0 "${AMIXD_PID:?}" 2>/dev/null
}

# Send raw bytes (printf format) to the daemon on one connection and
# print every reply line; the connection closes when the input ends.
sock_send() {
	printf "$@" | socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET"
}

# One JSON request on its own connection; prints the reply line. Bounded:
# socat's -t restarts with every line, so a request that subscribes
# would otherwise never end.
req() {
	printf '%s\n' "$1" |
	    timeout 30 socat -t 5 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET"
}

# The nodes and links of the graph, one canonical line, for comparing.
graph_shape() {
	req '{"cmd":"list"}' | jq -c '{nodes: .nodes, links: .links}'
}

# refused_unchanged CODE [REQUEST...]: each request (a JSON line: the
# arguments, or stdin's lines when there are none), sent on one
# connection, is refused with error code CODE (any code when CODE is -)
# and leaves "list" (state, device, nodes with their args, links: the
# whole reply) exactly as it was. Prints "ok CODE REQUEST" for each;
# fails on the first that was accepted, had no code or the wrong one, or
# changed the graph, with both lists. The check is tests/tools/refusal.py,
# which Python tests import (checked_req, list_shape).
refused_unchanged() {
	local code=(--code "$1")
	[ "$1" != - ] || code=()
	shift
	"$PY" "$AM_TOP/tests/tools/refusal.py" "$AUDIOMIXERD_SOCKET" \
	    --refused "${code[@]}" "$@"
}

# The number of nodes of type $1 in the graph (wait_until takes it as a
# command, so it is asked again on every try).
count_type() {
	req '{"cmd":"list"}' | jq "[.nodes[] | select(.type == \"$1\")] | length"
}

# True when there are exactly $2 nodes of type $1.
count_type_is() {
	[ "$(count_type "$1")" = "$2" ]
}

# True when there is at least one node of type $1.
has_type() {
	[ "$(count_type "$1")" -gt 0 ] 2>/dev/null
}

# Frames a node has processed so far.
node_frames() {
	req '{"cmd":"stats"}' | jq -r ".nodes[] | select(.id == $1) | .frames"
}

# True once node $1 has processed more than $2 frames.
node_frames_above() {
	local f
	f=$(node_frames "$1")
	[ -n "$f" ] && [ "$f" -gt "$2" ]
}

# Fit a sine to an audio file: JSON with freq, amp_db, resid_db, ...
sinefit() {
	"$PY" "$AM_TOP/tests/tools/sinefit.py" "$@"
}

# Is the amixd on PATH built with AddressSanitizer?
asan_build() {
	nm "$(command -v amixd)" 2>/dev/null | grep -q __asan_init
}

# The server never starts itself (amixd asks for JackNoStartServer);
# output goes to jackd.log in the test's directory. Returns once
# jack_lsp answers.
jackd_start() {
	local log=$BATS_TEST_TMPDIR/jackd.log period=${1:-128}
	[ $# -eq 0 ] || shift
	( exec_closed jackd -R -S -n "$JACK_DEFAULT_SERVER" -d dummy \
	    -r 48000 -p "$period" "$@" </dev/null >>"$log" 2>&1 ) &
	JACKD_PID=$!
	wait_until 10 jack_lsp || {
		cat "$log" >&2
		return 1
	}
}

# JACK's shm registry (/dev/shm/jack-shm-registry) has 8 server slots,
# and a server killed without cleaning up keeps its slot until a server
# of the same name starts: names with a PID in them fill it for good,
# and then no server starts. So a test file names its server once and
# for all (ID, its number), plus a hash of the checkout, so two work
# trees running the same file at once do not meet. Whatever a killed
# server of that name left in /dev/shm goes.
jack_server_name() {
	export JACK_NO_START_SERVER=1
	JACK_DEFAULT_SERVER=amixd$1.$(printf '%s' "${AM_TOP:-$PWD}" | cksum |
	    cut -d' ' -f1)
	export JACK_DEFAULT_SERVER
	jack_server_clean
}

# What a killed server of this file's name left in /dev/shm goes; for
# teardown_file too.
jack_server_clean() {
	rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_* \
	    /dev/shm/jack_"$JACK_DEFAULT_SERVER"_*
}

jackd_stop() {
	[ -n "${JACKD_PID:-}" ] || return 0
	kill -"${1:-TERM}" "$JACKD_PID" 2>/dev/null || true
	wait "$JACKD_PID" 2>/dev/null || true
	JACKD_PID=
}
