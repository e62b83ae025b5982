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

base=$BUILD/out/base-nodebug
new=$BUILD/out/test-nodebug
[ -f "$new/arch/x86/boot/bzImage" ] || DEBUG=0 "$TOP/scripts/build-test-kernel.sh"
[ -f "$base/arch/x86/boot/bzImage" ] || "$TOP/scripts/build-base-kernel.sh"
[ -x "$BUILD/tools/cgroup-bench" ] || "$TOP/scripts/build-selftests.sh"
res=$BUILD/results/bench-cgroup-ab-$(date +%Y%m%d-%H%M%S)
mkdir -p "$res"
for i in $(seq 1 "${BENCH_PAIRS:-4}"); do
	order="base new"
	[ $((i % 2)) = 0 ] && order="new base"
	for k in $order; do
		dir=$base
		[ "$k" = new ] && dir=$new
		log "cgroup-bench -k, pair $i, $k kernel ($dir)"
		"$TOP/scripts/run-vm.sh" "$dir" "$res" -- sh -c \
			"$BUILD/tools/cgroup-bench -k ${BENCH_ARGS:--t 5 -C 16 -c instance} >$res/$k.$i.txt 2>&1" \
			>"$res/$k.$i.console" 2>&1
		grep -q '^provision\|^instance' "$res/$k.$i.txt" 2>/dev/null ||
			die "cgroup-bench printed no figures on the $k kernel (see $res/$k.$i.console)"
	done
done
python3 "$TOP/selftests/bench/ab-summary.py" "$res" | tee "$res/summary.txt"
