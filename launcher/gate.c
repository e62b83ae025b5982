// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lnch_gate_check(): the order of the checks, the verdict and its output.
 *
 * The bundle's config.json is read first (config.c; an error there is
 * LNCH_BAD_INPUT), then the rootfs is scanned for setuid/setgid files and
 * file capabilities (rootfs.c), process.args[0] is resolved inside it, and
 * the executable, its PT_INTERP and its DT_NEEDED libraries (recursively)
 * are loaded (elf.c) and their syscall sites checked (disasm.c) against
 * linux.seccomp, which must itself be within the tier (tier.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#ifndef LNCH_VERSION
#define LNCH_VERSION "unknown"
#endif
#ifndef LNCH_PROFILE_DIR
#define LNCH_PROFILE_DIR "/usr/local/share/seccomp-whitelist/profiles"
#endif

/* where the dynamic linker looks when the object names no RUNPATH/RPATH */
static const char *const std_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib",
	"/usr/lib",
};

const char *lnch_version(void)
{
	return LNCH_VERSION;
}

static char *sysnames[SWL_NR_MAX];
static pthread_once_t sysnames_once = PTHREAD_ONCE_INIT;

static void sysnames_init(void)
{
	for (int nr = 0; nr < SWL_NR_MAX; nr++)
		sysnames[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
}

const char *gate_sysname(int nr)
{
	if (nr < 0 || nr >= SWL_NR_MAX)
		return NULL;
	pthread_once(&sysnames_once, sysnames_init);
	return sysnames[nr];
}

int gate_bad(struct gate *g, const char *fmt, ...)
{
	va_list ap;

	if (g->v->error)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&g->v->error, fmt, ap) < 0) {
		g->v->error = NULL;
		g->oom = true;
	}
	va_end(ap);
	g->v->status = LNCH_BAD_INPUT;
	return -1;
}

