#!/usr/bin/env bats
# The daemon's life: options and environment, one daemon per socket,
# signals, state and xrun events, and graph edits while audio runs.

load helpers

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
}

teardown() {
	amixd_stop
}

@test "options win over the design card's environment variables" {
	AUDIOMIXERD_PERIOD=256 AUDIOMIXERD_DEVICE=hw:7,0 amixd_start
	run -0 req '{"cmd":"list"}'
	assert_eq 256 "$(jget "$output" .device.period)"
	assert_eq hw:7,0 "$(jget "$output" .device.name)"
	amixd_stop
	AUDIOMIXERD_PERIOD=256 AUDIOMIXERD_DEVICE=hw:7,0 amixd_start -p 64 -d mine -r 44100
	run -0 req '{"cmd":"list"}'
	assert_eq 64 "$(jget "$output" .device.period)"
	assert_eq mine "$(jget "$output" .device.name)"
	assert_eq 44100 "$(jget "$output" .device.rate)"
}

@test "AUDIOMIXERD_SOCKET names the socket and -s overrides it" {
	local other=$BATS_TEST_TMPDIR/other.sock pid
	AUDIOMIXERD_SOCKET=$other amixd -b null </dev/null 3>&- &
	pid=$!
	AUDIOMIXERD_SOCKET=$other wait_until 10 amctl ping
	kill -TERM "$pid"
	wait "$pid"
	[ ! -e "$other" ] || flunk "socket left behind"
	AUDIOMIXERD_SOCKET=$other amixd -b null -s "$other.2" </dev/null 3>&- &
	pid=$!
	wait_until 10 amctl -s "$other.2" ping
	[ ! -e "$other" ] || flunk "env socket used despite -s"
	kill -TERM "$pid"
	wait "$pid"
}

@test "bad options and variables are usage errors" {
	run -2 --separate-stderr amixd -p 15
	assert_match 'period' "$stderr"
	run -2 --separate-stderr amixd -p 4097
	run -2 --separate-stderr amixd -r 7999
	run -2 --separate-stderr amixd -x
	run -2 --separate-stderr amixd extra-operand
	AUDIOMIXERD_PERIOD=12 run -2 --separate-stderr amixd -s "$BATS_TEST_TMPDIR/s"
	assert_match 'AUDIOMIXERD_PERIOD' "$stderr"
	AUDIOMIXERD_BACKEND=oss run -1 --separate-stderr amixd -s "$BATS_TEST_TMPDIR/s"
	assert_match 'backend oss' "$stderr"
	# A backend left out of the build (WITH_JACK=0) is refused; with
	# it built, "amixd -b jack" would run as a daemon.
	if ! nm "$AM_TOP/build/amixd/amixd" | grep -q backend_jack_ops; then
		run -1 --separate-stderr amixd -b jack -s "$BATS_TEST_TMPDIR/s"
		assert_match 'jack: not available' "$stderr"
	fi
	# -b wins over the variable.
	AUDIOMIXERD_BACKEND=jack amixd_start -b null
}

@test "a second daemon on a live socket refuses; a stale socket is replaced" {
	amixd_start
	run -1 --separate-stderr amixd -b null
	assert_match 'another amixd answers' "$stderr"
	run -0 amctl ping
	# A daemon killed hard leaves its socket file: the next one takes it.
	kill -KILL "$AMIXD_PID"
	wait "$AMIXD_PID" || true
	[ -S "$AUDIOMIXERD_SOCKET" ] || flunk "no stale socket to test with"
	amixd_start
	run -0 amctl ping
}

# Signals by class. Faults keep their default (a core); KILL and STOP
# cannot be caught; TSTP, TTIN and TTOU stop, CHLD, CONT, URG and WINCH
# are ignored by default, PIPE and XFSZ by amixd: after any of those the
# daemon must still run. Every other signal kill -l lists ends a process
# by default, so it must end amixd in order. A signal added to the system
# lands in that last class and is tested with no change here.
SIG_FAULT="ILL TRAP ABRT BUS FPE SEGV SYS KILL STOP TSTP TTIN TTOU"
SIG_KEEP="CHLD CONT URG WINCH PIPE XFSZ"

