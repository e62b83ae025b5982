#!/usr/bin/env bash
# Run the cgroup provisioning benchmark (selftests/bench/cgroup-bench.c) in
# the test kernel under virtme-ng and keep its output in
# build/results/bench-cgroup-<kernel>-<time>.txt.  DEBUG=0 uses the kernel
# without debug options (throughput figures); the default debug kernel has
# lock_stat, which adds cgroup_mutex acquisitions and hold time per
# instance.  BENCH_ARGS are passed on, e.g. BENCH_ARGS="-t 2 -C 1,16".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$BUILD/tools/cgroup-bench" ] || "$TOP/scripts/build-selftests.sh"
# lock_stat is read and reset by the benchmark itself.
bench_in_guest cgroup "$BUILD/tools/cgroup-bench ${BENCH_ARGS:-}"
grep -q '^provision\|^instance' "$BENCH_OUT" || die "the benchmark printed no figures (see $BENCH_OUT)"
