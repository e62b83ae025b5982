// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp-eBPF back ends: whitelist.bpf.o with maps from the policy,
 * or a program generated for the policy (codegen.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "codegen.h"
#include "install.h"
#include "eval.h"
#include "whitelist.h"
#include "whitelist.skel.h"	/* struct whitelist_bpf: bpftool gen skeleton (Makefile) */

static int fill_maps(const struct swl_policy *pol, int entries_fd, int rules_fd,
		     char *err, size_t errlen)
{
	__u32 next_rule = 0;

	for (int p = 0; p < pol->nr_phases; p++) {
		const struct swl_phase *ph = &pol->phases[p];
		const struct swl_phase *nextph = p + 1 < pol->nr_phases ? &pol->phases[p + 1] : NULL;

		for (int nr = 0; nr < SWL_NR_MAX; nr++) {
			struct swl_entry e = { .first_rule = next_rule };
			__u32 key = p * SWL_NR_MAX + nr;
			const char *where = NULL;

			for (int i = 0; i < ph->nr_rules; i++) {
				const struct swl_prule *r = &ph->rules[i];
				struct swl_rule kr = { .action = r->action };
				__u8 used = 0;

				if (r->nr != nr)
					continue;
				if (e.nr_rules == SWL_RULES_PER_NR) {
					snprintf(err, errlen, "%s: more than %d rules for one syscall in phase \"%s\"",
						 r->where, SWL_RULES_PER_NR, ph->name);
					return -E2BIG;
				}
				if (next_rule == SWL_RULES_MAX) {
					snprintf(err, errlen, "%s: more than %d rules in all",
						 r->where, SWL_RULES_MAX);
					return -E2BIG;
				}
				for (int c = 0; c < SWL_CONDS; c++)
					kr.conds[c] = SWL_KCOND_ANY;
				/* one condition per argument (profile.c refuses more) */
				for (int c = 0; c < r->nr_conds; c++) {
					__u8 a = r->conds[c].arg;

					if (a >= SWL_CONDS || (used & (1u << a))) {
						snprintf(err, errlen, "%s: argument %u compared twice or out of range",
							 r->where, a);
						return -EINVAL;
					}
					used |= 1u << a;
					if (a + 1u > kr.nslots)
						kr.nslots = a + 1;
					kr.conds[a] = swl_compile_cond(&r->conds[c]);
				}
				if (bpf_map_update_elem(rules_fd, &next_rule, &kr, BPF_ANY))
					goto fail;
				next_rule++;
				e.nr_rules++;
				where = r->where;
			}
			for (int t = 0; nextph && t < nextph->nr_triggers; t++)
				if (nextph->triggers[t] == nr)
					e.advance_to = p + 1;
			if (!e.nr_rules && !e.advance_to)
				continue;
			if (bpf_map_update_elem(entries_fd, &key, &e, BPF_ANY))
				goto fail;
			(void)where;
		}
	}
	return 0;
fail:
	snprintf(err, errlen, "filling the filter's maps: %s", strerror(errno));
	return -errno;
}

/*
 * The kernel masks the index of an array lookup against Spectre v1, and
 * the verifier then inlines the lookup, only for arrays created without
 * CAP_PERFMON and CAP_SYS_ADMIN (perfmon_capable()); the arrays of a
 * privileged creator are looked up through a call, since seccomp programs
 * always get those mitigations.  So create the two tables with both out of
 * the effective set (CAP_BPF suffices), and fall back to the loader's own
 * capabilities if that is refused (e.g. CAP_SYS_ADMIN without CAP_BPF).
 */
#define SWL_CAP_BIT(c)	(1u << ((c) & 31))

static int set_perfmon_caps(bool on, __u32 saved[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (!on) {
		saved[0] = d[0].effective;
		saved[1] = d[1].effective;
		d[CAP_SYS_ADMIN >> 5].effective &= ~SWL_CAP_BIT(CAP_SYS_ADMIN);
		d[CAP_PERFMON >> 5].effective &= ~SWL_CAP_BIT(CAP_PERFMON);
	} else {
		d[0].effective = saved[0];
		d[1].effective = saved[1];
	}
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static int create_table(struct bpf_map *map)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = bpf_map__map_flags(map));
	__u32 saved[2];
	int fd, ret;

	if (set_perfmon_caps(false, saved))
		return 0;	/* libbpf creates it, unmasked */
	fd = bpf_map_create(bpf_map__type(map), bpf_map__name(map), bpf_map__key_size(map),
			    bpf_map__value_size(map), bpf_map__max_entries(map), &opts);
	if (set_perfmon_caps(true, saved)) {
		/* cannot happen: the effective set only shrank */
		if (fd >= 0)
			close(fd);
		return -EPERM;
	}
	if (fd < 0)
		return 0;
	ret = bpf_map__reuse_fd(map, fd);
	close(fd);
	return ret;
}

/* libbpf's warnings (the verifier log among them), shown if loading fails */
static char libbpf_log[16384];
static size_t libbpf_log_len;

static int keep_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level > LIBBPF_WARN || libbpf_log_len >= sizeof(libbpf_log) - 1)
		return 0;
	n = vsnprintf(libbpf_log + libbpf_log_len, sizeof(libbpf_log) - libbpf_log_len, fmt, ap);
	if (n > 0)
		libbpf_log_len += n;
	if (libbpf_log_len >= sizeof(libbpf_log))
		libbpf_log_len = sizeof(libbpf_log) - 1;
	return 0;
}

