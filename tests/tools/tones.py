#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fit several sines at once to one channel of an audio file, as JSON.

usage: tones.py FILE FREQ [FREQ ...]

Decodes FILE with sox to float, takes channel 0, fits sines at the
given frequencies (exactly, by least squares, all together) and prints
{"amp_db": [dBFS of each], "resid_db": residual RMS relative to the
fitted signal's RMS, "active_s": seconds where |x| > 1e-3 over a 10 ms
window, "seconds": length}. For mixes of known tones (two players at
once) where sinefit.py, which finds one, does not apply.
"""
import json
import subprocess
import sys

import numpy as np


def main():
    path = sys.argv[1]
    freqs = [float(f) for f in sys.argv[2:]]
    rate = int(subprocess.run(["soxi", "-r", path], capture_output=True,
                              text=True, check=True).stdout.strip())
    chans = int(subprocess.run(["soxi", "-c", path], capture_output=True,
                               text=True, check=True).stdout.strip())
    raw = subprocess.run(["sox", "-V1", path, "-t", "f32", "-"],
                         capture_output=True, check=True).stdout
    x = np.frombuffer(raw, dtype="<f4").reshape(-1, chans)[:, 0]
    x = x.astype(np.float64)
    t = np.arange(len(x)) / rate
    cols = []
    for f in freqs:
        cols += [np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)]
    m = np.column_stack(cols + [np.ones_like(t)])
    coef, *_ = np.linalg.lstsq(m, x, rcond=None)
    fitted = m @ coef
    amps = []
    for i in range(len(freqs)):
        a = np.hypot(coef[2 * i], coef[2 * i + 1])
        amps.append(round(20 * np.log10(a), 2) if a > 0 else -999.0)
    rms = np.sqrt(np.mean(fitted ** 2)) if len(x) else 0.0
    res = np.sqrt(np.mean((x - fitted) ** 2)) if len(x) else 0.0
    win = max(1, rate // 100)
    n = len(x) // win
    peaks = np.abs(x[:n * win]).reshape(n, win).max(axis=1) if n else []
    print(json.dumps({
        "amp_db": amps,
        "resid_db": round(20 * np.log10(res / rms), 2)
        if rms > 0 and res > 0 else -999.0,
        "active_s": round(float(np.sum(np.asarray(peaks) > 1e-3)) * win /
                          rate, 3),
        "seconds": round(len(x) / rate, 3)}))


if __name__ == "__main__":
    main()
