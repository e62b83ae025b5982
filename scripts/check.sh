#!/usr/bin/env bash
# The test job: build the test kernel (lockdep + KASAN) and the selftests,
# boot the kernel in virtme-ng, run the selftests, judge the results.
# Prints "N passed, N failed, N skipped" last; exits 1 on any failure or
# kernel splat.  ONLY="glob ..." runs a subset, e.g. ONLY='seccomp:*'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
step() { log "[$(($(date +%s) - t0)) s] $*"; }

res=$BUILD/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$res"
ln -sfn "$res" "$BUILD/results/latest"

step "tree";           "$TOP/scripts/make-tree.sh"

# Host-side tests of the pipeline itself; their results are judged with
# the guest's.
host_test() { # id command...
	local id=$1 rc=0 s
	shift
	s=$(date +%s%N)
	"$@" >"$res/$id.log" 2>&1 || rc=$?
	echo "$rc $((($(date +%s%N) - s) / 1000000))" >"$res/$id.rc"
	printf '%s\t0\thost\t%s\n' "$id" "$*" >>"$res/plan.host"
}
step "host tests of the pipeline"
host_test host:verdict-unit-tests python3 -m unittest discover -s "$TOP/selftests" -p 'test_*.py'
host_test host:queue-round-trip "$TOP/selftests/test-queue.sh"
queue_has cgroup-batch &&
	host_test host:cgbatch-uapi-copy env BUILD="$BUILD" TREE="$TREE" "$TOP/selftests/test-uapi-copy.sh"
host_test host:swl-eval "$TOP/selftests/test-swl-eval.sh"

step "test kernel";    "$TOP/scripts/build-test-kernel.sh"
step "selftests";      "$TOP/scripts/build-selftests.sh"
# after the selftests' build, which fetches containers/common's profile
queue_has seccomp-ebpf &&
	host_test host:swl-codegen env BUILD="$BUILD" TREE="$TREE" "$TOP/selftests/test-swl-codegen.sh"
# the tools' make install, --help/--version/exit codes, man pages, libcgbatch's
# shared library and pkg-config file (needs the headers, libbpf and bpftool
# the selftests' build leaves)
host_test host:tools env BUILD="$BUILD" TREE="$TREE" "$TOP/selftests/test-tools.sh"
# the function launcher's verification gate (launcher/) on bundles made at
# test time; needs gcc, libcapstone-dev, libseccomp-dev, libjson-c-dev, and for
# the egress policy built into liblauncher libbpf-dev, clang-19 and bpftool
host_test host:launcher-gate "$TOP/selftests/test-launcher-gate.sh"

out=$(test_kernel_dir)
python3 "$TOP/selftests/plan.py" --kselftest "$BUILD/kselftest" --bpf "$BUILD/kselftest/bpf" \
	--e2e "$TOP/selftests/e2e" --tools "$BUILD/tools" \
	--series "$QUEUE/series" --expectations "$EXPECTATIONS" \
	--factor "${TIMEOUT_FACTOR:-4}" --only "${ONLY:-}" "$res/plan"

# In CI (90 minutes for everything) a hung guest must not eat the time the
# verdict needs: bound the guest by what is left of 80 minutes since start
# (setup.sh runs before this script and is not counted in t0), or until
# CI_DEADLINE (seconds since the epoch) when .ci/run runs more than one
# check.
if [ -n "${CI:-}" ] && [ -z "${VM_TIMEOUT:-}" ]; then
	left=$((80 * 60 - ($(date +%s) - t0)))
	[ -n "${CI_DEADLINE:-}" ] && left=$((CI_DEADLINE - $(date +%s)))
	export VM_TIMEOUT=$((left > 600 ? left : 600))
fi
# The DPU stand-in's devices (series 3): QEMU's edu, and ivshmem-plain on a
# 1 MiB file of random bytes that the host compares afterwards; QEMU logs
# every access the devices refuse (-d guest_errors).
head -c 1M /dev/urandom >"$res/ivshmem.initial"
cp "$res/ivshmem.initial" "$res/ivshmem.bin"
export VM_QEMU_OPTS="${VM_QEMU_OPTS:+$VM_QEMU_OPTS }-device edu \
-object memory-backend-file,id=dpushm,size=1M,share=on,mem-path=$res/ivshmem.bin \
-device ivshmem-plain,memdev=dpushm -d guest_errors -D $res/qemu-guest-errors.log"
step "running $(wc -l <"$res/plan") test programs in the guest (results: $res)"
"$TOP/scripts/run-vm.sh" "$out" "$res" -- "$TOP/selftests/guest-run.sh" "$res/plan" "$res"
if grep -q "^e2e:dpu-mmio.sh" "$res/plan"; then
	host_test host:dpu-qemu-guest-errors python3 "$TOP/selftests/dpu-host-check.py" \
		guest-errors "$res/qemu-guest-errors.log"
	host_test host:dpu-ivshmem-bytes python3 "$TOP/selftests/dpu-host-check.py" \
		ivshmem "$res/ivshmem.initial" "$res/ivshmem.bin"
fi

# The leak pass: a second boot, with kmemleak=on (scripts/leak-check.sh)
leak=''
set -f  # ONLY holds globs, matched here, not expanded
for g in ${ONLY:-leak:kmemleak}; do
	# shellcheck disable=SC2053
	[[ leak:kmemleak == $g ]] && leak=1
done
set +f
if [ -n "$leak" ]; then
	step "leak pass: cycles under kmemleak"
	host_test leak:kmemleak "$TOP/scripts/leak-check.sh" "$res/leak"
fi

step "verdict"
python3 "$TOP/selftests/judge.py" --expectations "$EXPECTATIONS" "$res/plan" "$res"
