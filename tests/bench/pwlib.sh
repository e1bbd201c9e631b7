# SPDX-License-Identifier: MIT
# A private PipeWire for the benchmarks (sourced after lib.sh): its own
# runtime directory (PIPEWIRE_RUNTIME_DIR, so clients of this shell find
# it and nothing else does), its own configuration file (pipewire -c),
# no session manager, one null sink that drives the graph from its own
# timer at PW_QUANTUM (default 128) frames, 48 kHz. Without a session
# manager nobody configures a stream's ports or links them, so
# bench_pw_link does what WirePlumber would: a PortConfig in dsp mode
# on each stream (pw-cli set-param), then pw-link to the sink.
#   bench_pw_prepare     its runtime directory and configuration
#   bench_pw_start       sets PW_PID; ready when pw-cli info 0 answers
#                        (PW_READY_US: from its exec)
#   bench_pw_stop        stops it by PID
#   bench_pw_link N PFX  waits for N nodes named PFX*, links each
#   bench_pw_profile S F pw-profiler for S seconds into F
#   bench_pw_misses F    "CYCLES LATE MISSES" from a profile (see there)
#   bench_pw_fetch P G D:   the file G of package P's .deb, unpacked, not
#                        installed (pipewire-alsa's PCM, pipewire-jack's
#                        libjack), kept in build/bench-cache

PW_QUANTUM=${PW_QUANTUM:-128}
PW_SINK=bench-sink
export PIPEWIRE_RUNTIME_DIR=$BENCH_DIR/pw
unset PIPEWIRE_REMOTE PIPEWIRE_DEBUG

# The server's configuration: the modules a null sink and native
# clients need, the quantum fixed (min = max = PW_QUANTUM), real time
# through module-rt as for the stock server. adapter.auto-port-config
# gives the sink its playback and monitor ports with no session manager.
bench_pw_conf() {
	cat <<EOF
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    default.clock.rate = 48000
    default.clock.allowed-rates = [ 48000 ]
    default.clock.quantum = $PW_QUANTUM
    default.clock.min-quantum = $PW_QUANTUM
    default.clock.max-quantum = $PW_QUANTUM
    support.dbus = false
    log.level = 2
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-rt args = { nice.level = -11 }
      flags = [ ifexists nofail ] }
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-profiler }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-access args = { } }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
]
context.objects = [
    { factory = adapter
      args = {
        factory.name     = support.null-audio-sink
        node.name        = $PW_SINK
        media.class      = Audio/Sink
        object.linger    = true
        audio.position   = [ FL FR ]
        audio.rate       = 48000
        node.driver      = true
        priority.driver  = 30000
        adapter.auto-port-config = { mode = dsp monitor = true position = preserve }
      }
    }
]
EOF
}

# bench_pw_prepare: the runtime directory, no old socket, the config.
bench_pw_prepare() {
	mkdir -p "$PIPEWIRE_RUNTIME_DIR"
	rm -f "$PIPEWIRE_RUNTIME_DIR"/pipewire-0* "$BENCH_DIR/pw.exec"
	bench_pw_conf >"$BENCH_DIR/pipewire.conf"
}

# bench_pw_start: sets PW_PID and PW_READY_US, the microseconds from
# its exec to its first answer: the first pw-cli info 0 that answers,
# polled back to back (ready_since), so one run of pw-cli is in the
# figure; as amctl ping for amixd, pw-cli runs bare, with no timeout(1)
# around it: that would add a fork and an exec to every try of one side
# only. (pw_boot_ms, with no client start-up in it, is bootprobe's:
# bench_pw_prepare, then boot_probe pipewire.)
bench_pw_start() {
	bench_pw_prepare
	BENCH_EXEC_STAMP=$BENCH_DIR/pw.exec bench_daemon \
	    "$BENCH_DIR/pipewire.log" pipewire -c "$BENCH_DIR/pipewire.conf"
	PW_PID=$!
	bench_pid_record "$PW_PID"
	ready_since "$BENCH_DIR/pw.exec" 1000 "$PW_PID" pw-cli info 0 || {
		cat "$BENCH_DIR/pipewire.log" >&2
		return 1
	}
	PW_READY_US=$READY_US
}

bench_pw_stop() {
	[ -n "${PW_PID-}" ] || return 0
	bench_stop_pid "$PW_PID"
	PW_PID=
}

