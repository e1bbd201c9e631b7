#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: every benchmark, one after another, and one report of
# amixd against its peers measured in the same run:
#   build/bench/report.md     the machine, then a table of figures
#   build/bench/report.json   the same, for tools
#   build/bench/logs/         each script's output (NAME.out, NAME.err)
# Each script prints one JSON line per figure (see figure in lib.sh):
# amixd's value, the peer's value and what the peer is; this script adds
# the ratio amixd / peer. A script that is missing is skipped, and one
# that fails or runs out of time is reported as such, with what it
# printed before. The lengths are set for the whole run to take under
# fifteen minutes on a 2-core machine; each script alone takes the longer
# defaults documented in it.
#
# usage: tests/bench/run.sh [NAME...]   (default: all, in the order below)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
bench=$top/tests/bench
mkdir -p "$out/logs"

# name | time limit (s) | environment | arguments
plan='
core      |  90 | RUNS=3 |
ctl       |  90 | RUNS=3 N=10 |
rss       |  90 | RUNS=3 |
resample  | 120 | RUNS=3 SECS=10 |
afmt      |  60 | RUNS=3 MS=100 |
dsp       |  60 | RUNS=3 MS=50 |
files     | 120 | RUNS=3 SECONDS_EACH=10 |
mix       | 240 | SECS=10 |
stress    |  60 | SECS=15 |
telemetry |  90 | RUNS=1 WINDOW=5 |
apprings  | 180 | SECS=8 |
headroom  | 180 | WINDOW=3 |
clock     | 120 | SECS=60 |
jack      | 120 | | 5
ch32      |  90 | SECS=5 |
alsa      | 120 | | 5
pipewire  | 300 | RUNS=3 SECS=5 |
alsaapps  | 150 | SECS=5 |
click     |  90 | RUNS=3 CLICKS=5 |
'

# leftovers PIDFILE: stop the daemons a script noted and left running
# (jackd leaves timeout's process group: it makes a session of its own;
# pipewire is noted too, in case a script's clean-up did not run).
leftovers() {
	local p c n left= names=
	for p in $(cat "$1" 2>/dev/null); do
		c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		case $c in jackd|amixd|pipewire) ;; *) continue ;; esac
		# the server's name follows -n on its command line
		n=$(tr '\0' '\n' <"/proc/$p/cmdline" | sed -n '/^-n$/{n;p;q}')
		kill -TERM "$p" 2>/dev/null && left="$left $p" names="$names $n"
	done
	[ -n "$left" ] || return 0
	echo "bench: stopping what $name left running:$left"
	sleep 3
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
	for n in $names; do
		rm -f /dev/shm/jack_sem.*_"$n"_* /dev/shm/jack_"$n"_*
	done
}

want=" $* "
for n in "$@"; do
	grep -q "^$n *|" <<<"$plan" || echo "bench: $n: no such benchmark" >&2
done
machine_json=$(jq -n \
    --arg cores "$(nproc)" \
    --arg model "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
    --arg kernel "$(uname -sr)" \
    --arg os "$(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown}")" \
    --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg commit "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$top" diff --quiet HEAD 2>/dev/null || echo '+changes')" \
    --arg jackd "$(dpkg-query -W -f '${Version}' jackd2 2>/dev/null)" \
    --arg sox "$(dpkg-query -W -f '${Version}' sox 2>/dev/null)" \
    --arg rt "$(dpkg-query -W -f '${Version}' rt-tests 2>/dev/null)" \
    --arg stress "$(dpkg-query -W -f '${Version}' stress-ng 2>/dev/null)" \
    --arg pw "$(dpkg-query -W -f '${Version}' pipewire-bin 2>/dev/null)" \
    --arg user "$(id -un)" \
    '{cores: ($cores | tonumber), model: $model, kernel: $kernel, os: $os,
      load_at_start: $load, date: $date, commit: $commit, user: $user,
      peers: {jackd2: $jackd, sox: $sox, "rt-tests": $rt,
              "stress-ng": $stress, pipewire: $pw}}')
