#!/usr/bin/env bash
# No cost on the classic paths: selftests/bench/regress-bench.c (fork/exit,
# clone3 plain and into a mkdir-made cgroup, page faults with and without
# memcg charging, classic cgroup mkdir/writes/rmdir, a syscall under a classic
# seccomp filter: cached, linear, binary tree) on the unpatched base
# and on the queue, both without debug options, same config, one boot each,
# BENCH_PAIRS pairs in ABBA order (base, queue, queue, base, ...), then a
# table of the medians with the ratio queue/base.  Output in
# build/results/bench-regress-<time>/.  BENCH_ARGS go to regress-bench
# (default "-t 1 -r 5"; it runs without address-space randomisation, which
# moves fork's cost by a few per cent from run to run: -a keeps it).  Use
# VM_ICOUNT=0 VM_CPUS=1 to count guest instructions.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ab_setup bench-regress regress-bench
res=$AB_RES
for i in $(seq 1 "${BENCH_PAIRS:-1}"); do
	for k in $(ab_order "$i"); do
		ab_boot "$k" "$i" "$BUILD/tools/regress-bench ${BENCH_ARGS:--t 1 -r 5}" 'median_ns='
	done
done
python3 - "$res" <<'PY' | tee "$res/summary.txt"
import glob, os, re, statistics, sys
res = sys.argv[1]
def load(kind):
    cells, heads = {}, []
    for f in sorted(glob.glob(os.path.join(res, kind + ".*.txt"))):
        for line in open(f):
            if line.startswith("# regress-bench"):
                heads.append(line.split()[2])
            m = re.match(r"(\S+) median_ns=(\d+) min_ns=(\d+) max_ns=(\d+)", line)
            if m:
                cells.setdefault(m.group(1), []).append(
                    tuple(int(m.group(i)) for i in (2, 3, 4)))
    return cells, heads
b, bk = load("base")
n, nk = load("new")
print(f"base kernel {bk[0] if bk else '?'}, queue kernel {nk[0] if nk else '?'}; "
      "ns per operation: median over rounds (and over boots), "
      "[min-max] over all rounds")
print(f"{'cell':26} {'base':>22} {'queue':>22} {'queue/base':>10}")
for cell in b:
    if cell not in n:
        continue
    def fmt(v):
        med = statistics.median(x[0] for x in v)
        return med, f"{med:,.0f} [{min(x[1] for x in v):,}-{max(x[2] for x in v):,}]"
    bm, bs = fmt(b[cell])
    nm, ns = fmt(n[cell])
    print(f"{cell:26} {bs:>22} {ns:>22} {nm / bm:>10.3f}")
PY
