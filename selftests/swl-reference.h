/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host tests of the seccomp whitelist (test-swl-eval.c,
 * test-swl-codegen.c) compare the filters against: a profile condition's
 * meaning, written as directly as the profile states it.
 */
#ifndef SWL_REFERENCE_H
#define SWL_REFERENCE_H

#include <stdbool.h>
#include <stdlib.h>
#include "whitelist.h"

/* does argument value @a satisfy the profile's condition @c? */
static inline bool swl_ref_holds(const struct swl_cond *c, __u64 a)
{
	switch (c->op) {
	case SWL_OP_NE:		return a != c->value;
	case SWL_OP_LT:		return a < c->value;
	case SWL_OP_LE:		return a <= c->value;
	case SWL_OP_EQ:		return a == c->value;
	case SWL_OP_GE:		return a >= c->value;
	case SWL_OP_GT:		return a > c->value;
	case SWL_OP_MASKED_EQ:	return (a & c->value) == c->value2;
	}
	abort();
}

/* 64 random bits (random() gives 31) */
static inline __u64 swl_rnd(void)
{
	return (__u64)random() << 62 ^ (__u64)random() << 31 ^ random();
}

#endif
