#!/usr/bin/env bash
# Make sure the pinned base tarball ($QUEUE/BASE) is on the host and is the
# exact file we pinned.
#
# A base from the host's own release (no SUITE in BASE) is installed with
# apt.  A base from another suite (SUITE=trixie-backports for Linux 7.3 on
# a bookworm host) is fetched alone: `apt-get download` with a private
# sources list and apt state under build/debs/, then `dpkg-deb -x` there.
# Nothing of the host's apt configuration or dpkg database is read or
# changed, so a bookworm machine stays bookworm.
#
# Then Debian's source package metadata of the base, for
# scripts/check-base-delta.sh (scripts/fetch-base-source.sh).
#
# Only the source is pinned: Debian's archive keeps older linux-source
# versions but only the newest linux-config, which build-worker-kernel.sh
# installs by itself (its config is a starting point for olddefconfig).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base

MIRROR=${MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

repin_hint() {
	echo "To re-pin: BASE=$BASE scripts/repin-base.sh NEW_VERSION, then 'make tree BASE=$BASE'"
	echo "to check that the series still applies, and commit ${QUEUE#"$TOP"/}/BASE."
}

installed() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

install_from_host_release() {
	[ "$(installed "$PACKAGE")" = "$VERSION" ] && return 0
	log "installing $PACKAGE=$VERSION"
	[ "$(id -u)" = 0 ] || die "need root to install $PACKAGE=$VERSION (or install it yourself)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --allow-downgrades "$PACKAGE=$VERSION" >/dev/null 2>&1 && return 0
	apt-get update -q >/dev/null 2>&1 || true
	if ! apt-get install -y -q --allow-downgrades "$PACKAGE=$VERSION" >/dev/null; then
		{
			echo "error: the pinned base $PACKAGE=$VERSION cannot be installed."
			echo "apt offers these versions:"
			apt-cache madison "$PACKAGE" | sed 's/^/    /'
			repin_hint
		} >&2
		exit 1
	fi
}

fetch_from_suite() {
	local a=$DEBS/apt dl deb
	[ -r "$TARBALL" ] && return 0
	[ -r "$KEYRING" ] || die "$KEYRING is missing: install debian-archive-keyring"
	mkdir -p "$a/state/lists/partial" "$a/cache/archives/partial"
	: >"$a/state/status"
	echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" >"$a/sources.list"
	log "apt: reading $SUITE's package list (private state in ${a#"$TOP"/})"
	private_apt apt-get update >/dev/null || die "apt-get update of $SUITE ($MIRROR) failed"
	dl=$(mktemp -d "$DEBS/download.XXXXXX")
	log "apt: downloading $PACKAGE=$VERSION from $SUITE (not installed)"
	if ! (cd "$dl" && private_apt apt-get download "$PACKAGE=$VERSION" >/dev/null); then
		rm -rf "$dl"
		{
			echo "error: $SUITE no longer has $PACKAGE=$VERSION (the archive keeps"
			echo "only the newest version of a suite).  $SUITE offers:"
			private_apt apt-cache madison "$PACKAGE" 2>/dev/null | sed 's/^/    /' || true
			repin_hint
		} >&2
		exit 1
	fi
	deb=$(ls "$dl"/*.deb)
	log "unpacking ${deb##*/} into ${BASE_ROOT#"$TOP"/}"
	rm -rf "$BASE_ROOT"
	dpkg-deb -x "$deb" "$BASE_ROOT"
	rm -rf "$dl"
	[ -r "$TARBALL" ] || die "$PACKAGE $VERSION has no ${TARBALL#"$BASE_ROOT"}"
}

if [ -n "$SUITE" ]; then
	fetch_from_suite
else
	install_from_host_release
fi

[ -r "$TARBALL" ] || die "$PACKAGE $VERSION is installed but $TARBALL is missing"
sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
[ "$sum" = "$SHA256" ] || die "$TARBALL has sha256 $sum, but BASE pins $SHA256: the package was rebuilt or the file was changed. Re-pin only after checking why."
log "base: $PACKAGE $VERSION${SUITE:+ from $SUITE} (${TARBALL#"$TOP"/}, sha256 ok)"

# Debian's source package of the base (its .dsc and debian.tar.xz), which
# scripts/check-base-delta.sh compares with the queue.  Building does not
# need it: a mirror without it is a warning, and is asked again after a day.
src=$(base_source_dir)
if ! compgen -G "$src/*.debian.tar.xz" >/dev/null &&
   [ -z "$(find "$src/unavailable" -mmin -1440 2>/dev/null)" ]; then
	"$TOP/scripts/fetch-base-source.sh" ||
		log "warning: Debian's source package of $PACKAGE $VERSION is not in ${src#"$TOP"/} (above); scripts/check-base-delta.sh cannot compare its patches with the queue"
fi
