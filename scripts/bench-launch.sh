#!/usr/bin/env bash
# Cold starts of a function (selftests/bench/launch-bench.c): the bare
# fork + execve floor and its posix_spawn() variant (floor-spawn), process
# mode, process mode with the launcher's mounts copied (process-copy, as on
# kernels without OPEN_TREE_NAMESPACE), process mode as fnlaunchd runs it
# (threads, a warm pool of cgroups: process-pool), process mode the classic way
# (mkdir/rmdir and a classic filter), crun run, and crun start of containers
# created ahead (crun-start: only start, the wait and delete timed), at concurrency
# BENCH_CONC (default 1,4,16,64), on the queue and on the unpatched base,
# both without debug options, one boot each, BENCH_PAIRS pairs (default 1)
# in ABBA order.  The function is fn-probe hello (a static binary that
# writes a line and exits) in a bundle made in the guest.  BENCH_N
# instances per cell (default 200; crun and crun-start get BENCH_N_CRUN,
# default 40).
# Output in build/results/bench-launch-<time>/, with a summary table.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ab_setup bench-launch launch-bench
conc=${BENCH_CONC:-1,4,16,64}
n=${BENCH_N:-200}
ncrun=${BENCH_N_CRUN:-40}
t=$BUILD/tools
# the bundle, made in the guest's /tmp (the host's files are read-only there)
mk="b=/tmp/bench-fn; mkdir -p \$b/rootfs/bin \$b/rootfs/tmp \$b/rootfs/dev && cp $t/fn-probe \$b/rootfs/bin/ && : >\$b/rootfs/dev/null && sed 's|@ARGS@|\"/bin/fn-probe\", \"hello\"|' $TOP/selftests/bench/launch-bundle.json >\$b/config.json"
bench="$t/launch-bench -n $n -c $conc -m floor,floor-spawn,process,process-copy,process-pool,process-classic --profiles $t/seccomp-profiles \$b; $t/launch-bench -n $ncrun -c $conc -m crun,crun-start --profiles $t/seccomp-profiles \$b"
for i in $(seq 1 "${BENCH_PAIRS:-1}"); do
	for k in $(ab_order "$i"); do
		ab_boot "$k" "$i" "$mk && { $bench; }" ' per_s='
	done
done
python3 - "$AB_RES" <<'PY' | tee "$AB_RES/summary.txt"
import glob, os, re, statistics, sys
res = sys.argv[1]
rows = {}
for kind in ("new", "base"):
    for f in sorted(glob.glob(os.path.join(res, kind + ".*.txt"))):
        for line in open(f):
            m = re.match(r"(\S+) c=(\d+) n=\d+ per_s=(\S+) start_p50_us=(\d+) start_p99_us=(\d+) "
                         r"total_p50_us=(\d+) total_p99_us=(\d+) failed=(\d+)", line)
            if m:
                rows.setdefault((kind, m.group(1), int(m.group(2))), []).append(
                    [float(m.group(i)) for i in range(3, 9)])
print("median over boots; start = to the function's execve, total = to its exit and teardown (us)")
print(f"{'kernel':6} {'mode':16} {'c':>3} {'inst/s':>8} {'start p50':>9} {'p99':>7} "
      f"{'total p50':>9} {'p99':>7} {'failed':>6}")
for (kind, mode, c), v in sorted(rows.items(), key=lambda kv: (kv[0][0] != "new", kv[0][1], kv[0][2])):
    med = [statistics.median(x[i] for x in v) for i in range(6)]
    name = "queue" if kind == "new" else "base"
    print(f"{name:6} {mode:16} {c:3d} {med[0]:8.1f} {med[1]:9.0f} {med[2]:7.0f} "
          f"{med[3]:9.0f} {med[4]:7.0f} {med[5]:6.0f}")
def med(kind, mode, c, i):
    v = rows.get((kind, mode, c))
    return statistics.median(x[i] for x in v) if v else None
print()
print("ratios (same boot unless said)")
for c in sorted({k[2] for k in rows}):
    fl, pr, cr = med("new", "floor", c, 3), med("new", "process", c, 3), med("new", "crun", c, 3)
    fs, pp = med("new", "floor-spawn", c, 3), med("new", "process-pool", c, 3)
    cs = med("new", "crun-start", c, 3)
    tp, tb, tc = med("new", "process", c, 0), med("base", "process", c, 0), med("new", "crun", c, 0)
    p99 = med("new", "process", c, 4)
    out = [f"c={c}:"]
    if fl and pr:
        out.append(f"process/floor total p50 {pr / fl:.2f}x")
    if fl and pp:
        out.append(f"process-pool/floor {pp / fl:.2f}x")
    if fs and pr:
        out.append(f"process/floor-spawn {pr / fs:.2f}x")
    if pr and cr:
        out.append(f"crun/process total p50 {cr / pr:.1f}x")
    if pr and cs:
        out.append(f"crun-start/process total p50 {cs / pr:.1f}x")
    if tp and tc:
        out.append(f"process/crun inst/s {tp / tc:.1f}x")
    if tp and tb:
        out.append(f"queue/base process inst/s {tp / tb:.2f}x (two boots)")
    if p99 and pr:
        out.append(f"process p99/p50 {p99 / pr:.2f}")
    print("  ".join(out))
PY
