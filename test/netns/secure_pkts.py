#!/usr/bin/python3
"""Sealed datagrams for the secure-mode tests (test_secure_*).

  scan PCAP [--pattern NAME=HEX]...
      Every UDP datagram in a capture (tcpdump -w): how many, which message
      types (first byte) on the VXLAN port, which break the framing of
      include/crypto.h, and how often each pattern occurs in the raw file and
      in the UDP payloads. Prints "key value..." lines.

  resend PCAP --src A --dst B [--to C] [--type a4] [--min-len N] [--max-len N]
         [--max N] [--flip OFF[:MASK]]... [--gap S]
      Pick the datagrams A sent to B (first byte --type, payload length
      within bounds) from the capture and send them again to B's port (or
      C's) from a socket bound to A (port 0): each one unchanged (up to
      --max), or, with --flip, one per flip spec, the Nth spec applied to the
      Nth datagram (cycling): byte OFF (negative: from the end) XORed with
      MASK (0x01). Prints "sent N".

  flood --src A --dst B --pub KEY [--count N] [--valid-every K]
      Send N handshake inits (random bytes in the wire-version-2 framing)
      to B's port from a socket bound to A, as fast as one process can:
      every Kth (default 2) with a mac1 valid for the responder's public key
      KEY (base64), so it passes the responder's first check, the others
      with a random one. Prints "sent N valid V seconds S".

A plain pcap reader (Ethernet, Linux cooked v1 and v2; micro- or nanosecond
timestamps), so no scapy is needed."""
import argparse
import base64
import errno
import hashlib
import os
import socket
import struct
import sys
import time


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit(f"{path}: not a pcap file (magic {magic.hex()})")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    n = 0
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off : off + 16])
        off += 16
        n += 1
        yield n, linktype, data[off : off + incl]
        off += incl


def udp_of(linktype, fr):
    """(src, dst, sport, dport, payload) of an IPv4 UDP frame, else None."""
    if linktype == 1:  # Ethernet
        if len(fr) < 14:
            return None
        etype, l3 = struct.unpack("!H", fr[12:14])[0], fr[14:]
        if etype == 0x8100 and len(fr) >= 18:
            etype, l3 = struct.unpack("!H", fr[16:18])[0], fr[18:]
    elif linktype == 113:  # Linux cooked v1
        etype, l3 = struct.unpack("!H", fr[14:16])[0], fr[16:]
    elif linktype == 276:  # Linux cooked v2
        etype, l3 = struct.unpack("!H", fr[0:2])[0], fr[20:]
    else:
        sys.exit(f"unsupported link type {linktype}")
    if etype != 0x0800 or len(l3) < 20 or l3[0] >> 4 != 4 or l3[9] != 17:
        return None
    if struct.unpack("!H", l3[6:8])[0] & 0x1FFF:
        return None  # a non-first fragment
    ihl = (l3[0] & 0x0F) * 4
    udp = l3[ihl:]
    if len(udp) < 8:
        return None
    sport, dport, ulen = struct.unpack("!HHH", udp[:6])
    return (socket.inet_ntoa(l3[12:16]), socket.inet_ntoa(l3[16:20]), sport, dport,
            udp[8:max(ulen, 8)])


def pattern(s):
    name, _, hexs = s.partition("=")
    try:
        b = bytes.fromhex(hexs)
    except ValueError:
        b = b""
    if not name or not b:
        raise argparse.ArgumentTypeError(f"not NAME=HEX: {s}")
    return name, b


def scan(a):
    raw = open(a.pcap, "rb").read()
    udp = other_port = 0
    types = {}
    bad = []
    big = 0
    hits = {name: 0 for name, _ in a.pattern}
    for n, lt, fr in frames(a.pcap):
        u = udp_of(lt, fr)
        if u is None:
            continue
        udp += 1
        src, dst, sport, dport, pl = u
        for name, b in a.pattern:
            hits[name] += pl.count(b)
        if a.port not in (sport, dport):
            other_port += 1
            continue
        t = pl[0] if pl else -1
        types[t] = types.get(t, 0) + 1
        if len(pl) > 1472:
            big += 1
        why = None
        if t not in (0xA1, 0xA2, 0xA3, 0xA4):
            why = "type"
        elif pl[1:4] != b"\2\0\0":
            why = "not wire version 2 with bytes 2-3 zero"
        elif t == 0xA1 and len(pl) != INIT_LEN:
            why = "init length"
        elif t == 0xA2 and len(pl) != 93:
            why = "response length"
        elif t == 0xA3 and len(pl) != 64:
            why = "cookie reply length"
        elif t == 0xA4 and len(pl) < 32:
            why = "data shorter than 32"
        if why:
            bad.append(f"frame{n}:{src}->{dst}:{why}:len{len(pl)}:{pl[:8].hex()}")
    print("udp", udp)
    print("udp_other_port", other_port)
    for t in sorted(types):
        print("type", "%02x" % t if t >= 0 else "empty", types[t])
    print("bad", len(bad), " ".join(bad[:5]))
    print("big", big)
    for name, b in a.pattern:
        print("hit", name, "file", raw.count(b), "payload", hits[name])


