/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the whitelist filter evaluates an argument condition, shared by the
 * BPF program (whitelist.bpf.c), the loader (ebpf.c), which compiles a
 * profile's conditions into struct swl_kcond, and a host test
 * (selftests/test-swl-eval.c) that checks the two against the profile
 * semantics.
 */
#ifndef SWL_EVAL_H
#define SWL_EVAL_H

#include "whitelist.h"

/*
 * The rules are evaluated without branching on the values they compare, so
 * that the verifier's analysis of speculative execution (done for this
 * program type whatever the loader's capabilities, and for any program
 * loaded without CAP_PERFMON) has few branches whose outcome it knows: each
 * one would have it explore the other side too.  The only branches left
 * depend on the syscall and its table, not on compare results.  A rule has
 * a slot per argument, so no argument is picked by a variable index (a
 * variable stack offset, which those rules refuse).
 */
#define __swl_inline inline __attribute__((always_inline))

/* every value, written as a full interval (swl_negate() of it: none) */
#define SWL_KCOND_ANY_FULL	((struct swl_kcond){ .mask = ~0ULL, .lo = 0, .span = ~0ULL })

/* 1 if @c holds for the argument value @a, else 0 */
static __swl_inline __u64 swl_cond_holds(const struct swl_kcond *c, __u64 a)
{
	__u64 t = (a & c->mask) - c->lo, span = c->span;

	/* t <= span: no borrow out of span - t (the borrow is bit 63 of this) */
	return (((~span & t) | (~(span ^ t) & (span - t))) >> 63) ^ 1;
}

/* the complement of @k's interval: the values for which @k does not hold */
static inline struct swl_kcond swl_negate(struct swl_kcond k)
{
	if (k.span == ~0ULL)	/* every value: none */
		return (struct swl_kcond){ .mask = 0, .lo = 1, .span = 0 };
	k.lo += k.span + 1;
	k.span = ~0ULL - 1 - k.span;
	return k;
}

/* the filter's branch-free form of a profile's condition (whitelist.h) */
static inline struct swl_kcond swl_compile_cond(const struct swl_cond *c)
{
	struct swl_kcond k = { .mask = ~0ULL };

	switch (c->op) {
	case SWL_OP_NE:
		k.lo = c->value;
		return swl_negate(k);
	case SWL_OP_EQ:
		k.lo = c->value;
		break;
	case SWL_OP_LT:		/* [0, v - 1], or nothing */
		if (!c->value)
			return swl_negate(SWL_KCOND_ANY_FULL);
		k.span = c->value - 1;
		break;
	case SWL_OP_LE:
		k.span = c->value;
		break;
	case SWL_OP_GE:
		k.lo = c->value;
		k.span = ~0ULL - c->value;
		break;
	case SWL_OP_GT:		/* [v + 1, ~0], or nothing */
		if (c->value == ~0ULL)
			return swl_negate(SWL_KCOND_ANY_FULL);
		k.lo = c->value + 1;
		k.span = ~0ULL - k.lo;
		break;
	case SWL_OP_MASKED_EQ:
		k.mask = c->value;
		k.lo = c->value2;
		break;
	}
	return k;
}

#endif
