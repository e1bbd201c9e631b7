#!/bin/sh
# SPDX-License-Identifier: MIT
# Run each libFuzzer target for SECONDS from a copy of its checked-in
# corpus (tests/fuzz/corpus/NAME, the part after "fuzz_"). Prints one TAP
# line per target with its exec count; a crash, leak or UB report fails.
set -u
secs=$1
shift
n=0
fail=0
for f in "$@"; do
	n=$((n + 1))
	name=$(basename "$f")
	seeds=$(dirname "$0")/corpus/${name#fuzz_}
	work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
	cp "$seeds"/* "$work"/ 2>/dev/null
	log=$work.log
	# A crash input goes beside the temporary files, not into the
	# checkout; the report names it.
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
	    -print_final_stats=1 -close_fd_mask=3 \
	    -artifact_prefix="${TMPDIR:-/tmp}/$name-" "$work" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok $n - $name: $execs runs in ${secs}s, no crash"
	else
		echo "not ok $n - $name failed:"
		# The report's head (what, where), then the input to replay.
		{ grep -m1 -A24 -E 'ERROR:|runtime error|^fuzz_[a-z]+: ' \
		    "$log" | grep -v -E '^ *0x[0-9a-f]+:|^Shadow|^  [A-Z][a-z]'
		  grep -E '^(artifact_prefix|Base64)' "$log"
		} | sed 's/^/# /'
		[ -s "$log" ] && ! grep -q -E 'ERROR:|runtime error|^fuzz_' \
		    "$log" && tail -n 40 "$log" | sed 's/^/# /'
		fail=1
	fi
	rm -rf "$work" "$log"
done
exit "$fail"
