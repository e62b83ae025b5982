// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Process mode's seccomp filter, prepared in the parent once per run and
 * installed by the child with one seccomp(2) call:
 *
 *   seccomp-eBPF, on a kernel with the seccomp-ebpf series: the program
 *   seccomp-whitelist generates for the profile (codegen.c, every phase,
 *   which advance by themselves), loaded with bpf(BPF_PROG_LOAD) here and
 *   installed with SECCOMP_FILTER_FLAG_BPF_PROG and the profile's allow
 *   list.  The program type's number and the phase kfuncs' ids are read
 *   from the kernel's BTF (/sys/kernel/btf/vmlinux), so one build runs on
 *   every kernel;
 *
 *   classic, elsewhere or with LNCH_RUN_CLASSIC_FILTER: libseccomp's
 *   filter of the profile's first phase (classic.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/seccomp.h>
#include <linux/btf.h>
#include "codegen.h"
#include "filter.h"
#include "install.h"

/* what the seccomp-ebpf series adds to <linux/seccomp.h> */
#define SECCOMP_FILTER_FLAG_BPF_PROG	(1UL << 7)

struct seccomp_bpf_filter_v0 {
	__u32 size;
	__u32 flags;
	__u32 prog_fd;
	__u32 nr_allow;
	__u64 allow;
};

/*
 * BPF_PROG_TYPE_SECCOMP's value and the phase kfuncs' ids, from the
 * kernel's BTF: one pass over its types, without building an index (a
 * fraction of libbpf's btf__load_vmlinux_btf(), which an instance's start
 * would otherwise pay once per function).
 */
struct btf_hdr {
	__u16 magic;
	__u8 version, flags;
	__u32 hdr_len, type_off, type_len, str_off, str_len;
};

struct btf_t {
	__u32 name_off, info, size;
};

static int kernel_ids(int *prog_type, struct swl_kfunc_ids *ids, char *err, size_t errlen)
{
	const struct btf_hdr *h;
	const char *strs;
	char *buf = NULL;
	size_t len = 0, cap = 0, off, end;
	__u32 id = 0;
	ssize_t n;
	int fd, ret = 0;

	*prog_type = -1;
	ids->phase = ids->advance_phase = -1;
	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "the kernel's BTF cannot be read (%s)", strerror(errno));
		return -ENOENT;
	}
	do {
		if (len == cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8 << 20);

			if (!nb) {
				ret = -ENOMEM;
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n > 0)
			len += n;
	} while (n > 0);
	h = (const struct btf_hdr *)buf;
	if (n < 0 || len < sizeof(*h) || h->magic != 0xeB9F ||
	    (size_t)h->hdr_len + h->str_off + h->str_len > len ||
	    (size_t)h->hdr_len + h->type_off + h->type_len > len) {
		ret = -ENOENT;
		snprintf(err, errlen, "the kernel's BTF is unreadable");
		goto out;
	}
	strs = buf + h->hdr_len + h->str_off;
	off = h->hdr_len + h->type_off;
	end = off + h->type_len;
	while (off + sizeof(struct btf_t) <= end) {
		const struct btf_t *t = (const void *)(buf + off);
		__u32 kind = (t->info >> 24) & 0x1f, vlen = t->info & 0xffff;
		const char *name = t->name_off < h->str_len ? strs + t->name_off : "";
		size_t extra;

		id++;
		off += sizeof(*t);
		switch (kind) {
		case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
			extra = 4;
			break;
		case BTF_KIND_ARRAY:
			extra = 12;
			break;
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_DATASEC:
		case BTF_KIND_ENUM64:
			extra = 12 * vlen;
			break;
		case BTF_KIND_ENUM: case BTF_KIND_FUNC_PROTO:
			extra = 8 * vlen;
			break;
		case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
		case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
			extra = 0;
			break;
		default:
			ret = -ENOENT;
			snprintf(err, errlen, "the kernel's BTF has a kind (%u) this launcher does not know",
				 kind);
			goto out;
		}
		if (off + extra > end)
			break;
		if (kind == BTF_KIND_ENUM && !strcmp(name, "bpf_prog_type")) {
			const struct btf_enum *e = (const void *)(buf + off);

			for (__u32 i = 0; i < vlen; i++)
				if (e[i].name_off < h->str_len &&
				    !strcmp(strs + e[i].name_off, "BPF_PROG_TYPE_SECCOMP"))
					*prog_type = e[i].val;
		} else if (kind == BTF_KIND_FUNC && !strcmp(name, "bpf_seccomp_phase")) {
			ids->phase = id;
		} else if (kind == BTF_KIND_FUNC && !strcmp(name, "bpf_seccomp_advance_phase")) {
			ids->advance_phase = id;
		}
		off += extra;
	}
	if (*prog_type < 0) {
		ret = -EOPNOTSUPP;
		snprintf(err, errlen, "the kernel has no BPF_PROG_TYPE_SECCOMP");
	}
