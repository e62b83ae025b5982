#!/usr/bin/env bash
# Make sure the pinned base tarball (kernel-patches/BASE) is on the host
# and is the exact file we pinned.  Installs it with apt when it is missing.
# Only the source is pinned: Debian's archive keeps older linux-source
# versions but only the newest linux-config, which build-worker-kernel.sh
# installs by itself (its config is a starting point for olddefconfig).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base

installed() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

need_install=
[ "$(installed "$PACKAGE")" = "$VERSION" ] || need_install=" $PACKAGE=$VERSION"

if [ -n "$need_install" ]; then
	log "installing$need_install"
	[ "$(id -u)" = 0 ] || die "need root to install$need_install (or install it yourself)"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! apt-get install -y -q --allow-downgrades $need_install >/dev/null 2>&1; then
		apt-get update -q >/dev/null 2>&1 || true
		# shellcheck disable=SC2086
		if ! apt-get install -y -q --allow-downgrades $need_install >/dev/null; then
			{
				echo "error: the pinned base $PACKAGE=$VERSION cannot be installed."
				echo "apt offers these versions:"
				apt-cache madison "$PACKAGE" | sed 's/^/    /'
				echo "To re-pin: scripts/repin-base.sh NEW_VERSION, then 'make tree' to"
				echo "check that the series still applies, and commit kernel-patches/BASE."
			} >&2
			exit 1
		fi
	fi
fi

[ -r "$TARBALL" ] || die "$PACKAGE $VERSION is installed but $TARBALL is missing"
sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
[ "$sum" = "$SHA256" ] || die "$TARBALL has sha256 $sum, but BASE pins $SHA256: the package was rebuilt or the file was changed. Re-pin only after checking why."
log "base: $PACKAGE $VERSION ($TARBALL, sha256 ok)"
