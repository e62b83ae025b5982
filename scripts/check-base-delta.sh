#!/usr/bin/env bash
# The base is Debian's linux-source tarball: upstream Linux with Debian's
# patches applied.  Show that the queue applies to vanilla upstream as well:
# no file the queue's patches touch is touched by a patch of Debian's
# debian/patches/series, or lies in a path Debian removes from the
# upstream tarball (debian/copyright's Files-Excluded).  Also that the top
# entry of debian/changelog is the pinned version, and that its upstream
# part (7.3.4 of 7.3.4-1~bpo13+1) is the version in the base's Makefile.
#
#   [BASE=6.12|7.3] [QUEUE=DIR] scripts/check-base-delta.sh
#
# Reads Debian's debian.tar.xz as scripts/fetch-base-source.sh cached it
# (DEBIAN_TARBALL=FILE reads another one), offline.  Exit status: 0 no
# overlap; 1 an overlap (each shared file is named with the Debian patch
# and the queue patch touching it), a queue file in an excluded path, or
# a version that differs; 2 Debian's source package is not cached (the
# other checks still run; the command that fetches it is printed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base

upstream=$(base_upstream)
# A repacked orig (7.3.4+dfsg) is still upstream 7.3.4 less Files-Excluded
vanilla=${upstream%%+*}
src=$(base_source_dir)
doc=$(base_doc_dir)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/empty"
bad=0
problem() { echo "FAIL $*"; bad=1; }

# Debian's source package: cached, and still what the signed index gave
deb=${DEBIAN_TARBALL:-}
if [ -z "$deb" ] && compgen -G "$src/*.debian.tar.xz" >/dev/null; then
	deb=$(echo "$src"/*.debian.tar.xz)
	read -r _ _ hash _ < <(awk -v n="${deb##*/}" '$1 == n' "$src/index" 2>/dev/null) || hash=
	[ "SHA256:$(sha256sum <"$deb" | cut -d' ' -f1)" = "$hash" ] ||
		die "${deb#"$TOP"/} does not have the sha256 recorded from the signed Sources index in ${src#"$TOP"/}/index: fetch it again with BASE=$BASE scripts/fetch-base-source.sh"
