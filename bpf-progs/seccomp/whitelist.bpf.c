// SPDX-License-Identifier: GPL-2.0
/*
 * Per-function syscall whitelist as a seccomp-eBPF filter
 * (BPF_PROG_TYPE_SECCOMP).  Its maps are filled by the loader from an OCI
 * seccomp profile and frozen before the filter is installed; the only
 * state is the filter's phase, which only advances.
 */
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/seccomp.h>
#include <bpf/bpf_helpers.h>
#include "whitelist.h"

/* pahole 1.24 puts no kfunc declarations in BTF: declare them here. */
extern __u32 bpf_seccomp_phase(void) __ksym;
extern __u32 bpf_seccomp_advance_phase(__u32 phase) __ksym;

const volatile struct swl_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SWL_PHASES_MAX * SWL_NR_MAX);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct swl_entry);
} entries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SWL_RULES_MAX);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct swl_rule);
} rules SEC(".maps");

/*
 * The verifier only accepts context loads at a constant offset from the
 * context pointer itself; written in C, clang merges the six cases into
 * one load through a computed pointer.  One asm load per argument.
 */
#define LOAD_ARG(ctx, n) ({						\
	__u64 __v;							\
	asm volatile("%0 = *(u64 *)(%1 + %2)" : "=r"(__v)		\
		     : "r"(ctx), "i"(offsetof(struct seccomp_data, args[n])));	\
	__v; })

static __always_inline __u64 arg(const struct seccomp_data *ctx, __u8 i)
{
	switch (i) {
	case 0: return LOAD_ARG(ctx, 0);
	case 1: return LOAD_ARG(ctx, 1);
	case 2: return LOAD_ARG(ctx, 2);
	case 3: return LOAD_ARG(ctx, 3);
	case 4: return LOAD_ARG(ctx, 4);
	default: return LOAD_ARG(ctx, 5);
	}
}

static __always_inline bool cond_holds(const struct swl_cond *c,
				       const struct seccomp_data *ctx)
{
	__u64 a = arg(ctx, c->arg);

	switch (c->op) {
	case SWL_OP_NE:		return a != c->value;
	case SWL_OP_LT:		return a < c->value;
	case SWL_OP_LE:		return a <= c->value;
	case SWL_OP_EQ:		return a == c->value;
	case SWL_OP_GE:		return a >= c->value;
	case SWL_OP_GT:		return a > c->value;
	case SWL_OP_MASKED_EQ:	return (a & c->value) == c->value2;
	default:		return false;
	}
}

static __always_inline bool rule_holds(const struct swl_rule *r,
				       const struct seccomp_data *ctx)
{
	for (int i = 0; i < SWL_CONDS; i++) {
		if (i >= r->nr_conds)
			return true;
		if (!cond_holds(&r->conds[i], ctx))
			return false;
	}
	return true;
}

SEC("seccomp")
int whitelist(struct seccomp_data *ctx)
{
	__u32 nr = ctx->nr, phase, key, action;
	struct swl_entry *e;

	/* foreign ABIs (i386 via int 0x80, x32 numbers) are never allowed */
	if (ctx->arch != cfg.arch || nr >= SWL_NR_MAX)
		return SECCOMP_RET_KILL_PROCESS;

	phase = bpf_seccomp_phase();
	if (phase >= SWL_PHASES_MAX)
		phase = SWL_PHASES_MAX - 1;
	action = cfg.default_action[phase];

	key = phase * SWL_NR_MAX + nr;
	e = bpf_map_lookup_elem(&entries, &key);
	if (!e)
		return action;

	for (int i = 0; i < SWL_RULES_PER_NR; i++) {
		struct swl_rule *r;
		__u32 rk;

		if (i >= e->nr_rules)
			break;
		rk = e->first_rule + i;
		r = bpf_map_lookup_elem(&rules, &rk);
		if (!r)
			break;
		if (rule_holds(r, ctx)) {
			action = r->action;
			break;
		}
	}

	/* a trigger moves the phase on once it is allowed (or logged) */
	if (e->advance_to &&
	    ((action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW ||
	     (action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_LOG))
		bpf_seccomp_advance_phase(e->advance_to);
	return action;
}

char LICENSE[] SEC("license") = "GPL";
