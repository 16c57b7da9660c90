#!/usr/bin/python3
"""Run a command under the system-call filter of systemd/vxtap@.service,
as systemd would apply it: SystemCallFilter=@system-service minus
@privileged and @resources, and RestrictAddressFamilies=AF_UNIX AF_INET
AF_INET6 AF_NETLINK. Stricter than the unit in one way: a call outside the
filter kills the process (SIGSYS) instead of failing with EPERM, so that a
test sees it. The process must already have no_new_privs (setpriv
--no-new-privs), as under NoNewPrivileges=yes.

usage: unit_exec.py COMMAND [ARG]...
"""
import os
import socket
import subprocess
import sys

import seccomp


def expand(group, seen=None):
    """The system calls of a systemd syscall group, nested groups expanded."""
    seen = set() if seen is None else seen
    out = subprocess.run(["systemd-analyze", "syscall-filter", group],
                         check=True, capture_output=True, text=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        w = line.strip()
        if not w or w.startswith("#"):
            continue
        if w.startswith("@"):
            if w not in seen:
                seen.add(w)
                calls |= expand(w, seen)
        else:
            calls.add(w)
    return calls


allowed = expand("@system-service") - expand("@privileged") - expand("@resources")
allowed.discard("socket")
f = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
for call in sorted(allowed):
    try:
        f.add_rule(seccomp.ALLOW, call)
    except (RuntimeError, ValueError, OSError):
        pass  # a name this architecture does not have
for fam in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK):
    f.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, fam))
f.load()
os.execvp(sys.argv[1], sys.argv[1:])
