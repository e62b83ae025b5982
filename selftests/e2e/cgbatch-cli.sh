#!/bin/bash
# End to end: the cgbatch CLI (libcgbatch) on the test kernel, through the
# kernel's CGROUP_IOC_CREATE/DESTROY and through the classic fallback (-c).
# Usage: cgbatch-cli.sh DIR-WITH-cgbatch.  Prints TAP.
set -u
bin=${1:?usage: cgbatch-cli.sh DIR}/cgbatch
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
p=$root/e2e-cgbatch
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
children() { find "$p" -mindepth 1 -maxdepth 1 -type d | wc -l; }

echo "TAP version 13"
echo "1..12"
rmdir "$p" 2>/dev/null
echo "+memory +pids +cpu" >"$root/cgroup.subtree_control"
mkdir "$p" && echo "+memory +pids +cpu" >"$p/cgroup.subtree_control" || { echo "Bail out! no $p"; exit 1; }

check "probe says the kernel has the ioctls" [ "$("$bin" probe "$p")" = batch ]
for mode in batch classic; do
	c=; [ $mode = classic ] && c=-c
	"$bin" $c create "$p" a b c -s memory.max=64M -s pids.max=7 -s "cpu.max=20000 100000" >/dev/null
	check "$mode: create makes 3 cgroups" [ "$(children)" = 3 ]
	check "$mode: values applied" [ "$(cat "$p/b/memory.max") $(cat "$p/b/pids.max") $(cat "$p/c/cpu.max")" = "67108864 7 20000 100000" ]
	got=$("$bin" $c run "$p" fn -s pids.max=3 -- sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/e2e-cgbatch/fn/pids.max' 2>&1)
	check "$mode: run puts the command in its own cgroup" [ "$got" = "$(printf '0::/e2e-cgbatch/fn\n3')" ]
	err=$("$bin" $c create "$p" x y -s memory.max=lots 2>&1 >/dev/null); rc=$?
	if [ $rc -ne 0 ] && [[ $err == *"memory.max=lots"* ]] && [ "$(children)" = 3 ]; then
		ok "$mode: a bad value fails, names the value and leaves nothing"
	else
		nok "$mode: a bad value fails, names the value and leaves nothing: rc $rc, '$err', $(children) children"
	fi
	"$bin" $c destroy "$p" a b c
	check "$mode: destroy removes them" [ "$(children)" = 0 ]
done
sleep 300 &
bg=$!
"$bin" create "$p" busy >/dev/null && echo $bg >"$p/busy/cgroup.procs"
"$bin" create "$p" idle >/dev/null
err=$("$bin" destroy "$p" idle busy 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ $err == *"Device or resource busy (cgroup 'busy')"* ]] && [ "$(children)" = 2 ]; then
	ok "destroy of a populated cgroup fails and names it, keeping both"
else
	nok "destroy of a populated cgroup fails and names it, keeping both: rc $rc, '$err', $(children) children"
fi
kill $bg; wait $bg 2>/dev/null
for _ in $(seq 50); do "$bin" destroy "$p" idle busy 2>/dev/null && break; sleep 0.1; done
rmdir "$p"
echo "# $fails of $n failed"
[ $fails = 0 ]
