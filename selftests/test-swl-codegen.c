// SPDX-License-Identifier: GPL-2.0
/*
 * The compiled seccomp-eBPF whitelist (bpf-progs/seccomp/codegen.c) against
 * the policy's semantics: generate the program of each policy, run it in a
 * small interpreter of the eBPF instructions it may contain, and compare
 * its action and phase change with what the policy says, for every syscall
 * number of every phase, with argument values at and around each compared
 * value, and at random.  Syscalls the allow list answers are checked
 * against the policy only (the kernel does not run the program for them).
 *
 * Policies: the profiles named on the command line (loaded as
 * seccomp-whitelist loads them; PROFILE or +PROFILE for --first-wins, and
 * ',' joins profiles into one policy), and random policies with every
 * operator, values that need 64-bit immediates, several rules per syscall,
 * and up to four phases with triggers.
 * Prints "N passed, N failed" and exits 1 on a mismatch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include "codegen.h"
#include "swl-reference.h"

#define ID_PHASE	1001
#define ID_ADVANCE	1002

static unsigned long pass, fail;

/* what the program did: its action, and the phase it moved to (or -1) */
struct outcome {
	__u32 action;
	int advanced;
};

static bool run(const struct bpf_insn *insn, int n, const struct seccomp_data *sd,
		int phase, struct outcome *o, char *why, size_t whylen)
{
	__u64 r[11] = { 0 };
	long steps = 0;

	r[1] = (uintptr_t)sd;
	o->advanced = -1;
	for (int pc = 0; pc >= 0 && pc < n; pc++) {
		const struct bpf_insn *i = &insn[pc];
		__u64 src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg] : (__u64)(__s64)i->imm;
		bool jump;

		if (++steps > 100000) {
			snprintf(why, whylen, "no exit after %ld steps", steps);
			return false;
		}
		switch (i->code) {
		case BPF_ALU64 | BPF_MOV | BPF_X:
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = src;
			continue;
		case BPF_ALU | BPF_MOV | BPF_K:
			r[i->dst_reg] = (__u32)i->imm;
			continue;
		case BPF_ALU64 | BPF_AND | BPF_X:
		case BPF_ALU64 | BPF_AND | BPF_K:
			r[i->dst_reg] &= src;
			continue;
		case BPF_LDX | BPF_MEM | BPF_W:
			r[i->dst_reg] = *(__u32 *)(uintptr_t)(r[i->src_reg] + i->off);
			continue;
		case BPF_LDX | BPF_MEM | BPF_DW:
			r[i->dst_reg] = *(__u64 *)(uintptr_t)(r[i->src_reg] + i->off);
			continue;
		case BPF_LD | BPF_DW | BPF_IMM:
			if (pc + 1 >= n)
				break;
			r[i->dst_reg] = (__u32)i->imm | (__u64)(__u32)insn[pc + 1].imm << 32;
			pc++;
			continue;
		case BPF_JMP | BPF_JA:
			pc += i->off;
			continue;
		case BPF_JMP | BPF_CALL:
			if (i->src_reg != BPF_PSEUDO_KFUNC_CALL)
				break;
			if (i->imm == ID_PHASE) {
				r[0] = phase;
			} else if (i->imm == ID_ADVANCE) {
				/* only forward, as the kernel's kfunc */
				if (r[1] > (__u64)phase) {
					o->advanced = r[1];
					phase = r[1];
				}
				r[0] = phase;
			} else {
				break;
			}
			for (int k = 1; k <= 5; k++)
				r[k] = 0xdeadbeefdeadbeefULL;	/* clobbered */
			continue;
		case BPF_JMP | BPF_EXIT:
			if (r[0] > UINT32_MAX) {
				snprintf(why, whylen, "returns a 64-bit value %#llx", (unsigned long long)r[0]);
				return false;
			}
			o->action = r[0];
			return true;
		case BPF_JMP32 | BPF_JNE | BPF_K:
			if ((__u32)r[i->dst_reg] != (__u32)i->imm)
				pc += i->off;
			continue;
		default:
			if (BPF_CLASS(i->code) != BPF_JMP)
				break;
			switch (BPF_OP(i->code)) {
			case BPF_JEQ: jump = r[i->dst_reg] == src; break;
			case BPF_JNE: jump = r[i->dst_reg] != src; break;
			case BPF_JGT: jump = r[i->dst_reg] > src; break;
			case BPF_JGE: jump = r[i->dst_reg] >= src; break;
			case BPF_JLT: jump = r[i->dst_reg] < src; break;
			case BPF_JLE: jump = r[i->dst_reg] <= src; break;
			default: goto bad;
			}
			if (jump)
				pc += i->off;
			continue;
		}
bad:
		snprintf(why, whylen, "instruction %d: unexpected code %#x", pc, i->code);
		return false;
	}
	snprintf(why, whylen, "ran off the program");
	return false;
}

