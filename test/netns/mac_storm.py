#!/usr/bin/env python3
"""A learning storm: Ethernet frames from many source MACs, written to a device.

Run it inside a node's namespace with that node's TAP as --dev: vxtap reads
the frames and floods them (their destination is a unicast MAC nobody has),
so every peer learns each source MAC in turn. The sources cycle through
--macs addresses 02:5a:00:XX:XX:XX at --pps frames a second for --seconds
seconds; each frame is 60 bytes of the local experimental EtherType 0x88b5,
which no stack answers. Prints "sent N" at the end.
"""

import argparse
import socket
import struct
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dev", required=True)
    p.add_argument("--macs", type=int, default=3000)
    p.add_argument("--pps", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=10.0)
    a = p.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    dst = bytes.fromhex("025affffff01")
    frames = []
    for i in range(a.macs):
        src = b"\x02\x5a\x00" + struct.pack("!I", i)[1:]
        frames.append(dst + src + b"\x88\xb5" + struct.pack("!I", i) + b"\0" * 42)

    tick = 0.01
    per_tick = max(1, a.pps * tick)
    start = time.monotonic()
    sent, owed, k = 0, 0.0, 0
    while True:
        now = time.monotonic()
        if now - start >= a.seconds:
            break
        owed += per_tick
        while owed >= 1.0:
            try:
                s.send(frames[k])
                sent += 1
            except OSError:
                pass  # the device may be busy or gone for a moment
            k = (k + 1) % len(frames)
            owed -= 1.0
        nxt = start + (int((now - start) / tick) + 1) * tick
        time.sleep(max(0.0, nxt - time.monotonic()))
    print("sent", sent, flush=True)


if __name__ == "__main__":
    main()
