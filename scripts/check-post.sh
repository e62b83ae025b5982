#!/usr/bin/env bash
# Every topic of the queue can be posted: `make post` (scripts/post.sh)
# cuts its mbox as a throwaway poster, and the mbox applies with `git am`
# to a clean checkout of base after the mboxes of the topics it needs
# (series "after=").  Prints one line per topic; fails naming the topic
# and the patch that does not apply.  Runs in a clone of the tree like
# scripts/post.sh's ($BUILD/post/check), reset to base between topics.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export FROM="Lint Check <lint@example.org>" POST_B4_CHECK=0
# its own clone, so that make lint leaves the branches make post cut alone
export POST_TREE=$BUILD/post/check
POST_NAME="Lint Check" POST_EMAIL=lint@example.org
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export POST_OUT=$out

n=0 bad=0
while read -r t; do
	n=$((n + 1))
	if ! TOPIC=$t "$TOP/scripts/post.sh" >"$out/$t.log" 2>&1; then
		sed 's/^/  /' "$out/$t.log" | tail -n 20
		echo "FAIL post $t: make post TOPIC=$t fails (above)"
		bad=$((bad + 1))
		continue
	fi
	post_tree
	for d in $(series_closure "$t"); do
		mbox=$(ls "$out/$d"/*.mbox 2>/dev/null || true)
		[ -n "$mbox" ] || { echo "FAIL post $t: no mbox of $d, which it needs"; bad=$((bad + 1)); continue 2; }
		if ! pgit am -q --empty=drop "$mbox" >"$out/am.log" 2>&1; then
			pgit am --abort >/dev/null 2>&1 || true
			p=$(sed -n 's/^Patch failed at //p' "$out/am.log" | head -n1)
			echo "FAIL post $t: patch ${p:-?} of ${mbox##*/} does not apply to base$([ "$d" = "$t" ] || echo " (mbox of $d, which $t needs)")"
			sed 's/^/  /' "$out/am.log" | head -n 5
			bad=$((bad + 1))
			continue 2
		fi
	done
	echo "post $t: $(pgit rev-list --count base..HEAD) patches apply to base ($(series_closure "$t" | xargs | sed 's/ / + /g'))"
done < <(series_topics)
post_tree
echo "post: $n topics, $bad fail to post or apply"
[ $bad = 0 ]
