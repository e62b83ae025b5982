#!/usr/bin/env bash
# Host-side test of the patch-queue round trip, on a throw-away clone of the
# tree and a throw-away queue: a topic with a cover letter and two patches
# is exported, applied to a fresh base, and exported again; the two exports
# must be identical, and `make tree` must then be a no-op.  Then `make lint`
# must fail on an unlisted checkpatch warning and pass once it is listed
# with a reason.  Prints TAP.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
[ -d "$TREE/.git" ] || die "no tree: run 'make tree' first"

base_queue=$QUEUE
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"' EXIT
export TREE=$tmp/linux QUEUE=$tmp/queue
# A long identity: format-patch folds its From: header over two lines.
# (git am keeps names of up to 60 characters.)
export GIT_AUTHOR_NAME="Anne-Ursula Thorvaldsdottir of the Worker Kernel Team"
export GIT_AUTHOR_EMAIL=anne.ursula.thorvaldsdottir@serverless-worker.example.org
export GIT_COMMITTER_NAME="C O Mitter" GIT_COMMITTER_EMAIL=committer@example.org
git clone -q --shared --no-checkout "$BUILD/linux" "$TREE"
# Only the files the test touches are checked out: the round trip is about
# commits and patches, and a full checkout would take a minute.
git -C "$TREE" sparse-checkout set --no-cone /.gitignore /Documentation/pq-demo.txt
git -C "$TREE" checkout -q -B pq base
tree_unignore
git -C "$TREE" config pq.basesha "$(git -C "$BUILD/linux" config pq.basesha)"
mkdir -p "$QUEUE"
# the BASE of the queue whose tree was cloned (BASE=6.12 or 7.3)
cp "$base_queue/BASE" "$QUEUE/"
printf '# test queue\n' >"$QUEUE/series"

n=0 failed=0
check() { # description command...
	n=$((n + 1))
	if "${@:2}" >"$tmp/out" 2>&1; then echo "ok $n $1"; else
		echo "not ok $n $1"; sed 's/^/# /' "$tmp/out"; failed=$((failed + 1)); fi
}
g() { git -C "$TREE" "$@"; }
sob="Signed-off-by: $GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>"

# Each step checked explicitly: `set -e` does not apply inside check's `if`.
make_topic() {
	"$top/scripts/new-topic.sh" demo "demo: a test topic" &&
	g commit -q --amend --allow-empty -m "demo: a test topic" -m "Why this topic exists." -m "How it is built." &&
	mkdir -p "$TREE/Documentation" &&
	printf 'one\n' >"$TREE/Documentation/pq-demo.txt" &&
	g add Documentation/pq-demo.txt &&
	g commit -q -m "Documentation: add pq-demo" -m "First patch." -m "$sob" &&
	printf 'one\ntwo\n' >"$TREE/Documentation/pq-demo.txt" &&
	g commit -q -a -m "Documentation: extend pq-demo" -m "Second patch." -m "$sob"
}
# COMMAND must fail with a message matching REGEX.
fails_with() { # regex command...
	local out
	if out=$("${@:2}" 2>&1); then echo "$out"; echo "(succeeded)"; return 1; fi
	echo "$out"
	grep -qE "$1" <<<"$out"
}
check "a topic is made in the tree" make_topic
check "the topic exports" "$top/scripts/export-patches.sh"
check "the export has a cover letter and two patches" \
	test "$(ls "$QUEUE/demo" | tr '\n' ' ')" = "0000-cover-letter.patch 0001-Documentation-add-pq-demo.patch 0002-Documentation-extend-pq-demo.patch "
check "new-topic left make tree nothing to re-apply" true
check "make tree right after the export is a no-op" \
	bash -c '"$0"/scripts/make-tree.sh 2>&1 | grep -q "tree up to date"' "$top"
cp -r "$QUEUE" "$tmp/first"
check "the cover letter keeps the folded From: of a long identity" \
	grep -q "^ <$GIT_AUTHOR_EMAIL>\$" "$QUEUE/demo/0000-cover-letter.patch"
echo x >>"$TREE/Documentation/pq-demo.txt"
g commit -q -a -m wip
echo "# changed" >>"$QUEUE/series"
check "a changed queue is refused while the tree has unexported commits" \
	fails_with "commits that are not exported \(1 new\)" "$top/scripts/make-tree.sh"
cp "$tmp/first/series" "$QUEUE/series"
check "FORCE=1 rebuilds the tree from the queue" env FORCE=1 "$top/scripts/make-tree.sh"
check "the rebuilt tree has the cover letter and both patches" \
	test "$(git -C "$TREE" log --format=%s base..HEAD | tr '\n' '|')" = "Documentation: extend pq-demo|Documentation: add pq-demo|demo: a test topic|"
check "a second export" "$top/scripts/export-patches.sh"
check "the round trip changes no byte" diff -r "$tmp/first" "$QUEUE"
check "the cover commit keeps its long author" \
	test "$(git -C "$TREE" log -1 --format=%an --grep='^demo: a test topic')" = "$GIT_AUTHOR_NAME"
