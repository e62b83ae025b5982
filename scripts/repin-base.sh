#!/usr/bin/env bash
# Re-pin the base to another version of the Debian package:
#   scripts/repin-base.sh 6.12.117-1~deb12u1
# Installs that version, records its tarball's sha256 in kernel-patches/BASE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base
new=${1:?usage: repin-base.sh VERSION}
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --allow-downgrades "$PACKAGE=$new" >/dev/null ||
	die "apt cannot install $PACKAGE=$new; apt-cache madison $PACKAGE lists what it can"
sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
sed -i -e "s/^VERSION=.*/VERSION=$new/" -e "s/^SHA256=.*/SHA256=$sum/" "$QUEUE/BASE"
log "pinned $PACKAGE $new ($sum); now run 'make tree' and commit kernel-patches/BASE"
