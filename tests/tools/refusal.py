#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every refusal leaves the graph as it was: the one tool for it (the
bats helper refused_unchanged, fdsplit.py and inline test scripts).

usage: refusal.py SOCK [--refused] [--code CODE] [REQUEST...]

Sends each request (the arguments, or one JSON line each from stdin
when there are none) on one connection, asking "list" before and after
it. Every reply must be an object with a boolean "ok"; a refusal must
carry an error code and leave "list" (the whole reply but its tag:
engine state, device, nodes with their args, links) exactly as it was.
Prints one line per request: "ok CODE REQUEST" for a refusal that
changed nothing, "accepted REQUEST" for one that was accepted.
--refused: every request must be refused; --code: with this error code.
A request need not be an object ('[]' is refused too). Exit status 0,
or 1 with both lists printed on the first failure.

As a module, for tests that pass descriptors or keep state:

    from refusal import checked_req, list_shape
    r = checked_req(conn, request, fds=(), refused=None, code=None)
    shape = list_shape(sock, sock.makefile("rb"))

conn is anything with .req(obj, fds) returning the reply (ringclient's
Conn); the reply is returned, an AssertionError raised on a failure.
list_shape is "list" as one canonical line, on a raw socket and its
reader, for scripts that speak the protocol themselves.
"""
import json
import socket
import sys


class Conn:
    """One connection; replies are read line by line."""

    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
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


def _canonical(r):
    """A "list" reply as one canonical line: everything but its tag."""
    if not isinstance(r, dict) or r.get("ok") is not True:
        raise RuntimeError("list failed: %r" % (r,))
    r = dict(r)
    r.pop("tag", None)
    return json.dumps(r, sort_keys=True)


def list_shape(s, rf):
    """The graph as "list" shows it, canonical JSON, on socket s read
    through rf (events on the way are skipped)."""
    s.sendall(b'{"cmd":"list"}\n')
    while True:
        r = json.loads(rf.readline())
        if "event" not in r:
            return _canonical(r)


def graph_list(conn):
    r = conn.req({"cmd": "list"})
    assert r.get("ok") is True, "list refused: %r" % r
    r.pop("tag", None)
    return r


def checked_req(conn, obj, fds=(), refused=None, code=None):
    """Send obj; a refusal must leave "list" unchanged. refused=True:
    it must be refused (with code, when given); False: accepted."""
    before = graph_list(conn)
    r = conn.req(obj, fds)
    ok = r.get("ok") if isinstance(r, dict) else None
    assert ok in (True, False), "no \"ok\" in the reply to %s: %r" % (
        json.dumps(obj), r)
    if refused is True:
        assert ok is False, "accepted: %s -> %r" % (json.dumps(obj), r)
    if refused is False:
        assert ok is True, "refused: %s -> %r" % (json.dumps(obj), r)
    if ok is False:
        got = r.get("error", {}).get("code")
        assert isinstance(got, str), "a refusal without a code: %r" % r
        assert code is None or got == code, "%s: code %s, expected %s" % (
            json.dumps(obj), got, code)
        after = graph_list(conn)
        assert after == before, (
            "refused, yet the graph changed: %s -> %s\nbefore: %s\n"
            "after:  %s" % (json.dumps(obj), json.dumps(r),
                            json.dumps(before, sort_keys=True),
                            json.dumps(after, sort_keys=True)))
    return r


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, refused, code, reqs = args[0], None, None, []
    i = 1
    while i < len(args):
        if args[i] == "--refused":
            refused = True
        elif args[i] == "--code" and i + 1 < len(args):
            code = args[i + 1]
            i += 1
        elif args[i].startswith("-"):
            print("refusal.py: unknown argument %s" % args[i],
                  file=sys.stderr)
            return 2
        else:
            reqs.append(args[i])
        i += 1
    conn = Conn(path)
    for line in reqs or sys.stdin:
        line = line.strip()
        if not line:
            continue
        obj = json.loads(line)
        try:
            r = checked_req(conn, obj, refused=refused, code=code)
        except AssertionError as e:
            print("refusal.py: %s" % e, file=sys.stderr)
            return 1
        if r["ok"]:
            print("accepted %s" % line)
        else:
            print("ok %s %s" % (r["error"]["code"], line))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
