#!/usr/bin/env bash
# The user-space tools' contract, on the host: cgbatch, seccomp-whitelist
# and dpu-tenant are built and installed with `make install DESTDIR=...
# PREFIX=/usr` into a temporary directory; the installed files are the
# expected ones; --help, --version, usage errors (64) and a failing
# operation give the documented output and exit codes; the man pages pass
# `man --warnings`; libcgbatch's shared library has its soname and exports
# only the API, its pkg-config file works, and test-libcgbatch.c, built
# with it and linked dynamically, passes (no kernel support needed).
#
# seccomp-whitelist and dpu-tenant need the test kernel's headers, the
# tree's libbpf and bpftool (make selftests builds them; KHDR, LIBBPF_DIR,
# BPFTOOL and DPU_MMIO_H override where they are looked for); without them
# their cases are skipped, which `make check` counts as a failure.
# Prints TAP.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
TREE=${TREE:-$BUILD/linux}
if [ "${DEBUG:-1}" = 1 ]; then kdir=$BUILD/out/test; else kdir=$BUILD/out/test-nodebug; fi
KHDR=${KHDR:-$kdir/usr/include}
LIBBPF_DIR=${LIBBPF_DIR:-$BUILD/libbpf}
BPFTOOL=${BPFTOOL:-$BUILD/bpftool/bootstrap/bpftool}
DPU_MMIO_H=${DPU_MMIO_H:-$TREE/samples/dpu_mmio}
CLANG=${CLANG:-clang-19}
CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter"
version=$(cat "$top/VERSION")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
oneline() { tr '\n' ' ' <"$1" | cut -c1-300; }

echo "TAP version 13"
echo "1..34"

# build_install TOOL DIR MAKE-ARGS...: make install of DIR into $tmp/TOOL
build_install() {
	local tool=$1 dir=$2
	shift 2
	if make -s -C "$top/$dir" OUT="$tmp/build/$tool" CFLAGS="$CFLAGS" "$@" \
		install DESTDIR="$tmp/$tool" PREFIX=/usr >"$tmp/$tool.log" 2>&1; then
		ok "$tool: make install DESTDIR=... PREFIX=/usr"
	else
		nok "$tool: make install DESTDIR=... PREFIX=/usr: $(tail -5 "$tmp/$tool.log" | tr '\n' ' ')"
		return 1
	fi
}

# installed TOOL EXPECTED-PATHS...: the files and links under $tmp/TOOL
installed() {
	local tool=$1 got want
	shift
	got=$(cd "$tmp/$tool" && find . ! -type d | sed 's|^\./||' | sort)
	want=$(printf '%s\n' "$@" | sort)
	if [ "$got" = "$want" ]; then
		ok "$tool: installs exactly the expected files"
	else
		nok "$tool: installed files differ: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
	fi
}

# contract TOOL USAGE-ERROR-ARGS FAILING-ARGS FAILING-RC: --help, --version,
# an unknown option, a usage error, an operation that fails
contract() {
	local tool=$1 usage_args=$2 fail_args=$3 fail_rc=$4 bin=$tmp/$1/usr/bin/$1 rc
	"$bin" --help >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc = 0 ] && grep -q "^usage: $tool " "$tmp/out" && [ ! -s "$tmp/err" ]; then
		ok "$tool --help: usage on stdout, exit 0"
	else
		nok "$tool --help: rc $rc, stdout '$(oneline "$tmp/out")', stderr '$(oneline "$tmp/err")'"
	fi
	"$bin" --version >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "$tool $version" ] && [ ! -s "$tmp/err" ]; then
		ok "$tool --version: '$tool $version'"
	else
		nok "$tool --version: rc $rc, stdout '$(oneline "$tmp/out")', want '$tool $version'"
	fi
	"$bin" --no-such-option >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc = 64 ] && [ ! -s "$tmp/out" ] && grep -q "^$tool: unknown option '--no-such-option'" "$tmp/err"; then
		ok "$tool: an unknown option exits 64 and names it"
	else
		nok "$tool: unknown option: rc $rc, stderr '$(oneline "$tmp/err")'"
	fi
	# shellcheck disable=SC2086 # the argument lists are split on purpose
	"$bin" $usage_args >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc = 64 ] && grep -q "^$tool: " "$tmp/err" && grep -q "Try '$tool --help'" "$tmp/err"; then
		ok "$tool $usage_args: usage error, exit 64"
	else
		nok "$tool $usage_args: rc $rc, stderr '$(oneline "$tmp/err")'"
	fi
	# shellcheck disable=SC2086
	"$bin" $fail_args >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc = "$fail_rc" ] && grep -q "^$tool: .*No such file or directory" "$tmp/err"; then
		ok "$tool $fail_args: exit $fail_rc with the reason"
	else
		nok "$tool $fail_args: rc $rc (want $fail_rc), stderr '$(oneline "$tmp/err")'"
	fi
}

