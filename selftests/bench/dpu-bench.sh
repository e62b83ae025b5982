#!/bin/sh
# In the guest (scripts/bench-dpu.sh): for each dpu_mmio device, the cost of
# a register load -- a verified program's direct loads against the driver's
# run-time-checked kfunc and ioctl -- and the verifier's statistics for the tenant
# programs.  Usage: dpu-bench.sh DPU-TENANT N
t=${1:?usage: dpu-bench.sh DPU-TENANT N}
n=${2:?usage: dpu-bench.sh DPU-TENANT N}
for d in /dev/dpu_mmio*; do
	[ -e "$d" ] || { echo "no /dev/dpu_mmio*: the guest needs QEMU's edu and ivshmem-plain"; exit 1; }
	k=$("$t" info "$d" | sed -n 's/^kind //p')
	echo "== $k ($d)"
	"$t" bench "$d" 0 "$n"
	if [ "$k" = edu ]; then
		"$t" verify "$d" 0 edu_liveness bench_read bad_other_tenant bad_width 2>/dev/null
		"$t" verify "$d" 1 edu_factorial bad_dma bad_status_bits 2>/dev/null | tail -n +2
	else
		"$t" verify "$d" 0 shm_fill bench_read bad_past_window 2>/dev/null
	fi
done
