#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Descriptors must reach the request line they were sent with, however
bytes and descriptors are split over sendmsg(2) calls. For
tests/400-apprings.bats; finds the class of bug where the daemon gives a
line the descriptors of another.

usage: fdsplit.py SOCK [SEEDS [REQUESTS]]
       fdsplit.py SOCK issue

issue: the case of issue 12 alone: the reply queue filled, then a ping
and, in a second sendmsg, an app_source request with a memfd; the
second must be refused for its ring's rate, not for want of a
descriptor. Prints its reply.

For each seed (default 8 seeds, 1..8) and each mode (the daemon reading
freely; the daemon's reply queue full first, so it pauses reading and
later reads many sendmsg calls at once), builds REQUESTS (default 120)
request lines: pings, app_source requests carrying a ring memfd (and
sometimes an eventfd or dummies before it) whose rate is unique to the
request, app_source requests with no descriptor, an unsealed ring, a
line too long to take, a line with more descriptors than one request
may carry. The bytes are cut at random points into many sendmsg calls;
each line's descriptors ride with one or two calls whose first byte
lies in that line (amixd(7): they belong to the line that the first
byte of their sendmsg starts or continues). Every reply is checked: a
ring request must be refused naming its own ring's rate, so a
descriptor that went to another line shows. The graph must be as it
was at the end (every refusal leaves "list" unchanged).