# The signals that must stop amixd in order: all of kill -l but the above.
sig_quit_list() {
	local s
	for s in $(kill -l | tr -s '[:space:]' '\n' | grep '^SIG' |
	    sed 's/^SIG//'); do
		case " $SIG_FAULT $SIG_KEEP " in
		*" $s "*) ;;
		*) echo "$s" ;;
		esac
	done
}

# A daemon in $AMIXD_DIR recording a 500 Hz tone to $AMIXD_DIR/rec.wav.
sig_record() {
	amixd_start -v
	req '{"cmd":"create_node","type":"tone","args":{"freq":500}}' >/dev/null
	req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$AMIXD_DIR/rec.wav\"}}" >/dev/null
	req '{"cmd":"connect","from":1,"to":2}' >/dev/null
	req '{"cmd":"start"}' >/dev/null
	wait_until 10 node_frames_above 2 2400
}

@test "every signal that ends a process ends amixd in order, the recording whole" {
	local sig dir n=0 st frames log
	cat >"$BATS_TEST_TMPDIR/ref.am" <<EOS
open rate=48000 period=128
t = create tone freq=500
f = create file_sink path=$BATS_TEST_TMPDIR/ref.wav
connect \$t \$f
EOS
	run -0 amixd --render 20 "$BATS_TEST_TMPDIR/ref.am"
	for sig in $(sig_quit_list); do
		export AMIXD_DIR=$BATS_TEST_TMPDIR/$sig
		sig_record
		kill -s "$sig" "$AMIXD_PID"
		st=0
		wait "$AMIXD_PID" || st=$?
		unset AMIXD_PID
		assert_eq 0 "$st" "exit status on SIG$sig"
		[ ! -e "$AUDIOMIXERD_SOCKET" ] || flunk "socket left on SIG$sig"
		# The writer's own count: the file holds it all, none lost.
		log=$(grep -o 'closed, [0-9]* frames, [0-9]* lost' \
		    "$AMIXD_DIR/amixd.log")
		frames=$(soxi -V1 -s "$AMIXD_DIR/rec.wav")
		assert_eq "closed, $frames frames, 0 lost" "$log" "SIG$sig"
		n=$((n + 1))
	done
	[ "$n" -ge 44 ] || flunk "only $n signals tested"
	# Each file: a valid WAV whose data chunk ends the file, and whose
	# frames are the tone a render makes, bit for bit, from frame 0.
	run -0 "$PY" - "$BATS_TEST_TMPDIR" $(sig_quit_list) <<'EOP'
import struct, sys
import numpy as np
def wav(path):
    b = open(path, "rb").read()
    assert b[:4] == b"RIFF" and b[8:12] == b"WAVE", path + ": not RIFF"
    assert struct.unpack_from("<I", b, 4)[0] == len(b) - 8, path + ": size"
    off = 12
    while off + 8 <= len(b):
        cid, size = b[off:off + 4], struct.unpack_from("<I", b, off + 4)[0]
        if cid == b"data":
            assert off + 8 + size == len(b), path + ": data != file"
            return np.frombuffer(b[off + 8:], dtype="<f4").reshape(-1, 2)
        off += 8 + size + (size & 1)
    raise AssertionError(path + ": no data")
top = sys.argv[1]
ref = wav(top + "/ref.wav")
bad = []
for sig in sys.argv[2:]:
    x = wav("%s/%s/rec.wav" % (top, sig))
    if len(x) < 2400 or len(x) % 128 or (x != ref[:len(x)]).any():
        bad.append("%s:%d" % (sig, len(x)))
print("bad:", " ".join(bad))
EOP
	assert_eq "bad: " "$output" "signals whose file is not the tone"
}

