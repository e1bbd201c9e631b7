#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write a short tail to an ALSA PCM, start it, and wait without draining.

usage: alsatail.py PCM FRAMES SECONDS

Opens PCM (s16 stereo 44100 Hz, 100 ms of latency) through alsa-lib
with ctypes, writes FRAMES frames of a sine (fewer than the buffer),
starts the stream by hand and polls snd_pcm_delay until the frames are
played (delay below what the device holds, FRAMES / 2 here) or SECONDS
pass. Exit 0 when played, 1 when the stream stayed put: a player that
waits for its tail by the delay, as players do at the end of a file,
and must not wait forever.
"""
import ctypes
import math
import struct
import sys
import time


def main():
    name, frames, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    lib = ctypes.CDLL("libasound.so.2")
    pcm = ctypes.c_void_p()
    if lib.snd_pcm_open(ctypes.byref(pcm), name.encode(), 0, 0) < 0:
        sys.exit("alsatail: cannot open " + name)
    # SND_PCM_FORMAT_S16_LE 2, SND_PCM_ACCESS_RW_INTERLEAVED 3
    if lib.snd_pcm_set_params(pcm, 2, 3, 2, 44100, 1, 100000) < 0:
        sys.exit("alsatail: set_params failed")
    data = b"".join(struct.pack("<hh", v, v) for v in
                    (int(8000 * math.sin(2 * math.pi * 440 * i / 44100))
                     for i in range(frames)))
    if lib.snd_pcm_writei(pcm, data, ctypes.c_ulong(frames)) != frames:
        sys.exit("alsatail: short write")
    if lib.snd_pcm_start(pcm) < 0:
        sys.exit("alsatail: start failed")
    delay = ctypes.c_long()
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if lib.snd_pcm_delay(pcm, ctypes.byref(delay)) < 0:
            sys.exit("alsatail: delay failed")
        if delay.value < frames // 2:
            lib.snd_pcm_close(pcm)
            return 0
        time.sleep(0.01)
    print("alsatail: delay still %d after %g s" % (delay.value, secs))
    return 1


if __name__ == "__main__":
    sys.exit(main())