/* the policy's answer (profile semantics), without the allow list */
static struct outcome expected(const struct swl_policy *pol, const struct seccomp_data *sd,
			       int p)
{
	const struct swl_phase *ph = &pol->phases[p];
	struct outcome o = { .action = ph->default_action, .advanced = -1 };
	__u32 act;

	if (sd->arch != pol->arch || sd->nr >= SWL_NR_MAX)
		return (struct outcome){ SECCOMP_RET_KILL_PROCESS, -1 };
	for (int i = 0; i < ph->nr_rules; i++) {
		const struct swl_prule *r = &ph->rules[i];
		bool all = r->nr == (int)sd->nr;

		for (int c = 0; all && c < r->nr_conds; c++)
			all = swl_ref_holds(&r->conds[c], sd->args[r->conds[c].arg]);
		if (all) {
			o.action = r->action;
			break;
		}
	}
	act = o.action & SECCOMP_RET_ACTION_FULL;
	if ((act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG) && p + 1 < pol->nr_phases)
		for (int t = 0; t < pol->phases[p + 1].nr_triggers; t++)
			if (pol->phases[p + 1].triggers[t] == (int)sd->nr)
				o.advanced = p + 1;
	return o;
}

static void check_one(const char *name, const struct swl_policy *pol,
		      const struct bpf_insn *insn, int n, const struct seccomp_data *sd, int p)
{
	struct outcome got = { 0, -1 }, want;
	char why[128] = "";

	if (sd->arch == pol->arch && sd->nr < SWL_NR_MAX && swl_const_allow(pol, sd->nr)) {
		/* the kernel answers from the allow list: must be the policy's */
		want = expected(pol, sd, p);
		if (want.action == SECCOMP_RET_ALLOW && want.advanced < 0) {
			pass++;
		} else if (fail++ < 10) {
			printf("FAIL %s: allow list has nr %u, phase %d says %#x\n",
			       name, sd->nr, p, want.action);
		}
		return;
	}
	want = expected(pol, sd, p);
	if (run(insn, n, sd, p, &got, why, sizeof(why)) &&
	    got.action == want.action && got.advanced == want.advanced) {
		pass++;
		return;
	}
	if (fail++ < 10)
		printf("FAIL %s: phase %d nr %u args %#llx %#llx %#llx: got %#x (phase %d) %s, want %#x (phase %d)\n",
		       name, p, sd->nr, (unsigned long long)sd->args[0],
		       (unsigned long long)sd->args[1], (unsigned long long)sd->args[2],
		       got.action, got.advanced, why, want.action, want.advanced);
}

/* the verifier refuses a program with instructions no path reaches */
static int unreachable(const struct bpf_insn *insn, int n)
{
	static bool seen[SWL_CODE_MAX];
	int stack[SWL_CODE_MAX], sp = 0;

	memset(seen, 0, sizeof(seen));
	stack[sp++] = 0;
	while (sp) {
		int pc = stack[--sp];

		while (pc >= 0 && pc < n && !seen[pc]) {
			const struct bpf_insn *i = &insn[pc];
			__u8 cls = BPF_CLASS(i->code), op = BPF_OP(i->code);

			seen[pc] = true;
			if (i->code == (BPF_LD | BPF_DW | BPF_IMM)) {
				if (pc + 1 < n)
					seen[pc + 1] = true;
				pc += 2;
				continue;
			}
			if (cls != BPF_JMP && cls != BPF_JMP32) {
				pc++;
				continue;
			}
			if (op == BPF_EXIT)
				break;
			if (op == BPF_CALL) {
				pc++;
				continue;
			}
			if (op == BPF_JA) {
				pc += i->off + 1;
				continue;
			}
			if (sp < SWL_CODE_MAX)
				stack[sp++] = pc + i->off + 1;
			pc++;
		}
	}
	for (int pc = 0; pc < n; pc++)
		if (!seen[pc])
			return pc;
	return -1;
}

