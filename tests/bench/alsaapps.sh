#!/bin/bash
# SPDX-License-Identifier: MIT
# Unmodified ALSA applications (issue 14, "Measured"): aplay playing a
# tone, one stream, through three ALSA PCMs in turn, each into its own
# server at 128 frames, 48 kHz:
#   amixd     the amixd plugin (build/alsa/libasound_module_pcm_amixd.so)
#             into amixd -b null -p 128 running amixd/default.am (master
#             mixer into device_sink out)
#   jack      alsa-plugins' jack PCM (behind plug) into jackd -S -d dummy
#             -p 128
#   pipewire  pipewire-alsa's PCM into the private PipeWire of pwlib.sh
#             (null sink, quantum 128; its stream linked by pwlib.sh).
#             The plugin comes from the pipewire-alsa .deb (apt-get
#             download on first use), kept in build/bench-cache: the
#             package itself is not installed, as it would make PipeWire
#             every ALSA application's default PCM.
# For each: CPU of the server process and of aplay, each alone and
# their sum, over SECS (default 10) with a 100 ms buffer
# (--buffer-time=100000), per PID, all threads, from
# /proc/PID/task/*/schedstat (the scheduler's own run time, as the other
# benchmarks; utime + stime of /proc/PID/stat, sampled at the tick, go
# to stderr beside them for each window); aplay's wake-ups a second
# (context switches, all threads) with a 100 ms and a 10 ms buffer; the
# delay the PCM reports (snd_pcm_delay right after each write, median,
# pcmdelay.py) with a 100 ms and a 10 ms buffer. ALSA configurations are
# private (ALSA_CONFIG_PATH), sockets and servers too.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pwlib.sh"
SECS=${SECS:-10}
PLUG=$B/alsa/libasound_module_pcm_amixd.so
ap=
trap 'exit 143' TERM
trap '[ -n "$ap" ] && kill "$ap" 2>/dev/null; bench_amixd_stop; bench_jack_stop;
    bench_pw_stop; rm -rf "$BENCH_DIR"' EXIT

[ -f "$PLUG" ] || { echo "alsaapps.sh: $PLUG is not built" >&2; exit 1; }

pwalsa=yes
bench_pw_alsa_fetch || { pwalsa=; echo "alsaapps.sh: no pipewire-alsa plugin: PipeWire not measured" >&2; }

cat >"$BENCH_DIR/asound.conf" <<EOF
pcm_type.amixd { lib "$PLUG" }
pcm.bench_amixd { type amixd }
pcm.bench_jack { type plug  slave.pcm { type jack
    playback_ports { 0 system:playback_1  1 system:playback_2 } } }
pcm_type.pipewire { lib "$PW_ALSA_PLUG" }
pcm.bench_pipewire { type pipewire }
EOF
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$BENCH_DIR/asound.conf
amtone -f 440 --db -20 -d $((SECS + 10)) -t wav -F s16 >"$BENCH_DIR/tone.wav"

switches() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
	    awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}

# link_if_pw: PipeWire streams need linking (no session manager).
link_if_pw() {
	[ "$1" = pipewire ] || return 0
	bench_pw_link 1 "ALSA Playback" >/dev/null 2>>"$BENCH_DIR/link.err"
}

# play NAME SERVER_PID BUFFER_US: aplay for SECS; "SRV_PCT APLAY_PCT WK"
# (and on stderr the same CPU from /proc/PID/stat's ticks, to compare)
play() {
	local name=$1 srv=$2 buf=$3 d0 a0 v0 t0 d1 a1 v1 t1 ns k0 k1 b0 b1
	aplay -q -D "bench_$name" --buffer-time="$buf" "$BENCH_DIR/tone.wav" \
	    2>>"$BENCH_DIR/aplay.err" &
	ap=$!
	link_if_pw "$name"
	sleep 1
	d0=$(cpu_ns "$srv"); a0=$(cpu_ns "$ap"); v0=$(switches "$ap")
	k0=$(ticks "$srv"); b0=$(ticks "$ap")
	t0=$(date +%s%N)
	sleep "$SECS"
	d1=$(cpu_ns "$srv"); a1=$(cpu_ns "$ap"); v1=$(switches "$ap")
	k1=$(ticks "$srv"); b1=$(ticks "$ap")
	t1=$(date +%s%N)
	kill -0 "$ap" 2>/dev/null || echo "alsaapps.sh: aplay on $name ended early" >&2
	kill "$ap" 2>/dev/null; wait "$ap" 2>/dev/null; ap=
	ns=$((t1 - t0))
	echo "$(ns_pct $((d1 - d0)) "$ns") $(ns_pct $((a1 - a0)) "$ns")" \
	    "$(awk -v d=$((v1 - v0)) -v ns="$ns" 'BEGIN { printf "%.1f", d / (ns / 1e9) }')"
	echo "alsaapps.sh: $name $buf us: server $(ns_pct $((d1 - d0)) "$ns") %," \
	    "aplay $(ns_pct $((a1 - a0)) "$ns") % (schedstat); utime + stime:" \
	    "server $(pct $((k1 - k0)) "$ns") %, aplay $(pct $((b1 - b0)) "$ns") %" >&2
}

