#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Read the samples of a float WAV file (or raw f32) exactly, for tests.

sox goes through 32-bit integers and rounds float samples; these
helpers read the bytes as they are. Import: from wavf32 import load.
"""
import struct

import numpy as np


def load(path, channels=2):
    """Frames of float32 samples, shape (frames, channels)."""
    data = open(path, "rb").read()
    if data[:4] not in (b"RIFF", b"RF64"):
        return np.frombuffer(data, dtype="<f4").reshape(-1, channels)
    off = 12
    while off + 8 <= len(data):
        cid, size = data[off:off + 4], struct.unpack_from("<I", data, off + 4)[0]
        if cid == b"fmt ":
            channels = struct.unpack_from("<H", data, off + 10)[0]
        if cid == b"data":
            body = data[off + 8:]
            if size != 0xffffffff:
                body = body[:size]
            body = body[:len(body) // (4 * channels) * 4 * channels]
            return np.frombuffer(body, dtype="<f4").reshape(-1, channels)
        off += 8 + size + (size & 1)
    raise ValueError("%s: no data chunk" % path)
