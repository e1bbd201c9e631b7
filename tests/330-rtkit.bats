#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Real time without root: when the kernel refuses SCHED_FIFO, amixd asks
# RealtimeKit over the D-Bus system bus. This file runs the real thing on
# a private bus: setup_file starts dbus-daemon with a system-bus config of
# its own (socket in a temporary directory, DBUS_SYSTEM_BUS_ADDRESS
# exported for everyone: the machine's system bus is never used),
# polkitd with a rule letting user nobody have RealtimeKit's actions (no
# logind here, so no "active session" rtkit's policy could trust), and
# rtkit-daemon. teardown_file kills the three by PID and removes the rule,
# whether the tests passed or not. The daemon under test runs as nobody
# (setpriv), with no capability and RLIMIT_RTPRIO 0, on the null backend.
# See TESTRIG.md, "rtkit".

load helpers

# RealtimeKit's limits here: neither its defaults (20, 200000) nor what
# amixd asks for (70), so the test sees amixd read and obey them.
RTK_MAXPRIO=17
RTK_RTTIME=150000

# Kill the daemon whose PID is in file $1 (if it still runs) and reap it.
rtk_kill() {
	local pid i
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	rm -f "$1"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 250; i++)); do
		[ -e "/proc/$pid" ] || break
		# Our own child becomes a zombie until reaped: reap it.
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ] ||
		    wait "$pid" 2>/dev/null || true
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Start CMD... in the background, every inherited descriptor closed, its
# output to /dev/null (rtkit-daemon sets RLIMIT_FSIZE to 0, so a log file
# would kill it), its PID in file $1.
rtk_spawn() {
	local pidfile=$1
	shift
	( exec_closed "$@" </dev/null >/dev/null 2>&1 ) &
	echo $! >"$pidfile"
}

# A private system bus listening on $1 (a unix socket path); its PID in
# file $2. A system-type config, open to everyone, with the policies the
# packages install (RealtimeKit's, PolicyKit's), and no activation.
rtk_bus_start() {
	local sock=$1 conf=${1%.sock}.conf
	cat >"$conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
</busconfig>
EOF
	rtk_spawn "$2" dbus-daemon --config-file="$conf" --nofork
	wait_until 10 test -S "$sock"
}

# Does name $1 have an owner on the bus at $DBUS_SYSTEM_BUS_ADDRESS?
rtk_has_owner() {
	dbus-send --system --print-reply --reply-timeout=2000 \
	    --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
	    "string:$1" 2>/dev/null | grep -q 'boolean true'
}

