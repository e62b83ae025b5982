#!/usr/bin/env bash
# make post TOPIC=NAME [FROM="Name <address>"]: one topic as a series to
# mail upstream.  In $POST_TREE (a clone of the tree) it cuts the b4 prep
# branch b4/NAME from base: the topics NAME needs (series "after="), then
# NAME's cover commit with b4's tracking block and NAME's patches, each
# authored and signed off by the poster.  It writes out/post/NAME/NAME-vN.mbox
# (format-patch with a cover letter, base-commit:, change-id:) with To/Cc
# per message from the tree's scripts/get_maintainer.pl, and recipients.txt.
# The poster is FROM, else `git config user.name` and `user.email`.  It
# refuses to write anything that would mail a .invalid address.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_base

topic=${TOPIC:-}
[ -n "$topic" ] || die "which topic? make post TOPIC=NAME (${QUEUE#"$TOP"/}/series: $(series_topics | xargs))"
queue_has "$topic" || die "${QUEUE#"$TOP"/}/series has no topic '$topic' (it has: $(series_topics | xargs))"
"$TOP/scripts/check-series.sh" >/dev/null || die "${QUEUE#"$TOP"/}/series has problems: run scripts/check-series.sh"
out=${POST_OUT:-$TOP/out/post}/$topic
false_matches=$QUEUE/post-false-matches.txt

# The poster
if [ -n "${FROM:-}" ]; then
	ident=$FROM
else
	name=$(git -C "$TOP" config user.name || true)
	email=$(git -C "$TOP" config user.email || true)
	[ -n "$name" ] && [ -n "$email" ] ||
		die "no identity to post as: give FROM='Name <address>' or set git config user.name and user.email"
	ident="$name <$email>"
fi
[[ $ident =~ ^([^<>]*[^<>[:space:]])[[:space:]]+\<([^<>@[:space:]]+@[^<>[:space:]]+)\>$ ]] ||
	die "identity '$ident' is not 'Name <address>'"
POST_NAME=${BASH_REMATCH[1]} POST_EMAIL=${BASH_REMATCH[2]}
case $POST_EMAIL in
*.invalid) die "identity '$ident' is a placeholder (.invalid): post with your own name and address (FROM='Name <address>', or git config user.name and user.email)" ;;
esac
ident="$POST_NAME <$POST_EMAIL>"

# change-id: "<date of the cover letter>-<topic>-<12 hex digits from the
# topic's name>", b4's form, the same every time the topic is cut.
change_id() {
	local d
	d=$(date -u -d "$(cover_header "$QUEUE/$1/0000-cover-letter.patch" Date)" +%Y%m%d) ||
		die "$1/0000-cover-letter.patch: no readable Date:"
	echo "$d-$1-$(printf %s "$1" | sha256sum | cut -c1-12)"
}
# The revision: the highest "Changes in vN" of the cover letter, else 1.
revision() {
	{ echo v1; grep -o '^Changes in v[0-9]\+' "$QUEUE/$1/0000-cover-letter.patch" || true; } |
		sed 's/.*v//' | sort -n | tail -n1
}

upstream=${VERSION%%-*}
base_note=$(fold -s -w 72 <<<"The base is Linux $upstream as packaged by Debian ($PACKAGE $VERSION, Debian's patches applied), imported from its tarball as one commit with a fixed author and date: the base-commit below is that import, not a commit of the mainline or stable trees.  The tarball's sha256 is $SHA256." | sed 's/ *$//')

