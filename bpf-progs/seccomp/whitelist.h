/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of the seccomp-eBPF whitelist program (whitelist.bpf.c), shared
 * with the loader (swl.c) that fills them from OCI seccomp profiles.
 *
 * For phase P and syscall NR, entries[P * SWL_NR_MAX + NR] names a run of
 * rules in rules[]; the first rule whose conditions all hold gives the
 * action, else the phase's default action.  A rule has one condition slot
 * per syscall argument (conds[k] tests args[k]); a slot without a
 * condition always holds.  As in libseccomp, a rule compares each
 * argument at most once.  A syscall with advance_to set
 * moves the filter to that phase once it is allowed.
 */
#ifndef SWL_WHITELIST_H
#define SWL_WHITELIST_H

#include <linux/types.h>

#define SWL_NR_MAX		512	/* syscall numbers the filter knows */
#define SWL_PHASES_MAX		4
#define SWL_RULES_PER_NR	8	/* rules (argument variants) per syscall */
#define SWL_RULES_MAX		4096
#define SWL_CONDS		6	/* argument conditions per rule: one per argument */

enum swl_op {
	SWL_OP_NE = 1,
	SWL_OP_LT,
	SWL_OP_LE,
	SWL_OP_EQ,
	SWL_OP_GE,
	SWL_OP_GT,
	SWL_OP_MASKED_EQ,	/* (arg & value) == value2 */
};

struct swl_cond {
	__u8 arg;		/* 0..5 */
	__u8 op;		/* enum swl_op */
	__u16 pad;
	__u32 pad2;
	__u64 value;
	__u64 value2;
};

/*
 * A condition on an argument a as the filter evaluates it, without
 * branching on its values (see whitelist.bpf.c): it holds when
 *	((a & mask) - lo) <= span
 * (unsigned, modulo 2^64: the interval may wrap around).  eval.h compiles
 * every swl_op into it: EQ v is mask ~0, lo v, span 0; NE v is the
 * complement, lo v + 1, span 2^64 - 2; LT/LE/GE/GT are intervals;
 * MASKED_EQ m v2 is mask m, lo v2, span 0; a condition that never holds is
 * mask 0, lo 1, span 0.  SWL_KCOND_ANY (mask 0, lo 0, span 0) always holds.
 */
struct swl_kcond {
	__u64 mask;
	__u64 lo;
	__u64 span;
};

#define SWL_KCOND_ANY	((struct swl_kcond){ 0 })

struct swl_rule {
	__u32 action;		/* SECCOMP_RET_* | data */
	__u32 nslots;		/* conds[nslots..] are empty (SWL_KCOND_ANY) */
	struct swl_kcond conds[SWL_CONDS];	/* conds[k] tests args[k] */
};

struct swl_entry {
	__u32 first_rule;
	__u16 nr_rules;
	__u16 advance_to;	/* 0: none, else the phase to move to */
};

struct swl_config {
	__u32 arch;		/* AUDIT_ARCH_* the filter allows; others are killed */
	__u32 nr_phases;
	__u32 default_action[SWL_PHASES_MAX];
};

#endif
