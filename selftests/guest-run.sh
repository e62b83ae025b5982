#!/bin/bash
# Runs inside the test guest (virtme-ng): executes every test of a plan and
# leaves each one's output and exit code in a results directory shared with
# the host, then the kernel log.  The host judges the results; this script
# only runs things, so the guest's exit code does not matter.
#
#   guest-run.sh PLAN RESULTS
# PLAN lines: ID<TAB>TIMEOUT<TAB>DIR<TAB>COMMAND...
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

while IFS=$'\t' read -r id tmo dir cmd; do
	[ -n "$id" ] || continue
	echo "guest-run: $id" >/dev/kmsg
	echo "# $id" >/dev/console
	start=$(date +%s%N)
	wd=$scratch/$(echo "$dir" | md5sum | cut -c1-12)
	[ -d "$wd" ] || cp -a "$dir" "$wd"
	# Line-buffered, so that forked test children do not repeat output.
	# shellcheck disable=SC2086 # COMMAND is split into words on purpose
	(cd "$wd" && exec timeout -k 10 "$tmo" stdbuf -oL -eL $cmd) </dev/null >"$res/$id.log" 2>&1
	rc=$?
	end=$(date +%s%N)
	echo "$rc $(((end - start) / 1000000))" >"$res/$id.rc"
	echo "# $id: rc=$rc" >/dev/console
done <"$plan"

echo "guest-run: done" >/dev/kmsg
dmesg >"$res/dmesg.txt"
touch "$res/done"
sync
