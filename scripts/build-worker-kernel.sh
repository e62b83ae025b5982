#!/usr/bin/env bash
# The main job: build the worker-node kernel as installable Debian packages
# into out/.  Base: Debian's own cloud config for the pinned kernel
# (WORKER_BASE selects another config file), merged with
# configs/worker.config.  Built in build/out/worker with ccache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base

base=${WORKER_BASE:-/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz}
out=$BUILD/out/worker
dest=${DEST:-$TOP/out}
# Debian keeps only the newest linux-config in its archive, so it is not
# pinned: the newest one of the same series is close enough for a base that
# olddefconfig adapts to the pinned source.  Its version is logged.
if [ -z "${WORKER_BASE:-}" ] && [ ! -f "$base" ]; then
	[ "$(id -u)" = 0 ] || die "need root to install $CONFIG_PACKAGE (or set WORKER_BASE)"
	log "installing $CONFIG_PACKAGE (Debian's configs for the base's series)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "$CONFIG_PACKAGE" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q "$CONFIG_PACKAGE" >/dev/null; } ||
		die "apt cannot install $CONFIG_PACKAGE"
fi
[ -f "$base" ] || die "base config $base not found (WORKER_BASE, or $CONFIG_PACKAGE)"
[ -n "${WORKER_BASE:-}" ] ||
	log "base config: $base from $CONFIG_PACKAGE $(dpkg-query -W -f='${Version}' "$CONFIG_PACKAGE") (source pinned at $VERSION)"

"$TOP/scripts/merge-config.sh" "$out" "$base" "$TOP/configs/worker.config"
# bindeb-pkg leaves the packages in the parent of the build directory.
rm -f "$BUILD"/out/*.deb "$BUILD"/out/*.buildinfo "$BUILD"/out/*.changes
start=$(date +%s)
kmake -s O="$out" KDEB_COMPRESS="${KDEB_COMPRESS:-gzip}" \
	KDEB_PKGVERSION="${VERSION%%~*}+sls$(git -C "$TOP" rev-list --count HEAD 2>/dev/null || echo 0)" \
	bindeb-pkg
mkdir -p "$dest"
mv "$BUILD"/out/*.deb "$dest/"
log "worker kernel packages built in $(($(date +%s) - start)) s:"
ls -la "$dest"/*.deb >&2
