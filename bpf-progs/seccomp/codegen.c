// SPDX-License-Identifier: GPL-2.0
/*
 * Generate a seccomp-eBPF program for a whitelist policy (codegen.h).
 *
 *	if ctx->arch != ARCH: KILL_PROCESS	(i386 via int 0x80, ...)
 *	nr = ctx->nr
 *	if nr >= SWL_NR_MAX: KILL_PROCESS	(x32 numbers, ...)
 *	r0 = bpf_seccomp_phase()		(more than one phase only)
 *	one block per phase, chosen on r0:
 *	    binary search for nr among the syscalls this phase decides
 *	    (those the allow list leaves to the program), else its default;
 *	    per syscall, its rules in order: a failed comparison jumps to
 *	    the next rule, the last one to the default action (a rule
 *	    without conditions ends the syscall's code: nothing after it
 *	    could run, and the verifier refuses unreachable code); an
 *	    allowed trigger calls bpf_seccomp_advance_phase() first.
 *
 * Comparisons are unsigned and 64-bit, as the profile's; a value that is
 * not a sign-extended 32-bit immediate is loaded into r3 first.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/seccomp.h>
#include "codegen.h"

struct cg {
	struct bpf_insn *insn;
	int n;
	bool full;
	const struct swl_policy *pol;
	const struct swl_kfunc_ids *ids;
	__u8 ctx, nr;	/* registers: r1 and r5, r6 and r7 if it calls kfuncs */
};

static int emit(struct cg *g, struct bpf_insn i)
{
	if (g->n >= SWL_CODE_MAX) {
		g->full = true;
		return g->n;
	}
	g->insn[g->n] = i;
	return g->n++;
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* a forward jump from @at to the next instruction to be emitted */
static void land(struct cg *g, int at)
{
	if (!g->full && at < g->n)
		g->insn[at].off = g->n - at - 1;
}

static bool is_imm32(__u64 v)
{
	return (__u64)(__s64)(__s32)v == v;
}

/* r3 = @v, 64 bits */
static void emit_ld64(struct cg *g, __u64 v)
{
	emit(g, INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_3, 0, 0, (__u32)v));
	emit(g, INSN(0, 0, 0, 0, (__u32)(v >> 32)));
}

/* if !(r2 OP v) goto (returned, to be landed) */
static int emit_fail_jump(struct cg *g, int op, __u64 v)
{
	int jop;

	switch (op) {
	case SWL_OP_EQ:
	case SWL_OP_MASKED_EQ:	jop = BPF_JNE; break;
	case SWL_OP_NE:		jop = BPF_JEQ; break;
	case SWL_OP_LT:		jop = BPF_JGE; break;
	case SWL_OP_LE:		jop = BPF_JGT; break;
	case SWL_OP_GE:		jop = BPF_JLT; break;
	default:		jop = BPF_JLE; break;	/* SWL_OP_GT */
	}
	if (is_imm32(v))
		return emit(g, INSN(BPF_JMP | jop | BPF_K, BPF_REG_2, 0, 0, (__s32)v));
	emit_ld64(g, v);
	return emit(g, INSN(BPF_JMP | jop | BPF_X, BPF_REG_2, BPF_REG_3, 0, 0));
}

static bool is_trigger(const struct swl_policy *pol, int p, int nr)
{
	const struct swl_phase *next = p + 1 < pol->nr_phases ? &pol->phases[p + 1] : NULL;

	for (int t = 0; next && t < next->nr_triggers; t++)
		if (next->triggers[t] == nr)
			return true;
	return false;
}

static bool moves_on(__u32 action)
{
	action &= SECCOMP_RET_ACTION_FULL;
	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

/* return @action, moving to the next phase first if @nr triggers it */
static void emit_action(struct cg *g, int p, int nr, __u32 action)
{
	if (moves_on(action) && is_trigger(g->pol, p, nr)) {
		emit(g, INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, p + 1));
		emit(g, INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0,
			     g->ids->advance_phase));
	}
	/* a 32-bit move: the action is not sign-extended */
	emit(g, INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, action));
	emit(g, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* the rules of syscall @nr in phase @p, then the phase's default */
static void emit_syscall(struct cg *g, int p, int nr)
{
	const struct swl_phase *ph = &g->pol->phases[p];

	for (int i = 0; i < ph->nr_rules; i++) {
		const struct swl_prule *r = &ph->rules[i];
		int fails[SWL_CONDS];

		if (r->nr != nr)
			continue;
		for (int c = 0; c < r->nr_conds; c++) {
			const struct swl_cond *k = &r->conds[c];
			__u64 v = k->value;

			emit(g, INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, g->ctx,
				     (__s16)offsetof(struct seccomp_data, args[k->arg]), 0));
			if (k->op == SWL_OP_MASKED_EQ) {
				if (is_imm32(k->value)) {
					emit(g, INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0,
						     (__s32)k->value));
				} else {
					emit_ld64(g, k->value);
					emit(g, INSN(BPF_ALU64 | BPF_AND | BPF_X, BPF_REG_2,
						     BPF_REG_3, 0, 0));
				}
				v = k->value2;
			}
			fails[c] = emit_fail_jump(g, k->op, v);
		}
		emit_action(g, p, nr, r->action);
		/* the verifier refuses code no path reaches */
		if (!r->nr_conds)
			return;
		for (int c = 0; c < r->nr_conds; c++)
			land(g, fails[c]);
	}
	emit_action(g, p, nr, ph->default_action);
}

