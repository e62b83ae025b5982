#!/bin/bash
# Runs inside the test guest (virtme-ng): executes every test of a plan and
# leaves each one's output and exit code in a results directory shared with
# the host, then the kernel log.  The host judges the results; this script
# only runs things, so the guest's exit code does not matter.
#
#   guest-run.sh PLAN RESULTS
# PLAN lines: ID<TAB>TIMEOUT<TAB>DIR<TAB>COMMAND...
# The programs whose IDs PLAN.beside lists (selftests/beside.txt) run in the
# background, one at a time, beside the programs after them, but not beside
# one of their own collection (bpf:test_verifier and bpf:test_progs both
# load and unload bpf_testmod.ko).  The kernel log's "guest-run: ID" lines
# then interleave.
set -u
plan=$1 res=$2

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
# LOCK_STAT is built in for measurements; it only slows the tests down.
[ -w /proc/sys/kernel/lock_stat ] && echo 0 >/proc/sys/kernel/lock_stat
ulimit -c 0
# Worker nodes (systemd) mount cgroup2 with nsdelegate; virtme-ng does not.
mount -o remount,nsdelegate /sys/fs/cgroup 2>/dev/null ||
	echo "guest-run: cannot remount cgroup2 with nsdelegate" >/dev/kmsg
# Tests run from a copy of their directory on the scratch disk: some need a
# writable, disk-backed working directory (test_memcontrol's O_TMPFILE page
# cache), and the guest's root is the host's, read-only.
scratch=/tmp/scratch
mkdir -p $scratch
if [ -b /dev/vda ] && mount -t ext4 /dev/vda $scratch; then
	echo "guest-run: scratch disk on $scratch" >/dev/kmsg
fi
echo "guest-run: starting $(wc -l <"$plan") tests on $(uname -r)" >/dev/kmsg

# the copy of DIR on the scratch disk, made once
workdir() {
	local wd
	wd=$scratch/$(echo "$1" | md5sum | cut -c1-12)
	[ -d "$wd" ] || cp -a "$1" "$wd"
	echo "$wd"
}

run_one() { # ID TIMEOUT DIR COMMAND
	local id=$1 tmo=$2 cmd=$4 start end wd rc
	wd=$(workdir "$3")
	echo "guest-run: $id" >/dev/kmsg
	echo "# $id" >/dev/console
	start=$(date +%s%N)
	# Line-buffered, so that forked test children do not repeat output.
	# shellcheck disable=SC2086 # COMMAND is split into words on purpose
	(cd "$wd" && exec timeout -k 10 "$tmo" stdbuf -oL -eL $cmd) </dev/null >"$res/$id.log" 2>&1
	rc=$?
	end=$(date +%s%N)
	echo "$rc $(((end - start) / 1000000))" >"$res/$id.rc"
	echo "# $id: rc=$rc" >/dev/console
}

bg='' bg_coll=''
while IFS=$'\t' read -r id tmo dir cmd; do
	[ -n "$id" ] || continue
	if [ -f "$plan.beside" ] && grep -qxF "$id" "$plan.beside"; then
		[ -n "$bg" ] && wait "$bg"
		# copied here, not in the background: the next program may share it
		workdir "$dir" >/dev/null
		run_one "$id" "$tmo" "$dir" "$cmd" &
		bg=$! bg_coll=${id%%:*}
		continue
	fi
	if [ -n "$bg" ] && [ "${id%%:*}" = "$bg_coll" ]; then
		wait "$bg"
		bg='' bg_coll=''
	fi
	run_one "$id" "$tmo" "$dir" "$cmd"
done <"$plan"
[ -n "$bg" ] && wait "$bg"

echo "guest-run: done" >/dev/kmsg
dmesg >"$res/dmesg.txt"
touch "$res/done"
sync
