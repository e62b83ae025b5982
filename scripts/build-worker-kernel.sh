#!/usr/bin/env bash
# The main job: build the worker-node kernel as installable Debian packages
# into out/.  Base: Debian's own cloud config for the pinned kernel
# (WORKER_BASE selects another config file), merged with
# configs/worker.config and the base's fragment (BASE_CONFIG,
# scripts/lib.sh).  Built in build/7.3/out/worker (build/out/worker for
# BASE=6.12) with ccache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base

# Debian's configs of the base's series: installed with apt from the host's
# release, or, for a base from another suite (SUITE in BASE: 7.3 on a
# bookworm host), downloaded alone and unpacked under build/debs/ like the
# base itself (scripts/fetch-base.sh), never installed.
cfg_root=
[ -n "$SUITE" ] && cfg_root=$DEBS/$CONFIG_PACKAGE
base=${WORKER_BASE:-$cfg_root/usr/src/$CONFIG_PACKAGE/config.amd64_none_cloud-amd64.xz}
out=$BUILD/out/worker
dest=${DEST:-$TOP/out}
# Debian keeps only the newest linux-config in its archive, so it is not
# pinned: the newest one of the same series is close enough for a base that
# olddefconfig adapts to the pinned source.  Its version is logged.
if [ -z "${WORKER_BASE:-}" ] && [ ! -f "$base" ] && [ -n "$SUITE" ]; then
	[ -r "$DEBS/apt/sources.list" ] || "$TOP/scripts/fetch-base.sh"
	dl=$(mktemp -d "$DEBS/download.XXXXXX")
	log "apt: downloading $CONFIG_PACKAGE from $SUITE (not installed)"
	(cd "$dl" && private_apt apt-get download "$CONFIG_PACKAGE" >/dev/null) ||
		{ rm -rf "$dl"; die "$SUITE has no $CONFIG_PACKAGE (or set WORKER_BASE)"; }
	rm -rf "$cfg_root"
	dpkg-deb -x "$dl"/*.deb "$cfg_root"
	dpkg-deb -f "$dl"/*.deb Version >"$cfg_root/VERSION"
	rm -rf "$dl"
elif [ -z "${WORKER_BASE:-}" ] && [ ! -f "$base" ]; then
	[ "$(id -u)" = 0 ] || die "need root to install $CONFIG_PACKAGE (or set WORKER_BASE)"
	log "installing $CONFIG_PACKAGE (Debian's configs for the base's series)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "$CONFIG_PACKAGE" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q "$CONFIG_PACKAGE" >/dev/null; } ||
		die "apt cannot install $CONFIG_PACKAGE"
fi
[ -f "$base" ] || die "base config $base not found (WORKER_BASE, or $CONFIG_PACKAGE)"
if [ -z "${WORKER_BASE:-}" ]; then
	if [ -n "$SUITE" ]; then cver=$(cat "$cfg_root/VERSION"); else cver=$(dpkg-query -W -f='${Version}' "$CONFIG_PACKAGE"); fi
	log "base config: ${base#"$TOP"/} from $CONFIG_PACKAGE $cver${SUITE:+ ($SUITE)} (source pinned at $VERSION)"
fi

frags=("$TOP/configs/worker.config")
[ -n "$BASE_CONFIG" ] && frags+=("$BASE_CONFIG")
"$TOP/scripts/merge-config.sh" "$out" "$base" "${frags[@]}"
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
