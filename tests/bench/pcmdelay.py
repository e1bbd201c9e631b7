#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What an ALSA PCM reports as its delay while an application keeps it full.

usage: pcmdelay.py PCM BUFFER_US [SECONDS]

Opens PCM (s16 stereo 48000 Hz, BUFFER_US of latency, soft resample on)
through alsa-lib with ctypes, writes silence in blocks of a quarter of
the buffer for SECONDS (default 2), blocking, and after each write past
the first half second reads snd_pcm_delay: the frames between the next
frame written and the device, what a player uses for lip sync. Prints
one JSON line: the median and the extremes of those delays in ms, the
number of reads and of writes that failed (-EPIPE and recovered).
"""
import ctypes
import json
import sys
import time

RATE = 48000


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    lib = ctypes.CDLL("libasound.so.2")
    pcm = ctypes.c_void_p()
    if lib.snd_pcm_open(ctypes.byref(pcm), sys.argv[1].encode(), 0, 0) < 0:
        sys.exit("pcmdelay: cannot open " + sys.argv[1])
    buf_us = int(sys.argv[2])
    secs = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    # SND_PCM_FORMAT_S16_LE 2, SND_PCM_ACCESS_RW_INTERLEAVED 3
    if lib.snd_pcm_set_params(pcm, 2, 3, 2, RATE, 1, buf_us) < 0:
        sys.exit("pcmdelay: set_params failed")
    block = max(32, buf_us * RATE // 1000000 // 4)
    data = bytes(block * 4)
    delay = ctypes.c_long()
    vals, errors = [], 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        n = lib.snd_pcm_writei(pcm, data, ctypes.c_ulong(block))
        if n < 0:
            errors += 1
            lib.snd_pcm_recover(pcm, n, 1)
            continue
        if time.monotonic() - t0 < 0.5:
            continue
        if lib.snd_pcm_delay(pcm, ctypes.byref(delay)) == 0:
            vals.append(delay.value * 1000.0 / RATE)
    lib.snd_pcm_drop(pcm)
    lib.snd_pcm_close(pcm)
    vals.sort()
    out = {"reads": len(vals), "errors": errors}
    if vals:
        out.update(median_ms=round(vals[len(vals) // 2], 3),
                   min_ms=round(vals[0], 3), max_ms=round(vals[-1], 3))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
