#!/usr/bin/python3
"""Misbehaving HTTP clients against vxtap's --metrics endpoint.

usage: http_abuse.py stall HOST PORT N SECS
         open N connections, send nothing, and hold them up to SECS seconds;
         print how many the server closed and when the last one went.
       http_abuse.py flood HOST PORT SECS
         for SECS seconds, connect and send random bytes (newlines included,
         so some of it parses as request lines) as fast as the server takes
         them; print connections made and how many the server ended.
"""
import os
import selectors
import socket
import sys
import time


def stall(host, port, n, secs):
    start = time.monotonic()
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed, last = 0, 0.0
    while closed < n and time.monotonic() - start < secs:
        for key, _ in sel.select(timeout=0.2):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                closed += 1
                last = time.monotonic() - start
    print(f"stall opened {n} closed {closed} last_close {last:.1f}s", flush=True)


def flood(host, port, secs):
    end = time.monotonic() + secs
    made = ended = 0
    rnd = os.urandom(65536)
    while time.monotonic() < end:
        try:
            s = socket.create_connection((host, port), timeout=2)
        except OSError:
            time.sleep(0.01)
            continue
        made += 1
        try:
            off = 0
            while time.monotonic() < end:
                s.sendall(rnd[off:off + 4096] + b"\r\n")
                off = (off + 4096) % 61440
        except OSError:
            ended += 1
        s.close()
    print(f"flood connections {made} ended_by_server {ended}", flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "stall":
        stall(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    elif mode == "flood":
        flood(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit("unknown mode " + mode)
