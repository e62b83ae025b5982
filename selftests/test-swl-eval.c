// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp-eBPF whitelist evaluates argument conditions without
 * branches (bpf-progs/seccomp/eval.h): check that, for every operator of
 * the profiles, swl_cond_holds(swl_compile_cond(c)) is the profile's
 * comparison, on edge values and on random ones, and that an argument slot
 * without a condition (SWL_KCOND_ANY) holds for every value.
 * Prints "N passed, N failed" and exits 1 on a mismatch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "eval.h"
#include "swl-reference.h"

int main(void)
{
	static const __u64 edge[] = { 0, 1, 2, 0x7f, 0x80, 0xffffffff,
		0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xfffffffffffffffeULL, 0xffffffffffffffffULL };
	const int ne = sizeof(edge) / sizeof(edge[0]);
	unsigned long pass = 0, fail = 0;

	srandom(1);
	for (int op = SWL_OP_NE; op <= SWL_OP_MASKED_EQ; op++) {
		for (int k = 0; k < ne * ne + 20000; k++) {
			struct swl_cond c = { .arg = k % 6, .op = op };
			struct swl_kcond kc;
			__u64 v;

			c.value = k < ne * ne ? edge[k / ne] : swl_rnd();
			c.value2 = k < ne * ne ? edge[k % ne] : swl_rnd() & c.value;
			kc = swl_compile_cond(&c);
			/* the compared value: an edge, near the operand, or random */
			for (int j = 0; j < ne + 3; j++) {
				v = j < ne ? edge[j] : j == ne ? c.value - 1 :
				    j == ne + 1 ? c.value + 1 : (k & 1 ? swl_rnd() : c.value);
				if (swl_cond_holds(&kc, v) == swl_ref_holds(&c, v)) {
					pass++;
				} else {
					if (fail++ < 10)
						printf("not ok: op %d arg %d value %#llx value2 %#llx a %#llx\n",
						       op, c.arg, (unsigned long long)c.value,
						       (unsigned long long)c.value2,
						       (unsigned long long)v);
				}
			}
		}
	}
	for (int k = 0; k < 100000; k++) {
		struct swl_kcond any = SWL_KCOND_ANY;
		__u64 v = k < ne ? edge[k] : swl_rnd();

		if (swl_cond_holds(&any, v) == 1) {
			pass++;
		} else if (fail++ < 10) {
			printf("not ok: an empty slot fails on %#llx\n", (unsigned long long)v);
		}
	}
	printf("%lu passed, %lu failed\n", pass, fail);
	return fail ? 1 : 0;
}
