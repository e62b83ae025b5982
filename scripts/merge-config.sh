#!/usr/bin/env bash
# Build a kernel .config for build dir OUTDIR from a base and fragments:
#   merge-config.sh OUTDIR BASE FRAGMENT...
# BASE is a config target of the tree (tinyconfig, defconfig, ...) or a config
# file (plain or .xz).  Fragments are merged with the tree's
# scripts/kconfig/merge_config.sh, then `make olddefconfig` runs, and the
# result is checked: every option a fragment asks for must have survived
# olddefconfig, or this fails and names the options that did not.
# OUTDIR/.config is only rewritten when the result differs, so an unchanged
# config never triggers a rebuild.  With MERGE_ALLOW_UNDEFINED=1 (used by
# `make bisect`, for commits before a series adds its options), an option
# that no Kconfig file of the tree defines is left out of the check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: merge-config.sh OUTDIR BASE FRAGMENT...}
base=${2:?usage: merge-config.sh OUTDIR BASE FRAGMENT...}
shift 2
frags=()
for f in "$@"; do
	[ -r "$f" ] || die "config fragment $f not found"
	frags+=("$(realpath "$f")")
done
set -- "${frags[@]}"
mkdir -p "$out"
out=$(realpath "$out")
case $base in */*) [ -f "$base" ] && base=$(realpath "$base") ;; esac

scratch=$out/.pq-kconfig
rm -rf "$scratch"
mkdir -p "$scratch"
case $base in
*config) if [ -f "$base" ]; then cp "$base" "$scratch/.config"; else kmake -s O="$scratch" "$base" >/dev/null; fi ;;
*.xz) xz -dc "$base" >"$scratch/.config" ;;
*) [ -f "$base" ] || die "base config $base: not a file nor a *config target"; cp "$base" "$scratch/.config" ;;
esac

(cd "$TREE" && ./scripts/kconfig/merge_config.sh -m -O "$scratch" "$scratch/.config" "$@") >"$scratch/merge.log" 2>&1 ||
	{ cat "$scratch/merge.log" >&2; die "merge_config.sh failed"; }
kmake -s O="$scratch" olddefconfig >/dev/null

# Every option the fragments request, last request wins, as "NAME VALUE"
# (VALUE "n" for "# CONFIG_FOO is not set").
requested() {
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p' \
	       -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' "$@" |
		awk '{ v[$1] = $2; if (!($1 in o)) o[$1] = n++ } END { for (k in v) print o[k], k, v[k] }' |
		sort -n | cut -d' ' -f2-
}

bad=0
while read -r name want; do
	got=$(sed -n -e "s/^$name=\\(.*\\)\$/\\1/p" "$scratch/.config")
	[ -n "$got" ] || got=n
	[ "$want" = n ] && [ "$got" = n ] && continue
	[ "$got" = "$want" ] && continue
	if [ "${MERGE_ALLOW_UNDEFINED:-0}" = 1 ] &&
	   ! git -C "$TREE" grep -q -E "^[[:space:]]*(menu)?config ${name#CONFIG_}\$" -- '*Kconfig*'; then
		log "not in this tree's Kconfig, left out: $name"
		continue
	fi
	[ $bad = 0 ] && echo "error: these options did not survive olddefconfig (requested -> got):" >&2
	printf '    %s: %s -> %s\n' "$name" "$want" "$got" >&2
	bad=1
done < <(requested "$@")
[ $bad = 0 ] || {
	echo "Fix the fragment (usually a missing dependency; 'make O=$scratch menuconfig' and search with '/' shows why)." >&2
	exit 1
}

if cmp -s "$scratch/.config" "$out/.config"; then
	log "config unchanged: $out/.config"
else
	cp "$scratch/.config" "$out/.config"
	log "config written: $out/.config ($(grep -c '=[ym]$' "$out/.config") options on)"
fi
rm -rf "$scratch"
