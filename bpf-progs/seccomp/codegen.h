/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compiled back end of the seccomp-eBPF whitelist: instead of one
 * program that looks a policy up in maps (whitelist.bpf.c), a program
 * generated for the policy, as libseccomp generates a classic filter.
 * It has no maps: each phase is a binary search on the syscall number
 * over the syscalls the kernel does not already answer from the filter's
 * allow list, then each rule's argument comparisons, in profile order.
 * Pure code generation, without system calls, so that a host test can
 * run the result (selftests/test-swl-codegen.c).
 */
#ifndef SWL_CODEGEN_H
#define SWL_CODEGEN_H

#include <stddef.h>
#include <linux/bpf.h>
#include "profile.h"

/* a generated program is at most this long (jump offsets are 16-bit) */
#define SWL_CODE_MAX	16384

/* BTF ids of the phase kfuncs in vmlinux: needed with more than one phase */
struct swl_kfunc_ids {
	__s32 phase;		/* bpf_seccomp_phase() */
	__s32 advance_phase;	/* bpf_seccomp_advance_phase(u32) */
};

/*
 * Write the program of @pol into @insn (room for SWL_CODE_MAX) and return
 * its length, or a negative errno with the reason in @err.
 */
int swl_codegen(const struct swl_policy *pol, const struct swl_kfunc_ids *ids,
		struct bpf_insn *insn, char *err, size_t errlen);

#endif
