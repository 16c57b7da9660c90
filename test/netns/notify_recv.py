#!/usr/bin/python3
"""Stand in for a service manager's notify socket: bind a datagram unix
socket, and for every datagram write one line to the log: the message with
newlines shown as '|', and, for a READY=1, whether the device was in the
namespace at that moment ("tap=yes"/"tap=no", from `ip -n NS link show DEV`).

usage: notify_recv.py SOCKET LOG NETNS DEV
Writes "listening" to the log once bound; ends on SIGTERM or after 300 s.
"""
import os
import socket
import subprocess
import sys
import time

path, log, netns, dev = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(1.0)
deadline = time.monotonic() + 300
with open(log, "a", buffering=1) as out:
    out.write("listening\n")
    while time.monotonic() < deadline:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        msg = data.decode("utf-8", "replace")
        line = msg.replace("\n", "|")
        if "READY=1" in msg.split("\n"):
            rc = subprocess.run(["ip", "-n", netns, "link", "show", dev],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            line += " tap=" + ("yes" if rc == 0 else "no")
        out.write(line + "\n")
os.unlink(path)
