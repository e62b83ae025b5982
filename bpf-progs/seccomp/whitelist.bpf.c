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
#include "eval.h"

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

SEC("seccomp")
int whitelist(struct seccomp_data *ctx)
{
	__u32 nr = ctx->nr, phase, key, action;
	struct swl_entry *e;
	__u64 a0, a1, a2, a3, a4, a5;

	/* foreign ABIs (i386 via int 0x80, x32 numbers) are never allowed */
	if (ctx->arch != cfg.arch || nr >= SWL_NR_MAX)
		return SECCOMP_RET_KILL_PROCESS;

	/*
	 * Only this program moves the phase, and only to the advance_to
	 * values of its table, which the loader keeps below SWL_PHASES_MAX:
	 * the mask changes nothing, and gives the verifier the bound without
	 * a branch (two paths with different bounds would make it refuse the
	 * indexing below under Spectre v1 rules).  cfg is read-only: with a
	 * single phase the verifier drops the call.
	 */
	phase = cfg.nr_phases > 1 ? bpf_seccomp_phase() & (SWL_PHASES_MAX - 1) : 0;
	action = cfg.default_action[phase];

	key = phase * SWL_NR_MAX + nr;
	e = bpf_map_lookup_elem(&entries, &key);
	if (!e)
		return action;

	a0 = LOAD_ARG(ctx, 0);
	a1 = LOAD_ARG(ctx, 1);
	a2 = LOAD_ARG(ctx, 2);
	a3 = LOAD_ARG(ctx, 3);
	a4 = LOAD_ARG(ctx, 4);
	a5 = LOAD_ARG(ctx, 5);

	/*
	 * Each rule has a slot per argument; only its first nslots are
	 * evaluated (the rest are empty), and no branch depends on what the
	 * conditions compare (eval.h), only on the table.
	 */
#pragma unroll
	for (int i = 0; i < SWL_RULES_PER_NR; i++) {
		struct swl_rule *r;
		__u32 rk, n;
		__u64 h = 1;

		if (i >= e->nr_rules)
			break;
		rk = e->first_rule + i;
		r = bpf_map_lookup_elem(&rules, &rk);
		if (!r)
			break;
		n = r->nslots;
		if (n > 0)
			h &= swl_cond_holds(&r->conds[0], a0);
		if (n > 1)
			h &= swl_cond_holds(&r->conds[1], a1);
		if (n > 2)
			h &= swl_cond_holds(&r->conds[2], a2);
		if (n > 3)
			h &= swl_cond_holds(&r->conds[3], a3);
		if (n > 4)
			h &= swl_cond_holds(&r->conds[4], a4);
		if (n > 5)
			h &= swl_cond_holds(&r->conds[5], a5);
		if (h) {
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