[ -f "$QUEUE/$topic/0000-cover-letter.patch" ] || die "$topic has no 0000-cover-letter.patch"
post_tree
# b4 prep finds the cover commit among the commits of the user it runs as:
# the poster, in this clone
pgit config user.name "$POST_NAME"
pgit config user.email "$POST_EMAIL"
base=$(pgit rev-parse base)
mapfile -t topics < <(series_closure "$topic")
deps=("${topics[@]:0:${#topics[@]}-1}")
[ ${#deps[@]} = 0 ] || log "$topic needs ${deps[*]}: cut below it"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The commit message of topic $1's cover: the letter, the note on the
# base, b4's tracking block.
cover_commit_message() {
	local t=$1 d prereqs=()
	for d in $(series_deps "$t"); do
		prereqs+=("change-id: $(change_id "$d"):v$(revision "$d")")
	done
	[ ${#prereqs[@]} = 0 ] || prereqs+=("base-commit: $base")
	cover_to_message "$QUEUE/$t/0000-cover-letter.patch"
	printf '\n%s\n\n' "$base_note"
	python3 - "$(revision "$t")" "$(change_id "$t")" "$(series_prefix "$t")" "${prereqs[@]}" <<'PY'
import json, sys
prefixes = [sys.argv[3]] if sys.argv[3] else []
series = {"revision": int(sys.argv[1]), "change-id": sys.argv[2], "prefixes": prefixes}
if sys.argv[4:]:
    series["prerequisites"] = sys.argv[4:]
print("--- b4-submit-tracking ---")
print("# This section is used internally by b4 prep for tracking purposes.")
print(json.dumps({"series": series}, indent=2))
PY
}

# Apply one patch and make the poster its author and signer: the
# placeholder's Signed-off-by becomes the poster's.
apply_as_poster() {
	local t=$1 p=$2
	if ! pgit am -q --keep-cr "$p" >"$tmp/am.log" 2>&1; then
		pgit am --abort >/dev/null 2>&1 || true
		cat "$tmp/am.log" >&2
		die "$t/${p##*/} does not apply on base${deps:+ + ${deps[*]}}"
	fi
	pgit log -1 --format=%B HEAD |
		S="Signed-off-by: $ident" awk '/^Signed-off-by: .*\.invalid>[ \t]*$/ { print ENVIRON["S"]; next } { print }' |
		pgit interpret-trailers --if-exists addIfDifferent --trailer "Signed-off-by: $ident" >"$tmp/msg"
	pgit commit -q --amend --allow-empty --no-verify --author="$ident" -F "$tmp/msg"
}

log "cutting b4/$topic in $POST_TREE"
pgit checkout -q -B "b4/$topic" base
pgit config "branch.b4/$topic.b4-prep-cover-strategy" commit
for t in "${topics[@]}"; do
	cover_commit_message "$t" >"$tmp/cover"
	pgit commit -q --allow-empty --author="$ident" -F "$tmp/cover"
	cover=$(pgit rev-parse HEAD)
	for p in "$QUEUE/$t"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "${p##*/}" = 0000-cover-letter.patch ] || apply_as_poster "$t" "$p"
	done
done

# format-patch takes the cover letter from the branch description.
rev=$(revision "$topic")
cid=$(change_id "$topic")
{ cover_to_message "$QUEUE/$topic/0000-cover-letter.patch"; printf '\n%s\n' "$base_note"; } >"$tmp/desc"
pgit config "branch.b4/$topic.description" "$(cat "$tmp/desc")"
vopt=()
[ "$rev" = 1 ] || vopt=(-v "$rev")
prefix=$(series_prefix "$topic")
[ -z "$prefix" ] || vopt+=(--subject-prefix="$prefix PATCH")
pgit format-patch -q --cover-letter --cover-from-description=subject --base="$base" \
	--thread=shallow --numbered --no-signature "${vopt[@]}" -o "$tmp/msgs" "$cover..b4/$topic" >/dev/null
mapfile -t msgs < <(ls "$tmp/msgs"/*.patch)
# b4's lines after base-commit: the change-id, and the prerequisites'
prereq_lines=$(for d in $(series_deps "$topic"); do
	echo "prerequisite-change-id: $(change_id "$d"):v$(revision "$d")"; done)
# (format-patch's prerequisite-patch-id of an empty cover commit is zeros)
C="change-id: $cid" P=$prereq_lines awk '/^prerequisite-patch-id: 0+$/ { next } { print }
	/^base-commit: / { print ENVIRON["C"]; if (ENVIRON["P"] != "") print ENVIRON["P"] }' "${msgs[0]}" >"$tmp/c" &&
	mv "$tmp/c" "${msgs[0]}"

# To/Cc of one message: maintainers in To, reviewers and lists in Cc.
# The address of a get_maintainer.pl line, without its role.
addr_of() { sed -e 's/^\([^<]*<[^>]*>\).*/\1/' -e '/</!s/[[:space:]].*//'; }
files_of() { sed -n 's|^diff --git a/\(.*\) b/\(.*\)$|\2|p' "$1"; }
getmaint() { (cd "$POST_TREE" && ./scripts/get_maintainer.pl --nogit --nogit-fallback --nogit-chief-penguins --nofixes "$@"); }

recipients() { # message -> $tmp/to, $tmp/cc
	local m=$1 address glob reason a f hit files others
	getmaint "$m" >"$tmp/gm" || die "get_maintainer.pl failed on ${m##*/}"
	mapfile -t files < <(files_of "$m")
	grep '(maintainer:' "$tmp/gm" | addr_of >"$tmp/to" || true
	grep -v '(maintainer:' "$tmp/gm" | addr_of >"$tmp/cc" || true
	if printf '%s\n' "${files[@]}" | grep -qE '^(arch/[^/]+/)?include/uapi/'; then
		echo "linux-api@vger.kernel.org" >>"$tmp/cc"
	fi
	[ -f "$false_matches" ] || return 0
	while read -r address glob reason; do
		case $address in ''|'#'*) continue ;; esac
		[ "${reason#-- }" != "$reason" ] && [ -n "${reason#-- }" ] ||
			die "$false_matches: '$address $glob $reason' needs '-- reason'"
		a=$(grep -hF -- "$address" "$tmp/to" "$tmp/cc" | head -n1 || true)
		[ -n "$a" ] || continue
		# drop it unless the message's other files bring it too
		hit=0 others=()
		for f in "${files[@]}"; do
			# shellcheck disable=SC2053
			if [[ $f == $glob ]]; then hit=1; else others+=("$f"); fi
		done
		[ $hit = 1 ] || continue
		if [ ${#others[@]} -gt 0 ]; then
			getmaint -f "${others[@]}" >"$tmp/gm-others" 2>/dev/null || true
			grep -qF -- "$address" "$tmp/gm-others" && continue
		fi
		grep -vF -- "$address" "$tmp/to" >"$tmp/x" || true; mv "$tmp/x" "$tmp/to"
		grep -vF -- "$address" "$tmp/cc" >"$tmp/x" || true; mv "$tmp/x" "$tmp/cc"
		log "${m##*/}: left out $a (${reason#-- })"
	done <"$false_matches"
}

# Put To: and Cc: (one address a line) before the first blank line.
add_headers() { # message to-file cc-file
	TO=$(paste -sd, "$2" | sed 's/,/,\n /g') CC=$(paste -sd, "$3" | sed 's/,/,\n /g') awk '
	!done && /^$/ { if (ENVIRON["TO"] != "") print "To: " ENVIRON["TO"]
		if (ENVIRON["CC"] != "") print "Cc: " ENVIRON["CC"]; done = 1 }
	{ print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

summary=$tmp/recipients.txt
: >"$tmp/all-to"; : >"$tmp/all-cc"
for m in "${msgs[@]:1}"; do
	recipients "$m"
	awk '!seen[$0]++' "$tmp/to" >"$tmp/x"; mv "$tmp/x" "$tmp/to"
	grep -vxF -f "$tmp/to" "$tmp/cc" | awk '!seen[$0]++' >"$tmp/x" || true; mv "$tmp/x" "$tmp/cc"
	add_headers "$m" "$tmp/to" "$tmp/cc"
	{ echo "${m##*/}"; sed 's/^/  To: /' "$tmp/to"; sed 's/^/  Cc: /' "$tmp/cc"; } >>"$summary.body"
	cat "$tmp/to" >>"$tmp/all-to"; cat "$tmp/cc" >>"$tmp/all-cc"
done
awk '!seen[$0]++' "$tmp/all-to" >"$tmp/to"
grep -vxF -f "$tmp/to" "$tmp/all-cc" | awk '!seen[$0]++' >"$tmp/cc" || true
add_headers "${msgs[0]}" "$tmp/to" "$tmp/cc"
{
	echo "$topic v$rev: ${#msgs[@]} messages (cover letter and $((${#msgs[@]} - 1)) patches), from $ident"
	echo "branch b4/$topic in $POST_TREE, change-id $cid"
	echo "base-commit $base ($PACKAGE $VERSION)"
	for d in $(series_deps "$topic"); do echo "prerequisite $d: change-id $(change_id "$d"):v$(revision "$d")"; done
	# get_maintainer.pl finds a Fixes: commit's author in git history,
	# which the base does not have
	grep -h '^Fixes:' "${msgs[@]:1}" | sort -u | sed 's/^/Cc by hand the author of /' || true
	echo
	echo "${msgs[0]##*/} (cover letter: every patch's recipients)"
	sed 's/^/  To: /' "$tmp/to"; sed 's/^/  Cc: /' "$tmp/cc"
	cat "$summary.body"
} >"$summary"

# Nothing goes out with a placeholder address.
mbox=$tmp/$topic-v$rev.mbox
cat "${msgs[@]}" >"$mbox"
if grep -n '\.invalid\b' "${msgs[@]}" >"$tmp/invalid"; then
	sed -e "s|^$tmp/msgs/||" -e 's/^/  /' "$tmp/invalid" | head -n 20 >&2
	die "$topic: $(wc -l <"$tmp/invalid") lines of the mbox name a .invalid address (above: message:line): a placeholder must not go out, nor enter the kernel's MAINTAINERS"
fi

rm -rf "$out"
mkdir -p "$out"
cp "$mbox" "$summary" "$out/"
log "$topic: ${out#"$TOP"/}/${mbox##*/} and recipients.txt"

# b4's own checks, where b4 has them (0.14 and later): checkpatch on
# each patch of the branch, offline.
if [ "${POST_B4_CHECK:-1}" = 1 ]; then
	if ! command -v b4 >/dev/null; then
		log "no b4: 'make setup' installs it; not running 'b4 prep --check'"
	elif ! b4 prep --help 2>/dev/null | grep -q -- '--check'; then
		log "b4 $(b4 --version) has no 'prep --check' (0.14 has): 'make setup' installs one that has"
	else
		log "b4 prep --check on b4/$topic"
		(cd "$POST_TREE" && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 b4 prep --check) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$tmp/b4check" >&2
		grep -q '^Success: [0-9]*, Warning: [0-9]*, Error: 0$' "$tmp/b4check" ||
			die "$topic: b4 prep --check reports errors (above)"
		cp "$tmp/b4check" "$out/b4-prep-check.txt"
	fi
fi
cat "$summary"
