#!/usr/bin/env python3
"""Write lease changes into etcd at a fixed rate through its JSON gateway, for
test_etcd_storm.sh: RATE puts a second for SECONDS seconds over KEYS keys
under PREFIX/subnets/ (10.244.56.0/24 up, at most 200), each put a new PublicIP and
VtepMAC for its key. Four connections share the work. Prints what was done:
"puts N seconds S rate R last_revision REV".
Usage: etcd_storm.py URL PREFIX RATE SECONDS KEYS"""
import base64
import http.client
import json
import sys
import threading
import time
import urllib.parse

url, prefix, rate, seconds, keys = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
u = urllib.parse.urlparse(url)
total = int(rate * seconds)
WORKERS = 4
lock = threading.Lock()
state = {"done": 0, "rev": 0, "errors": 0}


def b64(s):
    return base64.b64encode(s.encode()).decode()


def value(n):
    ip = "192.168.%d.%d" % (57 + (n >> 8) % 100, n % 256)
    mac = "0a:58:%02x:%02x:%02x:%02x" % ((n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255)
    return json.dumps({"PublicIP": ip, "PublicIPv6": None, "BackendType": "vxlan",
                       "BackendData": {"VNI": 1, "VtepMAC": mac}}, separators=(",", ":"))


def worker(w, start):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    for n in range(w, total, WORKERS):
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        k = n % keys
        sn = "10.244.%d.0" % (56 + k)
        body = json.dumps({"key": b64("%s/subnets/%s-24" % (prefix, sn)), "value": b64(value(n + 1))})
        try:
            c.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
            r = json.loads(c.getresponse().read())
            rev = int(r["header"]["revision"])
            with lock:
                state["done"] += 1
                state["rev"] = max(state["rev"], rev)
        except Exception:
            with lock:
                state["errors"] += 1
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)


start = time.monotonic()
threads = [threading.Thread(target=worker, args=(w, start)) for w in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - start
print("puts %d seconds %.2f rate %.0f last_revision %d errors %d" %
      (state["done"], took, state["done"] / took, state["rev"], state["errors"]))
