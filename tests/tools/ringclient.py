#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A deliberately unruly app ring client, for the bats tests.

usage: ringclient.py SOCK refuse
       ringclient.py SOCK accept
       ringclient.py SOCK corrupt TO_ID [SECONDS]
       ringclient.py SOCK scribble TO_ID [SECONDS]

refuse: offers the daemon one spoilt ring after another (wrong magic,
version, format, channels (0, 65), channel positions (twice, past the
channels, none, unknown), rate, capacity, watermarks, sizes, no seal,
args that disagree, no descriptor, an eventfd that is not one) and
prints one JSON line per case: {"case", "ok", "code", "message"}.

accept: offers good rings of 1 to 64 channels (a 7.1 one labelled in
its header, one relabelled by "layout", an app_sink of 64) and prints
the same lines; each must be created and goes with the connection.

corrupt: plays a 440 Hz tone into an app_source linked to TO_ID, then
writes impossible counters (behind the read counter, far ahead, random)
while the engine plays, then closes. scribble: the same, but scribbles
NaN, infinities and huge values over the samples instead. Both print
the node id, then "done".

The layout mirrors lib/aring.h (offsets checked there by _Static_assert).
"""
import fcntl
import json
import mmap
import os
import random
import select
import socket
import struct
import sys
import time

import numpy as np

MAGIC = 0x474E5241
HDR = 512
OFF_WR, OFF_STAMP_WR, OFF_STAMP_NS, OFF_EOF = 64, 72, 80, 88
OFF_RD, OFF_WAITING, OFF_XRUNS, OFF_CLOSED = 128, 192, 256, 272
OFF_PAUSED = 196
OFF_LAYOUT = 320                # 64 bytes: a position per channel
SBYTES = {0: 2, 1: 3, 2: 4, 3: 4}
SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL


def make_ring(fmt=3, ch=2, rate=48000, cap=4096, low=1024, high=2048,
              seal=SEALS, extra=0, layout=b"", **over):
    """A memfd ring; over replaces header fields before sealing."""
    fields = dict(magic=MAGIC, version=1, format=fmt, channels=ch, rate=rate,
                  capacity=cap, low=low, high=high, data_off=HDR,
                  frame_bytes=ch * SBYTES.get(fmt, 4))
    fields.update(over)
    size = HDR + cap * ch * SBYTES.get(fmt, 4) + extra
    fd = os.memfd_create("ringclient", os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, max(size, 0))
    hdr = struct.pack("<10I", *[fields[k] for k in (
        "magic", "version", "format", "channels", "rate", "capacity", "low",
        "high", "data_off", "frame_bytes")])
    os.pwrite(fd, hdr, 0)
    if layout:
        os.pwrite(fd, bytes(layout), OFF_LAYOUT)
    if "wr" in over:
        os.pwrite(fd, struct.pack("<Q", over["wr"]), OFF_WR)
    if seal:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seal)
    return fd


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("r")

    def req(self, obj, fds=()):
        line = (json.dumps(obj) + "\n").encode()
        if fds:
            socket.send_fds(self.s, [line], list(fds))
        else:
            self.s.sendall(line)
        while True:
            r = json.loads(self.f.readline())
            if "event" not in r:
                return r


def refuse(path):
    c = Conn(path)
    ev = os.eventfd(0)
    cases = [
        ("magic", dict(magic=0x12345678)),
        ("version", dict(version=9)),
        ("format", dict(format=7)),
        ("channels0", dict(channels=0)),
        ("channels65", dict(ch=65)),
        ("channels65_hdr", dict(channels=65)),
        # positions: FL=3 FR=4 FC=7; 0 is none, 40 no position at all
        ("layout_twice", dict(layout=[3, 3])),
        ("layout_past", dict(layout=[3, 4, 7])),
        ("layout_hole", dict(ch=6, layout=[3, 4, 0, 8, 5, 6])),
        ("layout_bad", dict(layout=[3, 40])),
        ("layout_aux_over", dict(layout=[3, 128])),
        ("rate_low", dict(rate=4000)),
        ("rate_high", dict(rate=400000)),
        ("cap_not_pow2", dict(cap=3000)),
        ("cap_huge", dict(capacity=1 << 30)),
        ("cap_tiny", dict(cap=16, low=4, high=8)),
        ("watermarks", dict(low=3000, high=2000)),
        ("high_over_cap", dict(high=8192)),
        ("frame_bytes", dict(frame_bytes=3)),
        ("data_off", dict(data_off=0)),
        ("too_big", dict(extra=4096)),
        ("too_small", dict(extra=-4096)),
        ("unsealed", dict(seal=0)),
        ("grow_only_seal", dict(seal=fcntl.F_SEAL_GROW)),
        ("counters", dict(wr=1 << 40)),
    ]
    for name, kw in cases:
        fd = make_ring(**kw)
        r = c.req({"cmd": "create_node", "type": "app_source",
                   "args": {"fd": 0, "eventfd": 1}}, [fd, ev])
        os.close(fd)
        report(name, r)
    # args that disagree with a good ring
    for name, args in [("frames", {"frames": 8192}),
                       ("channels_arg", {"channels": 1}),
                       ("rate_arg", {"rate": 44100}),
                       ("format_arg", {"format": "s16"}),
                       ("layout_arg", {"layout": "5.1"}),
                       ("layout_arg_bad", {"layout": "FL,NOPE"})]:
        fd = make_ring()
        a = {"fd": 0}
        a.update(args)
        report(name, c.req({"cmd": "create_node", "type": "app_source",
                            "args": a}, [fd]))
        os.close(fd)
    fd = make_ring()
    report("no_descriptor", c.req({"cmd": "create_node",
                                   "type": "app_source",
                                   "args": {"fd": 0}}))
    report("eventfd_not_eventfd", c.req(
        {"cmd": "create_node", "type": "app_source",
         "args": {"fd": 0, "eventfd": 1}}, [fd, fd]))
    r, w = os.pipe()
    report("eventfd_pipe", c.req(
        {"cmd": "create_node", "type": "app_source",
         "args": {"fd": 0, "eventfd": 1}}, [fd, r]))
    report("ring_is_eventfd", c.req(
        {"cmd": "create_node", "type": "app_source",
         "args": {"fd": 0}}, [ev]))
    report("both_fd_and_memfd", c.req(
        {"cmd": "create_node", "type": "app_source",
         "args": {"fd": 0, "memfd": 1}}, [fd, make_ring()]))
    # (a sink's ring at another rate is converted: only the "rate"
    # argument that disagrees with the ring is refused)
    report("sink_rate_disagrees", c.req(
        {"cmd": "create_node", "type": "app_sink",
         "args": {"fd": 0, "rate": 48000}}, [make_ring(rate=44100)]))
    # and a good one, as the design card writes it: "memfd":N
    report("good_memfd", c.req(
        {"cmd": "create_node", "type": "app_source",
         "args": {"memfd": 17, "frames": 4096, "channels": 2,
                  "rate": 48000}}, [fd]))


def accept(path):
    c = Conn(path)
    for name, kind, kw, args in [
            ("ch1", "app_source", dict(ch=1), {}),
            ("ch8_71", "app_source",
             dict(ch=8, layout=[3, 4, 7, 8, 5, 6, 9, 10]),
             {"channels": 8}),
            ("ch6_relabel", "app_source", dict(ch=6, fmt=0),
             {"layout": "FL,FR,FC,LFE,SL,SR"}),
            ("ch64_sink", "app_sink", dict(ch=64, fmt=1, cap=1024,
                                            low=0, high=512), {}),
            ("ch16_aux", "app_source",
             dict(ch=16, layout=list(range(64, 80))), {})]:
        fd = make_ring(**kw)
        a = {"fd": 0}
        a.update(args)
        report(name, c.req({"cmd": "create_node", "type": kind,
                            "args": a}, [fd]))
        os.close(fd)


def report(name, r):
    err = r.get("error", {})
    print(json.dumps({"case": name, "ok": r.get("ok"),
                      "code": err.get("code"),
                      "message": err.get("message")}), flush=True)


class Player:
    """An app_source linked to node `to`, fed a 440 Hz tone at -12 dBFS
    through a float ring of cap frames with watermarks 1024 and 2048.
    Prints the node id once it is made."""

    def __init__(self, path, to, cap=4096, rate=48000):
        self.c = Conn(path)
        self.cap, self.rate = cap, rate
        self.fd = make_ring(cap=cap, low=1024, high=2048)
        self.ev = os.eventfd(0)
        r = self.c.req({"cmd": "create_node", "type": "app_source",
                        "args": {"fd": 0, "eventfd": 1}}, [self.fd, self.ev])
        assert r["ok"], r
        self.nid = r["id"]
        assert self.c.req({"cmd": "connect", "from": self.nid,
                           "to": to})["ok"]
        print(self.nid, flush=True)
        self.mm = mmap.mmap(self.fd, HDR + cap * 8)
        self.data = np.frombuffer(self.mm, dtype="<f4",
                                  offset=HDR).reshape(cap, 2)
        self.wr = self.pos = 0

    def rd(self):
        """The engine's read counter."""
        return struct.unpack_from("<Q", self.mm, OFF_RD)[0]

    def write_tone(self, n):
        """The next n frames of the tone at the write counter, published."""
        t = (self.pos + np.arange(n)) / self.rate
        x = (0.25 * np.sin(2 * np.pi * 440 * t)).astype("<f4")
        idx = (self.wr + np.arange(n)) % self.cap
        self.data[idx, 0] = x
        self.data[idx, 1] = x
        self.wr += n
        self.pos += n
        struct.pack_into("<Q", self.mm, OFF_WR, self.wr % (1 << 64))

    def sleep(self, timeout):
        """Ask for a wake-up and sleep on the eventfd, at most timeout
        seconds, while more than the low watermark is left to play."""
        struct.pack_into("<I", self.mm, OFF_WAITING, 1)
        if self.wr - self.rd() > 1024:
            select.select([self.ev], [], [], timeout)
            try:
                os.eventfd_read(self.ev)
            except BlockingIOError:
                pass

    def done(self):
        self.data = None    # the mapping may go only without views
        print("done", flush=True)


