#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print the peak of every channel of an audio file, as a JSON list.

usage: chpeak.py FILE [SKIP_SECONDS]

FILE is anything sox reads (a raw file needs sox's -t/-r/-c: convert it
first). Peaks are absolute sample values (1.0 = full scale), so a
silent channel prints 0.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sinefit import decode  # noqa: E402


def main():
    rate, data = decode(sys.argv[1])
    skip = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    data = data[int(skip * rate):]
    print(json.dumps([float(abs(data[:, c]).max()) if len(data) else 0.0
                      for c in range(data.shape[1])]))


if __name__ == "__main__":
    main()
