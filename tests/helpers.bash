# SPDX-License-Identifier: MIT
# Shared bats helpers. Load with: load helpers
#
# amixd_start [ARGS...]  start a daemon on a private socket in
#                        $BATS_FILE_TMPDIR (or $AMIXD_DIR), wait until it
#                        answers ping; sets AMIXD_PID and AUDIOMIXERD_SOCKET
# amixd_stop             SIGTERM the daemon by PID and wait for it
# wait_until SECS CMD..  poll CMD every 20 ms until it succeeds or SECS pass
# assert_eq EXP ACT [WHAT]   fail printing expected vs actual
# assert_match REGEX ACT [WHAT]
# assert_near EXP ACT TOL [WHAT]   |EXP-ACT| <= TOL, numbers
# flunk MSG...           fail with a message
# jget JSON FILTER       jq -r FILTER over JSON

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

wait_until() {
	local secs=$1 i n
	shift
	n=$((secs * 50))
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	flunk "wait_until: '$*' not true after ${secs}s"
}

jget() {
	printf '%s\n' "$1" | jq -r "$2"
}

# Start a daemon with every inherited descriptor above 2 closed, so bats
# does not wait for it, and its output in a log beside the socket.
amixd_start() {
	local dir=${AMIXD_DIR:-$BATS_FILE_TMPDIR}
	mkdir -p "$dir"
	export AUDIOMIXERD_SOCKET="$dir/amixd.sock"
	export AMIXD_LOG_FILE="$dir/amixd.log"
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
		done
		exec amixd -b null "$@" </dev/null >>"$AMIXD_LOG_FILE" 2>&1
	) &
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
