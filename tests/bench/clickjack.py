#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Clicks through an ALSA PCM into JACK, timed by JACK's own clock.

usage: clickjack.py PCM BUFFER_US CLICKS

The writer is clickplay.py's play (silence, CLICKS clicks, the time and
snd_pcm_delay right before each click's snd_pcm_writei). PCM is the
alsa-plugins jack PCM of the server JACK_DEFAULT_SERVER; once it has
started, its output ports are connected also to the input of a JACK
client of this process (libjack through ctypes), whose process callback
notes the JACK frame (jack_last_frame_time + offset) of each click: the
first sample above 0.5 after silence. Each such frame is turned into a
time with jack_frames_to_time (when the period holding it starts, on
JACK's clock, CLOCK_MONOTONIC_RAW with jack2, converted to
CLOCK_MONOTONIC by their offset, read here) plus
the playback latency of system:playback_1, when it is heard. Prints the
same line as clickplay.py find; "discontinuities" is null.
"""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clickplay  # noqa: E402

PROCESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint32, ctypes.c_void_p)


class Range(ctypes.Structure):
    _fields_ = [("min", ctypes.c_uint32), ("max", ctypes.c_uint32)]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    j = ctypes.CDLL("libjack.so.0")
    j.jack_client_open.restype = ctypes.c_void_p
    j.jack_port_register.restype = ctypes.c_void_p
    j.jack_port_register.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                     ctypes.c_char_p, ctypes.c_ulong,
                                     ctypes.c_ulong]
    j.jack_port_get_buffer.restype = ctypes.POINTER(ctypes.c_float)
    j.jack_port_get_buffer.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    j.jack_last_frame_time.restype = ctypes.c_uint32
    j.jack_last_frame_time.argtypes = [ctypes.c_void_p]
    j.jack_frames_to_time.restype = ctypes.c_uint64
    j.jack_frames_to_time.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    j.jack_get_time.restype = ctypes.c_uint64
    j.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
    j.jack_get_ports.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                 ctypes.c_char_p, ctypes.c_ulong]
    j.jack_port_by_name.restype = ctypes.c_void_p
    j.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    j.jack_port_get_latency_range.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                              ctypes.POINTER(Range)]
    j.jack_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                               ctypes.c_char_p]
    j.jack_get_sample_rate.argtypes = [ctypes.c_void_p]
    j.jack_activate.argtypes = [ctypes.c_void_p]
    j.jack_client_close.argtypes = [ctypes.c_void_p]
    j.jack_set_process_callback.argtypes = [ctypes.c_void_p, PROCESS,
                                            ctypes.c_void_p]

    # JackNoStartServer 1
    c = j.jack_client_open(b"clickjack", 1, None)
    if not c:
        sys.exit("clickjack: no JACK server")
    port = j.jack_port_register(c, b"in", b"32 bit float mono audio",
                                1, 0)  # JackPortIsInput
    frames, quiet = [], [True]

    def process(n, _arg):
        buf = j.jack_port_get_buffer(port, n)
        base = j.jack_last_frame_time(c)
        for i in range(n):
            loud = abs(buf[i]) > 0.5
            if loud and quiet[0]:
                frames.append(base + i)
            quiet[0] = not loud
        return 0

    cb = PROCESS(process)
    j.jack_set_process_callback(c, cb, None)
    if j.jack_activate(c) != 0:
        sys.exit("clickjack: cannot activate")

    def connect():
        # the jack PCM's client: output ports that are not the server's
        for _ in range(100):
            p = j.jack_get_ports(c, None, None, 2)  # JackPortIsOutput
            names = []
            i = 0
            while p and p[i]:
                names.append(p[i])
                i += 1
            names = [n for n in names if not n.startswith(b"system:")]
            if names:
                j.jack_connect(c, names[0], b"clickjack:in")
                return
            time.sleep(0.01)
        sys.exit("clickjack: the PCM has no JACK port")

    pl = clickplay.play(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                        connect)
    time.sleep(0.1)
    rate = j.jack_get_sample_rate(c)
    r = Range()
    sp = j.jack_port_by_name(c, b"system:playback_1")
    j.jack_port_get_latency_range(sp, 0, ctypes.byref(r))  # playback 0
    # JACK's clock against CLOCK_MONOTONIC, in us: jack2 reads
    # CLOCK_MONOTONIC_RAW, which is not slewed, so the two differ by an
    # offset (its drift over a run is a few ppm); the best of 20 reads
    # between two of CLOCK_MONOTONIC.
    best = None
    for _ in range(20):
        a = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        t = j.jack_get_time()
        b = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        if best is None or b - a < best[0]:
            best = (b - a, t * 1000 - (a + b) / 2)
    skew = best[1]
    found = [(f, j.jack_frames_to_time(c, f) * 1000 - skew +
              r.max * 1e9 / rate) for f in frames]
    j.jack_client_close(c)
    clickplay.summary(pl, found)
    print("clickjack: playback latency of system:playback_1 %d frames, "
          "JACK clock - CLOCK_MONOTONIC %.0f us" % (r.max, skew / 1000), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
