#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Find an integer stream inside a recording and compare it bit for bit.

usage: bitsame.py [--shift N] [--gain G] OUT REF
       bitsame.py --make BITS OUT.wav

--make writes a 48 kHz stereo WAV of 16 or 24 bits whose left channel
holds every 16-bit value in order (-32768 first), or, for 24 bits, the
extremes and every value near 0 and full scale then 80000 random
ones; the right channel is the bitwise complement of the left, so no
frame is silent.

OUT and REF are a PCM WAV file (16 or 24 bits, WAVE_FORMAT_PCM or
EXTENSIBLE, RIFF or RF64, read as the integers they hold, never through a
float) or a raw file given as PATH:FORMAT:CHANNELS with
FORMAT s16, s24_3 or s32 (little-endian). The first two channels are
compared. REF must not start with a silent frame: its first frame is
looked for in OUT at OUT's first non-silent frame (silence around the
stream is allowed and reported as "outside", non-zero samples there).

Without --gain: the samples must be equal to REF * 2^N (--shift N, for
a 16-bit stream on a 32-bit device: 16). Prints JSON {"start", "frames",
"equal", "mismatches", "first_bad", "outside"}.

With --gain G: OUT is compared with REF * G in OUT's own units (a
processed, dithered signal): prints {"start", "frames", "rms_err",
"max_err", "exact"} with the error in steps of OUT's last bit and how
many samples equal REF * G rounded.
"""
import json
import struct
import sys
import wave

import numpy as np

RAW = {"s16": 2, "s24_3": 3, "s32": 4}


def wav_pcm(path):
    """Channels, bytes a sample and the data of a PCM WAV: RIFF or RF64,
    fmt WAVE_FORMAT_PCM or EXTENSIBLE (which Python's wave module reads
    only from 3.12; amixd writes it, as RF64 downgraded to RIFF)."""
    b = open(path, "rb").read()
    if b[:4] not in (b"RIFF", b"RF64") or b[8:12] != b"WAVE":
        raise ValueError(path + ": not a WAVE file")
    off, ch, width, big = 12, None, None, None
    while off + 8 <= len(b):
        cid, size = b[off:off + 4], struct.unpack_from("<I", b, off + 4)[0]
        if cid == b"ds64":
            big = struct.unpack_from("<Q", b, off + 16)[0]
        elif cid == b"fmt ":
            tag, ch = struct.unpack_from("<HH", b, off + 8)
            width = struct.unpack_from("<H", b, off + 22)[0] // 8
            if tag == 0xfffe:
                tag = struct.unpack_from("<H", b, off + 32)[0]
            if tag != 1:
                raise ValueError("%s: format %d is not PCM" % (path, tag))
        elif cid == b"data":
            if size == 0xffffffff and big is not None:
                size = big
            return ch, width, b[off + 8:off + 8 + size]
        off += 8 + size + (size & 1)
    raise ValueError(path + ": no data chunk")


def load(spec):
    parts = spec.split(":")
    if len(parts) == 3:
        path, fmt, ch = parts[0], parts[1], int(parts[2])
        data = open(path, "rb").read()
        width = RAW[fmt]
    else:
        ch, width, data = wav_pcm(spec)
    n = len(data) // width // ch * ch
    b = np.frombuffer(data[:n * width], dtype=np.uint8).reshape(-1, width)
    v = np.zeros(n, dtype=np.int64)
    for i in range(width):
        v |= b[:, i].astype(np.int64) << (8 * i)
    bits = 8 * width
    v = np.where(v >= 1 << (bits - 1), v - (1 << bits), v)
    return v.reshape(-1, ch)[:, :2]


def make(bits, path):
    if bits == 16:
        left = np.arange(-32768, 32768, dtype=np.int64)
    else:
        lo, hi = -(1 << 23), (1 << 23) - 1
        rng = np.random.default_rng(12)
        left = np.concatenate([
            np.arange(lo, lo + 1000), np.arange(-1000, 1000),
            np.arange(hi - 1000, hi + 1),
            rng.integers(lo, hi + 1, 80000)]).astype(np.int64)
    x = np.stack([left, -1 - left], axis=1).reshape(-1)
    width = bits // 8
    raw = bytearray()
    u = x & ((1 << bits) - 1)
    b = np.stack([(u >> (8 * i)) & 0xff for i in range(width)], axis=1)
    raw = b.astype(np.uint8).tobytes()
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(width)
        w.setframerate(48000)
        w.writeframes(raw)
    return 0


def main(argv):
    shift, gain = 0, None
    if len(argv) == 3 and argv[0] == "--make":
        return make(int(argv[1]), argv[2])
    while argv and argv[0].startswith("--"):
        if argv[0] == "--shift":
            shift = int(argv[1])
        elif argv[0] == "--gain":
            gain = float(argv[1])
        else:
            sys.stderr.write(__doc__)
            return 2
        argv = argv[2:]
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out, ref = load(argv[0]), load(argv[1])
    nz = np.nonzero(np.any(out != 0, axis=1))[0]
    s = int(nz[0]) if len(nz) else 0
    seg = out[s:s + len(ref)]
    if gain is not None:
        n = min(len(seg), len(ref))
        want = ref[:n].astype(np.float64) * gain
        err = seg[:n] - want
        print(json.dumps({
            "start": s, "frames": int(n),
            "rms_err": float(np.sqrt(np.mean(err ** 2))),
            "max_err": float(np.abs(err).max()),
            "exact": int(np.count_nonzero(seg[:n] == np.rint(want)))}))
        return 0
    want = ref << shift
    same = seg.shape == want.shape
    bad = np.nonzero(np.any(seg != want[:len(seg)], axis=1))[0] \
        if len(seg) <= len(want) else np.array([0])
    outside = int(np.count_nonzero(out[:s])) + \
        int(np.count_nonzero(out[s + len(ref):]))
    print(json.dumps({
        "start": s, "frames": int(len(seg)),
        "equal": bool(same and len(bad) == 0),
        "mismatches": int(len(bad)) + int(abs(len(want) - len(seg))),
        "first_bad": int(bad[0]) if len(bad) else None,
        "outside": outside}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
