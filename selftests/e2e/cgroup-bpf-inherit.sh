#!/bin/bash
# End to end: the effective cgroup BPF programs a new cgroup inherits, made
# with mkdir(2) and with CGROUP_IOC_CREATE (cgbatch).  Guards the queue's
# "bpf, cgroup" patch, which gives a new cgroup the empty array without
# walking its ancestors when its parent has no effective programs: a device
# policy on an ancestor must reach every new cgroup below it, and one
# attached later must reach the cgroups made before.
# Usage: cgroup-bpf-inherit.sh DIR-WITH-cgbatch-AND-cgdev-deny.  Prints TAP.
set -u
dir=${1:?usage: cgroup-bpf-inherit.sh DIR}
cgbatch=$dir/cgbatch deny=$dir/cgdev-deny
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
p=$root/e2e-bpf-deny q=$root/e2e-bpf-none
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
# can CGROUP open /dev/zero?  prints "open" or "denied"
opens() {
	sh -c 'echo $$ >"$1/cgroup.procs" && exec head -c1 /dev/zero' sh "$1" >/dev/null 2>&1 &&
		echo open || echo denied
}
expect() { local what=$1 cg=$2 want=$3 got; got=$(opens "$cg")
	if [ "$got" = "$want" ]; then ok "$what"; else nok "$what: $got, want $want"; fi; }
cleanup() {
	for c in "$p"/c/g "$p"/c "$q"/c "$q"/c/g; do rmdir "$c" 2>/dev/null; done
	"$cgbatch" destroy "$p" b 2>/dev/null; "$cgbatch" destroy "$q" b 2>/dev/null
	rmdir "$p" "$q" 2>/dev/null
}

echo "TAP version 13"
echo "1..10"
cleanup
mkdir "$p" "$q" || { echo "Bail out! no $p or $q"; exit 1; }

"$deny" attach "$p" || { echo "Bail out! cannot attach a device program"; exit 1; }
expect "the program denies in the cgroup it is attached to" "$p" denied
mkdir "$p/c"
expect "a child made by mkdir inherits it" "$p/c" denied
mkdir "$p/c/g"
expect "a grandchild made by mkdir below a parent without programs of its own inherits it" "$p/c/g" denied
"$cgbatch" create "$p" b >/dev/null
expect "a child made by CGROUP_IOC_CREATE inherits it" "$p/b" denied

mkdir "$q/c" "$q/c/g"
"$cgbatch" create "$q" b >/dev/null
expect "without a program on its ancestors, a new cgroup opens devices" "$q/c/g" open
"$deny" attach "$q"
expect "a program attached later reaches a child made by mkdir before" "$q/c" denied
expect "... a grandchild made before" "$q/c/g" denied
expect "... and a child made by CGROUP_IOC_CREATE before" "$q/b" denied
"$deny" detach "$q"
expect "detaching it opens devices again" "$q/c/g" open
"$deny" detach "$p"
expect "... in the other tree too" "$p/b" open

cleanup
echo "# $fails of $n failed"
[ $fails = 0 ]
