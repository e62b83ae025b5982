#!/bin/bash
# End to end: cgroup-bench runs the classic and the batched path, prints a
# figure for each cell, leaves nothing behind, and, where lock_stat exists
# (debug kernels), shows batches of 8 taking cgroup_mutex less often per
# instance than the classic path.  Short cells; this checks the tool, not
# the figures.  Its -L tracer (BPF on mutex_lock/mutex_unlock) is not run
# here: detaching it crashed the lockdep+KASAN guest under TCG once, with a
# stray int3 in mutex_unlock() while ftrace removed the trampoline.
# Usage: cgroup-bench-smoke.sh DIR-WITH-cgroup-bench.  Prints TAP.
set -u
dir=${1:?usage: cgroup-bench-smoke.sh DIR}
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }

echo "TAP version 13"
echo "1..4"
was=
if [ -w /proc/sys/kernel/lock_stat ]; then
	was=$(cat /proc/sys/kernel/lock_stat)
	echo 1 >/proc/sys/kernel/lock_stat
fi
out=$("$dir/cgroup-bench" -t 0.3 -C 2 -B 8 -c provision 2>&1); rc=$?
[ -n "$was" ] && echo "$was" >/proc/sys/kernel/lock_stat
while IFS= read -r l; do echo "# $l"; done <<<"$out"
if [ $rc = 0 ]; then ok "cgroup-bench exits 0"; else nok "cgroup-bench exits 0 (rc $rc)"; fi
# provision PATH BATCH THREADS INST P50 P99 ACQ HOLD
classic=$(echo "$out" | awk '$1 == "provision" && $2 == "classic" { print $5, $8 }')
batch=$(echo "$out" | awk '$1 == "provision" && $2 == "batch" && $3 == 8 { print $5, $8 }')
read -r cinst cacq <<<"$classic"
read -r binst bacq <<<"$batch"
if awk -v c="${cinst:-x}" -v b="${binst:-x}" 'BEGIN { exit !(c + 0 > 0 && b + 0 > 0) }'; then
	ok "both paths made instances ($cinst and $binst per s)"
else
	nok "both paths made instances: classic '$classic', batch '$batch'"
fi
if [ ! -e "$root/cgroup-bench" ]; then ok "nothing left behind"; else nok "nothing left behind: $root/cgroup-bench remains"; fi
if [ -e /proc/lock_stat ] && [ -n "$was" ]; then
	if awk -v c="${cacq:-x}" -v b="${bacq:-x}" 'BEGIN { exit !(c + 0 >= 1 && b + 0 > 0 && c + 0 > b + 0) }'; then
		ok "lock_stat: batches take cgroup_mutex less often per instance ($bacq < $cacq)"
	else
		nok "lock_stat: batches take cgroup_mutex less often per instance ('$bacq' < '$cacq')"
	fi
else
	ok "# SKIP no lock_stat in this kernel"
fi
[ $fails = 0 ]
