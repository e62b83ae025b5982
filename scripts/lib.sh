# shellcheck shell=bash
# Common paths and helpers for the scripts in this directory.  Sourced, never run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# BASE picks the queue and where it is built: 7.3 (kernel-patches-7.3/,
# build/7.3/), the default and the queue new work goes to, or 6.12
# (kernel-patches/, build/), the queue as it was when it moved to 7.3,
# kept buildable but no longer tested by CI (docs/port-7.3.md).  Each comes
# with the selftests' expectations of its base.  QUEUE, BUILD, TREE and
# EXPECTATIONS override.
BASE=${BASE:-7.3}
BASE_CONFIG=
case $BASE in
6.12)	QUEUE=${QUEUE:-$TOP/kernel-patches}
	BUILD=${BUILD:-$TOP/build}
	EXPECTATIONS=${EXPECTATIONS:-$TOP/selftests/expectations.txt} ;;
7.3)	QUEUE=${QUEUE:-$TOP/kernel-patches-7.3}
	BUILD=${BUILD:-$TOP/build/7.3}
	EXPECTATIONS=${EXPECTATIONS:-$TOP/selftests/expectations-7.3.txt}
	BASE_CONFIG=$TOP/configs/base-7.3.config
	# The config fragments serve both bases: leave out (and log) the
	# 6.12 names that 7.3 dropped, such as CONFIG_PROC_SYSCTL.
	export MERGE_ALLOW_UNDEFINED=${MERGE_ALLOW_UNDEFINED:-1} ;;
*)	printf 'error: BASE=%s: the queue has the bases 6.12 and 7.3\n' "$BASE" >&2
	exit 1 ;;
esac
TREE=${TREE:-$BUILD/linux}
# Scripts run from these get the same base (and recompute the rest from it)
export BASE
# What every base shares: virtme-ng's venv, and the Debian packages a base
# is fetched from when it comes from another suite than the host's.
VENV=${VENV:-$TOP/build/venv}
DEBS=${DEBS:-$TOP/build/debs}

# Fixed identity for commits the scripts make themselves, so that the base
# commit has the same hash on every machine.
PQ_NAME="Patch Queue"
PQ_EMAIL="pq@localhost"
PQ_DATE="2025-01-01T00:00:00Z"

# ccache: one cache for every clone of this repo on the machine.
export CCACHE_BASEDIR=$TOP
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-25G}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-time_macros,include_file_mtime,include_file_ctime}

JOBS=${JOBS:-$(nproc)}

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
log() { printf '>> %s\n' "$*" >&2; }

load_base() {
	[ -r "$QUEUE/BASE" ] || die "missing $QUEUE/BASE"
	SUITE='' BASE_ROOT=''
	# shellcheck disable=SC1091
	. "$QUEUE/BASE"
	: "${PACKAGE:?BASE lacks PACKAGE}" "${VERSION:?BASE lacks VERSION}" \
	  "${TARBALL:?BASE lacks TARBALL}" "${SHA256:?BASE lacks SHA256}"
	# A base from another suite is unpacked under $DEBS, never installed
	if [ -n "$SUITE" ]; then
		BASE_ROOT=$DEBS/${PACKAGE}_$VERSION
		TARBALL=$BASE_ROOT$TARBALL
	fi
}

