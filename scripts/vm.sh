#!/usr/bin/env bash
# Boot the test kernel under virtme-ng (TCG) for a developer: with arguments,
# run them as a command as root and show its output; without, open a shell.
# VM_KERNEL=BUILD-DIR boots another kernel build (e.g. build/out/base-nodebug).
#   scripts/vm.sh ./build/kselftest/seccomp/seccomp_bpf -r global.kcmp
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=${VM_KERNEL:-$(test_kernel_dir)}
qemu_opts="${VM_QEMU_OPTS:-}"
icount=$(icount_opts)
qemu_opts="$qemu_opts${icount:+ $icount}"
a=()
[ "${VM_ACCEL:-tcg}" = kvm ] || a+=(--disable-kvm)
exec "$VENV/bin/vng" --run "$kdir" "${a[@]}" --force-9p --cpus "${VM_CPUS:-2}" --memory "${VM_MEMORY:-4G}" \
	--user root --rwdir "$BUILD" ${qemu_opts:+--qemu-opts="$qemu_opts"} \
	--append "${VM_APPEND-no5lvl log_buf_len=16M}" ${1:+-- "$@"}
