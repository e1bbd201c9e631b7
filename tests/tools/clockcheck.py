# SPDX-License-Identifier: MIT
"""Check amixd's audio clock against what it measured, and its page.

    clockcheck.py accuracy SOCKET SECONDS [INTERVAL]
        Subscribe to clock events every INTERVAL s (default 0.5) for
        SECONDS. For every event, predict when its frame is heard from
        the first event of the same clock run (same "discontinuities",
        at least WARM updates in): time_ns + (frames - frames0) * 1e9 /
        rate, and compare with the measure the engine took for that
        period ("measured_ns": the null backend's deadline, JACK's cycle
        start, ALSA's queue). Prints one JSON line: the worst error in
        frames, the longest span checked in seconds, the runs seen, the
        filtered time against the measure, and the jitter reported.

    clockcheck.py map SOCKET
        Ask for the clock page (clock_map), check that it cannot be
        written (mmap PROT_WRITE, mprotect, write(2), ftruncate, also
        through a read-write reopen), and that it agrees with a clock
        request. Prints "ok FRAMES".
"""

import ctypes
import json
import mmap
import os
import socket
import struct
import sys
import time

WARM = 100          # updates before a run's clock is used as a base


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def lines(s):
    buf = b""
    while True:
        data = s.recv(65536)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield json.loads(line)


def accuracy(path, secs, interval):
    s = connect(path)
    s.sendall(b'{"cmd":"subscribe","events":["clock"],'
              b'"clock_interval":%g}\n' % interval)
    s.settimeout(5)
    end = time.monotonic() + secs
    base = {}                    # discontinuities -> first event
    worst = span = filt = 0.0
    checked = 0
    runs = set()
    jit = jit_max = 0
    period_ns = 0.0
    for ev in lines(s):
        if time.monotonic() > end:
            break
        if ev.get("event") != "clock" or not ev.get("running"):
            continue
        run = ev["discontinuities"]
        runs.add(run)
        period_ns = ev["period"] * 1e9 / ev["nominal_rate"]
        fr = 1e9 / ev["nominal_rate"]
        filt = max(filt, abs(ev["time_ns"] - ev["measured_ns"]) / fr)
        jit = max(jit, ev["jitter_ns"])
        jit_max = max(jit_max, ev["jitter_max_ns"])
        if ev["updates"] < WARM:
            continue
        a = base.setdefault(run, ev)
        if a is ev:
            continue
        pred = a["time_ns"] + (ev["frames"] - a["frames"]) * 1e9 / a["rate"]
        worst = max(worst, abs(pred - ev["measured_ns"]) / fr)
        span = max(span, (ev["time_ns"] - a["time_ns"]) / 1e9)
        checked += 1
    print(json.dumps({"worst_frames": round(worst, 4),
                      "span_s": round(span, 1), "checked": checked,
                      "runs": len(runs),
                      "filtered_vs_measured_frames": round(filt, 4),
                      "jitter_ns": jit, "jitter_max_ns": jit_max,
                      "period_ns": round(period_ns)}))


# The page: magic version size, then 64-bit words (lib/aclock_page.h).
PAGE_FIELDS = ("magic version size seq frames time_ns rate nominal period "
               "latency in_latency dev_frames meas_ns raw_ns discont reason "
               "running jitter_ns jitter_max_ns updates").split()


def page_read(m):
    for _ in range(10000):
        w = struct.unpack_from("<%dQ" % len(PAGE_FIELDS), m, 0)
        v = dict(zip(PAGE_FIELDS, w))
        if v["seq"] & 1:
            continue
        if struct.unpack_from("<Q", m, 24)[0] == v["seq"]:
            v["rate"] = struct.unpack("<d", struct.pack("<Q", v["rate"]))[0]
            return v
    raise SystemExit("clockcheck: the page stays busy")


def refused(what, fn):
    try:
        fn()
    except OSError:
        return
    raise SystemExit("clockcheck: %s was allowed" % what)


def check_map(path):
    s = connect(path)
    s.sendall(b'{"cmd":"clock_map"}\n')
    msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(4 * 8))
    fds = []
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += list(struct.unpack("%di" % (len(data) // 4), data))
    rep = json.loads(msg.split(b"\n", 1)[0])
    if not rep.get("ok") or len(fds) != 1:
        raise SystemExit("clockcheck: clock_map: %r with %d fds" %
                         (rep, len(fds)))
    fd = fds[0]
    size = rep["size"]
    if os.fstat(fd).st_size != size:
        raise SystemExit("clockcheck: page size %d, reply says %d" %
                         (os.fstat(fd).st_size, size))
    refused("a shared writable mapping",
            lambda: mmap.mmap(fd, size, mmap.MAP_SHARED,
                              mmap.PROT_READ | mmap.PROT_WRITE))
    refused("write(2)", lambda: os.pwrite(fd, b"x", 0))
    refused("ftruncate", lambda: os.ftruncate(fd, 2 * size))
    # A read-write reopen through /proc gets no further: the seals hold.
    try:
        rw = os.open("/proc/self/fd/%d" % fd, os.O_RDWR)
    except OSError:
        rw = -1
    if rw >= 0:
        refused("a writable mapping of a reopen",
                lambda: mmap.mmap(rw, size, mmap.MAP_SHARED,
                                  mmap.PROT_READ | mmap.PROT_WRITE))
        refused("write(2) to a reopen", lambda: os.pwrite(rw, b"x", 0))
        os.close(rw)
    m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
    # The kernel, not Python, must refuse: mprotect of a read-only map.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t,
                              ctypes.c_int)
    addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        raise SystemExit("clockcheck: cannot map the page read-only")
    if libc.mprotect(addr, size, mmap.PROT_READ | mmap.PROT_WRITE) == 0:
        raise SystemExit("clockcheck: mprotect made the page writable")
    v = page_read(m)
    if v["magic"] != 0x4b4c4341 or v["version"] != rep["version"]:
        raise SystemExit("clockcheck: bad page header %r" % v)
    s.sendall(b'{"cmd":"clock"}\n')
    r = next(lines(s))
    v2 = page_read(m)
    if not (v["frames"] <= r["frames"] <= v2["frames"]) or \
            v2["discont"] != r["discontinuities"] or \
            abs(v2["rate"] - r["rate"]) > 0.01 * r["nominal_rate"]:
        raise SystemExit("clockcheck: page %r, %r and reply %r disagree" %
                         (v, v2, r))
    # A running clock moves in the page with no request.
    time.sleep(0.2)
    v3 = page_read(m)
    if r["running"] and v3["frames"] <= v2["frames"]:
        raise SystemExit("clockcheck: the page does not move")
    print("ok %d" % v3["frames"])


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "accuracy":
        accuracy(sys.argv[2], float(sys.argv[3]),
                 float(sys.argv[4]) if len(sys.argv) > 4 else 0.5)
    elif len(sys.argv) == 3 and sys.argv[1] == "map":
        check_map(sys.argv[2])
    else:
        sys.exit("usage: clockcheck.py accuracy SOCKET SECONDS [INTERVAL]"
                 " | map SOCKET")


if __name__ == "__main__":
    main()