# --- the man pages ---
for page in cgbatch.1 libcgbatch.3 seccomp-whitelist.1 dpu-tenant.1; do
	f=$top/man/$page
	w=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null)
	if [ ! -f "$f" ]; then
		nok "man/$page: missing"
	elif [ -n "$w" ]; then
		nok "man/$page: man --warnings: $(tr '\n' ' ' <<<"$w")"
	elif ! grep -q "^\.TH .* \"[a-z-]* $version\"" "$f"; then
		nok "man/$page: .TH does not carry version $version: $(grep '^\.TH' "$f")"
	else
		ok "man/$page: no warnings, version $version"
	fi
done

# --- cgbatch and libcgbatch ---
root=$tmp/cgbatch lib=$tmp/cgbatch/usr/lib
if build_install cgbatch cgbatch; then
	man3=usr/share/man/man3
	installed cgbatch usr/bin/cgbatch usr/include/cgbatch.h usr/lib/libcgbatch.a \
		usr/lib/libcgbatch.so.1.0.0 usr/lib/libcgbatch.so.1 usr/lib/libcgbatch.so \
		usr/lib/pkgconfig/cgbatch.pc usr/share/man/man1/cgbatch.1 $man3/libcgbatch.3 \
		$man3/cgb_create.3 $man3/cgb_create_batch.3 $man3/cgb_destroy.3 \
		$man3/cgb_destroy_batch.3 $man3/cgb_kernel_has_batch.3 $man3/cgb_version.3
	contract cgbatch "create" "create $tmp/no-such-dir x" 1
	if [ "$(readlink "$lib/libcgbatch.so.1")" = libcgbatch.so.1.0.0 ] &&
	   [ "$(readlink "$lib/libcgbatch.so")" = libcgbatch.so.1 ]; then
		ok "libcgbatch: libcgbatch.so -> libcgbatch.so.1 -> libcgbatch.so.1.0.0"
	else
		nok "libcgbatch: links: $(ls -l "$lib" | tr '\n' ' ')"
	fi
	soname=$(readelf -d "$lib/libcgbatch.so.1.0.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	if [ "$soname" = libcgbatch.so.1 ]; then ok "libcgbatch: SONAME libcgbatch.so.1"; else nok "libcgbatch: SONAME '$soname'"; fi
	# the API: what cgbatch.h declares CGB_API, what libcgbatch.map lists,
	# and what the library exports (each with version LIBCGBATCH_1.0)
	api=$(grep -o '^CGB_API [^(]*(' "$root/usr/include/cgbatch.h" | sed 's/.*[ *]\([a-z_0-9]*\)($/\1/' | sort)
	map=$(sed -n '/global:/,/local:/p' "$top/cgbatch/libcgbatch.map" | grep -o '^[[:space:]]*[a-z_0-9]*;' | tr -d ' \t;' | sort)
	exported=$(nm -D --defined-only "$lib/libcgbatch.so.1.0.0" | awk '{ print $3 }' | sort)
	want=$(printf 'LIBCGBATCH_1.0\n%s\n' "$(sed 's/$/@@LIBCGBATCH_1.0/' <<<"$api")" | sort)
	if [ -n "$api" ] && [ "$api" = "$map" ] && [ "$exported" = "$want" ]; then
		ok "libcgbatch: exports only the API of cgbatch.h, versioned LIBCGBATCH_1.0 ($(wc -l <<<"$api") functions)"
	else
		nok "libcgbatch: exports: $(tr '\n' ' ' <<<"$exported"); cgbatch.h: $(tr '\n' ' ' <<<"$api"); map: $(tr '\n' ' ' <<<"$map")"
	fi
	if ar t "$lib/libcgbatch.a" | grep -qx cgbatch.o &&
	   nm --defined-only "$lib/libcgbatch.a" | grep -q ' T cgb_create_batch$'; then
		ok "libcgbatch: libcgbatch.a holds the library"
	else
		nok "libcgbatch: libcgbatch.a: $(ar t "$lib/libcgbatch.a" 2>&1 | tr '\n' ' ')"
	fi
	libs=$(PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --libs cgbatch 2>&1)
	mv=$(PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --modversion cgbatch 2>&1)
	if [ "$(xargs <<<"$libs")" = -lcgbatch ] && [ "$mv" = "$version" ]; then
		ok "libcgbatch: pkg-config --libs cgbatch: -lcgbatch, version $version"
	else
		nok "libcgbatch: pkg-config: --libs '$libs', --modversion '$mv'"
	fi
	# a program built against the installation, linked dynamically
	flags=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --cflags --libs cgbatch)
	# shellcheck disable=SC2086
	if gcc -O2 -Wall -Wextra -Werror -o "$tmp/test-libcgbatch" "$top/selftests/test-libcgbatch.c" \
		$flags >"$tmp/cc.log" 2>&1 &&
	   readelf -d "$tmp/test-libcgbatch" | grep -q 'NEEDED.*\[libcgbatch\.so\.1\]'; then
		ok "libcgbatch: a program builds with pkg-config's flags and needs libcgbatch.so.1"
		mkdir "$tmp/dir"
		out=$(LD_LIBRARY_PATH=$lib "$tmp/test-libcgbatch" "$version" "$tmp/dir" 2>&1); rc=$?
		sed 's/^/# /' <<<"$out"
		if [ $rc = 0 ] && grep -q '^# 0 of 13 failed$' <<<"$out"; then
			ok "libcgbatch: test-libcgbatch passes against the installed libcgbatch.so.1"
		else
			nok "libcgbatch: test-libcgbatch: rc $rc: $(grep '^not ok' <<<"$out" | tr '\n' ' ')"
		fi
	else
		nok "libcgbatch: building test-libcgbatch.c against the installation: $(tail -5 "$tmp/cc.log" | tr '\n' ' ')"
		skip "libcgbatch: test-libcgbatch: not built"
	fi
	# the CLI through the fallback, in a plain directory
	mkdir "$tmp/p"
	out=$("$root/usr/bin/cgbatch" create "$tmp/p" a b 2>&1) &&
		[ "$out" = "$(printf '%s\n' "$tmp/p/a" "$tmp/p/b")" ] && [ -d "$tmp/p/b" ] &&
		"$root/usr/bin/cgbatch" destroy "$tmp/p" a b && [ -z "$(ls -A "$tmp/p")" ]; rc=$?
	if [ $rc = 0 ]; then ok "cgbatch create and destroy (mkdir/rmdir fallback)"; else nok "cgbatch create and destroy: '$out', left: $(ls -A "$tmp/p")"; fi
