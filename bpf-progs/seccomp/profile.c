// SPDX-License-Identifier: GPL-2.0
/*
 * Read OCI / Docker seccomp profiles (JSON) into a struct swl_policy.
 *
 * The OCI fields: defaultAction, defaultErrnoRet, architectures, flags,
 * syscalls[] {names (or name), action, errnoRet, args[] {index, value,
 * valueTwo, op}, includes/excludes {caps, arches, minKernel}, comment}.
 * containers/common's (Podman, CRI-O) errno names are accepted too:
 * defaultErrno, and errno in syscalls[], each agreeing with its number if
 * both are given.  As in libseccomp, a rule compares an argument once.
 * The extension: phases[] {name, after[], defaultAction, defaultErrnoRet,
 * syscalls[]}: phase N+1 starts once a syscall named in its "after" is
 * allowed in phase N, and may allow no more than phase N.
 *
 * Every error names the file and the place in it (line:column for JSON
 * syntax, a path such as syscalls[3].names[1] otherwise); a profile with
 * an error adds nothing to the policy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <json-c/json.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include "profile.h"

struct ctx {
	struct swl_policy *pol;
	struct swl_policy tmp;	/* what this profile adds, merged on success */
	const char *path;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, const char *where, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "%s: %s: ", c->path, where);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const struct {
	const char *name;
	__u32 action;
	bool takes_errno;
} actions[] = {
	{ "SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD, false },
	{ "SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD, false },
	{ "SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, false },
	{ "SCMP_ACT_TRAP", SECCOMP_RET_TRAP, false },
	{ "SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO, true },
	{ "SCMP_ACT_TRACE", SECCOMP_RET_TRACE, true },
	{ "SCMP_ACT_LOG", SECCOMP_RET_LOG, false },
	{ "SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW, false },
};

static const struct {
	const char *name;
	enum swl_op op;
} ops[] = {
	{ "SCMP_CMP_NE", SWL_OP_NE }, { "SCMP_CMP_LT", SWL_OP_LT },
	{ "SCMP_CMP_LE", SWL_OP_LE }, { "SCMP_CMP_EQ", SWL_OP_EQ },
	{ "SCMP_CMP_GE", SWL_OP_GE }, { "SCMP_CMP_GT", SWL_OP_GT },
	{ "SCMP_CMP_MASKED_EQ", SWL_OP_MASKED_EQ },
};

static const char *const known_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
};
static const unsigned int known_flag_bits[] = {
	SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG,
	SECCOMP_FILTER_FLAG_SPEC_ALLOW,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Only @allowed keys may appear in @o. */
static int check_keys(struct ctx *c, const char *where, struct json_object *o,
		      const char *const *allowed)
{
	json_object_object_foreach(o, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a)
			return fail(c, where, "unknown field \"%s\"", key);
	}
	return 0;
}

static int get_u32(struct ctx *c, const char *where, struct json_object *v,
		   __u32 *out)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int))
		return fail(c, where, "expected a number");
	x = json_object_get_int64(v);
	if (x < 0 || x > 0xffffffffLL)
		return fail(c, where, "%lld is out of range", (long long)x);
	*out = x;
	return 0;
}

static int get_u64(struct ctx *c, const char *where, struct json_object *v,
		   __u64 *out)
{
	if (!json_object_is_type(v, json_type_int))
		return fail(c, where, "expected a number");
	/* json-c keeps values above INT64_MAX as uint64 */
	if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0)
		*out = (__u64)json_object_get_int64(v);
	else
		*out = json_object_get_uint64(v);
	return 0;
}

/*
 * An errno given as a number (@num, OCI's "errnoRet"), as a name (@name,
 * containers/common's "errno", e.g. "EPERM"), or both if they agree.
 * Returns 1 with *out set, 0 if neither is given, or -EINVAL.
 */