void gate_reason(struct gate *g, const char *rule, const char *file, bool has_addr,
		 uint64_t addr, int nr, const char *fmt, ...)
{
	struct lnch_verdict *v = g->v;
	struct lnch_reason *r;
	va_list ap;

	if (v->status == LNCH_VERIFIED)
		v->status = LNCH_UNVERIFIABLE;
	/* the sites of one disallowed syscall in one file: one reason */
	if (nr >= 0 && has_addr) {
		for (int i = 0; i < v->nr_reasons; i++) {
			r = &v->reasons[i];
			if (r->nr == nr && r->has_addr && !strcmp(r->rule, rule) && r->file && file &&
			    !strcmp(r->file, file)) {
				r->count++;
				return;
			}
		}
	}
	r = realloc(v->reasons, (v->nr_reasons + 1) * sizeof(*r));
	if (!r) {
		g->oom = true;
		return;
	}
	v->reasons = r;
	r = &v->reasons[v->nr_reasons];
	memset(r, 0, sizeof(*r));
	r->rule = rule;
	r->file = file ? strdup(file) : NULL;
	r->has_addr = has_addr;
	r->addr = addr;
	r->nr = nr;
	r->syscall = gate_sysname(nr);
	r->count = 1;
	va_start(ap, fmt);
	if (vasprintf(&r->message, fmt, ap) < 0)
		r->message = NULL;
	va_end(ap);
	if ((file && !r->file) || !r->message) {
		free(r->file);
		free(r->message);
		g->oom = true;
		return;
	}
	v->nr_reasons++;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int open_rootfs(struct gate *g, const char *bundle)
{
	struct json_object *root = get(g->config, "root"), *p = NULL;
	const char *rp = "rootfs";

	if (root) {
		if (!json_object_is_type(root, json_type_object))
			return gate_bad(g, "config.json: root: expected an object");
		p = get(root, "path");
		if (!p || !json_object_is_type(p, json_type_string) || !*json_object_get_string(p))
			return gate_bad(g, "config.json: root.path: expected a path");
		rp = json_object_get_string(p);
	}
	if (asprintf(&g->rootfs, "%s%s%s", rp[0] == '/' ? "" : bundle, rp[0] == '/' ? "" : "/",
		     rp) < 0) {
		g->rootfs = NULL;
		g->oom = true;
		return -1;
	}
	g->rootfd = open(g->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (g->rootfd < 0)
		return gate_bad(g, "config.json: root.path: %s: %s", g->rootfs, strerror(errno));
	return 0;
}

static bool loaded(struct gate *g, const char *path)
{
	for (int i = 0; i < g->nr_objs; i++)
		if (!strcmp(g->objs[i]->path, path))
			return true;
	return false;
}

/* Load the ELF at @fd/@path unless it already is; 0 also if it is not ELF. */
static int add_object(struct gate *g, int fd, const char *path, const char *role)
{
	struct elfobj *o, **no;
	struct lnch_object *st;

	if (loaded(g, path)) {
		close(fd);
		return 0;
	}
	o = elf_load(g, fd, path, role);
	close(fd);
	if (!o)
		return g->oom ? -1 : 0;
	no = realloc(g->objs, (g->nr_objs + 1) * sizeof(*no));
	st = realloc(g->v->objects, (g->v->nr_objects + 1) * sizeof(*st));
	if (no)
		g->objs = no;
	if (st)
		g->v->objects = st;
	if (!no || !st) {
		elf_free(o);
		g->oom = true;
		return -1;
	}
	g->objs[g->nr_objs++] = o;
	memset(&st[g->v->nr_objects], 0, sizeof(*st));
	st[g->v->nr_objects].path = strdup(path);
	st[g->v->nr_objects].role = role;
	g->v->nr_objects++;
	if (!st[g->v->nr_objects - 1].path) {
		g->oom = true;
		return -1;
	}
	return 0;
}

/* @dir with $ORIGIN (or ${ORIGIN}) replaced by @o's directory. */
static void expand_origin(const struct elfobj *o, const char *dir, char *out, size_t len)
{
	char odir[4096];
	const char *p;
	size_t n = 0;

	snprintf(odir, sizeof(odir), "%s", o->path);
	snprintf(odir, sizeof(odir), "%s", dirname(odir));
	out[0] = 0;
	for (p = dir; *p && n + 1 < len;) {
		if (!strncmp(p, "$ORIGIN", 7) || !strncmp(p, "${ORIGIN}", 9)) {
			n += snprintf(out + n, len - n, "%s", odir);
			p += p[1] == '{' ? 9 : 7;
		} else {
			out[n++] = *p++;
			out[n] = 0;
		}
		if (n >= len)
			n = len - 1;
	}
}

/* Try @name in each directory of the colon-separated @dirs. */
static int search(struct gate *g, const struct elfobj *o, const char *dirs, const char *name,
		  char **resolved)
{
	char buf[4096], dir[4096], path[8192], err[512];
	char *save = NULL, *d;

	snprintf(buf, sizeof(buf), "%s", dirs);
	for (d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		int fd;

		expand_origin(o, d, dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = rootfs_open(g, path, "/", resolved, err, sizeof(err));
		if (fd >= 0)
			return fd;
		if (fd == -EXDEV || fd == -ENOMEM)
			return gate_bad(g, "%s: DT_NEEDED %s: %s", o->path, name, err), fd;
	}
	return -ENOENT;
}

static int load_needed(struct gate *g)
{
	for (int i = 0; i < g->nr_objs && !g->v->error; i++) {
		struct elfobj *o = g->objs[i];
		char err[512], std[512] = "";

		if (o->interp) {
			char *res = NULL;
			int fd = rootfs_open(g, o->interp, "/", &res, err, sizeof(err));

			if (fd == -EXDEV || fd == -ENOMEM)
				return gate_bad(g, "%s: PT_INTERP: %s", o->path, err);
			if (fd < 0)
				gate_reason(g, "interpreter-not-found", o->path, false, 0, -1,
					    "%s: its interpreter %s is not in the rootfs (%s)", o->path,
					    o->interp, err);
			else if (add_object(g, fd, res, "interpreter"))
				return free(res), -1;
			free(res);
		}
		for (size_t k = 0; k < ARRAY_LEN(std_dirs); k++)
			snprintf(std + strlen(std), sizeof(std) - strlen(std), "%s%s", k ? ":" : "",
				 std_dirs[k]);
		for (int n = 0; n < o->nr_needed; n++) {
			const char *name = o->needed[n];
			char *res = NULL;
			int fd = -ENOENT;

			if (strchr(name, '/')) {
				fd = rootfs_open(g, name, "/", &res, err, sizeof(err));
				if (fd == -EXDEV)
					return gate_bad(g, "%s: DT_NEEDED %s", o->path, err);
			} else {
				if (o->rpath && !o->runpath)
					fd = search(g, o, o->rpath, name, &res);
				if (fd == -ENOENT && o->runpath)
					fd = search(g, o, o->runpath, name, &res);
				if (fd == -ENOENT)
					fd = search(g, o, std, name, &res);
			}
			if (g->v->error)
				return -1;
			if (fd < 0) {
				gate_reason(g, "library-not-found", o->path, false, 0, -1,
					    "%s: needs %s, which is not in the rootfs (%s%s%s%s%s)", o->path,
					    name, o->rpath && !o->runpath ? o->rpath : "",
					    o->rpath && !o->runpath ? ":" : "", o->runpath ? o->runpath : "",
					    o->runpath ? ":" : "", std);
				continue;
			}
			if (add_object(g, fd, res, "library"))
				return free(res), -1;
			free(res);
		}
	}
	return g->v->error ? -1 : 0;
}

/* process.args[0]: a path, or a name looked up in PATH (process.env). */
static int open_executable(struct gate *g)
{
	const struct lnch_config *c = &g->v->config;
	const char *a0 = c->args[0], *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char err[512], buf[4096], *save = NULL, *d;
	int fd;

	if (strchr(a0, '/')) {
		fd = rootfs_open(g, a0, c->cwd, &g->v->executable, err, sizeof(err));
		if (fd < 0)
			return gate_bad(g, "config.json: process.args[0]: %s", err);
		return fd;
	}
	for (int i = 0; i < c->nr_env; i++)
		if (!strncmp(c->env[i], "PATH=", 5))
			path = c->env[i] + 5;
	snprintf(buf, sizeof(buf), "%s", path);
	for (d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char p[8192];

		snprintf(p, sizeof(p), "%s/%s", d, a0);
		fd = rootfs_open(g, p, c->cwd, &g->v->executable, err, sizeof(err));
		if (fd >= 0)
			return fd;
		if (fd == -EXDEV || fd == -ENOMEM)
			return gate_bad(g, "config.json: process.args[0]: %s", err);
	}
	return gate_bad(g, "config.json: process.args[0]: \"%s\" is not in the rootfs's PATH (%s)",
			a0, path);
}

static int run(struct gate *g, const char *bundle)
{
	int fd;

	if (config_read(g, bundle) || open_rootfs(g, bundle) || rootfs_scan(g))
		return -1;
	fd = open_executable(g);
	if (fd < 0)
		return -1;
	if (add_object(g, fd, g->v->executable, "executable") || load_needed(g))
		return -1;
	if (g->has_profile && g->has_tier)
		tier_check_profile(g);
	for (int i = 0; i < g->nr_objs; i++)
		g->objs[i]->stats = &g->v->objects[i];
	return disasm_all(g);
}

int gate_open(struct gate *g, const char *bundle, const char *profile_dir)
{
	memset(g, 0, sizeof(*g));
	g->rootfd = -1;
	g->v = calloc(1, sizeof(*g->v));
	if (!g->v)
		return -ENOMEM;
	g->v->bundle = strdup(bundle);
	g->profile_dir = profile_dir ? profile_dir : LNCH_PROFILE_DIR;
	if (!g->v->bundle)
		g->oom = true;
	else
		run(g, bundle);
	if (g->oom) {
		gate_close(g);
		return -ENOMEM;
	}
	return 0;
}

void gate_close(struct gate *g)
{
	lnch_verdict_free(g->v);
	g->v = NULL;
	for (int i = 0; i < g->nr_objs; i++)
		elf_free(g->objs[i]);
	free(g->objs);
	g->objs = NULL;
	g->nr_objs = 0;
	if (g->rootfd >= 0)
		close(g->rootfd);
	g->rootfd = -1;
	free(g->rootfs);
	g->rootfs = NULL;
	json_object_put(g->config);
	g->config = NULL;
	swl_policy_free(&g->profile);
	swl_policy_free(&g->tier);
}

int lnch_gate_check_opts(const char *bundle, const struct lnch_gate_opts *opts,
			 struct lnch_verdict **verdict)
{
	const char *dir = NULL;
	struct gate g;
	int ret;

	*verdict = NULL;
	if (opts && opts->sz > offsetof(struct lnch_gate_opts, profile_dir))
		dir = opts->profile_dir;
	ret = gate_open(&g, bundle, dir);
	if (ret)
		return ret;
	*verdict = g.v;
	g.v = NULL;	/* the caller's now */
	gate_close(&g);
	return 0;
}

int lnch_gate_check(const char *bundle, struct lnch_verdict **verdict)
{
	return lnch_gate_check_opts(bundle, NULL, verdict);
}

static void free_strv(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void lnch_verdict_free(struct lnch_verdict *v)
{
	if (!v)
		return;
	free(v->error);
	free(v->bundle);
	free(v->executable);
	free(v->config.tier);
	free_strv(v->config.args, v->config.nr_args);
	free_strv(v->config.env, v->config.nr_env);
	free(v->config.cwd);
	for (int i = 0; v->config.egress && i < v->config.nr_egress; i++) {
		free(v->config.egress[i].cidr);
		free(v->config.egress[i].ports);
	}
	free(v->config.egress);
	for (int i = 0; i < v->nr_reasons; i++) {
		free(v->reasons[i].file);
		free(v->reasons[i].message);
	}
	free(v->reasons);
	for (int i = 0; i < v->nr_objects; i++)
		free(v->objects[i].path);
	free(v->objects);
	free(v);
}

static const char *status_name(enum lnch_status s)
{
	return s == LNCH_VERIFIED ? "verified" : s == LNCH_UNVERIFIABLE ? "unverifiable" : "bad-input";
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, v < 0 ? NULL : json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

char *lnch_verdict_json(const struct lnch_verdict *v)
{
	struct json_object *root = json_object_new_object(), *cfg, *a, *res;
	char *out;

	if (!root)
		return NULL;
	add_str(root, "bundle", v->bundle);
	add_str(root, "verdict", status_name(v->status));
	if (v->status == LNCH_BAD_INPUT)
		add_str(root, "error", v->error);
	add_str(root, "executable", v->executable);
	cfg = json_object_new_object();
	json_object_object_add(root, "config", cfg);
	add_str(cfg, "tier", v->config.tier);
	a = json_object_new_array();
	json_object_object_add(cfg, "args", a);
	for (int i = 0; i < v->config.nr_args; i++)
		json_object_array_add(a, json_object_new_string(v->config.args[i]));
	if (v->config.args) {
		add_int(cfg, "uid", v->config.uid);
		add_int(cfg, "gid", v->config.gid);
	}
	res = json_object_new_object();
	json_object_object_add(cfg, "resources", res);
	add_int(res, "memory_limit", v->config.memory_limit);
	add_int(res, "pids_limit", v->config.pids_limit);
	add_int(res, "cpu_quota", v->config.cpu_quota);
	add_int(res, "cpu_period", v->config.cpu_period);
	add_int(res, "cpu_shares", v->config.cpu_shares);
	add_int(cfg, "profile_allows", v->config.nr_allowed);
	a = json_object_new_array();
	json_object_object_add(cfg, "egress", a);
	for (int i = 0; i < v->config.nr_egress; i++) {
		const struct lnch_egress *e = &v->config.egress[i];
		struct json_object *r = json_object_new_object(), *p;

		add_str(r, "cidr", e->cidr);
		p = e->nr_ports ? json_object_new_array() : NULL;
		for (int k = 0; k < e->nr_ports; k++) {
			char s[16];

			snprintf(s, sizeof(s), e->ports[k].lo == e->ports[k].hi ? "%u" : "%u-%u",
				 e->ports[k].lo, e->ports[k].hi);
			json_object_array_add(p, json_object_new_string(s));
		}
		json_object_object_add(r, "ports", p);
		json_object_array_add(a, r);
	}
	a = json_object_new_array();
	json_object_object_add(root, "objects", a);
	for (int i = 0; i < v->nr_objects; i++) {
		const struct lnch_object *ob = &v->objects[i];
		struct json_object *o = json_object_new_object();

		add_str(o, "path", ob->path);
		add_str(o, "role", ob->role);
		add_int(o, "sites", ob->sites);
		add_int(o, "constant", ob->constant);
		add_int(o, "in_wrappers", ob->wrapper);
		add_int(o, "unresolved", ob->unresolved);
		add_int(o, "wrapper_calls", ob->wrapper_calls);
		json_object_array_add(a, o);
	}
	a = json_object_new_array();
	json_object_object_add(root, "reasons", a);
	for (int i = 0; i < v->nr_reasons; i++) {
		const struct lnch_reason *r = &v->reasons[i];
		struct json_object *o = json_object_new_object();
		char addr[24];

		add_str(o, "rule", r->rule);
		add_str(o, "file", r->file);
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)r->addr);
		add_str(o, "address", r->has_addr ? addr : NULL);
		add_int(o, "nr", r->nr);
		add_str(o, "syscall", r->syscall);
		add_int(o, "sites", r->count);
		add_str(o, "message", r->message);
		json_object_array_add(a, o);
	}
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return out;
}

void lnch_verdict_print(const struct lnch_verdict *v, FILE *f)
{
	if (v->status == LNCH_BAD_INPUT) {
		fprintf(f, "%s: bad input: %s\n", v->bundle, v->error);
		return;
	}
	fprintf(f, "%s: %s", v->bundle, status_name(v->status));
	if (v->nr_reasons)
		fprintf(f, " (%d reason%s)", v->nr_reasons, v->nr_reasons == 1 ? "" : "s");
	fprintf(f, "\n");
	for (int i = 0; i < v->nr_reasons; i++) {
		const struct lnch_reason *r = &v->reasons[i];

		fprintf(f, "  %s: %s", r->rule, r->message);
		if (r->count > 1)
			fprintf(f, " (%u sites; the first shown)", r->count);
		fprintf(f, "\n");
	}
	for (int i = 0; i < v->nr_objects; i++) {
		const struct lnch_object *o = &v->objects[i];

		fprintf(f, "  object %s (%s): %u syscall sites: %u constant, %u in wrappers, %u unresolved; %u wrapper calls with a constant\n",
			o->path, o->role, o->sites, o->constant, o->wrapper, o->unresolved,
			o->wrapper_calls);
	}
}
