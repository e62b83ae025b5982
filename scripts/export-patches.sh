#!/usr/bin/env bash
# Export the commits after "base" in build/linux back into kernel-patches/.
#
# The tree holds one run of commits per topic of kernel-patches/series, each
# run opened by an empty commit that carries the topic's cover letter (the
# same convention as `b4 prep`).  The N-th empty commit belongs to the N-th
# topic.  Each topic is written with `git format-patch --cover-letter
# --zero-commit --no-signature`, so file names and contents are stable and a
# round trip without changes leaves `git status` clean.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || die "no tree at $TREE: run 'make tree' first"
[ -z "$(tgit status --porcelain --untracked-files=no)" ] ||
	die "the tree has uncommitted changes: commit them first"
[ "$(tgit rev-list --merges base..HEAD | wc -l)" = 0 ] || die "the tree has merge commits; the queue must be linear"

mapfile -t topics < <(series_topics)
mapfile -t commits < <(tgit rev-list --reverse base..HEAD)

is_cover() { [ "$(tgit rev-parse "$1^{tree}")" = "$(tgit rev-parse "$1^^{tree}")" ]; }

# Split the commits into topics: starts[i] is topic i's cover commit,
# ends[i] its last commit.
starts=() ends=()
for c in "${commits[@]}"; do
	if is_cover "$c"; then
		starts+=("$c")
		ends+=("$c")
	else
		[ ${#starts[@]} -gt 0 ] ||
			die "commit $(tgit log -1 --format='%h ("%s")' "$c") comes before any cover letter; open each topic with scripts/new-topic.sh"
		ends[${#ends[@]}-1]=$c
	fi
done
[ ${#starts[@]} = ${#topics[@]} ] ||
	die "the tree has ${#starts[@]} topics (cover-letter commits) but ${QUEUE#"$TOP"/}/series names ${#topics[@]}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in "${!topics[@]}"; do
	t=${topics[$i]} cover=${starts[$i]} last=${ends[$i]}
	dir=$QUEUE/$t
	mkdir -p "$dir" "$tmp/$t"
	[ "$cover" != "$last" ] ||
		die "topic $t has no patches yet: commit its first patch before exporting (or remove it from ${QUEUE#"$TOP"/}/series)"
	# The cover letter's subject and text come from the cover commit; its
	# From: and Date: too, so that they are stable across exports.
	tgit branch -f pq-export "$last"
	tgit config branch.pq-export.description "$(tgit log -1 --format=%B "$cover")"
	GIT_COMMITTER_NAME=$(tgit log -1 --format=%an "$cover") \
	GIT_COMMITTER_EMAIL=$(tgit log -1 --format=%ae "$cover") \
	GIT_COMMITTER_DATE=$(tgit log -1 --format=%aD "$cover") \
		tgit format-patch -q --cover-letter --cover-from-description=subject \
			--zero-commit --no-signature -o "$tmp/$t" "$cover..pq-export" >/dev/null
	tgit branch -q -D pq-export
	tgit config --unset branch.pq-export.description || true
	rm -f "$dir"/*.patch
	cp "$tmp/$t"/*.patch "$dir/"
	log "$t: $(($(ls "$dir"/*.patch | wc -l) - 1)) patches"
done
# The tree now matches the queue: record it so that `make tree` is a no-op.
tgit config pq.head "$(tgit rev-parse HEAD)"
tgit config pq.stamp "$(queue_stamp)"
