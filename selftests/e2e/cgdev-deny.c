// SPDX-License-Identifier: GPL-2.0
/*
 * cgdev-deny attach|detach CGROUP-DIR: attach to (or detach from) a cgroup a
 * BPF_PROG_TYPE_CGROUP_DEVICE program that denies every device access, with
 * BPF_F_ALLOW_MULTI.  Raw bpf(2), no libbpf or compiler: the e2e test of the
 * effective programs a new cgroup inherits (cgroup-bpf-inherit.sh) needs a
 * program whose effect a shell can see (opening /dev/zero fails with EPERM).
 * The program is pinned at /sys/fs/bpf/cgdev-deny so that detach finds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#define PIN "/sys/fs/bpf/cgdev-deny"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int prog_fd(void)
{
	/* r0 = 0 (deny); exit */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.pathname = (unsigned long)PIN;
	fd = sys_bpf(BPF_OBJ_GET, &a);
	if (fd >= 0)
		return fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.expected_attach_type = BPF_CGROUP_DEVICE;
	a.insns = (unsigned long)insns;
	a.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	a.license = (unsigned long)"GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0) {
		perror("cgdev-deny: BPF_PROG_LOAD");
		return -1;
	}
	mkdir("/sys/fs/bpf", 0755);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) && errno != EBUSY)
		perror("cgdev-deny: mount bpffs");
	memset(&a, 0, sizeof(a));
	a.pathname = (unsigned long)PIN;
	a.bpf_fd = fd;
	if (sys_bpf(BPF_OBJ_PIN, &a) && errno != EEXIST) {
		perror("cgdev-deny: BPF_OBJ_PIN");
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	union bpf_attr a;
	int cg, prog, attach;

	if (argc != 3 || (strcmp(argv[1], "attach") && strcmp(argv[1], "detach"))) {
		fprintf(stderr, "usage: cgdev-deny attach|detach CGROUP-DIR\n");
		return 2;
	}
	attach = !strcmp(argv[1], "attach");
	cg = open(argv[2], O_RDONLY | O_DIRECTORY);
	if (cg < 0) {
		perror(argv[2]);
		return 1;
	}
	prog = prog_fd();
	if (prog < 0)
		return 1;
	memset(&a, 0, sizeof(a));
	a.target_fd = cg;
	a.attach_bpf_fd = prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = attach ? BPF_F_ALLOW_MULTI : 0;
	if (sys_bpf(attach ? BPF_PROG_ATTACH : BPF_PROG_DETACH, &a)) {
		fprintf(stderr, "cgdev-deny: %s %s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
