#!/usr/bin/env bash
# Build the test kernel: a minimal base (TEST_BASE, default tinyconfig) +
# configs/vm.config + worker.config (+ the base's fragment, BASE_CONFIG in
# scripts/lib.sh) + debug.config + test.config + the
# in-tree config fragments of SELFTEST_CONFIGS (scripts/lib.sh), in
# build/out/test (build/out/test-nodebug with DEBUG=0, for benchmarks).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(test_kernel_dir)
frags=("$TOP/configs/vm.config" "$TOP/configs/worker.config")
[ -n "$BASE_CONFIG" ] && frags+=("$BASE_CONFIG")
[ "${DEBUG:-1}" = 1 ] && frags+=("$TOP/configs/debug.config")
frags+=("$TOP/configs/test.config")
for t in $SELFTEST_CONFIGS; do
	f=$TREE/tools/testing/selftests/$t/config
	[ -f "$f" ] && frags+=("$f")
done
"$TOP/scripts/merge-config.sh" "$out" "${TEST_BASE:-tinyconfig}" "${frags[@]}"
start=$(date +%s)
kmake -s O="$out" all
log "test kernel built in $(($(date +%s) - start)) s: $out/arch/x86/boot/bzImage"