@test "a long offline render stops early on them too, its file whole" {
	local sig pid st n size
	cat >"$BATS_TEST_TMPDIR/long.am" <<EOS
t = create tone freq=500
f = create file_sink path=$BATS_TEST_TMPDIR/long.wav
connect \$t \$f
EOS
	for sig in HUP QUIT USR1 ALRM PROF RTMIN RTMAX; do
		rm -f "$BATS_TEST_TMPDIR/long.wav"
		( exec_closed amixd --render 86400 "$BATS_TEST_TMPDIR/long.am" \
		    2>"$BATS_TEST_TMPDIR/err" ) &
		pid=$!
		wait_until 10 test -s "$BATS_TEST_TMPDIR/long.wav"
		kill -s "$sig" "$pid"
		st=0
		wait "$pid" || st=$?
		assert_eq 1 "$st" "exit status on SIG$sig"
		assert_match 'interrupted after [0-9]+ frames' \
		    "$(cat "$BATS_TEST_TMPDIR/err")" "SIG$sig"
		n=$(grep -o 'interrupted after [0-9]*' "$BATS_TEST_TMPDIR/err" |
		    grep -o '[0-9]*$')
		assert_eq "$n" "$(soxi -V1 -s "$BATS_TEST_TMPDIR/long.wav")" \
		    "frames in the file on SIG$sig"
		# A float WAV: its header and 8 bytes a frame make the file.
		size=$(stat -c %s "$BATS_TEST_TMPDIR/long.wav")
		[ $((size - n * 8)) -ge 44 ] && [ $((size - n * 8)) -le 256 ] ||
		    flunk "SIG$sig: $size bytes for $n frames"
	done
}

@test "signals that do not end a process leave amixd running and recording" {
	local sig f1 f2
	export AMIXD_DIR=$BATS_TEST_TMPDIR
	sig_record
	for sig in $SIG_KEEP; do
		f1=$(node_frames 2)
		kill -s "$sig" "$AMIXD_PID"
		wait_until 5 node_frames_above 2 "$f1" ||
		    flunk "no audio after SIG$sig"
		amixd_alive || flunk "gone on SIG$sig"
	done
	run -0 amctl ping
	amixd_stop
	f2=$(soxi -V1 -s "$AMIXD_DIR/rec.wav")
	[ "$f2" -gt "$f1" ] || flunk "$f2 frames recorded"
	assert_eq "closed, $f2 frames, 0 lost" "$(grep -o \
	    'closed, [0-9]* frames, [0-9]* lost' "$AMIXD_DIR/amixd.log")"
}

