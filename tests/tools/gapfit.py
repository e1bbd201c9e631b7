#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A sine with gaps in it: how much of a recording is the sine.

usage: gapfit.py FILE FREQ [WINDOW_MS]

A stream that underran has holes, and after each the sine goes on with
another phase, so one fit over the whole file says little. This cuts
channel 0 of FILE into windows (default 20 ms), fits a sine of FREQ Hz
(any phase) to each by least squares, and prints JSON: the number of
windows, how many are not the sine (residual above -40 dB of it, or
silent), and the median fitted level in dBFS.
"""
import json
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sinefit import decode  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rate, data = decode(sys.argv[1])
    freq = float(sys.argv[2])
    win = int(rate * float(sys.argv[3] if len(sys.argv) > 3 else 20) / 1000)
    x = data[:, 0] if data.ndim > 1 else data
    t = np.arange(win) / rate
    basis = np.stack([np.sin(2 * np.pi * freq * t),
                      np.cos(2 * np.pi * freq * t)], axis=1)
    bad, amps, n = 0, [], len(x) // win
    for k in range(n):
        w = x[k * win:(k + 1) * win]
        coef, *_ = np.linalg.lstsq(basis, w, rcond=None)
        fit = basis @ coef
        amp = float(np.hypot(*coef))
        resid = float(np.sqrt(np.mean((w - fit) ** 2)))
        amps.append(amp)
        if amp < 1e-4 or resid > 0.01 * amp / np.sqrt(2):
            bad += 1
    level = 20 * np.log10(np.median(amps)) if amps and np.median(amps) > 0 \
        else -200.0
    print(json.dumps({"windows": n, "bad": bad,
                      "amp_db": round(float(level), 3)}))


if __name__ == "__main__":
    main()
