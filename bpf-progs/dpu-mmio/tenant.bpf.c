// SPDX-License-Identifier: GPL-2.0
/*
 * Tenant programs for samples/dpu_mmio: each is run on demand
 * (BPF_PROG_TEST_RUN) with one tenant's window as "win".  The verifier
 * checks every register access against that tenant's policy when
 * dpu-tenant loads the program; the "bad_" programs break the policy on
 * purpose and must be rejected.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dpu_mmio.h"
#include "tenant.h"

struct {
	__uint(type, BPF_MAP_TYPE_MMIO_WINDOW);
} win SEC(".maps");

#define REG32(off) (*(volatile __u32 *)((void *)&win + (off)))
#define REG64(off) (*(volatile __u64 *)((void *)&win + (off)))

/* edu, tenant 0: liveness (0x04) reads back the complement of what was
 * written; returns the identification register.
 */
SEC("syscall")
int edu_liveness(struct tenant_args *a)
{
	REG32(0x04) = a->value;
	a->result = REG32(0x04);
	return REG32(0x00);
}

/* edu, tenant 1: the factorial of value (0x08), polling status (0x20)
 * until the device is done; result is ~0 if it never is.
 */
static long poll_done(__u64 i, __u64 *done)
{
	if (REG32(0x20) & 1)
		return 0;
	*done = 1;
	return 1;
}

SEC("syscall")
int edu_factorial(struct tenant_args *a)
{
	__u64 done = 0;

	REG32(0x20) = 0;	/* only 0: no interrupt on completion */
	REG32(0x08) = a->value;
	bpf_loop(1 << 20, poll_done, &done, 0);
	a->result = done ? REG32(0x08) : ~0ULL;
	return 0;
}

/* ivshmem, any tenant: fill the 256-byte window with value, at every
 * width, and return the sum of what reads back.
 */
SEC("syscall")
int shm_fill(struct tenant_args *a)
{
	__u64 v = a->value, sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 0x100; i += 8)
		REG64(i) = v;
	*(volatile __u8 *)((void *)&win + 0xff) = v >> 8;
	*(volatile __u16 *)((void *)&win + 0xf0) = v >> 16;
#pragma unroll
	for (i = 0; i < 0x100; i += 8)
		sum += REG64(i);
	a->result = sum;
	return 0;
}

/* The cost of one verified access: value loads of the first register. */
static long read_once(__u64 i, __u64 *sum)
{
	*sum += REG32(0x00);
	return 0;
}

SEC("syscall")
int bench_read(struct tenant_args *a)
{
	__u64 sum = 0;

	bpf_loop(a->value, read_once, &sum, 0);
	a->result = sum;
	return 0;
}

/* The same loads through the driver's run-time-checked kfunc.  Manager
 * code, not a tenant's: it uses no window (a program with a window may
 * call no kfunc) but a descriptor of the device, as the ioctl path does.
 */
extern int bpf_dpu_mmio_access(int dev_fd, struct dpu_mmio_access *a) __ksym __weak;

struct kfunc_loop {
	struct dpu_mmio_access acc;
	__u64 sum;
	int dev_fd;
};

static long kfunc_once(__u64 i, struct kfunc_loop *l)
{
	if (bpf_dpu_mmio_access(l->dev_fd, &l->acc))
		return 1;
	l->sum += l->acc.value;
	return 0;
}

SEC("syscall")
int bench_kfunc(struct tenant_args *a)
{
	struct kfunc_loop l = {
		.acc = { .tenant = a->tenant, .size = 4 },
		.dev_fd = a->dev_fd,
	};
	long n = bpf_loop(a->value, kfunc_once, &l, 0);

	a->result = l.sum;
	return n == a->value ? 0 : 1;
}

/* What no tenant may do. */
SEC("syscall")
int bad_dma(struct tenant_args *a)
{
	REG64(0x80) = a->value;		/* edu DMA source address */
	return 0;
}

SEC("syscall")
int bad_other_tenant(struct tenant_args *a)
{
	REG32(0x08) = a->value;		/* edu tenant 1's factorial */
	return 0;
}

SEC("syscall")
int bad_width(struct tenant_args *a)
{
	a->result = *(volatile __u16 *)((void *)&win + 0x00);
	return 0;
}

SEC("syscall")
int bad_status_bits(struct tenant_args *a)
{
	REG32(0x20) = a->value;		/* any bits, not only 0 */
	return 0;
}

SEC("syscall")
int bad_past_window(struct tenant_args *a)
{
	REG64(0x100) = a->value;	/* the next tenant's bytes */
	return 0;
}

char _license[] SEC("license") = "GPL";

/* uses no window: the loader must refuse it, as the verifier confines only
 * programs that use a window (helper allow-list, no pointer leaks)
 */
SEC("syscall")
int no_window(struct tenant_args *a)
{
	a->result = a->value;
	return 0;
}
