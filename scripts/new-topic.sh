#!/usr/bin/env bash
# Open a new topic at the top of the tree:
#   scripts/new-topic.sh NAME "cover letter subject"
# Adds NAME to kernel-patches/series and makes the empty cover-letter commit
# that opens the topic in build/linux.  Reword that commit (git rebase -i)
# to write the cover letter; commit the topic's patches after it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=${1:?usage: new-topic.sh NAME SUBJECT}
subject=${2:?usage: new-topic.sh NAME SUBJECT}
[[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "topic names are lower-case words joined by '-'"
series_topics | grep -qx "$name" && die "kernel-patches/series already has $name"
[ -d "$TREE/.git" ] || die "no tree: run 'make tree' first"
[ -z "$(tgit status --porcelain --untracked-files=no)" ] || die "commit your changes in the tree first"

git -C "$TREE" commit -q --allow-empty -F - <<MSG || die "git commit failed (is your git identity set?)"
$subject

*** Cover letter: motivation, design, alternatives considered, testing. ***
MSG
mkdir -p "$QUEUE/$name"
echo "$name" >>"$QUEUE/series"
# The queue changed only by the new name: keep `make tree` from mistaking
# that for an incoming change (the commit above is the unexported work).
tgit config pq.stamp "$(queue_stamp)"
log "topic $name opened; reword $(tgit rev-parse --short HEAD) to write its cover letter"