@test "state events on start and stop; an xrun event when the clock stalls" {
	amixd_start
	req '{"cmd":"create_node","type":"tone"}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":1,"to":2}'
	local log=$BATS_TEST_TMPDIR/events
	( printf '%s\n' '{"cmd":"subscribe","events":["state","xrun"]}' |
	    socat -t 30 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$log" ) 3>&- &
	local sub=$!
	wait_until 5 grep -q '"ok":true' "$log"
	req '{"cmd":"start"}'
	wait_until 5 grep -q '"value":"running"' "$log"
	# Stop the whole daemon for 300 ms: its timer misses deadlines.
	sleep 0.2
	kill -STOP "$AMIXD_PID"
	sleep 0.3
	kill -CONT "$AMIXD_PID"
	wait_until 5 grep -q '"event":"xrun"' "$log"
	run -0 req '{"cmd":"stats"}'
	assert_eq true "$(jget "$output" .rt)" "SCHED_FIFO as root"
	req '{"cmd":"stop"}'
	wait_until 5 grep -q '"value":"stopped"' "$log"
	# The stall's xrun: the longest one (a loaded VM adds short ones).
	local xrun
	xrun=$(grep '"event":"xrun"' "$log" | jq -sc 'max_by(.usec)')
	assert_eq underrun "$(jget "$xrun" .type)"
	assert_eq 2 "$(jget "$xrun" .node)" "node of the xrun"
	[ "$(jget "$xrun" .usec)" -gt 100000 ] || flunk "usec $(jget "$xrun" .usec)"
	run -0 req '{"cmd":"stats"}'
	[ "$(jget "$output" .xruns)" -ge 1 ] || flunk "xruns not counted"
	assert_eq false "$(jget "$output" .rt)" "rt once stopped"
	kill "$sub" 2>/dev/null || true
}

@test "graph edits while running never break a tone being recorded" {
	local wav=$BATS_TEST_TMPDIR/edit.wav out i id
	amixd_start
	req '{"cmd":"create_node","type":"tone","args":{"freq":1000,"db":-6}}'
	req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$wav\"}}"
	req '{"cmd":"connect","from":1,"to":2}'
	req '{"cmd":"start"}'
	# 200 edits: new branches appear and vanish, in one connection.
	for i in $(seq 1 50); do
		id=$((3 + (i - 1) * 2))
		printf '%s\n' \
		    '{"cmd":"create_node","type":"tone","args":{"freq":300}}' \
		    '{"cmd":"create_node","type":"device_sink"}' \
		    "{\"cmd\":\"connect\",\"from\":$id,\"to\":$((id + 1))}" \
		    "{\"cmd\":\"destroy_node\",\"id\":$id}" \
		    "{\"cmd\":\"destroy_node\",\"id\":$((id + 1))}"
	done | socat -t 10 - UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$BATS_TEST_TMPDIR/replies"
	assert_eq 0 "$(grep -c '"ok":false' "$BATS_TEST_TMPDIR/replies")" "failed edits"
	wait_until 10 node_frames_above 2 48000
	req '{"cmd":"stop"}'
	req '{"cmd":"destroy_node","id":2}'
	out=$(sinefit "$wav")
	assert_near 1000 "$(jget "$out" .freq)" 0.01 "frequency"
	assert_near -6 "$(jget "$out" .amp_db)" 0.01 "level"
	# Far below any click: the tone is continuous through every swap.
	[ "$(jget "$out" '.resid_db < -100')" = true ] ||
	    flunk "residual $(jget "$out" .resid_db) dB"
	run -0 req '{"cmd":"list"}'
	assert_eq 1 "$(jget "$output" '.nodes | length')"
}

@test "the engine runs at the range limits of rate and period" {
	amixd_start
	run -0 req '{"cmd":"device_open","rate":8000,"period":16}'
	assert_eq 16 "$(jget "$output" .device.period)"
	req '{"cmd":"create_node","type":"tone","args":{"freq":100}}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":1,"to":2}'
	req '{"cmd":"start"}'
	wait_until 10 node_frames_above 2 4000
	req '{"cmd":"stop"}'
	run -0 req '{"cmd":"device_open","rate":192000,"period":4096}'
	assert_eq 4096 "$(jget "$output" .device.period)"
	req '{"cmd":"start"}'
	local f0
	f0=$(node_frames 2)
	wait_until 10 node_frames_above 2 $((f0 + 96000))
	req '{"cmd":"stop"}'
	run -0 req '{"cmd":"device_close"}'
	run -0 req '{"cmd":"list"}'
	assert_eq false "$(jget "$output" .device.open)"
}

@test "libsndfile and libjack load on first use; a broken one is a clear error" {
	local lib=$BATS_TEST_TMPDIR/lib wav=$BATS_TEST_TMPDIR/a.wav shape
	amixd_start
	! grep -qE "libsndfile|libjack" "/proc/$AMIXD_PID/maps" ||
	    flunk "loaded at start"
	run -0 req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$wav\"}}"
	assert_eq true "$(jget "$output" .ok)"
	grep -q libsndfile "/proc/$AMIXD_PID/maps" ||
	    flunk "a file node did not load libsndfile"
	! grep -q libjack "/proc/$AMIXD_PID/maps" || flunk "libjack loaded"
	amixd_stop
	# Empty files found first on the search path: dlopen fails on them.
	mkdir -p "$lib"
	: >"$lib/libsndfile.so.1"
	: >"$lib/libjack.so.0"
	LD_LIBRARY_PATH=$lib amixd_start -b jack
	shape=$(graph_shape)
	run -0 req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$wav.2\"}}"
	assert_eq unsupported "$(jget "$output" .error.code)"
	assert_match "cannot load libsndfile.so.1: .*$lib/libsndfile.so.1" \
	    "$(jget "$output" .error.message)"
	run -0 req "{\"cmd\":\"create_node\",\"type\":\"file_source\",\"args\":{\"path\":\"$wav\"}}"
	assert_match "cannot load libsndfile.so.1" "$(jget "$output" .error.message)"
	run -0 req '{"cmd":"device_open"}'
	assert_eq device "$(jget "$output" .error.code)"
	assert_match "^jack: cannot load libjack.so.0" \
	    "$(jget "$output" .error.message)"
	assert_eq "$shape" "$(graph_shape)" "graph unchanged"
	run -0 amctl ping
	[ ! -e "$wav.2" ] || flunk "a file was made"
}

@test "libasound loads when the ALSA backend first opens a PCM; missing, a clear error" {
	local lib=$BATS_TEST_TMPDIR/lib
	amixd_start -b alsa
	! grep -q libasound "/proc/$AMIXD_PID/maps" || flunk "loaded at start"
	run -0 req '{"cmd":"device_open","name":"null"}'
	assert_eq true "$(jget "$output" .ok)"
	grep -q libasound "/proc/$AMIXD_PID/maps" ||
	    flunk "device_open did not load libasound"
	req '{"cmd":"create_node","type":"tone","args":{"freq":100}}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":1,"to":2}'
	run -0 req '{"cmd":"start"}'
	assert_eq true "$(jget "$output" .ok)"
	wait_until 10 node_frames_above 2 4800
	amixd_stop
	# An empty file found first on the search path: dlopen fails on it.
	mkdir -p "$lib"
	: >"$lib/libasound.so.2"
	LD_LIBRARY_PATH=$lib amixd_start -b alsa
	run -0 req '{"cmd":"device_open","name":"null"}'
	assert_eq device "$(jget "$output" .error.code)"
	assert_match "cannot open for playback: alsa: cannot load libasound.so.2: .*$lib/libasound.so.2" \
	    "$(jget "$output" .error.message)"
	run -0 req '{"cmd":"device_open","name":"null"}'
	assert_match "alsa: cannot load libasound.so.2" \
	    "$(jget "$output" .error.message)"
	run -0 amctl ping
}

@test "libsamplerate loads with the first converter that uses it; missing, a clear error" {
	local lib=$BATS_TEST_TMPDIR/lib shape
	amixd_start
	! grep -q libsamplerate "/proc/$AMIXD_PID/maps" || flunk "loaded at start"
	# linear is libsamplerate's, whatever libsoxr does.
	run -0 req '{"cmd":"create_node","type":"resample","args":{"rate":44100,"quality":"linear"}}'
	assert_eq true "$(jget "$output" .ok)"
	grep -q libsamplerate "/proc/$AMIXD_PID/maps" ||
	    flunk "a linear resample node did not load libsamplerate"
	req '{"cmd":"create_node","type":"tone","args":{"freq":100}}'
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"connect","from":2,"to":1}'
	req '{"cmd":"connect","from":1,"to":3}'
	run -0 req '{"cmd":"start"}'
	assert_eq true "$(jget "$output" .ok)"
	wait_until 10 node_frames_above 3 4800
	amixd_stop
	mkdir -p "$lib"
	: >"$lib/libsamplerate.so.0"
	LD_LIBRARY_PATH=$lib amixd_start
	shape=$(graph_shape)
	run -0 req '{"cmd":"create_node","type":"resample","args":{"rate":44100,"quality":"linear"}}'
	assert_eq false "$(jget "$output" .ok)"
	assert_match "samplerate: cannot load libsamplerate.so.0: .*$lib/libsamplerate.so.0" \
	    "$(jget "$output" .error.message)"
	assert_eq "$shape" "$(graph_shape)" "graph unchanged"
	run -0 amctl ping
}

