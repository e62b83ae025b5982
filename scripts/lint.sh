#!/usr/bin/env bash
# checkpatch.pl --strict on every patch of the queue.  Errors always fail.
# Then the series file's dependencies, the cover letters' patch lists
# against the patches, MAINTAINERS against the patches and the
# repository's files, on the 7.3 queue that each topic's `make post` mbox
# applies to the base, Debian's patches of the base against the queue's
# files, and shellcheck.
# A warning or check may stay only if kernel-patches/checkpatch-allow.txt
# lists it with a reason, as "TOPIC/PATCH-GLOB TYPE -- reason".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$TREE/scripts/checkpatch.pl" ] || "$TOP/scripts/make-tree.sh"
allow=$QUEUE/checkpatch-allow.txt

allowed() { # patch type
	[ -f "$allow" ] || return 1
	local glob type reason
	while read -r glob type reason; do
		case $glob in ''|'#'*) continue ;; esac
		[ "${reason#-- }" != "$reason" ] && [ -n "${reason#-- }" ] ||
			die "$allow: '$glob $type $reason' needs '-- reason'"
		# shellcheck disable=SC2053
		[[ $1 == $glob && $2 == "$type" ]] && return 0
	done <"$allow"
	return 1
}

n=0 bad=0 kept=0
while read -r t; do
	for p in "$QUEUE/$t"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$p" ] || continue
		case ${p##*/} in 0000-cover-letter.patch) continue ;; esac
		n=$((n + 1))
		rel=$t/${p##*/}
		out=$(cd "$TREE" && ./scripts/checkpatch.pl --strict --terse --show-types --no-summary "$p" || true)
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			type=$(sed -n 's/^[^:]*:[0-9]*: \(ERROR\|WARNING\|CHECK\):\([A-Z0-9_]*\):.*/\1 \2/p' <<<"$line")
			[ -n "$type" ] || continue
			level=${type% *} type=${type#* }
			if [ "$level" != ERROR ] && allowed "$rel" "$type"; then
				kept=$((kept + 1))
				echo "kept $rel: $line"
			else
				bad=$((bad + 1))
				echo "FAIL $rel: $line"
			fi
		done <<<"$out"
	done
done < <(series_topics)
echo "checkpatch --strict: $n patches, $bad problems, $kept listed warnings kept"
[ $bad = 0 ] || exit 1

# The series file names each topic once, and a topic's dependencies
# (after=) come before it (scripts/check-series.sh).
"$TOP/scripts/check-series.sh" || exit 1

# Each cover letter lists the patches its topic has (scripts/check-covers.py).
QUEUE=$QUEUE python3 "$TOP/scripts/check-covers.py" || exit 1

# MAINTAINERS lists the kernel files the patches touch, and covers every
# file of the repository (scripts/maintainers.py); only for the 7.3 queue,
# which is the one its "# topics:" lines name.
if [ "$(realpath "$QUEUE")" = "$(realpath "$TOP/kernel-patches-7.3")" ]; then
	QUEUE=$QUEUE python3 "$TOP/scripts/maintainers.py" || exit 1
fi

# Each topic's mbox, as `make post` writes it, applies with git am to a
# clean base after the mboxes of the topics it needs
# (scripts/check-post.sh).  Only on 7.3, the queue that is posted: the
# 6.12 queue's bpf-dpu-mmio adds a .invalid placeholder to the kernel's
# MAINTAINERS, which make post refuses to mail.
if [ "$BASE" = 7.3 ]; then
	"$TOP/scripts/check-post.sh" || exit 1
fi

# Debian's patches touch no file the queue touches, so the queue applies to
# vanilla upstream too (scripts/check-base-delta.sh).  It needs Debian's
# source package, which `make setup` fetches when the mirror has it;
# without it the script says which command fetches it, and lint goes on.
rc=0
"$TOP/scripts/check-base-delta.sh" || rc=$?
case $rc in
0) ;;
2) echo "note: Debian's patches were not compared with the queue (above)" ;;
*) die "Debian's base and the queue: see above" ;;
esac
tap=$("$TOP/selftests/test-base-delta.sh" 2>&1) || {
	echo "$tap"
	die "selftests/test-base-delta.sh failed: scripts/check-base-delta.sh misreads patches"
}

# The repository's own scripts.
if command -v shellcheck >/dev/null; then
	shellcheck -x -P "$TOP/scripts" -S warning -e SC2034 "$TOP"/scripts/*.sh "$TOP"/selftests/*.sh "$TOP"/selftests/*/*.sh "$TOP/.ci/run" ||
		die "shellcheck found problems in the repository's scripts"
	echo "shellcheck: scripts clean"
fi