echo y >"$TREE/Documentation/untracked.txt"
printf '# changed again\n' >>"$QUEUE/series"
check "a changed queue is refused while the tree has a new file not added" \
	fails_with "uncommitted changes or new files" "$top/scripts/make-tree.sh"
rm "$TREE/Documentation/untracked.txt"
cp "$tmp/first/series" "$QUEUE/series"
check "lint fails on a checkpatch warning that is not listed" \
	fails_with "FAIL demo/0001-Documentation-add-pq-demo.patch:.*FILE_PATH_CHANGES" env TREE="$BUILD/linux" "$top/scripts/lint.sh"
echo "demo/0001-*.patch FILE_PATH_CHANGES -- a test" >"$QUEUE/checkpatch-allow.txt"
check "lint passes once the warning is listed with a reason" env TREE="$BUILD/linux" "$top/scripts/lint.sh"
echo "demo/0001-*.patch FILE_PATH_CHANGES" >"$QUEUE/checkpatch-allow.txt"
check "lint refuses an allow line without a reason" \
	fails_with "needs '-- reason'" env TREE="$BUILD/linux" "$top/scripts/lint.sh"
# A cover letter whose patch list disagrees with the topic's patches
cp -r "$top/kernel-patches/bpf-dpu-mmio" "$tmp/covers-mmio"
check "the queue's cover letters list their patches" \
	env QUEUE="$top/kernel-patches" python3 "$top/scripts/check-covers.py"
mkdir -p "$tmp/covers"
printf 'mmio\n' >"$tmp/covers/series"
mv "$tmp/covers-mmio" "$tmp/covers/mmio"
npatches=$(find "$tmp/covers/mmio" -name '0*.patch' ! -name '0000-*' | wc -l)
rm "$tmp/covers/mmio/"0005-*.patch
check "a cover letter that lists a patch the topic lacks fails the check" \
	fails_with "the shortlog counts $npatches patches, the topic has $((npatches - 1))" \
	env QUEUE="$tmp/covers" python3 "$top/scripts/check-covers.py"
rm -r "$tmp/covers/mmio"
cp -r "$top/kernel-patches/bpf-dpu-mmio" "$tmp/covers/mmio"
# drop the last item of the numbered patch list
sed -i "/^  $npatches  *[A-Za-z]/d" "$tmp/covers/mmio/0000-cover-letter.patch"
check "a cover letter whose patch list stops short fails the check" \
	fails_with "the patch list ends at $((npatches - 1)), the topic has $npatches patches" \
	env QUEUE="$tmp/covers" python3 "$top/scripts/check-covers.py"
# a cover letter that quotes figures must name the docs/results page that
# keeps them, and the page must exist
rm -r "$tmp/covers/mmio"
cp -r "$top/kernel-patches/bpf-dpu-mmio" "$tmp/covers/mmio"
sed -i 's|docs/results/bpf-dpu-mmio.md|the docs|' "$tmp/covers/mmio/0000-cover-letter.patch"
check "a cover letter that quotes figures without their docs/results page fails the check" \
	fails_with "quotes figures" env QUEUE="$tmp/covers" python3 "$top/scripts/check-covers.py"
cp "$top/kernel-patches/bpf-dpu-mmio/0000-cover-letter.patch" "$tmp/covers/mmio/"
sed -i 's|docs/results/bpf-dpu-mmio.md|docs/results/no-such-page.md|' "$tmp/covers/mmio/0000-cover-letter.patch"
check "a cover letter that names a docs/results page that does not exist fails the check" \
	fails_with "names docs/results/no-such-page.md, which does not exist" \
	env QUEUE="$tmp/covers" python3 "$top/scripts/check-covers.py"
# MAINTAINERS generated from the patches: a kernel file dropped from its
# section, or a repository file no section covers, fails the check
cp "$top/MAINTAINERS" "$tmp/MAINTAINERS"
check "MAINTAINERS lists what the queue's patches touch" \
	env QUEUE="$top/kernel-patches-7.3" python3 "$top/scripts/maintainers.py" "$tmp/MAINTAINERS"
sed -i '0,/^F:\tkernel\/cgroup\/batch.c$/{/^F:\tkernel\/cgroup\/batch.c$/d}' "$tmp/MAINTAINERS"
check "MAINTAINERS without a file the patches touch fails the check" \
	fails_with "the patches touch kernel/cgroup/batch.c, no F: line lists it" \
	env QUEUE="$top/kernel-patches-7.3" python3 "$top/scripts/maintainers.py" "$tmp/MAINTAINERS"
cp "$top/MAINTAINERS" "$tmp/MAINTAINERS"
sed -i '/^F:\tVERSION$/d' "$tmp/MAINTAINERS"
check "MAINTAINERS that covers no section for a repository file fails the check" \
	fails_with "VERSION: no section's F: lines cover it" \
	env QUEUE="$top/kernel-patches-7.3" python3 "$top/scripts/maintainers.py" "$tmp/MAINTAINERS"
echo "1..$n"
[ $failed = 0 ]
