// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * config.json: the fields of the OCI runtime specification the launcher
 * uses, each checked for its type and range; an error names the field
 * ("process.args[2]: expected a string").  Fields the launcher does not
 * use are not looked at.  The two annotations:
 *
 *   org.serverless-worker.tier    one of lnch_tiers()
 *   org.serverless-worker.egress  a JSON array, in the annotation's string,
 *       of {"cidr": "10.0.0.0/8", "ports": [443, "8000-8099"]}: the
 *       destinations the function may connect or send to; "ports" left
 *       out means every port; an address with bits set beyond the prefix
 *       is an error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "egress.h"
#include "internal.h"

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Parse @len bytes of JSON; the error names @name with line:column. */
static struct json_object *parse_json(struct gate *g, const char *name, const char *buf,
				      size_t len)
{
	struct json_object *root;
	char err[512];

	root = swl_json_parse(buf, len, name, err, sizeof(err));
	if (!root) {
		if (errno == ENOMEM)
			g->oom = true;
		else
			gate_bad(g, "%s", err);
	}
	return root;
}

static char *read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				errno = cap > (64u << 20) ? EFBIG : ENOMEM;
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

static const char *type_name(struct json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

static int want(struct gate *g, const char *field, struct json_object *v, enum json_type t,
		const char *what)
{
	if (json_object_is_type(v, t))
		return 0;
	return gate_bad(g, "config.json: %s: expected %s, not %s", field, what, type_name(v));
}

static int get_int(struct gate *g, const char *field, struct json_object *v, int64_t min,
		   int64_t max, int64_t *out)
{
	if (want(g, field, v, json_type_int, "an integer"))
		return -1;
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < min || *out > max)
		return gate_bad(g, "config.json: %s: %s is out of range (%lld to %lld)", field,
				json_object_to_json_string(v), (long long)min, (long long)max);
	return 0;
}

/* An array of strings into *@out (NULL-terminated); @kv: each has '='. */
static int get_strings(struct gate *g, const char *field, struct json_object *v, bool kv,
		       char ***out, int *nr)
{
	size_t n;

	if (want(g, field, v, json_type_array, "an array of strings"))
		return -1;
	n = json_object_array_length(v);
	*out = calloc(n + 1, sizeof(**out));
	if (!*out) {
		g->oom = true;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		char f[96];

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if (want(g, f, e, json_type_string, "a string"))
			return -1;
		if (kv && !strchr(json_object_get_string(e), '='))
			return gate_bad(g, "config.json: %s: \"%s\" is not NAME=VALUE", f,
					json_object_get_string(e));
		(*out)[i] = strdup(json_object_get_string(e));
		if (!(*out)[i]) {
			g->oom = true;
			return -1;
		}
		*nr = i + 1;
	}
	return 0;
}

static int read_user(struct gate *g, struct json_object *u)
{
	struct json_object *v;
	int64_t x;

	if (!u)
		return gate_bad(g, "config.json: process.user: missing");
	if (want(g, "process.user", u, json_type_object, "an object"))
		return -1;
	if (!(v = get(u, "uid")))
		return gate_bad(g, "config.json: process.user.uid: missing");
	if (get_int(g, "process.user.uid", v, 0, 0xfffffffeLL, &x))
		return -1;
	g->v->config.uid = x;
	if (!(v = get(u, "gid")))
		return gate_bad(g, "config.json: process.user.gid: missing");
	if (get_int(g, "process.user.gid", v, 0, 0xfffffffeLL, &x))
		return -1;
	g->v->config.gid = x;
	if ((v = get(u, "umask")) && get_int(g, "process.user.umask", v, 0, 0777, &x))
		return -1;
	if ((v = get(u, "additionalGids"))) {
		if (want(g, "process.user.additionalGids", v, json_type_array, "an array"))
			return -1;
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char f[64];

			snprintf(f, sizeof(f), "process.user.additionalGids[%zu]", i);
			if (get_int(g, f, json_object_array_get_idx(v, i), 0, 0xfffffffeLL, &x))
				return -1;
		}
	}
	return 0;
}