setup_file() {
	# Other users must reach the bus and their own socket directory.
	RTK_DIR=$(mktemp -d /tmp/amixd-rtkit.XXXXXX)
	chmod 755 "$RTK_DIR"
	export RTK_DIR
	export RTK_RULE=/etc/polkit-1/rules.d/49-amixd-test-${RTK_DIR##*.}.rules
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$RTK_DIR/bus.sock
	cat >"$RTK_RULE" <<'EOF'
// amixd's tests (tests/330-rtkit.bats): removed when they end.
polkit.addRule(function(action, subject) {
	if (action.id.indexOf("org.freedesktop.RealtimeKit1.") == 0 &&
	    subject.user == "nobody")
		return polkit.Result.YES;
});
EOF
	rtk_bus_start "$RTK_DIR/bus.sock" "$RTK_DIR/bus.pid"
	rtk_spawn "$RTK_DIR/polkitd.pid" /usr/lib/polkit-1/polkitd --no-debug
	wait_until 10 rtk_has_owner org.freedesktop.PolicyKit1
	rtk_spawn "$RTK_DIR/rtkit.pid" /usr/libexec/rtkit-daemon --no-canary \
	    --max-realtime-priority=$RTK_MAXPRIO \
	    --rttime-usec-max=$RTK_RTTIME
	wait_until 10 rtk_has_owner org.freedesktop.RealtimeKit1
}

teardown_file() {
	rm -f "${RTK_RULE:?}"
	[ -n "${RTK_DIR:-}" ] || return 0
	rtk_kill "$RTK_DIR/rtkit.pid"
	rtk_kill "$RTK_DIR/polkitd.pid"
	rtk_kill "$RTK_DIR/bus2.pid"
	rtk_kill "$RTK_DIR/bus.pid"
	rm -rf "$RTK_DIR"
}

teardown() {
	amixd_stop
	rtk_kill "$RTK_DIR/bus2.pid"
}

# amixd as user nobody on the null backend (arguments added), its socket
# in a directory nobody owns, its log (-v: start-up lines) beside it.
amixd_nobody() {
	local dir=$RTK_DIR/t$BATS_TEST_NUMBER
	mkdir -m 755 "$dir"
	chown nobody:nogroup "$dir"
	export AUDIOMIXERD_SOCKET=$dir/amixd.sock AMIXD_LOG_FILE=$dir/amixd.log
	( exec_closed setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    amixd -b null -v "$@" </dev/null >>"$AMIXD_LOG_FILE" 2>&1 ) &
	AMIXD_PID=$!
	export AMIXD_PID
	wait_until 10 amctl ping || {
		cat "$AMIXD_LOG_FILE" >&2
		return 1
	}
}

# A tone playing into the device, the engine started.
play() {
	run -0 req '{"cmd":"create_node","type":"tone"}'
	run -0 req '{"cmd":"create_node","type":"device_sink"}'
	run -0 req '{"cmd":"connect","from":1,"to":2}'
	run -0 req '{"cmd":"start"}'
	assert_eq true "$(jget "$output" .ok)" "start: $output"
}

# The daemon plays: its tone's frames advance.
plays() {
	local f
	f=$(node_frames 1)
	wait_until 5 node_frames_above 1 "$((f + 4800))"
}

# "policy priority" of each of the daemon's threads, from
# /proc/PID/task/TID/stat (fields 41 and 40; comm, field 2, is cut off
# first since it may hold spaces). Policy 0 is SCHED_OTHER, 1 FIFO, 2 RR.
threads() {
	local t
	for t in /proc/"$AMIXD_PID"/task/*/stat; do
		sed 's/^.*) //' "$t" | awk '{ print $39, $38 }'
	done | sort
}

@test "as nobody, RealtimeKit makes the real-time thread SCHED_RR at its highest priority" {
	amixd_nobody
	! grep -q libdbus "/proc/$AMIXD_PID/maps" || flunk "libdbus loaded at start"
	play
	run -0 req '{"cmd":"stats"}'
	assert_eq true "$(jget "$output" .rt)" "rt"
	assert_eq rtkit "$(jget "$output" .rt_via)" "rt_via"
	assert_eq rr "$(jget "$output" .rt_policy)" "rt_policy"
	assert_eq $RTK_MAXPRIO "$(jget "$output" .rt_priority)" "rt_priority"
	assert_eq null "$(jget "$output" .rt_error)" "rt_error"
	# What the kernel says: one thread SCHED_RR at rtkit's maximum (not
	# the 70 amixd asks for), every other one SCHED_OTHER.
	run -0 threads
	assert_eq "2 $RTK_MAXPRIO" "${lines[-1]}" "the real-time thread"
	assert_eq 1 "$(printf '%s\n' "${lines[@]}" | grep -vc '^0 0$')" \
	    "threads not SCHED_OTHER"
	# RLIMIT_RTTIME lowered to what RealtimeKit demands, soft and hard.
	assert_match "^Max realtime timeout +$RTK_RTTIME +$RTK_RTTIME +us" \
	    "$(grep 'Max realtime timeout' "/proc/$AMIXD_PID/limits")"
	grep -q libdbus "/proc/$AMIXD_PID/maps" || flunk "libdbus not loaded"
	grep -q "real time: SCHED_RR priority $RTK_MAXPRIO, via rtkit" \
	    "$AMIXD_LOG_FILE" || flunk "no start-up line: $(cat "$AMIXD_LOG_FILE")"
	plays
	# Again after a restart; stopped, there is no real-time thread.
	run -0 req '{"cmd":"stop"}'
	run -0 req '{"cmd":"stats"}'
	assert_eq false "$(jget "$output" .rt)" "rt once stopped"
	assert_eq none "$(jget "$output" .rt_via)" "rt_via once stopped"
	assert_eq null "$(jget "$output" .rt_error)" "rt_error once stopped"
	run -0 req '{"cmd":"start"}'
	run -0 req '{"cmd":"stats"}'
	assert_eq rtkit "$(jget "$output" .rt_via)" "rt_via after a restart"
	run -0 threads
	assert_eq "2 $RTK_MAXPRIO" "${lines[-1]}" "after a restart"
}

@test "as nobody under rtkit, the watchdog beats RLIMIT_RTTIME to a hung node" {
	local ev
	amixd_nobody
	play
	grep -q "watchdog: $((RTK_RTTIME / 2000)) ms, half of RLIMIT_RTTIME" \
	    "$AMIXD_LOG_FILE" || flunk "no cap: $(cat "$AMIXD_LOG_FILE")"
	run -0 req '{"cmd":"create_node","type":"cpu_load"}'
	run -0 req '{"cmd":"connect","from":1,"to":3}'
	run -0 req '{"cmd":"set","id":3,"args":{"hang":true}}'
	# Without the watchdog the kernel would SIGKILL the daemon at
	# RLIMIT_RTTIME; with it the thread is demoted first, even as an
	# ordinary user (SCHED_RESET_ON_FORK kept), and replaced.
	wait_until 10 grep -q 'watchdog: node 3 (cpu_load)' "$AMIXD_LOG_FILE"
	run -0 req '{"cmd":"stats"}'
	assert_eq 1 "$(jget "$output" .watchdog)" "watchdog count"
	assert_eq rtkit "$(jget "$output" .rt_via)" "the new thread's rt_via"
	grep -q 'bypassed, thread replaced$' "$AMIXD_LOG_FILE" ||
	    flunk "not demoted or not replaced: $(cat "$AMIXD_LOG_FILE")"
	run -0 threads
	assert_eq "2 $RTK_MAXPRIO" "${lines[-1]}" "a new real-time thread"
	plays
	sleep 0.5	# longer than RLIMIT_RTTIME: still alive
	amixd_alive || flunk "the daemon died: $(cat "$AMIXD_LOG_FILE")"
}

@test "root sets SCHED_FIFO itself: rt_via sched, and libdbus is never loaded" {
	amixd_start -v
	play
	run -0 req '{"cmd":"stats"}'
	assert_eq true "$(jget "$output" .rt)" "rt"
	assert_eq sched "$(jget "$output" .rt_via)" "rt_via"
	assert_eq fifo "$(jget "$output" .rt_policy)" "rt_policy"
	assert_eq 70 "$(jget "$output" .rt_priority)" "rt_priority"
	assert_eq null "$(jget "$output" .rt_error)" "rt_error"
	# The real-time thread at 70, the watchdog's one above it.
	run -0 threads
	assert_eq "1 70" "${lines[-2]}" "the real-time thread"
	assert_eq "1 71" "${lines[-1]}" "the watchdog thread"
	grep -q "real time: SCHED_FIFO priority 70, via sched" \
	    "$AMIXD_LOG_FILE" || flunk "no start-up line"
	! grep -q libdbus "/proc/$AMIXD_PID/maps" || flunk "libdbus loaded"
}

@test "no bus reachable: rt_via none with the reason, and the daemon plays" {
	local st
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$RTK_DIR/no-bus.sock amixd_nobody
	play
	run -0 req '{"cmd":"stats"}'
	assert_eq false "$(jget "$output" .rt)" "rt"
	assert_eq none "$(jget "$output" .rt_via)" "rt_via"
	assert_eq other "$(jget "$output" .rt_policy)" "rt_policy"
	assert_match "^SCHED_FIFO: Operation not permitted; rtkit: system bus: .*$RTK_DIR/no-bus.sock" \
	    "$(jget "$output" .rt_error)" "rt_error"
	st=$output
	run -0 threads
	assert_eq "0 0" "${lines[-1]}" "no real-time thread"
	# Under a finite RLIMIT_MEMLOCK the daemon does not lock its memory:
	# with MCL_FUTURE the real-time thread's stack would not fit, and
	# the engine could not start at all.
	if [ "$(setpriv --reuid=nobody bash -c 'ulimit -l')" = unlimited ]; then
		assert_eq true "$(jget "$st" .mlock)" "mlock, no limit"
	else
		assert_eq false "$(jget "$st" .mlock)" "mlock"
		asan_build ||
		    grep -q "memory not locked: RLIMIT_MEMLOCK is" \
		    "$AMIXD_LOG_FILE" || flunk "no log line for mlock"
	fi
	grep -q "real time: none (SCHED_FIFO: Operation not permitted; rtkit: system bus: " \
	    "$AMIXD_LOG_FILE" || flunk "no start-up line: $(cat "$AMIXD_LOG_FILE")"
	plays
}

@test "a bus without RealtimeKit: its ServiceUnknown error is the reason" {
	rtk_bus_start "$RTK_DIR/bus2.sock" "$RTK_DIR/bus2.pid"
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$RTK_DIR/bus2.sock amixd_nobody
	play
	run -0 req '{"cmd":"stats"}'
	assert_eq none "$(jget "$output" .rt_via)" "rt_via"
	assert_match "rtkit: MaxRealtimePriority: org\.freedesktop\.DBus\.Error\.ServiceUnknown: .*org\.freedesktop\.RealtimeKit1" \
	    "$(jget "$output" .rt_error)" "rt_error"
	# RLIMIT_RTTIME is only lowered on the way to a grant.
	assert_match "^Max realtime timeout +unlimited" \
	    "$(grep 'Max realtime timeout' "/proc/$AMIXD_PID/limits")"
	plays
}

@test "libdbus cannot be loaded: a clear reason, no crash, and it plays" {
	local lib=$RTK_DIR/lib
	# An empty file found first on the search path: dlopen fails on it.
	mkdir -m 755 "$lib"
	: >"$lib/libdbus-1.so.3"
	LD_LIBRARY_PATH=$lib amixd_nobody
	play
	run -0 req '{"cmd":"stats"}'
	assert_eq none "$(jget "$output" .rt_via)" "rt_via"
	assert_match "^SCHED_FIFO: Operation not permitted; rtkit: cannot load libdbus-1\.so\.3: $lib/libdbus-1\.so\.3" \
	    "$(jget "$output" .rt_error)" "rt_error"
	plays
	# The same answer on every start, and the daemon stays up.
	run -0 req '{"cmd":"stop"}'
	run -0 req '{"cmd":"start"}'
	run -0 req '{"cmd":"stats"}'
	assert_match "rtkit: cannot load libdbus-1\.so\.3" \
	    "$(jget "$output" .rt_error)" "rt_error after a restart"
	amixd_alive || flunk "the daemon died"
}
