#!/usr/bin/env bash
# The DPU MMIO-window cost benchmark in the test kernel under virtme-ng, with
# QEMU's edu and ivshmem-plain devices: per register load, a verified BPF
# program's direct loads against the driver's run-time-checked kfunc and ioctl paths,
# on each device, side by side in one boot (dpu-tenant bench; the JITed size
# and the verifier's instruction count of the program are printed too), and
# the verifier's statistics for the tenant programs (dpu-tenant verify).
# Output in build/results/bench-dpu-<kernel>-<time>.txt.  DEBUG=0 uses the
# kernel without debug options; BENCH_N (default 200000) loads per figure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$BUILD/tools/dpu-tenant" ] || "$TOP/scripts/build-selftests.sh"
shm=$BUILD/results/bench-dpu-ivshmem.bin
mkdir -p "$BUILD/results"
truncate -s 1M "$shm"
export VM_QEMU_OPTS="-device edu -object memory-backend-file,id=dpushm,size=1M,share=on,mem-path=$shm \
-device ivshmem-plain,memdev=dpushm"
bench_in_guest dpu "$TOP/selftests/bench/dpu-bench.sh $BUILD/tools/dpu-tenant ${BENCH_N:-200000}"
grep -q '^ioctl_over_verified ' "$BENCH_OUT" || die "the benchmark printed no figures (see $BENCH_OUT)"
