#!/usr/bin/env bats
# The audio clock: {"cmd":"clock"}, the clock event class, the shared
# clock page (clock_map), and its accuracy: on the null backend against
# the deadlines it was fed, on JACK against an independent JACK client.

load helpers

CLOCKCHECK=("$PY" "$BATS_TEST_DIRNAME/tools/clockcheck.py")

setup_file() {
	export JACK_NO_START_SERVER=1
	export JACK_DEFAULT_SERVER=amixd235.$$
}

teardown_file() {
	rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_* \
	    /dev/shm/jack_"$JACK_DEFAULT_SERVER"_*
}

setup() {
	export AMIXD_DIR=$BATS_TEST_TMPDIR
}

teardown() {
	amixd_stop
	jackd_stop
}

# True once file $1 has at least $3 lines matching $2.
lines_at_least() {
	[ "$(grep -c "$2" "$1")" -ge "$3" ]
}

# True once the clock says it runs.
clock_running() {
	[ "$(req '{"cmd":"clock"}' | jq -r .running)" = true ]
}

@test "clock: the reply has every field, and a stopped engine says so" {
	amixd_start -r 48000 -p 256
	run -0 req '{"cmd":"clock"}'
	assert_eq true "$(jget "$output" .ok)"
	assert_eq false "$(jget "$output" .running)"
	req '{"cmd":"start"}'
	wait_until 10 clock_running
	run -0 req '{"cmd":"clock"}'
	assert_eq "" "$(jget "$output" '[.frames, .time_ns, .rate, .latency_frames,
	    .input_latency_frames, .period, .nominal_rate, .device_frames,
	    .measured_ns, .raw_ns, .discontinuities, .reason, .jitter_ns,
	    .jitter_max_ns, .updates, .now_ns] | map(select(. == null)) |
	    length | select(. > 0)')" "fields missing"
	assert_eq 256 "$(jget "$output" .period)" period
	assert_eq 256 "$(jget "$output" .latency_frames)" "null: a period"
	assert_eq 48000 "$(jget "$output" .nominal_rate)"
	assert_near 48000 "$(jget "$output" .rate)" 0.1 rate
	# frames is heard within a period and a half of now, either side.
	assert_near "$(jget "$output" .now_ns)" "$(jget "$output" .time_ns)" \
	    8000000 "time_ns against now_ns"
	req '{"cmd":"stop"}'
	assert_eq false "$(req '{"cmd":"clock"}' | jq -r .running)"
}

@test "clock events: at the interval, and at once marked discont on a restart" {
	local out=$BATS_TEST_TMPDIR/ev.log pid xr reason disc
	amixd_start
	req '{"cmd":"start"}'
	wait_until 10 clock_running
	run -0 req '{"cmd":"subscribe","events":["clock"],"clock_interval":0.01}'
	assert_match '"bad_request"' "$output"
	( printf '%s\n' '{"cmd":"subscribe","events":["clock"],"clock_interval":0.2}'
	  sleep 30 ) | timeout 40 socat -t 30 - \
	    UNIX-CONNECT:"$AUDIOMIXERD_SOCKET" >"$out" &
	pid=$!
	wait_until 10 grep -q '"discont":false' "$out"
	req '{"cmd":"stop"}'
	req '{"cmd":"start"}'
	wait_until 10 grep -q '"discont":true' "$out"
	wait_until 10 lines_at_least "$out" '"discont":false' 6
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	run -0 jq -sc '[.[] | select(.event == "clock" and .discont)][0] |
	    [.reason, .discontinuities, .running]' "$out"
	# The restart is the clock's second discontinuity, reason start.
	# Each xrun (a host stall: a cycle past its deadline) restarts the
	# clock too, so under load the count may be higher by the xruns the
	# engine counted, before the stop (["start",3,true], once in
	# .ci/run's ASan pass) or in the first cycle after the start, when
	# the event, which reads the clock as it is when sent, says xrun
	# (once in .ci/run).
	xr=$(req '{"cmd":"stats"}' | jq .xruns)
	reason=$(jq -r '.[0]' <<<"$output")
	disc=$(jq -r '.[1]' <<<"$output")
	[ "$(jq -r '.[2]' <<<"$output")" = true ] ||
	    flunk "the restart's event: not running: $output"
	case $reason in
	start) ;;
	xrun) [ "$xr" -ge 1 ] ||
		flunk "the restart's event says xrun, but no xrun was counted" ;;
	*) flunk "the restart's event: reason $reason: $output" ;;
	esac
	[ "$disc" -ge 2 ] && [ "$disc" -le $((2 + xr)) ] ||
	    flunk "the restart's event: $disc discontinuities with $xr xruns"
	# The intervals: 0.2 s apart, give or take a 30 Hz tick and load.
	run -0 jq -s '[.[] | select(.event == "clock" and (.discont | not)) |
	    .now_ns] | [range(1; length) as $i | .[$i] - .[$i - 1]] |
	    (add / length / 1e6 | round)' "$out"
	assert_near 200 "$output" 60 "mean interval, ms"
}