echo "bench: $(jq -r '"\(.cores) CPUs, \(.model), \(.kernel), load \(.load_at_start)"' <<<"$machine_json")"

: >"$out/figures.jsonl"
: >"$out/scripts.jsonl"
t_all=$(date +%s)
while IFS='|' read -r name limit envs args; do
	name=$(echo $name) limit=$(echo $limit) envs=$(echo $envs) args=$(echo $args)
	[ -n "$name" ] || continue
	[ "$want" = "  " ] || [[ "$want" == *" $name "* ]] || continue
	script=$bench/$name.sh
	load=$(cut -d' ' -f1 /proc/loadavg)
	if [ ! -f "$script" ]; then
		echo "bench: $name: skipped, $script is missing"
		jq -nc --arg n "$name" --arg l "$load" \
		    '{script: $n, status: "missing", seconds: 0, load: $l,
		      note: "tests/bench/\($n).sh is not there: skipped"}' \
		    >>"$out/scripts.jsonl"
		continue
	fi
	echo "bench: $name ($envs${args:+ $args}, at most $limit s, load $load)"
	t0=$(date +%s)
	export BENCH_PIDFILE=$out/logs/$name.pids
	: >"$BENCH_PIDFILE"
	# shellcheck disable=SC2086
	env $envs timeout -k 10 "$limit" bash "$script" $args \
	    >"$out/logs/$name.out" 2>"$out/logs/$name.err" </dev/null
	rc=$?
	t1=$(date +%s)
	leftovers "$BENCH_PIDFILE"
	grep '^{"figure"' "$out/logs/$name.out" |
	    jq -c --arg s "$name" '{script: $s} + .' >>"$out/figures.jsonl"
	nfig=$(grep -c '^{"figure"' "$out/logs/$name.out")
	case $rc in
	0) status=ok note= ;;
	124|137) status=timeout note="stopped after $limit s" ;;
	*) status=failed note="exit status $rc" ;;
	esac
	if [ "$rc" != 0 ]; then
		note="$note; last words: $(grep -v '^{"figure"' \
		    "$out/logs/$name.err" "$out/logs/$name.out" 2>/dev/null |
		    tail -n 3 | cut -d: -f2- | tr '\n' ' ')"
		echo "bench: $name: $status ($note)"
	fi
	jq -nc --arg n "$name" --arg st "$status" --arg l "$load" \
	    --argjson s $((t1 - t0)) --argjson f "$nfig" --arg note "$note" \
	    --arg e "$envs${args:+ $args}" \
	    '{script: $n, status: $st, seconds: $s, load: $l, figures: $f,
	      settings: $e} + (if $note != "" then {note: $note} else {} end)' \
	    >>"$out/scripts.jsonl"
done <<<"$plan"
t_end=$(date +%s)

# files.sh reports sox's own time as a figure of its own: a peer value.
jq -s --argjson m "$machine_json" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson secs $((t_end - t_all)) --slurpfile sc "$out/scripts.jsonl" '
	def ratio: if (.amixd | type) == "number" and (.peer_value | type) == "number"
	    and .peer_value != 0 then (.amixd / .peer_value * 1000 | round / 1000)
	    else null end;
	{machine: ($m + {load_at_end: $load, seconds: $secs}),
	 scripts: $sc,
	 figures: [.[] |
	    if (.figure | test("_sox_")) and (has("peer") | not) then
	        {script, figure, amixd: null, unit, peer: "sox", peer_value: .amixd,
	         note: "the peer alone"}
	    else . end |
	    . + {ratio: ratio}]}' "$out/figures.jsonl" >"$out/report.json.tmp"
# The targets of issues 17 and 14, judged on this run (targets.jq).
jq -f "$bench/targets.jq" "$out/report.json.tmp" >"$out/report.json"
rm -f "$out/report.json.tmp"

