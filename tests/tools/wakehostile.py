#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""App ring clients that abuse the engine's wake pipe ("wake": true),
for tests/415-lowlat.bats.

usage: wakehostile.py SOCK refuse
       wakehostile.py SOCK MODE TO_ID [SECONDS]

refuse: create_node requests with a spoilt "wake" (not a boolean, given
with an "eventfd", on a node type that has none) and prints one JSON
line per case: {"case", "ok", "code", "message"}; then one good one,
{"case": "good", "ok", "wake_fd", "fds": descriptors passed, "pipe":
whether the one passed is the read end of a pipe, "can_write": whether
writing it works}.

MODE plays a 440 Hz tone into an app_source linked to TO_ID for SECONDS
(default 3), asking for a wake-up every period it can, and:

  noread  never reads the pipe; fills it at once through a write end of
          its own (opened through /proc/self/fd, a file description
          apart from the engine's) and makes every descriptor it holds
          blocking, so each wake-up the engine sends meets a full pipe
  close   closes its read end at once (the engine's write: EPIPE)
  garbage writes random bytes into the pipe through its own write end
          all along, and scribbles the waiting flag

Prints the node id, then "done". The ring layout is ringclient.py's.
"""
import fcntl
import json
import mmap
import os
import random
import socket
import stat
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ringclient import HDR, OFF_RD, OFF_WAITING, OFF_WR, make_ring  # noqa

import numpy as np  # noqa: E402


class Conn:
    """A control connection that keeps the descriptors replies carry."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def req(self, obj, fds=()):
        line = (json.dumps(obj) + "\n").encode()
        socket.send_fds(self.s, [line], list(fds))
        got = []
        while True:
            while b"\n" not in self.buf:
                data, rfds, _, _ = socket.recv_fds(self.s, 65536, 8)
                if not data:
                    raise EOFError("the daemon closed the connection")
                self.buf += data
                got += rfds
            line, self.buf = self.buf.split(b"\n", 1)
            r = json.loads(line)
            if "event" not in r:
                return r, got


def report(name, r):
    err = r.get("error", {})
    print(json.dumps({"case": name, "ok": r.get("ok"),
                      "code": err.get("code"),
                      "message": err.get("message")}), flush=True)


def refuse(path):
    c = Conn(path)
    cases = [
        ("wake not a boolean", "app_source", {"wake": "yes"}, False),
        ("wake a number", "app_source", {"wake": 1}, False),
        ("wake and eventfd", "app_source",
         {"wake": True, "eventfd": 1}, True),
        ("wake on a sink and eventfd", "app_sink",
         {"wake": True, "eventfd": 1}, True),
        ("wake on a tone", "tone", {"wake": True}, False),
    ]
    for name, typ, args, ev in cases:
        fds = []
        if typ != "tone":
            fds.append(make_ring())
            args = dict(args, fd=0)
        if ev:
            fds.append(os.eventfd(0))
        r, got = c.req({"cmd": "create_node", "type": typ, "args": args},
                       fds)
        report(name, r)
        for fd in fds + got:
            os.close(fd)
    ring = make_ring()
    r, got = c.req({"cmd": "create_node", "type": "app_source",
                    "args": {"fd": 0, "wake": True}}, [ring])
    pipe = len(got) == 1 and stat.S_ISFIFO(os.fstat(got[0]).st_mode)
    can_write = True
    try:
        os.write(got[0], b"x")
    except OSError:
        can_write = False
    print(json.dumps({"case": "good", "ok": r.get("ok"),
                      "wake_fd": r.get("wake_fd"), "fds": len(got),
                      "pipe": pipe, "can_write": can_write}), flush=True)


def reopen_write(fd):
    """A write end of our own on the pipe whose read end is fd."""
    return os.open("/proc/self/fd/%d" % fd, os.O_WRONLY | os.O_NONBLOCK)


def play(path, mode, to, secs):
    c = Conn(path)
    cap = 4096
    ring = make_ring(cap=cap, low=1024, high=2048)
    r, got = c.req({"cmd": "create_node", "type": "app_source",
                    "args": {"fd": 0, "wake": True}}, [ring])
    assert r["ok"] and len(got) == 1, r
    wake = got[0]
    nid = r["id"]
    r, _ = c.req({"cmd": "connect", "from": nid, "to": to})
    assert r["ok"], r
    print(nid, flush=True)
    mm = mmap.mmap(ring, HDR + cap * 8)
    data = np.frombuffer(mm, dtype="<f4", offset=HDR).reshape(cap, 2)
    rng = random.Random(5)
    own = None
    if mode == "noread":
        own = reopen_write(wake)
        try:
            while True:
                os.write(own, b"w" * 4096)
        except BlockingIOError:
            pass
        for fd in (wake, own, c.s.fileno(), ring):
            fl = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
    elif mode == "close":
        os.close(wake)
    elif mode == "garbage":
        own = reopen_write(wake)
    wr = pos = 0
    t_end = time.monotonic() + secs
    while time.monotonic() < t_end:
        # Refill only once drained to the low watermark, where the
        # engine sends a wake-up (about every 8 periods).
        rd = struct.unpack_from("<Q", mm, OFF_RD)[0]
        n = 2048 - (wr - rd)
        if wr - rd <= 1024:
            t = (pos + np.arange(n)) / 48000
            x = (0.25 * np.sin(2 * np.pi * 440 * t)).astype("<f4")
            idx = (wr + np.arange(n)) % cap
            data[idx, 0] = x
            data[idx, 1] = x
            wr += n
            pos += n
            struct.pack_into("<Q", mm, OFF_WR, wr)
        if mode == "garbage":
            struct.pack_into("<I", mm, OFF_WAITING, rng.getrandbits(32))
            try:
                os.write(own, rng.randbytes(rng.randrange(1, 512)))
            except BlockingIOError:
                pass
        else:
            struct.pack_into("<I", mm, OFF_WAITING, 1)
        time.sleep(0.001)
    data = None
    print("done", flush=True)


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "refuse":
        refuse(path)
        return
    play(path, mode, int(sys.argv[3]),
         float(sys.argv[4]) if len(sys.argv) > 4 else 3.0)


if __name__ == "__main__":
    main()