else
	for i in $(seq 14); do skip "cgbatch: not installed ($i)"; done
fi

# --- seccomp-whitelist ---
missing=
for f in "$KHDR/linux/bpf.h" "$LIBBPF_DIR/include/bpf/libbpf.h" "$BPFTOOL"; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	for i in $(seq 8); do skip "seccomp-whitelist: no$missing (make selftests builds them) ($i)"; done
elif build_install seccomp-whitelist bpf-progs/seccomp CLANG="$CLANG" KHDR="$KHDR" \
		LIBBPF_DIR="$LIBBPF_DIR" BPFTOOL="$BPFTOOL"; then
	p=usr/share/seccomp-whitelist/profiles
	installed seccomp-whitelist usr/bin/seccomp-whitelist usr/share/man/man1/seccomp-whitelist.1 \
		$p/basic-compute.json $p/restricted-io.json $p/networking.json \
		$p/platform-services.json $p/http-function.json
	contract seccomp-whitelist "check" "check $tmp/no-such-profile.json" 1
	out=$("$tmp/seccomp-whitelist/usr/bin/seccomp-whitelist" check "$tmp/seccomp-whitelist/$p/basic-compute.json" \
		--first-wins "$tmp/seccomp-whitelist/$p/networking.json" 2>&1)
	if [[ $out == "2 profile(s), 1 phase(s);"* ]]; then
		ok "seccomp-whitelist check: the installed profiles compose, options after profiles"
	else
		nok "seccomp-whitelist check of the installed profiles: '$out'"
	fi
else
	for i in $(seq 7); do skip "seccomp-whitelist: not installed ($i)"; done
fi

# --- dpu-tenant ---
[ -e "$DPU_MMIO_H/dpu_mmio.h" ] || missing="$missing $DPU_MMIO_H/dpu_mmio.h"
if [ -n "$missing" ]; then
	for i in $(seq 7); do skip "dpu-tenant: no$missing (make selftests builds them) ($i)"; done
elif build_install dpu-tenant bpf-progs/dpu-mmio CLANG="$CLANG" KHDR="$KHDR" \
		LIBBPF_DIR="$LIBBPF_DIR" BPFTOOL="$BPFTOOL" DPU_MMIO_H="$DPU_MMIO_H"; then
	installed dpu-tenant usr/bin/dpu-tenant usr/share/man/man1/dpu-tenant.1
	contract dpu-tenant "run /dev/null 0 edu_liveness not-a-number" "info $tmp/no-such-device" 2
else
	for i in $(seq 6); do skip "dpu-tenant: not installed ($i)"; done
fi

echo "# $fails of $n failed"
[ $fails = 0 ]