/* find r7 among @nrs[lo..hi) (sorted) */
static void emit_search(struct cg *g, int p, const int *nrs, int lo, int hi)
{
	int at[4];

	if (hi - lo > 4) {
		int mid = lo + (hi - lo) / 2;
		int right = emit(g, INSN(BPF_JMP | BPF_JGE | BPF_K, g->nr, 0, 0, nrs[mid]));

		emit_search(g, p, nrs, lo, mid);
		land(g, right);
		emit_search(g, p, nrs, mid, hi);
		return;
	}
	for (int i = lo; i < hi; i++)
		at[i - lo] = emit(g, INSN(BPF_JMP | BPF_JEQ | BPF_K, g->nr, 0, 0, nrs[i]));
	emit_action(g, p, -1, g->pol->phases[p].default_action);
	for (int i = lo; i < hi; i++) {
		land(g, at[i - lo]);
		emit_syscall(g, p, nrs[i]);
	}
}

/* does phase @p decide @nr itself (a rule, or a trigger of the next)? */
static bool phase_decides(const struct swl_policy *pol, int p, int nr)
{
	const struct swl_phase *ph = &pol->phases[p];

	/*
	 * The kernel answers the allow list's syscalls without running the
	 * program (SECCOMP_FILTER_FLAG_BPF_PROG's contract), and the list is
	 * installed with the program in one call: were it ever run for one,
	 * the program would give the phase's default, which denies.
	 */
	if (swl_const_allow(pol, nr))
		return false;
	if (is_trigger(pol, p, nr))
		return true;
	for (int i = 0; i < ph->nr_rules; i++)
		if (ph->rules[i].nr == nr)
			return true;
	return false;
}

int swl_codegen(const struct swl_policy *pol, const struct swl_kfunc_ids *ids,
		struct bpf_insn *insn, char *err, size_t errlen)
{
	struct cg g = { .insn = insn, .pol = pol, .ids = ids };
	int kill_arch, kill_nr, to_phase[SWL_PHASES_MAX];
	int nrs[SWL_NR_MAX];

	if (pol->nr_phases < 1 || pol->nr_phases > SWL_PHASES_MAX) {
		snprintf(err, errlen, "%d phases: 1 to %d", pol->nr_phases, SWL_PHASES_MAX);
		return -EINVAL;
	}
	if (pol->nr_phases > 1 && (ids->phase <= 0 || ids->advance_phase <= 0)) {
		snprintf(err, errlen, "phases need the kernel's bpf_seccomp_phase() and bpf_seccomp_advance_phase() kfuncs");
		return -ENOENT;
	}
	/*
	 * Without kfunc calls, nothing is clobbered: keep to r0-r5, so that
	 * the JIT saves no callee-saved register.
	 */
	g.ctx = BPF_REG_1;
	g.nr = BPF_REG_5;
	if (pol->nr_phases > 1) {
		g.ctx = BPF_REG_6;
		g.nr = BPF_REG_7;
		emit(&g, INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0));
	}
	emit(&g, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, g.ctx,
		      offsetof(struct seccomp_data, arch), 0));
	/* arch is compared as 32 bits: AUDIT_ARCH_* have bit 31 set */
	kill_arch = emit(&g, INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, (__s32)pol->arch));
	emit(&g, INSN(BPF_LDX | BPF_MEM | BPF_W, g.nr, g.ctx,
		      offsetof(struct seccomp_data, nr), 0));
	kill_nr = emit(&g, INSN(BPF_JMP | BPF_JGE | BPF_K, g.nr, 0, 0, SWL_NR_MAX));
	if (pol->nr_phases > 1) {
		emit(&g, INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, ids->phase));
		/* the phase only takes the values below, the last one included */
		for (int p = 0; p < pol->nr_phases - 1; p++)
			to_phase[p] = emit(&g, INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, p));
	}
	for (int p = pol->nr_phases - 1; p >= 0; p--) {
		int n = 0;

		if (p < pol->nr_phases - 1)
			land(&g, to_phase[p]);
		for (int nr = 0; nr < SWL_NR_MAX; nr++)
			if (phase_decides(pol, p, nr))
				nrs[n++] = nr;
		emit_search(&g, p, nrs, 0, n);
	}
	land(&g, kill_arch);
	land(&g, kill_nr);
	emit(&g, INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, SECCOMP_RET_KILL_PROCESS));
	emit(&g, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	if (g.full) {
		snprintf(err, errlen, "the policy needs more than %d eBPF instructions", SWL_CODE_MAX);
		return -E2BIG;
	}
	return g.n;
}
