#!/bin/bash
# End to end: tenants' BPF programs on the DPU stand-in (samples/dpu_mmio)
# with QEMU's edu and ivshmem-plain devices: each tenant can use its own
# registers, neither can reach the other's, the DMA or interrupt registers,
# a narrower width or bits outside a write mask; the run-time-checked ioctl
# path agrees; the device node is root's.  The host then checks QEMU's
# guest_errors log and the ivshmem backing file (scripts/check.sh).
# Usage: dpu-mmio.sh TOOLS-DIR.  Prints TAP.
set -u
tools=${1:?usage: dpu-mmio.sh DIR}
t=$tools/dpu-tenant
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
# runs NAME WANTED-OUTPUT ARGS...: dpu-tenant ARGS succeeds, prints WANTED
runs() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$t" "$@" 2>&1); rc=$?
	if [ $rc = 0 ] && [ "$out" = "$want" ]; then ok "$what"; else nok "$what: rc $rc, '$out'"; fi
}
# refused NAME WANTED-MESSAGE ARGS...: dpu-tenant ARGS exits 1 saying WANTED
refused() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$t" "$@" 2>&1); rc=$?
	if [ $rc = 1 ] && [[ $out == *"$want"* ]]; then ok "$what"; else nok "$what: rc $rc, '$out'"; fi
}

edu='' shm=''
for d in /dev/dpu_mmio*; do
	[ -e "$d" ] || continue
	case $("$t" info "$d" 2>/dev/null | sed -n 's/^kind //p') in
	edu) edu=$d ;;
	ivshmem) shm=$d ;;
	esac
done
echo "TAP version 13"
if [ -z "$edu" ] || [ -z "$shm" ]; then
	echo "1..0 # SKIP needs QEMU's edu and ivshmem-plain devices (scripts/check.sh adds them)"
	exit 4
fi
echo "1..21"

runs "edu: two tenant windows of 256 bytes" "kind edu
tenants 2
window_size 256
window 0 0x0
window 1 0x0" info "$edu"
# edu's liveness register reads back the complement of what was written
runs "edu tenant 0: identification and liveness" "retval 0x10000ed result 0xedcba987" \
	run "$edu" 0 edu_liveness 0x12345678
runs "edu tenant 1: factorial of 5, polling status" "retval 0x0 result 0x78" \
	run "$edu" 1 edu_factorial 5
refused "edu tenant 0 cannot use tenant 1's registers" \
	"mmio access off=32 size=4: no register of window dpu_edu_t0's policy covers it" \
	run "$edu" 0 edu_factorial 5
refused "edu tenant 0 cannot store to tenant 1's factorial register" \
	"off=8 size=4: no register of window dpu_edu_t0's policy covers it" \
	run "$edu" 0 bad_other_tenant 1
refused "edu tenant 1 cannot reach the DMA registers" \
	"off=128 size=8: no register of window dpu_edu_t1's policy covers it" \
	run "$edu" 1 bad_dma 0x1000
refused "edu: no 2-byte access to a 4-byte register" \
	"off=0 size=2: register 0x0 allows widths 4 only" run "$edu" 0 bad_width
refused "edu tenant 1: status only written with 0 (no interrupt)" \
	"may change bits outside mask 0x0 from 0x0" run "$edu" 1 bad_status_bits 0x81
refused "a program that does not use its window is not run" \
	"no_window does not use its window" run "$edu" 0 no_window
runs "edu: the ioctl path allows what the policy allows" "" \
	access "$edu" 0 0x4 4 1
runs "edu: ... and reads it back" "0xfffffffe" access "$edu" 0 0x4 4
refused "edu: the ioctl path refuses another tenant's register" "the policy refuses it" \
	access "$edu" 0 0x8 4
refused "edu: the ioctl path refuses DMA registers" "the policy refuses it" \
	access "$edu" 1 0x80 8 0x1000
refused "edu: the ioctl path refuses bits outside the mask" "the policy refuses it" \
	access "$edu" 1 0x20 4 0x1
# the kfunc path: bench fails unless all 100 kfunc calls succeed
out=$("$t" bench "$edu" 0 100 2>&1)
if [ $? = 0 ] && grep -q '^kfunc_ns_per_load ' <<<"$out"; then
	ok "edu: the run-time-checked kfunc path (100 loads)"
else
	nok "edu: the run-time-checked kfunc path: '$out'"
fi

# every byte of each 256-byte window, at every width (the host compares
# the backing file afterwards: scripts/check.sh)
runs "ivshmem tenant 0 fills its window" "retval 0x0 result 0xf068acf13579799c" \
	run "$shm" 0 shm_fill 0x0123456789abcdef
runs "ivshmem tenant 1 fills its window" "retval 0x0 result 0xf97530eca868644" \
	run "$shm" 1 shm_fill 0xfedcba9876543210
runs "ivshmem: tenant 0's bytes, through the ioctl path" "0x123456789abcdef" \
	access "$shm" 0 0x10 8
refused "ivshmem tenant 1 cannot write past its window" \
	"off=256 size=8 is outside window dpu_ivshmem_t1 of 256 bytes" \
	run "$shm" 1 bad_past_window 0

out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$t" info "$edu" 2>&1); rc=$?
if [ $rc = 2 ] && [[ $out == *"Operation not permitted"* || $out == *"Permission denied"* ]]; then
	ok "the manager's device is root's"
else
	nok "the manager's device is root's: rc $rc, '$out'"
fi
out=$("$t" bench "$shm" 0 20000 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == *"ioctl_over_verified"* ]]; then
	ok "benchmark runs: $(tr '\n' ' ' <<<"$out")"
else
	nok "benchmark runs: rc $rc, '$out'"
fi
[ $fails = 0 ]
