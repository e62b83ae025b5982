#!/usr/bin/env bash
# Run the seccomp whitelist benchmark (selftests/bench/seccomp-bench.c) in
# the test kernel under virtme-ng: getppid with no filter, libseccomp's
# classic filter (default and binary tree) and the seccomp-eBPF whitelist of
# the same profiles, cached and argument-checked, side by side in one boot.
# Output in build/results/bench-seccomp-<kernel>-<time>.txt.  DEBUG=0 uses
# the kernel without debug options.  BENCH_PROFILES (default: the four
# shipped tiers) and BENCH_ARGS (e.g. "-n 500000 -r 7") are passed on.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$(test_kernel_dir)
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel in $kdir: run 'make test-kernel'"
[ -x "$BUILD/tools/seccomp-bench" ] || "$TOP/scripts/build-selftests.sh"
p=$TOP/bpf-progs/seccomp/profiles
profiles=${BENCH_PROFILES:-$p/basic-compute.json $p/restricted-io.json $p/networking.json $p/platform-services.json}
tag=$(basename "$kdir")
out=$BUILD/results/bench-seccomp-$tag-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$BUILD/results"
log "benchmark in the guest ($tag); output: $out"
"$TOP/scripts/vm.sh" sh -c "{ uname -r; nproc; $BUILD/tools/seccomp-bench ${BENCH_ARGS:-} $profiles; } >$out 2>&1" \
	>"$out.console" 2>&1 || true
cat "$out"
grep -q '^  seccomp-eBPF ' "$out" || die "the benchmark printed no figures (see $out)"