@test "clock_map: a read-only page that moves with no request" {
	amixd_start
	run -0 "${CLOCKCHECK[@]}" map "$AUDIOMIXERD_SOCKET"
	assert_match '^ok [0-9]+$' "$output"
	req '{"cmd":"start"}'
	wait_until 10 clock_running
	run -0 "${CLOCKCHECK[@]}" map "$AUDIOMIXERD_SOCKET"
	assert_match '^ok [1-9][0-9]*$' "$output"
}

@test "amcat -v: the clock page and the ring's presentation delay" {
	amixd_start
	req '{"cmd":"create_node","type":"device_sink"}'
	req '{"cmd":"start"}'
	wait_until 10 clock_running
	head -c 192000 /dev/zero >"$BATS_TEST_TMPDIR/z.raw"	# 1 s, s16
	run -0 --separate-stderr amcat -v -r 48000 -c 2 -f s16 --latency 100 \
	    "$BATS_TEST_TMPDIR/z.raw"
	echo "$stderr"
	assert_match 'amcat: clock: frame [0-9]+ heard at [0-9]+ ns, 48000\.[0-9]+ Hz, latency 128 frames, period 128, running' \
	    "$stderr"
	# The newest frame written waits at most the ring (100 ms) plus the
	# device's period of latency, and it does wait.
	assert_match 'presentation delay: [0-9.]+ ms' "$stderr"
	d=$(printf '%s\n' "$stderr" | sed -n 's/.*presentation delay: \([0-9.]*\) ms.*/\1/p')
	assert_near 60 "$d" 60 "presentation delay, ms"
}

@test "null: 25 s of predictions hold within one frame; jitter reported" {
	amixd_start -p 128
	req '{"cmd":"start"}'
	wait_until 10 clock_running
	local r try
	# Each event predicted from its run's first, against the deadline
	# the engine measured: within 1 frame (20.8 us), in every try. A run
	# is cut by an xrun (this machine stalls for ms at times, at worst
	# every few seconds: a longest run of 4.8 s in 25 s once in
	# .ci/run): up to three tries for one run of at least 5 s.
	for try in 1 2 3; do
		run -0 "${CLOCKCHECK[@]}" accuracy "$AUDIOMIXERD_SOCKET" 25 0.25
		r=$output
		echo "# try $try: $r" >&3
		assert_near 0 "$(jget "$r" .worst_frames)" 1 "worst, frames"
		jq -e '.span_s >= 5 and .checked >= 20' <<<"$r" >/dev/null &&
		    break
	done
	run -0 jq -e '.span_s >= 5 and .checked >= 20' <<<"$r"
	run -0 jq -e '.filtered_vs_measured_frames < 1' <<<"$r"
	# Jitter (raw wake-up against filtered) is reported and plausible:
	# some, and on average below ten periods (tens of us on an idle
	# machine, a millisecond and more when six test runs share it).
	run -0 jq -e '.jitter_ns > 0 and .jitter_max_ns >= .jitter_ns and
	    .jitter_ns < 10 * .period_ns' <<<"$r"
}

@test "jack: amixd's clock agrees with an independent JACK client's" {
	# A period of 1024 (21 ms): at 128 the dummy driver here has an
	# xrun whenever the host stalls for 3 ms, at worst every second or
	# two, and each restarts both clocks, leaving no stretch to judge
	# a rate on. The time bound stays 2667 us, one 128-frame period.
	jackd_start 1024
	amixd_start -b jack
	req '{"cmd":"start"}'
	wait_until 10 clock_running
	# The rates within 25 ppm: with 0.3 ms of mean wake-up jitter here
	# at 21 ms a period the loop's 0.05 Hz leaves about 8 ppm of noise
	# in its rate (the loop's own bounds are test_aclock's).
	local r try ok='.time_err_us >= 0 and .time_err_us < 2667 and
	    .time_checked >= 10' rate='.rate_ppm >= 0 and .rate_ppm < 25 and
	    .jack_span_s >= 5 and .reported_rate_ppm >= 0 and
	    .reported_rate_ppm < 25'
	# The host stalls now and then (TESTRIG.md) and a stall may still
	# restart both clocks: up to three 30 s windows, the bounds below
	# unchanged for the one that is judged.
	for try in 1 2 3; do
		run -0 "$PY" "$BATS_TEST_DIRNAME/tools/jackclock.py" \
		    "$AUDIOMIXERD_SOCKET" 30
		r=${lines[-1]}
		echo "# try $try: $r" >&3
		jq -e "$ok and $rate" <<<"$r" >/dev/null && break
	done
	# Within 2667 us of JACK's time for the same frame, at least 10
	# replies; the rate, the slope of amixd's clock and the rate it
	# reports, within 25 ppm of JACK's; JACK's time and rate both as
	# this client's own process calls see them (the line through the
	# earliest of each second), over the same stretch of at least 5 s.
	# Not JACK's DLL: after a stall it is off by ms for seconds while
	# looking sane, and the dummy driver's rate wanders by tens of ppm
	# under load: see tools/jackclock.py.
	run -0 jq -e "$ok" <<<"$r"
	run -0 jq -e "$rate" <<<"$r"
	assert_eq 1024 "$(jget "$r" .latency_frames)" "JACK's playback latency"
}