# delay NAME BUFFER_US: median snd_pcm_delay in ms
delay() {
	local r
	timeout 30 /usr/bin/python3 "$top/tests/bench/pcmdelay.py" "bench_$1" "$2" 2 \
	    >"$BENCH_DIR/delay" 2>>"$BENCH_DIR/delay.err" &
	r=$!
	link_if_pw "$1"
	wait "$r"
	jq -r '.median_ms // empty' "$BENCH_DIR/delay" 2>/dev/null
}

# measure NAME SERVER_PID: fills the R_* of NAME
measure() {
	local n=$1 s=$2
	read -r srv cpu wk100 < <(play "$n" "$s" 100000)
	read -r _ _ wk10 < <(play "$n" "$s" 10000)
	eval "R_$n=\"$srv $cpu $wk100 $wk10 $(delay "$n" 100000 || true) $(delay "$n" 10000 || true)\""
}

bench_amixd_start -p 128 -f "$top/amixd/default.am" || exit 1
measure amixd "$BENCH_PID"
bench_amixd_stop

# A jackd that does not start (JACK allows few servers at once on a
# machine: "Too many servers already active") costs only its figures.
if bench_jack_start 128; then
	measure jack "$JACK_PID"
	bench_jack_stop
else
	echo "alsaapps.sh: jackd did not start: JACK not measured" >&2
	R_jack=
fi

if [ -n "$pwalsa" ]; then
	bench_pw_start || exit 1
	measure pipewire "$PW_PID"
	bench_pw_stop
else
	R_pipewire=
fi

read -r a_srv a_cpu a_w100 a_w10 a_d100 a_d10 <<<"$R_amixd"
read -r j_srv j_cpu j_w100 j_w10 j_d100 j_d10 <<<"${R_jack:-}"
read -r p_srv p_cpu p_w100 p_w10 p_d100 p_d10 <<<"${R_pipewire:-}"
echo "alsaapps.sh: amixd $R_amixd; jack ${R_jack:-none}; pipewire ${R_pipewire:-none}" >&2
J="aplay -D jack PCM (plug) into jackd -S -d dummy -p 128"
P="aplay -D pipewire-alsa into pipewire (null sink, quantum 128)"
sum() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") exit; printf "%.2f", a + b }'; }
for peer in jack pipewire; do
	eval "pv_srv=\${${peer:0:1}_srv-} pv_cpu=\${${peer:0:1}_cpu-} pv_w100=\${${peer:0:1}_w100-} pv_w10=\${${peer:0:1}_w10-} pv_d100=\${${peer:0:1}_d100-} pv_d10=\${${peer:0:1}_d10-}"
	[ "$peer" = jack ] && pn=$J || pn=$P
	figure "alsaapp_${peer}_server_cpu_pct" "$a_srv" "% of one core" \
	    "$pn" "$pv_srv" lower \
	    "one aplay, 100 ms buffer, $SECS s: the server process alone (amixd; jackd; pipewire, the one server process started, no session manager), all its threads"
	figure "alsaapp_${peer}_aplay_cpu_pct" "$a_cpu" "% of one core" \
	    "$pn" "$pv_cpu" lower \
	    "the same window: the aplay process alone, all its threads (the PCM plugin's own threads included: libjack's client thread, pipewire-alsa's data loop)"
	figure "alsaapp_${peer}_cpu_pct" "$(sum "$a_srv" "$a_cpu")" "% of one core" \
	    "$pn" "$(sum "$pv_srv" "$pv_cpu")" lower \
	    "the same window, server + aplay: amixd $a_srv + $a_cpu %, $peer $pv_srv + $pv_cpu %"
	figure "alsaapp_${peer}_aplay_wakeups_100ms" "$a_w100" "per second" \
	    "$pn" "$pv_w100" lower "aplay --buffer-time=100000: context switches of all its threads"
	figure "alsaapp_${peer}_aplay_wakeups_10ms" "$a_w10" "per second" \
	    "$pn" "$pv_w10" lower "aplay --buffer-time=10000: context switches of all its threads"
	figure "alsaapp_${peer}_delay_100ms" "$a_d100" ms "$pn" "$pv_d100" "" \
	    "snd_pcm_delay after each write, median (pcmdelay.py), 100 ms buffer kept full: what the PCM tells a player for lip sync (click.sh checks it against a click timed where it reaches the device mix)"
	figure "alsaapp_${peer}_delay_10ms" "$a_d10" ms "$pn" "$pv_d10" lower \
	    "the same with a 10 ms buffer"
done
for f in aplay delay link; do
	[ -s "$BENCH_DIR/$f.err" ] && { echo "alsaapps.sh: $f said:" >&2; sort "$BENCH_DIR/$f.err" | uniq -c | head -5 >&2; }
done
exit 0