# The shared objects a daemon has mapped, one soname a line.
mapped_libs() {
	awk '$6 ~ /\.so/ { n = split($6, p, "/"); print p[n] }' \
	    "/proc/$AMIXD_PID/maps" | sort -u
}

# Every library amixd maps at start costs every start its loading (and
# the bench's exec-to-ready figure): the class of bug is a library linked
# for one feature (a backend, a file format, D-Bus) and so loaded by
# every daemon. Those load on first use (amixd/dl_*.c); only these may
# be there before any request.
@test "a daemon just started maps libc, libm, libcjson and no other library" {
	local so
	amixd_start -b alsa
	for so in $(mapped_libs); do
		case $so in
		ld-linux*.so.* | libc.so.* | libm.so.* | libcjson.so.*) ;;
		# A sanitizer build's runtime.
		libasan.so.* | libubsan.so.* | libtsan.so.* | \
		    libstdc++.so.* | libgcc_s.so.*)
			asan_build || flunk "$so is loaded at start" ;;
		*) flunk "$so is loaded at start" ;;
		esac
	done
}

# In a VM every cpuid traps to the host (about 4 us each on the CI
# VM), and libgcc's __builtin_cpu_init runs dozens of them in a
# constructor at every start of a program that links it. The kernel
# dispatch reads what glibc's loader already found (lib/cpu.h); the
# class of bug is __builtin_cpu_supports coming back into a program.
@test "no program runs libgcc's cpuid probe at start: the SIMD choice reads glibc's" {
	local prog
	for prog in amixd amcat amtone amctl amstat; do
		run -0 nm "$(command -v "$prog")"
		[[ $output != *__cpu_indicator_init* ]] ||
		    flunk "$prog links libgcc's __cpu_indicator_init"
	done
}

