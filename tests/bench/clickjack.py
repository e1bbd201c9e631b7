#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Clicks through an ALSA PCM into JACK, timed by JACK's own clock.

usage: clickjack.py PCM BUFFER_US CLICKS [SINK_PORT]

The writer is clickplay.py's play (silence, CLICKS clicks, the time and
snd_pcm_delay right before each click's snd_pcm_writei). PCM plays into
a JACK server: the alsa-plugins jack PCM into jackd (JACK_DEFAULT_SERVER),
or pipewire-alsa into a PipeWire whose JACK API is pipewire-jack's
libjack.so.0 (found first on LD_LIBRARY_PATH). Once the PCM has started,
the first of its output ports (an output port of any client but
clickjack's and SINK_PORT's, default system:playback_1: the device) is
connected also to the input of a JACK client of this process (libjack
through ctypes), whose process callback notes the JACK frame
(jack_last_frame_time + offset) of each click, the first sample above
0.5 after silence, and turns it into a time with jack_frames_to_time
(in the cycle that holds it: the cycle's start, on the server's clock,
plus the offset at the rate; jack2's clock is CLOCK_MONOTONIC_RAW,
PipeWire's CLOCK_MONOTONIC, both brought to CLOCK_MONOTONIC by their
offset, read here) plus the playback latency of SINK_PORT, when it is
heard. Prints the same line as clickplay.py find; "discontinuities" is
null.
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
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    sink = (sys.argv[4] if len(sys.argv) == 5 else
            "system:playback_1").encode()
    skip = (b"clickjack:", sink.split(b":")[0] + b":", b"system:")
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
    j.jack_port_connected_to.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
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

    # (frame, its time in us on the server's clock), read in the cycle
    # that holds it: PipeWire's mapping is that of the driver the client
    # follows, which the client may no longer follow once the PCM closed.
    def process(n, _arg):
        buf = j.jack_port_get_buffer(port, n)
        base = j.jack_last_frame_time(c)
        for i in range(n):
            loud = abs(buf[i]) > 0.5
            if loud and quiet[0]:
                frames.append((base + i, j.jack_frames_to_time(c, base + i)))
            quiet[0] = not loud
        return 0

    cb = PROCESS(process)
    j.jack_set_process_callback(c, cb, None)
    if j.jack_activate(c) != 0:
        sys.exit("clickjack: cannot activate")

    def connect():
        # the PCM's client: output ports that are not the server's nor
        # the sink's (a PipeWire stream has ports only once it is given
        # a format: the caller links it, so wait up to 10 s)
        for _ in range(1000):
            p = j.jack_get_ports(c, None, None, 2)  # JackPortIsOutput
            names = []
            i = 0
            while p and p[i]:
                names.append(p[i])
                i += 1
            names = [n for n in names if not n.startswith(skip)]
            if names:
                j.jack_connect(c, names[0], b"clickjack:in")
                break
            time.sleep(0.01)
        else:
            sys.exit("clickjack: the PCM has no JACK port")
        # and the PCM plays into the sink (the jack PCM connects itself,
        # a PipeWire stream is linked by the caller) before any click
        pcm = j.jack_port_by_name(c, names[0])
        for _ in range(1000):
            if j.jack_port_connected_to(pcm, sink):
                return
            time.sleep(0.01)
        sys.exit("clickjack: %s is not connected to %s" %
                 (names[0].decode(), sink.decode()))

    pl = clickplay.play(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                        connect)
    time.sleep(0.1)
    rate = j.jack_get_sample_rate(c)
    r = Range()
    sp = j.jack_port_by_name(c, sink)
    if not sp:
        sys.exit("clickjack: no port " + sink.decode())
    j.jack_port_get_latency_range(sp, 0, ctypes.byref(r))  # playback 0
    # JACK's clock against CLOCK_MONOTONIC, in us: jack2 reads
    # CLOCK_MONOTONIC_RAW, which is not slewed, so the two differ by an
    # offset (its drift over a run is a few ppm; PipeWire's clock is
    # CLOCK_MONOTONIC itself, the offset 0); the best of 20 reads
    # between two of CLOCK_MONOTONIC.
    best = None
    for _ in range(20):
        a = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        t = j.jack_get_time()
        b = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        if best is None or b - a < best[0]:
            best = (b - a, t * 1000 - (a + b) / 2)
    skew = best[1]
    found = [(f, us * 1000 - skew + r.max * 1e9 / rate) for f, us in frames]
    j.jack_client_close(c)
    clickplay.summary(pl, found)
    print("clickjack: playback latency of %s %d frames, "
          "JACK clock - CLOCK_MONOTONIC %.0f us" % (sink.decode(), r.max,
                                                     skew / 1000),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
