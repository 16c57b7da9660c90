#!/usr/bin/python3
"""Bad and heavy clients against a vxtap control socket, for test_ctl_bad_clients.sh.

    ctl_clients.py SOCKET CASE

Each case prints what it saw and exits 0 when the daemon answered as the
protocol says (man/vxtapctl.8), 1 otherwise. Every wait is bounded.
"""
import random
import select
import socket
import sys
import time

TIMEOUT = 10.0
LINE_MAX = 4096


def connect(path):
    deadline = time.monotonic() + TIMEOUT
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            # The listen backlog is full: the daemon is busy accepting.
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def read_until_status(s, buf=b""):
    """Read one reply: (body lines, status line, rest of the buffer)."""
    body = []
    deadline = time.monotonic() + TIMEOUT
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode("utf-8", "replace")
            if text == "ok" or text.startswith("error:"):
                return body, text, buf
            body.append(text)
        if time.monotonic() > deadline:
            raise TimeoutError("no status line within %.0f s" % TIMEOUT)
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("connection closed before a status line; body %r" % body[-3:])
        buf += chunk


def request(path, line):
    with connect(path) as s:
        s.sendall(line.encode() + b"\n")
        body, status, _ = read_until_status(s)
        return body, status


def read_to_eof(s):
    data = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    else:
        raise TimeoutError("the daemon kept the connection open")
    return data


def expect(cond, what):
    if not cond:
        print("FAILED: " + what)
        sys.exit(1)
    print("ok: " + what)


def case_unknown(path):
    with connect(path) as s:
        buf = b""
        for line, want in [
            (b"frobnicate", "error: unknown command \"frobnicate\""),
            (b"peer add", "error: usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
            (b"fdb add zz dst 192.168.56.42", "error: \"zz\" is not a MAC address"),
            (b"peer del 1.2.3", "error: \"1.2.3\" is not ADDR[:PORT]"),
            (b"stats --xml", "error: unknown option \"--xml\"; usage: stats [--json | --prometheus]"),
            (b"\x01\x02\x03", "error: control byte 0x01 in the request"),
            (b"peer show extra words here", "error: usage: peer show [--json]"),
            (b" ".join([b"w"] * 33), "error: too many words"),
            (b"\xff\xfe\xfd", None),
            (b"stats", "ok"),
        ]:
            s.sendall(line + b"\n")
            _, status, buf = read_until_status(s, buf)
            if want is not None:
                expect(status == want, "%r -> %r" % (line, status))
            else:
                expect(status.startswith("error: "), "%r -> an error" % line)


def case_long_line(path):
    with connect(path) as s:
        try:
            s.sendall(b"x" * 100000 + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon may close before reading it all
        data = read_to_eof(s)
    expect(data == b"error: line too long\n", "100 KB line -> %r, then closed" % data[:60])
    # Exactly at the limit: 4095 bytes and the newline are one request.
    line = b"stats" + b" " * (LINE_MAX - 6)
    with connect(path) as s:
        s.sendall(line + b"\n")
        _, status, _ = read_until_status(s)
    expect(status == "ok", "a %d-byte line is accepted" % (len(line) + 1))
    with connect(path) as s:
        s.sendall(line + b" \n")
        data = read_to_eof(s)
    expect(data == b"error: line too long\n", "a %d-byte line is refused" % (len(line) + 2))


def case_garbage(path):
    rnd = random.Random(7348)
    for _ in range(20):
        with connect(path) as s:
            blob = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 20000)))
            try:
                s.sendall(blob)
                s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass
            data = read_to_eof(s)
            lines = data.split(b"\n")[:-1]
            expect(all(l == b"ok" or l.startswith(b"error: ") for l in lines),
                   "garbage of %d bytes: %d status lines, nothing else" % (len(blob), len(lines)))


def case_mid_line(path):
    # The request is never finished: it must not run.
    for partial in [b"peer del 192.168.56.42", b"fdb flush", b"peer del 192.168.56.4"]:
        with connect(path) as s:
            s.sendall(partial)
        with connect(path) as s:
            s.sendall(b"peer add 192.168.56.77\n")
            s.shutdown(socket.SHUT_WR)
            data = read_to_eof(s)
    body, status = request(path, "peer show")
    expect(status == "ok" and any(l.startswith("192.168.56.42:") for l in body),
           "peer 192.168.56.42 survived a 'peer del' cut off mid-line")
    # A half-sent line, then the client goes away without a word.
    s = connect(path)
    s.sendall(b"stats --js")
    s.close()
    body, status = request(path, "peer del 192.168.56.77")
    expect(status == "ok", "the daemon still answers after clients left mid-line")


def case_many(path):
    clients = [connect(path) for _ in range(100)]
    for s in clients:
        try:
            s.sendall(b"stats\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
    ok = busy = other = 0
    for s in clients:
        try:
            _, status, _ = read_until_status(s)
        except (EOFError, ConnectionResetError):
            status = "closed"
        if status == "ok":
            ok += 1
        elif status == "error: too many clients":
            busy += 1
        else:
            other += 1
    # Close only now: a client that left early would free a slot for another.
    for s in clients:
        s.close()
    print("100 clients at once: %d answered, %d told too many, %d other" % (ok, busy, other))
    expect(other == 0 and ok + busy == 100, "every client got an answer")
    expect(1 <= ok <= 64, "at most 64 served at once")
    expect(busy >= 36, "the rest were turned away")
    # Once the daemon has seen them go, there is room again (it may take
    # the new connection before it reads the others' closes: poll, bounded).
    for _ in range(100):
        _, status = request(path, "stats")
        if status == "ok":
            break
        time.sleep(0.02)
    expect(status == "ok", "served again after the crowd left")


def case_pipeline(path):
    n = 2000
    with connect(path) as s:
        s.sendall(b"peer show\n" * n)
        s.shutdown(socket.SHUT_WR)
        data = read_to_eof(s)
    got = data.split(b"\n").count(b"ok")
    expect(got == n, "%d pipelined requests, %d replies" % (n, got))


def case_no_reader(path):
    # A client that asks and never reads: the daemon stops reading from it
    # (its replies wait) and keeps serving everyone else.
    slow = connect(path)
    slow.setblocking(False)
    sent = 0
    deadline = time.monotonic() + TIMEOUT
    req = b"fdb show\nstats\npeer show --json\n" * 100
    while time.monotonic() < deadline:
        try:
            sent += slow.send(req)
        except BlockingIOError:
            _, w, _ = select.select([], [slow], [], 0.5)
            if not w:
                break  # the daemon no longer reads from it
    print("the non-reading client sent %d bytes before the daemon stopped reading" % sent)
    t = time.monotonic()
    _, status = request(path, "stats")
    expect(status == "ok" and time.monotonic() - t < 2, "another client is served at once")
    slow.close()
    _, status = request(path, "stats")
    expect(status == "ok", "served after the non-reading client left")


def case_idle(path):
    idle = [connect(path) for _ in range(10)]
    _, status = request(path, "stats")
    expect(status == "ok", "served while 10 clients sit idle")
    for s in idle:
        s.close()


CASES = {
    "unknown": case_unknown,
    "long_line": case_long_line,
    "garbage": case_garbage,
    "mid_line": case_mid_line,
    "many": case_many,
    "pipeline": case_pipeline,
    "no_reader": case_no_reader,
    "idle": case_idle,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print("usage: ctl_clients.py SOCKET {%s}" % "|".join(CASES), file=sys.stderr)
        sys.exit(2)
    try:
        CASES[sys.argv[2]](sys.argv[1])
    except (OSError, EOFError, TimeoutError) as e:
        print("FAILED: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
