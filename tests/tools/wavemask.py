#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print the channel mask of a WAVE (RIFF or RF64) file.

usage: wavemask.py FILE [MASK]

Walks the chunks to "fmt ". With WAVE_FORMAT_EXTENSIBLE it prints the
dwChannelMask as 0x%X, else "none". With MASK (any base, 0x3F), it
writes that mask into the file first (the file must be extensible):
for making files with odd masks.
"""
import struct
import sys


def main():
    path = sys.argv[1]
    d = bytearray(open(path, "rb").read())
    off = 12
    while off + 8 <= len(d):
        cid, size = d[off:off + 4], struct.unpack_from("<I", d, off + 4)[0]
        if cid == b"fmt ":
            tag = struct.unpack_from("<H", d, off + 8)[0]
            if len(sys.argv) > 2:
                assert tag == 0xFFFE, "not WAVE_FORMAT_EXTENSIBLE"
                struct.pack_into("<I", d, off + 28, int(sys.argv[2], 0))
                open(path, "wb").write(d)
            print("0x%X" % struct.unpack_from("<I", d, off + 28)[0]
                  if tag == 0xFFFE else "none")
            return
        off += 8 + size + (size & 1)
    print("none")


if __name__ == "__main__":
    main()
