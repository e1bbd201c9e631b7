#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fit sines at known frequencies to every channel of a file, as JSON.

usage: chfit.py FILE FREQ [FREQ ...]

Decodes FILE with sox to float and fits, in each channel separately,
sines at all the given frequencies at once (least squares, exact
frequencies), printing {"channels": N, "frames": N, "rate": Hz,
"amp": [[linear amplitude of each FREQ] for each channel],
"resid_db": [residual RMS relative to the channel's RMS, per channel]}.
For multichannel renders where each source channel plays its own
frequency (a tone with "spread"): the amplitudes of a down-mix are the
conversion matrix times the sources' amplitudes.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sinefit import decode  # noqa: E402  (the same decoding)


def main():
    path = sys.argv[1]
    freqs = [float(f) for f in sys.argv[2:]]
    rate, data = decode(path)
    chans = data.shape[1]
    t = np.arange(len(data)) / rate
    cols = []
    for f in freqs:
        cols += [np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)]
    m = np.column_stack(cols)
    amps, resid = [], []
    for c in range(chans):
        x = data[:, c].astype(np.float64)
        coef, *_ = np.linalg.lstsq(m, x, rcond=None)
        a = np.hypot(coef[0::2], coef[1::2])
        amps.append([round(float(v), 6) for v in a])
        r = np.sqrt(np.mean((x - m @ coef) ** 2))
        s = np.sqrt(np.mean(x ** 2))
        resid.append(round(float(20 * np.log10(r / s)), 2) if s > 0 and
                     r > 0 else -300.0)
    print(json.dumps({"channels": chans, "frames": len(data), "rate": rate,
                      "amp": amps, "resid_db": resid}))


if __name__ == "__main__":
    main()
