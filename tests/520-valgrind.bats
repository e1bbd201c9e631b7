#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The whole daemon lifecycle under valgrind: start, a graph of tone,
# gain, mixer, resample and file_sink, start, set, stop, render, destroy,
# a subscriber, an app ring client, SIGTERM. valgrind exits 99 on any
# memory error or a definite or indirect leak; the daemon must exit 0.
# Period 1024 and a few seconds keep it short. mlockall may fail under
# valgrind; the daemon carries on without it. valgrind cannot run a
# sanitizer build (make SANITIZE=address,undefined check): there the same
# lifecycle runs under ASan and LeakSanitizer, which fail it the same
# way (exit status 99 on an error or a leak).

load helpers

# req with patience: valgrind makes every reply slow.
vreq() {
	printf '%s\n' "$1" | socat -t 60 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET"
}

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR/d
	mkdir -p "$AMIXD_DIR"
	export AUDIOMIXERD_SOCKET=$AMIXD_DIR/amixd.sock
	VG_LOG=$AMIXD_DIR/valgrind.log
}

teardown() {
	if [ -n "${AMIXD_PID:-}" ]; then
		kill -KILL "$AMIXD_PID" 2>/dev/null || true
		wait "$AMIXD_PID" 2>/dev/null || true
	fi
}

@test "the daemon lifecycle under valgrind: no errors, no definite or indirect leaks" {
	local d=$BATS_TEST_TMPDIR amixd_bin rc sub t g m r f
	amixd_bin=$(command -v amixd)
	(
		if asan_build; then
			export ASAN_OPTIONS="detect_leaks=1:exitcode=99:log_path=$VG_LOG"
			exec_closed "$amixd_bin" -b null -p 1024 \
			    </dev/null >"$AMIXD_DIR/amixd.log" 2>&1
		fi
		exec_closed valgrind -q --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect \
		    --error-exitcode=99 --log-file="$VG_LOG" \
		    "$amixd_bin" -b null -p 1024 \
		    </dev/null >"$AMIXD_DIR/amixd.log" 2>&1
	) &
	AMIXD_PID=$!
	wait_until 60 amctl ping || flunk "$(cat "$VG_LOG" "$AMIXD_DIR/amixd.log")"

	# a subscriber that stays for the whole run
	( printf '%s\n' '{"cmd":"subscribe","events":["state","stats","levels","node","xrun"],"interval":0.2}' |
	    socat -t 60 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$d/sub.out" ) 3>&- &
	sub=$!

	t=$(jget "$(vreq '{"cmd":"create_node","type":"tone","args":{"freq":1000,"db":-6}}')" .id)
	g=$(jget "$(vreq '{"cmd":"create_node","type":"gain","args":{"db":-3}}')" .id)
	m=$(jget "$(vreq '{"cmd":"create_node","type":"mixer"}')" .id)
	r=$(jget "$(vreq '{"cmd":"create_node","type":"resample","args":{"rate":44100}}')" .id)
	f=$(jget "$(vreq "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/out.wav\"}}")" .id)
	vreq '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	for l in "$t $g" "$g $r" "$r $m" "$m $f"; do
		set -- $l
		assert_eq true "$(jget "$(vreq "{\"cmd\":\"connect\",\"from\":$1,\"to\":$2}")" .ok)" "connect $l"
	done
	assert_eq true "$(jget "$(vreq '{"cmd":"start"}')" .ok)" "start"
	wait_until 20 node_frames_above "$f" 4096
	assert_eq true "$(jget "$(vreq "{\"cmd\":\"set\",\"id\":$g,\"args\":{\"db\":-12}}")" .ok)" "set"
	assert_eq true "$(jget "$(vreq "{\"cmd\":\"set\",\"id\":$t,\"args\":{\"freq\":500}}")" .ok)" "set"
	# an app ring client comes and goes (its ring is mapped and unmapped)
	timeout 30 sh -c 'amtone -d 0.5 2>/dev/null | amcat' 3>&- ||
	    flunk "amcat failed under valgrind"
	assert_eq true "$(jget "$(vreq '{"cmd":"stop"}')" .ok)" "stop"
	assert_eq 48000 "$(jget "$(vreq '{"cmd":"render","seconds":1}')" .frames)" "render"
	for n in "$f" "$m" "$r" "$g"; do
		vreq "{\"cmd\":\"destroy_node\",\"id\":$n}" >/dev/null
	done
	run -0 amctl ping
	kill -TERM "$AMIXD_PID"
	rc=0
	wait "$AMIXD_PID" || rc=$?
	unset AMIXD_PID
	kill "$sub" 2>/dev/null || true
	wait "$sub" 2>/dev/null || true
	grep -q '"event"' "$d/sub.out" || flunk "the subscriber got no event"
	[ "$rc" -eq 0 ] || flunk "exit status $rc under valgrind" "$(cat "$VG_LOG"*)"
	[ "$(soxi -s "$d/out.wav")" -gt 48000 ] || flunk "the file sink wrote $(soxi -s "$d/out.wav") frames"
}