static int get_errno(struct ctx *c, const char *where, struct json_object *num,
		     const char *num_key, struct json_object *name,
		     const char *name_key, __u32 *out)
{
	static const struct { const char *alias; int e; } aliases[] = {
		{ "EWOULDBLOCK", EWOULDBLOCK }, { "EDEADLOCK", EDEADLOCK },
		{ "ENOTSUP", ENOTSUP },
	};
	const char *ename;
	char w[160];
	__u32 n = 0;
	int e;

	if (!num && !name)
		return 0;	/* *out keeps its default */
	if (num) {
		snprintf(w, sizeof(w), "%s %s", where, num_key);
		if (get_u32(c, w, num, &n))
			return -EINVAL;
	}
	if (!name) {
		*out = n;
		return num ? 1 : 0;
	}
	snprintf(w, sizeof(w), "%s %s", where, name_key);
	if (!json_object_is_type(name, json_type_string))
		return fail(c, w, "expected an errno name (\"EPERM\")");
	ename = json_object_get_string(name);
	for (e = 1; e < 4096; e++) {
		const char *s = strerrorname_np(e);

		if (s && !strcmp(s, ename))
			break;
	}
	for (size_t i = 0; e == 4096 && i < ARRAY_LEN(aliases); i++)
		if (!strcmp(aliases[i].alias, ename))
			e = aliases[i].e;
	if (e == 4096)
		return fail(c, w, "unknown errno \"%s\"", ename);
	if (num && n != (__u32)e)
		return fail(c, w, "\"%s\" is %d, but %s is %u", ename, e, num_key, n);
	*out = e;
	return 1;
}

static int parse_action(struct ctx *c, const char *where, struct json_object *v,
			int has_errno, __u32 errno_val, __u32 dflt_errno,
			__u32 *out)
{
	const char *name;
	size_t i;

	if (!v || !json_object_is_type(v, json_type_string))
		return fail(c, where, "expected an action (\"SCMP_ACT_...\")");
	name = json_object_get_string(v);
	if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		return fail(c, where, "SCMP_ACT_NOTIFY needs a listener, which this loader does not run");
	for (i = 0; i < ARRAY_LEN(actions); i++) {
		__u32 data = 0;

		if (strcmp(actions[i].name, name))
			continue;
		if (actions[i].takes_errno) {
			data = actions[i].action == SECCOMP_RET_ERRNO ? dflt_errno : 0;
			if (has_errno)
				data = errno_val;
			if (data > SECCOMP_RET_DATA)
				return fail(c, where, "errnoRet %u is out of range", data);
		} else if (has_errno) {
			return fail(c, where, "an errno (errnoRet or errno) makes no sense with %s",
				    name);
		}
		*out = actions[i].action | data;
		return 0;
	}
	return fail(c, where, "unknown action \"%s\"", name);
}

bool swl_action_allows(__u32 action)
{
	action &= SECCOMP_RET_ACTION_FULL;
	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

/* seccomp's precedence: a lower action value is more restrictive. */
static __s32 restrictiveness(__u32 action)
{
	return (__s32)(action & SECCOMP_RET_ACTION_FULL);
}

static int kernel_at_least(const char *min)
{
	struct utsname u;
	int ma, mi, kma, kmi;

	if (sscanf(min, "%d.%d", &ma, &mi) != 2 || uname(&u) ||
	    sscanf(u.release, "%d.%d", &kma, &kmi) != 2)
		return -1;
	return kma > ma || (kma == ma && kmi >= mi);
}

static bool has_cap(const struct swl_policy *pol, const char *cap)
{
	for (int i = 0; i < pol->nr_caps; i++)
		if (!strcmp(pol->caps[i], cap))
			return true;
	return false;
}

/*
 * Docker's includes/excludes: an entry applies when every include holds
 * and no exclude does.  Returns 1 (applies), 0 (skip) or -EINVAL.
 */
static int applies(struct ctx *c, const char *where, struct json_object *inc,
		   struct json_object *exc)
{
	static const char *const keys[] = { "caps", "arches", "minKernel", NULL };
	struct json_object *sets[2] = { inc, exc };
	char w[160];

	for (int s = 0; s < 2; s++) {
		struct json_object *o = sets[s], *v;
		bool any = false, all = true;

		if (!o)
			continue;
		snprintf(w, sizeof(w), "%s.%s", where, s ? "excludes" : "includes");
		if (!json_object_is_type(o, json_type_object))
			return fail(c, w, "expected an object");
		if (check_keys(c, w, o, keys))
			return -EINVAL;
		v = get(o, "caps");
		if (v) {
			if (!json_object_is_type(v, json_type_array))
				return fail(c, w, "caps: expected an array");
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				const char *cap = json_object_get_string(json_object_array_get_idx(v, i));
				bool h = cap && has_cap(c->pol, cap);

				any |= h;
				all &= h;
			}
		}
		v = get(o, "arches");
		if (v) {
			bool native = false;

			if (!json_object_is_type(v, json_type_array))
				return fail(c, w, "arches: expected an array");
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				const char *a = json_object_get_string(json_object_array_get_idx(v, i));

				if (a && (!strcmp(a, "amd64") || !strcmp(a, "x86_64") ||
					  !strcmp(a, "SCMP_ARCH_X86_64")))
					native = true;
			}
			any |= native;
			all &= native;
		}
		v = get(o, "minKernel");
		if (v) {
			int k = kernel_at_least(json_object_get_string(v));

			if (k < 0)
				return fail(c, w, "minKernel: expected \"MAJOR.MINOR\"");
			any |= k;
			all &= k;
		}
		if (s == 0 && !all)
			return 0;
		if (s == 1 && any)
			return 0;
	}
	return 1;
}

