#!/bin/sh
# SPDX-License-Identifier: MIT
# The reference renders: a fixed set of graphs (tones of every waveform,
# gain, mixer, level ramps, a resample domain, file sources at the graph
# rate and converted, file sinks of every container and sample format)
# and amtone's encoders, each rendered offline into DIR. Prints one
# "sha256  name" line per output, sorted: tests/225-render-reference.bats
# compares that with tests/reference/SHA256SUMS, so a refactor shows it
# keeps every byte. After a change that means to alter the output:
#	tests/reference/render.sh /tmp/ref >tests/reference/SHA256SUMS
# (build/ first on PATH) and say why in the commit.
#
# usage: render.sh DIR   (amixd and amtone are taken from PATH)
set -eu
d=${1:?usage: render.sh DIR}
mkdir -p "$d"
cd "$d"

# render NAME SECONDS: the script on standard input, into NAME.am.
render() {
	cat >"$1.am"
	amixd --render "$2" "$1.am" >/dev/null
}

# Sources: every waveform, levels, a seeded noise.
render tones 0.5 <<EOS
open rate=48000 period=128
a = create tone freq=997 db=-3
b = create tone waveform=square freq=220.5 db=-20
c = create tone waveform=saw freq=55 db=-12
d = create tone waveform=triangle freq=1234.5 db=-9
e = create tone waveform=noise db=-30 seed=7
fa = create file_sink path=$d/sine.wav
fb = create file_sink path=$d/square.wav
fc = create file_sink path=$d/saw.wav
fd = create file_sink path=$d/triangle.wav
fe = create file_sink path=$d/noise.wav
connect \$a \$fa
connect \$b \$fb
connect \$c \$fc
connect \$d \$fd
connect \$e \$fe
EOS

# Gain and mixer: several links summed, a master level, gains in series,
# unity gain (an exact copy) and a level that clips in the sink.
render mix 1 <<EOS
open rate=48000 period=64
t = create tone freq=997 db=-3
n = create tone waveform=noise db=-20 seed=7
s = create tone waveform=saw freq=55 db=-12
m = create mixer db=-1
g = create gain db=-6
u = create gain db=0
h = create gain db=18
f = create file_sink path=$d/mix.wav
fu = create file_sink path=$d/unity.wav
fh = create file_sink path=$d/hot.wav sample=s16
connect \$t \$m
connect \$n \$m
connect \$s \$m
connect \$m \$g
connect \$g \$f
connect \$t \$u
connect \$u \$fu
connect \$m \$h
connect \$h \$fh
EOS

# Level ramps: changes between two renders ramp over 5 ms or a period.
render ramps 0.001 <<EOS
open rate=48000 period=16
t = create tone freq=100
n = create tone waveform=noise db=-6 seed=3
g = create gain db=0
m = create mixer db=-3
f = create file_sink path=$d/ramp.wav
connect \$t \$g
connect \$n \$m
connect \$g \$m
connect \$m \$f
render 0.25
set \$g db=-20
set \$t freq=440 db=-6
render 0.25
set \$m db=-40
set \$n waveform=triangle
render 0.25
set \$g db=6
set \$m db=0
render 0.25
EOS

# A resample domain (libsoxr on the RT path, libsamplerate at linear) at
# each quality.
for q in best medium fast linear; do
	render "resample-$q" 0.5 <<EOS
t = create tone freq=1000 db=-6
r = create resample rate=44100 quality=$q
f = create file_sink path=$d/resample-$q.wav
connect \$t \$r
connect \$r \$f
EOS
done

# Inputs for the file sources, written by amixd itself: s16 (dithered)
# at 44.1 kHz and f32 at 48 kHz.
render src44 0.4 <<EOS
open rate=44100
t = create tone waveform=triangle freq=441 db=-6
f = create file_sink path=$d/src44.wav sample=s16
connect \$t \$f
EOS
render src48 0.4 <<EOS
t = create tone freq=750 db=-10
f = create file_sink path=$d/src48.wav sample=f32
connect \$t \$f
EOS

# File sources: played bit for bit at their own rate, converted by the
# decoder (libsoxr) at another, looped, and inside a resample domain.
render sources 0.6 <<EOS
a = create file_source path=$d/src48.wav
b = create file_source path=$d/src44.wav loop=true quality=best
c = create file_source path=$d/src44.wav quality=linear
r = create resample rate=44100 quality=fast
e = create file_source path=$d/src44.wav
fa = create file_sink path=$d/play48.wav
fb = create file_sink path=$d/conv-best.wav
fc = create file_sink path=$d/conv-linear.wav
fe = create file_sink path=$d/domain.wav
connect \$a \$fa
connect \$b \$fb
connect \$c \$fc
connect \$e \$r
connect \$r \$fe
EOS

# File sinks: every container and sample format (s16 dither included).
{
	echo "t = create tone freq=997 db=-6"
	echo "n = create tone waveform=noise db=-40 seed=11"
	echo "m = create mixer"
	echo "connect \$t \$m"
	echo "connect \$n \$m"
	for fmt in wav flac w64 rf64 aiff raw; do
		for smp in f32 s16 s24; do
			[ "$fmt$smp" = flacf32 ] && continue
			echo "f_${fmt}_$smp = create file_sink path=$d/sink-$smp.$fmt sample=$smp"
			echo "connect \$m \$f_${fmt}_$smp"
		done
	done
} | render sinks 0.25

# amtone's own encoders and containers.
for fmt in s16 s24 s32 f32; do
	amtone -f 1000 --db -6 -r 44100 -d 0.2 -F "$fmt" -t wav \
	    >"amtone-$fmt.wav"
	amtone -f 440 --db -1 -r 48000 -d 0.2 -F "$fmt" -t raw \
	    >"amtone-$fmt.raw"
done

for f in *; do
	case $f in *.am) continue ;; esac
	sha256sum "$f"
done | LC_ALL=C sort -k 2
