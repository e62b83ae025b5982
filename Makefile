# The user's verbs.  Each target is one script under scripts/; see README.md.
SHELL := /bin/bash
S := scripts

.PHONY: help setup launcher tree patches kernel test-kernel selftests check lint post bisect vm bench-cgroup bench-cgroup-ab bench-seccomp bench-dpu bench-regress bench-launch base-kernel worker-image worker-smoke clean distclean

help:
	@echo "make setup        install the build and test dependencies (apt, pip)"
	@echo "make tree         build/7.3/linux: pinned base + kernel-patches-7.3/ applied with git am"
	@echo "make patches      export build/7.3/linux's commits back into kernel-patches-7.3/"
	@echo "make kernel       the worker kernel as .deb packages in out/ (long)"
	@echo "make worker-image Debian bookworm disk image with those packages and the tools"
	@echo "make worker-smoke boot out/worker.img under QEMU and smoke-test it"
	@echo "make check        test kernel + kselftests in virtme-ng; 'N passed, N failed'"
	@echo "                  ONLY='seccomp:*' runs a subset"
	@echo "make lint         checkpatch --strict on every patch"
	@echo "make post TOPIC=name  the topic's b4 branch and mbox with To/Cc in out/post/name/ (FROM='Name <addr>')"
	@echo "make bisect       build every commit of the queue in turn"
	@echo "make vm CMD=...   boot the test kernel and run CMD in it (a shell without CMD)"
	@echo "make bench-cgroup cgroup provisioning benchmark in the guest (DEBUG=0: no debug options)"
	@echo "make bench-seccomp per-syscall cost: no filter, libseccomp, seccomp-eBPF whitelist"
	@echo "make bench-dpu     per-access cost: verified MMIO-window loads vs the driver's ioctl"
	@echo "make bench-cgroup-ab classic cgroup-bench cells: base kernel vs queue, BENCH_PAIRS pairs"
	@echo "make bench-regress fork/exit, clone3, memcg charging, mkdir/rmdir: base kernel vs queue"
	@echo "make bench-launch  function cold starts: bare fork+exec, process mode, crun; base vs queue"
	@echo "make base-kernel  only build the unpatched base (DEBUG=0 config) for bench-regress"
	@echo "make test-kernel  only build the test kernel (DEBUG=0: without debug options)"
	@echo "make selftests    only build the selftests"
	@echo "make launcher     build liblauncher and fnlaunch (launcher/) into build/tools/launcher"
	@echo "make clean        remove build outputs, keep the tree; distclean: everything"
	@echo "BASE=6.12         after any verb: the 6.12 queue (kernel-patches/, build/), not tested by CI"

setup:
	$(S)/setup.sh

tree:
	$(S)/make-tree.sh

# user space only: no kernel tree needed
launcher:
	$(MAKE) -C launcher OUT=$(CURDIR)/build/tools/launcher \
		CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter" all

patches:
	$(S)/export-patches.sh

kernel: tree
	$(S)/build-worker-kernel.sh

worker-image:
	$(S)/worker-image.sh

worker-smoke:
	$(S)/worker-smoke.sh

test-kernel: tree
	$(S)/build-test-kernel.sh

selftests: test-kernel
	$(S)/build-selftests.sh

check:
	$(S)/check.sh

bench-cgroup:
	$(S)/bench-cgroup.sh

bench-seccomp:
	$(S)/bench-seccomp.sh

bench-dpu:
	$(S)/bench-dpu.sh

bench-cgroup-ab:
	$(S)/bench-cgroup-ab.sh

bench-regress:
	$(S)/bench-regress.sh

bench-launch:
	$(S)/bench-launch.sh

base-kernel: tree
	$(S)/build-base-kernel.sh

lint: tree
	$(S)/lint.sh

post: tree
	$(S)/post.sh

bisect: tree
	$(S)/bisect-build.sh

vm: test-kernel
	$(S)/vm.sh $(CMD)

clean:
	for b in build build/7.3; do \
		rm -rf $$b/out $$b/results $$b/kselftest $$b/bisect $$b/scratch.img $$b/base-src; \
		git -C $$b/linux worktree prune 2>/dev/null || true; \
	done

distclean:
	rm -rf build out
