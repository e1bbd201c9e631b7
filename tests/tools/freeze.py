#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hold one thread of a process still while the others run.

usage: freeze.py PID COMM -- CMD...

Finds the thread of PID named COMM (/proc/PID/task/*/comm), stops it
alone with ptrace (PTRACE_SEIZE then PTRACE_INTERRUPT: unlike SIGSTOP,
which stops every thread), runs CMD until it exits, then lets the thread
go (PTRACE_DETACH). Exit status: CMD's, or 2 when the thread cannot be
found or stopped. Needs root or CAP_SYS_PTRACE.
"""
import ctypes
import os
import subprocess
import sys

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]


def find(pid, comm):
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == comm:
                return int(tid)
    return None


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    pid, comm, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[4:]
    tid = find(pid, comm)
    if tid is None:
        print(f"freeze.py: no thread {comm} in {pid}", file=sys.stderr)
        return 2
    if libc.ptrace(PTRACE_SEIZE, tid, None, None) < 0 or \
            libc.ptrace(PTRACE_INTERRUPT, tid, None, None) < 0:
        print(f"freeze.py: ptrace {tid}: "
              f"{os.strerror(ctypes.get_errno())}", file=sys.stderr)
        return 2
    os.waitpid(tid, WALL)
    try:
        rc = subprocess.run(cmd).returncode
    finally:
        libc.ptrace(PTRACE_DETACH, tid, None, None)
    return rc


if __name__ == "__main__":
    sys.exit(main())
