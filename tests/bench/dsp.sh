#!/bin/bash
# SPDX-License-Identifier: MIT
# The sample kernels (amixd/dsp_kern.h) per instruction set this machine
# runs: nanoseconds (thread CPU time) and TSC cycles per sample, on a
# 256-frame stereo block in cache, median of RUNS runs of MS ms each
# (dspbench). The peer of each is the scalar reference ("ref") measured
# in the same run; the figure of the set amixd dispatches to is marked.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
MS=${MS:-100}
trap 'exit 143' TERM
trap 'rm -rf "$BENCH_DIR"' EXIT

dspbench "$RUNS" "$MS" >"$BENCH_DIR/dsp.json" || exit 1
jq -r '"\(.kernel) \(.isa) \(.ns_per_sample) \(.cycles_per_sample)"' \
    "$BENCH_DIR/dsp.json" | while read -r k isa ns cy; do
	[ "$isa" = ref ] && continue
	ref=$(jq -r --arg k "$k" \
	    'select(.kernel == $k and .isa == "ref") | .cycles_per_sample' \
	    "$BENCH_DIR/dsp.json")
	figure "dsp_${k}_${isa}_cycles" "$cy" "cycles/sample" \
	    "scalar reference" "$ref" lower \
	    "$ns ns/sample; 256 stereo frames, median of $RUNS x $MS ms"
done
