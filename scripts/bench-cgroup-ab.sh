#!/usr/bin/env bash
# The classic cgroup workload of cgroup-bench (-k: mkdir, limit writes,
# clone3, rmdir; no batched path) on the unpatched base and on the queue,
# both without debug options, same config, one boot each, BENCH_PAIRS
# pairs in ABBA order (base, queue, queue, base, ...) so that a drift of
# the host's speed falls on both.  Prints each cell's instances/s per boot,
# the ratio queue/base per pair, its median, and the ratio of the totals.
# Output in build/results/bench-cgroup-ab-<time>/.  BENCH_ARGS go to
# cgroup-bench (default "-t 5 -C 16 -c instance"), -k is always added.
# With VM_ICOUNT=0 VM_CPUS=1 the figures are guest instructions.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ab_setup bench-cgroup-ab cgroup-bench
for i in $(seq 1 "${BENCH_PAIRS:-4}"); do
	for k in $(ab_order "$i"); do
		ab_boot "$k" "$i" "$BUILD/tools/cgroup-bench -k ${BENCH_ARGS:--t 5 -C 16 -c instance}" \
			'^provision\|^instance'
	done
done
python3 "$TOP/selftests/bench/ab-summary.py" "$AB_RES" | tee "$AB_RES/summary.txt"
