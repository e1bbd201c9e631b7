#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Clicks through an ALSA PCM, and where they landed in a recording.

usage: clickplay.py play PCM BUFFER_US CLICKS
       clickplay.py find RECORDING.f32 CLOCK.json PLAY.json

play: opens PCM (s16 stereo 48000 Hz, BUFFER_US of latency, soft
resample on) through alsa-lib with ctypes and keeps it full of silence,
writing blocking blocks of a quarter of the buffer. From 0.5 s on, every
0.3 s, one block starts with a click (its first frame full scale on both
channels, the rest silence); right before that snd_pcm_writei it notes
CLOCK_MONOTONIC and snd_pcm_delay. Prints one JSON line: the rate and,
per click, "t_ns" and "delay_frames"; and "errors", the writes that
failed (-EPIPE, recovered).

find: RECORDING.f32 is the device mix as amixd's file_sink wrote it
(raw, float, stereo), its frame 0 engine frame 0 (the sink was in the
graph before the engine started); CLOCK.json amixd's reply to
{"cmd":"clock"} (engine frame "frames" is heard at "time_ns", frames
advance at "rate" Hz). Each click is the first frame of a run above 0.5
after silence; the k-th found is the k-th written. Prints one JSON line:
per click the measured latency (when its frame is heard minus the time
of the write) and the reported delay, in ms, and their medians.
"""
import array
import ctypes
import json
import sys
import time

RATE = 48000


def play(name, buf_us, clicks, ready=None):
    """The play command; returns its result. ready(), if given, is
    called once the first block is written (the PCM has started)."""
    lib = ctypes.CDLL("libasound.so.2")
    pcm = ctypes.c_void_p()
    if lib.snd_pcm_open(ctypes.byref(pcm), name.encode(), 0, 0) < 0:
        sys.exit("clickplay: cannot open " + name)
    # SND_PCM_FORMAT_S16_LE 2, SND_PCM_ACCESS_RW_INTERLEAVED 3
    if lib.snd_pcm_set_params(pcm, 2, 3, 2, RATE, 1, buf_us) < 0:
        sys.exit("clickplay: set_params failed")
    block = max(32, buf_us * RATE // 1000000 // 4)
    silence = bytes(block * 4)
    click = array.array("h", [32767, 32767]).tobytes() + bytes((block - 1) * 4)
    delay = ctypes.c_long()
    out, errors = [], 0
    t0 = time.monotonic()
    next_click = t0 + 0.5
    while len(out) < clicks or time.monotonic() < next_click:
        data = silence
        if len(out) < clicks and time.monotonic() >= next_click:
            if lib.snd_pcm_delay(pcm, ctypes.byref(delay)) < 0:
                delay.value = -1
            t = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            data = click
        n = lib.snd_pcm_writei(pcm, data, ctypes.c_ulong(block))
        if n < 0:
            errors += 1
            lib.snd_pcm_recover(pcm, n, 1)
            continue
        if ready is not None:
            ready()
            ready = None
        if data is click:
            out.append({"t_ns": t, "delay_frames": delay.value})
            next_click += 0.3
    # past the last click: a buffer more of silence, so it is heard
    end = time.monotonic() + buf_us / 1e6 + 0.1
    while time.monotonic() < end:
        n = lib.snd_pcm_writei(pcm, silence, ctypes.c_ulong(block))
        if n < 0:
            errors += 1
            lib.snd_pcm_recover(pcm, n, 1)
    lib.snd_pcm_drain(pcm)
    lib.snd_pcm_close(pcm)
    return {"rate": RATE, "clicks": out, "errors": errors}


def median(v):
    v = sorted(v)
    if not v:
        return None
    h = len(v) // 2
    return v[h] if len(v) % 2 else (v[h - 1] + v[h]) / 2


def find(rec, clockf, playf):
    with open(clockf) as f:
        clk = json.load(f)
    with open(playf) as f:
        pl = json.load(f)
    a = array.array("f")
    with open(rec, "rb") as f:
        a.frombytes(f.read())
    frames, quiet = [], True
    for i in range(0, len(a) - 1, 2):
        loud = abs(a[i]) > 0.5 or abs(a[i + 1]) > 0.5
        if loud and quiet:
            frames.append(i // 2)
        quiet = not loud
    summary(pl, [(fr, clk["time_ns"] + (fr - clk["frames"]) * 1e9 / clk["rate"])
                 for fr in frames], clk.get("discontinuities"))


def summary(pl, found, discont=None):
    """Prints the find line: pl what play returned, found the clicks in
    the recording in order, (frame, CLOCK_MONOTONIC ns it is heard)."""
    out = []
    for c, (fr, heard) in zip(pl["clicks"], found):
        out.append({"frame": fr,
                    "measured_ms": round((heard - c["t_ns"]) / 1e6, 3),
                    "delay_ms": round(c["delay_frames"] * 1000 / pl["rate"], 3)})
    m = median([o["measured_ms"] for o in out])
    d = median([o["delay_ms"] for o in out])
    print(json.dumps({
        "written": len(pl["clicks"]), "found": len(found),
        "errors": pl["errors"], "discontinuities": discont,
        "measured_ms": m, "delay_ms": d,
        "error_ms": None if m is None else round(m - d, 3),
        "clicks": out}))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "play":
        print(json.dumps(play(sys.argv[2], int(sys.argv[3]),
                              int(sys.argv[4]))))
    elif len(sys.argv) == 5 and sys.argv[1] == "find":
        find(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
