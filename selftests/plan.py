#!/usr/bin/env python3
"""Write the test plan guest-run.sh executes.

One line per program: ID, timeout (s), directory, command.  Programs come
from a kselftest install (kselftest-list.txt; timeouts from each
collection's `settings`, default 45 s as in kselftest's runner), from
selftests/bpf (test_verifier) and from this repository's end-to-end
tests (selftests/e2e/*.sh, given --e2e and --tools).  Timeouts are multiplied by --factor (the
debug kernel under TCG is 20-30x slower than hardware).  Programs that
selftests/expectations.txt marks `norun` are left out and written, with
their reasons, to PLAN.norun so that the verdict reports them as skipped;
so are the programs selftests/topics.txt ties to a topic that --series
(the queue's series file) does not name.  The programs of the plan that
selftests/beside.txt names are also written to PLAN.beside: guest-run.sh
runs them in the background.
"""
import argparse
import fnmatch
import os
import sys

from judge import Expectations

DEFAULT_TIMEOUT = 45


def collection_timeout(kst, collection):
    try:
        with open(os.path.join(kst, collection, "settings")) as f:
            for line in f:
                if line.startswith("timeout="):
                    return int(line.split("=", 1)[1])
    except FileNotFoundError:
        pass
    return DEFAULT_TIMEOUT


def data_lines(path):
    """(number, text) of each line of path without its '#' comment, blank
    lines left out; nothing if path does not exist."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if line:
                yield n, line


def read_timeouts(path):
    """timeouts.txt: "TEST SECONDS -- reason" lines override a program's
    timeout (before --factor), for programs whose collection's default is
    too short for them on the debug kernel under TCG."""
    out = {}
    for n, line in data_lines(path):
        head, sep, reason = line.partition(" -- ")
        parts = head.split()
        if len(parts) != 2 or not parts[1].isdigit() or not reason.strip():
            sys.exit(f"{path}:{n}: expected 'TEST SECONDS -- reason'")
        out[parts[0]] = int(parts[1])
    return out


def read_beside(path):
    """beside.txt: "TEST -- reason" lines name the programs guest-run.sh
    runs in the background, beside the programs after them."""
    out = set()
    for n, line in data_lines(path):
        head, sep, reason = line.partition(" -- ")
        if len(head.split()) != 1 or not reason.strip():
            sys.exit(f"{path}:{n}: expected 'TEST -- reason'")
        out.add(head.strip())
    return out


def read_topics(path):
    """topics.txt: "TEST-GLOB TOPIC" lines."""
    out = []
    for n, line in data_lines(path):
        parts = line.split()
        if len(parts) != 2:
            sys.exit(f"{path}:{n}: expected 'TEST-GLOB TOPIC'")
        out.append((parts[0], parts[1]))
    return out


def read_series(path):
    """The topics of a series file: each line's first word."""
    return {line.split()[0] for _, line in data_lines(path)}


def programs(args):
    if args.kselftest and os.path.exists(os.path.join(args.kselftest, "kselftest-list.txt")):
        with open(os.path.join(args.kselftest, "kselftest-list.txt")) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                coll, prog = line.split(":", 1)
                yield (f"{coll}:{prog}", collection_timeout(args.kselftest, coll),
                       os.path.join(args.kselftest, coll), f"./{prog}")
    # test_progs built with the series' tests only (selftests/bpf-mini);
    # before test_verifier, which runs beside what follows it (beside.txt):
    # both load and unload bpf_testmod.ko
    if args.bpf and os.path.exists(os.path.join(args.bpf, "test_progs")):
        yield ("bpf:test_progs", 300, args.bpf, "./test_progs")
    if args.bpf and os.path.exists(os.path.join(args.bpf, "test_verifier")):
        yield ("bpf:test_verifier", 300, args.bpf, "./test_verifier")
    # End-to-end tests of this repository's user-space pieces (selftests/e2e):
    # each script gets the directory of the built tools as its argument.
    if args.e2e and args.tools:
        for name in sorted(os.listdir(args.e2e)):
            if name.endswith(".sh"):
                yield (f"e2e:{name}", 120, args.e2e, f"./{name} {args.tools}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kselftest", help="kselftest install directory")
    ap.add_argument("--bpf", help="directory holding the selftests/bpf runners")
    ap.add_argument("--e2e", help="directory of end-to-end test scripts")
    ap.add_argument("--tools", help="directory of the built user-space tools the e2e tests use")
    ap.add_argument("--expectations", default=os.path.join(os.path.dirname(__file__), "expectations.txt"))
    ap.add_argument("--series", help="the queue's series file: tests of topics it lacks are not run")
    ap.add_argument("--topics", default=os.path.join(os.path.dirname(__file__), "topics.txt"))
    ap.add_argument("--factor", type=float, default=1.0, help="timeout multiplier")
    ap.add_argument("--only", default="", help="run only the programs matching these globs (space separated)")
    ap.add_argument("plan")
    a = ap.parse_args()
    exp = Expectations(a.expectations)
    timeouts = read_timeouts(os.path.join(os.path.dirname(__file__), "timeouts.txt"))
    beside = read_beside(os.path.join(os.path.dirname(__file__), "beside.txt"))
    only = a.only.split()
    topics = read_topics(a.topics)
    series = read_series(a.series) if a.series else None
    n = 0
    with open(a.plan, "w") as plan, open(a.plan + ".norun", "w") as norun, \
            open(a.plan + ".beside", "w") as bg:
        for tid, tmo, wd, cmd in programs(a):
            if only and not any(fnmatch.fnmatchcase(tid, g) for g in only):
                continue
            missing = [t for g, t in topics if fnmatch.fnmatchcase(tid, g)
                       and series is not None and t not in series]
            if missing:
                top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
                why = (f"needs topic {missing[0]}, which "
                       f"{os.path.relpath(a.series, top)} does not name")
                norun.write(f"{tid}\t{why}\n")
                print(f"# not run: {tid} -- {why}", file=sys.stderr)
                continue
            rule = exp.lookup(tid)
            if rule and rule[0] == "norun":
                norun.write(f"{tid}\t{rule[1]}\n")
                print(f"# not run: {tid} -- {rule[1]}", file=sys.stderr)
                continue
            tmo = timeouts.get(tid, tmo)
            plan.write(f"{tid}\t{int(tmo * a.factor)}\t{wd}\t{cmd}\n")
            if tid in beside:
                bg.write(f"{tid}\n")
            n += 1
    if n == 0:
        sys.exit("plan.py: no test to run (check --only and the selftest build)")
    print(f"# plan: {n} programs", file=sys.stderr)


if __name__ == "__main__":
    main()
