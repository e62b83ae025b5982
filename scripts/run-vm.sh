#!/usr/bin/env bash
# Boot a kernel with virtme-ng and run one command in it, as root, with
# RESULTS shared read-write:
#   run-vm.sh KERNEL_BUILD_DIR RESULTS -- COMMAND...
# Under TCG by default: nested KVM boots a Linux guest unusably slowly on
# these machines.  VM_ACCEL=kvm uses KVM; VM_ACCEL=auto probes whether a
# KVM guest boots within VM_PROBE_TIMEOUT seconds and falls back to TCG.
# The whole run is bounded by VM_TIMEOUT seconds.  vng's exit code is not
# trusted: the command leaves its results in RESULTS.
# The guest also gets a fresh ext4 scratch disk (/dev/vda, VM_SCRATCH_SIZE)
# for tests that need a writable, disk-backed working directory, and boots
# with VM_APPEND (default "no5lvl": KASAN reports a wild access in early
# interrupt handling on QEMU's 5-level paging CPUs; BPF CI boots the same way;
# log_buf_len=16M keeps the whole kernel log of a run for the splat check).
# VM_ICOUNT=N: instruction counting (see icount_opts in lib.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${1:?usage: run-vm.sh KERNEL_BUILD_DIR RESULTS -- COMMAND...}
res=${2:?usage: run-vm.sh KERNEL_BUILD_DIR RESULTS -- COMMAND...}
shift 2
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || die "usage: run-vm.sh KERNEL_BUILD_DIR RESULTS -- COMMAND..."
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel in $kdir"
vng=$VENV/bin/vng
[ -x "$vng" ] || die "virtme-ng is not installed: run scripts/setup.sh"
mkdir -p "$res"
scratch=$BUILD/scratch.img
rm -f "$scratch"
truncate -s "${VM_SCRATCH_SIZE:-2G}" "$scratch"
mkfs.ext4 -q -F -L scratch "$scratch"
qemu_opts="-drive file=$scratch,if=virtio,format=raw,cache=unsafe${VM_QEMU_OPTS:+ $VM_QEMU_OPTS}"
icount=$(icount_opts)
qemu_opts="$qemu_opts${icount:+ $icount}"
append=${VM_APPEND-no5lvl log_buf_len=16M}

vm() {
	local accel=$1 tmo=$2
	shift 2
	local a=()
	[ "$accel" = kvm ] || a+=(--disable-kvm)
	timeout -k 10 "$tmo" "$vng" --run "$kdir" "${a[@]}" --verbose --force-9p --cpus "${VM_CPUS:-2}" \
		--memory "${VM_MEMORY:-4G}" --user root --rwdir "$res" \
		--qemu-opts="$qemu_opts" ${append:+--append "$append"} \
			-- "$@" </dev/null
}

accel=${VM_ACCEL:-tcg}
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -w /dev/kvm ] && vm kvm "${VM_PROBE_TIMEOUT:-30}" "touch $res/.kvm-ok" >/dev/null 2>&1 &&
	   [ -e "$res/.kvm-ok" ]; then
		accel=kvm
	fi
	rm -f "$res/.kvm-ok"
	log "accelerator probe: $accel"
fi

log "booting $kdir/arch/x86/boot/bzImage ($accel, ${VM_CPUS:-2} CPUs, ${VM_MEMORY:-4G})"
rc=0
vm "$accel" "${VM_TIMEOUT:-3600}" "$@" 2>&1 | tee "$res/console.log" | grep --line-buffered "^# " || rc=${PIPESTATUS[0]}
[ $rc = 124 ] && log "the guest did not finish within ${VM_TIMEOUT:-3600} s; it was stopped"
exit 0
