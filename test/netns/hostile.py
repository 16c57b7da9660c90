#!/usr/bin/python3
"""Hostile input for a running vxtap, each datagram with a known fate.

udp mode: VXLAN-shaped and shapeless datagrams sent from a listed peer's
address and from addresses that are not peers. Every datagram is built to be
dropped for exactly one reason (the first check it fails in vxtap's order:
unknown peer, VXLAN header short, I flag clear, reserved bits, VNI, runt,
oversize, source MAC zero, multicast or own, malformed ARP), so the expected
per-reason counts are exact. They are sent in random order, in chunks no
bigger than a quarter of vxtap's socket receive buffer; before each chunk the
generator waits (bounded) until vxtap has read every datagram sent so far,
watching the Udp InDatagrams counter of vxtap's namespace through
/proc/PID/net/snmp, so no datagram is lost before vxtap counts it.

tap mode: malformed ARP frames written into the TAP device through a packet
socket (run in vxtap's namespace), paced by the TAP's tx_packets.

Prints one JSON object on stdout: what was sent, the expected drop counts,
and the kernel's UDP error counters of vxtap's namespace before and after.
Plain sockets, no scapy: struct and random are enough, and much faster.
"""

import argparse
import json
import random
import socket
import struct
import sys
import time

# Drop reasons, as vxtap's counters name them (drop_<reason>).
REASONS = ("vxlan_short", "vxlan_no_i", "vxlan_reserved", "bad_vni", "unknown_peer",
           "runt", "oversize", "src_own", "src_multicast", "src_zero", "bad_arp")

# How many of each kind udp mode sends (before --scale).
MIX = {
    "vxlan_short": 6000,
    "vxlan_no_i": 12000,
    "vxlan_reserved": 12000,
    "bad_vni": 12000,
    "runt": 8000,
    "oversize": 6000,
    "src_zero": 6000,
    "src_multicast": 10000,
    "src_own": 6000,
    "bad_arp": 16000,
    "unknown_peer": 16000,
}

# Learnable-looking addresses the hostile frames carry, so the test can look
# for them in vxtap's tables afterwards: source MACs 0a:ee:... and sender IPs
# 10.244.200.x in malformed ARP from the peer, 0a:dd:... and 10.244.201.x in
# well-formed frames from non-peers.
BAD_ARP_MAC_PREFIX = b"\x0a\xee"
BAD_ARP_IP_PREFIX = bytes([10, 244, 200])
NONPEER_MAC_PREFIX = b"\x0a\xdd"
NONPEER_IP_PREFIX = bytes([10, 244, 201])


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