static int add_rule(struct ctx *c, struct swl_phase *ph, const struct swl_prule *r)
{
	if (ph->nr_rules == ph->cap_rules) {
		int cap = ph->cap_rules ? 2 * ph->cap_rules : 64;
		struct swl_prule *n = realloc(ph->rules, cap * sizeof(*n));

		if (!n)
			return fail(c, r->where, "out of memory");
		ph->rules = n;
		ph->cap_rules = cap;
	}
	ph->rules[ph->nr_rules++] = *r;
	return 0;
}

/* Resolve a syscall name: its number, -1 if it does not exist on x86-64. */
static int resolve(struct ctx *c, const char *where, const char *name, int *nr)
{
	int n = seccomp_syscall_resolve_name(name);

	if (n == __NR_SCMP_ERROR)
		return fail(c, where, "unknown syscall \"%s\"", name);
	if (n < 0) {
		/* a syscall of other architectures only (e.g. socketcall) */
		*nr = -1;
		return 0;
	}
	if (n >= SWL_NR_MAX)
		return fail(c, where, "syscall \"%s\" (%d) is beyond the filter's %d", name, n,
			    SWL_NR_MAX);
	*nr = n;
	return 0;
}

static int parse_syscalls(struct ctx *c, const char *where, struct json_object *arr,
			  struct swl_phase *ph, __u32 dflt_errno)
{
	static const char *const keys[] = {
		"names", "name", "action", "errnoRet", "errno", "args", "includes",
		"excludes", "comment", NULL };
	static const char *const arg_keys[] = { "index", "value", "valueTwo", "op", NULL };

	if (!json_object_is_type(arr, json_type_array))
		return fail(c, where, "expected an array");

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct json_object *names, *args;
		struct swl_prule r = { 0 };
		__u32 errno_val = 0;
		int ok, has_errno;
		char w[96];

		snprintf(w, sizeof(w), "%s[%zu]", where, i);
		if (!json_object_is_type(e, json_type_object))
			return fail(c, w, "expected an object");
		if (check_keys(c, w, e, keys))
			return -EINVAL;
		ok = applies(c, w, get(e, "includes"), get(e, "excludes"));
		if (ok < 0)
			return ok;
		has_errno = get_errno(c, w, get(e, "errnoRet"), "errnoRet", get(e, "errno"),
				      "errno", &errno_val);
		if (has_errno < 0)
			return -EINVAL;
		if (parse_action(c, w, get(e, "action"), has_errno, errno_val, dflt_errno,
				 &r.action))
			return -EINVAL;

