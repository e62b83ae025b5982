#!/usr/bin/env bash
# Re-pin the base to another version of the Debian package:
#   scripts/repin-base.sh 6.12.117-1~deb12u1
#   BASE=7.3 scripts/repin-base.sh 7.3.5-1~bpo13+1
# Fetches that version as scripts/fetch-base.sh does (installed from the
# host's release, or downloaded and unpacked from BASE's SUITE) and records
# its tarball's sha256 in the queue's BASE file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base
new=${1:?usage: [BASE=6.12|7.3] repin-base.sh VERSION}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# fetch-base.sh checks the sha256 against BASE: give it a copy of the queue's
# BASE with the new version and the sum it is about to learn
sed -e "s/^VERSION=.*/VERSION=$new/" "$QUEUE/BASE" >"$tmp/BASE"
if ! QUEUE=$tmp "$TOP/scripts/fetch-base.sh" 2>"$tmp/log"; then
	grep -q 'but BASE pins' "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
fi
QUEUE=$tmp load_base
sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
sed -i -e "s/^VERSION=.*/VERSION=$new/" -e "s/^SHA256=.*/SHA256=$sum/" "$QUEUE/BASE"
log "pinned $PACKAGE $new ($sum); now run 'make tree BASE=$BASE' and commit ${QUEUE#"$TOP"/}/BASE"