# amixd listens before it makes its engine, so a client started with it
# waits for its answer instead of being refused. Every descriptor limit
# makes start-up fail at another step (listening, the spare descriptor,
# the engine's eventfds) or leaves the daemon running short of them
# (no watchdog, no clock page, no descriptor for a client). A failed
# start is a clear error, exit 1 and no socket left; a daemon that
# runs answers, or refuses a client it has no descriptor for with an
# error reply, and never spins or leaves the client waiting.
@test "at every descriptor limit start-up fails cleanly, answers, or refuses with a reason" {
	local n i res out rc cpu sock=$BATS_TEST_TMPDIR/lim.sock
	local failed=0 answered=0 refused=0
	for n in $(seq 4 26); do
		rm -f "$sock"
		prlimit --nofile=$n:$n amixd -n -b null -s "$sock" \
		    </dev/null >"$BATS_TEST_TMPDIR/lim.out" 2>&1 3>&- &
		AMIXD_PID=$!
		res=
		for i in $(seq 500); do
			rc=0
			out=$(timeout 5 amctl -s "$sock" ping 2>&1) || rc=$?
			[ "$rc" != 0 ] || {
				res=answered
				break
			}
			[ "$rc" != 124 ] ||
			    flunk "limit $n: no answer in 5 s, the client waits"
			[[ $out != *"out of file descriptors"* ]] || {
				res=refused
				break
			}
			kill -0 "$AMIXD_PID" 2>/dev/null || {
				res=ended
				break
			}
			sleep 0.02
		done
		case $res in
		answered | refused)
			eval "$res=\$(($res + 1))"
			# Refusing, it does not spin on the listener.
			cpu=$(awk '{ print $14 + $15 }' "/proc/$AMIXD_PID/stat")
			sleep 0.5
			cpu=$(($(awk '{ print $14 + $15 }' \
			    "/proc/$AMIXD_PID/stat") - cpu))
			[ "$cpu" -lt 10 ] ||
			    flunk "limit $n: $cpu ticks of CPU in 0.5 s: it spins"
			kill -TERM "$AMIXD_PID"
			wait "$AMIXD_PID" || flunk "limit $n: exit after TERM" ;;
		ended)
			rc=0
			wait "$AMIXD_PID" || rc=$?
			assert_eq 1 "$rc" "limit $n: exit status"
			grep -q "Too many open files" "$BATS_TEST_TMPDIR/lim.out" ||
			    flunk "limit $n: $(cat "$BATS_TEST_TMPDIR/lim.out")"
			failed=$((failed + 1)) ;;
		*)
			flunk "limit $n: neither answered, refused nor ended" \
			    "in 10 s: $out" ;;
		esac
		AMIXD_PID=
		[ ! -e "$sock" ] || flunk "limit $n: socket left behind"
	done
	echo "# limits 4-26: $failed failed, $refused refused," \
	    "$answered answered" >&3
	[ "$failed" -ge 1 ] && [ "$answered" -ge 1 ] ||
	    flunk "the limits no longer span start-up"
}

