#!/usr/bin/env bash
# Fetch containers/common's default seccomp profile (the one Podman and
# CRI-O use, derived from Docker's) from Debian's
# golang-github-containers-common package, without installing the package
# (it depends on container networking): apt-get download and dpkg -x.
# Writes build/tools/containers-default.json and prints its path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/tools/containers-default.json
if [ ! -s "$out" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q golang-github-containers-common >/dev/null 2>&1) ||
		die "apt-get download golang-github-containers-common failed"
	dpkg -x "$tmp"/golang-github-containers-common_*.deb "$tmp/x"
	mkdir -p "$(dirname "$out")"
	cp "$tmp/x/usr/share/containers/seccomp.json" "$out.tmp"
	mv "$out.tmp" "$out"
fi
echo "$out"
