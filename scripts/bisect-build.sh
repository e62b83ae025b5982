#!/usr/bin/env bash
# Build every commit of the queue in turn (the kernel with the test config,
# without debug options) so that the series stays bisectable.  Uses a
# separate worktree, build/bisect, so the development tree is not touched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || "$TOP/scripts/make-tree.sh"
mapfile -t commits < <(tgit rev-list --reverse base..HEAD)
if [ ${#commits[@]} = 0 ]; then
	echo "bisect build: the queue is empty, nothing to build"
	exit 0
fi
wt=$BUILD/bisect out=$BUILD/out/bisect
tgit worktree prune
[ -e "$wt/.git" ] || { rm -rf "$wt"; tgit worktree add -q --detach "$wt" base; }
n=0
for c in "${commits[@]}"; do
	n=$((n + 1))
	git -C "$wt" checkout -q --detach "$c"
	[ "$(git -C "$wt" rev-parse "$c^{tree}")" = "$(git -C "$wt" rev-parse "$c^^{tree}")" ] && continue
	subj=$(git -C "$wt" log -1 --format='%h ("%s")' "$c")
	log "[$n/${#commits[@]}] $subj"
	frags=("$TOP/configs/vm.config" "$TOP/configs/worker.config" "$TOP/configs/test.config")
	for t in $SELFTEST_CONFIGS; do
		[ -f "$wt/tools/testing/selftests/$t/config" ] && frags+=("$wt/tools/testing/selftests/$t/config")
	done
	MERGE_ALLOW_UNDEFINED=1 TREE=$wt "$TOP/scripts/merge-config.sh" "$out" "${TEST_BASE:-tinyconfig}" "${frags[@]}"
	TREE=$wt kmake -s O="$out" all >"$out.log" 2>&1 ||
		{ tail -30 "$out.log" >&2; die "$subj does not build (log: $out.log)"; }
done
echo "bisect build: all ${#commits[@]} commits build"