/* A request for capabilities, or devices, makes a function unverifiable. */
static int read_capabilities(struct gate *g, struct json_object *c)
{
	static const char *const sets[] = {
		"bounding", "effective", "inheritable", "permitted", "ambient",
	};

	if (!c)
		return 0;
	if (want(g, "process.capabilities", c, json_type_object, "an object"))
		return -1;
	json_object_object_foreach(c, key, val) {
		char f[96];
		size_t i;

		for (i = 0; i < ARRAY_LEN(sets); i++)
			if (!strcmp(sets[i], key))
				break;
		if (i == ARRAY_LEN(sets))
			return gate_bad(g, "config.json: process.capabilities: unknown set \"%s\" (bounding, effective, inheritable, permitted, ambient)",
					key);
		snprintf(f, sizeof(f), "process.capabilities.%s", key);
		if (want(g, f, val, json_type_array, "an array of capability names"))
			return -1;
		for (i = 0; i < json_object_array_length(val); i++) {
			struct json_object *e = json_object_array_get_idx(val, i);
			const char *s;

			snprintf(f, sizeof(f), "process.capabilities.%s[%zu]", key, i);
			if (want(g, f, e, json_type_string, "a capability name"))
				return -1;
			s = json_object_get_string(e);
			if (strncmp(s, "CAP_", 4) || !s[4])
				return gate_bad(g, "config.json: %s: \"%s\" is not a capability name (CAP_...)",
						f, s);
			gate_reason(g, "capability-requested", "config.json", false, 0, -1,
				    "%s: requests %s: process mode runs functions without capabilities",
				    f, s);
		}
	}
	return 0;
}

static int read_devices(struct gate *g, struct json_object *d)
{
	if (!d)
		return 0;
	if (want(g, "linux.devices", d, json_type_array, "an array"))
		return -1;
	for (size_t i = 0; i < json_object_array_length(d); i++) {
		struct json_object *e = json_object_array_get_idx(d, i), *p;
		char f[64];

		snprintf(f, sizeof(f), "linux.devices[%zu]", i);
		if (want(g, f, e, json_type_object, "an object"))
			return -1;
		p = get(e, "path");
		if (!p)
			return gate_bad(g, "config.json: %s.path: missing", f);
		snprintf(f, sizeof(f), "linux.devices[%zu].path", i);
		if (want(g, f, p, json_type_string, "a string"))
			return -1;
		gate_reason(g, "device-requested", "config.json", false, 0, -1,
			    "linux.devices[%zu]: requests device %s: process mode creates no device nodes",
			    i, json_object_get_string(p));
	}
	return 0;
}

static const char *const ns_types[] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

/*
 * Process mode always makes new user, PID, IPC, UTS and mount namespaces,
 * and a network namespace when the bundle asks for one, as crun would; a
 * namespace to join (a path) is for container mode.
 */
