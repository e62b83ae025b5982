#!/usr/bin/env bash
# Check the queue's series file: one topic a line, each named once, with a
# directory; the only other fields are "after=T1,T2", each topic of which
# comes earlier in the file (a topic needs its dependencies applied first),
# and "prefix=RFC" (the topic is posted as a request for comments).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=$QUEUE/series
[ -r "$series" ] || die "missing $series"
seen=" " bad=0 n=0 deps=0
fail() { echo "FAIL ${series#"$TOP"/}:$1: $2"; bad=$((bad + 1)); }
lineno=0
while IFS= read -r line; do
	lineno=$((lineno + 1))
	line=${line%%#*}
	read -r -a f <<<"$line"
	[ ${#f[@]} -gt 0 ] || continue
	t=${f[0]}
	n=$((n + 1))
	[[ $seen == *" $t "* ]] && fail "$lineno" "$t is listed twice"
	[ -d "$QUEUE/$t" ] || fail "$lineno" "$t has no directory ${QUEUE#"$TOP"/}/$t"
	for field in "${f[@]:1}"; do
		case $field in
		after=?*) ;;
		prefix=RFC) continue ;;
		prefix=*) fail "$lineno" "$t: '$field': the only prefix is RFC"; continue ;;
		*) fail "$lineno" "$t: '$field' is not a field of a series line (after=TOPIC[,TOPIC], prefix=RFC)"; continue ;;
		esac
		IFS=, read -r -a ds <<<"${field#after=}"
		for d in "${ds[@]}"; do
			[ -n "$d" ] || { fail "$lineno" "$t: empty topic in '$field'"; continue; }
			deps=$((deps + 1))
			if [ "$d" = "$t" ]; then
				fail "$lineno" "$t: after=$d names the topic itself"
			elif [[ $seen != *" $d "* ]]; then
				if series_topics | grep -qx "$d"; then
					fail "$lineno" "$t: after=$d names a later topic; move $t below $d"
				else
					fail "$lineno" "$t: after=$d names no topic of the series"
				fi
			fi
		done
	done
	seen+="$t "
done <"$series"
echo "series: $n topics, $deps declared dependencies, $bad problems"
[ $bad = 0 ]