# bench_pw_link N PREFIX: wait (up to 30 s) for N stream nodes named
# PREFIX*, give them dsp ports (again for those whose ports have not
# appeared: a PortConfig sent before the stream has connected is lost),
# link output_FL/FR of each to the sink's playback_FL/FR. Returns 1 if
# they do not all link.
bench_pw_link() {
	local n=$1 pfx=$2 end id name ids have
	end=$((SECONDS + 30))
	while :; do
		ids=$(timeout 10 pw-dump 2>/dev/null | jq -r --arg p "$pfx" '
		    [.[] | select(.type == "PipeWire:Interface:Port") |
		     .info.props["node.id"] | tostring] as $with |
		    .[] | select(.type == "PipeWire:Interface:Node" and
		    (.info.props["node.name"] // "" | startswith($p))) |
		    (.id | tostring) as $id |
		    if ($with | index($id)) then "ok" else $id end')
		have=$(echo "$ids" | grep -c '^ok$')
		[ "$have" -ge "$n" ] && break
		[ "$SECONDS" -lt "$end" ] || { echo "pw: $have of $n streams have ports" >&2; break; }
		# One pw-cli per node: one reading commands from its input runs
		# them before it knows the objects ("unknown global").
		for id in $ids; do
			[ "$id" = ok ] && continue
			timeout 10 pw-cli s "$id" PortConfig "{ direction: Output, mode: dsp, format: { mediaType: audio, mediaSubtype: raw, format: F32P, rate: 48000, channels: 2, position: [ FL, FR ] } }" </dev/null >/dev/null 2>&1
		done
		sleep 0.2
	done
	timeout 10 pw-link -o 2>/dev/null | sed -n "s/^\($pfx.*\):output_FL$/\1/p" |
	    while read -r name; do
		timeout 10 pw-link "$name:output_FL" "$PW_SINK:playback_FL" </dev/null
		timeout 10 pw-link "$name:output_FR" "$PW_SINK:playback_FR" </dev/null
	done
	have=$(timeout 10 pw-dump 2>/dev/null |
	    jq '[.[] | select(.type == "PipeWire:Interface:Link")] | length')
	[ "${have:-0}" -ge $((2 * n)) ] ||
	    { echo "pw: ${have:-0} of $((2 * n)) links" >&2; return 1; }
}

# bench_pw_profile SECONDS FILE: what the profiler module reports, one
# line per cycle (pw-profiler's text format: 4 columns for the driver,
# then 8 per follower: id, signal, awake, finish, ..., status, 0).
# It runs in BENCH_DIR: at its end pw-profiler writes gnuplot scripts
# into its working directory.
bench_pw_profile() {
	(cd "$BENCH_DIR" && timeout -s INT "$1" pw-profiler -o "$2" \
	    >/dev/null 2>&1)
	return 0
}

# bench_pw_misses FILE: "CYCLES LATE MISSES": the cycles profiled, the
# cycles pw-profiler marks late (interval from the previous wake-up or
# the cycle's own time above 1.3 quanta: it then writes 1.4 quanta), and
# the follower entries whose status is triggered or awake (1, 2), not
# finished (3), at the end of a cycle: a client that missed its
# deadline, which pw-top counts as an error of that node.
bench_pw_misses() {
	awk -F '\t' '{
		if ($1 + 0 > 1.3 * $4 || $2 + 0 > 1.3 * $4) late++
		for (i = 5; i + 6 <= NF; i += 8)
			if ($i ~ /^[0-9]+$/ && ($(i + 6) == 1 || $(i + 6) == 2))
				miss++
	} END { printf "%d %d %d\n", NR, late, miss }' "$1"
}

# bench_pw_fetch PACKAGE GLOB DEST: DEST, a file under build/bench-cache,
# is the file GLOB (a path in the package, shell pattern) of PACKAGE's
# .deb, fetched with apt-get download and unpacked with dpkg-deb -x in
# a scratch directory, unless DEST is there already. Only that file is
# kept (a "conf.d" directory under build/ would look like a dependency
# file to make). The package is never installed: pipewire-alsa would
# make PipeWire every ALSA application's default PCM, pipewire-jack
# would stand in for jackd2's libjack.
bench_pw_fetch() {
	local pkg=$1 glob=$2 dest=$3 d f
	[ -f "$dest" ] && return 0
	d=$BENCH_DIR/deb.$pkg
	mkdir -p "${dest%/*}" "$d" || return 1
	if (cd "$d" && apt-get download "$pkg") >&2 &&
	    dpkg-deb -x "$(ls "$d"/"$pkg"_*.deb)" "$d/x"; then
		# shellcheck disable=SC2086
		for f in "$d"/x/$glob; do
			[ -f "$f" ] && cp "$f" "$dest.tmp" && mv "$dest.tmp" "$dest"
			break
		done
	fi
	rm -rf "$d"
	[ -f "$dest" ]
}

# The two files bench_pw_fetch gets (run.sh's benchmarks share them).
PW_CACHE=$B/bench-cache
PW_ALSA_PLUG=$PW_CACHE/libasound_module_pcm_pipewire.so
PW_JACK_DIR=$PW_CACHE/pipewire-jack
bench_pw_alsa_fetch() {
	bench_pw_fetch pipewire-alsa \
	    'usr/lib/*/alsa-lib/libasound_module_pcm_pipewire.so' "$PW_ALSA_PLUG"
}
# pipewire-jack's libjack.so.0, for LD_LIBRARY_PATH=$PW_JACK_DIR.
bench_pw_jack_fetch() {
	bench_pw_fetch pipewire-jack 'usr/lib/*/pipewire-0.3/jack/libjack.so.0' \
	    "$PW_JACK_DIR/libjack.so.0"
}
