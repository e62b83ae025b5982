#!/bin/bash
# End to end: cgroup-bench runs both paths and its cgroup_mutex tracer (-L,
# BPF on mutex_lock/mutex_unlock) counts what lock_stat would: each cell
# prints acquisitions and hold time per instance, the classic path takes the
# mutex more often per instance than batches of 8, nothing is left behind,
# and, where /proc/lock_stat exists (debug kernels), lock_stat counts about
# as many acquisitions per instance for the classic path.  Short cells;
# this checks the tool, not the figures.
# Usage: cgroup-bench-smoke.sh DIR-WITH-cgroup-bench.  Prints TAP.
set -u
dir=${1:?usage: cgroup-bench-smoke.sh DIR}
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }

echo "TAP version 13"
echo "1..5"
out=$("$dir/cgroup-bench" -t 0.3 -C 2 -B 8 -c provision -L 2>&1); rc=$?
while IFS= read -r l; do echo "# $l"; done <<<"$out"
if [ $rc = 0 ]; then ok "cgroup-bench -L exits 0"; else nok "cgroup-bench -L exits 0 (rc $rc)"; fi
# provision classic 1 2 INST P50 P99 ACQ HOLD
classic=$(echo "$out" | awk '$1 == "provision" && $2 == "classic" { print $8, $9 }')
batch=$(echo "$out" | awk '$1 == "provision" && $2 == "batch" && $3 == 8 { print $8, $9 }')
read -r cacq chold <<<"$classic"
read -r bacq bhold <<<"$batch"
if awk -v a="${cacq:-x}" -v h="${chold:-x}" 'BEGIN { exit !(a + 0 >= 1 && a + 0 < 50 && h + 0 > 0) }'; then
	ok "classic: cgroup_mutex acquisitions ($cacq) and hold time ($chold us) per instance"
else
	nok "classic: cgroup_mutex acquisitions and hold time per instance: '$classic'"
fi
if awk -v a="${bacq:-x}" -v h="${bhold:-x}" 'BEGIN { exit !(a + 0 > 0 && h + 0 > 0) }'; then
	ok "batch of 8: cgroup_mutex acquisitions ($bacq) and hold time ($bhold us) per instance"
else
	nok "batch of 8: cgroup_mutex acquisitions and hold time per instance: '$batch'"
fi
if awk -v c="${cacq:-0}" -v b="${bacq:-0}" 'BEGIN { exit !(c + 0 > b + 0) }' && [ ! -e "$root/cgroup-bench" ]; then
	ok "batches take cgroup_mutex less often per instance ($bacq < $cacq), nothing left behind"
else
	nok "batches take cgroup_mutex less often per instance ($bacq < $cacq), nothing left behind ($(ls -d "$root/cgroup-bench" 2>/dev/null))"
fi
if [ -e /proc/lock_stat ] && [ -w /proc/sys/kernel/lock_stat ]; then
	was=$(cat /proc/sys/kernel/lock_stat)
	echo 1 >/proc/sys/kernel/lock_stat
	ls=$("$dir/cgroup-bench" -t 0.3 -C 2 -B 8 -c provision 2>&1 |
		awk '$1 == "provision" && $2 == "classic" { print $8 }')
	echo "$was" >/proc/sys/kernel/lock_stat
	if awk -v l="${ls:-x}" -v b="${cacq:-x}" 'BEGIN { exit !(l + 0 > 0 && b / l > 0.75 && b / l < 1.33) }'; then
		ok "lock_stat agrees: $ls acquisitions per classic instance, $cacq by BPF"
	else
		nok "lock_stat agrees: '$ls' acquisitions per classic instance, '$cacq' by BPF"
	fi
else
	ok "# SKIP no /proc/lock_stat to compare with"
fi
[ $fails = 0 ]
