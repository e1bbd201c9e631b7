#!/usr/bin/env bats
# Offline render: the same graph rendered twice gives the same bytes;
# live parameter changes and graph edits while running.

load helpers

setup_file() {
	amixd_start
}

teardown_file() {
	amixd_stop
}

# A graph script with a tone, a noise source, a mixer and a file sink.
write_graph() {
	cat >"$1" <<EOS
# two sources into a mixer, recorded
open rate=48000 period=128
t = create tone freq=997 db=-3
n = create tone waveform=noise db=-20 seed=7
s = create tone waveform=saw freq=55 db=-12
m = create mixer db=-1
g = create gain db=-6
f = create file_sink path=$2
connect \$t \$m
connect \$n \$m
connect \$s \$m
connect \$m \$g
connect \$g \$f
start
EOS
}

@test "amixd --render twice gives byte-identical files of exact length" {
	local d=$BATS_TEST_TMPDIR
	write_graph "$d/a.am" "$d/a.wav"
	write_graph "$d/b.am" "$d/b.wav"
	run -0 amixd --render 3 "$d/a.am"
	run -0 amixd --render 3 "$d/b.am"
	assert_eq 144000 "$(soxi -s "$d/a.wav")" "frames"
	assert_eq "$(sha256sum <"$d/a.wav")" "$(sha256sum <"$d/b.wav")" \
	    "sha256 of the two renders"
	# Not silence: the mix is there.
	run -0 sox "$d/a.wav" -n stats
	assert_match 'Pk lev dB +-[0-9]' "$output"
}

@test "the render command on a running daemon is deterministic too" {
	local d=$BATS_TEST_TMPDIR id out sum1 sum2 t g
	for k in 1 2; do
		t=$(req '{"cmd":"create_node","type":"tone","args":{"freq":1000,"waveform":"triangle"}}' | jq .id)
		g=$(req '{"cmd":"create_node","type":"gain","args":{"db":-10}}' | jq .id)
		id=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/r$k.wav\"}}" | jq .id)
		req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$g}"
		req "{\"cmd\":\"connect\",\"from\":$g,\"to\":$id}"
		out=$(req '{"cmd":"render","seconds":1.5}')
		assert_eq 72000 "$(jget "$out" .frames)" "frames rendered"
		req "{\"cmd\":\"destroy_node\",\"id\":$id}"
		req "{\"cmd\":\"destroy_node\",\"id\":$g}"
		req "{\"cmd\":\"destroy_node\",\"id\":$t}"
	done
	assert_eq 72000 "$(soxi -s "$d/r1.wav")"
	sum1=$(sha256sum <"$d/r1.wav")
	sum2=$(sha256sum <"$d/r2.wav")
	assert_eq "$sum1" "$sum2" "two renders"
}

@test "a rendered sine is exact in frequency, level and phase continuity" {
	local d=$BATS_TEST_TMPDIR out
	cat >"$d/s.am" <<EOS
t = create tone freq=1234.5 db=-12
f = create file_sink path=$d/s.wav
connect \$t \$f
EOS
	run -0 amixd --render 10 "$d/s.am"
	out=$(sinefit "$d/s.wav")
	assert_near 1234.5 "$(jget "$out" .freq)" 0.001 "frequency"
	assert_near -12 "$(jget "$out" .amp_db)" 0.01 "level"
	# A residual this low means no clicks and no phase jumps in 10 s.
	assert_near -140 "$(jget "$out" .resid_db)" 20 "residual (dB)"
}

@test "set ramps a gain change over 5 ms (or a longer period): no click" {
	local d=$BATS_TEST_TMPDIR out
	cat >"$d/ramp.am" <<EOS
t = create tone freq=100
g = create gain db=0
f = create file_sink path=$d/ramp.wav
connect \$t \$g
connect \$g \$f
render 0.5
set \$g db=-20
render 0.5
EOS
	run -0 amixd --render 0.001 "$d/ramp.am"
	# Largest step between neighbouring samples stays that of the sine.
	out=$("$PY" - "$d/ramp.wav" <<'EOP'
import subprocess, sys
import numpy as np
raw = subprocess.run(["sox", "-V1", sys.argv[1], "-t", "f32", "-"],
                     capture_output=True, check=True).stdout
x = np.frombuffer(raw, dtype="<f4").reshape(-1, 2)[:, 0].astype(float)
first = x[:24000]
step = np.max(np.abs(np.diff(x)))
sine_step = np.max(np.abs(np.diff(first)))
late = np.max(np.abs(x[24000 + 256:]))
print(f"{step / sine_step:.4f} {20 * np.log10(late):.2f}")
EOP
)
	assert_near 1 "${out% *}" 0.01 "largest step / sine's step"
	assert_near -20 "${out#* }" 0.05 "level after the change"
}

@test "set changes a running tone's frequency live" {
	local d=$BATS_TEST_TMPDIR t f out n
	t=$(req '{"cmd":"create_node","type":"tone","args":{"freq":300}}' | jq .id)
	f=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$d/live.wav\"}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$f}"
	req '{"cmd":"start"}'
	run -0 req "{\"cmd\":\"set\",\"id\":$t,\"args\":{\"freq\":880,\"db\":-6}}"
	assert_eq '{"ok":true}' "$output"
	n=$(node_frames "$f")
	wait_until 10 node_frames_above "$f" $((n + 48000))
	req '{"cmd":"stop"}'
	req "{\"cmd\":\"destroy_node\",\"id\":$f}"
	out=$(sinefit "$d/live.wav" 0 0.5)
	assert_near 880 "$(jget "$out" .freq)" 0.5 "frequency after set"
	assert_near -6 "$(jget "$out" .amp_db)" 0.1 "level after set"
	run -0 req '{"cmd":"list"}'
	assert_eq 880 "$(jget "$output" ".nodes[] | select(.id == $t) | .args.freq")"
	req "{\"cmd\":\"destroy_node\",\"id\":$t}"
}

@test "--render stops at the first bad script line, naming it" {
	local d=$BATS_TEST_TMPDIR
	printf 'a = create tone\nconnect $a 99\n' >"$d/bad.am"
	run -1 --separate-stderr amixd --render 1 "$d/bad.am"
	assert_match 'bad.am:2: no node 99' "$stderr"
	run -1 --separate-stderr amixd --render 1 "$d/missing.am"
	assert_match 'missing.am' "$stderr"
	run -2 --separate-stderr amixd --render 0 "$d/bad.am"
	run -2 --separate-stderr amixd --render nan "$d/bad.am"
}
