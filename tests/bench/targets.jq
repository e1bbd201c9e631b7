# SPDX-License-Identifier: MIT
# The targets of issue 17 ("Targets"), issue 16's Performance item and
# the figures of issue 14 ("Measured"), judged against one run's
# report.json (run.sh adds the result as .targets). Each: what the issue asks, the figure it reads,
# amixd's value, the peer's, the ratio, and met (true, false, or null
# when a figure is missing). Issue 14 names no number: its rows ask for
# amixd to be no worse than the peer (ratio <= 1), "the lowest-latency
# way any ALSA application can share the sound card".

def fig($n): [.figures[] | select(.figure == $n)][0] // null;
def amx($n): fig($n) | if . == null then null else .amixd end;
def row($issue; $target; $n; $goal; ok):
	fig($n) as $f |
	{issue: $issue, target: $target, figure: $n, goal: $goal,
	 amixd: ($f | if . == null then null else .amixd end),
	 peer: ($f | if . == null then null else .peer end),
	 peer_value: ($f | if . == null then null else .peer_value end),
	 ratio: ($f | if . == null then null else .ratio end)} |
	. + {met: (if .amixd == null then null else ok end)};

. + {targets: [
	row("17"; "offline 16-file mix, per-source conversion: <= 1.0x sox's time";
	    "files_render_medium_ratio"; "<= 1.0"; .amixd <= 1.0),
	row("17"; "offline 16-file mix, resample-domain (one converter): <= 1.0x sox's time";
	    "files_render_one_ratio"; "<= 1.0"; .amixd <= 1.0),
	(("fast", "medium", "best") as $q |
	 fig("resample_\($q)_snr_db") as $snr |
	 row("17"; "resampler \($q): >= 1.0x sox rate's speed at >= its SNR (\(
	     if $snr == null then "SNR not measured" else "SNR \($snr.amixd) vs \($snr.peer_value) dB" end))";
	     "resample_\($q)_speed_mfps"; ">= 1.0 and SNR >= sox";
	     (.ratio != null and .ratio >= 1.0 and $snr != null and
	      $snr.amixd != null and $snr.peer_value != null and
	      $snr.amixd >= $snr.peer_value))),
	(("16", "64") as $n | ("default", "period") as $l |
	 amx("pw_\($n)_\($l)_underruns") as $u |
	 row("17"; "CPU per stream (server + client), \($n) streams, \(
	     if $l == "default" then "default client latency" else "one period of client latency" end
	     ): <= 0.5x PipeWire's, no underrun (amixd underruns: \($u // "not measured"))";
	     "pw_\($n)_\($l)_cpu_per_stream_pct"; "<= 0.5, 0 underruns";
	     (.ratio != null and .ratio <= 0.5 and $u == 0))),
	# pw_boot_ms: bootprobe's exec to the first answer, no client
	# start-up on either side (pw_boot_client_ms, with one, is not read).
	# Its floors on this machine, from the same runs, are in the text:
	# a server that only answers, loading amixd's libraries, and static.
	(fig("pw_boot_floor_ms") as $f | fig("pw_boot_static_floor_ms") as $s |
	 def r($x): if $x == null or $x.ratio == null then "not measured"
	     else "\($x.ratio)x" end;
	 row("17"; "exec to ready (first answer to a request, no client start-up): <= 0.25x PipeWire's (floors here: a server that only answers, loading amixd's libraries, \(r($f)); the same static, \(r($s)))"; "pw_boot_ms"; "<= 0.25";
	    (.ratio != null and .ratio <= 0.25))),
	# ping_p50_us: the daemon and the client on one CPU; the text gives
	# the same across two CPUs, where the machine's wake-up of the other
	# is in it, beside that placement's floor (core.sh).
	(fig("ping_xcpu_p50_us") as $x |
	 row("17"; "request round trip p50 <= 20 us (daemon and client on one CPU; across CPUs \(
	     if $x == null then "not measured" else "\($x.amixd) us, floor \($x.peer_value) us" end))";
	     "ping_p50_us"; "<= 20 us"; .amixd <= 20)),
	# core.sh: callgrind's count against amixd built before the
	# channels work (15d83f1); issue 16 asks the same ("no cost for
	# stereo graphs compared with today").
	row("17"; "a stereo graph after the channels work no slower than before (issue 16 too): instructions per period of the 64-node stereo graph <= before";
	    "graph64_cycle_instr"; "<= 1.0x before"; (.ratio != null and .ratio <= 1.0)),
	# ch32.sh: CPU of jackd + amixd against jackd + 16 jack_simple_client.
	row("16"; "32 channels at period 64: amixd <= JACK (CPU of jackd + clients)";
	    "ch32_total_cpu_pct"; "<= 1.0"; (.ratio != null and .ratio <= 1.0)),
	(("jack", "pipewire") as $p |
	 row("14"; "aplay, one stream: CPU of server + aplay <= the \($p) PCM's";
	     "alsaapp_\($p)_cpu_pct"; "<= 1.0"; (.ratio != null and .ratio <= 1.0)),
	 row("14"; "aplay wake-ups a second, 100 ms buffer: <= the \($p) PCM's";
	     "alsaapp_\($p)_aplay_wakeups_100ms"; "<= 1.0"; (.ratio != null and .ratio <= 1.0)),
	 row("14"; "aplay wake-ups a second, 10 ms buffer: <= the \($p) PCM's";
	     "alsaapp_\($p)_aplay_wakeups_10ms"; "<= 1.0"; (.ratio != null and .ratio <= 1.0)),
	 row("14"; "latency (snd_pcm_delay), 100 ms buffer: <= the \($p) PCM's";
	     "alsaapp_\($p)_delay_100ms"; "<= 1.0"; (.ratio != null and .ratio <= 1.0)),
	 row("14"; "latency (snd_pcm_delay), 10 ms buffer: <= the \($p) PCM's";
	     "alsaapp_\($p)_delay_10ms"; "<= 1.0"; (.ratio != null and .ratio <= 1.0))),
	# click.sh: the delay the plugin reports is right to within 1.5
	# engine periods (128 frames at 48 kHz: 4 ms) of the click measured
	# in the device mix's recording; the jack PCM's error stands beside
	# (click_pipewire_error_* has the same amixd value beside PipeWire's).
	(("100", "10") as $b |
	 row("14"; "snd_pcm_delay right, \($b) ms buffer: |click measured in the device mix - reported delay| <= 4 ms (1.5 periods of 128 frames at 48 kHz)";
	     "click_jack_error_\($b)ms"; "|amixd| <= 4 ms"; ((.amixd | fabs) <= 4)))
]}
