#!/usr/bin/env bash
# Check the host's toolchain against what the base tree asks for: gcc and
# LLVM (clang builds the BPF selftests and programs) from the tree's
# scripts/min-tool-version.sh, pahole from Documentation/process/changes.rst
# and the floor below which lib/Kconfig.debug turns BTF off (no BTF: no
# BPF selftests, no CO-RE).  Reads those files from the tree's base commit
# (a sparse checkout has them too); make-tree.sh runs it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base_file() { git -C "$TREE" show "base:$1"; }
base_file scripts/min-tool-version.sh >/dev/null 2>&1 ||
	die "no tree at $TREE: run 'make tree BASE=$BASE'"
min_version() { base_file scripts/min-tool-version.sh | sh -s "$1"; }
bad=0
older() { dpkg --compare-versions "$1" lt "$2"; }
too_old() { # tool have want how-to-fix
	printf 'error: %s %s is older than %s, the minimum of Linux %s.\n       %s\n' \
		"$1" "$2" "$3" "$BASE" "$4" >&2
	bad=1
}

want=$(min_version gcc)
have=$(gcc -dumpfullversion 2>/dev/null || echo 0)
older "$have" "$want" && too_old gcc "$have" "$want" "Install a newer gcc (gcc-12 on bookworm) and point CC at it."

want=$(min_version llvm)
have=$("$CLANG" --version 2>/dev/null | sed -n 's/.*clang version \([0-9.]*\).*/\1/p' | head -n1)
older "${have:-0}" "$want" && too_old "clang ($CLANG)" "${have:-missing}" "$want" \
	"Install clang-19 (bookworm has it) or set CLANG=clang-NN."

have=$(pahole --version 2>/dev/null | sed 's/^v//')
doc=$(base_file Documentation/process/changes.rst | awk '$1 == "pahole" && $2 ~ /^[0-9.]+$/ && !v { v = $2 } END { print v }')
floor=$(base_file lib/Kconfig.debug | sed -n 's/.*depends on PAHOLE_VERSION >= \([0-9]\)\([0-9]*\)$/\1.\2/p' | sed -n 1p)
if older "${have:-0}" "${floor:-0}"; then
	too_old pahole "${have:-missing}" "$floor" \
		"Below $floor the kernel builds without BTF; install dwarves from a newer suite."
elif [ -n "$doc" ] && older "$have" "$doc"; then
	log "pahole $have: Linux $BASE documents $doc; BTF builds from $floor, but may keep duplicate types that make module BTF fail to load (docs/port-7.3.md)"
fi
[ "$bad" = 0 ] || exit 1
log "toolchain: gcc $(gcc -dumpfullversion), $CLANG $("$CLANG" --version | sed -n 's/.*clang version \([0-9.]*\).*/\1/p' | head -n1), pahole $have"
