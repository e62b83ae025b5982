/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process mode's seccomp filter (filter.c). */
#ifndef LNCH_FILTER_H
#define LNCH_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/types.h>
#include "profile.h"

struct lnch_filter {
	const char *mode;		/* "seccomp-ebpf" or "classic" */
	int prog_fd;			/* the seccomp-eBPF program, or -1 */
	__u32 nr_allow;
	struct {
		__u32 arch, nr;		/* struct seccomp_bpf_allow */
	} allow[SWL_NR_MAX];
	struct sock_fprog classic;	/* if prog_fd < 0 */
	char why_classic[512];		/* why not seccomp-eBPF, if classic by default */
};

/*
 * Prepare @pol's filter: seccomp-eBPF unless @classic or the kernel has no
 * BPF_PROG_TYPE_SECCOMP (then classic, with the reason in why_classic).
 * Returns 0, or -errno with the reason in @err.
 */
int lnch_filter_prepare(const struct swl_policy *pol, bool classic, struct lnch_filter *f,
			char *err, size_t errlen);
/* 0 if the kernel has BPF_PROG_TYPE_SECCOMP, else -errno with why in @why. */
int lnch_filter_probe(char *why, size_t len);
/* Install it on the calling thread (no_new_privs set): one seccomp(2) call. */
int lnch_filter_install(const struct lnch_filter *f);
void lnch_filter_release(struct lnch_filter *f);

#endif
