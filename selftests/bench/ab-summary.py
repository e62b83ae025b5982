#!/usr/bin/env python3
"""Summary of scripts/bench-cgroup-ab.sh: cgroup-bench output of base.N.txt
and new.N.txt in a directory, one pair per N.  For each cell (cycle, path,
batch, threads): instances/s per boot, queue/base per pair, the median of
those ratios, and queue total / base total."""
import glob
import os
import re
import statistics
import sys

ROW = re.compile(r"^(provision|instance)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s")


def load(path):
    cells = {}
    with open(path) as f:
        for line in f:
            m = ROW.match(line)
            if m:
                cells[m.group(1, 2, 3, 4)] = int(m.group(5))
    return cells


def main(res):
    pairs = []
    runs = [os.path.basename(p).split(".")[1]
            for p in glob.glob(os.path.join(res, "base.*.txt"))]
    for i in sorted(runs, key=int):
        b = os.path.join(res, f"base.{i}.txt")
        n = os.path.join(res, f"new.{i}.txt")
        if os.path.exists(n):
            pairs.append((load(b), load(n)))
    if not pairs:
        sys.exit(f"{res}: no pair of base.N.txt and new.N.txt")
    print(f"{len(pairs)} pairs; instances/s per boot (base | queue), "
          "queue/base per pair, their median, queue total/base total")
    for cell in pairs[0][0]:
        b = [p[0].get(cell) for p in pairs]
        n = [p[1].get(cell) for p in pairs]
        if None in b or None in n or 0 in b:
            continue
        ratios = [y / x for x, y in zip(b, n)]
        print(f"{' '.join(cell):28} base {' '.join(map(str, b))} | "
              f"queue {' '.join(map(str, n))}")
        print(f"{'':28} ratios {' '.join(f'{r:.3f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.3f}; "
              f"totals {sum(n) / sum(b):.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
