#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The graph as "list" shows it, one canonical line: for checking that a
refused request changed nothing.

usage: listsnap.py SOCK                 print the graph's shape
       listsnap.py SOCK REQUEST...      send each request (a JSON line)
                                        on one connection; each must be
                                        refused and leave the shape as
                                        it was; prints one line per
                                        request: its error code

Exits 1 when a request succeeded or changed the graph. Imported by
fdsplit.py and the graph fuzzer helpers (list_shape).
"""
import json
import socket
import sys


def list_shape(s, rf):
    """Nodes (with their args) and links of the graph, canonical JSON."""
    s.sendall(b'{"cmd":"list"}\n')
    while True:
        r = json.loads(rf.readline())
        if "event" not in r:
            break
    if not r.get("ok"):
        raise RuntimeError("list failed: %s" % r)
    return json.dumps({"nodes": r["nodes"], "links": r["links"],
                       "state": r["state"], "device": r["device"]},
                      sort_keys=True)


def main():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    rf = s.makefile("rb")
    before = list_shape(s, rf)
    if len(sys.argv) == 2:
        print(before)
        return
    fail = False
    for line in sys.argv[2:]:
        s.sendall(line.encode() + b"\n")
        while True:
            r = json.loads(rf.readline())
            if "event" not in r:
                break
        after = list_shape(s, rf)
        code = r.get("error", {}).get("code", "ok")
        print(code)
        if r.get("ok"):
            print("  not refused: %s" % line, file=sys.stderr)
            fail = True
        if after != before:
            print("  refused but changed the graph: %s\n  before %s\n"
                  "  after  %s" % (line, before, after), file=sys.stderr)
            fail = True
    sys.exit(1 if fail else 0)


if __name__ == "__main__":
    main()
