#!/usr/bin/env bash
# Host-side test of scripts/check-base-delta.sh on a made-up Debian
# debian.tar.xz (DEBIAN_TARBALL=): its series names patches in
# subdirectories, with a comment, a -p0 patch and a rename.  The check must
# pass on the queue (none of the made-up patches touches a file the queue
# touches), and fail, naming the file and both patches, on a throw-away
# queue whose patch touches a file a Debian patch touches, or a file in a
# Files-Excluded path.  Prints TAP.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
load_base

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"' EXIT
d=$tmp/debian
mkdir -p "$d/patches/bugfix/all" "$d/patches/debian"
printf 'linux (%s) unstable; urgency=medium\n\n  * Test.\n\n -- T <t@example.org>  Thu, 01 Jan 2026 00:00:00 +0000\n' \
	"$VERSION" >"$d/changelog"
printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nFiles-Excluded: drivers/video/fbdev/nvidia\n arch/powerpc/platforms/8xx/micropatch.c\n\nFiles: *\nLicense: GPL-2\n' \
	>"$d/copyright"
patch() { # FILE PATH... : a patch adding a line to each PATH
	local f=$1 p
	shift
	for p; do printf -- '--- a/%s\n+++ b/%s\n@@ -1 +1,2 @@\n x\n+y\n' "$p" "$p"; done >"$f"
}
patch "$d/patches/bugfix/all/fix-doc.patch" Documentation/process/changes.rst
patch "$d/patches/debian/version.patch" init/version.c scripts/package/mkdebian
printf -- '--- init/Kconfig\n+++ init/Kconfig\n@@ -1 +1,2 @@\n x\n+y\n' >"$d/patches/debian/p0.patch"
printf 'diff --git a/samples/a.c b/samples/b.c\nsimilarity index 100%%\nrename from samples/a.c\nrename to samples/b.c\n' \
	>"$d/patches/debian/rename.patch"
printf '# made-up series\nbugfix/all/fix-doc.patch\n\ndebian/version.patch\ndebian/p0.patch -p0\ndebian/rename.patch\n' \
	>"$d/patches/series"
tar -cJf "$tmp/test.debian.tar.xz" -C "$tmp" debian
export DEBIAN_TARBALL=$tmp/test.debian.tar.xz

queue() { # NAME PATH: a queue of one topic whose one patch touches PATH
	local q=$tmp/$1
	mkdir -p "$q/demo"
	cp "$QUEUE/BASE" "$q/"
	printf 'demo\n' >"$q/series"
	{
		printf 'From 0 Mon Sep 17 00:00:00 2001\nFrom: T <t@example.org>\nSubject: [PATCH] demo\n\n---\n'
		printf 'diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1 +1,2 @@\n x\n+y\n' "$2" "$2" "$2" "$2"
	} >"$q/demo/0001-demo.patch"
	echo "$q"
}

n=0 failed=0
check() { # description expected-status pattern command...
	local rc=0
	n=$((n + 1))
	"${@:4}" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" = "$2" ] && grep -q -- "$3" "$tmp/out"; then echo "ok $n $1"; else
		echo "not ok $n $1 (status $rc)"; sed 's/^/# /' "$tmp/out"; failed=$((failed + 1)); fi
}
delta=$top/scripts/check-base-delta.sh
check "the queue and 4 made-up Debian patches: no overlap" 0 \
	"Debian patches touching 6 files: no overlap; the queue applies to vanilla $(base_upstream)$" "$delta"
check "a queue patch on a file of a Debian patch fails, naming both" 1 \
	"^FAIL init/version.c: Debian's debian/version.patch and the queue's demo/0001-demo.patch both touch it$" \
	env QUEUE="$(queue shared init/version.c)" "$delta"
check "a -p0 Debian patch counts" 1 "^FAIL init/Kconfig: Debian's debian/p0.patch " \
	env QUEUE="$(queue p0 init/Kconfig)" "$delta"
check "both names of a renamed file count" 1 "^FAIL samples/a.c: Debian's debian/rename.patch " \
	env QUEUE="$(queue rename samples/a.c)" "$delta"
check "a queue file in a Files-Excluded path fails" 1 \
	"^FAIL drivers/video/fbdev/nvidia/nv_i2c.c: Debian removes it .*(Files-Excluded: drivers/video/fbdev/nvidia)" \
	env QUEUE="$(queue excluded drivers/video/fbdev/nvidia/nv_i2c.c)" "$delta"
sed -i "1s/(.*)/(0.1-1)/" "$d/changelog"
tar -cJf "$DEBIAN_TARBALL" -C "$tmp" debian
check "a changelog of another version fails" 1 "^FAIL debian/changelog: the top entry is 0.1-1" "$delta"
echo "1..$n"
[ $failed = 0 ]