# After load_base: the upstream version of the base (VERSION without its
# epoch and Debian revision: 7.3.4-1~bpo13+1 -> 7.3.4), where
# scripts/fetch-base-source.sh keeps the .dsc and debian.tar.xz of Debian's
# source package of the base, and where the binary package's documentation
# (changelog.Debian.gz, copyright) is.
base_upstream() { local v=${VERSION#*:}; echo "${v%-*}"; }
base_source_dir() { echo "$DEBS/source/${PACKAGE}_$VERSION"; }
base_doc_dir() { echo "${BASE_ROOT:-}/usr/share/doc/$PACKAGE"; }

# apt-get or apt-cache (the first argument) with its own sources list and
# state under APT_DIR ($DEBS/apt: the one suite of BASE's SUITE), never the
# host's (scripts/fetch-base.sh, scripts/fetch-base-source.sh)
private_apt() {
	local a=${APT_DIR:-$DEBS/apt} cmd=$1
	shift
	"$cmd" -q -o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State="$a/state" -o Dir::State::status="$a/state/status" \
		-o Dir::Cache="$a/cache" -o Debug::NoLocking=true \
		-o APT::Sandbox::User="$(id -un)" "$@"
}

# Whether the queue's series names topic $1.
queue_has() {
	series_topics | grep -qx "$1"
}

# The topic directories named in kernel-patches/series, in order (the
# first word of each line; "after=" and any other field are left out).
series_topics() {
	sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]].*//' -e '/^$/d' "$QUEUE/series"
}

# The topics that topic $1 declares it needs applied first ("TOPIC
# after=T1,T2" in the series file), one a line, as written.
series_deps() {
	sed -e 's/#.*//' "$QUEUE/series" | awk -v t="$1" '
	$1 == t { for (i = 2; i <= NF; i++) if ($i ~ /^after=/) {
		n = split(substr($i, 7), d, ","); for (j = 1; j <= n; j++) if (d[j] != "") print d[j] } }'
}

# The subject prefix topic $1 declares ("TOPIC prefix=RFC" in the series
# file), empty if none: `make post` sends it as "[RFC PATCH ...]".
series_prefix() {
	sed -e 's/#.*//' "$QUEUE/series" | awk -v t="$1" '
	$1 == t { for (i = 2; i <= NF; i++) if ($i ~ /^prefix=/) print substr($i, 8) }'
}

# Topic $1 with the topics it needs, theirs too, in series order: what a
# tree needs for $1 to apply.  Dependencies name earlier topics
# (scripts/check-series.sh), so one pass from the bottom finds them all.
series_closure() {
	local want=" $1 " t d
	while read -r t; do
		[[ $want == *" $t "* ]] || continue
		for d in $(series_deps "$t"); do want+="$d "; done
	done < <(series_topics | tac)
	while read -r t; do
		if [[ $want == *" $t "* ]]; then echo "$t"; fi
	done < <(series_topics)
}

# Turn a format-patch cover letter into a commit message (first line: the
# subject without its [PATCH ...] prefix; then the text up to the shortlog).
cover_to_message() {
	awk '
	hdr && /^$/ { hdr = 0; next }
	hdr && /^Subject:/ { sub(/^Subject: */, ""); subj = $0; insubj = 1; next }
	hdr && insubj && /^[ \t]/ { sub(/^[ \t]+/, " "); subj = subj $0; next }
	hdr { insubj = 0; next }
	/^[^ \t].* \([0-9]+\):$/ { exit }
	{ body[n++] = $0 }
	BEGIN { hdr = 1 }
	END {
		sub(/^\[[^]]*\] */, "", subj)
		while (n > 0 && body[n-1] == "") n--
		print subj; print ""
		for (i = 0; i < n; i++) print body[i]
	}' "$1"
}

# One header of a mail-format file, with folded continuation lines joined.
cover_header() {
	awk -v h="$2" '
	/^$/ { exit }
	/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); v = v $0 }; next }
	{ on = 0 }
	index($0, h ": ") == 1 { v = substr($0, length(h) + 3); on = 1 }
	END { print v }' "$1"
}

# Run git in the kernel tree with the scripts' identity, and without the
# user's or the system's git configuration (diff.noprefix, format.signOff,
# ... would change what format-patch writes and what am accepts).
tgit() {
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
	git -C "$TREE" -c user.name="$PQ_NAME" -c user.email="$PQ_EMAIL" \
		-c core.abbrev=12 -c advice.detachedHead=false "$@"
}

