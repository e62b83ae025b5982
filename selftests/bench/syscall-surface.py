#!/usr/bin/env python3
"""Syscalls real programs use, split into phases at a trigger syscall.

Runs each program under strace -f, splits its trace at the first call of
the trigger (e.g. the first accept of an HTTP server), and prints how many
distinct syscalls each phase makes, against what the shipped whitelist tiers
allow.  The attack-surface reduction of a phased whitelist is the share of
the init phase's syscalls that the serve phase no longer needs.

    selftests/bench/syscall-surface.py [--tiers N]

Needs strace, busybox and python3; the HTTP servers listen on 127.0.0.1.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CALL = re.compile(r"^(?:\[pid\s+\d+\]\s+)?(?:\d+\s+)?([a-z_0-9]+)\(")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def trace(cmd, client=None, settle=1.0):
    """Run cmd under strace; if client is given, call it once the server
    is up, then stop the server.  Returns the syscall names in order."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "trace")
        p = subprocess.Popen(["strace", "-f", "-qq", "-o", out] + cmd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            if client:
                time.sleep(settle)
                client()
                time.sleep(0.3)
                os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=60)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        names = []
        with open(out) as f:
            for line in f:
                m = CALL.match(line)
                if m:
                    names.append(m.group(1))
        return names


def split(names, triggers):
    for i, n in enumerate(names):
        if n in triggers:
            return set(names[: i + 1]), set(names[i + 1:])
    return set(names), set()


def fetch_twice(port):
    def client():
        for _ in range(2):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as r:
                r.read()
    return client


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiers", type=int, default=217,
                    help="syscalls the four shipped tiers allow (seccomp-whitelist check)")
    a = ap.parse_args()
    for tool in ("strace", "busybox"):
        if not shutil.which(tool):
            sys.exit(f"syscall-surface: needs {tool}")

    www = tempfile.mkdtemp()
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<h1>hello</h1>\n" * 100)

    rows = []
    port = free_port()
    rows.append(("busybox httpd (static files)",
                 trace(["busybox", "httpd", "-f", "-p", f"127.0.0.1:{port}", "-h", www],
                       fetch_twice(port)), {"accept", "accept4"}))
    port = free_port()
    rows.append(("python3 -m http.server",
                 trace([sys.executable, "-m", "http.server", "-b", "127.0.0.1", "-d", www, str(port)],
                       fetch_twice(port), settle=2.0), {"accept", "accept4"}))
    rows.append(("python3 -c (compute, print)",
                 trace([sys.executable, "-c", "print(sum(i * i for i in range(100000)))"]), set()))
    rows.append(("busybox sh -c (loop, pipe)",
                 trace(["busybox", "sh", "-c", "for i in 1 2 3; do echo $i; done | busybox wc -l"]), set()))
    shutil.rmtree(www)

    print(f"{'program':32} {'init':>5} {'serve':>6} {'serve/init':>11} {'init vs tiers':>14}")
    for name, names, trig in rows:
        init, serve = split(names, trig)
        if trig:
            ratio = f"{100 * (1 - len(serve) / len(init)):.0f}% fewer"
            print(f"{name:32} {len(init):5} {len(serve):6} {ratio:>11} {100 * (1 - len(init) / a.tiers):13.0f}%")
        else:
            print(f"{name:32} {len(init):5} {'-':>6} {'-':>11} {100 * (1 - len(init) / a.tiers):13.0f}%")
        if trig:
            print(f"  serve phase: {' '.join(sorted(serve))}")
    print(f"(init vs tiers: share of the {a.tiers} syscalls the four shipped tiers allow that the "
          "program never makes in its init phase)")


if __name__ == "__main__":
    main()