# Voluntary context switches of the daemon's control thread: its wake-ups.
wakeups() {
	awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$AMIXD_PID/status"
}

@test "an idle daemon sleeps: no timer wakes it while stopped with no subscriber" {
	local a b sub
	amixd_start
	req '{"cmd":"create_node","type":"tone"}' >/dev/null
	a=$(wakeups)
	sleep 2
	b=$(wakeups)
	echo "# stopped, no subscriber: $((b - a)) wake-ups in 2 s" >&3
	[ $((b - a)) -le 2 ] || flunk "$((b - a)) wake-ups in 2 s while idle"
	# A subscriber gets its reports while the engine is stopped.
	run -0 timeout 20 amstat -i 0.2 -n 3
	assert_eq 3 "${#lines[@]}" "stats lines from a stopped engine"
	# Running, the meters are folded 30 times a second.
	req '{"cmd":"start"}' >/dev/null
	a=$(wakeups)
	sleep 2
	b=$(wakeups)
	echo "# running: $((b - a)) wake-ups in 2 s" >&3
	[ $((b - a)) -ge 20 ] || flunk "only $((b - a)) wake-ups while running"
	req '{"cmd":"stop"}' >/dev/null
	sleep 0.2
	a=$(wakeups)
	sleep 2
	b=$(wakeups)
	[ $((b - a)) -le 2 ] || flunk "$((b - a)) wake-ups in 2 s after stop"
}

# Locking the memory (mlockall) costs a start-up 0.1-0.2 ms that only
# the real-time thread needs: it is done at the first start, before any
# thread runs a cycle (amixd(8)). The class of bug is work on the path to
# the first answer that only a running engine needs, and the other way,
# memory a running engine has touched and not locked.
vmlck() {
	awk '/^VmLck:/ { print $2 }' "/proc/$AMIXD_PID/status"
}

# Can this daemon lock: CAP_IPC_LOCK (bit 14) or no RLIMIT_MEMLOCK?
can_lock() {
	local eff
	asan_build && return 1
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	[ $(((0x$eff >> 14) & 1)) = 1 ] || [ "$(ulimit -l)" = unlimited ]
}

# Every mapping's pages the daemon touched are locked, but the vDSO's.
all_locked() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 == "" ? $1 : $6 }
	    /^Pss:/ { pss = $2 }
	    /^Locked:/ && name !~ /^\[(vdso|vvar|vsyscall)/ && $2 != pss {
		print name ": Pss " pss " kB, Locked " $2 " kB"; bad = 1 }
	    END { exit bad }' "/proc/$AMIXD_PID/smaps"
}

