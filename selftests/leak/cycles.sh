#!/bin/bash
# The leak pass's guest side (scripts/leak-check.sh boots the test kernel
# with kmemleak=on and runs this): forget what boot left unreferenced, then
# create and destroy, many times, the objects the series add -- batched
# cgroups (CGROUP_IOC_CREATE/DESTROY, with seeds and a clone3 into each),
# eBPF seccomp filters over fork and exit (both of seccomp-whitelist's
# programs), MMIO windows with their tenant programs (on QEMU's edu) --
# then let kmemleak scan, and leave its report and the kernel log in RES.
#   cycles.sh TOOLS-DIR RES [ROUNDS]
set -u
tools=${1:?usage: cycles.sh TOOLS-DIR RES [ROUNDS]} res=${2:?} rounds=${3:-10}
kml=/sys/kernel/debug/kmemleak
exec >"$res/cycles.log" 2>&1
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
fail() { echo "cycles: $*"; echo 1 >"$res/cycles.rc"; dmesg >"$res/dmesg.txt"; exit 1; }
[ -w $kml ] || fail "no $kml: the kernel needs CONFIG_DEBUG_KMEMLEAK and kmemleak=on"
# what boot and the tools' first runs leave is not the series': scan, then
# clear (reported objects become ignored), after one warm-up round
cg=/sys/fs/cgroup/leak-cycles
echo "+memory +pids +cpu" >/sys/fs/cgroup/cgroup.subtree_control &&
	mkdir -p $cg && echo "+memory +pids +cpu" >$cg/cgroup.subtree_control ||
	fail "cannot set up $cg"
prof=$tools/seccomp-profiles/basic-compute.json
edu=''
for d in /dev/dpu_mmio*; do
	[ -e "$d" ] && [ "$("$tools/dpu-tenant" info "$d" 2>/dev/null | sed -n 's/^kind //p')" = edu ] && edu=$d
done
round() {
	local i names=()
	for i in $(seq 0 49); do names+=("c$i"); done
	"$tools/cgbatch" create $cg "${names[@]}" -s pids.max=8 -s memory.max=16M >/dev/null ||
		fail "cgbatch create"
	"$tools/cgbatch" run $cg r0 -s pids.max=4 -- /bin/true || fail "cgbatch run"
	"$tools/cgbatch" destroy $cg "${names[@]}" || fail "cgbatch destroy"
	"$tools/seccomp-whitelist" run "$prof" -- "$tools/swl-probe" getppid fork >/dev/null ||
		fail "seccomp-whitelist run"
	"$tools/seccomp-whitelist" run --tables "$prof" -- "$tools/swl-probe" getppid fork >/dev/null ||
		fail "seccomp-whitelist run --tables"
	if [ -n "$edu" ]; then
		"$tools/dpu-tenant" run "$edu" 0 edu_liveness 0x1234 >/dev/null || fail "dpu-tenant run"
	fi
}
round
echo scan >$kml
echo clear >$kml
for r in $(seq "$rounds"); do round; done
echo "cycles: $rounds rounds of 50 batched cgroups + 1 run, 2 seccomp-eBPF filtered processes${edu:+, 1 MMIO-window program on $edu}"
# kmemleak reports objects unreferenced for 5 s and seen in two scans
sleep 6
echo scan >$kml
sleep 1
echo scan >$kml
cat $kml >"$res/kmemleak.txt"
rmdir $cg
dmesg >"$res/dmesg.txt"
echo 0 >"$res/cycles.rc"
