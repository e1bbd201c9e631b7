#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Find where a live recording sits in an offline render and compare.

usage: align.py REC REF

REC is a recording of amixd's output (jack_rec, or a file_sink of a
second amixd), taken at any point of the stream and possibly starting
with silence; REF is an offline render of the same graph from position
0, long enough to cover REC. Both are WAV, f32 or s32, read directly
(sox converts through 32-bit integers, so floats would not come back bit
for bit). The first 256 non-silent frames of REC are searched for,
sample-exactly, in REF; the whole non-silent rest of REC is compared
with REF from there. An s32 recording (jack_rec -b 32) is compared as
integers, REF rounded the way libsndfile rounded the floats jack_rec
wrote (x * 2^31, to nearest even); an f32 one as floats.

Prints JSON: {"offset": frame of REF where REC starts, or null; "lead":
silent frames skipped at REC's start; "frames": frames compared;
"mismatch": frames differing in any channel; "first_mismatch": frame of
REC, or null; "max_diff": largest |REC - REF| in the compared unit}.
"""
import json
import sys

import numpy as np

PROBE = 256


def decode(path):
    """Samples of an f32 or s32 WAV file as an array (frames, channels)."""
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"RIFF" or b[8:12] != b"WAVE":
        sys.exit(f"align.py: {path}: not a WAV file")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(b):
        cid, size = b[pos:pos + 4], int.from_bytes(b[pos + 4:pos + 8],
                                                      "little")
        body = b[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        sys.exit(f"align.py: {path}: no fmt or data chunk")
    tag = int.from_bytes(fmt[0:2], "little")
    chans = int.from_bytes(fmt[2:4], "little")
    bits = int.from_bytes(fmt[14:16], "little")
    if tag == 0xFFFE:
        tag = int.from_bytes(fmt[24:26], "little")
    if (tag, bits) == (3, 32):
        dtype = "<f4"
    elif (tag, bits) == (1, 32):
        dtype = "<i4"
    else:
        sys.exit(f"align.py: {path}: only f32 or s32 WAV (tag {tag}, "
                 f"{bits} bits)")
    n = len(data) // (4 * chans)
    return np.frombuffer(data[:n * 4 * chans], dtype=dtype).reshape(-1,
                                                                   chans)


def find(rec, ref, lead):
    """REF frame where rec[lead:] starts, matching PROBE frames exactly."""
    probe = rec[lead:lead + PROBE]
    for c in np.flatnonzero(np.all(ref == probe[0], axis=1)):
        if c + len(probe) <= len(ref) and \
                np.array_equal(ref[c:c + len(probe)], probe):
            return int(c)
    return None


def main():
    rec, ref = decode(sys.argv[1]), decode(sys.argv[2])
    if rec.dtype.kind == "i" and ref.dtype.kind == "f":
        # jack_rec -b 32 stores integers: libsndfile's sf_writef_float
        # scales by 2^31 and rounds to nearest even (lrintf). Put the
        # render through the same rounding and compare integers.
        ref = np.clip(np.rint(ref.astype(np.float64) * 2.0 ** 31),
                      -2.0 ** 31, 2.0 ** 31 - 1).astype(np.int64)
    if rec.shape[1] != ref.shape[1]:
        ref = ref[:, :rec.shape[1]]
    loud = np.flatnonzero(np.any(rec != 0, axis=1))
    lead = int(loud[0]) if len(loud) else len(rec)
    out = {"offset": None, "lead": lead, "frames": 0, "mismatch": None,
           "first_mismatch": None, "max_diff": None}
    start = find(rec, ref, lead) if len(rec) - lead >= PROBE else None
    if start is not None:
        n = min(len(rec) - lead, len(ref) - start)
        a, b = rec[lead:lead + n], ref[start:start + n]
        bad = np.flatnonzero(np.any(a != b, axis=1))
        out.update(offset=start, frames=int(n), mismatch=int(len(bad)),
                   first_mismatch=int(bad[0]) + lead if len(bad) else None,
                   max_diff=float(np.max(np.abs(a - b))) if n else 0.0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