		args = get(e, "args");
		if (args && !json_object_is_type(args, json_type_null)) {
			if (!json_object_is_type(args, json_type_array))
				return fail(c, w, "args: expected an array");
			if (json_object_array_length(args) > SWL_CONDS)
				return fail(c, w, "args: more than %d conditions", SWL_CONDS);
			for (size_t j = 0; j < json_object_array_length(args); j++) {
				struct json_object *a = json_object_array_get_idx(args, j);
				struct swl_cond *cond = &r.conds[r.nr_conds];
				const char *op;
				char wa[128];
				__u32 idx;
				size_t k;

				snprintf(wa, sizeof(wa), "%s.args[%zu]", w, j);
				if (!json_object_is_type(a, json_type_object))
					return fail(c, wa, "expected an object");
				if (check_keys(c, wa, a, arg_keys))
					return -EINVAL;
				if (!get(a, "index") || get_u32(c, wa, get(a, "index"), &idx))
					return fail(c, wa, "index: expected 0 to 5");
				if (idx > 5)
					return fail(c, wa, "index %u: syscalls have 6 arguments", idx);
				if (!get(a, "value") || get_u64(c, wa, get(a, "value"), &cond->value))
					return fail(c, wa, "value: expected a number");
				if (get(a, "valueTwo") &&
				    get_u64(c, wa, get(a, "valueTwo"), &cond->value2))
					return -EINVAL;
				op = json_object_get_string(get(a, "op"));
				for (k = 0; op && k < ARRAY_LEN(ops); k++)
					if (!strcmp(ops[k].name, op))
						break;
				if (!op || k == ARRAY_LEN(ops))
					return fail(c, wa, "unsupported operator \"%s\"", op ? op : "(none)");
				cond->op = ops[k].op;
				cond->arg = idx;
				for (int p = 0; p < r.nr_conds; p++)
					if (r.conds[p].arg == idx)
						return fail(c, wa, "argument %u is compared twice (one condition per argument, as in libseccomp)",
							    idx);
				r.nr_conds++;
			}
		}