def resend(a):
    want = int(a.type, 16)
    picks = []
    for _, lt, fr in frames(a.pcap):
        u = udp_of(lt, fr)
        if u is None:
            continue
        src, dst, _, dport, pl = u
        if (src == a.src and dst == a.dst and dport == a.port and pl and pl[0] == want and
                a.min_len <= len(pl) <= a.max_len):
            picks.append(pl)
    if not picks:
        sys.exit(f"no datagram {a.src} -> {a.dst}:{a.port} of type {a.type} "
                 f"and {a.min_len}-{a.max_len} bytes in {a.pcap}")
    out = []
    if a.flip:
        for i, spec in enumerate(a.flip):
            off, _, mask = spec.partition(":")
            off, mask = int(off, 0), int(mask or "1", 0)
            d = bytearray(picks[i % len(picks)])
            d[off] ^= mask
            out.append(bytes(d))
    else:
        out = picks[: a.max] if a.max > 0 else picks
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.bind or a.src, 0))
    for d in out:
        s.sendto(d, (a.to or a.dst, a.port))
        if a.gap > 0:
            time.sleep(a.gap)
    print("sent", len(out))


INIT_LEN = 149
MAC1_AT = 117  # mac1 covers the bytes before it (include/crypto.h)


def mac1_key(pub):
    """HASH32("vxtap mac1 v2" | the responder's static public key)."""
    return hashlib.blake2b(b"vxtap mac1 v2" + pub, digest_size=32).digest()


def flood(a):
    pub = base64.b64decode(a.pub)
    if len(pub) != 32:
        sys.exit("--pub: not a 32-byte key in base64")
    key = mac1_key(pub)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    s.bind((a.src, 0))
    dst = (a.dst, a.port)
    valid = 0
    t0 = time.monotonic()
    for i in range(a.count):
        m = bytearray(b"\xa1\x02\x00\x00" + os.urandom(INIT_LEN - 4))
        if a.valid_every > 0 and i % a.valid_every == 0:
            m[MAC1_AT:MAC1_AT + 16] = hashlib.blake2b(bytes(m[:MAC1_AT]), key=key,
                                                      digest_size=16).digest()
            m[MAC1_AT + 16:] = bytes(16)
            valid += 1
        while True:
            try:
                s.sendto(m, dst)
                break
            except BlockingIOError:
                continue
            except OSError as e:  # ENOBUFS: the queue is full, try again
                if e.errno != errno.ENOBUFS:
                    raise
    print("sent", a.count, "valid", valid, "seconds", "%.3f" % (time.monotonic() - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sc = sub.add_parser("scan")
    sc.add_argument("pcap")
    sc.add_argument("--port", type=int, default=8472)
    sc.add_argument("--pattern", type=pattern, action="append", default=[])
    rs = sub.add_parser("resend")
    rs.add_argument("pcap")
    rs.add_argument("--src", required=True)
    rs.add_argument("--dst", required=True)
    rs.add_argument("--bind", help="address to send from (default --src)")
    rs.add_argument("--port", type=int, default=8472)
    rs.add_argument("--type", default="a4")
    rs.add_argument("--min-len", type=int, default=0)
    rs.add_argument("--max-len", type=int, default=1472)
    rs.add_argument("--max", type=int, default=0)
    rs.add_argument("--flip", action="append", default=[])
    rs.add_argument("--gap", type=float, default=0.002)
    rs.add_argument("--to", help="address to send to (default --dst)")
    fl = sub.add_parser("flood")
    fl.add_argument("--src", required=True)
    fl.add_argument("--dst", required=True)
    fl.add_argument("--port", type=int, default=8472)
    fl.add_argument("--pub", required=True)
    fl.add_argument("--count", type=int, default=100000)
    fl.add_argument("--valid-every", type=int, default=2)
    a = ap.parse_args()
    {"scan": scan, "resend": resend, "flood": flood}[a.cmd](a)


if __name__ == "__main__":
    main()
