#!/usr/bin/env python3
"""A faulty underlay for vxtap's namespace tests, as a netfilter queue handler.

Run it inside a node's namespace, where a rule sends the node's received VXLAN
datagrams to queue 0:

    iptables -A INPUT -i eth1 -p udp --dport 8472 -j NFQUEUE --queue-num 0

It speaks nfnetlink_queue over a raw netlink socket (no libnetfilter_queue
binding is needed) and gives each queued datagram a fate, drawn from a seeded
generator, per datagram (the kernel cuts GSO super-packets before queueing):

  --drop P      P % are dropped (loss);
  --dup P       P % are accepted and a copy is sent again a moment later, from
                a raw socket in this namespace (duplication; the copy carries
                mark 0x5a so that a rule can keep it out of the queue);
  --delay P     P % are held for a random time in --delay-ms MIN,MAX and then
                accepted while later datagrams pass (reordering);
  --corrupt P   P % get one byte flipped at a random offset of the UDP payload
                past --corrupt-from bytes; the UDP checksum is left as it was
                (the receiving kernel drops the datagram: Udp InCsumErrors),
                or with --fix-csum made valid again (corruption the checksum
                cannot see: only what is inside can catch it);
  --only-type B only datagrams whose first payload byte is B (hex: a4 is
                secure mode's data message) are corrupted.

On SIGTERM or SIGINT it writes what it did to --stats FILE ("name value"
lines: queued, dropped, duplicated, delayed, corrupted) and exits 0. It
creates --ready FILE once it is bound to the queue.
"""

import argparse
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_PAYLOAD = 10
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_PACKET = 2
NF_DROP = 0
NF_ACCEPT = 1
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5
DUP_MARK = 0x5A
DUP_AFTER_S = 0.0005


def attr(kind, data):
    """One netlink attribute, padded to 4 bytes."""
    n = 4 + len(data)
    return struct.pack("=HH", n, kind) + data + b"\0" * ((4 - n % 4) % 4)


def nfmsg(msg, queue, attrs, seq=0):
    """An nfnetlink_queue message: nlmsghdr, nfgenmsg, attributes."""
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attrs)
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg
    return struct.pack("=IHHII", 16 + len(body), kind, NLM_F_REQUEST, seq, 0) + body


