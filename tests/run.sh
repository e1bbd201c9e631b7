#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every C unit test (TAP) and every bats suite (TAP), then print one
# closing line "N passed, N failed" over all of them. Exit 1 on a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
log=${TMPDIR:-/tmp}/amixd-check.$$.tap
: >"$log"
for t in "$@"; do
	echo "# unit: $t"
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | tee -a "$log"
	if [ "$rc" -ne 0 ]; then
		echo "not ok - $t exited with status $rc" | tee -a "$log"
	fi
done
if [ -n "${FUZZERS:-}" ]; then
	echo "# fuzz: ${FUZZ_SECONDS}s each"
	# shellcheck disable=SC2086
	"$top/tests/fuzz/run.sh" "${FUZZ_SECONDS:-20}" $FUZZERS 2>&1 |
	    tee -a "$log"
fi
echo "# bats"
# A test that hangs fails after 10 minutes instead of eating CI's time.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-600} bats --tap "$top/tests" 2>&1 |
    tee -a "$log"
pass=$(grep -c '^ok ' "$log")
fail=$(grep -c '^not ok ' "$log")
rm -f "$log"
[ "$pass" -gt 0 ] || fail=$((fail + 1))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
