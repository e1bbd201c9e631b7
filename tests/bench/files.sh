#!/bin/bash
# SPDX-License-Identifier: MIT
# Files and sample rates: an offline render of 16 stereo 44.1 kHz files
# of 60 s each -> 16 gains -> mixer -> 48 kHz float file sink, against
# sox -m making the same mix at 48 kHz from the same files, in one run.
#
# Figures (median of RUNS runs each):
#   files_render_<q>_ratio      wall time amixd / sox, file sources
#                               converting themselves at quality q (fast
#                               is sox's default quality, rate -h: soxr
#                               HQ in double precision, as sox computes)
#   files_render_<q>_cpu_ratio  the same in CPU time (user + sys)
#   files_stream_cpu_<q>_ms     amixd user+sys CPU per resampled stream
#                               per second of audio, ms (16 streams, 60 s)
#   files_render_one_ratio      the same mix with the files at their own
#                               rate in a resample node's domain: one
#                               conversion after the mixer, as sox does
# Set SECONDS_EACH to shorten the files, PERIOD for the render's period.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
N=16
LEN=${SECONDS_EACH:-60}
PERIOD=${PERIOD:-1024}
TIMEFORMAT='%R %U %S'

for i in $(seq 1 "$N"); do
	amtone -f $((110 + 37 * i)) --db -10 -r 44100 -d "$LEN" -c 2 -F s16 \
	    -t wav >"$BENCH_DIR/in$i.wav"
done

# graph Q ONE: the render script; ONE=1 puts the mix in a 44.1 kHz domain.
graph() {
	local i
	echo "open rate=48000 period=$PERIOD"
	echo "m = create mixer"
	echo "f = create file_sink path=$BENCH_DIR/amixd.wav"
	if [ "$2" = 1 ]; then
		echo "r = create resample rate=44100 quality=$1"
		echo 'connect $m $r'
		echo 'connect $r $f'
	else
		echo 'connect $m $f'
	fi
	for i in $(seq 1 "$N"); do
		echo "s$i = create file_source path=$BENCH_DIR/in$i.wav quality=$1"
		# sox -m scales each input by 1/16 (-24.08 dB).
		echo "g$i = create gain db=-24.0824"
		echo "connect \$s$i \$g$i"
		echo "connect \$g$i \$m"
	done
}

# timed CMD...: run it, print "wall user sys" seconds.
timed() {
	{ time "$@" >/dev/null 2>"$BENCH_DIR/err" ; } 2>&1 | tail -n 1
}

# The machine's 1-minute load average before and after: the wall-time
# ratios mean little when other work shares the cores.
figure files_loadavg_before "$(cut -d' ' -f1 /proc/loadavg)" "1-min load"
ins=$(for i in $(seq 1 "$N"); do echo "$BENCH_DIR/in$i.wav"; done)
: >"$BENCH_DIR/sox"
for r in $(seq "$RUNS"); do
	# shellcheck disable=SC2086
	timed sox -m $ins -e floating-point -b 32 "$BENCH_DIR/sox.wav" \
	    rate 48000 >>"$BENCH_DIR/sox"
done
sox_wall=$(awk '{ print $1 }' "$BENCH_DIR/sox" | median)
sox_cpu=$(awk '{ print $2 + $3 }' "$BENCH_DIR/sox" | median)
figure files_sox_wall_s "$sox_wall" s
figure files_sox_cpu_s "$sox_cpu" s

for q in fast medium best; do
	graph "$q" 0 >"$BENCH_DIR/$q.am"
	: >"$BENCH_DIR/$q"
	for r in $(seq "$RUNS"); do
		timed amixd --render "$LEN" "$BENCH_DIR/$q.am" >>"$BENCH_DIR/$q"
	done
	wall=$(awk '{ print $1 }' "$BENCH_DIR/$q" | median)
	cpu=$(awk '{ print $2 + $3 }' "$BENCH_DIR/$q" | median)
	figure "files_render_${q}_wall_s" "$wall" s "sox -m ... rate 48000" \
	    "$sox_wall"
	figure "files_render_${q}_ratio" \
	    "$(awk -v a="$wall" -v s="$sox_wall" 'BEGIN { printf "%.3f", a / s }')" \
	    "amixd/sox wall time"
	# CPU time (user + sys, all threads): steadier than wall time on a
	# loaded machine, and what the mix costs the machine.
	figure "files_render_${q}_cpu_ratio" \
	    "$(awk -v a="$cpu" -v s="$sox_cpu" 'BEGIN { printf "%.3f", a / s }')" \
	    "amixd/sox CPU time"
	figure "files_stream_cpu_${q}_ms" \
	    "$(awk -v c="$cpu" -v n="$N" -v l="$LEN" 'BEGIN { printf "%.3f", c / n / l * 1000 }')" \
	    "ms CPU per stream per s of audio"
done

graph medium 1 >"$BENCH_DIR/one.am"
: >"$BENCH_DIR/one"
for r in $(seq "$RUNS"); do
	timed amixd --render "$LEN" "$BENCH_DIR/one.am" >>"$BENCH_DIR/one"
done
wall=$(awk '{ print $1 }' "$BENCH_DIR/one" | median)
figure files_render_one_ratio \
    "$(awk -v a="$wall" -v s="$sox_wall" 'BEGIN { printf "%.3f", a / s }')" \
    "amixd/sox wall time, one converter after the mix"
figure files_loadavg_after "$(cut -d' ' -f1 /proc/loadavg)" "1-min load"
rm -rf "$BENCH_DIR"
