#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fit a sine to an audio file and print what was found, as JSON.

usage: sinefit.py FILE [CHANNEL|all] [SKIP_SECONDS [SECONDS]]

Decodes FILE to float (a WAV of 32-bit floats as stored, anything else
with sox), takes one channel (default 0) from SKIP_SECONDS on, SECONDS
of it (default: to the end), finds the
FFT peak, refines the frequency by least squares around it and prints
{"freq": Hz, "amp_db": dBFS of the fitted amplitude, "resid_db": residual
RMS relative to the sine's RMS, "rate": Hz, "frames": N, "channels": N,
"chan_diff": largest |left - right|}. CHANNEL "all": one such line per
channel, each with its "channel" (a multichannel file checked channel by
channel, e.g. amtone --spread).
"""
import json
import struct
import subprocess
import sys

import numpy as np


def read_f32_wav(path):
    """(rate, frames x channels float32) of a WAV of 32-bit floats, as
    stored, or None for any other file. sox reads samples into 32-bit
    integers and writes floats from them on a grid of 2^-24, so a float
    WAV decoded by sox loses what lies below that: a -6 dBFS sine could
    not measure better than 146 dB, however clean."""
    with open(path, "rb") as f:
        b = f.read()
    if len(b) < 12 or b[0:4] != b"RIFF" or b[8:12] != b"WAVE":
        return None
    pos, fmt = 12, None
    while pos + 8 <= len(b):
        cid = b[pos:pos + 4]
        size = struct.unpack_from("<I", b, pos + 4)[0]
        body = b[pos + 8:pos + 8 + size]
        if cid == b"fmt " and len(body) >= 16:
            tag, chans, rate = struct.unpack_from("<HHI", body, 0)
            bits = struct.unpack_from("<H", body, 14)[0]
            if tag == 0xFFFE and len(body) >= 26:  # extensible
                tag = struct.unpack_from("<H", body, 24)[0]
            fmt = (tag, chans, rate, bits)
        elif cid == b"data":
            if fmt is None or fmt[0] != 3 or fmt[3] != 32 or fmt[1] < 1:
                return None
            n = len(body) // (4 * fmt[1])
            data = np.frombuffer(body[:n * 4 * fmt[1]], dtype="<f4")
            return fmt[2], data.reshape(-1, fmt[1])
        pos += 8 + size + (size & 1)
    return None


def decode(path):
    got = read_f32_wav(path)
    if got is not None:
        return got
    info = subprocess.run(["soxi", "-r", path], capture_output=True,
                          text=True, check=True)
    rate = int(info.stdout.strip())
    chans = int(subprocess.run(["soxi", "-c", path], capture_output=True,
                               text=True, check=True).stdout.strip())
    raw = subprocess.run(["sox", "-V1", path, "-t", "f32", "-"],
                         capture_output=True, check=True).stdout
    data = np.frombuffer(raw, dtype="<f4").reshape(-1, chans)
    return rate, data


def fit(x, rate, f0):
    t = np.arange(len(x)) / rate

    def resid(f):
        m = np.column_stack([np.sin(2 * np.pi * f * t),
                             np.cos(2 * np.pi * f * t), np.ones_like(t)])
        coef, *_ = np.linalg.lstsq(m, x, rcond=None)
        return np.sum((x - m @ coef) ** 2), coef

    lo, hi = f0 - 2 * rate / len(x), f0 + 2 * rate / len(x)
    for _ in range(60):  # golden-section search on the residual
        a = hi - (hi - lo) / 1.618
        b = lo + (hi - lo) / 1.618
        if resid(a)[0] < resid(b)[0]:
            hi = b
        else:
            lo = a
    f = (lo + hi) / 2
    err, coef = resid(f)
    return f, float(np.hypot(coef[0], coef[1])), err


def main():
    path = sys.argv[1]
    ch = int(sys.argv[2]) if sys.argv[2:3] not in ([], ["all"]) else 0
    skip = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    secs = float(sys.argv[4]) if len(sys.argv) > 4 else None
    rate, data = decode(path)
    if sys.argv[2:3] == ["all"]:
        for c in range(data.shape[1]):
            report(rate, data, c, skip, secs, {"channel": c})
        return
    report(rate, data, ch, skip, secs, {})


def report(rate, data, ch, skip, secs, extra):
    start = int(skip * rate)
    end = start + int(secs * rate) if secs is not None else None
    x = data[start:end, ch].astype(np.float64)
    win = np.hanning(len(x))
    spec = np.abs(np.fft.rfft(x * win))
    k = int(np.argmax(spec[1:]) + 1)
    f, amp, err = fit(x, rate, k * rate / len(x))
    sig = amp * amp / 2 * len(x)
    out = {
        "freq": round(f, 4),
        "amp_db": round(20 * np.log10(amp), 4) if amp > 0 else -200,
        "resid_db": round(10 * np.log10(max(err, 1e-30) / sig), 2)
        if sig > 0 else None,
        "rate": rate,
        "frames": int(data.shape[0]),
        "channels": int(data.shape[1]),
        "chan_diff": float(np.max(np.abs(data[:, 0] - data[:, -1]))),
    }
    out.update(extra)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
