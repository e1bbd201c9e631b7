#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compare what an ALSA device got with an offline render, as JSON.

usage: rawcheck.py FORMAT CHANNELS DEVICE_RAW REFERENCE_RAW SKIP FRAMES

DEVICE_RAW holds interleaved FORMAT (f32, s32, s16) samples in CHANNELS
channels, as a `file` PCM wrote them; its first SKIP frames (the silence
the backend starts with) are skipped. REFERENCE_RAW is the render: stereo
little-endian float32. The first FRAMES frames of both are compared on the
first two device channels, in units of the device's last bit:
{"frames": N, "max_err": largest |device - reference * scale|,
 "rms_err": its RMS, "max_err_rounded": largest |device -
 round(reference * scale)|} (scale 1 for f32, 2^31, 2^15: lib/afmt.c).
"""
import json
import sys

import numpy as np

SCALE = {"f32": ("<f4", 1.0), "s32": ("<i4", 2147483648.0),
         "s16": ("<i2", 32768.0)}


def main(argv):
    if len(argv) != 7 or argv[1] not in SCALE:
        sys.stderr.write(__doc__)
        return 2
    dtype, scale = SCALE[argv[1]]
    ch, skip, frames = int(argv[2]), int(argv[5]), int(argv[6])
    dev = np.fromfile(argv[3], dtype=dtype)
    dev = dev[:len(dev) - len(dev) % ch].reshape(-1, ch)
    ref = np.fromfile(argv[4], dtype="<f4").reshape(-1, 2)
    dev = dev[skip:skip + frames].astype(np.float64)
    ref = ref[:frames].astype(np.float64)
    n = min(len(dev), len(ref))
    if n < frames:
        sys.stderr.write("rawcheck: only %d of %d frames\n" % (n, frames))
        return 1
    if ch == 1:
        want = ((ref[:, 0] + ref[:, 1]) * 0.5)[:, None] * scale
        got = dev[:, :1]
    else:
        want = ref * scale
        got = dev[:, :2]
    err = got - want
    out = {"frames": n,
           "max_err": float(np.abs(err).max()),
           "rms_err": float(np.sqrt(np.mean(err ** 2))),
           "max_err_rounded": float(np.abs(got - np.rint(want)).max())}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
