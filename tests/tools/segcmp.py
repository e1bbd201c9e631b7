#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Find a played stream inside a recording, for the app ring tests.

usage: segcmp.py same FILE REF     FILE holds REF exactly once, silence
                                   around it; prints JSON {"start",
                                   "equal", "frames", "outside", "maxdiff"}
       segcmp.py trim FILE OUT.wav the non-silent part of FILE as WAV
       segcmp.py find FILE REF     best offset of REF (shorter) in FILE
                                   and the largest difference there

Samples are read exactly (wavf32), never through sox's integers.
"""
import json
import subprocess
import sys

import numpy as np

from wavf32 import load


def span(x):
    nz = np.nonzero(np.any(x != 0, axis=1))[0]
    return (int(nz[0]), int(nz[-1]) + 1) if len(nz) else (0, 0)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    x = load(path)
    if mode == "same":
        ref = load(sys.argv[3])
        a, _ = span(x)
        r0, _ = span(ref)
        s = max(a - r0, 0)
        seg = x[s:s + len(ref)]
        ok = seg.shape == ref.shape and np.array_equal(seg, ref)
        out = int(np.count_nonzero(x[:s])) + \
            int(np.count_nonzero(x[s + len(ref):]))
        diff = float(np.max(np.abs(seg - ref))) if seg.shape == ref.shape \
            else None
        print(json.dumps({"start": s, "equal": bool(ok),
                          "frames": int(len(seg)), "outside": out,
                          "maxdiff": diff}))
    elif mode == "trim":
        a, b = span(x)
        raw = x[a:b].astype("<f4").tobytes()
        subprocess.run(["sox", "-t", "f32", "-r", "48000", "-c",
                        str(x.shape[1]), "-", sys.argv[3]], input=raw,
                       check=True)
    elif mode == "find":
        ref = load(sys.argv[3])
        n = len(ref)
        a = x[:, 0].astype(np.float64)
        b = ref[:, 0].astype(np.float64)
        m = len(a) + n
        c = np.fft.irfft(np.fft.rfft(a, m) * np.conj(np.fft.rfft(b, m)), m)
        k = int(np.argmax(c[:len(a) - n + 1]))
        d = float(np.max(np.abs(x[k:k + n] - ref)))
        print(json.dumps({"offset": k, "maxdiff": d}))


if __name__ == "__main__":
    main()