fi
if [ -n "$deb" ]; then
	tar -xJf "$deb" -C "$tmp" debian/changelog debian/copyright debian/patches ||
		die "${deb#"$TOP"/} lacks debian/changelog, debian/copyright or debian/patches"
	changelog=$tmp/debian/changelog copyright=$tmp/debian/copyright
	from=${deb#"$TOP"/}
else
	# Without it, the binary package's copies of the two files
	[ -r "$doc/changelog.Debian.gz" ] ||
		die "neither Debian's source package (${src#"$TOP"/}) nor $doc/changelog.Debian.gz is here: run 'make setup'"
	gzip -dc "$doc/changelog.Debian.gz" >"$tmp/changelog"
	changelog=$tmp/changelog copyright=$doc/copyright
	from=${doc#"$TOP"/}
fi
echo "base: $PACKAGE $VERSION, upstream $upstream (Debian's files from $from)"

# debian/changelog's top entry, e.g. "linux (7.3.4-1~bpo13+1) trixie-backports; urgency=medium"
top=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$changelog")
if [ "$top" != "$VERSION" ]; then
	problem "debian/changelog: the top entry is ${top:-unreadable}, but BASE pins $VERSION"
else
	t=${top#*:}
	[ "${t%-*}" = "$upstream" ] || problem "debian/changelog: $top is upstream ${t%-*}, not $upstream"
	echo "debian/changelog: top entry $top, upstream ${t%-*}"
fi

# The base's own Makefile (VERSION.PATCHLEVEL.SUBLEVEL plus EXTRAVERSION):
# from the tree's base commit, the tarball imported byte for byte, when
# there is one (reading it from the compressed tarball takes a while)
base_makefile() {
	if tgit rev-parse -q --verify 'refs/tags/base^{commit}' >/dev/null 2>&1; then
		tgit show base:Makefile
	else
		tar -xJOf "$TARBALL" --occurrence=1 "${name%.tar.*}/Makefile"
	fi
}
if [ -r "$TARBALL" ]; then
	name=${TARBALL##*/}
	mk=$(base_makefile 2>/dev/null |
		awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
			$1 == "SUBLEVEL" { s = $2 } $1 == "EXTRAVERSION" { e = $2; exit }
			END { if (v != "") print v "." p (s != "" ? "." s : "") e }') || true
	if [ "$mk" = "$vanilla" ]; then
		echo "${name%.tar.*}/Makefile: Linux $mk"
	else
		problem "the Makefile of ${TARBALL#"$TOP"/} says Linux ${mk:-?}, not $vanilla"
	fi
else
	echo "note: ${TARBALL#"$TOP"/} is not here ('make setup' fetches it): its Makefile's version is not checked"
fi

# Files the queue's patches touch, with the patches: "FILE TOPIC/PATCH"
touched() { # PATCH [STRIP]: the paths it touches, both names of a rename
	# (--numstat gives only the new name; git's "rename from" the old)
	(cd "$tmp/empty" && git apply --numstat -z -p"${2:-1}" "$1") |
		awk -v RS='\0' -F'\t' 'more { print; more--; next }
			NF >= 3 && $3 == "" { more = 2; next }
			NF >= 3 { print $3 }'
	sed -n 's/^rename from //p' "$1"
}
: >"$tmp/queue"
while read -r t; do
	for p in "$QUEUE/$t"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$p" ] || continue
		[ "${p##*/}" = 0000-cover-letter.patch ] && continue
		touched "$p" >"$tmp/files" || die "git apply cannot read $t/${p##*/}"
		sed "s|\$| $t/${p##*/}|" "$tmp/files" >>"$tmp/queue"
	done
done < <(series_topics)
nq=$(cut -d' ' -f1 "$tmp/queue" | sort -u | wc -l)

# Paths Debian removes from the upstream tarball (globs: * may match /;
# a directory stands for everything below it)
read -ra excluded < <(awk '/^$/ { exit } /^Files-Excluded:/ { on = 1; sub(/^[^:]*:/, ""); print; next }
	on && /^[ \t]/ { print; next } { on = 0 }' "$copyright" 2>/dev/null | tr '\n' ' ') || true
case $upstream in
*+*)	[ ${#excluded[@]} -gt 0 ] ||
		echo "note: the orig tarball is repacked ($upstream), but debian/copyright has no Files-Excluded listing what it lacks" ;;
esac
nx=0
while read -r f p; do
	for x in "${excluded[@]}"; do
		# shellcheck disable=SC2053
		if [[ $f == $x || $f == $x/* ]]; then
			problem "$f: Debian removes it from upstream's tarball (Files-Excluded: $x), and the queue's $p touches it"
			nx=$((nx + 1))
		fi
	done
done <"$tmp/queue"
[ $nx -gt 0 ] || echo "Files-Excluded: ${#excluded[@]} paths, none holds any of the $nq queue files"

if [ -z "$deb" ]; then
	echo "Debian's patches: not checked, Debian's source package of $PACKAGE $VERSION is not in ${src#"$TOP"/}"
	[ -r "$src/unavailable" ] && sed 's/^/    /' "$src/unavailable"
	echo "BASE=$BASE scripts/fetch-base-source.sh fetches it (make setup runs it)"
	[ $bad = 0 ] && exit 2
	exit 1
fi

# Files Debian's patches touch, with the patches: "FILE PATCH"
series=$tmp/debian/patches/series
[ -r "$series" ] || die "${deb#"$TOP"/} has no debian/patches/series"
: >"$tmp/debian.files"
nd=0
while read -r p opt _; do
	strip=1
	case ${opt:-} in -p[0-9]) strip=${opt#-p} ;; esac
	f=$tmp/debian/patches/$p
	[ -r "$f" ] || { problem "debian/patches/series names $p, which the debian.tar.xz lacks"; continue; }
	touched "$f" "$strip" >"$tmp/files" || die "git apply cannot read debian/patches/$p"
	sed "s|\$| $p|" "$tmp/files" >>"$tmp/debian.files"
	nd=$((nd + 1))
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series")
nk=$(cut -d' ' -f1 "$tmp/debian.files" | sort -u | wc -l)

# Both sides, by file
shared=$(join <(cut -d' ' -f1 "$tmp/queue" | sort -u) <(cut -d' ' -f1 "$tmp/debian.files" | sort -u))
for f in $shared; do
	problem "$f: Debian's $(awk -v f="$f" '$1 == f { printf "%s%s", s, $2; s = ", " }' "$tmp/debian.files") and the queue's $(awk -v f="$f" '$1 == f { printf "%s%s", s, $2; s = ", " }' "$tmp/queue") both touch it"
done
if [ -n "$shared" ]; then
	echo "$nq queue files, $nd Debian patches touching $nk files: $(wc -w <<<"$shared") shared; the queue may not apply to vanilla $vanilla"
	exit 1
fi
if [ $bad != 0 ]; then
	echo "$nq queue files, $nd Debian patches touching $nk files: no file in common, but see above"
	exit 1
fi
echo "$nq queue files, $nd Debian patches touching $nk files: no overlap; the queue applies to vanilla $vanilla"