static int read_namespaces(struct gate *g, struct json_object *n)
{
	unsigned int seen = 0;

	if (!n)
		return 0;
	if (want(g, "linux.namespaces", n, json_type_array, "an array"))
		return -1;
	for (size_t i = 0; i < json_object_array_length(n); i++) {
		struct json_object *e = json_object_array_get_idx(n, i), *t, *p;
		const char *type;
		unsigned int k;
		char f[64];

		snprintf(f, sizeof(f), "linux.namespaces[%zu]", i);
		if (want(g, f, e, json_type_object, "an object"))
			return -1;
		t = get(e, "type");
		if (!t)
			return gate_bad(g, "config.json: %s.type: missing", f);
		snprintf(f, sizeof(f), "linux.namespaces[%zu].type", i);
		if (want(g, f, t, json_type_string, "a string"))
			return -1;
		type = json_object_get_string(t);
		for (k = 0; k < sizeof(ns_types) / sizeof(ns_types[0]); k++)
			if (!strcmp(type, ns_types[k]))
				break;
		if (k == sizeof(ns_types) / sizeof(ns_types[0]))
			return gate_bad(g, "config.json: %s: unknown namespace type \"%s\" (pid, network, mount, ipc, uts, user, cgroup, time)",
					f, type);
		if (seen & (1u << k))
			return gate_bad(g, "config.json: %s: a second \"%s\" namespace", f, type);
		seen |= 1u << k;
		p = get(e, "path");
		snprintf(f, sizeof(f), "linux.namespaces[%zu].path", i);
		if (p && want(g, f, p, json_type_string, "a string"))
			return -1;
		if (p) {
			gate_reason(g, "namespace-joined", "config.json", false, 0, -1,
				    "linux.namespaces[%zu]: joins the %s namespace %s: process mode makes the instance's namespaces itself",
				    i, type, json_object_get_string(p));
			continue;
		}
		if (!strcmp(type, "network"))
			g->netns = true;
	}
	return 0;
}

static int read_resources(struct gate *g, struct json_object *r)
{
	struct lnch_config *c = &g->v->config;
	struct json_object *o, *v;

	if (!r)
		return 0;
	if (want(g, "linux.resources", r, json_type_object, "an object"))
		return -1;
	if ((o = get(r, "memory"))) {
		if (want(g, "linux.resources.memory", o, json_type_object, "an object"))
			return -1;
		if ((v = get(o, "limit")) &&
		    get_int(g, "linux.resources.memory.limit", v, -1, INT64_MAX, &c->memory_limit))
			return -1;
	}
	if ((o = get(r, "pids"))) {
		if (want(g, "linux.resources.pids", o, json_type_object, "an object"))
			return -1;
		if ((v = get(o, "limit")) &&
		    get_int(g, "linux.resources.pids.limit", v, -1, INT64_MAX, &c->pids_limit))
			return -1;
	}
	if ((o = get(r, "cpu"))) {
		if (want(g, "linux.resources.cpu", o, json_type_object, "an object"))
			return -1;
		if ((v = get(o, "quota")) &&
		    get_int(g, "linux.resources.cpu.quota", v, -1, INT64_MAX, &c->cpu_quota))
			return -1;
		if ((v = get(o, "period")) &&
		    get_int(g, "linux.resources.cpu.period", v, 1, INT64_MAX, &c->cpu_period))
			return -1;
		if ((v = get(o, "shares")) &&
		    get_int(g, "linux.resources.cpu.shares", v, 0, INT64_MAX, &c->cpu_shares))
			return -1;
	}
	return 0;
}

/* "443" or "8000-8099" */
static int parse_port(struct gate *g, const char *f, struct json_object *e,
		      struct lnch_port_range *pr)
{
	long lo, hi;
	char *end;

	if (json_object_is_type(e, json_type_int)) {
		lo = hi = json_object_get_int64(e);
	} else if (json_object_is_type(e, json_type_string)) {
		const char *s = json_object_get_string(e);

		errno = 0;
		lo = strtol(s, &end, 10);
		hi = lo;
		if (*end == '-' && end != s)
			hi = strtol(end + 1, &end, 10);
		if (errno || *end || end == s || !*s || !(s[0] >= '0' && s[0] <= '9'))
			return gate_bad(g, "config.json: annotations[\"%s\"]: %s: \"%s\" is not a port or a range LO-HI",
					LNCH_ANNOTATION_EGRESS, f, s);
	} else {
		return gate_bad(g, "config.json: annotations[\"%s\"]: %s: expected a port number or \"LO-HI\", not %s",
				LNCH_ANNOTATION_EGRESS, f, type_name(e));
	}
	if (lo < 1 || hi > 65535 || lo > hi)
		return gate_bad(g, "config.json: annotations[\"%s\"]: %s: %s is not a port range within 1-65535",
				LNCH_ANNOTATION_EGRESS, f, json_object_to_json_string(e));
	pr->lo = lo;
	pr->hi = hi;
	return 0;
}

