#!/usr/bin/env bash
# Build the selftests `make check` runs, against the test kernel's headers,
# into build/kselftest: the kselftest targets of SELFTEST_TARGETS with the
# kselftest install rule, and of tools/testing/selftests/bpf only
# test_verifier and the bpf_testmod.ko module it loads (see README: the whole of selftests/bpf needs a vmlinux.h
# from a kernel with the full bpf config and modules, and takes longer to
# build than the rest of the check together).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(test_kernel_dir)
kst=$BUILD/kselftest
[ -f "$out/vmlinux" ] || die "no test kernel in $out: run scripts/build-test-kernel.sh"
kmake -s O="$out" headers

targets=()
for t in $SELFTEST_TARGETS; do [ "$t" = bpf ] || targets+=("$t"); done
if [ ${#targets[@]} -gt 0 ]; then
	# kselftest's install carries on past a program that fails to build
	# (and would install the rest): a failure in the log fails the build.
	make -s -C "$TREE/tools/testing/selftests" -j"$JOBS" O="$out" \
		KHDR_INCLUDES="-isystem $out/usr/include" \
		TARGETS="${targets[*]}" KSFT_INSTALL_PATH="$kst" install >"$BUILD/kselftest-build.log" 2>&1 &&
		! grep -q '\*\*\* .* Error [0-9]' "$BUILD/kselftest-build.log" ||
		{ tail -40 "$BUILD/kselftest-build.log" >&2; die "kselftest build failed (full log: $BUILD/kselftest-build.log)"; }
fi
case " $SELFTEST_TARGETS " in *" bpf "*)
	mkdir -p "$kst/bpf"
	# libarena (Linux 7.3 on), which test_verifier's build pulls in, uses
	# 32-bit atomics and signed division (cpu v4) and gives clang no -mcpu:
	# clang 19 compiles BPF for cpu v1 by default.  CLANG_CFLAGS (the
	# system include directories, as selftests/bpf computes them) goes
	# into BPF compiles only, before the -mcpu= of selftests/bpf's own
	# rules, which still win.
	bpf_flags=()
	if [ -d "$TREE/tools/testing/selftests/bpf/libarena" ]; then
		sysinc=$("$CLANG" -v -E - </dev/null 2>&1 |
			sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }' | tr '\n' ' ')
		bpf_flags=(CLANG_CFLAGS="$sysinc -mcpu=v4")
	fi
	make -s -C "$TREE/tools/testing/selftests/bpf" -j"$JOBS" O="$out" OUTPUT="$kst/bpf" \
		"${bpf_flags[@]}" CLANG="$CLANG" LLVM_STRIP="llvm-strip$LLVM_SUFFIX" KHDR_INCLUDES="-isystem $out/usr/include" \
		"$kst/bpf/test_verifier" "$kst/bpf/bpf_testmod.ko" >"$BUILD/bpf-build.log" 2>&1 ||
		{ tail -40 "$BUILD/bpf-build.log" >&2; die "selftests/bpf test_verifier build failed (full log: $BUILD/bpf-build.log)"; }
	# test_progs with only the series' tests (selftests/bpf-mini/Makefile
	# says why), built with the tree's libbpf and bpftool: the tests of
	# the topics the queue has
	mini_tests=() mini_progs=()
	if queue_has bpf-dpu-mmio; then
		mini_tests+=(mmio_window) mini_progs+=(verifier_mmio mmio_tenant)
	fi
	if queue_has seccomp-ebpf; then
		mini_tests+=(verifier_seccomp frozen_rdonly_array)
		mini_progs+=(verifier_seccomp frozen_rdonly_array)
	fi
	if queue_has bpf-iter-fix; then
		mini_tests+=(bpf_iter_map_elem_oob) mini_progs+=(bpf_iter_map_elem_oob)
	fi
	rm -f "$kst/bpf/test_progs"
	if [ ${#mini_tests[@]} -gt 0 ]; then
		mkdir -p "$BUILD/bpftool" "$BUILD/libbpf-build" "$kst/bpf/mini"
		{ make -s -C "$TREE/tools/lib/bpf" -j"$JOBS" OUTPUT="$BUILD/libbpf-build/" DESTDIR="$BUILD/libbpf" \
			prefix= install &&
		  make -s -C "$TREE/tools/bpf/bpftool" -j"$JOBS" OUTPUT="$BUILD/bpftool/" bootstrap &&
		  make -s -C "$TOP/selftests/bpf-mini" -j"$JOBS" TREE="$TREE" OUT="$kst/bpf/mini" \
			KHDR="$out/usr/include" LIBBPF="$BUILD/libbpf" BPFTOOL="$BUILD/bpftool/bootstrap/bpftool" \
			CLANG="$CLANG" TESTS="${mini_tests[*]}" PROGS="${mini_progs[*]}"; } \
			>"$BUILD/bpf-mini-build.log" 2>&1 ||
			{ tail -40 "$BUILD/bpf-mini-build.log" >&2; die "test_progs (series tests) build failed (full log: $BUILD/bpf-mini-build.log)"; }
		cp "$kst/bpf/mini/test_progs" "$kst/bpf/test_progs"
	fi
	;;
esac
# This repository's user-space tools and benchmarks, for selftests/e2e and
# the benchmarks (warnings are errors: they run in the guest unattended).
tools=$BUILD/tools
mkdir -p "$tools"
make -s -C "$TOP/cgbatch" CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter" all >/dev/null ||
	die "cgbatch build failed"
cp "$TOP/cgbatch/cgbatch" "$tools/"
# fnlaunch, the function launcher (its library built alongside, with
# libegress against the system's libbpf, as a packager would build it)
make -s -C "$TOP/launcher" OUT="$tools/launcher" CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter" \
	CLANG="$CLANG" all >/dev/null || die "launcher build failed"
cp "$tools/launcher/fnlaunch" "$tools/launcher/fnlaunchd" "$tools/"
# e2e:launcher-run.sh's function: freestanding, so that the gate verifies it
gcc -O2 -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie -Wall -Wextra -Werror \
	-o "$tools/fn-probe" "$TOP/selftests/e2e/fn-probe.c" || die "fn-probe build failed"
# make bench-launch's program, with liblauncher
gcc -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -I"$TOP/launcher" -o "$tools/launch-bench" \
	"$TOP/selftests/bench/launch-bench.c" "$tools/launcher/liblauncher.a" -lcapstone -lseccomp -ljson-c -lbpf -pthread ||
	die "launch-bench build failed"
# the tiers' profiles, for fnlaunch --profiles
rm -rf "$tools/seccomp-profiles" && cp -a "$TOP/bpf-progs/seccomp/profiles" "$tools/seccomp-profiles"
# libcgbatch as make install leaves it (shared library, header, pkg-config
# file) in tools/cgbatch-root, and e2e:cgbatch-lib.sh's program built with
# pkg-config against it, linked dynamically, with an rpath to it
rm -rf "$tools/cgbatch-root"
make -s -C "$TOP/cgbatch" CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter" \
	install DESTDIR="$tools/cgbatch-root" PREFIX=/usr >/dev/null || die "cgbatch install failed"
read -ra cgbatch_flags < <(PKG_CONFIG_SYSROOT_DIR="$tools/cgbatch-root" \
	PKG_CONFIG_PATH="$tools/cgbatch-root/usr/lib/pkgconfig" pkg-config --cflags --libs cgbatch) ||
	die "pkg-config does not find the installed cgbatch.pc"
# shellcheck disable=SC2016 # $ORIGIN is for the dynamic linker
gcc -O2 -g -Wall -Wextra -Werror -o "$tools/cgbatch-lib" "$TOP/selftests/e2e/cgbatch-lib.c" \
	"${cgbatch_flags[@]}" -Wl,-rpath,'$ORIGIN/cgbatch-root/usr/lib' ||
	die "cgbatch-lib build failed"
gcc -O2 -g -Wall -Wextra -Werror -o "$tools/regress-bench" "$TOP/selftests/bench/regress-bench.c" -lseccomp ||
	die "regress-bench build failed"
# libbpf from the tree (it has the series' API), the seccomp whitelist and
# its loader, their benchmark and the e2e test's probe.
mkdir -p "$BUILD/libbpf-build" "$tools/swl"
make -s -C "$TREE/tools/lib/bpf" -j"$JOBS" OUTPUT="$BUILD/libbpf-build/" DESTDIR="$BUILD/libbpf" \
	prefix= install >"$BUILD/libbpf-build.log" 2>&1 ||
	{ tail -20 "$BUILD/libbpf-build.log" >&2; die "libbpf build failed"; }
# bpftool from the tree (bootstrap: no libbpf of its own to install): it
# turns the BPF objects of bpf-progs/ into the skeletons their loaders embed
bpftool=$BUILD/bpftool/bootstrap/bpftool
mkdir -p "$BUILD/bpftool"
make -s -C "$TREE/tools/bpf/bpftool" -j"$JOBS" OUTPUT="$BUILD/bpftool/" bootstrap >"$BUILD/bpftool-build.log" 2>&1 ||
	{ tail -20 "$BUILD/bpftool-build.log" >&2; die "bpftool build failed"; }
# the launcher's egress policy (cgroup sock_addr programs), its test driver
# and e2e:egress.sh's probe
mkdir -p "$tools/egress"
make -s -C "$TOP/bpf-progs/egress" OUT="$tools/egress" CLANG="$CLANG" KHDR="$out/usr/include" \
	LIBBPF_DIR="$BUILD/libbpf" BPFTOOL="$bpftool" CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter" ||
	die "bpf-progs/egress build failed"
cp "$tools/egress/egress-test" "$tools/egress/egress-probe" "$tools/"
# cgroup-bench, with its cgroup_mutex tracer for kernels without lock_stat (-L)
"$CLANG" -target bpf -O2 -g -Wall -Werror -isystem "$out/usr/include" -I"$BUILD/libbpf/include" \
	-c "$TOP/selftests/bench/cgmutex.bpf.c" -o "$tools/cgmutex.bpf.o" ||
	die "cgmutex.bpf.o build failed"
gcc -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread -I"$TOP/cgbatch" -I"$BUILD/libbpf/include" \
	-o "$tools/cgroup-bench" "$TOP/selftests/bench/cgroup-bench.c" "$TOP/cgbatch/libcgbatch.a" \
	"$BUILD/libbpf/lib64/libbpf.a" -lelf -lz ||
	die "cgroup-bench build failed"
# cgroup-stall: mkdir(2) elsewhere while large batches are made
gcc -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread -I"$TOP/cgbatch" \
	-o "$tools/cgroup-stall" "$TOP/selftests/bench/cgroup-stall.c" "$TOP/cgbatch/libcgbatch.a" ||
	die "cgroup-stall build failed"
# the seccomp whitelist and its loader, benchmark and probe (series 2)
if queue_has seccomp-ebpf; then
	make -s -C "$TOP/bpf-progs/seccomp" OUT="$tools/swl" CLANG="$CLANG" KHDR="$out/usr/include" \
		LIBBPF_DIR="$BUILD/libbpf" BPFTOOL="$bpftool" CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter" ||
		die "bpf-progs/seccomp build failed"
	cp "$tools/swl/seccomp-whitelist" "$tools/"
	# containers/common's default profile, an input of the e2e test and the benchmark
	"$TOP/scripts/fetch-containers-profile.sh" >/dev/null ||
		log "warning: no containers/common profile; its e2e checks and benchmark are skipped"
	gcc -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -isystem "$out/usr/include" \
		-I"$BUILD/libbpf/include" -I"$TOP/bpf-progs/seccomp" -I"$tools/swl" \
		-o "$tools/seccomp-bench" "$TOP/selftests/bench/seccomp-bench.c" "$tools/swl/libswl.a" \
		"$BUILD/libbpf/lib64/libbpf.a" -lelf -lz -lseccomp -ljson-c ||
		die "seccomp-bench build failed"
	gcc -O2 -static -Wall -Wextra -Werror -o "$tools/swl-probe" "$TOP/selftests/e2e/swl-probe.c" ||
		die "swl-probe build failed"
fi
# e2e:cgroup-bpf-inherit.sh's device policy (series 1's "bpf, cgroup" patch)
gcc -O2 -static -Wall -Wextra -Werror -isystem "$out/usr/include" -o "$tools/cgdev-deny" \
	"$TOP/selftests/e2e/cgdev-deny.c" || die "cgdev-deny build failed"
# the DPU tenants' programs and their loader (series 3)
if queue_has bpf-dpu-mmio; then
	mkdir -p "$tools/dpu"
	make -s -C "$TOP/bpf-progs/dpu-mmio" OUT="$tools/dpu" CLANG="$CLANG" KHDR="$out/usr/include" \
		LIBBPF_DIR="$BUILD/libbpf" DPU_MMIO_H="$TREE/samples/dpu_mmio" BPFTOOL="$bpftool" \
		CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter" ||
		die "bpf-progs/dpu build failed"
	cp "$tools/dpu/dpu-tenant" "$tools/"
	# e2e:dpu-remove.sh's tenant, which holds its window across the removal
	gcc -O2 -static -Wall -Wextra -Werror -isystem "$out/usr/include" -I"$TREE/samples/dpu_mmio" \
		-o "$tools/dpu-remove" "$TOP/selftests/e2e/dpu-remove.c" || die "dpu-remove build failed"
fi
log "selftests built in $kst, tools in $tools"
