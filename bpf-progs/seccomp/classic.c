// SPDX-License-Identifier: GPL-2.0
/* The classic back end: the same policy through libseccomp, for comparison. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/filter.h>
#include <seccomp.h>
#include "install.h"

/* libseccomp's filter for phase @phase of @pol; NULL with @err set. */
static scmp_filter_ctx classic_ctx(const struct swl_policy *pol, int phase, bool tree,
				   unsigned int flags, char *err, size_t errlen)
{
	const struct swl_phase *ph = &pol->phases[phase];
	scmp_filter_ctx ctx;
	int ret;

	ctx = seccomp_init(ph->default_action);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		errno = ENOMEM;
		return NULL;
	}
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!ret && tree)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (!ret && (flags & SECCOMP_FILTER_FLAG_TSYNC))
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!ret && (flags & SECCOMP_FILTER_FLAG_LOG))
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (ret) {
		snprintf(err, errlen, "libseccomp attributes: %s", strerror(-ret));
		goto out;
	}
	for (int i = 0; i < ph->nr_rules; i++) {
		const struct swl_prule *r = &ph->rules[i];
		struct scmp_arg_cmp cmp[SWL_CONDS];

		/* libseccomp refuses rules that repeat the default action */
		if (r->action == ph->default_action)
			continue;
		for (int j = 0; j < r->nr_conds; j++) {
			cmp[j].arg = r->conds[j].arg;
			cmp[j].op = (enum scmp_compare)r->conds[j].op;
			cmp[j].datum_a = r->conds[j].value;
			cmp[j].datum_b = r->conds[j].value2;
		}
		ret = seccomp_rule_add_array(ctx, r->action, r->nr, r->nr_conds, cmp);
		if (ret) {
			snprintf(err, errlen, "%s: libseccomp: %s", r->where, strerror(-ret));
			goto out;
		}
	}
	return ctx;
out:
	seccomp_release(ctx);
	errno = -ret;
	return NULL;
}

int swl_install_classic(const struct swl_policy *pol, int phase, bool tree,
			unsigned int flags, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = classic_ctx(pol, phase, tree, flags, err, errlen);
	int ret;

	if (!ctx)
		return -errno;
	ret = seccomp_load(ctx);	/* sets no_new_privs */
	if (ret)
		snprintf(err, errlen, "seccomp_load: %s", strerror(-ret));
	seccomp_release(ctx);
	return ret;
}

int swl_export_classic(const struct swl_policy *pol, int phase, bool tree,
		       struct sock_fprog *prog, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = classic_ctx(pol, phase, tree, 0, err, errlen);
	struct sock_filter *insns = NULL;
	off_t size;
	int fd, ret;

	if (!ctx)
		return -errno;
	fd = memfd_create("swl-classic", MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "memfd_create: %s", strerror(-ret));
		goto out;
	}
	ret = seccomp_export_bpf(ctx, fd);
	if (ret) {
		snprintf(err, errlen, "seccomp_export_bpf: %s", strerror(-ret));
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(*insns) || size / sizeof(*insns) > BPF_MAXINSNS) {
		ret = -E2BIG;
		snprintf(err, errlen, "libseccomp's filter has %lld bytes: not 1 to %d instructions",
			 (long long)size, BPF_MAXINSNS);
		goto out;
	}
	insns = malloc(size);
	if (!insns) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (pread(fd, insns, size, 0) != size) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "reading libseccomp's filter back: %s", strerror(-ret));
		free(insns);
		goto out;
	}
	prog->filter = insns;
	prog->len = size / sizeof(*insns);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return ret;
}