static int parse_cidr(struct gate *g, const char *f, const char *s, struct lnch_egress *e)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	char *end;
	int bits;
	long p;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return gate_bad(g, "config.json: annotations[\"%s\"]: %s: \"%s\" is not ADDRESS/PREFIX",
				LNCH_ANNOTATION_EGRESS, f, s);
	memcpy(addr, s, slash - s);
	addr[slash - s] = 0;
	if (inet_pton(AF_INET, addr, e->addr) == 1) {
		e->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, e->addr) == 1) {
		e->family = AF_INET6;
		bits = 128;
	} else {
		return gate_bad(g, "config.json: annotations[\"%s\"]: %s: \"%s\" is not an IPv4 or IPv6 address",
				LNCH_ANNOTATION_EGRESS, f, addr);
	}
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || p < 0 || p > bits)
		return gate_bad(g, "config.json: annotations[\"%s\"]: %s: prefix \"%s\" is not 0 to %d",
				LNCH_ANNOTATION_EGRESS, f, slash + 1, bits);
	e->prefix = p;
	for (int b = p; b < bits; b++)
		if (e->addr[b / 8] & (0x80 >> (b % 8)))
			return gate_bad(g, "config.json: annotations[\"%s\"]: %s: \"%s\" has bits set beyond the /%ld prefix",
					LNCH_ANNOTATION_EGRESS, f, s, p);
	return 0;
}

static int read_egress(struct gate *g, const char *text)
{
	struct lnch_config *c = &g->v->config;
	struct json_object *root;
	char name[96];
	size_t n;
	int ret = -1;

	snprintf(name, sizeof(name), "config.json: annotations[\"%s\"]", LNCH_ANNOTATION_EGRESS);
	root = parse_json(g, name, text, strlen(text));
	if (!root)
		return -1;
	if (!json_object_is_type(root, json_type_array)) {
		gate_bad(g, "%s: expected an array of {\"cidr\": ..., \"ports\": [...]}", name);
		goto out;
	}
	n = json_object_array_length(root);
	c->egress = calloc(n ? n : 1, sizeof(*c->egress));
	if (!c->egress) {
		g->oom = true;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(root, i), *cidr, *ports;
		struct lnch_egress *e = &c->egress[i];
		char f[64];

		c->nr_egress = i + 1;
		snprintf(f, sizeof(f), "[%zu]", i);
		if (!json_object_is_type(r, json_type_object)) {
			gate_bad(g, "%s: %s: expected an object {\"cidr\": ..., \"ports\": [...]}", name, f);
			goto out;
		}
		json_object_object_foreach(r, key, val) {
			(void)val;
			if (strcmp(key, "cidr") && strcmp(key, "ports")) {
				gate_bad(g, "%s: %s: unknown field \"%s\" (cidr, ports)", name, f, key);
				goto out;
			}
		}
		cidr = get(r, "cidr");
		if (!cidr || !json_object_is_type(cidr, json_type_string)) {
			gate_bad(g, "%s: %s.cidr: expected a string such as \"10.0.0.0/8\"", name, f);
			goto out;
		}
		snprintf(f, sizeof(f), "[%zu].cidr", i);
		e->cidr = strdup(json_object_get_string(cidr));
		if (!e->cidr) {
			g->oom = true;
			goto out;
		}
		if (parse_cidr(g, f, e->cidr, e))
			goto out;
		ports = get(r, "ports");
		if (!ports)
			continue;
		snprintf(f, sizeof(f), "[%zu].ports", i);
		if (!json_object_is_type(ports, json_type_array) || !json_object_array_length(ports)) {
			gate_bad(g, "%s: %s: expected a non-empty array (leave \"ports\" out for every port)",
				 name, f);
			goto out;
		}
		e->ports = calloc(json_object_array_length(ports), sizeof(*e->ports));
		if (!e->ports) {
			g->oom = true;
			goto out;
		}
		for (size_t j = 0; j < json_object_array_length(ports); j++) {
			snprintf(f, sizeof(f), "[%zu].ports[%zu]", i, j);
			if (parse_port(g, f, json_object_array_get_idx(ports, j), &e->ports[j]))
				goto out;
			e->nr_ports = j + 1;
		}
	}
	ret = 0;
out:
	json_object_put(root);
	return ret;
}

