// SPDX-License-Identifier: GPL-2.0
/*
 * dpu-remove DEV PCI-DIR: a tenant program keeps its window on an ivshmem
 * device (samples/dpu_mmio) across the device's removal.  It stores to its
 * window, PCI-DIR/remove is written, and then the program must not run
 * (BPF_PROG_TEST_RUN fails with ENODEV) and no new program may load with
 * the window; the driver has revoked it before releasing the BAR.  The
 * store after the removal would write STALE, which the host's check of the
 * ivshmem backing file (selftests/dpu-host-check.py) would find.
 * Raw bpf(2), no libbpf.  Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "dpu_mmio.h"

#define TENANT	1
/* what dpu-mmio.sh's shm_fill left at tenant 1's offset 0: no change */
#define SAME	0xfedcba9876543210ULL
#define STALE	0x5a5a5a5a5a5a5a5aULL

static int n, fails;

static void ok(int cond, const char *what)
{
	n++;
	if (!cond)
		fails++;
	printf("%sok %d %s\n", cond ? "" : "not ", n, what);
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* *(u64 *)(window + 0) = *(u64 *)ctx; r0 = 0 */
static int load(int win)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_1 },
		{ .code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = win },
		{ },
		{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_REG_2 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SYSCALL;
	a.prog_flags = BPF_F_SLEEPABLE;
	a.insns = (unsigned long)insns;
	a.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	a.license = (unsigned long)"GPL";
	a.log_buf = (unsigned long)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0 && errno != ENODEV)
		fprintf(stderr, "# load: %s\n# %s\n", strerror(errno), log);
	return fd < 0 ? -errno : fd;
}

static int run(int prog, unsigned long long value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = prog;
	a.test.ctx_in = (unsigned long)&value;
	a.test.ctx_size_in = sizeof(value);
	return sys_bpf(BPF_PROG_TEST_RUN, &a) ? -errno : (int)a.test.retval;
}

static int write_file(const char *dir, const char *name)
{
	char path[512];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct dpu_mmio_info info;
	int dev, win, prog, err;

	if (argc != 3) {
		fprintf(stderr, "usage: dpu-remove /dev/dpu_mmioN /sys/bus/pci/devices/BDF\n");
		return 2;
	}
	printf("TAP version 13\n1..6\n");
	dev = open(argv[1], O_RDWR);
	ok(dev >= 0 && !ioctl(dev, DPU_MMIO_IOC_INFO, &info) &&
	   info.kind == DPU_MMIO_IVSHMEM, "an ivshmem dpu_mmio device");
	win = dev >= 0 ? ioctl(dev, DPU_MMIO_IOC_WINDOW, TENANT) : -1;
	prog = win >= 0 ? load(win) : -1;
	ok(prog >= 0 && run(prog, SAME) == 0, "a tenant program stores to its window");
	if (fails)
		return 1;
	close(dev);

	err = write_file(argv[2], "remove");
	ok(!err, "the device is removed while the program holds its window");
	err = run(prog, STALE);
	ok(err == -ENODEV, "the removed device's program does not run (ENODEV)");
	if (err != -ENODEV)
		printf("# run: %d\n", err);
	err = load(win);
	ok(err == -ENODEV, "no program loads with the revoked window (ENODEV)");
	if (err >= 0)
		close(err);
	close(prog);
	close(win);
	ok(!write_file("/sys/bus/pci", "rescan"), "the bus is rescanned");
	return fails ? 1 : 0;
}
