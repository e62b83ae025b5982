/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the tenant programs (tenant.bpf.c) and their loader. */
#ifndef DPU_TENANT_H
#define DPU_TENANT_H

/* The context of every tenant program (BPF_PROG_TEST_RUN's ctx_in) */
struct tenant_args {
	__u64 value;	/* in: what to write, or how many iterations */
	__u64 result;	/* out */
	__u32 tenant;	/* in, bench_kfunc only: the tenant ... */
	__s32 dev_fd;	/* ... of this /dev/dpu_mmio<N> */
};

#endif