static int read_annotations(struct gate *g, struct json_object *a)
{
	struct json_object *v;

	if (!a)
		return 0;
	if (want(g, "annotations", a, json_type_object, "an object"))
		return -1;
	json_object_object_foreach(a, key, val) {
		char f[300];

		snprintf(f, sizeof(f), "annotations[\"%.250s\"]", key);
		if (want(g, f, val, json_type_string, "a string"))
			return -1;
	}
	if ((v = get(a, LNCH_ANNOTATION_TIER))) {
		g->v->config.tier = strdup(json_object_get_string(v));
		if (!g->v->config.tier) {
			g->oom = true;
			return -1;
		}
	}
	if ((v = get(a, LNCH_ANNOTATION_EGRESS)) && read_egress(g, json_object_get_string(v)))
		return -1;
	return 0;
}

int config_egress_rules(const struct lnch_config *c, struct egr_rule **rules, unsigned int *n)
{
	unsigned int max = 0;

	*n = 0;
	for (int i = 0; i < c->nr_egress; i++)
		max += c->egress[i].nr_ports ? c->egress[i].nr_ports : 1;
	*rules = calloc(max ? max : 1, sizeof(**rules));
	if (!*rules)
		return -ENOMEM;
	for (int i = 0; i < c->nr_egress; i++) {
		const struct lnch_egress *e = &c->egress[i];

		for (int k = 0; k < (e->nr_ports ? e->nr_ports : 1); k++) {
			struct egr_rule *r = &(*rules)[(*n)++];

			r->family = e->family;
			memcpy(r->addr, e->addr, sizeof(r->addr));
			r->prefix = e->prefix;
			r->port_lo = e->nr_ports ? e->ports[k].lo : 1;
			r->port_hi = e->nr_ports ? e->ports[k].hi : 65535;
		}
	}
	return 0;
}

/* What libegress would refuse at attach time is bad input here already. */
static int check_egress(struct gate *g)
{
	struct egr_rule *rules;
	unsigned int n;
	char err[512];
	int ret;

	if (!g->v->config.egress)
		return 0;
	if (config_egress_rules(&g->v->config, &rules, &n)) {
		g->oom = true;
		return -1;
	}
	ret = egr_check(rules, n, err, sizeof(err));
	free(rules);
	if (ret == -ENOMEM) {
		g->oom = true;
		return -1;
	}
	if (ret)
		return gate_bad(g, "config.json: annotations[\"%s\"]: %s", LNCH_ANNOTATION_EGRESS, err);
	return 0;
}

static int read_seccomp(struct gate *g, struct json_object *s)
{
	char err[512];

	if (!s) {
		gate_reason(g, "no-profile", "config.json", false, 0, -1,
			    "linux.seccomp: missing: process mode needs the function's seccomp profile");
		return 0;
	}
	if (want(g, "linux.seccomp", s, json_type_object, "an object (an OCI seccomp profile)"))
		return -1;
	if (swl_profile_add_json(&g->profile, s, "config.json: linux.seccomp", err, sizeof(err)) ||
	    swl_policy_check(&g->profile, err, sizeof(err)))
		return gate_bad(g, "%s", err);
	g->has_profile = true;
	/* the i386 and x32 entry points are beyond what the gate checks */
	if ((s = get(s, "architectures"))) {
		if (want(g, "linux.seccomp.architectures", s, json_type_array, "an array"))
			return -1;
		for (size_t i = 0; i < json_object_array_length(s); i++) {
			struct json_object *a = json_object_array_get_idx(s, i);
			char f[64];

			snprintf(f, sizeof(f), "linux.seccomp.architectures[%zu]", i);
			if (want(g, f, a, json_type_string, "a string"))
				return -1;
			if (strcmp(json_object_get_string(a), "SCMP_ARCH_X86_64"))
				gate_reason(g, "foreign-architecture", "config.json", false, 0, -1,
					    "%s: %s: the gate checks the x86-64 syscall table only",
					    f, json_object_get_string(a));
		}
	}
	return 0;
}

