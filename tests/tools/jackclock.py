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

    time_err_us   worst |amixd's cycle start - JACK's time of that frame|,
                  once amixd's clock ran a second
    rate_ppm      |amixd's mean rate - JACK's rate| in ppm, WARM_S
                  seconds into the check and a second after any restart
                  of amixd's clock, over the longest clock run
                  (JACK's frame counter jumps at an xrun; so does ours)
    run_s         how long that run lasted
    jack_relocking  samples left out: JACK's own cycle start lagged its
                  clock by more than two periods (its DLL relocking
                  after a stall: its own clients are misled then)
    period_us     JACK's period, the bound the times must keep
    jack_rate     the slope of JACK's frame times over its cycle start
                  times through that run, least squares, moved to
                  CLOCK_MONOTONIC
    amixd_rate    the mean of amixd's rate over the same samples
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
    end = time.monotonic() + secs
    samples = []
    bad = 0
    while time.monotonic() < end:
        time.sleep(0.25)
        k = amixd_clock(path)
        if not k.get("running"):
            continue
        off = offset_ns()
        jt = lj.jack_frames_to_time(ptr, int(k["device_frames"]) & 0xffffffff)
        start = k["time_ns"] - k["latency_frames"] * 1e9 / k["rate"]
        f, st_us, per_us = cycle()
        # JACK's own DLL relocks for seconds after a stall: its cycle
        # start then lags its clock by far more than a period.
        lag = lj.jack_get_time() - st_us
        if not 0 <= lag <= 2 * per_us:
            bad += 1
            continue
        samples.append((k, jt * 1000 + off, start, off, f, st_us * 1000 + off,
                        time.monotonic(), per_us))
    client.deactivate()
    client.close()
    if len(samples) < 4:
        raise SystemExit("jackclock: only %d samples (%d with JACK "
                         "relocking)" % (len(samples), bad))
    # Times once amixd's clock ran a second; rates over the longest run.
    settled = [x for x in samples
               if x[0]["updates"] * x[0]["period"] / x[0]["nominal_rate"] >= 1]
    terr = max((abs(a - b) for _, b, a, _, _, _, _, _ in settled), default=-1e6) / 1000
    for k, b, a, _, f, _, _, _ in settled:    # the worst ones, for a failure
        if abs(a - b) > 1000 * per_us:
            print("jackclock: frame %d (JACK %d, now %d): amixd %.1f us off"
                  % (k["frames"], k["device_frames"], f, (a - b) / 1000),
                  file=sys.stderr)
    # The longest stretch of one amixd clock run, JACK sane throughout.
    runs, run, prev = [], [], None
    for x in samples:
        if prev is not None and (x[0]["discontinuities"] !=
                                 prev[0]["discontinuities"] or
                                 x[0]["updates"] < prev[0]["updates"]):
            runs.append(run)
            run = []
        run.append(x)
        prev = x
    runs.append(run)
    run = max(runs, key=len)
    a, b = run[0], run[-1]
    # JACK's rate: a least-squares line through its (cycle start, frame
    # time) pairs of the run, in CLOCK_MONOTONIC: each start carries
    # its DLL's noise, the line averages it out.
    xs = [(x[5] - a[5]) / 1e9 for x in run]
    ys = [(x[4] - a[4]) & 0xffffffff for x in run]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    jrate = (sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
             if sxx > 0 else 0.0)
    # The rate survives a restart (an xrun): judged WARM_S after the
    # first sample, a second after the last restart.
    warm = [x[0] for x in run if x[6] - samples[0][6] >= WARM_S and
            x[0]["updates"] * x[0]["period"] / x[0]["nominal_rate"] >= 1]
    # amixd's rate over the same run, its mean: both sides' noise
    # averaged the same way.
    mrate = sum(k["rate"] for k in warm) / len(warm) if warm else 0.0
    rerr = abs(mrate - jrate) / jrate * 1e6 if warm else -1
    last = (0, 0, per_us)
    print(json.dumps({
        "time_err_us": round(terr, 1),
        "rate_ppm": round(rerr, 3),
        "period_us": round(last[2], 1),
        "jack_rate": round(jrate, 4),
        "amixd_rate": round(mrate, 4),
        "samples": len(samples), "jack_relocking": bad,
        "settled": len(settled),
        "warm": len(warm), "run_s": round((b[5] - a[5]) / 1e9, 1),
        "runs": len(runs),
        "latency_frames": samples[-1][0]["latency_frames"],
        "clock_offset_us": round(samples[-1][3] / 1000, 1),
        "jitter_ns": samples[-1][0]["jitter_ns"],
        "jitter_max_ns": max(x[0]["jitter_max_ns"] for x in samples),
    }))


if __name__ == "__main__":
    main()
