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
[ -f "$base" ] || die "base config $base not found (it comes with $CONFIG_PACKAGE; run scripts/setup.sh)"

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
