#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Does amixd answer other clients while one request's work goes on?

usage: stall.py SOCKET REQUEST STATE [--refused REQ]... [--then REQ]
       [--pings N] [--gap MS] [--before CMD] [--after CMD]

Client A sends REQUEST (one JSON line) and waits for its reply. Client B
waits (at most 20 s) until "list" says the engine is in STATE, then runs
CMD (--before, a shell command, e.g. one that freezes a thread) if
given, then sends N pings (default 10) one after the other (MS apart
with --gap), timing each reply, plus "list" and "stats", and each --refused request. Then B sends
the --then request, if any, runs CMD (--after) if given, and A's reply
is awaited (at most 120 s).
Prints one JSON object: pings_ms (list), list_ok, stats_ok, refused
(the error code of each --refused reply), then (its reply), a_reply,
a_ms (A's wait from its request). Exit status 0, or 1 when a reply
does not come in time.
"""
import json
import socket
import subprocess
import sys
import time


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def send(self, req):
        self.s.sendall(req.encode() + b"\n")

    def reply(self, timeout):
        """The next line that is not an event, or None after timeout s."""
        end = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                obj = json.loads(line)
                if "event" not in obj:
                    return obj
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                return None
            if not data:
                return None
            self.buf += data

    def ask(self, req, timeout=20):
        self.send(req)
        return self.reply(timeout)


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, request, state = args[:3]
    refused, then, pings, before, after = [], None, 10, None, None
    gap = 0.0
    i = 3
    while i < len(args):
        if args[i] == "--refused":
            refused.append(args[i + 1])
        elif args[i] == "--then":
            then = args[i + 1]
        elif args[i] == "--pings":
            pings = int(args[i + 1])
        elif args[i] == "--before":
            before = args[i + 1]
        elif args[i] == "--after":
            after = args[i + 1]
        elif args[i] == "--gap":
            gap = float(args[i + 1]) / 1000
        i += 2
    a = Client(path)
    t0 = time.monotonic()
    a.send(request)
    b = Client(path)
    out = {}
    end = time.monotonic() + 20
    while True:
        r = b.ask('{"cmd":"list"}')
        if r is None:
            print(json.dumps({"error": "no list reply"}))
            return 1
        if r.get("state") == state:
            break
        if time.monotonic() > end:
            print(json.dumps({"error": "never " + state, "list": r}))
            return 1
        time.sleep(0.01)
    if before is not None:
        subprocess.run(before, shell=True, check=True)
    out["pings_ms"] = []
    for _ in range(pings):
        p0 = time.monotonic()
        r = b.ask('{"cmd":"ping"}', 10)
        if r is None:
            out["pings_ms"].append(None)
            print(json.dumps(out))
            return 1
        out["pings_ms"].append(round((time.monotonic() - p0) * 1000, 2))
        time.sleep(gap)
    out["list_ok"] = bool((b.ask('{"cmd":"list"}') or {}).get("ok"))
    out["stats_ok"] = bool((b.ask('{"cmd":"stats"}') or {}).get("ok"))
    out["state"] = (b.ask('{"cmd":"list"}') or {}).get("state")
    out["refused"] = []
    for req in refused:
        r = b.ask(req) or {}
        out["refused"].append(r.get("error", {}).get("code"))
    if then is not None:
        out["then"] = b.ask(then, 120)
    if after is not None:
        subprocess.run(after, shell=True, check=True)
    out["a_reply"] = a.reply(120)
    out["a_ms"] = round((time.monotonic() - t0) * 1000)
    print(json.dumps(out))
    return 0 if out["a_reply"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
