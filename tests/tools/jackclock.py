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
                  once amixd's clock ran a second, JACK's time taken
                  from the line of jack_rate below (this client's own
                  process calls), over its stretch (time_checked
                  replies, JACK's DLL sane or not)
    time_err_dll_us  the same against jack_frames_to_time, JACK's DLL,
                  on the samples where it is sane: for information
                  (under load it is off by ms while passing that check)
    rate_ppm      |amixd_rate - jack_rate| in ppm. JACK's dummy driver
                  sleeps relative times: under load its rate wanders by
                  tens of ppm, so both are taken over the same stretch,
                  amixd's longest clock run
                  (JACK's frame counter jumps at an xrun; so does ours)
    run_s         how long that run lasted
    jack_relocking  samples left out: JACK's own cycle start lagged its
                  clock by more than two periods (its DLL relocking
                  after a stall: its own clients are misled then)
    reported_rate_ppm  the same for the median of the "rate" amixd
                  reports (reported_rate) over the stretch
    period_us     JACK's period
    jack_rate     JACK's rate as this client sees it: a least-squares
                  line through the earliest of each second of its own
                  process calls (CLOCK_MONOTONIC against
                  jack_last_frame_time: scheduling only delays a call),
                  over the longest stretch without an xrun (jack_span_s). Not JACK's DLL
                  (the period time of jack_get_cycle_times): on this
                  loaded machine it relocks after every stall and reads
                  tens of ppm off for seconds.
    amixd_rate    amixd's over the same stretch: the slope of its clock
                  replies' (time_ns, frames)
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


def ran_a_second(k):
    """amixd's clock, in reply k, has run a second since its restart."""
    return k["updates"] * k["period"] / k["nominal_rate"] >= 1


def main():
    path, secs = sys.argv[1], float(sys.argv[2])
    client = jack.Client("clockref", no_start_server=True,
                         servername=os.environ.get("JACK_DEFAULT_SERVER"))
    # Our own cycles: JACK's frame time and CLOCK_MONOTONIC at each of
    # this client's process calls, as amixd measures its own.
    cycles = []

    @client.set_process_callback
    def process(frames):
        cycles.append((client.last_frame_time, time.monotonic_ns()))

    client.activate()
    block, srate = client.blocksize, client.samplerate
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
    replies = []    # every running reply, JACK's DLL sane or not
    bad = 0
    while time.monotonic() < end:
        time.sleep(0.25)
        k = amixd_clock(path)
        if not k.get("running"):
            continue
        replies.append(k)
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
    settled = [x for x in samples if ran_a_second(x[0])]
    terr_dll = max((abs(a - b) for _, b, a, _, _, _, _, _ in settled),
                   default=-1e6) / 1000
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
    # JACK's rate, seen by this client: a least-squares line through
    # (wake-up time, frame time) of its own process calls, over the
    # longest stretch where every call came one period after the last
    # and not three periods late (an xrun cuts it).
    # Over the same stretch: amixd's longest clock run, a second in.
    warm = [x[0] for x in run if ran_a_second(x[0])]
    lo = warm[0]["time_ns"] if warm else 0
    hi = warm[-1]["time_ns"] if warm else 0
    best, cur = [], []
    for c in (c for c in cycles if lo <= c[1] <= hi):
        if cur and (c[0] - cur[-1][0] != block or
                    c[1] - cur[-1][1] > 3 * block * 1e9 / srate):
            best = max(best, cur, key=len)
            cur = []
        cur.append(c)
    best = max(best, cur, key=len)
    # Scheduling only ever delays a wake-up: the earliest call of each
    # second (its lower envelope) is the one nearest the device's
    # clock, and the line goes through those.
    jrate, jspan, line = 0.0, 0.0, None
    if len(best) > 2:
        f0, t0 = best[0]
        env = {}
        for f, t in best:
            r = (t - t0) - (f - f0) * 1e9 / srate   # ns late, plus drift
            sec = (f - f0) // srate
            if sec not in env or r < env[sec][1]:
                env[sec] = (f - f0, r)
        pts = sorted(env.values())
        if len(pts) > 2:
            mx = sum(x for x, _ in pts) / len(pts)
            my = sum(y for _, y in pts) / len(pts)
            sxx = sum((x - mx) ** 2 for x, _ in pts)
            slope = sum((x - mx) * (y - my) for x, y in pts) / sxx
            jrate = srate / (1.0 + slope * srate / 1e9)
            line = (f0, t0, mx, my, slope)
        jspan = (best[-1][1] - t0) / 1e9
    # amixd's times against that line: the cycle start it publishes for
    # the JACK frame of its period (device_frames), for every reply in
    # the stretch once its clock ran a second, JACK's DLL sane or not
    # (the line does not use it). Not jack_frames_to_time: under load
    # JACK's DLL is off by milliseconds while it passes the check above.
    terr, tchecked = -1e6, 0
    if line is not None:
        f0, t0, mx, my, slope = line
        for k in replies:
            x = (int(k["device_frames"]) - f0) & 0xffffffff
            if not (lo <= k["time_ns"] <= hi and ran_a_second(k) and
                    x <= best[-1][0] - f0):
                continue
            ref = t0 + x * 1e9 / srate + my + slope * (x - mx)
            start = k["time_ns"] - k["latency_frames"] * 1e9 / k["rate"]
            tchecked += 1
            terr = max(terr, abs(start - ref))
            if abs(start - ref) > 1000 * per_us:    # for a failure
                print("jackclock: frame %d (JACK %d): amixd %.1f us off"
                      % (k["frames"], k["device_frames"],
                         (start - ref) / 1000), file=sys.stderr)
    terr /= 1000
    # amixd's rate over that run: the slope of its own (time_ns, frames)
    # line, as JACK's, once its clock ran a second.
    pts = [(k["time_ns"] / 1e9, k["frames"]) for k in warm]
    mrate = 0.0
    if len(pts) > 2:
        mx = sum(x for x, _ in pts) / len(pts)
        my = sum(y for _, y in pts) / len(pts)
        sxx = sum((x - mx) ** 2 for x, _ in pts)
        mrate = sum((x - mx) * (y - my) for x, y in pts) / sxx
    rerr = abs(mrate - jrate) / jrate * 1e6 if mrate > 0 and jrate > 0 \
        else -1
    # The rate amixd reports, its median over the stretch, likewise.
    rr = sorted(k["rate"] for k in warm)
    rrate = rr[len(rr) // 2] if rr else 0.0
    rrerr = abs(rrate - jrate) / jrate * 1e6 if rrate > 0 and jrate > 0 \
        else -1
    last = (0, 0, per_us)
    print(json.dumps({
        "time_err_us": round(terr, 1),
        "time_checked": tchecked,
        "time_err_dll_us": round(terr_dll, 1),
        "rate_ppm": round(rerr, 3),
        "reported_rate_ppm": round(rrerr, 3),
        "reported_rate": round(rrate, 4),
        "period_us": round(last[2], 1),
        "jack_rate": round(jrate, 4),
        "amixd_rate": round(mrate, 4),
        "samples": len(samples), "jack_relocking": bad,
        "settled": len(settled),
        "warm": len(warm), "run_s": round((b[5] - a[5]) / 1e9, 1),
        "jack_span_s": round(jspan, 1),
        "runs": len(runs),
        "latency_frames": samples[-1][0]["latency_frames"],
        "clock_offset_us": round(samples[-1][3] / 1000, 1),
        "jitter_ns": samples[-1][0]["jitter_ns"],
        "jitter_max_ns": max(x[0]["jitter_max_ns"] for x in samples),
    }))


if __name__ == "__main__":
    main()