def play_unruly(path, to, secs, mode):
    p = Player(path, to)
    cap = p.cap
    t_end = time.monotonic() + secs
    t_bad = time.monotonic() + secs / 2
    rng = random.Random(7)
    while time.monotonic() < t_end:
        rd = p.rd()
        if time.monotonic() >= t_bad:
            if mode == "corrupt":
                bad = rng.choice([rd - 5, rd + cap * 4, rd + (1 << 63),
                                  rng.getrandbits(64), 0])
                struct.pack_into("<Q", p.mm, OFF_WR, bad % (1 << 64))
                struct.pack_into("<QQ", p.mm, OFF_STAMP_WR,
                                 rng.getrandbits(64), rng.getrandbits(64))
            else:
                vals = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30],
                                dtype="<f4")
                p.data[:] = vals[np.arange(cap * 2).reshape(cap, 2) % 5]
                struct.pack_into("<Q", p.mm, OFF_WR, rd + 2048)
            time.sleep(0.005)
            continue
        n = 2048 - (p.wr - rd)
        if n > 0:
            p.write_tone(n)
        p.sleep(0.5)
    p.done()


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "refuse":
        refuse(path)
    elif mode == "accept":
        accept(path)
    else:
        to = int(sys.argv[3])
        secs = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
        play_unruly(path, to, secs, mode)


if __name__ == "__main__":
    main()