# The scratch tree where `make post` cuts branches and scripts/check-post.sh
# applies mboxes: a --shared clone of $TREE (whose checkout it never
# touches), remade when $TREE's base changes.  pgit runs git in it as
# POST_NAME <POST_EMAIL>, without the user's or the system's git
# configuration.
POST_TREE=${POST_TREE:-$BUILD/post/linux}
pgit() {
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
	git -C "$POST_TREE" -c user.name="${POST_NAME:?}" -c user.email="${POST_EMAIL:?}" \
		-c core.abbrev=12 -c advice.detachedHead=false "$@"
}

# Make $POST_TREE if needed and leave it clean, detached at base.
post_tree() {
	local base
	base=$(tgit rev-parse -q --verify 'refs/tags/base^{commit}') ||
		die "$TREE has no base tag: run 'make tree BASE=$BASE' first"
	if [ "$(pgit rev-parse -q --verify 'refs/tags/base^{commit}' 2>/dev/null)" != "$base" ]; then
		log "cloning $TREE into $POST_TREE (once per base)"
		rm -rf "$POST_TREE"
		mkdir -p "$(dirname "$POST_TREE")"
		git clone -q --shared --no-checkout "$TREE" "$POST_TREE"
		pgit config gc.auto 0
	fi
	pgit am --abort >/dev/null 2>&1 || true
	pgit checkout -q -f --detach base
	pgit clean -q -f -d
}

kmake() {
	make -C "$TREE" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

# A hash of the whole queue: the series file and every patch it names.
queue_stamp() {
	{
		cat "$QUEUE/series"
		while read -r t; do
			[ -d "$QUEUE/$t" ] || die "series names $t, but ${QUEUE#"$TOP"/}/$t does not exist"
			for p in "$QUEUE/$t"/*.patch; do
				[ -e "$p" ] || continue
				echo "$t/${p##*/}"
				cat "$p"
			done
		done < <(series_topics)
	} | sha256sum | cut -d' ' -f1
}

# The selftest targets the series touches: `make check` builds and runs
# them (of bpf, test_verifier only).  The in-tree config fragments of
# SELFTEST_CONFIGS go into the test kernel (see configs/test.config for why
# bpf's is not one of them).
SELFTEST_TARGETS=${SELFTEST_TARGETS:-cgroup seccomp bpf}
SELFTEST_CONFIGS=${SELFTEST_CONFIGS:-cgroup seccomp}

# Where the test kernel is built: DEBUG=1 (default) is the lockdep/KASAN
# kernel the tests run on; DEBUG=0 is the same config without
# configs/debug.config, for benchmarks.
test_kernel_dir() {
	if [ "${DEBUG:-1}" = 1 ]; then echo "$BUILD/out/test"; else echo "$BUILD/out/test-nodebug"; fi
}

CLANG=${CLANG:-clang-19}
LLVM_SUFFIX=${LLVM_SUFFIX:--19}

# Debian's tarball ends its top-level .gitignore with "/*" (Debian's
# packaging ignores everything at the top level), which would hide every new
# file in the tree from `git add`.  Drop that rule in the working copy only
# and tell git to look away, so the base commit stays byte-exact.
tree_unignore() {
	local gi=$TREE/.gitignore
	grep -qx '/\*' "$gi" 2>/dev/null || return 0
	sed -i -e '/^# Debian packaging: ignore everything at the top level/,$d' "$gi"
	sed -i -e '${/^#$/d}' "$gi"
	git -C "$TREE" update-index --assume-unchanged .gitignore
}

# virtme-ng lives in build/venv (scripts/setup.sh); vng runs its helpers
# (virtme-run, ...) from PATH.
export PATH=$VENV/bin:$PATH

