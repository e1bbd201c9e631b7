# SPDX-License-Identifier: MIT
"""Compare amixd's audio clock with an independent JACK client's.

    jackclock.py SOCKET SECONDS

amixd runs on the JACK backend of the server named by
$JACK_DEFAULT_SERVER. This opens its own client on that server and,
every 0.25 s for SECONDS, asks amixd for its clock and JACK (through
libjack: jack_get_cycle_times, jack_frames_to_time, jack_get_time) for
its own, both moved to CLOCK_MONOTONIC. amixd's "device_frames" is the
JACK frame time of the period its "frames" started; its cycle start is
time_ns minus the output latency. Prints one JSON line:

    time_err_us   worst |amixd's cycle start - JACK's time of that frame|
    rate_ppm      worst |amixd's rate - JACK's long-term rate| in ppm,
                  once amixd's clock ran WARM_S seconds
    period_us     JACK's period, the bound the times must keep
    jack_rate     frames over time between the first and last cycle
    samples, runs, latency_frames, clock_offset_us (JACK's clock against
    CLOCK_MONOTONIC), jitter_ns / jitter_max_ns (amixd's report)
"""

import ctypes
import json
import os
import socket
import sys
import time

import jack

WARM_S = 5.0        # seconds of amixd clock before its rate is judged


def amixd_clock(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'{"cmd":"clock"}\n')
    buf = b""
    while b"\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise SystemExit("jackclock: amixd closed")
        buf += d
    s.close()
    return json.loads(buf.split(b"\n", 1)[0])


def main():
    path, secs = sys.argv[1], float(sys.argv[2])
    client = jack.Client("clockref", no_start_server=True,
                         servername=os.environ.get("JACK_DEFAULT_SERVER"))
    client.activate()
    lj = ctypes.CDLL("libjack.so.0")
    lj.jack_get_time.restype = ctypes.c_uint64
    lj.jack_frames_to_time.restype = ctypes.c_uint64
    lj.jack_frames_to_time.argtypes = (ctypes.c_void_p, ctypes.c_uint32)
    lj.jack_get_cycle_times.argtypes = (
        ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32),
        ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64),
        ctypes.POINTER(ctypes.c_float))
    ptr = int(jack._ffi.cast("uintptr_t", client._ptr))
    fr, st, nx = ctypes.c_uint32(), ctypes.c_uint64(), ctypes.c_uint64()
    per = ctypes.c_float()

    def cycle():
        if lj.jack_get_cycle_times(ptr, ctypes.byref(fr), ctypes.byref(st),
                                   ctypes.byref(nx), ctypes.byref(per)):
            raise SystemExit("jackclock: jack_get_cycle_times failed")
        return fr.value, st.value, per.value

    def offset_ns():
        # JACK's clock against CLOCK_MONOTONIC, the tightest of a few.
        best = None
        for _ in range(5):
            a = time.monotonic_ns()
            j = lj.jack_get_time()
            b = time.monotonic_ns()
            if best is None or b - a < best[0]:
                best = (b - a, (a + b) // 2 - j * 1000)
        return best[1]

    time.sleep(0.5)
    first = cycle()
    end = time.monotonic() + secs
    samples = []
    while time.monotonic() < end:
        time.sleep(0.25)
        k = amixd_clock(path)
        if not k.get("running"):
            continue
        off = offset_ns()
        jt = lj.jack_frames_to_time(ptr, int(k["device_frames"]) & 0xffffffff)
        start = k["time_ns"] - k["latency_frames"] * 1e9 / k["rate"]
        samples.append((k, jt * 1000 + off, start, off))
    last = cycle()
    client.deactivate()
    client.close()
    if len(samples) < 4:
        raise SystemExit("jackclock: only %d samples" % len(samples))
    jrate = ((last[0] - first[0]) & 0xffffffff) / ((last[1] - first[1]) / 1e6)
    terr = max(abs(a - b) for _, b, a, _ in samples) / 1000
    warm = [k for k, _, _, _ in samples
            if k["updates"] * k["period"] / k["nominal_rate"] >= WARM_S]
    rerr = max((abs(k["rate"] - jrate) / jrate * 1e6 for k in warm),
               default=-1)
    print(json.dumps({
        "time_err_us": round(terr, 1),
        "rate_ppm": round(rerr, 3),
        "period_us": round(last[2], 1),
        "jack_rate": round(jrate, 4),
        "amixd_rate": samples[-1][0]["rate"],
        "samples": len(samples), "warm": len(warm),
        "runs": len({k["discontinuities"] for k, _, _, _ in samples}),
        "latency_frames": samples[-1][0]["latency_frames"],
        "clock_offset_us": round(samples[-1][3] / 1000, 1),
        "jitter_ns": samples[-1][0]["jitter_ns"],
        "jitter_max_ns": max(k["jitter_max_ns"] for k, _, _, _ in samples),
    }))


if __name__ == "__main__":
    main()
