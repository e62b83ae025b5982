#!/usr/bin/env bash
# Run the seccomp whitelist benchmark (selftests/bench/seccomp-bench.c) in
# the test kernel under virtme-ng: getppid with no filter, libseccomp's
# classic filter (default and binary tree) and the seccomp-eBPF whitelist of
# the same profiles (the map-driven program and the one generated for the
# policy), cached and argument-checked, side by side in one boot.
# Output in build/results/bench-seccomp-<kernel>-<time>.txt.  DEBUG=0 uses
# the kernel without debug options.  BENCH_PROFILES (default: the four
# shipped tiers) and BENCH_ARGS (e.g. "-n 500000 -r 7") are passed on.
# VM_ICOUNT=0 VM_CPUS=1 counts guest instructions instead of time (lib.sh).
# A second table measures containers/common's default profile (Docker's
# default as Podman ships it; scripts/fetch-containers-profile.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$BUILD/tools/seccomp-bench" ] || "$TOP/scripts/build-selftests.sh"
p=$TOP/bpf-progs/seccomp/profiles
profiles=${BENCH_PROFILES:-$p/basic-compute.json $p/restricted-io.json $p/networking.json $p/platform-services.json}
# then containers/common's default profile (Docker's, as Podman ships it),
# whose rules need libseccomp's "first rule wins" (-f)
cc=$BUILD/tools/containers-default.json
cmd="$BUILD/tools/seccomp-bench ${BENCH_ARGS:-} $profiles"
[ -s "$cc" ] && cmd="$cmd; echo; echo '# containers/common default profile'; $BUILD/tools/seccomp-bench -f ${BENCH_ARGS:-} '$cc'"
bench_in_guest seccomp "$cmd"
grep -q '^  seccomp-eBPF code ' "$BENCH_OUT" || die "the benchmark printed no figures (see $BENCH_OUT)"
if [ -s "$cc" ] && [ "$(grep -c '^  seccomp-eBPF code ' "$BENCH_OUT")" -lt 4 ]; then
	die "no figures for containers/common's profile (see $BENCH_OUT)"
fi