# bench_in_guest NAME COMMAND: run the shell line COMMAND in the test kernel
# (DEBUG selects which; VM_KERNEL=BUILD-DIR another, e.g. build/out/base-nodebug)
# under virtme-ng, keep its output in
# build/results/bench-NAME-<kernel>-<time>.txt, print it and set BENCH_OUT
# to the file.  The guest writes into build/ (shared read-write with it):
# vng's own output is not a reliable channel when not on a terminal.
bench_in_guest() {
	local name=$1 cmd=$2 kdir tag
	kdir=${VM_KERNEL:-$(test_kernel_dir)}
	[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel in $kdir: run 'make test-kernel'"
	tag=$(basename "$kdir")
	BENCH_OUT=$BUILD/results/bench-$name-$tag-$(date +%Y%m%d-%H%M%S).txt
	mkdir -p "$BUILD/results"
	log "benchmark in the guest ($tag); output: $BENCH_OUT"
	"$TOP/scripts/vm.sh" sh -c "{ uname -r; nproc; $cmd; } >$BENCH_OUT 2>&1" \
		>"$BENCH_OUT.console" 2>&1 || true
	cat "$BENCH_OUT"
}

# Side-by-side benchmarks of the unpatched base and the queue, both built
# without debug options from the same config.  ab_setup NAME TOOL builds
# what is missing (the two kernels, TOOL in build/tools) and makes the
# results directory AB_RES=build/results/NAME-<time>.  ab_boot KIND I
# COMMAND PATTERN boots the base (KIND base) or the queue (KIND new), runs
# the shell line COMMAND with its output in AB_RES/KIND.I.txt, and fails
# unless that output matches the grep PATTERN.  ab_order I prints the two
# kinds in the order of pair I: ABBA, so that a drift of the host's speed
# falls on both kernels alike.
ab_setup() {
	AB_NAME=$1 AB_BASE=$BUILD/out/base-nodebug AB_NEW=$BUILD/out/test-nodebug
	[ -f "$AB_NEW/arch/x86/boot/bzImage" ] || DEBUG=0 "$TOP/scripts/build-test-kernel.sh"
	[ -f "$AB_BASE/arch/x86/boot/bzImage" ] || "$TOP/scripts/build-base-kernel.sh"
	[ -x "$BUILD/tools/$2" ] || "$TOP/scripts/build-selftests.sh"
	AB_RES=$BUILD/results/$AB_NAME-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$AB_RES"
}

ab_order() {
	if [ $(($1 % 2)) = 1 ]; then echo base new; else echo new base; fi
}

ab_boot() {
	local kind=$1 i=$2 cmd=$3 pattern=$4 dir=$AB_BASE out=$AB_RES/$1.$2
	[ "$kind" = new ] && dir=$AB_NEW
	log "$AB_NAME, pair $i, $kind kernel ($dir)"
	"$TOP/scripts/run-vm.sh" "$dir" "$AB_RES" -- sh -c "$cmd >$out.txt 2>&1" \
		>"$out.console" 2>&1
	grep -q "$pattern" "$out.txt" 2>/dev/null ||
		die "$AB_NAME printed no figures on the $kind kernel (see $out.console)"
}

# QEMU options for VM_ICOUNT=N (nothing without it): the TCG guest runs in
# instruction-counting mode (-icount shift=N,sleep=off, one vCPU thread at
# a time), and its clocks advance 2^N ns per guest instruction.  What a
# benchmark prints as nanoseconds is then, for N=0, the number of guest
# instructions: the same from boot to boot and free of the host's load.
# It compares code paths (instructions), not real times.
icount_opts() {
	[ -n "${VM_ICOUNT:-}" ] || return 0
	case $VM_ICOUNT in [0-9]) ;; *) die "VM_ICOUNT takes a shift from 0 to 9, not '$VM_ICOUNT'" ;; esac
	[ "${VM_ACCEL:-tcg}" = tcg ] || die "VM_ICOUNT needs VM_ACCEL=tcg"
	echo "-icount shift=$VM_ICOUNT,sleep=off"
}