/*
 * Install @prog_fd with the policy's allow list: the syscalls allowed
 * whatever their arguments in every phase, which the kernel answers
 * without running the program (and its constant-action cache with it).
 */
static int attach(const struct swl_policy *pol, int prog_fd, unsigned int flags,
		  char *err, size_t errlen)
{
	struct seccomp_bpf_allow allow[SWL_NR_MAX];
	__u32 nr_allow = 0;
	int ret;

	for (int nr = 0; nr < SWL_NR_MAX; nr++)
		if (swl_const_allow(pol, nr)) {
			allow[nr_allow].arch = pol->arch;
			allow[nr_allow].nr = nr;
			nr_allow++;
		}

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;	/* before snprintf(), which may change errno */
		snprintf(err, errlen, "no_new_privs: %s", strerror(-ret));
		return ret;
	}
	{
		LIBBPF_OPTS(bpf_seccomp_attach_opts, opts,
			    .flags = flags, .allow = allow, .nr_allow = nr_allow);

		ret = bpf_prog_attach_seccomp(prog_fd, &opts);
	}
	if (ret < 0) {
		snprintf(err, errlen, "seccomp(SECCOMP_FILTER_FLAG_BPF_PROG): %s", strerror(-ret));
		return ret;
	}
	return 0;
}

int swl_install_ebpf(const struct swl_policy *pol, unsigned int flags,
		     char *err, size_t errlen)
{
	struct swl_config cfg = { .arch = pol->arch, .nr_phases = pol->nr_phases };
	struct whitelist_bpf *skel;
	int ret;

	for (int p = 0; p < SWL_PHASES_MAX; p++)
		cfg.default_action[p] = pol->phases[p < pol->nr_phases ? p : pol->nr_phases - 1].default_action;

	libbpf_log_len = 0;
	libbpf_log[0] = 0;
	libbpf_set_print(keep_warnings);
	skel = whitelist_bpf__open();
	if (!skel) {
		ret = -errno;	/* before snprintf(), which may change errno */
		snprintf(err, errlen, "opening the BPF object: %s", strerror(-ret));
		return ret;
	}
	skel->rodata->cfg = cfg;
	ret = create_table(skel->maps.entries);
	if (!ret)
		ret = create_table(skel->maps.rules);
	if (ret) {
		snprintf(err, errlen, "creating the filter's tables: %s", strerror(-ret));
		goto out;
	}
	ret = whitelist_bpf__load(skel);
	if (ret) {
		fputs(libbpf_log, stderr);
		snprintf(err, errlen, "loading the filter (CAP_BPF and a kernel with CONFIG_SECCOMP_BPF_PROG needed): %s",
			 strerror(-ret));
		goto out;
	}
	ret = fill_maps(pol, bpf_map__fd(skel->maps.entries), bpf_map__fd(skel->maps.rules),
			err, errlen);
	if (ret)
		goto out;
	if (bpf_map_freeze(bpf_map__fd(skel->maps.entries)) ||
	    bpf_map_freeze(bpf_map__fd(skel->maps.rules))) {
		ret = -errno;
		snprintf(err, errlen, "freezing the filter's maps: %s", strerror(-ret));
		goto out;
	}

	ret = attach(pol, bpf_program__fd(skel->progs.whitelist), flags, err, errlen);
out:
	/* the filter holds the program: no BPF fd stays with the task */
	whitelist_bpf__destroy(skel);
	return ret;
}

/* The BTF ids of the phase kfuncs, from the kernel's BTF. */
static int find_kfuncs(struct swl_kfunc_ids *ids, char *err, size_t errlen)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf) {
		int ret = errno ? -errno : -ENOENT;	/* never 0: that would install nothing */

		snprintf(err, errlen, "reading the kernel's BTF (for the phase kfuncs): %s",
			 strerror(-ret));
		return ret;
	}
	ids->phase = btf__find_by_name_kind(btf, "bpf_seccomp_phase", BTF_KIND_FUNC);
	ids->advance_phase = btf__find_by_name_kind(btf, "bpf_seccomp_advance_phase",
						    BTF_KIND_FUNC);
	btf__free(btf);
	if (ids->phase <= 0 || ids->advance_phase <= 0) {
		snprintf(err, errlen, "the kernel has no bpf_seccomp_phase()/bpf_seccomp_advance_phase() (CONFIG_SECCOMP_BPF_PROG)");
		return -ENOENT;
	}
	return 0;
}

int swl_install_ebpf_code(const struct swl_policy *pol, unsigned int flags,
			  char *err, size_t errlen)
{
	static struct bpf_insn insn[SWL_CODE_MAX];
	static char log[1 << 20];
	struct swl_kfunc_ids ids = { 0 };
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof(log));
	int n, fd, ret;

	if (pol->nr_phases > 1) {
		ret = find_kfuncs(&ids, err, errlen);
		if (ret)
			return ret;
	}
	n = swl_codegen(pol, &ids, insn, err, errlen);
	if (n < 0)
		return n;
	/* on a refusal, libbpf loads again with log_level 1 to fill @log */
	fd = bpf_prog_load(BPF_PROG_TYPE_SECCOMP, "whitelist", "GPL", insn, n, &opts);
	if (fd < 0) {
		ret = fd;
		fputs(log, stderr);
		snprintf(err, errlen, "loading the generated filter (%d instructions; CAP_BPF and a kernel with CONFIG_SECCOMP_BPF_PROG needed): %s",
			 n, strerror(-ret));
		return ret;
	}
	ret = attach(pol, fd, flags, err, errlen);
	/* the filter holds the program: no BPF fd stays with the task */
	close(fd);
	return ret;
}
