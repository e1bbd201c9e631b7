#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A true pause through alsa-lib, and the check of its recording.

usage: alsapause.py play PCM RATE
       alsapause.py capture PCM RATE
       alsapause.py check WAV FREQ FRAMES [PERIOD RAMP PLAY_JSON]

play: opens PCM (s16 stereo at RATE, 100 ms of latency) with ctypes,
writes 1 s of a continuous 997 Hz sine at -6 dBFS, then snd_pcm_avail
(the frames the engine took so far) and snd_pcm_pause(1); reads
snd_pcm_delay every 50 ms for 1 s; snd_pcm_pause(0) and writes 1 s more
of the same sine, on in phase; drains. One JSON line: rate, written,
at_pause (frames written before the pause), taken (frames the engine had
taken then), paused_delays (snd_pcm_delay while paused).

capture: records from PCM (s16 stereo at RATE) for 0.5 s, pauses 1 s
reading snd_pcm_avail every 100 ms, resumes and records 0.5 s more. One
JSON line: rate, avails (while paused), before and after (the frames
read, for a sine fit of each half written to WAV files given by the
environment: ALSAPAUSE_OUT prefix).

check: the recording WAV (channel 0) of one stream that was paused once:
the sound, a run of exact silence, the sound again. With FRAMES the
frames the stream should hold at the recording's rate: "missing", the frames
not heard (sound before the gap plus after it; 1 when all are: the ramp
down's last frame is silenced; one more for each end that is a zero
sample), and "offset", where the second part
sits in the stream after the first for the sine to go on (a least-
squares fit of one sine at FREQ over both, the ramps left out; 1 when
nothing was lost or played twice), with its residual; "edge_db", the
peak of the 0.5 ms either side of the gap relative to the sine's (a
ramp, not a click: below -20 dB). With PERIOD, RAMP and
PLAY_JSON (play's line; its rate may differ from the recording's):
"after": frames of sound after the pause beyond what the engine had
taken. One JSON line.
"""
import ctypes
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sinefit import decode  # noqa: E402

FREQ = 997.0
AMP = 0.5


def sine(n0, n, rate):
    """n stereo s16 frames of the sine from frame n0 on, as bytes."""
    k = np.arange(n0, n0 + n, dtype=np.float64)
    x = np.round(AMP * 32767 * np.sin(2 * np.pi * FREQ * k / rate))
    return np.repeat(x.astype("<i2"), 2).tobytes()


def opened(name, stream, rate):
    lib = ctypes.CDLL("libasound.so.2")
    pcm = ctypes.c_void_p()
    if lib.snd_pcm_open(ctypes.byref(pcm), name.encode(), stream, 0) < 0:
        sys.exit("alsapause: cannot open " + name)
    # SND_PCM_FORMAT_S16_LE 2, SND_PCM_ACCESS_RW_INTERLEAVED 3
    if lib.snd_pcm_set_params(pcm, 2, 3, 2, rate, 1, 100000) < 0:
        sys.exit("alsapause: set_params failed")
    lib.snd_pcm_avail.restype = ctypes.c_long
    lib.snd_pcm_writei.restype = ctypes.c_long
    lib.snd_pcm_readi.restype = ctypes.c_long
    return lib, pcm


def write(lib, pcm, n0, n, rate):
    block = rate // 100
    done = 0
    while done < n:
        k = min(block, n - done)
        r = lib.snd_pcm_writei(pcm, sine(n0 + done, k, rate),
                               ctypes.c_ulong(k))
        if r < 0:
            sys.exit("alsapause: write failed: %d" % r)
        done += r


def play(name, rate):
    lib, pcm = opened(name, 0, rate)
    bsize, psize = ctypes.c_ulong(), ctypes.c_ulong()
    lib.snd_pcm_get_params(pcm, ctypes.byref(bsize), ctypes.byref(psize))
    write(lib, pcm, 0, rate, rate)
    avail = lib.snd_pcm_avail(pcm)
    if lib.snd_pcm_pause(pcm, 1) < 0:
        sys.exit("alsapause: pause failed")
    if avail < 0:
        sys.exit("alsapause: avail failed: %d" % avail)
    taken = rate - (bsize.value - avail)
    delay = ctypes.c_long()
    delays = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.0:
        time.sleep(0.05)
        if lib.snd_pcm_delay(pcm, ctypes.byref(delay)) < 0:
            sys.exit("alsapause: delay failed")
        delays.append(delay.value)
    if lib.snd_pcm_pause(pcm, 0) < 0:
        sys.exit("alsapause: resume failed")
    write(lib, pcm, rate, rate, rate)
    lib.snd_pcm_drain(pcm)
    lib.snd_pcm_close(pcm)
    print(json.dumps({"rate": rate, "written": 2 * rate, "at_pause": rate,
                      "taken": taken, "buffer": bsize.value,
                      "period": psize.value, "paused_delays": delays}))


def read(lib, pcm, n):
    buf = ctypes.create_string_buffer(n * 4)
    got = 0
    out = b""
    while got < n:
        r = lib.snd_pcm_readi(pcm, buf, ctypes.c_ulong(n - got))
        if r < 0:
            sys.exit("alsapause: read failed: %d" % r)
        out += buf.raw[:r * 4]
        got += r
    return out


def capture(name, rate):
    lib, pcm = opened(name, 1, rate)
    before = read(lib, pcm, rate // 2)
    if lib.snd_pcm_pause(pcm, 1) < 0:
        sys.exit("alsapause: pause failed")
    avails = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.0:
        time.sleep(0.1)
        avails.append(lib.snd_pcm_avail(pcm))
    if lib.snd_pcm_pause(pcm, 0) < 0:
        sys.exit("alsapause: resume failed")
    after = read(lib, pcm, rate // 2)
    lib.snd_pcm_close(pcm)
    prefix = os.environ.get("ALSAPAUSE_OUT")
    if prefix:
        for tag, data in (("before", before), ("after", after)):
            with open(prefix + tag + ".raw", "wb") as f:
                f.write(data)
    print(json.dumps({"rate": rate, "avails": avails}))


def fit(t, x, f):
    """Residual energy and amplitude of the best sine at f over (t, x)."""
    w = 2 * np.pi * f * t
    m = np.column_stack([np.sin(w), np.cos(w)])
    coef, *_ = np.linalg.lstsq(m, x, rcond=None)
    return float(np.sum((x - m @ coef) ** 2)), float(np.hypot(*coef))


def check(path, freq, frames, extra):
    rate, data = decode(path)
    x = data[:, 0].astype(np.float64)
    # The stream: from its first to its last sound (a resampler's tail
    # after the end rings below -80 dBFS).
    nz = np.flatnonzero(np.abs(x) > 1e-4)
    x = x[nz[0]:nz[-1] + 1]
    # The gap: the longest run of exact zeros.
    z = np.concatenate(([0], (x == 0.0).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(z))
    runs = edges.reshape(-1, 2)
    lens = runs[:, 1] - runs[:, 0]
    g = int(np.argmax(lens))
    g0, g1 = int(runs[g, 0]), int(runs[g, 1])
    a, b = x[:g0], x[g1:]
    # Left out of the fit: the ramps either side of the gap, and a
    # resampler's transients at the stream's start and end.
    mask = 1024
    ta = np.arange(mask, len(a) - mask, dtype=np.float64)
    tb0 = np.arange(mask, len(b) - mask, dtype=np.float64)
    xs = np.concatenate((a[mask:len(a) - mask], b[mask:len(b) - mask]))
    def at(off):
        return np.concatenate((ta, len(a) + off + tb0)) / rate

    def refine(t):
        lo, hi = freq - 0.05, freq + 0.05
        for _ in range(30):    # golden-section search on the residual
            m1 = hi - (hi - lo) / 1.618
            m2 = lo + (hi - lo) / 1.618
            if fit(t, xs, m1)[0] < fit(t, xs, m2)[0]:
                hi = m2
            else:
                lo = m1
        return (lo + hi) / 2

    # Where the second part sits in the stream: off frames after the
    # first; within half the sine's period, so the phase says which.
    f = refine(at(1))
    best = None
    for off in range(-16, 17):
        err = fit(at(off), xs, f)[0]
        if best is None or err < best[0]:
            best = (err, off)
    off = best[1]
    f = refine(at(off))
    best = (*fit(at(off), xs, f), off, f)
    err, amp, off, f = best
    sig = amp * amp / 2 * len(xs)
    out = {
        "rate": rate,
        "before": len(a), "gap": g1 - g0, "after_resume": len(b),
        "offset": off,
        "missing": frames - len(a) - len(b) if frames else None,
        "freq": round(f, 4),
        "amp_db": round(20 * math.log10(amp), 3) if amp > 0 else -200,
        "resid_db": round(10 * math.log10(max(err, 1e-30) / sig), 2),
        "gap_peak": float(np.max(np.abs(x[g0:g1]))) if g1 > g0 else 0.0,
        # The peak of the 0.5 ms either side of the gap against the
        # sine's: a ramp of 5 ms keeps it below -20 dB, a cut (a click)
        # does not.
        "edge_db": round(20 * math.log10(max(
            np.max(np.abs(a[-rate // 2000:])),
            np.max(np.abs(b[:rate // 2000])), 1e-9) / amp), 2),
    }
    if extra:
        period, ramp = int(extra[0]), int(extra[1])
        p = json.loads(extra[2])
        taken = p["taken"] * rate / p["rate"]
        out["after"] = round(len(a) - taken, 1)
        out["bound"] = period + ramp
        # While paused: the delay minus what the ring still held.
        held = (p["at_pause"] - len(a) * p["rate"] / rate)
        d = p["paused_delays"]
        out["paused_delay_min"] = min(d) - held
        out["paused_delay_max"] = max(d) - held
    print(json.dumps(out))


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "play":
        play(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "capture":
        capture(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "check":
        check(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]),
              sys.argv[5:])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
