#!/bin/bash
# End to end: libcgbatch as installed (make install: libcgbatch.so.1, its
# header and pkg-config file), used by a program linked dynamically with
# it (cgbatch-lib.c, built by scripts/build-selftests.sh into the tools
# directory): a batch of 16 cgroups created with values and destroyed
# through the kernel's CGROUP_IOC_CREATE / CGROUP_IOC_DESTROY.
# Usage: cgbatch-lib.sh TOOLS-DIR.  Prints TAP.
set -u
tools=${1:?usage: cgbatch-lib.sh DIR}
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
p=$root/e2e-cgbatch-lib
clean() { find "$p" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} + 2>/dev/null; rmdir "$p" 2>/dev/null; }

clean
echo "+memory +pids" >"$root/cgroup.subtree_control"
if ! mkdir "$p" || ! echo "+memory +pids" >"$p/cgroup.subtree_control"; then
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 cannot make $p with the memory and pids controllers"
	exit 1
fi
"$tools/cgbatch-lib" "$p"
rc=$?
clean
exit $rc
