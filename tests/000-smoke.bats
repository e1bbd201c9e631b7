#!/usr/bin/env bats
# Smoke: the programs run and a daemon answers. Fails fast on a bad build.

load helpers

setup_file() {
	amixd_start
}

teardown_file() {
	amixd_stop
}

@test "every program prints its usage with -h and exits 0" {
	local p
	for p in amixd amctl amtone amcat amstat; do
		run -0 "$p" -h
		assert_match "usage: $p" "$output$stderr" "$p -h"
	done
}

@test "amixd answers the design card's ping" {
	run -0 req '{"cmd":"ping"}'
	assert_eq '{"ok":true,"name":"audiomixerd","version":"0.1.0"}' "$output"
}
