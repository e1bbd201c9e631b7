#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""More unruly app ring clients, for tests/510-hostile.bats.

usage: ringhostile.py SOCK MODE TO_ID [SECONDS]

Plays a 440 Hz tone into an app_source linked to TO_ID for SECONDS
(default 2); halfway through, MODE spoils the ring while the engine
plays it:

  counters  scribble both the write and the read counter (the read
            counter is the engine's) with absurd values, and the
            engine's report fields, and the pause flag
  magic     zero the header: magic, version, geometry, watermarks
  geometry  keep rewriting the geometry the engine copied at attach:
            channels (0, 65, 64, random), frame size, capacity, and the
            channel positions at offset 320 (random, duplicated, past
            the channels): the engine must play on as it attached
  truncate  try to ftruncate the sealed memfd smaller, to 0 and larger
            (all must fail with EPERM), then keep playing
  play      just play (to be killed with SIGKILL mid-stream)

Prints the node id, then one line "done" and, for truncate, what each
ftruncate did. Uses the ring layout of ringclient.py.
"""
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ringclient import (HDR, OFF_RD, OFF_WR,  # noqa: E402
                        OFF_XRUNS, OFF_CLOSED, OFF_EOF, OFF_PAUSED,
                        OFF_LAYOUT, Player)

OFF_CHANNELS, OFF_CAPACITY, OFF_FRAME_BYTES = 12, 20, 36


def main():
    path, mode, to = sys.argv[1], sys.argv[2], int(sys.argv[3])
    secs = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    p = Player(path, to)
    cap, mm = p.cap, p.mm
    t_end = time.monotonic() + secs
    t_bad = time.monotonic() + secs / 2
    rng = random.Random(11)
    spoilt = False
    while time.monotonic() < t_end:
        rd = p.rd()
        if mode != "play" and time.monotonic() >= t_bad:
            if mode == "counters":
                for off in (OFF_WR, OFF_RD):
                    bad = rng.choice([0, 1 << 63, (1 << 64) - 1,
                                      rng.getrandbits(64), rd + cap * 1000,
                                      rd - 1])
                    struct.pack_into("<Q", mm, off, bad % (1 << 64))
                struct.pack_into("<Q", mm, OFF_XRUNS, rng.getrandbits(64))
                struct.pack_into("<I", mm, OFF_CLOSED, rng.getrandbits(32))
                struct.pack_into("<I", mm, OFF_EOF, rng.getrandbits(32))
                struct.pack_into("<I", mm, OFF_PAUSED, rng.getrandbits(32))
                time.sleep(0.002)
                continue
            if mode == "geometry":
                struct.pack_into("<I", mm, OFF_CHANNELS, rng.choice(
                    [0, 65, 64, 1, rng.getrandbits(32)]))
                struct.pack_into("<I", mm, OFF_FRAME_BYTES,
                                 rng.choice([0, 1, 256, rng.getrandbits(32)]))
                struct.pack_into("<I", mm, OFF_CAPACITY,
                                 rng.choice([0, 1 << 20, rng.getrandbits(32)]))
                lay = rng.choice([bytes([3]) * 64, bytes(range(64, 128)),
                                  rng.randbytes(64)])
                mm[OFF_LAYOUT:OFF_LAYOUT + 64] = lay
            if mode == "magic" and not spoilt:
                mm[0:64] = bytes(64)
                spoilt = True
            if mode == "truncate" and not spoilt:
                for size in (HDR, 0, HDR + cap * 16, 1 << 30):
                    try:
                        os.ftruncate(p.fd, size)
                        print("ftruncate", size, "succeeded", flush=True)
                    except OSError as e:
                        print("ftruncate", size, "refused", e.errno,
                              flush=True)
                spoilt = True
        n = 2048 - (p.wr - rd) if p.wr >= rd else 2048
        if mode == "magic" and spoilt:
            p.wr = rd  # keep writing as if nothing happened
            n = 2048
        if n > 0:
            p.write_tone(n)
        p.sleep(0.1)
    p.done()


if __name__ == "__main__":
    main()
