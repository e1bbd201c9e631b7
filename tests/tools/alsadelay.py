#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""How snd_pcm_delay moves between the engine's periods.

usage: alsadelay.py PCM

Opens PCM (s16 stereo 48000 Hz, 200 ms of latency) through alsa-lib with
ctypes, keeps it full for 1 s, then stops writing and reads
snd_pcm_delay about every millisecond for 40 ms. Prints one JSON line:
the number of distinct values read, and the slope of delay against
CLOCK_MONOTONIC in frames per second (the rate, when the delay comes
from a clock: it falls between periods too, not in steps of a period).
"""
import ctypes
import json
import sys
import time

RATE = 48000


def main():
    lib = ctypes.CDLL("libasound.so.2")
    pcm = ctypes.c_void_p()
    if lib.snd_pcm_open(ctypes.byref(pcm), sys.argv[1].encode(), 0, 0) < 0:
        sys.exit("alsadelay: cannot open " + sys.argv[1])
    # SND_PCM_FORMAT_S16_LE 2, SND_PCM_ACCESS_RW_INTERLEAVED 3
    if lib.snd_pcm_set_params(pcm, 2, 3, 2, RATE, 1, 200000) < 0:
        sys.exit("alsadelay: set_params failed")
    block = 480
    data = bytes(block * 4)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        if lib.snd_pcm_writei(pcm, data, ctypes.c_ulong(block)) < 0:
            sys.exit("alsadelay: write failed")
    delay = ctypes.c_long()
    pts = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.04:
        if lib.snd_pcm_delay(pcm, ctypes.byref(delay)) < 0:
            sys.exit("alsadelay: delay failed")
        pts.append((time.monotonic(), delay.value))
        time.sleep(0.001)
    lib.snd_pcm_drop(pcm)
    lib.snd_pcm_close(pcm)
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    md = sum(d for _, d in pts) / n
    var = sum((t - mt) ** 2 for t, _ in pts)
    slope = sum((t - mt) * (d - md) for t, d in pts) / var if var else 0
    print(json.dumps({"reads": n, "distinct": len({d for _, d in pts}),
                      "slope": slope, "first": pts[0][1],
                      "last": pts[-1][1]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