/* every number of every phase, with values at and around the compared ones */
static void check_policy(const char *name, const struct swl_policy *pol)
{
	static struct bpf_insn insn[SWL_CODE_MAX];
	struct swl_kfunc_ids ids = { ID_PHASE, ID_ADVANCE };
	unsigned long before = fail;
	char err[256];
	int n;

	n = swl_codegen(pol, &ids, insn, err, sizeof(err));
	if (n < 0) {
		fail++;
		printf("FAIL %s: codegen: %s\n", name, err);
		return;
	}
	if (unreachable(insn, n) >= 0) {
		fail++;
		printf("FAIL %s: instruction %d is unreachable\n", name, unreachable(insn, n));
	}
	for (int p = 0; p < pol->nr_phases; p++) {
		const struct swl_phase *ph = &pol->phases[p];

		for (int nr = 0; nr < SWL_NR_MAX + 8; nr++) {
			struct seccomp_data sd = { .nr = nr, .arch = pol->arch };

			check_one(name, pol, insn, n, &sd, p);
			for (int k = 0; k < 6; k++)
				sd.args[k] = swl_rnd();
			check_one(name, pol, insn, n, &sd, p);
		}
		/* a foreign architecture, an x32 number */
		check_one(name, pol, insn, n,
			  &(struct seccomp_data){ .nr = 39, .arch = AUDIT_ARCH_I386 }, p);
		check_one(name, pol, insn, n,
			  &(struct seccomp_data){ .nr = 0x40000027, .arch = pol->arch }, p);
		for (int i = 0; i < ph->nr_rules; i++) {
			const struct swl_prule *r = &ph->rules[i];

			for (int c = 0; c < r->nr_conds; c++) {
				const struct swl_cond *k = &r->conds[c];
				__u64 v = k->op == SWL_OP_MASKED_EQ ? k->value2 : k->value;
				__u64 vals[] = { v, v - 1, v + 1, 0, ~0ULL, v | ~k->value, swl_rnd() };

				for (unsigned int j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
					struct seccomp_data sd = { .nr = r->nr, .arch = pol->arch };

					/* the other conditions of the rule hold, or not */
					for (int o = 0; o < r->nr_conds; o++) {
						const struct swl_cond *ko = &r->conds[o];

						sd.args[ko->arg] = j & 1 ? swl_rnd() :
							ko->op == SWL_OP_MASKED_EQ ? ko->value2 :
							ko->op == SWL_OP_NE ? ~ko->value : ko->value;
					}
					sd.args[k->arg] = vals[j];
					check_one(name, pol, insn, n, &sd, p);
				}
			}
		}
	}
	printf("%s %s: %d instructions\n", fail == before ? "ok" : "FAIL", name, n);
}

static void add_rule(struct swl_phase *ph, struct swl_prule r)
{
	if (ph->nr_rules == ph->cap_rules) {
		ph->cap_rules = ph->cap_rules ? 2 * ph->cap_rules : 16;
		ph->rules = realloc(ph->rules, ph->cap_rules * sizeof(*ph->rules));
		if (!ph->rules)
			abort();
	}
	ph->rules[ph->nr_rules++] = r;
}

static const __u32 actions[] = {
	SECCOMP_RET_ALLOW, SECCOMP_RET_LOG, SECCOMP_RET_ERRNO | 1,
	SECCOMP_RET_ERRNO | 38, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP | 7,
};

static void random_policy(struct swl_policy *pol, int seed)
{
	static const __u64 vals[] = { 0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0xffffffff80000000ULL, ~0ULL };

	memset(pol, 0, sizeof(*pol));
	srandom(seed);
	pol->arch = AUDIT_ARCH_X86_64;
	pol->nr_phases = 1 + seed % SWL_PHASES_MAX;
	for (int p = 0; p < pol->nr_phases; p++) {
		struct swl_phase *ph = &pol->phases[p];
		int nrules = random() % 300;

		snprintf(ph->name, sizeof(ph->name), "p%d", p);
		ph->default_action = actions[random() % 6];
		if (p)
			for (ph->nr_triggers = 0; ph->nr_triggers < 1 + (int)(random() % 3);)
				ph->triggers[ph->nr_triggers++] = random() % 40;
		for (int i = 0; i < nrules; i++) {
			struct swl_prule r = { .nr = random() % 2 ? random() % 40 : random() % SWL_NR_MAX };
			int used = 0;

			r.action = random() % 3 ? SECCOMP_RET_ALLOW : actions[random() % 6];
			r.nr_conds = random() % 4 ? 0 : 1 + random() % 3;
			for (int c = 0; c < r.nr_conds; c++) {
				struct swl_cond *k = &r.conds[c];

				do
					k->arg = random() % 6;
				while (used & (1 << k->arg));
				used |= 1 << k->arg;
				k->op = SWL_OP_NE + random() % SWL_OP_MASKED_EQ;
				k->value = random() % 2 ? vals[random() % 9] : swl_rnd();
				k->value2 = k->value & (random() % 2 ? vals[random() % 9] : swl_rnd());
			}
			snprintf(r.where, sizeof(r.where), "random %d", i);
			add_rule(ph, r);
		}
	}
}

int main(int argc, char **argv)
{
	static struct swl_policy pol;
	char err[1024], name[64];

	srandom(1);
	for (int a = 1; a < argc; a++) {
		char *paths[16], *list = strdup(argv[a]), *s = list;
		int n = 0;

		memset(&pol, 0, sizeof(pol));
		if (*s == '+') {
			pol.first_wins = true;
			s++;
		}
		for (char *t = strtok(s, ","); t && n < 16; t = strtok(NULL, ","))
			paths[n++] = t;
		if (swl_policy_load(&pol, paths, n, err, sizeof(err))) {
			fail++;
			printf("FAIL %s: %s\n", argv[a], err);
		} else {
			check_policy(argv[a], &pol);
		}
		swl_policy_free(&pol);
		free(list);
	}
	for (int seed = 1; seed <= 40; seed++) {
		random_policy(&pol, seed);
		snprintf(name, sizeof(name), "random policy %d (%d phases)", seed, pol.nr_phases);
		check_policy(name, &pol);
		for (int p = 0; p < pol.nr_phases; p++)
			free(pol.phases[p].rules);
	}
	printf("%lu passed, %lu failed\n", pass, fail);
	return fail ? 1 : 0;
}