		names = get(e, "names");
		if (!names && get(e, "name")) {
			names = json_object_new_array();
			json_object_array_add(names, json_object_get(get(e, "name")));
			json_object_object_add(e, "names", names);
		}
		if (!names || !json_object_is_type(names, json_type_array))
			return fail(c, w, "names: expected an array of syscall names");
		for (size_t j = 0; j < json_object_array_length(names); j++) {
			struct json_object *n = json_object_array_get_idx(names, j);
			char wn[128];

			snprintf(wn, sizeof(wn), "%s.names[%zu]", w, j);
			if (!json_object_is_type(n, json_type_string))
				return fail(c, wn, "expected a syscall name");
			if (resolve(c, wn, json_object_get_string(n), &r.nr))
				return -EINVAL;
			if (!ok || r.nr < 0)
				continue;
			snprintf(r.where, sizeof(r.where), "%s: %s", c->path, wn);
			if (add_rule(c, ph, &r))
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * What libseccomp, and so runc and crun, make of a syscall with a rule
 * without conditions: that rule's action, whatever other rules of the
 * syscall say (the first such rule added wins, and it replaces the
 * syscall's conditional rules).  Keep only it.
 */
static void first_unconditional_wins(struct swl_phase *ph)
{
	int first[SWL_NR_MAX], k = 0;

	for (int nr = 0; nr < SWL_NR_MAX; nr++)
		first[nr] = -1;
	for (int i = 0; i < ph->nr_rules; i++)
		if (!ph->rules[i].nr_conds && first[ph->rules[i].nr] < 0)
			first[ph->rules[i].nr] = i;
	for (int i = 0; i < ph->nr_rules; i++) {
		int f = first[ph->rules[i].nr];

		if (f < 0 || f == i)
			ph->rules[k++] = ph->rules[i];
	}
	ph->nr_rules = k;
}

/*
 * Rules for one syscall that can never both apply with different actions;
 * with first_wins, libseccomp's order decides instead.
 */
static int check_contradictions(struct ctx *c, struct swl_phase *ph)
{
	if (c->pol->first_wins) {
		first_unconditional_wins(ph);
		return 0;
	}
	for (int i = 0; i < ph->nr_rules; i++) {
		const struct swl_prule *a = &ph->rules[i];

		if (a->nr_conds)
			continue;
		for (int j = i + 1; j < ph->nr_rules; j++) {
			const struct swl_prule *b = &ph->rules[j];

			if (b->nr == a->nr && !b->nr_conds && b->action != a->action)
				return fail(c, b->where,
					    "contradicts %s: the same syscall with no argument conditions and another action",
					    a->where);
		}
	}
	return 0;
}

static int parse_phase_head(struct ctx *c, const char *where, struct json_object *o,
			    struct swl_phase *ph, __u32 *dflt_errno)
{
	if (get_errno(c, where, get(o, "defaultErrnoRet"), "defaultErrnoRet",
		      get(o, "defaultErrno"), "defaultErrno", dflt_errno) < 0)
		return -EINVAL;
	if (parse_action(c, where, get(o, "defaultAction"), 0, 0, *dflt_errno,
			 &ph->default_action))
		return fail(c, where, "defaultAction: expected an action (\"SCMP_ACT_...\")");
	return 0;
}

static int parse_profile(struct ctx *c, struct json_object *root)
{
	static const char *const keys[] = {
		"defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap",
		"flags", "syscalls", "listenerPath", "listenerMetadata", "phases",
		"comment", NULL };
	static const char *const phase_keys[] = {
		"name", "after", "defaultAction", "defaultErrnoRet", "defaultErrno", "syscalls",
		"comment", NULL };
	struct swl_policy *t = &c->tmp;
	struct json_object *v;
	__u32 dflt_errno = EPERM;

	if (!json_object_is_type(root, json_type_object))
		return fail(c, "(top)", "expected an object");
	if (check_keys(c, "(top)", root, keys))
		return -EINVAL;
	if (get(root, "listenerPath"))
		return fail(c, "listenerPath", "a seccomp notify listener is not supported");

	t->nr_phases = 1;
	snprintf(t->phases[0].name, sizeof(t->phases[0].name), "init");
	if (parse_phase_head(c, "(top)", root, &t->phases[0], &dflt_errno))
		return -EINVAL;

	v = get(root, "flags");
	if (v) {
		if (!json_object_is_type(v, json_type_array))
			return fail(c, "flags", "expected an array");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			const char *f = json_object_get_string(json_object_array_get_idx(v, i));
			size_t k;

			for (k = 0; f && k < ARRAY_LEN(known_flags); k++)
				if (!strcmp(f, known_flags[k]))
					break;
			if (!f || k == ARRAY_LEN(known_flags)) {
				char w[32];

				snprintf(w, sizeof(w), "flags[%zu]", i);
				return fail(c, w, "unsupported flag \"%s\"", f ? f : "");
			}
			t->seccomp_flags |= known_flag_bits[k];
		}
	}

	v = get(root, "syscalls");
	if (v && parse_syscalls(c, "syscalls", v, &t->phases[0], dflt_errno))
		return -EINVAL;
	if (check_contradictions(c, &t->phases[0]))
		return -EINVAL;

	v = get(root, "phases");
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return fail(c, "phases", "expected an array");
	if (json_object_array_length(v) + 1 > SWL_PHASES_MAX)
		return fail(c, "phases", "at most %d phases after the first", SWL_PHASES_MAX - 1);
	t->has_phases = true;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *p = json_object_array_get_idx(v, i), *after, *name;
		struct swl_phase *ph = &t->phases[t->nr_phases];
		__u32 perr = dflt_errno;
		char w[64];

		snprintf(w, sizeof(w), "phases[%zu]", i);
		if (!json_object_is_type(p, json_type_object))
			return fail(c, w, "expected an object");
		if (check_keys(c, w, p, phase_keys))
			return -EINVAL;
		name = get(p, "name");
		if (!name || !json_object_is_type(name, json_type_string) ||
		    !*json_object_get_string(name) ||
		    strlen(json_object_get_string(name)) >= sizeof(ph->name))
			return fail(c, w, "name: expected a short name");
		snprintf(ph->name, sizeof(ph->name), "%s", json_object_get_string(name));
		if (get(p, "defaultAction")) {
			if (parse_phase_head(c, w, p, ph, &perr))
				return -EINVAL;
		} else {
			ph->default_action = t->phases[t->nr_phases - 1].default_action;
		}
		after = get(p, "after");
		if (!after || !json_object_is_type(after, json_type_array) ||
		    !json_object_array_length(after))
			return fail(c, w, "after: expected the syscalls that start this phase");
		if (json_object_array_length(after) > ARRAY_LEN(ph->triggers))
			return fail(c, w, "after: too many syscalls");
		for (size_t j = 0; j < json_object_array_length(after); j++) {
			struct json_object *n = json_object_array_get_idx(after, j);
			char wn[96];
			int nr;

			snprintf(wn, sizeof(wn), "%s.after[%zu]", w, j);
			if (!json_object_is_type(n, json_type_string))
				return fail(c, wn, "expected a syscall name");
			if (resolve(c, wn, json_object_get_string(n), &nr))
				return -EINVAL;
			if (nr < 0)
				return fail(c, wn, "\"%s\" does not exist on x86-64",
					    json_object_get_string(n));
			ph->triggers[ph->nr_triggers++] = nr;
		}
		snprintf(w, sizeof(w), "phases[%zu].syscalls", i);
		t->nr_phases++;
		if (get(p, "syscalls") && parse_syscalls(c, w, get(p, "syscalls"), ph, perr))
			return -EINVAL;
		if (check_contradictions(c, ph))
			return -EINVAL;
	}
	return 0;
}

static void phase_free(struct swl_phase *ph)
{
	free(ph->rules);
	ph->rules = NULL;
	ph->nr_rules = ph->cap_rules = 0;
}

void swl_policy_free(struct swl_policy *pol)
{
	for (int i = 0; i < SWL_PHASES_MAX; i++)
		phase_free(&pol->phases[i]);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

struct json_object *swl_json_parse(const char *buf, size_t len, const char *name,
				   char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	size_t end;

	if (!tok) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	root = json_tokener_parse_ex(tok, buf, len);
	end = json_tokener_get_parse_end(tok);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    buf[end + strspn(buf + end, " \t\r\n")]) {
		int line = 1, col = 1;

		for (size_t i = 0; i < end && i < len; i++, col++)
			if (buf[i] == '\n') {
				line++;
				col = 0;
			}
		snprintf(err, errlen, "%s:%d:%d: malformed JSON: %s", name, line, col,
			 root ? "trailing data" :
			 json_tokener_get_error(tok) == json_tokener_continue ? "unexpected end" :
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(root);
		root = NULL;
		errno = EINVAL;
	}
	json_tokener_free(tok);
	return root;
}

int swl_profile_add(struct swl_policy *pol, const char *path, char *err, size_t errlen)
{
	struct json_object *root;
	size_t len;
	char *buf;
	int ret;

	buf = read_file(path, &len);
	if (!buf) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	root = swl_json_parse(buf, len, path, err, errlen);
	free(buf);
	if (!root)
		return -errno;

	ret = swl_profile_add_json(pol, root, path, err, errlen);
	json_object_put(root);
	return ret;
}

int swl_profile_add_json(struct swl_policy *pol, struct json_object *root,
			 const char *name, char *err, size_t errlen)
{
	struct ctx c = { .pol = pol, .path = name, .err = err, .errlen = errlen };
	int ret;

	c.tmp.arch = AUDIT_ARCH_X86_64;
	ret = parse_profile(&c, root);
	if (ret)
		goto out;

	/* merge: tiers add syscalls to the first phase; one profile may phase */
	if (pol->nr_profiles) {
		if (c.tmp.phases[0].default_action != pol->phases[0].default_action) {
			ret = fail(&c, "defaultAction", "differs from the profiles before it");
			goto out;
		}
		if (c.tmp.has_phases && pol->has_phases) {
			ret = fail(&c, "phases", "only one of the profiles may define phases");
			goto out;
		}
	} else {
		pol->arch = c.tmp.arch;
		pol->nr_phases = 1;
		pol->phases[0].default_action = c.tmp.phases[0].default_action;
		snprintf(pol->phases[0].name, sizeof(pol->phases[0].name), "init");
	}
	for (int i = 0; i < c.tmp.phases[0].nr_rules; i++)
		if (add_rule(&c, &pol->phases[0], &c.tmp.phases[0].rules[i])) {
			ret = -ENOMEM;
			goto out;
		}
	if (check_contradictions(&c, &pol->phases[0])) {
		ret = -EINVAL;
		goto out;
	}
	if (c.tmp.has_phases) {
		pol->has_phases = true;
		for (int p = 1; p < c.tmp.nr_phases; p++) {
			pol->phases[p] = c.tmp.phases[p];
			memset(&c.tmp.phases[p], 0, sizeof(c.tmp.phases[p]));
		}
		pol->nr_phases = c.tmp.nr_phases;
	}
	pol->seccomp_flags |= c.tmp.seccomp_flags;
	pol->nr_profiles++;
out:
	swl_policy_free(&c.tmp);
	return ret;
}

bool swl_phase_allows(const struct swl_phase *ph, int nr)
{
	for (int i = 0; i < ph->nr_rules; i++)
		if (ph->rules[i].nr == nr && swl_action_allows(ph->rules[i].action))
			return true;
	return false;
}

int swl_phase_count_allowed(const struct swl_phase *ph)
{
	int n = 0;

	for (int nr = 0; nr < SWL_NR_MAX; nr++)
		n += swl_phase_allows(ph, nr) || swl_action_allows(ph->default_action);
	return n;
}

bool swl_const_allow(const struct swl_policy *pol, int nr)
{
	for (int p = 0; p < pol->nr_phases; p++) {
		const struct swl_phase *ph = &pol->phases[p];
		const struct swl_prule *first = NULL;

		for (int i = 0; i < ph->nr_rules && !first; i++)
			if (ph->rules[i].nr == nr)
				first = &ph->rules[i];
		if (!first || first->nr_conds || first->action != SECCOMP_RET_ALLOW)
			return false;
		for (int t = 0; t < ph->nr_triggers; t++)
			if (ph->triggers[t] == nr)
				return false;
	}
	return true;
}

static const char *sys_name(int nr, char *buf, size_t len)
{
	char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	snprintf(buf, len, "%s", n ? n : "?");
	free(n);
	return buf;
}

int swl_policy_check(struct swl_policy *pol, char *err, size_t errlen)
{
	struct ctx c = { .pol = pol, .path = "policy", .err = err, .errlen = errlen };
	char name[64];

	if (!pol->nr_profiles)
		return fail(&c, "(top)", "no profile");
	for (int p = 1; p < pol->nr_phases; p++) {
		const struct swl_phase *prev = &pol->phases[p - 1], *ph = &pol->phases[p];

		for (int t = 0; t < ph->nr_triggers; t++)
			if (!swl_phase_allows(prev, ph->triggers[t]))
				return fail(&c, ph->name,
					    "starts after \"%s\", which phase \"%s\" does not allow: the phase would never start",
					    sys_name(ph->triggers[t], name, sizeof(name)), prev->name);

		if (restrictiveness(ph->default_action) > restrictiveness(prev->default_action))
			return fail(&c, ph->name,
				    "defaultAction is less restrictive than phase \"%s\"'s: phases may only narrow",
				    prev->name);
		for (int i = 0; i < ph->nr_rules; i++) {
			const struct swl_prule *r = &ph->rules[i];

			if (swl_action_allows(r->action) && !swl_phase_allows(prev, r->nr) &&
			    !swl_action_allows(prev->default_action)) {
				snprintf(err, errlen,
					 "%s: phase \"%s\" allows \"%s\", which phase \"%s\" does not: phases may only narrow",
					 r->where, ph->name, sys_name(r->nr, name, sizeof(name)), prev->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int swl_policy_load(struct swl_policy *pol, char *const *paths, int n,
		    char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		int ret = swl_profile_add(pol, paths[i], err, errlen);

		if (ret)
			return ret;
	}
	return swl_policy_check(pol, err, errlen);
}