int config_read(struct gate *g, const char *bundle)
{
	struct lnch_config *c = &g->v->config;
	struct json_object *root, *p, *v, *lx;
	char path[4096];
	size_t len;
	char *buf;
	int fd, err;

	c->memory_limit = c->pids_limit = c->cpu_quota = -1;
	c->cpu_period = c->cpu_shares = -1;
	c->nr_allowed = -1;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gate_bad(g, "%s: %s", path, strerror(errno));
	buf = read_all(fd, &len);
	err = errno;
	close(fd);
	if (!buf)
		return gate_bad(g, "%s: %s", path, strerror(err));
	root = parse_json(g, "config.json", buf, len);
	free(buf);
	if (!root)
		return -1;
	g->config = root;
	if (want(g, "(top)", root, json_type_object, "an object"))
		return -1;
	if ((v = get(root, "ociVersion")) && want(g, "ociVersion", v, json_type_string, "a string"))
		return -1;

	p = get(root, "process");
	if (!p)
		return gate_bad(g, "config.json: process: missing");
	if (want(g, "process", p, json_type_object, "an object"))
		return -1;
	if (!(v = get(p, "args")))
		return gate_bad(g, "config.json: process.args: missing");
	if (get_strings(g, "process.args", v, false, &c->args, &c->nr_args))
		return -1;
	if (!c->nr_args || !*c->args[0])
		return gate_bad(g, "config.json: process.args: %s", c->nr_args ?
				"args[0] is empty" : "empty: there is nothing to run");
	if ((v = get(p, "env")) && get_strings(g, "process.env", v, true, &c->env, &c->nr_env))
		return -1;
	v = get(p, "cwd");
	if (v && want(g, "process.cwd", v, json_type_string, "a string"))
		return -1;
	c->cwd = strdup(v ? json_object_get_string(v) : "/");
	if (!c->cwd) {
		g->oom = true;
		return -1;
	}
	if (c->cwd[0] != '/')
		return gate_bad(g, "config.json: process.cwd: \"%s\" is not an absolute path", c->cwd);
	if (read_user(g, get(p, "user")) || read_capabilities(g, get(p, "capabilities")))
		return -1;

	lx = get(root, "linux");
	if (lx && want(g, "linux", lx, json_type_object, "an object"))
		return -1;
	if (read_annotations(g, get(root, "annotations")) || check_egress(g))
		return -1;
	if (lx && (read_resources(g, get(lx, "resources")) || read_devices(g, get(lx, "devices")) ||
		   read_namespaces(g, get(lx, "namespaces"))))
		return -1;
	if (read_seccomp(g, lx ? get(lx, "seccomp") : NULL))
		return -1;
	if (!c->tier)
		gate_reason(g, "no-tier", "config.json", false, 0, -1,
			    "annotations[\"%s\"]: missing: process mode needs the function's tier",
			    LNCH_ANNOTATION_TIER);
	else if (tier_load(g, c->tier))
		return -1;
	if (g->has_profile) {
		c->nr_allowed = 0;
		for (int nr = 0; nr < SWL_NR_MAX; nr++)
			c->nr_allowed += profile_allows(g, nr);
	}
	return 0;
}
