#!/usr/bin/env bats
# Sample rates: the resample node runs its upstream at its rate and
# converts to the graph rate; file sources inside such a domain follow
# its rate; links that would mix domains are refused; a new graph rate
# re-makes every converter.

load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	amixd_start
	amtone -f 1000 --db -6 -r 44100 -d 3 -F f32 -t wav >"$d/s44.wav"
	amtone -f 1000 --db -6 -r 22050 -d 3 -F s24 -t wav >"$d/s22.wav"
}

teardown_file() {
	amixd_stop
}

# fit_check FILE FREQ DB RESID [SKIP]: a sine of FREQ Hz at DB dBFS with
# noise RESID dB down or better, in FILE after SKIP seconds (0.1).
fit_check() {
	local out
	out=$(sinefit "$1" 0 "${5:-0.1}")
	assert_near "$2" "$(jget "$out" .freq)" 0.01 "frequency in $1"
	assert_near "$3" "$(jget "$out" .amp_db)" 0.05 "level in $1"
	[ "$(jget "$out" ".resid_db <= $4")" = true ] ||
	    flunk "$1: residual $(jget "$out" .resid_db) dB, want <= $4"
}

@test "resample rate=44100 runs its upstream at 44.1 kHz and converts it, at every quality" {
	local d=$BATS_TEST_TMPDIR q resid
	# 148, 148, 139.4 and 62.4 dB; fast: sox's rate -h reads 138.6
	# (tests/bench/resample.sh), and soxr's HQ in floats 134.
	for q in best:-147 medium:-147 fast:-139 linear:-55; do
		resid=${q#*:}
		q=${q%:*}
		cat >"$d/$q.am" <<EOS
t = create tone freq=1000 db=-6
r = create resample rate=44100 quality=$q
f = create file_sink path=$d/$q.wav
connect \$t \$r
connect \$r \$f
EOS
		run -0 amixd --render 2 "$d/$q.am"
		assert_eq 96000 "$(soxi -s "$d/$q.wav")" "frames at 48 kHz"
		fit_check "$d/$q.wav" 1000 -6 "$resid"
	done
}

@test "the upstream of a resample node counts frames at its own rate" {
	local t r f out
	t=$(req '{"cmd":"create_node","type":"tone","args":{"freq":100}}' | jq .id)
	r=$(req '{"cmd":"create_node","type":"resample","args":{"rate":32000}}' | jq .id)
	f=$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$BATS_TEST_TMPDIR/c.wav\"}}" | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$r}"
	req "{\"cmd\":\"connect\",\"from\":$r,\"to\":$f}"
	run -0 req '{"cmd":"render","seconds":2}'
	out=$(req '{"cmd":"stats"}')
	assert_eq 96000 "$(jget "$out" ".nodes[] | select(.id == $r) | .frames")" \
	    "resample node, 48 kHz"
	# 64000 at 32 kHz, plus what the converter reads ahead: at best
	# (libsoxr VHQ, in fixed calls: resampler_soxr.c) 32 ms here
	# (srcbench 32000 48000, amixd-rt); allow up to 50 ms.
	assert_near 64800 "$(jget "$out" ".nodes[] | select(.id == $t) | .frames")" \
	    800 "tone upstream, 32 kHz"
	for n in $f $r $t; do
		req "{\"cmd\":\"destroy_node\",\"id\":$n}"
	done
	fit_check "$BATS_TEST_TMPDIR/c.wav" 100 0 -120 0.2
}

@test "file sources inside a resample node's domain play at its rate" {
	local d=$BATS_TEST_TMPDIR
	# 44.1 kHz file in a 44.1 kHz domain: copied, converted once; a
	# 22.05 kHz file in it: converted to 44.1 kHz, then to 48 kHz.
	cat >"$d/dom.am" <<EOS
a = create file_source path=$BATS_FILE_TMPDIR/s44.wav
b = create file_source path=$BATS_FILE_TMPDIR/s22.wav
ra = create resample rate=44100
rb = create resample rate=44100
fa = create file_sink path=$d/a.wav
fb = create file_sink path=$d/b.wav
connect \$a \$ra
connect \$b \$rb
connect \$ra \$fa
connect \$rb \$fb
EOS
	run -0 amixd --render 2.5 "$d/dom.am"
	fit_check "$d/a.wav" 1000 -6 -130
	fit_check "$d/b.wav" 1000 -6 -120
}