# Markdown
jq -r '
	def v: if . == null then "–" elif type == "number" then
	    (if . == (. | floor) then tostring
	     elif (. | fabs) >= 100 then (. * 10 | round / 10 | tostring)
	     else (. * 1000 | round / 1000 | tostring) end) else tostring end;
	def esc: tostring | gsub("\\|"; "\\|") | gsub("\n"; " ");
	.machine as $m |
	"# amixd benchmarks against their peers\n",
	"- machine: \($m.cores) CPUs, \($m.model)",
	"- kernel: \($m.kernel), \($m.os)",
	"- load average at start: \($m.load_at_start); at end: \($m.load_at_end)",
	"- date: \($m.date), commit \($m.commit), run as \($m.user), \($m.seconds) s in all",
	"- peers: jackd2 \($m.peers.jackd2), sox \($m.peers.sox), rt-tests \($m.peers["rt-tests"]), stress-ng \($m.peers["stress-ng"]), pipewire \($m.peers.pipewire // "")",
	"",
	"Each row: amixd, the peer measured in the same run, and amixd / peer",
	"(for dB figures also the difference). `better` says which way is",
	"good. Timing noise on a shared 2-core VM is large: read xruns and",
	"late wake-ups against their baselines, never against zero.",
	"",
	"How the peers were chosen:",
	"",
	"- boot: `ambench boot` (amixd -b null, exec to first ping reply) against",
	"  jackd -d dummy from fork to the first `jack_lsp` that succeeds.",
	"- ctl: the whole command as a process, fork to exit (`ambench exec`).",
	"- ping: JACK has no request of the same kind; beside it, the floor",
	"  (`ambench echo`: a child that only echoes the reply), placed the",
	"  same way: the daemon and the client on one CPU (ping_p50_us), and",
	"  across two (ping_xcpu_p50_us), where a VM's wake-up of the other",
	"  CPU is in both.",
	"- mix: both sides on a fresh `jackd -S -d dummy -p 128`, so one",
	"  real-time clock paces both: amixd -b jack with N `amtone | amcat`",
	"  app-ring clients, against N `jack_simple_client`; CPU of every",
	"  process involved, from /proc, over the same length of window.",
	"- ch32: 32 channels at period 64 on one `jackd -S -d dummy -p 64 -P 32`:",
	"  amixd -b jack with 32 ports playing one 32-channel tone -> gain ->",
	"  device_sink, against 16 `jack_simple_client`, one per pair of the",
	"  32 playback ports; CPU from /proc/PID/task/*/schedstat, jackd and",
	"  clients apart; then amixd -b null -p 64 alone with the same graph.",
	"- graph64_cycle_instr: callgrind instructions per period of the",
	"  64-node stereo graph, against amixd built at 15d83f1 (before the",
	"  channels work) in the same run.",
	"- files (files.sh), resample: offline, wall time; sox in one process.",
	"- stress, alsa: cyclictest run in parallel, in the same window.",
	"- pipewire: a private `pipewire` (own runtime dir and config, no",
	"  session manager, null sink driving at quantum 128), streams linked",
	"  by pw-link; `amtone | pw-cat --latency 128` against",
	"  `amtone | amcat` on amixd -b null -p 128, one after the other.",
	"  Exec to ready (pw_boot_ms): `bootprobe`, set up first, spawns the",
	"  server itself and tries every 150 us until it has an answer",
	"  (amixd: connect + ping; PipeWire: pw_context_connect + a core",
	"  sync), so no client start-up is in either figure;",
	"  pw_boot_client_ms, for information, polls with amctl ping /",
	"  pw-cli info 0 and has one client run in each.",
	"- alsaapps: `aplay` through the amixd plugin, the alsa-plugins jack",
	"  PCM (jackd -S -d dummy -p 128) and pipewire-alsa (its .deb",
	"  unpacked under build/bench-cache, not installed) in turn.",
	"- click: a click through each of those PCMs timed where it reaches",
	"  the device mix: amixd by its file_sink and {\"cmd\":\"clock\"}, jackd and",
	"  PipeWire by a JACK client (clickjack.py) on the PCM output port,",
	"  jack_frames_to_time; for PipeWire through the libjack of pipewire-jack",
	"  (unpacked under build/bench-cache, not installed).",
	"",
	"## Targets\n",
	"Issue 17 (\"Targets\"), issue 16 (\"Performance\": 32 channels",
	"against JACK) and issue 14 (\"Measured\"; neither names a number, so",
	"amixd against each peer: ratio <= 1). One run: read them with the",
	"load average above.",
	"",
	"| issue | target | figure | amixd | peer value | ratio | goal | met |",
	"|---|---|---|--:|--:|--:|---|---|",
	(.targets[] |
	    "| \(.issue) | \(.target | esc) | \(.figure // "–") | \(.amixd | v) | \(.peer_value | v) | \(.ratio | v) | \(.goal | esc) | \(
	        if .met == true then "met" elif .met == false then "missed"
	        else "not measured" end)\(if .note then " (" + .note + ")" else "" end) |"),
	"",
	"## Figures by peer\n",
	([.figures[] | . + {section: (
	    if .script == "alsaapps" or .script == "click" then "4 ALSA plugins"
	    elif .script == "pipewire" then "3 PipeWire"
	    elif (.peer // "" | test("sox")) then "1 sox"
	    elif (.peer // "" | test("jack"; "i")) then "2 JACK"
	    elif (.peer // "" | test("cyclictest")) then "5 cyclictest (the host\u0027s own timing)"
	    else "6 amixd alone" end)}] | group_by(.section)[] |
	 "### \(.[0].section | sub("^[0-9] "; ""))\n",
	 "| script | figure | amixd | peer | peer value | amixd / peer | unit | better | note |",
	 "|---|---|--:|---|--:|--:|---|---|---|",
	 (.[] |
	    "| \(.script) | \(.figure) | \(.amixd | v) | \(.peer // "" | esc) | \(.peer_value | v) | \(
	        if .ratio == null then "–" else (.ratio | v) end)\(
	        if .unit == "dB" and (.amixd | type) == "number" and (.peer_value | type) == "number"
	        then " (\(.amixd - .peer_value | . * 100 | round / 100 | if . > 0 then "+" + tostring else tostring end) dB)" else "" end) | \(.unit | esc) | \(.better // "") | \(.note // "" | esc) |"),
	 ""),
	"## Not measured\n",
	([.scripts[] | select(.status != "ok") |
	    "- \(.script): \(.status)\(if .note then ": " + (.note | esc) else "" end)"] +
	 [.figures[] | select(.amixd == null and .peer_value != null and (.figure | test("_sox_") | not)) |
	    "- \(.figure): no amixd value"] +
	 [.figures[] | select(has("peer") and .peer_value == null) |
	    "- \(.figure): no value for the peer (\(.peer | esc))"] |
	 if length == 0 then "Everything was measured." else .[] end),
	"",
	"## Scripts\n",
	"| script | status | seconds | load at start | figures | settings | note |",
	"|---|---|--:|--:|--:|---|---|",
	(.scripts[] | "| \(.script) | \(.status) | \(.seconds) | \(.load) | \(.figures // 0) | \(.settings // "" | esc) | \(.note // "" | esc) |")
' "$out/report.json" >"$out/report.md"
rm -f "$out/figures.jsonl" "$out/scripts.jsonl"
echo "bench: $(jq '.figures | length' "$out/report.json") figures in $((t_end - t_all)) s: $out/report.md, $out/report.json"
jq -e '[.scripts[] | select(.status != "ok")] | length == 0' "$out/report.json" >/dev/null ||
    echo "bench: some scripts did not finish: see $out/report.md"
exit 0
