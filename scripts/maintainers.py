#!/usr/bin/env python3
"""Keep the repository's MAINTAINERS true to the queue and the tree.

  maintainers.py [--write] [MAINTAINERS]

Each section that carries a "# topics: T1 T2" line owns the kernel files
that the patches of those topics touch: its "# kernel:" F: lines must be
exactly that set (one file per line, sorted), generated from the
"diff --git" lines of $QUEUE/<topic>/*.patch (kernel-patches-7.3).  Every file git
tracks in the repository (the patches themselves aside) must match an F:
pattern of some section that is not "# kernel:".  Without --write, prints
each difference and exits 1 if there is one (make lint); with --write,
rewrites the "# kernel:" blocks.  Upstream maintainers of those files come
from scripts/get_maintainer.pl in the tree, not from here.
"""
import fnmatch
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUEUE = os.environ.get("QUEUE", os.path.join(TOP, "kernel-patches-7.3"))


def touched(topic):
    files = set()
    d = os.path.join(QUEUE, topic)
    if not os.path.isdir(d):
        raise SystemExit(f"MAINTAINERS: topic {topic} has no directory {d}")
    for name in sorted(os.listdir(d)):
        if not re.match(r"\d{4}-.*\.patch$", name) or name.startswith("0000-"):
            continue
        with open(os.path.join(d, name), errors="replace") as f:
            for line in f:
                m = re.match(r"diff --git a/(\S+) b/(\S+)$", line)
                if m:
                    files.add(m.group(2))
    return files


def parse(lines):
    """Sections as (start, end) line ranges with their topics and F: lines."""
    sections, cur = [], None
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z0-9][A-Z0-9 ,:/()-]+$", line) and \
                i + 1 < len(lines) and re.match(r"^[A-Z]:\t", lines[i + 1]):
            cur = {"start": i, "topics": [], "kernel_at": None, "repo": [],
                   "kernel": []}
            sections.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"# topics:\s*(.*)$", line)
        if m:
            cur["topics"] = m.group(1).split()
        elif line.startswith("# kernel:"):
            cur["kernel_at"] = i
        elif line.startswith("F:\t"):
            (cur["kernel"] if cur["kernel_at"] is not None else cur["repo"]).append(
                (i, line[3:].strip()))
        cur["end"] = i
    return sections


def covered(path, patterns):
    for p in patterns:
        if p.endswith("/") and path.startswith(p):
            return True
        if fnmatch.fnmatchcase(path, p):
            return True
    return False


def main():
    args = [a for a in sys.argv[1:] if a != "--write"]
    write = "--write" in sys.argv[1:]
    path = args[0] if args else os.path.join(TOP, "MAINTAINERS")
    with open(path) as f:
        lines = f.read().split("\n")
    problems = []
    out = list(lines)
    # from the bottom up, so that rewriting keeps earlier line numbers
    for s in reversed(parse(lines)):
        if not s["topics"]:
            continue
        want = sorted(set().union(*(touched(t) for t in s["topics"])))
        have = [p for _, p in s["kernel"]]
        name = lines[s["start"]].strip()
        if s["kernel_at"] is None:
            problems.append(f"{name}: '# topics:' without a '# kernel:' block")
            continue
        for p in sorted(set(want) - set(have)):
            problems.append(f"{name}: the patches touch {p}, no F: line lists it")
        for p in sorted(set(have) - set(want)):
            problems.append(f"{name}: F: {p}, which no patch of {' '.join(s['topics'])} touches")
        if have != want and set(have) == set(want):
            problems.append(f"{name}: the kernel F: lines are not sorted")
        first = s["kernel_at"] + 1
        last = s["kernel"][-1][0] if s["kernel"] else s["kernel_at"]
        out[first:last + 1] = [f"F:\t{p}" for p in want]
    repo = [p for s in parse(lines) for _, p in s["repo"]]
    tracked = subprocess.run(["git", "-C", TOP, "ls-files"], capture_output=True,
                             text=True, check=True).stdout.split()
    for p in tracked:
        if re.match(r"kernel-patches(-[0-9.]+)?/[^/]+/\d{4}-.*\.patch$", p):
            continue
        if not covered(p, repo):
            problems.append(f"{p}: no section's F: lines cover it")
    if write:
        with open(path, "w") as f:
            f.write("\n".join(out))
        print(f"{path}: kernel files rewritten from the patches")
        return 0
    for p in problems:
        print(f"FAIL MAINTAINERS: {p}")
    print(f"MAINTAINERS: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
