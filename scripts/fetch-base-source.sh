#!/usr/bin/env bash
# Fetch what scripts/check-base-delta.sh reads of Debian's source package of
# the pinned base ($QUEUE/BASE): its .dsc and its debian.tar.xz (Debian's
# packaging and patches, about 1.5 MB; the 160 MB orig tarball is not
# needed), into build/debs/source/PACKAGE_VERSION/.  Nothing is installed.
#
#   [BASE=6.12|7.3] scripts/fetch-base-source.sh [DIR]
#
# A private apt as in fetch-base.sh, with a deb-src line for the suite the
# base comes from (BASE's SUITE, or for a base from the host's release the
# suite the host's apt has it from): `apt-get update` checks the suite's
# signed Release file with debian-archive-keyring, `apt-get source
# --print-uris` gives each file's sha256 from the Sources index it signs,
# and apt-helper downloads the two files and checks them against it.  The
# .dsc must list the same debian.tar.xz.  With DIR the two files are taken
# from DIR instead (for a mirror that lacks them: copies from another
# mirror or snapshot.debian.org) and checked against the index just the
# same.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base
from=${1:-}

MIRROR=${MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SRC=$(base_source_dir)

# Where the base comes from: "URI SUITE COMPONENT"
if [ -n "$SUITE" ]; then
	origin="$MIRROR $SUITE main"
else
	# e.g. "linux-source-6.12 | 6.12.117-1~deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages"
	origin=$(apt-cache madison "$PACKAGE" 2>/dev/null |
		awk -F' [|] ' -v v="$VERSION" '$2 == v && !n++ { split($3, f, " "); sub("/", " ", f[2]); print f[1], f[2] }')
	[ -n "$origin" ] || die "the host's apt does not know $PACKAGE $VERSION (apt-cache madison $PACKAGE): cannot tell which suite to ask for its source"
fi
read -r uri suite comp <<<"$origin"

APT_DIR=$DEBS/apt-src/$suite
[ -r "$KEYRING" ] || die "$KEYRING is missing: install debian-archive-keyring"
mkdir -p "$APT_DIR/state/lists/partial" "$APT_DIR/cache/archives/partial" "$SRC"
: >"$APT_DIR/state/status"
echo "deb-src [signed-by=$KEYRING] $uri $suite $comp" >"$APT_DIR/sources.list"
log "apt: reading $suite's source index ($uri, private state in ${APT_DIR#"$TOP"/})"
private_apt apt-get update >/dev/null || die "apt-get update of $suite's sources ($uri) failed"

# "'URI' NAME SIZE SHA256:HASH" for each file of the source package
# (the binary's name and version find the source's)
index=$(private_apt apt-get source --print-uris "$PACKAGE=$VERSION" 2>/dev/null | grep "^'") ||
	die "$suite's Sources index has no source package for $PACKAGE $VERSION"
rm -f "$SRC/unavailable"
rm -rf "$SRC/partial"
mkdir -p "$SRC/partial"
trap 'rm -rf "$SRC/partial"' EXIT
fail=0
for kind in dsc debian.tar.xz; do
	read -r u name size hash < <(awk -v k=".$kind" 'index($2, k) == length($2) - length(k) + 1' <<<"$index")
	[ -n "${name:-}" ] || die "$suite's source package of $PACKAGE $VERSION has no *.$kind"
	u=${u//\'/}
	case $hash in SHA256:*) ;; *) die "the Sources index gives $name no sha256 ($hash)" ;; esac
	if [ -n "$from" ]; then
		[ -r "$from/$name" ] || { echo "$name: not in $from" >>"$SRC/unavailable"; fail=1; continue; }
		cp "$from/$name" "$SRC/partial/$name"
		[ "SHA256:$(sha256sum <"$SRC/partial/$name" | cut -d' ' -f1)" = "$hash" ] ||
			die "$from/$name does not have the sha256 that $suite's signed Sources index gives ($hash)"
	else
		log "apt: downloading $name ($size bytes)"
		if ! /usr/lib/apt/apt-helper -o APT::Sandbox::User="$(id -un)" \
			download-file "$u" "$SRC/partial/$name" "$hash" >"$SRC/partial/$name.log" 2>&1; then
			{ grep '^E: Failed' "$SRC/partial/$name.log" || tail -n1 "$SRC/partial/$name.log"; } >>"$SRC/unavailable"
			fail=1
			continue
		fi
	fi
	echo "$name $size $hash $u" >>"$SRC/partial/index"
done
if [ $fail = 1 ]; then
	{
		echo "error: $suite's signed Sources index lists the source of $PACKAGE $VERSION,"
		echo "but its files could not be fetched:"
		sed 's/^/    /' "$SRC/unavailable"
		echo "Fetch them from another Debian mirror or snapshot.debian.org:"
		sed -n "s/^'\\([^']*\\)' \\([^ ]*\\) [0-9]* \\(.*\\)/    \\2 (\\3)/p" <<<"$index" | grep -v '\.orig\.'
		echo "into a directory DIR and run: BASE=$BASE scripts/fetch-base-source.sh DIR"
	} >&2
	exit 1
fi

# The .dsc lists the debian.tar.xz the index gave: same name, same sha256
dsc=$(awk '$1 ~ /\.dsc$/ { print $1 }' "$SRC/partial/index")
read -r deb _ dhash _ < <(awk '$1 ~ /\.debian\.tar\.xz$/' "$SRC/partial/index")
sed -n '/^Checksums-Sha256:/,/^[^ ]/p' "$SRC/partial/$dsc" | grep -qx " ${dhash#SHA256:} [0-9]* $deb" ||
	die "$dsc does not list $deb with the sha256 of $suite's Sources index"

rm -f "$SRC"/*.dsc "$SRC"/*.debian.tar.xz "$SRC/index"
mv "$SRC/partial/$dsc" "$SRC/partial/$deb" "$SRC/partial/index" "$SRC/"
log "base source: $dsc and $deb in ${SRC#"$TOP"/} (sha256 as in $suite's signed Sources index)"
