// SPDX-License-Identifier: GPL-2.0
/* The classic back end: the same policy through libseccomp, for comparison. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <seccomp.h>
#include "install.h"

int swl_install_classic(const struct swl_policy *pol, int phase, bool tree,
			unsigned int flags, char *err, size_t errlen)
{
	const struct swl_phase *ph = &pol->phases[phase];
	scmp_filter_ctx ctx;
	int ret;

	ctx = seccomp_init(ph->default_action);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -ENOMEM;
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
	ret = seccomp_load(ctx);	/* sets no_new_privs */
	if (ret)
		snprintf(err, errlen, "seccomp_load: %s", strerror(-ret));
out:
	seccomp_release(ctx);
	return ret;
}
