// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tiers, defined here and nowhere else.  seccomp-whitelist ships four
 * profiles that compose, "Tier 1" to "Tier 4" in their comments
 * (bpf-progs/seccomp/profiles/); tier N is profiles 1 to N together, as
 * seccomp-whitelist composes them:
 *
 *   basic-compute      basic-compute.json
 *   restricted-io      + restricted-io.json
 *   networking         + networking.json
 *   platform-services  + platform-services.json
 *
 * A function's profile (linux.seccomp) is within its tier when everything
 * it allows, the tier allows too: its default action allows only if the
 * tier's does, and each of its allowing rules (in every phase) is covered
 * by the tier.  A tier covers a rule for syscall NR with argument
 * conditions C when its rules for NR, in order, reach an allowing rule
 * whose conditions are a subset of C (so it holds wherever the function's
 * rule holds) before any rule with another action; with no rule for NR,
 * when the tier's default action allows.  Conditions are compared as
 * written (argument, operator, values), so an equivalent condition
 * written otherwise is not recognised: the check errs on "outside".
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/seccomp.h>
#include "internal.h"

static const char *const tier_names[] = {
	"basic-compute", "restricted-io", "networking", "platform-services", NULL,
};

const char *const *lnch_tiers(void)
{
	return tier_names;
}

int tier_load(struct gate *g, const char *name)
{
	char err[512], path[PATH_MAX];
	int n;

	for (n = 0; tier_names[n]; n++)
		if (!strcmp(tier_names[n], name))
			break;
	if (!tier_names[n])
		return gate_bad(g, "config.json: annotations[\"%s\"]: unknown tier \"%s\" (basic-compute, restricted-io, networking, platform-services)",
				LNCH_ANNOTATION_TIER, name);
	for (int i = 0; i <= n; i++) {
		snprintf(path, sizeof(path), "%s/%s.json", g->profile_dir, tier_names[i]);
		if (swl_profile_add(&g->tier, path, err, sizeof(err)))
			return gate_bad(g, "tier \"%s\": %s", name, err);
	}
	if (swl_policy_check(&g->tier, err, sizeof(err)))
		return gate_bad(g, "tier \"%s\": %s", name, err);
	g->has_tier = true;
	return 0;
}

static bool same_cond(const struct swl_cond *a, const struct swl_cond *b)
{
	return a->arg == b->arg && a->op == b->op && a->value == b->value &&
	       (a->op != SWL_OP_MASKED_EQ || a->value2 == b->value2);
}

/* Every condition of @sub is one of @r's. */
static bool conds_subset(const struct swl_prule *sub, const struct swl_prule *r)
{
	for (int i = 0; i < sub->nr_conds; i++) {
		bool found = false;

		for (int j = 0; j < r->nr_conds && !found; j++)
			found = same_cond(&sub->conds[i], &r->conds[j]);
		if (!found)
			return false;
	}
	return true;
}

static bool tier_covers(const struct swl_phase *t, const struct swl_prule *r)
{
	bool any = false;

	for (int i = 0; i < t->nr_rules; i++) {
		const struct swl_prule *tr = &t->rules[i];

		if (tr->nr != r->nr)
			continue;
		any = true;
		if (!swl_action_allows(tr->action))
			return false;
		if (conds_subset(tr, r))
			return true;
	}
	return !any && swl_action_allows(t->default_action);
}

void tier_check_profile(struct gate *g)
{
	const struct swl_phase *t = &g->tier.phases[0];
	const char *tier = g->v->config.tier;

	for (int p = 0; p < g->profile.nr_phases; p++) {
		const struct swl_phase *ph = &g->profile.phases[p];

		if (swl_action_allows(ph->default_action) && !swl_action_allows(t->default_action))
			gate_reason(g, "profile-outside-tier", "config.json", false, 0, -1,
				    "linux.seccomp: phase \"%s\": the default action allows every syscall the profile does not name; tier \"%s\" is an allow list",
				    ph->name, tier);
		for (int i = 0; i < ph->nr_rules; i++) {
			const struct swl_prule *r = &ph->rules[i];

			if (!swl_action_allows(r->action) || tier_covers(t, r))
				continue;
			gate_reason(g, "profile-outside-tier", "config.json", false, 0, r->nr,
				    "%s: allows %s (%d)%s, which tier \"%s\" does not allow%s",
				    r->where, gate_sysname(r->nr) ?: "?", r->nr,
				    r->nr_conds ? " with argument conditions" : "", tier,
				    r->nr_conds ? " under these conditions" : "");
		}
	}
}

bool profile_allows(const struct gate *g, int nr)
{
	const struct swl_phase *ph = &g->profile.phases[0];

	/* later phases only narrow (swl_policy_check): the first decides */
	return swl_phase_allows(ph, nr) || swl_action_allows(ph->default_action);
}
