#!/usr/bin/env bash
# cgbatch/cgroup_uapi.h must carry the same definitions as the series'
# include/uapi/linux/cgroup.h (build/linux): compare them below the includes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
orig=${TREE:-$top/build/linux}/include/uapi/linux/cgroup.h
copy=$top/cgbatch/cgroup_uapi.h
body() { sed -n '/^#include <linux\/types.h>/,$p' "$1" | grep -v '_H$\|_H \*/$'; }
if [ ! -f "$orig" ]; then
	echo "not ok 1 uapi copy: $orig missing (run make tree)"; exit 1
fi
if diff -u <(body "$orig") <(body "$copy"); then
	echo "ok 1 cgbatch/cgroup_uapi.h matches include/uapi/linux/cgroup.h"
else
	echo "not ok 1 cgbatch/cgroup_uapi.h differs from include/uapi/linux/cgroup.h"; exit 1
fi