class Gen:
    def __init__(self, rng, vni, victim_mac, victim_ip, mtu):
        self.r = rng
        self.vni = vni
        self.victim = victim_mac
        self.victim_ip = victim_ip
        self.max_frame = mtu + 18  # TAP MTU + Ethernet header + VLAN tag

    def rand(self, n):
        return self.r.randbytes(n)

    def hdr(self, vni=None, flags=0x08, r1=0, r2=0, r3=0, r7=0):
        v = self.vni if vni is None else vni
        return bytes([flags, r1, r2, r3]) + struct.pack("!I", v)[1:] + bytes([r7])

    def unicast_mac(self, prefix):
        while True:
            m = prefix + self.rand(6 - len(prefix))
            if m != self.victim:
                return m

    def frame(self, src, dst=None, etype=None, length=None):
        """An inner Ethernet frame of `length` bytes (random if None)."""
        if dst is None:
            dst = self.rand(6)
        if etype is None:
            etype = self.rand(2)
        if length is None:
            length = self.r.randint(14, self.max_frame)
        return dst + src + etype + self.rand(length - 14)

    # --- one builder per drop reason; each returns the datagram -----------

    def vxlan_short(self):
        return self.rand(self.r.randint(0, 7))

    def vxlan_no_i(self):
        # Random bytes whose first byte has the I flag (0x08) clear.
        d = bytearray(self.rand(self.r.randint(8, 1500)))
        d[0] &= 0xF7
        return bytes(d)

    def vxlan_reserved(self):
        # I set, and at least one other flag bit or reserved byte not zero;
        # the VNI and everything after are random.
        d = bytearray(self.rand(self.r.randint(8, 1500)))
        d[0] |= 0x08
        if self.r.random() < 0.5:
            d[0] |= 1 << self.r.choice((0, 1, 2, 4, 5, 6, 7))
        else:
            d[0] = 0x08 | (d[0] & 0xF7 if self.r.random() < 0.3 else 0)
            d[1], d[2], d[3], d[7] = 0, 0, 0, 0
            d[self.r.choice((1, 2, 3, 7))] = self.r.randint(1, 255)
        return bytes(d)

    def bad_vni(self):
        v = self.r.choice((0, 0xFFFFFF, self.vni ^ 1, self.r.randrange(1 << 24)))
        while v == self.vni:
            v = self.r.randrange(1 << 24)
        return self.hdr(vni=v) + self.rand(self.r.randint(0, 2000))

    def runt(self):
        return self.hdr() + self.rand(self.r.randint(0, 13))

    def oversize(self):
        if self.r.random() < 0.02:
            n = self.r.randint(9000, 65000)  # up to the largest UDP payload
        else:
            n = self.r.randint(self.max_frame + 1, self.max_frame + 600)
        return self.hdr() + self.frame(self.unicast_mac(b"\x0a\xcc"), dst=self.victim, length=n)

    def src_zero(self):
        return self.hdr() + self.frame(bytes(6))

    def src_multicast(self):
        kind = self.r.randrange(4)
        if kind == 0:
            src = b"\xff" * 6
        elif kind == 1:
            src = b"\x01\x00\x5e" + self.rand(3)
        elif kind == 2:
            src = b"\x33\x33" + self.rand(4)
        else:
            src = bytes([self.r.randrange(256) | 1]) + self.rand(5)
        return self.hdr() + self.frame(src)

    def src_own(self):
        return self.hdr() + self.frame(self.victim)

    def arp_body(self, sha, spa):
        """A well-formed ARP request or reply (28 bytes) from sha/spa."""
        op = self.r.choice((1, 2))
        tpa = self.victim_ip
        return bytearray(struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa
                         + self.rand(6) + tpa)

    def bad_arp_frame(self):
        """An Ethernet frame carrying ARP that is wrong in one way."""
        src = self.unicast_mac(BAD_ARP_MAC_PREFIX)
        spa = BAD_ARP_IP_PREFIX + bytes([self.r.randint(1, 254)])
        a = self.arp_body(src, spa)
        kind = self.r.randrange(12)
        if kind == 0:    # hardware type neither Ethernet (1) nor IEEE 802 (6)
            struct.pack_into("!H", a, 0, self.r.choice([h for h in range(0, 40) if h not in (1, 6)]
                                                        + [0xFFFF]))
        elif kind == 1:  # protocol type not IPv4
            struct.pack_into("!H", a, 2, self.r.choice((0x86DD, 0x0806, 0, 0x0801, 0xFFFF)))
        elif kind == 2:  # hardware address length not 6
            a[4] = self.r.choice([n for n in range(256) if n != 6])
        elif kind == 3:  # protocol address length not 4
            a[5] = self.r.choice([n for n in range(256) if n != 4])
        elif kind == 4:  # opcode neither request nor reply
            struct.pack_into("!H", a, 6, self.r.choice([n for n in range(0, 30) if n not in (1, 2)]
                                                        + [0xFFFF]))
        elif kind == 5:  # asks for 0.0.0.0
            a[24:28] = bytes(4)
        elif kind == 6:  # asks for 255.255.255.255
            a[24:28] = b"\xff" * 4
        elif kind == 7:  # asks for a multicast address
            a[24:28] = bytes([self.r.randint(224, 239)]) + self.rand(3)
        elif kind == 8:  # asks for a loopback address
            a[24:28] = b"\x7f" + self.rand(3)
        elif kind == 9:  # sender MAC multicast or zero
            a[8:14] = self.r.choice((bytes(6), b"\xff" * 6, b"\x01\x00\x5e\x00\x00\x01",
                                     bytes([self.r.randrange(256) | 1]) + self.rand(5)))
        elif kind == 10:  # sender IP multicast or broadcast
            a[14:18] = self.r.choice((b"\xff" * 4, bytes([self.r.randint(224, 239)]) + self.rand(3)))
        else:            # too short to be ARP for IPv4
            a = a[:self.r.randint(0, 27)]
        pad = self.rand(self.r.randint(0, 18)) if len(a) == 28 else b""
        dst = self.r.choice((b"\xff" * 6, self.victim))
        return dst + src + b"\x08\x06" + bytes(a) + pad

    def bad_arp(self):
        return self.hdr() + self.bad_arp_frame()

    def unknown_peer(self):
        """Anything at all from a non-peer: well-formed frames that would be
        learned if accepted, and random bytes."""
        kind = self.r.randrange(3)
        if kind == 0:
            return self.rand(self.r.randint(0, 1500))
        src = self.unicast_mac(NONPEER_MAC_PREFIX)
        spa = NONPEER_IP_PREFIX + bytes([self.r.randint(1, 254)])
        if kind == 1:  # ARP request for the victim's IP
            return self.hdr() + b"\xff" * 6 + src + b"\x08\x06" + bytes(self.arp_body(src, spa))
        # IPv4 to the victim's MAC
        return self.hdr() + self.frame(src, dst=self.victim, etype=b"\x08\x00",
                                       length=self.r.randint(34, 1000))


def snmp(path, proto, field):
    with open(path) as f:
        lines = [l.split() for l in f if l.startswith(proto + ":")]
    return int(lines[1][lines[0].index(field)])


def udp_counters(path):
    return {k: snmp(path, "Udp", k) for k in ("InDatagrams", "InErrors", "RcvbufErrors")}


