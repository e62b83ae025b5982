#!/usr/bin/env bash
# Create build/linux: a git tree holding the pinned base as one commit
# (tagged "base"), then every topic of kernel-patches/series: its cover letter
# as an empty commit, then its patches with `git am`.
#
# With an unchanged queue this is a no-op.  With a changed queue the tree is
# reset to the base and the queue is applied again; files the queue does not
# touch keep their timestamps, so the next build is incremental.  Commits made
# in the tree and not yet exported with `make patches` are never thrown away
# unless FORCE=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base
"$TOP/scripts/fetch-base.sh"

# The base commit's message: the upstream version and Debian's, and the
# tarball by its path inside the package, not where it was unpacked, so
# that the commit has the same hash in every checkout
base_subject() { echo "Linux $(base_upstream) (Debian $PACKAGE $VERSION)"; }
base_body() {
	echo "Debian's patches are applied: this is ${TARBALL#"${BASE_ROOT:-}"} of"
	echo "$PACKAGE $VERSION${SUITE:+ from $SUITE}, sha256 $SHA256."
	echo "scripts/check-base-delta.sh checks that none of Debian's patches"
	echo "touches a file the queue touches, so that the queue applies to"
	echo "vanilla Linux $(base_upstream) as well."
}

make_base() {
	log "extracting $TARBALL into $TREE (once per base)"
	rm -rf "$TREE"
	mkdir -p "$TREE"
	tar -xf "$TARBALL" -C "$TREE" --strip-components=1
	git -C "$TREE" init -q -b pq
	tgit config pq.basesha "$SHA256"
	tgit config gc.auto 0
	tgit add -A -f .
	GIT_AUTHOR_DATE=$PQ_DATE GIT_COMMITTER_DATE=$PQ_DATE \
		tgit commit -q -m "$(base_subject)" -m "$(base_body)"
	tgit tag base
	tree_unignore
	log "base commit $(tgit rev-parse --short HEAD)"
}

apply_queue() {
	local t p cover from
	while read -r t; do
		cover=$QUEUE/$t/0000-cover-letter.patch
		if [ -f "$cover" ]; then
			from=$(cover_header "$cover" From)
			GIT_AUTHOR_DATE=$(cover_header "$cover" Date) \
				tgit commit -q --allow-empty --author="$from" -F <(cover_to_message "$cover") ||
				die "cannot make the cover-letter commit of $t"
			tgit config pq.head "$(tgit rev-parse HEAD)"
		fi
		for p in "$QUEUE/$t"/[0-9][0-9][0-9][0-9]-*.patch; do
			[ -e "$p" ] || continue
			[ "$p" = "$cover" ] && continue
			if ! tgit am -q --keep-cr "$p"; then
				tgit am --abort || true
				die "$t/${p##*/} does not apply to the tree above it"
			fi
			tgit config pq.head "$(tgit rev-parse HEAD)"
		done
	done < <(series_topics)
}

# Work in the tree that `make patches` has not exported: commits after the
# last recorded state, uncommitted changes, new files not yet added.
unexported_work() {
	local h
	h=$(tgit config pq.head || true)
	[ -n "$h" ] && [ "$(tgit rev-parse HEAD)" != "$h" ] && return 0
	[ -n "$(tgit status --porcelain)" ]
}

if [ ! -d "$TREE/.git" ] || [ "$(tgit config pq.basesha || true)" != "$SHA256" ] ||
   ! tgit rev-parse -q --verify refs/tags/base >/dev/null; then
	if [ -d "$TREE/.git" ] && unexported_work; then
		[ "${FORCE:-0}" = 1 ] ||
			die "the base changed, and $TREE has work not exported to kernel-patches/ (commits, changes or new files). Export it with 'make patches' first, or run with FORCE=1 (the old tree is kept as $TREE.old-*)."
		mv "$TREE" "$TREE.old-$(date +%s)"
		log "old tree kept as $(ls -d "$TREE".old-* | tail -n1)"
	fi
	make_base
elif [ "$(tgit log -1 --format=%s base)" != "$(base_subject)" ]; then
	# Only the message changed (the tarball did not): the tree is kept
	log "note: the base commit of $TREE is '$(tgit log -1 --format=%s base)'; a new tree (rm -rf ${TREE#"$TOP"/}, then make tree) has '$(base_subject)'"
fi
"$TOP/scripts/check-toolchain.sh"

stamp=$(queue_stamp)
head=$(tgit rev-parse HEAD)
old_stamp=$(tgit config pq.stamp || true)
old_head=$(tgit config pq.head || true)

if [ "$stamp" = "$old_stamp" ] && [ "$head" = "$old_head" ]; then
	log "tree up to date ($TREE)"
	exit 0
fi
if [ "${FORCE:-0}" != 1 ] && [ -n "$old_head" ]; then
	if [ "$stamp" = "$old_stamp" ]; then
		log "tree has commits not in kernel-patches/ yet; leaving it as it is ('make patches' exports them)"
		exit 0
	fi
	[ "$head" = "$old_head" ] ||
		die "${QUEUE#"$TOP"/}/ changed, and the tree has commits that are not exported ($(tgit rev-list --count "$old_head..$head" 2>/dev/null || echo '?') new). Export them with 'make patches' first, or run with FORCE=1 to drop them."
	[ -z "$(tgit status --porcelain)" ] ||
		die "${QUEUE#"$TOP"/}/ changed, and the tree has uncommitted changes or new files. Commit and export them, or run with FORCE=1 to drop them."
fi

log "applying the queue to $TREE"
tgit config --unset pq.stamp || true
tgit checkout -q -f -B pq base
tgit clean -q -f -d
tree_unignore
tgit config pq.head "$(tgit rev-parse HEAD)"
apply_queue
tgit config pq.stamp "$stamp"
tgit config pq.head "$(tgit rev-parse HEAD)"
log "tree ready: $(tgit rev-list --count base..HEAD) commits on top of base"
