# SPDX-License-Identifier: MIT
"""A subscriber that never reads, and the clients that must not notice.

Used by the tests that check a stalled subscriber stalls nothing
(230-graph-clients, 130-amstat, 510-hostile):

    slow = subscribe_and_stall(path)     # stats and levels, read by no one
    worst = ping_while(path, until)      # others' worst round trip, s
    n = dropped_count(slow)              # the "dropped" event's count

As a program, "slowsub.py SOCKET SECONDS [REQUEST...]" does all three:
it pings (or sends the given request lines) for SECONDS, asserts the
worst answer came within a second and a "dropped" event was told, and
prints "ok COUNT".
"""

import json
import socket
import sys
import time


def subscribe_and_stall(path, levels_interval=0.034):
    """A connection subscribed to frequent, large events it never reads."""
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(path)
    slow.sendall(b'{"cmd":"subscribe","events":["stats","levels"],'
                 b'"interval":0.1,"levels_interval":%g}\n' % levels_interval)
    return slow


def ping_while(path, until, requests=(b'{"cmd":"ping"}',)):
    """Until until() is true: new connections send the requests and read
    one ok reply each. The worst round trip, in seconds."""
    worst = 0.0
    while not until():
        t0 = time.monotonic()
        fast = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        fast.connect(path)
        fast.settimeout(5)
        fast.sendall(b"".join(r + b"\n" for r in requests))
        f = fast.makefile()
        for _ in requests:
            line = f.readline()
            assert line.startswith('{"ok":true'), line
        fast.close()
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.05)
    return worst


def dropped_count(slow, max_lines=5000, seconds=10.0):
    """Read the stalled connection at last: the count of its "dropped"
    event, 0 when none comes in max_lines lines or within seconds (events
    keep coming, so a count of lines alone could take minutes)."""
    t_end = time.monotonic() + seconds
    f = slow.makefile()
    for _ in range(max_lines):
        left = t_end - time.monotonic()
        if left <= 0:
            break
        slow.settimeout(left)
        try:
            line = f.readline()
        except (socket.timeout, TimeoutError):
            break
        if not line:
            break
        ev = json.loads(line)
        if ev.get("event") == "dropped":
            return ev["count"]
    return 0


def main(argv):
    path, seconds = argv[1], float(argv[2])
    requests = [r.encode() for r in argv[3:]] or [b'{"cmd":"ping"}']
    slow = subscribe_and_stall(path)
    t_end = time.monotonic() + seconds
    worst = ping_while(path, lambda: time.monotonic() >= t_end, requests)
    assert worst < 1.0, "a request took %.3f s" % worst
    dropped = dropped_count(slow)
    assert dropped > 0, "no dropped event"
    slow.close()
    print("ok %d" % dropped)


if __name__ == "__main__":
    main(sys.argv)
