# SPDX-License-Identifier: MIT
"""Many clients connected at once, each answered in turn.

usage: manyclients.py SOCKET N TIMEOUT [list]

Connects N clients (raising the descriptor limit if it must), sends each
a ping tagged with its number, and requires every reply to be ok with
its own tag; with "list", a second round on the same connections, in
reverse order, asks for the graph and requires at least two nodes.
Prints "ok". Used by 230-graph-clients (100) and 510-hostile (1,000).
"""
import json
import resource
import socket
import sys


def main(argv):
    path, n, timeout = argv[1], int(argv[2]), float(argv[3])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (max(soft, min(hard, n + 1024)), hard))
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.settimeout(timeout)
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendall(b'{"cmd":"ping","tag":%d}\n' % i)
    for i, s in enumerate(socks):
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(4096)
            assert chunk, "connection %d closed: %r" % (i, buf)
            buf += chunk
        r = json.loads(buf)
        assert r["ok"] and r["tag"] == i, r
    if argv[4:] == ["list"]:
        for i, s in reversed(list(enumerate(socks))):
            s.sendall(b'{"cmd":"list","tag":%d}\n' % i)
            r = json.loads(s.makefile().readline())
            assert r["ok"] and r["tag"] == i and len(r["nodes"]) >= 2, r
    for s in socks:
        s.close()
    print("ok")


if __name__ == "__main__":
    main(sys.argv)
