#!/usr/bin/env python3
"""Endpoints that are not etcd, for test_etcd_bad.sh: on ADDR:PORT1 an HTTP
server that answers every request with 200 and bytes that are not etcd's, on
ADDR:PORT2 a listener that accepts connections and never answers.
Usage: fake_endpoints.py ADDR PORT1 PORT2"""
import socket
import sys
import threading

addr, garbage_port, silent_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    return s


def garbage(s):
    body = b"<html>this is not etcd</html>\n"
    while True:
        c, _ = s.accept()
        try:
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                      + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        except OSError:
            pass
        c.close()


def silent(s):
    held = []
    while True:
        held.append(s.accept()[0])


g, q = listener(garbage_port), listener(silent_port)
threading.Thread(target=garbage, args=(g,), daemon=True).start()
silent(q)
