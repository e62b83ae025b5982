// SPDX-License-Identifier: GPL-2.0
/*
 * prog_tests/verifier.c's test_verifier_seccomp() alone: that file includes
 * every verifier_*.skel.h, which this reduced test_progs does not build.
 * Same runner: test_loader, without CAP_SYS_ADMIN, as test_verifier.
 */
#include <test_progs.h>
#include "cap_helpers.h"
#include "verifier_seccomp.skel.h"

void test_verifier_seccomp(void)
{
	struct test_loader tester = {};
	__u64 old_caps;
	int err;

	err = cap_disable_effective(1ULL << CAP_SYS_ADMIN, &old_caps);
	if (err) {
		PRINT_FAIL("failed to drop CAP_SYS_ADMIN: %i, %s\n", err, strerror(err));
		return;
	}
	test_loader__run_subtests(&tester, "verifier_seccomp", verifier_seccomp__elf_bytes);
	test_loader_fini(&tester);
	err = cap_enable_effective(old_caps, NULL);
	if (err)
		PRINT_FAIL("failed to restore CAP_SYS_ADMIN: %i, %s\n", err, strerror(err));
}
