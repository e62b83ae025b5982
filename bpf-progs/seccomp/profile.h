/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCI / Docker seccomp profiles, optionally extended with phases, read into
 * a policy that both back ends install: the seccomp-eBPF whitelist
 * (ebpf.c) and a classic filter built with libseccomp (classic.c).
 */
#ifndef SWL_PROFILE_H
#define SWL_PROFILE_H

#include <stdbool.h>
#include <linux/types.h>
#include "whitelist.h"

struct swl_prule {
	int nr;
	__u32 action;
	int nr_conds;
	struct swl_cond conds[SWL_CONDS];
	char where[256];	/* the profile location it came from */
};

struct swl_phase {
	char name[32];
	__u32 default_action;
	int triggers[64];	/* syscalls that move the filter to this phase */
	int nr_triggers;
	struct swl_prule *rules;
	int nr_rules, cap_rules;
};

struct swl_policy {
	__u32 arch;
	unsigned int seccomp_flags;	/* SECCOMP_FILTER_FLAG_* of the profiles */
	int nr_phases;
	struct swl_phase phases[SWL_PHASES_MAX];
	int nr_profiles;
	bool has_phases;
	/*
	 * Set before loading: a syscall with a rule without argument
	 * conditions keeps only the first such rule, instead of rules with
	 * another action being reported as contradictions.  That is what
	 * libseccomp, and so runc and crun, do; containers/common's default
	 * profile relies on it.
	 */
	bool first_wins;
	/* what the profile's includes/excludes are checked against */
	const char **caps;
	int nr_caps;
};

struct json_object;

/*
 * Parse @len bytes of JSON.  NULL with errno set (EINVAL, ENOMEM) and a
 * message in @err naming @name, with line:column for malformed JSON.
 */
struct json_object *swl_json_parse(const char *buf, size_t len, const char *name,
				   char *err, size_t errlen);
/* Read @path and add its rules to @pol; on error, describe it in @err. */
int swl_profile_add(struct swl_policy *pol, const char *path,
		    char *err, size_t errlen);
/*
 * The same for a profile already parsed, e.g. the linux.seccomp object of
 * an OCI config.json; errors name @name in place of a file.  @root may be
 * changed (a "name" entry gains a "names" array).
 */
int swl_profile_add_json(struct swl_policy *pol, struct json_object *root,
			 const char *name, char *err, size_t errlen);
/* Check the phases narrow; call once every profile is added. */
int swl_policy_check(struct swl_policy *pol, char *err, size_t errlen);
/* swl_profile_add() each of @paths, then swl_policy_check(). */
int swl_policy_load(struct swl_policy *pol, char *const *paths, int n,
		    char *err, size_t errlen);
void swl_policy_free(struct swl_policy *pol);

/* Does @action (SECCOMP_RET_* | data) let the syscall run (ALLOW, LOG)? */
bool swl_action_allows(__u32 action);
/* Allowed (ALLOW or LOG, any arguments) in @phase? */
bool swl_phase_allows(const struct swl_phase *ph, int nr);
/* Allowed whatever the arguments in every phase, and no trigger? */
bool swl_const_allow(const struct swl_policy *pol, int nr);
/* Number of distinct syscalls @ph allows (for the attack-surface report). */
int swl_phase_count_allowed(const struct swl_phase *ph);

#endif
