#!/usr/bin/env bash
# Build the unpatched base for side-by-side benchmarks: the pinned base
# commit (tag "base" of build/linux, checked out in build/base-src) with the
# configuration of the DEBUG=0 test kernel, in build/out/base-nodebug.
# olddefconfig drops the series' own options, which the base lacks; they
# are printed, and any other difference is an error.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$BUILD/base-src
out=$BUILD/out/base-nodebug
ref=$BUILD/out/test-nodebug
[ -f "$ref/.config" ] || DEBUG=0 "$TOP/scripts/build-test-kernel.sh"
if [ ! -d "$src" ]; then
	tgit worktree prune
	tgit worktree add --detach "$src" base >/dev/null
fi
[ "$(git -C "$src" rev-parse HEAD)" = "$(tgit rev-parse base)" ] ||
	die "$src is not at the base commit: remove it and run again"
mkdir -p "$out"
cp "$ref/.config" "$out/.config"
TREE=$src kmake -s O="$out" olddefconfig
# what the base lacks of the test kernel's configuration
dropped=$(comm -23 <(grep '^CONFIG_' "$ref/.config" | sort) <(grep '^CONFIG_' "$out/.config" | sort))
log "options of the test kernel the base does not have:"
printf '   %s\n' $dropped >&2
other=$(grep -v -E '^CONFIG_(SECCOMP_BPF_PROG|BPF_MMIO_WINDOW|SAMPLE_DPU_MMIO)=' <<<"$dropped" || true)
[ -z "$other" ] || die "the base config differs beyond the series' options: $other"
start=$(date +%s)
TREE=$src kmake -s O="$out" all
log "base kernel built in $(($(date +%s) - start)) s: $out/arch/x86/boot/bzImage"
