#!/usr/bin/env bash
# Install what building and testing the series needs on Debian bookworm:
# the toolchain and QEMU from apt, virtme-ng and b4 from PyPI into
# build/venv.
# Safe to run again; it only installs what is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves ccache cpio kmod rsync
	xz-utils zstd e2fsprogs gawk dpkg-dev debhelper git python3 python3-venv
	qemu-system-x86 busybox-static
	clang-19 llvm-19 lld-19 libbpf-dev bpftool libcap-dev libseccomp-dev libjson-c-dev libmnl-dev libpopt-dev
	libcapstone-dev crun libmicrohttpd-dev libcurl4-openssl-dev
	sparse shellcheck python3-ply
	man-db pkg-config
)
VIRTME_NG_VERSION=1.42
# b4 for `make post` (b4 prep --check); bookworm's 0.12 has no --check
B4_VERSION=0.14.3

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
	log "apt: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! "$VENV/bin/vng" --version 2>/dev/null | grep -q "$VIRTME_NG_VERSION"; then
	log "pip: installing virtme-ng $VIRTME_NG_VERSION into $VENV"
	mkdir -p "$BUILD"
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q --disable-pip-version-check "virtme-ng==$VIRTME_NG_VERSION"
fi
# The venv's python3 comes first in PATH (scripts/lib.sh): checkpatch's
# SPDX check (scripts/spdxcheck.py) needs ply and GitPython there too.
if ! "$VENV/bin/python3" -c "import ply, git" 2>/dev/null; then
	log "pip: installing ply and GitPython into $VENV (checkpatch's SPDX check)"
	"$VENV/bin/pip" install -q --disable-pip-version-check ply GitPython
fi
if [ "$("$VENV/bin/b4" --version 2>/dev/null)" != "$B4_VERSION" ]; then
	log "pip: installing b4 $B4_VERSION into $VENV (make post)"
	"$VENV/bin/pip" install -q --disable-pip-version-check "b4==$B4_VERSION"
fi
# the pinned base of the queue BASE names (scripts/lib.sh: 7.3 unless
# BASE=6.12)
"$TOP/scripts/fetch-base.sh"
log "setup done"
