#!/usr/bin/env bash
# Run the cgroup provisioning benchmark (selftests/bench/cgroup-bench.c) in
# the test kernel under virtme-ng and keep its output in
# build/results/bench-cgroup-<kernel>-<time>.txt.  DEBUG=0 uses the kernel
# without debug options (throughput figures); the default debug kernel has
# lock_stat, which adds cgroup_mutex acquisitions and hold time per
# instance.  BENCH_ARGS are passed on, e.g. BENCH_ARGS="-t 2 -C 1,16".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$(test_kernel_dir)
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel in $kdir: run 'make test-kernel'"
[ -x "$BUILD/tools/cgroup-bench" ] || "$TOP/scripts/build-selftests.sh"
tag=$(basename "$kdir")
out=$BUILD/results/bench-cgroup-$tag-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$BUILD/results"
log "benchmark in the guest ($tag); output: $out"
# The guest writes the figures into build/ (shared read-write with it:
# vng's own output is not a reliable channel when not on a terminal).
# lock_stat is read and reset by the benchmark itself.
"$TOP/scripts/vm.sh" sh -c "{ uname -r; nproc; $BUILD/tools/cgroup-bench ${BENCH_ARGS:-}; } >$out 2>&1" \
	>"$out.console" 2>&1 || true
cat "$out"
grep -q '^provision\|^instance' "$out" || die "the benchmark printed no figures (see $out)"
