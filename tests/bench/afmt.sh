#!/bin/bash
# SPDX-License-Identifier: MIT
# lib/afmt.c, the sample-format conversions: nanoseconds per sample of
# each decode and encode (s16 plain, dithered, and exact samples with
# dither on, which must cost no more than plain), in blocks of a 2048-
# frame stereo period, median of RUNS runs of MS ms each (afmtbench).
# The peer is memcpy of the same float block in the same run: the floor
# of moving the samples at all.
set -u
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
MS=${MS:-200}
trap 'exit 143' TERM
trap 'rm -rf "$BENCH_DIR"' EXIT

afmtbench "$RUNS" "$MS" >"$BENCH_DIR/afmt.json"
floor=$(jq -r 'select(.what == "memcpy_f32") | .ns_per_sample' \
    "$BENCH_DIR/afmt.json")
jq -r 'select(.what != "memcpy_f32") | "\(.what) \(.ns_per_sample)"' \
    "$BENCH_DIR/afmt.json" | while read -r what ns; do
	figure "afmt_${what}_ns" "$ns" "ns/sample" "memcpy of f32" "$floor" \
	    lower "blocks of 4096 samples, median of $RUNS runs of $MS ms"
done