Prints "ok SEEDS x 2 modes x REQUESTS requests"; on a mismatch prints
the seed, mode, request and cut points, and exits 1.
"""
import fcntl
import json
import os
import random
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ringclient import make_ring  # noqa: E402
from refusal import list_shape  # noqa: E402

FD_MAX = 8                      # AM_SOCK_FD_MAX
LINE_MAX = 65536                # AM_PROTO_LINE_MAX


class Req:
    def __init__(self, line, fds, check, what):
        self.line = line        # bytes, newline included
        self.fds = fds          # descriptors, in order
        self.check = check      # reply -> None or complaint
        self.what = what


def expect_ok(r):
    return None if r.get("ok") else "expected ok"


def expect_code(code, text=None, without=None):
    def check(r):
        err = r.get("error", {})
        if r.get("ok") or err.get("code") != code:
            return "expected %s" % code
        if text is not None and text not in err.get("message", ""):
            return "expected a message with %r" % text
        if without is not None and without in err.get("message", ""):
            return "message must not say %r" % without
        return None
    return check


def build(rng, i):
    """Request i: its line, descriptors and what its reply must be."""
    k = rng.random()
    rate = 8000 + i
    if k < 0.25:
        obj = {"cmd": "ping", "tag": i}
        return Req(obj, [], expect_ok, "ping")
    if k < 0.55:
        fd = make_ring(ch=1, fmt=0, cap=1024, low=256, high=512, rate=rate)
        obj = {"cmd": "create_node", "type": "app_source", "tag": i,
               "args": {"memfd": 0, "rate": 1}}
        return Req(obj, [fd], expect_code(
            "bad_request", "ring is at %d Hz" % rate), "ring")
    if k < 0.70:
        pre = [os.eventfd(0) for _ in range(rng.randint(1, FD_MAX - 1))]
        fd = make_ring(ch=1, fmt=0, cap=1024, low=256, high=512, rate=rate)
        obj = {"cmd": "create_node", "type": "app_source", "tag": i,
               "args": {"fd": len(pre), "rate": 1}}
        return Req(obj, pre + [fd], expect_code(
            "bad_request", "ring is at %d Hz" % rate), "ring%d" % len(pre))
    if k < 0.80:
        obj = {"cmd": "create_node", "type": "app_source", "tag": i,
               "args": {"memfd": 0}}
        return Req(obj, [], expect_code("bad_request", "no descriptor"),
                   "nofd")
    if k < 0.88:
        fd = make_ring(ch=1, fmt=0, cap=1024, low=256, high=512, rate=rate,
                       seal=0)
        obj = {"cmd": "create_node", "type": "app_source", "tag": i,
               "args": {"memfd": 0}}
        return Req(obj, [fd], expect_code("bad_request", "sealed"),
                   "unsealed")
    if k < 0.94:
        fds = [os.eventfd(0) for _ in range(FD_MAX + 1)]
        obj = {"cmd": "ping", "tag": i}
        return Req(obj, fds, expect_code("quota", "descriptors"), "toomany")
    fd = make_ring(ch=1, fmt=0, cap=1024, low=256, high=512, rate=rate)
    obj = {"cmd": "ping", "tag": "x" * (LINE_MAX + rng.randint(0, 9000))}
    return Req(obj, [fd], expect_code("too_large"), "toolong")


def plan(rng, reqs):
    """Cut the stream; returns [(chunk bytes, descriptors)]."""
    stream = b"".join(r.line for r in reqs)
    cuts = {0}
    fds_at = {}
    pos = 0
    for r in reqs:
        n = len(r.line)
        if r.fds:
            # One or two batches, each starting inside this line; no
            # batch may carry more than FD_MAX descriptors.
            nb = 1 if len(r.fds) < 2 or rng.random() < 0.5 else 2
            if len(r.fds) > FD_MAX:
                nb = 2
            at = sorted(rng.sample(range(pos, pos + n), min(nb, n)))
            if len(at) < nb:
                at = at * nb
            split = len(r.fds) // 2 if nb == 2 else len(r.fds)
            parts = [r.fds[:split], r.fds[split:]] if nb == 2 else [r.fds]
            if len(at) == 2 and at[0] == at[1]:
                at = [at[0]]
                parts = [r.fds]
                if len(r.fds) > FD_MAX:     # cannot ride one call
                    at = [pos, pos + n - 1] if n > 1 else [pos]
                    parts = [r.fds[:split], r.fds[split:]]
            for a, p in zip(at, parts):
                cuts.add(a)
                fds_at.setdefault(a, []).extend(p)
        pos += n
    for _ in range(rng.randint(0, len(reqs) * 2)):
        cuts.add(rng.randrange(len(stream)))
    cuts = sorted(cuts) + [len(stream)]
    return [(stream[a:b], fds_at.get(a, [])) for a, b in
            zip(cuts, cuts[1:]) if b > a]


def sendmsg_all(s, data, fds):
    """One sendmsg with the descriptors, then the rest of the bytes."""
    n = socket.send_fds(s, [data], fds) if fds else s.send(data)
    if n < len(data):
        s.sendall(data[n:])


def run(path, seed, full, nreq):
    rng = random.Random(seed * 2 + full)
    reqs = [build(rng, i) for i in range(nreq)]
    for r in reqs:
        r.line = (json.dumps(r.line, separators=(",", ":")) + "\n").encode()
    chunks = plan(rng, reqs)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    rf = s.makefile("rb")
    before = list_shape(s, rf)
    nfill = 0
    if full:
        # Replies to "list" are ~20 times the request: these pass the
        # daemon's queue limit and the socket buffers together, so it
        # stops reading until the replies are taken.
        nfill = 3000
        s.sendall(b'{"cmd":"list"}\n' * nfill)
    sent = threading.Event()
    replies = []

    def reader():
        sent.wait(1.0)
        for _ in range(nfill + nreq):
            line = rf.readline()
            if not line:
                break
            r = json.loads(line)
            if "event" not in r:
                replies.append(r)
    t = threading.Thread(target=reader)
    t.start()
    for data, fds in chunks:
        sendmsg_all(s, data, fds)
    sent.set()
    t.join(60)
    for r in reqs:
        for fd in r.fds:
            os.close(fd)
    bad = []
    got = replies[nfill:]
    if len(got) != nreq:
        bad.append("%d replies for %d requests" % (len(got), nreq))
    for i, (r, rep) in enumerate(zip(reqs, got)):
        why = r.check(rep)
        if why is None and rep.get("tag", i) not in (i, None):
            why = "reply for tag %r" % rep.get("tag")
        if why is not None:
            bad.append("request %d (%s): %s; got %s" % (
                i, r.what, why, json.dumps(rep)[:300]))
    after = list_shape(s, rf)
    if after != before:
        bad.append("list changed: %s -> %s" % (before, after))
    s.close()
    if bad:
        print("seed %d, %s: %d of %d wrong" % (
            seed, "full reply queue" if full else "reading freely",
            len(bad), nreq))
        for b in bad[:10]:
            print("  " + b)
        print("  cuts (offset, bytes, descriptors): %s" % ", ".join(
            "%d+%d%s" % (sum(len(c[0]) for c in chunks[:j]), len(d),
                         ":%d" % len(f) if f else "")
            for j, (d, f) in enumerate(chunks))[:2000])
        return False
    return True


def issue(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    rf = s.makefile("rb")
    s.sendall(b'{"cmd":"list"}\n' * 3000)
    s.sendall(b'{"cmd":"ping"}\n')
    fd = make_ring(ch=1, fmt=0, cap=1024, low=256, high=512, rate=12345)
    socket.send_fds(s, [b'{"cmd":"create_node","type":"app_source",'
                        b'"args":{"memfd":0,"rate":1}}\n'], [fd])
    os.close(fd)
    last = None
    for _ in range(3002):
        last = json.loads(rf.readline())
    print(json.dumps(last))
    ok = "ring is at 12345 Hz" in last.get("error", {}).get("message", "")
    sys.exit(0 if ok else 1)


def main():
    path = sys.argv[1]
    if sys.argv[2:3] == ["issue"]:
        issue(path)
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    nreq = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    ok = True
    for seed in range(1, seeds + 1):
        for full in (0, 1):
            ok = run(path, seed, full, nreq) and ok
    if not ok:
        sys.exit(1)
    print("ok %d x 2 modes x %d requests" % (seeds, nreq))


if __name__ == "__main__":
    assert fcntl  # ringclient seals with it
    main()
