#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: start amixd (ALSA when the machine has a sound card, else the
# null backend, saying so), play the design card's quick-start graph for a
# few seconds while amstat prints stats and a file sink records demo.wav,
# then stop cleanly and say where the recording is. DEMO_WAV names the
# recording (default demo.wav at the top of the checkout), DEMO_SECONDS
# how long it plays. Any refused request ends the demo with status 1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
dir=$(mktemp -d "${TMPDIR:-/tmp}/amixd-demo.XXXXXX")
sock=$dir/amixd.sock
wav=${DEMO_WAV:-$top/demo.wav}
wavdir=$(cd "$(dirname "$wav")" && pwd)
wav=$wavdir/$(basename "$wav")
secs=${DEMO_SECONDS:-4}
export AUDIOMIXERD_SOCKET=$sock

if ls /dev/snd/pcmC*p >/dev/null 2>&1; then
	backend=alsa
	echo "demo: sound card found: backend alsa"
else
	backend=null
	echo "demo: no sound card here: backend null (timer-driven, nothing audible)"
fi

# The checkout may lie outside the directories a file sink may write to
# by default (home, /tmp): allow the recording's own (SECURITY in amixd(8)).
"$bin/amixd/amixd" -n -b "$backend" -s "$sock" -a "$wavdir" \
    </dev/null >"$dir/amixd.log" 2>&1 &
pid=$!
cleanup() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
end=$(($(date +%s) + 5))	# wall time: a try may be slow under load
until "$bin/amctl/amctl" ping >/dev/null 2>&1; do
	if [ "$(date +%s)" -gt "$end" ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "demo: amixd did not start:" >&2
		cat "$dir/amixd.log" >&2
		exit 1
	fi
	sleep 0.02
done

rm -f "$wav"
echo "demo: the design card's quick start: tone 440 Hz -> gain -6 dB -> device_sink, recorded to demo.wav"
ctl() {
	local out rc=0
	echo "  > $1"
	out=$("$bin/amctl/amctl" "$1" 2>/dev/null) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  < /'
	[ "$rc" -eq 0 ] || { echo "demo: the daemon refused that request" >&2; exit 1; }
}
ctl '{"cmd":"device_open","name":"default","rate":48000,"channels":2,"period":128}'
ctl '{"cmd":"create_node","type":"tone","args":{"freq":440}}'
ctl '{"cmd":"create_node","type":"gain","args":{"db":-6.0}}'
ctl '{"cmd":"create_node","type":"device_sink"}'
ctl '{"cmd":"connect","from":1,"to":2}'
ctl '{"cmd":"connect","from":2,"to":3}'
ctl "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$wav\"}}"
ctl '{"cmd":"connect","from":2,"to":4}'
ctl '{"cmd":"start"}'
echo "demo: amstat, one stats line a second for ${secs} s:"
"$bin/amstat/amstat" -e stats -n "$secs" |
    sed 's/,"nodes".*/,"nodes":[...]}/; s/^/  /'
ctl '{"cmd":"stop"}'
ctl '{"cmd":"destroy_node","id":4}'
kill -TERM "$pid"
wait "$pid" || { echo "demo: amixd exited with an error" >&2; exit 1; }
trap - EXIT INT TERM
rm -rf "$dir"
[ -s "$wav" ] || { echo "demo: no recording at $wav" >&2; exit 1; }
echo "demo: stopped cleanly. The recording is $wav ($(soxi -d "$wav" 2>/dev/null), $(soxi -r "$wav" 2>/dev/null) Hz)."
echo "demo: listen with: play $wav"