def truesize(n):
    """A generous estimate of the receive-buffer memory a datagram takes."""
    frags = max(1, -(-(n + 8) // 1480))
    return frags * 4096 if frags > 1 else 2 * n + 2048


def wait_read(snmp_path, base, want, timeout):
    """Wait until vxtap has read `want` datagrams since `base` (bounded)."""
    deadline = time.monotonic() + timeout
    delay = 0.0002
    while True:
        got = snmp(snmp_path, "Udp", "InDatagrams") - base
        if got >= want:
            return got
        if time.monotonic() > deadline:
            sys.exit(f"hostile.py: vxtap read only {got} of {want} datagrams in {timeout} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.01)


def run_udp(a, rng):
    g = Gen(rng, a.vni, mac(a.victim_mac), socket.inet_aton(a.victim_ip), a.mtu)
    plan = []
    for reason, n in MIX.items():
        plan += [reason] * max(1, int(n * a.scale))
    rng.shuffle(plan)

    def socks(addrs, per):
        out = []
        for ad in addrs:
            for _ in range(per):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((ad, 0))
                out.append(s)
        return out
    peer_socks = socks(a.peer.split(","), 4)
    other_socks = socks(a.nonpeer.split(","), 2)
    dst = (a.victim_ip, a.port)
    snmp_path = f"/proc/{a.pid}/net/snmp"
    before = udp_counters(snmp_path)
    budget = max(65536, a.rcvbuf // 4)

    expect = dict.fromkeys(REASONS, 0)
    sent = chunk = nchunks = 0
    start = time.monotonic()
    for reason in plan:
        d = getattr(g, reason)()
        size = truesize(len(d))
        if chunk and chunk + size > budget:
            wait_read(snmp_path, before["InDatagrams"], sent, a.timeout)
            chunk = 0
            nchunks += 1
        s = rng.choice(other_socks if reason == "unknown_peer" else peer_socks)
        if s.sendto(d, dst) != len(d):
            sys.exit(f"hostile.py: short send of a {len(d)}-byte {reason} datagram")
        expect[reason] += 1
        sent += 1
        chunk += size
    read = wait_read(snmp_path, before["InDatagrams"], sent, a.timeout)
    after = udp_counters(snmp_path)
    return {"mode": "udp", "sent": sent, "read": read, "chunks": nchunks + 1,
            "seconds": round(time.monotonic() - start, 2), "expect": expect,
            "udp_before": before, "udp_after": after}


def run_tap(a, rng):
    g = Gen(rng, a.vni, mac(a.victim_mac), socket.inet_aton(a.victim_ip), a.mtu)
    stats = f"/sys/class/net/{a.dev}/statistics/"

    def stat(name):
        with open(stats + name) as f:
            return int(f.read())
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    tx0, drop0 = stat("tx_packets"), stat("tx_dropped")
    sent = 0
    start = time.monotonic()
    while sent < a.count:
        for _ in range(min(64, a.count - sent)):
            f = g.bad_arp_frame()
            # The kernel pads nothing on a TAP: frames as short as the
            # header are fine, but the ARP must not be cut below 14 bytes.
            s.send(f)
            sent += 1
        deadline = time.monotonic() + a.timeout
        while stat("tx_packets") - tx0 + stat("tx_dropped") - drop0 < sent:
            if time.monotonic() > deadline:
                sys.exit(f"hostile.py: vxtap read only {stat('tx_packets') - tx0} of {sent} frames")
            time.sleep(0.001)
    return {"mode": "tap", "sent": sent, "expect": {"bad_arp": sent},
            "tap_read": stat("tx_packets") - tx0, "tap_dropped": stat("tx_dropped") - drop0,
            "seconds": round(time.monotonic() - start, 2)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=("udp", "tap"))
    p.add_argument("--victim-ip", required=True, help="vxtap's --local address")
    p.add_argument("--victim-mac", required=True, help="vxtap's TAP MAC")
    p.add_argument("--port", type=int, default=8472)
    p.add_argument("--vni", type=int, default=1)
    p.add_argument("--mtu", type=int, default=1450, help="vxtap's TAP MTU")
    p.add_argument("--peer", help="udp: listed peer addresses held here, a,b,...")
    p.add_argument("--nonpeer", help="udp: non-peer addresses held here, a,b,...")
    p.add_argument("--pid", type=int, help="udp: vxtap's PID (for its namespace's /proc/net/snmp)")
    p.add_argument("--rcvbuf", type=int, default=212992, help="udp: vxtap's socket receive buffer")
    p.add_argument("--scale", type=float, default=1.0, help="udp: multiply every count")
    p.add_argument("--dev", default="flannel.1", help="tap: the TAP device")
    p.add_argument("--count", type=int, default=1000, help="tap: frames to write")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for vxtap to catch up")
    a = p.parse_args()
    if a.mode == "udp" and not (a.peer and a.nonpeer and a.pid):
        p.error("udp mode needs --peer, --nonpeer and --pid")
    rng = random.Random(a.seed)
    out = run_udp(a, rng) if a.mode == "udp" else run_tap(a, rng)
    out["seed"] = a.seed
    json.dump(out, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