out:
	free(buf);
	close(fd);
	return ret;
}

static int load_ebpf(const struct swl_policy *pol, struct lnch_filter *f, char *err, size_t errlen)
{
	static struct bpf_insn insn[SWL_CODE_MAX];
	static char log[1 << 16];
	struct swl_kfunc_ids ids = { 0 };
	union bpf_attr attr;
	int type, n, fd, ret;

	ret = kernel_ids(&type, &ids, err, errlen);
	if (ret)
		return ret;
	if (pol->nr_phases > 1 && (ids.phase <= 0 || ids.advance_phase <= 0)) {
		snprintf(err, errlen, "the kernel's BTF has no bpf_seccomp_phase()/bpf_seccomp_advance_phase()");
		return -EOPNOTSUPP;
	}
	n = swl_codegen(pol, &ids, insn, err, errlen);
	if (n < 0)
		return n;
	for (int attempt = 0; attempt < 2; attempt++) {
		memset(&attr, 0, sizeof(attr));
		attr.prog_type = type;
		attr.insns = (__u64)(unsigned long)insn;
		attr.insn_cnt = n;
		attr.license = (__u64)(unsigned long)"GPL";
		memcpy(attr.prog_name, "fnlaunch", sizeof("fnlaunch"));
		if (attempt) {
			/* again, for the verifier's log */
			attr.log_level = 1;
			attr.log_buf = (__u64)(unsigned long)log;
			attr.log_size = sizeof(log);
		}
		fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		if (fd >= 0)
			break;
		ret = -errno;
	}
	if (fd < 0) {
		const char *last = log;

		/* the log's last line says why */
		for (const char *p = log; *p; p++)
			if (p[0] == '\n' && p[1])
				last = p + 1;
		snprintf(err, errlen, "loading the seccomp-eBPF filter (%d instructions): %s%s%.200s",
			 n, strerror(-ret), *last ? ": " : "", last);
		return ret;
	}
	f->prog_fd = fd;
	f->nr_allow = 0;
	for (int nr = 0; nr < SWL_NR_MAX; nr++)
		if (swl_const_allow(pol, nr)) {
			f->allow[f->nr_allow].arch = pol->arch;
			f->allow[f->nr_allow].nr = nr;
			f->nr_allow++;
		}
	f->mode = "seccomp-ebpf";
	return 0;
}

int lnch_filter_probe(char *why, size_t len)
{
	struct swl_kfunc_ids ids = { 0 };
	int type;

	return kernel_ids(&type, &ids, why, len);
}

int lnch_filter_prepare(const struct swl_policy *pol, bool classic, struct lnch_filter *f,
			char *err, size_t errlen)
{
	char why[512] = "";
	int ret;

	memset(f, 0, sizeof(*f));
	f->prog_fd = -1;
	if (!classic) {
		ret = load_ebpf(pol, f, why, sizeof(why));
		if (!ret)
			return 0;
		/* a kernel without the series: classic; anything else is an error */
		if (ret != -EOPNOTSUPP && ret != -ENOENT) {
			snprintf(err, errlen, "%s", why);
			return ret;
		}
		snprintf(f->why_classic, sizeof(f->why_classic), "%s", why);
	}
	ret = swl_export_classic(pol, 0, false, &f->classic, err, errlen);
	if (ret)
		return ret;
	f->mode = "classic";
	return 0;
}

int lnch_filter_install(const struct lnch_filter *f)
{
	struct seccomp_bpf_filter_v0 bf = {
		.size = sizeof(bf),
		.prog_fd = f->prog_fd,
		.nr_allow = f->nr_allow,
		.allow = (__u64)(unsigned long)f->allow,
	};

	if (f->prog_fd < 0)
		return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->classic);
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_BPF_PROG, &bf);
}

void lnch_filter_release(struct lnch_filter *f)
{
	if (f->prog_fd >= 0)
		close(f->prog_fd);
	f->prog_fd = -1;
	free(f->classic.filter);
	f->classic.filter = NULL;
}