@test "nested domains: resample into resample converts twice, exactly" {
	local d=$BATS_TEST_TMPDIR
	cat >"$d/n.am" <<EOS
t = create tone freq=440 db=-3
r1 = create resample rate=32000
r2 = create resample rate=96000
f = create file_sink path=$d/n.wav
connect \$t \$r1
connect \$r1 \$r2
connect \$r2 \$f
EOS
	run -0 amixd --render 2 "$d/n.am"
	assert_eq 96000 "$(soxi -s "$d/n.wav")" "frames"
	fit_check "$d/n.wav" 440 -3 -120
}

# The graph and a reply line of connecting FROM to TO.
refused_link() {
	local before out
	before=$(graph_shape)
	out=$(req "{\"cmd\":\"connect\",\"from\":$1,\"to\":$2}")
	assert_eq false "$(jget "$out" .ok)" "ok of $out"
	assert_eq bad_request "$(jget "$out" .error.code)" "code of $out"
	assert_match "node $1 would feed two rate domains" \
	    "$(jget "$out" .error.message)" "message"
	assert_eq "$before" "$(graph_shape)" "graph after the refusal"
}

@test "links that would mix rate domains are refused, the graph unchanged" {
	local t r s g t2 r2
	t=$(req '{"cmd":"create_node","type":"tone"}' | jq .id)
	r=$(req '{"cmd":"create_node","type":"resample","args":{"rate":44100}}' | jq .id)
	s=$(req '{"cmd":"create_node","type":"device_sink"}' | jq .id)
	g=$(req '{"cmd":"create_node","type":"gain"}' | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t,\"to\":$r}"
	req "{\"cmd\":\"connect\",\"from\":$r,\"to\":$g}"
	req "{\"cmd\":\"connect\",\"from\":$g,\"to\":$s}"
	# The tone runs at 44.1 kHz: it cannot feed the 48 kHz graph too.
	refused_link "$t" "$s"
	refused_link "$t" "$g"
	# Nor can it feed another domain.
	r2=$(req '{"cmd":"create_node","type":"resample","args":{"rate":32000}}' | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$r2,\"to\":$s}"
	refused_link "$t" "$r2"
	# A node feeding the graph cannot be pulled into a domain either.
	t2=$(req '{"cmd":"create_node","type":"tone"}' | jq .id)
	req "{\"cmd\":\"connect\",\"from\":$t2,\"to\":$s}"
	refused_link "$t2" "$r"
	run -0 req '{"cmd":"ping"}'
	# The graph still runs.
	req '{"cmd":"start"}'
	wait_until 5 node_frames_above "$s" 4800
	req '{"cmd":"stop"}'
	for n in $t $r $s $g $r2 $t2; do
		req "{\"cmd\":\"destroy_node\",\"id\":$n}"
	done
	assert_eq 0 "$(req '{"cmd":"list"}' | jq '.nodes | length')" "nodes"
}

@test "bad resample arguments are refused" {
	local a out
	for a in '{"rate":7999}' '{"rate":192001}' '{"rate":44100.5}' \
	    '{"rate":"44100"}' '{"rate":44100,"quality":"great"}' '{}'; do
		out=$(req "{\"cmd\":\"create_node\",\"type\":\"resample\",\"args\":$a}")
		assert_eq bad_request "$(jget "$out" .error.code)" "code for $a"
	done
	assert_eq 0 "$(req '{"cmd":"list"}' | jq '.nodes | length')" "nodes"
}

@test "a new graph rate re-makes the converters of file sources and resample nodes" {
	local d=$BATS_TEST_TMPDIR
	cat >"$d/r.am" <<EOS
open rate=96000 period=256
a = create file_source path=$BATS_FILE_TMPDIR/s44.wav
t = create tone freq=700 db=-6
r = create resample rate=44100
fa = create file_sink path=$d/a.wav
ft = create file_sink path=$d/t.wav
connect \$a \$fa
connect \$t \$r
connect \$r \$ft
open rate=32000 period=128
EOS
	run -0 amixd --render 2 "$d/r.am"
	assert_eq 32000 "$(soxi -r "$d/a.wav")" "file sink rate"
	assert_eq 64000 "$(soxi -s "$d/a.wav")" "frames"
	fit_check "$d/a.wav" 1000 -6 -120
	fit_check "$d/t.wav" 700 -6 -120
}