@test "memory is locked at the first start, not at start-up: VmLck and stats say so" {
	local expect
	amixd_start -n
	assert_eq 0 "$(vmlck)" "VmLck before any start"
	run -0 req '{"cmd":"stats"}'
	assert_eq false "$(jget "$output" .mlock)" "mlock before any start"
	req '{"cmd":"create_node","type":"tone"}' >/dev/null
	req '{"cmd":"start"}' >/dev/null
	run -0 req '{"cmd":"stats"}'
	assert_eq running "$(jget "$output" .state)" "state"
	if can_lock; then
		assert_eq true "$(jget "$output" .mlock)" "mlock after start"
		[ "$(vmlck)" -gt 0 ] || flunk "VmLck $(vmlck) kB after start"
		run all_locked
		[ "$status" = 0 ] || flunk "touched and not locked: $output"
	else
		assert_eq false "$(jget "$output" .mlock)" "mlock, cannot"
		assert_eq 0 "$(vmlck)" "VmLck, cannot lock"
		asan_build || grep -q "memory not locked" "$AMIXD_LOG_FILE" ||
		    flunk "no log line for mlock"
	fi
	# Stopped and started again: still locked, locked once.
	req '{"cmd":"stop"}' >/dev/null
	req '{"cmd":"start"}' >/dev/null
	run -0 req '{"cmd":"stats"}'
	can_lock && expect=true || expect=false
	assert_eq "$expect" "$(jget "$output" .mlock)" "mlock after a restart"
	if can_lock; then
		run all_locked
		[ "$status" = 0 ] || flunk "touched and not locked: $output"
	fi
}

# An offline render has no deadline: locking would only make each page
# it faults in, and each it frees at the end, cost more (amixd(8)). A
# long --render, caught while it writes, has nothing locked, where a
# daemon's start in the same environment locks (above).
@test "a --render run never locks its memory" {
	local pid lck
	cat >"$BATS_TEST_TMPDIR/long.am" <<EOS
t = create tone freq=500
f = create file_sink path=$BATS_TEST_TMPDIR/long.wav
connect \$t \$f
EOS
	( exec_closed amixd --render 86400 "$BATS_TEST_TMPDIR/long.am" \
	    2>"$BATS_TEST_TMPDIR/err" ) &
	pid=$!
	# rendering: audio is reaching the file
	wait_until 10 test -s "$BATS_TEST_TMPDIR/long.wav"
	lck=$(awk '/^VmLck:/ { print $2 }' "/proc/$pid/status")
	kill "$pid"
	wait "$pid" 2>/dev/null || :
	rm -f "$BATS_TEST_TMPDIR/long.wav"
	assert_match '^[0-9]+$' "$lck" "VmLck read while rendering: $(cat \
	    "$BATS_TEST_TMPDIR/err")"
	assert_eq 0 "$lck" "VmLck of a render, kB"
}

@test "a daemon that became nobody (-u) still locks its memory at the first start" {
	[ "$(id -u)" = 0 ] || flunk "-u needs root: run the suite as root"
	AMIXD_DIR=$BATS_TEST_TMPDIR amixd_start -n -u nobody
	assert_eq "$(id -u nobody)" \
	    "$(awk '/^Uid:/ { print $2 }' "/proc/$AMIXD_PID/status")" "uid"
	assert_eq 0 "$(vmlck)" "VmLck before any start"
	req '{"cmd":"start"}' >/dev/null
	run -0 req '{"cmd":"stats"}'
	if ! can_lock; then
		assert_eq false "$(jget "$output" .mlock)" "mlock, cannot"
	else
		assert_eq true "$(jget "$output" .mlock)" "mlock as nobody"
		[ "$(vmlck)" -gt 0 ] || flunk "VmLck $(vmlck) kB after start"
	fi
}