def parse_attrs(buf, off, end):
    out = {}
    while off + 4 <= end:
        n, kind = struct.unpack_from("=HH", buf, off)
        if n < 4:
            break
        out[kind & 0x7FFF] = buf[off + 4 : off + n]
        off += (n + 3) & ~3
    return out


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fix_udp_csum(pkt):
    """pkt (an IPv4 packet) with its UDP checksum computed again."""
    ihl = (pkt[0] & 0x0F) * 4
    udp = bytearray(pkt[ihl:])
    udp[6:8] = b"\0\0"
    pseudo = pkt[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    c = csum16(pseudo + bytes(udp)) or 0xFFFF
    udp[6:8] = struct.pack("!H", c)
    return pkt[:ihl] + bytes(udp)


class Fault:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.lo, self.hi = (float(x) / 1000.0 for x in a.delay_ms.split(","))
        self.held = []  # (deadline, packet id)
        self.dups = []  # (deadline, packet bytes)
        self.out = []  # verdict messages waiting to be sent
        self.st = dict(queued=0, dropped=0, duplicated=0, delayed=0, corrupted=0)
        self.nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        try:
            self.nl.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
        except OSError:
            self.nl.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.nl.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
        self.nl.bind((0, 0))
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.raw.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, DUP_MARK)
        q = a.queue
        self.nl.send(nfmsg(NFQNL_MSG_CONFIG, q, [attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, 0))], 1))
        self.nl.send(nfmsg(NFQNL_MSG_CONFIG, q, [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0xFFFF, NFQNL_COPY_PACKET))], 2))
        self.nl.send(nfmsg(NFQNL_MSG_CONFIG, q, [attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 16384))], 3))
        self.nl.setblocking(False)

    def verdict(self, pid, v, payload=None):
        attrs = [attr(NFQA_VERDICT_HDR, struct.pack("!II", v, pid))]
        if payload is not None:
            attrs.append(attr(NFQA_PAYLOAD, payload))
        self.out.append(nfmsg(NFQNL_MSG_VERDICT, self.a.queue, attrs))

    def flush(self):
        # Several messages per send: the kernel reads them one after another.
        while self.out:
            chunk, size = [], 0
            while self.out and size < 60000:
                m = self.out.pop(0)
                chunk.append(m)
                size += len(m)
            while True:
                try:
                    self.nl.send(b"".join(chunk))
                    break
                except BlockingIOError:
                    select.select([], [self.nl], [], 0.01)

    def corrupt(self, pkt):
        ihl = (pkt[0] & 0x0F) * 4
        start = ihl + 8 + self.a.corrupt_from
        if len(pkt) <= start:
            return None
        if self.a.only_type is not None and pkt[ihl + 8] != self.a.only_type:
            return None
        b = bytearray(pkt)
        b[self.rng.randrange(start, len(b))] ^= 1 << self.rng.randrange(8)
        out = bytes(b)
        return fix_udp_csum(out) if self.a.fix_csum else out

    def packet(self, pid, pkt):
        a, r = self.a, self.rng.random() * 100.0
        self.st["queued"] += 1
        if r < a.drop:
            self.st["dropped"] += 1
            self.verdict(pid, NF_DROP)
            return
        r -= a.drop
        if r < a.dup:
            self.st["duplicated"] += 1
            self.dups.append((time.monotonic() + DUP_AFTER_S, pkt))
            self.verdict(pid, NF_ACCEPT)
            return
        r -= a.dup
        if r < a.delay:
            self.st["delayed"] += 1
            self.held.append((time.monotonic() + self.rng.uniform(self.lo, self.hi), pid))
            return
        r -= a.delay
        if r < a.corrupt:
            bad = self.corrupt(pkt)
            if bad is not None:
                self.st["corrupted"] += 1
                self.verdict(pid, NF_ACCEPT, bad)
                return
        self.verdict(pid, NF_ACCEPT)

    def receive(self):
        for _ in range(256):
            try:
                buf = self.nl.recv(1 << 17)
            except BlockingIOError:
                return
            except OSError:
                continue
            off = 0
            while off + 16 <= len(buf):
                n, kind = struct.unpack_from("=IH", buf, off)
                if n < 16:
                    break
                if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    at = parse_attrs(buf, off + 20, off + n)
                    hdr, pkt = at.get(NFQA_PACKET_HDR), at.get(NFQA_PAYLOAD)
                    if hdr is not None:
                        pid = struct.unpack_from("!I", hdr)[0]
                        if pkt is None:
                            self.verdict(pid, NF_ACCEPT)
                        else:
                            self.packet(pid, bytes(pkt))
                elif kind == NLMSG_ERROR:
                    err = struct.unpack_from("=i", buf, off + 16)[0]
                    if err != 0:
                        sys.exit("nfq_fault: the kernel refused a request: %s" % os.strerror(-err))
                off += (n + 3) & ~3

    def release(self, now):
        keep = []
        for t, pid in self.held:
            if t <= now:
                self.verdict(pid, NF_ACCEPT)
            else:
                keep.append((t, pid))
        self.held = keep
        keep = []
        for t, pkt in self.dups:
            if t <= now:
                try:
                    self.raw.sendto(pkt, (socket.inet_ntoa(pkt[16:20]), 0))
                except OSError:
                    pass
            else:
                keep.append((t, pkt))
        self.dups = keep

    def next_deadline(self):
        ts = [t for t, _ in self.held] + [t for t, _ in self.dups]
        return min(ts) if ts else None

    def run(self, stop):
        while not stop():
            d = self.next_deadline()
            tmo = 0.2 if d is None else max(0.0, d - time.monotonic())
            select.select([self.nl], [], [], tmo)
            self.receive()
            self.release(time.monotonic())
            self.flush()
        self.release(float("inf"))
        self.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--queue", type=int, default=0)
    p.add_argument("--drop", type=float, default=0.0)
    p.add_argument("--dup", type=float, default=0.0)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--delay-ms", default="1,4")
    p.add_argument("--corrupt", type=float, default=0.0)
    p.add_argument("--corrupt-from", type=int, default=0)
    p.add_argument("--fix-csum", action="store_true")
    p.add_argument("--only-type", type=lambda s: int(s, 16), default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stats", required=True)
    p.add_argument("--ready")
    a = p.parse_args()

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    f = Fault(a)
    if a.ready:
        open(a.ready, "w").close()
    f.run(lambda: bool(stopping))
    with open(a.stats + ".new", "w") as out:
        for k, v in f.st.items():
            out.write("%s %d\n" % (k, v))
    os.rename(a.stats + ".new", a.stats)


if __name__ == "__main__":
    main()
