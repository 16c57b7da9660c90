#!/usr/bin/python3
"""Send VXLAN datagrams (RFC 7348, VNI 1 by default) from a bound underlay
address, for the hardening tests: many random unicast source MACs (a peer
spraying the FDB), or one source MAC at a set rate (a broadcast storm).
Prints how many were sent and for how long, as "sent N in S s"."""
import argparse
import random
import socket
import struct
import time


def mac(s):
    b = bytes.fromhex(s.replace(":", ""))
    if len(b) != 6:
        raise argparse.ArgumentTypeError(f"not a MAC: {s}")
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src", help="underlay address to send from (a listed peer's)")
    ap.add_argument("dst", help="the vxtap node's underlay address")
    ap.add_argument("--port", type=int, default=8472)
    ap.add_argument("--vni", type=int, default=1)
    ap.add_argument("--dmac", type=mac, default=mac("ff:ff:ff:ff:ff:ff"))
    ap.add_argument("--smac", type=mac, help="one source MAC (default: random ones)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=0, help="stop after this many (0: no limit)")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: no limit)")
    ap.add_argument("--pps", type=float, default=0, help="pace to this rate (0: bursts of 100)")
    a = ap.parse_args()
    if a.count <= 0 and a.seconds <= 0:
        ap.error("give --count or --seconds")

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.src, 0))
    hdr = struct.pack("!II", 0x08000000, a.vni << 8)  # I flag, VNI
    tail = b"\x88\xb5" + bytes(46)  # local experimental EtherType, minimum frame
    rnd = random.Random(a.seed)
    start = time.monotonic()
    n = 0
    while (a.count <= 0 or n < a.count) and (a.seconds <= 0 or time.monotonic() - start < a.seconds):
        if a.smac is not None:
            src = a.smac
        else:
            m = bytearray(rnd.getrandbits(48).to_bytes(6, "big"))
            m[0] = (m[0] & 0xFE) | 0x02  # unicast, locally administered
            src = bytes(m)
        try:
            s.sendto(hdr + a.dmac + src + tail, (a.dst, a.port))
            n += 1
        except BlockingIOError:
            pass
        if a.pps > 0:
            # Pace against the clock, so that the rate holds on average.
            ahead = n / a.pps - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        elif n % 100 == 0:
            time.sleep(0.001)  # give the receiver's socket buffer a chance
    print(f"sent {n} in {time.monotonic() - start:.3f} s")


if __name__ == "__main__":
    main()
