// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lnch_run(): one instance of a function, in the mode its verdict allows.
 *
 * Process mode (sandbox.c) runs it in a cgroup of its own,
 *	<cgroup_root>/fn-<name>/i-<pid>-<n>,
 * made with libcgbatch (CGROUP_IOC_CREATE where the kernel has it, with
 * the config's memory.max, pids.max, cpu.max and cpu.weight seeded at
 * creation; mkdir(2) and writes otherwise) and destroyed the same way
 * once the instance has exited.  The memory, pids and cpu controllers are
 * enabled on the way down to fn-<name>.  Container mode runs `crun run`
 * on the bundle.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <pthread.h>
#include "cgbatch.h"
#include "egress.h"
#include "filter.h"
#include "internal.h"
#include "sandbox.h"

#define DEFAULT_HOST_ID		65534
#define TMP_OPTS		"size=64m,nr_inodes=4096,mode=1777"
/* where egress policies are pinned: r-ROOT/fn-NAME-PID-START-N, one per lnch_function_open() */
#define EGRESS_PIN_ROOT		"/sys/fs/bpf/fnlaunch"
#define ERR_LEN			1024
#define MAX_EXTRA_ARGS		256

/* A function prepared once (lnch_function_open()), run many times. */
struct lnch_function {
	struct gate g;
	struct lnch_run_opts o;
	char name[64];
	enum lnch_mode mode;		/* resolved: process or container */
	char *fallback;
	/* process mode */
	struct lnch_filter filter;
	char rootfs[PATH_MAX];
	char **argv, **envp;
	char fn_path[PATH_MAX];
	int fn_fd;			/* the function's cgroup */
	struct cgb_seed seeds[4];
	char seed_bufs[4][64];
	unsigned int nr_seeds, cgflags;
	const char *cgroup_mode;
	int landlock_abi, last_cap;
	uint64_t sig_ign;		/* the opener's ignored signals, reset in instances */
	unsigned int dev_mask;
	bool has_tmp;
	/* the function's tree and user namespace (sb_tree_prepare(),
	 * sb_userns()); -1 both: each instance copies the caller's mounts */
	int tree_fd, userns_fd;
	const char *mount_mode;		/* "tree" or "copy" */
	char mount_note[ERR_LEN];	/* "copy": why */
	char pin_dir[PATH_MAX];		/* the egress policy's links, or "" */
	pid_t opener;			/* the process that attached them */
	/* the warm pool (o.warm_pool > 0): instance cgroups made ahead, and
	 * used ones waiting to be removed in a batch; the opener's only */
	pthread_mutex_t pool_lock;
	struct pool_cg *ready, *used;
	unsigned int nr_ready, nr_used, nr_making;
	pid_t pool_owner;
	char err[ERR_LEN];
};

/* One instance cgroup of the warm pool, and the mount namespace made
 * with it from the function's tree (-1: none). */
struct pool_cg {
	int fd;
	int mntns;
	char name[64];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(struct lnch_function *x, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct lnch_function *x, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	return ret;
}

/* The same for an instance: its error goes to the caller's @err, so that
 * instances of one function may start from several threads at once. */
static int cfail(char *err, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cfail(char *err, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	return ret;
}

/* The function's name: opts->name, else the bundle directory's. */
static int make_name(struct lnch_function *x, const char *bundle)
{
	const char *n = x->o.name;
	char buf[PATH_MAX];
	size_t len;

	if (!n) {
		if (!realpath(bundle, buf))
			return fail(x, -errno, "%s: %s", bundle, strerror(errno));
		n = strrchr(buf, '/');
		n = n && n[1] ? n + 1 : "function";
	}
	len = strlen(n);
	if (!len || len >= sizeof(x->name) - 8)
		return fail(x, -EINVAL, "function name \"%s\": expected 1 to %zu characters",
			    n, sizeof(x->name) - 9);
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '-' || n[i] == '_' || n[i] == '.'))
			return fail(x, -EINVAL,
				    "function name \"%s\": only letters, digits, '-', '_' and '.' may be used%s",
				    n, x->o.name ? "" : " (name it with --name)");
	if (n[0] == '.')
		return fail(x, -EINVAL, "function name \"%s\" may not start with '.'", n);
	strcpy(x->name, n);
	return 0;
}

/* Limits the node cannot give are refused before anything is made. */
static int check_node(struct lnch_function *x)
{
	const struct lnch_config *c = &x->g.v->config;
	struct sysinfo si;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (sysinfo(&si))
		return fail(x, -errno, "sysinfo: %s", strerror(errno));
	if (c->memory_limit > 0 && (uint64_t)c->memory_limit > (uint64_t)si.totalram * si.mem_unit)
		return fail(x, -EINVAL,
			    "linux.resources.memory.limit: %lld bytes is more than the node's %llu",
			    (long long)c->memory_limit,
			    (unsigned long long)si.totalram * si.mem_unit);
	if (c->cpu_quota > 0 && c->cpu_period > 0 && cpus > 0 && c->cpu_quota > c->cpu_period * cpus)
		return fail(x, -EINVAL,
			    "linux.resources.cpu: quota %lld per period %lld is more than the node's %ld CPUs",
			    (long long)c->cpu_quota, (long long)c->cpu_period, cpus);
	return 0;
}

/* ---- cgroups ---- */

static int cgroup2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char dev[256], dir[PATH_MAX], type[64];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3)
		if (!strcmp(type, "cgroup2")) {
			snprintf(out, len, "%s", dir);
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

static int read_at(int dfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = 0;
	return 0;
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* Enable memory, pids and cpu, those @dfd has, for its children. */
static int enable_controllers(struct lnch_function *x, int dfd, const char *path)
{
	static const char *const want[] = { "memory", "pids", "cpu" };
	char have[512], on[512], add[64];
	int ret;

	ret = read_at(dfd, "cgroup.controllers", have, sizeof(have));
	if (!ret)
		ret = read_at(dfd, "cgroup.subtree_control", on, sizeof(on));
	if (ret)
		return fail(x, ret, "%s: reading its controllers: %s", path, strerror(-ret));
	for (unsigned int i = 0; i < ARRAY_LEN(want); i++) {
		if (!has_word(have, want[i]) || has_word(on, want[i]))
			continue;
		snprintf(add, sizeof(add), "+%s", want[i]);
		ret = sb_write_at(dfd, "cgroup.subtree_control", add);
		if (ret)
			return fail(x, ret, "%s: enabling the %s controller: %s", path, want[i],
				    strerror(-ret));
	}
	return 0;
}

/* mkdir (if missing) and open @path, with the controllers enabled below it. */
static int open_level(struct lnch_function *x, const char *path)
{
	int fd;

	if (mkdir(path, 0755) && errno != EEXIST)
		return fail(x, -errno, "mkdir %s: %s", path, strerror(errno));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(x, -errno, "%s: %s", path, strerror(errno));
	if (enable_controllers(x, fd, path)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* The function's cgroup, fn-<name> under the launcher's root. */
/*
 * Enable the controllers in each existing cgroup from the mount @mnt down
 * to @root's parent, as mkdir -p would create them: @root's children can
 * only have what every ancestor enables.
 */
static int enable_down_to(struct lnch_function *x, const char *mnt, const char *root)
{
	size_t ml = strlen(mnt);
	char dir[PATH_MAX];
	int fd, ret;

	if (strncmp(root, mnt, ml) || (root[ml] != '/' && root[ml]))
		return fail(x, -EINVAL, "cgroup root %s is not under the cgroup2 mount %s", root, mnt);
	for (size_t i = ml; root[i]; i++) {
		if (root[i] != '/' && i != ml)
			continue;
		/* dir = the ancestor ending before root[i] (the mount itself first) */
		memcpy(dir, root, i ? i : 1);
		dir[i ? i : 1] = 0;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return fail(x, -errno, "%s: %s", dir, strerror(errno));
		ret = enable_controllers(x, fd, dir);
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}

/* The function's cgroup, fn-<name> under the launcher's root. */
static int function_cgroup(struct lnch_function *x, char *path, size_t len)
{
	char mnt[PATH_MAX], root[PATH_MAX];
	int fd, ret;

	ret = cgroup2_mount(mnt, sizeof(mnt));
	if (ret)
		return fail(x, ret, "no cgroup2 file system is mounted: %s", strerror(-ret));
	if (x->o.cgroup_root) {
		if (strlen(x->o.cgroup_root) >= sizeof(root) - 80 || x->o.cgroup_root[0] != '/')
			return fail(x, -EINVAL, "cgroup root %s: expected an absolute path below %s",
				    x->o.cgroup_root, mnt);
		strcpy(root, x->o.cgroup_root);
		while (strlen(root) > 1 && root[strlen(root) - 1] == '/')
			root[strlen(root) - 1] = 0;
	} else {
		if (strlen(mnt) >= sizeof(root) - 80)
			return fail(x, -ENAMETOOLONG, "cgroup2 mount %s: name too long", mnt);
		strcpy(root, mnt);
		strcat(root, "/fnlaunch");
	}
	ret = enable_down_to(x, mnt, root);
	if (ret)
		return ret;
	fd = open_level(x, root);
	if (fd < 0)
		return fd;
	close(fd);
	if (strlen(root) + strlen(x->name) + 5 > len)
		return fail(x, -ENAMETOOLONG, "%s: name too long", root);
	strcpy(path, root);
	strcat(path, "/fn-");
	strcat(path, x->name);
	return open_level(x, path);
}

static char **strv(char **v, int n)
{
	char **out = calloc(n + 1, sizeof(*out));

	if (out)
		memcpy(out, v, n * sizeof(*out));
	return out;
}

static void cgroup_seeds(struct lnch_function *x)
{
	const struct lnch_config *c = &x->g.v->config;
	struct cgb_seed *s = x->seeds;
	unsigned int *n = &x->nr_seeds;

	*n = 0;
	if (c->memory_limit > 0) {
		snprintf(x->seed_bufs[0], 64, "%lld", (long long)c->memory_limit);
		s[(*n)++] = (struct cgb_seed){ "memory.max", x->seed_bufs[0] };
	}
	if (c->pids_limit > 0) {
		snprintf(x->seed_bufs[1], 64, "%lld", (long long)c->pids_limit);
		s[(*n)++] = (struct cgb_seed){ "pids.max", x->seed_bufs[1] };
	}
	if (c->cpu_quota > 0) {
		snprintf(x->seed_bufs[2], 64, "%lld %lld", (long long)c->cpu_quota,
			 (long long)(c->cpu_period > 0 ? c->cpu_period : 100000));
		s[(*n)++] = (struct cgb_seed){ "cpu.max", x->seed_bufs[2] };
	}
	if (c->cpu_shares > 0) {
		/* runc's and crun's conversion of cgroup v1 shares to cpu.weight */
		long long sh = c->cpu_shares < 2 ? 2 : c->cpu_shares > 262144 ? 262144 : c->cpu_shares;

		snprintf(x->seed_bufs[3], 64, "%lld", 1 + ((sh - 2) * 9999) / 262142);
		s[(*n)++] = (struct cgb_seed){ "cpu.weight", x->seed_bufs[3] };
	}
}

static void dev_files(struct lnch_function *x)
{
	static const char *const names[] = { "dev/null", "dev/zero", "dev/full", "dev/random",
					     "dev/urandom" };
	struct stat st;

	for (unsigned int i = 0; i < ARRAY_LEN(names); i++)
		if (!fstatat(x->g.rootfd, names[i], &st, AT_SYMLINK_NOFOLLOW) &&
		    (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
			x->dev_mask |= 1u << i;
	x->has_tmp = !fstatat(x->g.rootfd, "tmp", &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

/* A process's start time (clock ticks after boot, /proc/PID/stat), 0 if unknown. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_at(AT_FDCWD, path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');		/* comm may hold spaces */
	for (i = 0; p && i < 20; i++)	/* to field 22, starttime */
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

/*
 * The egress policies of functions under one cgroup root are pinned in
 * EGRESS_PIN_ROOT/r-INODE (the root's inode number), so that lnch_gc() of
 * that root sees them and no other root's.
 */
static int pin_root(int root_fd, char *buf, size_t len)
{
	struct stat st;

	if (fstat(root_fd, &st))
		return -errno;
	snprintf(buf, len, EGRESS_PIN_ROOT "/r-%llu", (unsigned long long)st.st_ino);
	return 0;
}

/* Whether the net.ipv4.ping_group_range of this network namespace holds @gid. */
static bool ping_allowed(unsigned int gid)
{
	char buf[64];
	unsigned long lo, hi;

	if (read_at(AT_FDCWD, "/proc/sys/net/ipv4/ping_group_range", buf, sizeof(buf)) ||
	    sscanf(buf, "%lu %lu", &lo, &hi) != 2)
		return true;	/* unknown: assume the worst */
	return lo <= gid && gid <= hi;
}

/*
 * A function on the host's network (no network namespace) with an egress
 * annotation: its policy (bpf-progs/egress) on the function's cgroup,
 * which every instance's cgroup is below, before any instance runs.  The
 * links are pinned as r-ROOT/fn-NAME-PID-START-N (pin_root(); this
 * process's PID and start time, so that a reused PID is told apart), so
 * that lnch_gc() finds and detaches those of a launcher that is gone.
 * What the hooks do not see is refused here: ICMP echo through ping
 * sockets, and abstract Unix sockets to the host's daemons (Landlock
 * scopes them from ABI 6).
 */
static int attach_egress(struct lnch_function *x)
{
	const struct lnch_config *c = &x->g.v->config;
	unsigned int gid = x->o.host_gid ? x->o.host_gid : DEFAULT_HOST_ID;
	static unsigned int opened;
	struct egr_rule *rules;
	unsigned int n;
	char err[512], dir[PATH_MAX - 128];
	int ret, root_fd;

	if (!c->egress || x->g.netns)
		return 0;
	if (x->landlock_abi < 6)
		return fail(x, -EOPNOTSUPP,
			    "egress policy: the kernel's Landlock ABI is %d, and an instance on the host's network needs ABI 6 to keep it from the host's abstract Unix sockets; give the bundle a network namespace",
			    x->landlock_abi);
	if (ping_allowed(gid))
		return fail(x, -EPERM,
			    "egress policy: gid %u may open ping sockets (net.ipv4.ping_group_range), whose ICMP echo the policy does not see; narrow the range or give the bundle a network namespace",
			    gid);
	root_fd = openat(x->fn_fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return fail(x, -errno, "egress policy: the cgroup root: %s", strerror(errno));
	ret = pin_root(root_fd, dir, sizeof(dir));
	close(root_fd);
	if (ret)
		return fail(x, ret, "egress policy: the cgroup root: %s", strerror(-ret));
	if (config_egress_rules(c, &rules, &n))
		return fail(x, -ENOMEM, "out of memory");
	if ((mkdir(EGRESS_PIN_ROOT, 0700) && errno != EEXIST) || (mkdir(dir, 0700) && errno != EEXIST)) {
		ret = -errno;
		free(rules);
		return fail(x, ret, "egress policy: %s: %s (is a BPF file system mounted on /sys/fs/bpf?)",
			    dir, strerror(-ret));
	}
	x->opener = getpid();
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s/fn-%s-%d-%llu-%u", dir, x->name, (int)x->opener,
		 start_time(x->opener), __atomic_fetch_add(&opened, 1, __ATOMIC_RELAXED));
	ret = egr_attach(x->fn_fd, rules, n, x->pin_dir, err, sizeof(err));
	free(rules);
	if (ret) {
		x->pin_dir[0] = 0;
		return fail(x, ret, "egress policy: %s", err);
	}
	return 0;
}

/* The highest capability the kernel knows, for dropping the bounding set. */
static int last_cap(void)
{
	char buf[16];
	int v;

	if (read_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)))
		return 63;
	v = atoi(buf);
	return v > 0 && v < 64 ? v : 63;
}

/*
 * The function's tree and user namespace, where the kernel can make an
 * instance's mount namespace from the tree; else each instance copies the
 * caller's mounts (mount_note says why).
 */
static void prepare_tree(struct lnch_function *x)
{
	const struct lnch_config *c = &x->g.v->config;
	char why[ERR_LEN];
	int ns;

	x->mount_mode = "copy";
	if (x->o.flags & LNCH_RUN_CLASSIC_MOUNTS) {
		snprintf(x->mount_note, sizeof(x->mount_note), "LNCH_RUN_CLASSIC_MOUNTS");
		return;
	}
	if (sb_tree_probe(why, sizeof(why)))
		goto copy;
	/*
	 * Instances of a function share its user namespace, and so the user
	 * and persistent keyrings, which are per user namespace: not for a
	 * profile that lets them at keys (no tier does).
	 */
	if (!x->g.has_profile || profile_allows(&x->g, SYS_keyctl) ||
	    profile_allows(&x->g, SYS_add_key) || profile_allows(&x->g, SYS_request_key)) {
		snprintf(why, sizeof(why),
			 "the profile allows keyctl(2), add_key(2) or request_key(2): instances would share the function's user namespace and its keyrings");
		goto copy;
	}
	x->tree_fd = sb_tree_prepare(x->g.rootfd, x->rootfs, x->dev_mask, why, sizeof(why));
	if (x->tree_fd < 0)
		goto copy;
	ns = sb_tree_ns(x->tree_fd);
	if (ns < 0) {
		snprintf(why, sizeof(why), "open_tree(OPEN_TREE_NAMESPACE) of the function's tree: %s",
			 strerror(-ns));
		goto copy;
	}
	close(ns);
	x->userns_fd = sb_userns(c->uid, c->gid, x->o.host_uid ? x->o.host_uid : DEFAULT_HOST_ID,
				 x->o.host_gid ? x->o.host_gid : DEFAULT_HOST_ID, why, sizeof(why));
	if (x->userns_fd < 0)
		goto copy;
	x->mount_mode = "tree";
	return;
copy:
	snprintf(x->mount_note, sizeof(x->mount_note), "%s", why);
	if (x->tree_fd >= 0)
		close(x->tree_fd);
	x->tree_fd = x->userns_fd = -1;
}

/* Everything process mode needs before its first instance. */
static int prepare_process(struct lnch_function *x)
{
	const struct lnch_config *c = &x->g.v->config;
	int ret;

	x->landlock_abi = sb_landlock_abi();
	x->last_cap = last_cap();
	x->sig_ign = sb_ignored_signals();
	if (!x->landlock_abi)
		return fail(x, -EOPNOTSUPP,
			    "the kernel has no Landlock (CONFIG_SECURITY_LANDLOCK, \"landlock\" in lsm=): process mode does not run without it");
	if (!realpath(x->g.rootfs, x->rootfs))
		return fail(x, -errno, "%s: %s", x->g.rootfs, strerror(errno));
	x->argv = strv(c->args, c->nr_args);
	x->envp = strv(c->env, c->nr_env);
	if (!x->argv || !x->envp)
		return fail(x, -ENOMEM, "out of memory");
	ret = lnch_filter_prepare(&x->g.profile, x->o.flags & LNCH_RUN_CLASSIC_FILTER, &x->filter,
				  x->err, sizeof(x->err));
	if (ret)
		return ret;
	x->fn_fd = function_cgroup(x, x->fn_path, sizeof(x->fn_path));
	if (x->fn_fd < 0)
		return x->fn_fd;
	if (x->o.flags & LNCH_RUN_CLASSIC_CGROUP)
		x->cgflags |= CGB_CLASSIC;
	x->cgroup_mode = (x->cgflags & CGB_CLASSIC) || !cgb_kernel_has_batch(x->fn_fd) ?
			 "classic" : "batch";
	cgroup_seeds(x);
	dev_files(x);
	prepare_tree(x);
	if (x->o.warm_pool) {
		x->ready = calloc(x->o.warm_pool, sizeof(*x->ready));
		x->used = calloc(2 * x->o.warm_pool, sizeof(*x->used));
		if (!x->ready || !x->used)
			return fail(x, -ENOMEM, "out of memory");
		pthread_mutex_init(&x->pool_lock, NULL);
		x->pool_owner = getpid();
	}
	return attach_egress(x);
}

/* ---- process mode ---- */

/*
 * Kill what is left in the cgroup and wait, for a second at most, until it
 * is empty: a reaped task leaves it at its last context switch, which may
 * come after its parent's wait.  kernfs wakes a poller of cgroup.events
 * (POLLPRI) when "populated" changes; it is read again every 10 ms anyway.
 */
static void empty_cgroup(int cg_fd)
{
	uint64_t end = now_ns() + 1000000000ull;
	char ev[512];
	ssize_t n;
	int fd;

	sb_write_at(cg_fd, "cgroup.kill", "1");
	fd = openat(cg_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = pread(fd, ev, sizeof(ev) - 1, 0)) > 0) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		uint64_t now = now_ns();

		ev[n] = 0;
		if (strstr(ev, "populated 0") || now >= end)
			break;
		/* 10 ms at most: a notification may be deferred or missed */
		poll(&p, 1, 10);
	}
	close(fd);
}

static bool saw_oom_kill(int cg_fd)
{
	char ev[1024], *p;

	if (read_at(cg_fd, "memory.events", ev, sizeof(ev)))
		return false;
	p = strstr(ev, "oom_kill ");
	return p && strtoull(p + 9, NULL, 10) > 0;
}

/*
 * The N of the names i-PID-START-N and fnlaunch-NAME-PID-START-N: one counter for the
 * process, not per function, so that a function opened again under the
 * same name (its fn-NAME cgroup kept) does not reuse an instance's name.
 */
static unsigned int next_seq(void)
{
	static unsigned int seq;

	return __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
}

/*
 * This process's PID and start time, for the names of what it makes
 * (i-PID-START-N, fnlaunch-NAME-PID-START-N): lnch_gc() tells a launcher
 * that is gone from a later process that got its PID (a daemon restarted
 * as PID 1 of its container, say).  Computed again in a fork.
 */
static void owner_id(pid_t *pid, unsigned long long *start)
{
	static pid_t cached;
	static unsigned long long t;
	pid_t me = getpid();

	if (__atomic_load_n(&cached, __ATOMIC_ACQUIRE) != me) {
		__atomic_store_n(&t, start_time(me), __ATOMIC_RELAXED);
		__atomic_store_n(&cached, me, __ATOMIC_RELEASE);
	}
	*pid = me;
	*start = __atomic_load_n(&t, __ATOMIC_RELAXED);
}

/* i-PID-START-N: an instance cgroup's name */
static void instance_name(char *buf, size_t len)
{
	unsigned long long start;
	pid_t pid;

	owner_id(&pid, &start);
	snprintf(buf, len, "i-%d-%llu-%u", (int)pid, start, next_seq());
}

/* ---- the warm pool ---- */

static bool pool_on(const struct lnch_function *x)
{
	return x->ready && getpid() == x->pool_owner;
}

/* A cgroup made ahead: 0 with *@fd, *@mntns and @name set, or -ENOENT. */
static int pool_take(struct lnch_function *x, int *fd, int *mntns, char *name, size_t len)
{
	int ret = -ENOENT;

	if (!pool_on(x))
		return ret;
	pthread_mutex_lock(&x->pool_lock);
	if (x->nr_ready) {
		struct pool_cg *c = &x->ready[--x->nr_ready];

		*fd = c->fd;
		*mntns = c->mntns;
		snprintf(name, len, "%s", c->name);
		ret = 0;
	}
	pthread_mutex_unlock(&x->pool_lock);
	return ret;
}

/*
 * Remove the @n empty cgroups @v in one batch, closing them and their
 * mount namespaces; where the batch fails, one by one, so that one busy
 * cgroup does not keep the others.  Returns 0 or the first error.
 */
static int pool_destroy(struct lnch_function *x, struct pool_cg *v, unsigned int n)
{
	const char **names;
	int *fds, ret = 0, idx;

	if (!n)
		return 0;
	names = calloc(n, sizeof(*names));
	fds = calloc(n, sizeof(*fds));
	if (!names || !fds) {
		ret = -ENOMEM;
	} else {
		for (unsigned int i = 0; i < n; i++) {
			names[i] = v[i].name;
			fds[i] = v[i].fd;
		}
		ret = cgb_destroy(x->fn_fd, fds, names, n, x->cgflags, &idx);
	}
	if (ret && n > 1) {
		ret = 0;
		for (unsigned int i = 0; i < n; i++) {
			const char *one[1] = { v[i].name };
			int d = cgb_destroy(x->fn_fd, &v[i].fd, one, 1, x->cgflags, &idx);

			if (d && !ret)
				ret = d;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		close(v[i].fd);
		if (v[i].mntns >= 0)
			close(v[i].mntns);
	}
	free(names);
	free(fds);
	return ret;
}

/*
 * An instance's cgroup, empty, and its mount namespace (-1: none): kept
 * to be removed in a batch with others (lnch_function_refill(), or here
 * once 2 x warm_pool have gathered), or removed at once without a pool.
 * The namespace's teardown waits for an RCU grace period: off the
 * invocation's path with a pool.
 */
static int pool_put_used(struct lnch_function *x, int fd, int mntns, const char *name)
{
	struct pool_cg one, *batch;
	unsigned int n;
	int ret;

	snprintf(one.name, sizeof(one.name), "%s", name);
	one.fd = fd;
	one.mntns = mntns;
	if (!pool_on(x))
		return pool_destroy(x, &one, 1);
	pthread_mutex_lock(&x->pool_lock);
	if (x->nr_used < 2 * x->o.warm_pool) {
		x->used[x->nr_used++] = one;
		pthread_mutex_unlock(&x->pool_lock);
		return 0;
	}
	n = x->nr_used;
	batch = malloc((n + 1) * sizeof(*batch));
	if (batch) {
		memcpy(batch, x->used, n * sizeof(*batch));
		x->nr_used = 0;
	}
	pthread_mutex_unlock(&x->pool_lock);
	if (!batch)
		return pool_destroy(x, &one, 1);
	batch[n] = one;
	ret = pool_destroy(x, batch, n + 1);
	free(batch);
	return ret;
}

int lnch_function_refill(struct lnch_function *x, unsigned int *made, unsigned int *removed)
{
	struct pool_cg *batch = NULL;
	struct cgb_error cerr = { -1, -1 };
	unsigned int n, want = 0;
	const char **names = NULL;
	int *fds = NULL, ret = 0, d = 0;

	if (made)
		*made = 0;
	if (removed)
		*removed = 0;
	if (!x->ready)
		return 0;
	if (getpid() != x->pool_owner)
		return -EPERM;
	pthread_mutex_lock(&x->pool_lock);
	n = x->nr_used;
	if (n) {
		batch = malloc(n * sizeof(*batch));
		if (batch) {
			memcpy(batch, x->used, n * sizeof(*batch));
			x->nr_used = 0;
		} else {
			n = 0;
		}
	}
	if (x->nr_ready + x->nr_making < x->o.warm_pool)
		want = x->o.warm_pool - x->nr_ready - x->nr_making;
	x->nr_making += want;
	pthread_mutex_unlock(&x->pool_lock);

	if (n) {
		d = pool_destroy(x, batch, n);
		if (removed)
			*removed = n;
		free(batch);
	}
	if (!want)
		return d;
	batch = calloc(want, sizeof(*batch));
	names = calloc(want, sizeof(*names));
	fds = calloc(want, sizeof(*fds));
	if (!batch || !names || !fds) {
		ret = -ENOMEM;
	} else {
		for (unsigned int i = 0; i < want; i++) {
			instance_name(batch[i].name, sizeof(batch[i].name));
			names[i] = batch[i].name;
		}
		ret = cgb_create(x->fn_fd, names, want, x->seeds, x->nr_seeds, 0, x->cgflags, fds,
				 &cerr);
	}
	/* each with its instance's mount namespace; one that fails is made
	 * again by the instance, which reports why */
	for (unsigned int i = 0; !ret && i < want; i++) {
		int ns = x->tree_fd >= 0 ? sb_tree_ns(x->tree_fd) : -1;

		batch[i].mntns = ns < 0 ? -1 : ns;
	}
	pthread_mutex_lock(&x->pool_lock);
	x->nr_making -= want;
	for (unsigned int i = 0; !ret && i < want; i++) {
		batch[i].fd = fds[i];
		x->ready[x->nr_ready++] = batch[i];
	}
	pthread_mutex_unlock(&x->pool_lock);
	if (!ret && made)
		*made = want;
	free(batch);
	free(names);
	free(fds);
	return ret ? ret : d;
}

void lnch_function_pool(const struct lnch_function *x, unsigned int *ready, unsigned int *used)
{
	struct lnch_function *m = (struct lnch_function *)x;

	*ready = *used = 0;
	if (!x->ready)
		return;
	pthread_mutex_lock(&m->pool_lock);
	*ready = x->nr_ready;
	*used = x->nr_used;
	pthread_mutex_unlock(&m->pool_lock);
}

static int run_process(struct lnch_function *x, const struct lnch_invoke_opts *io,
		       struct lnch_result *r, uint64_t t0, char *err)
{
	const struct lnch_config *c = &x->g.v->config;
	char iname[64];
	const char *names[1] = { iname };
	struct sb_instance in = { 0 };
	struct cgb_error cerr = { -1, -1 };
	struct sb_process p = { .pidfd = -1 };
	char **argv = NULL;
	int cg_fd = -1, kill_fd = -1, mntns_fd = -1, ret, d;
	bool timed_out;
	siginfo_t si;

	r->mode = LNCH_MODE_PROCESS;
	r->mount_mode = x->mount_mode;
	if (x->mount_note[0]) {
		r->mount_note = strdup(x->mount_note);
		if (!r->mount_note)
			return cfail(err, -ENOMEM, "out of memory");
	}
	r->cgroup_mode = x->cgroup_mode;
	r->filter_mode = x->filter.mode;
	r->landlock_abi = x->landlock_abi;
	if (x->filter.why_classic[0]) {
		r->filter_note = strdup(x->filter.why_classic);
		if (!r->filter_note)
			return cfail(err, -ENOMEM, "out of memory");
	}
	if (x->pin_dir[0]) {
		char link[PATH_MAX + 16];

		/* closed by the opener, or taken by lnch_gc(): start nothing without it */
		snprintf(link, sizeof(link), "%s/connect4", x->pin_dir);
		if (access(link, F_OK))
			return cfail(err, -ENOLINK,
				    "egress policy: %s is gone (lnch_function_close() in the process that opened the function, or lnch_gc()); no instance starts without it",
				    x->pin_dir);
	}
	if (io->args) {
		/* process.args, then the invocation's: built before clone3() */
		int n = 0, m = 0;

		while (x->argv[n])
			n++;
		while (io->args[m])
			m++;
		argv = calloc(n + m + 1, sizeof(*argv));
		if (!argv)
			return cfail(err, -ENOMEM, "out of memory");
		memcpy(argv, x->argv, n * sizeof(*argv));
		memcpy(argv + n, io->args, m * sizeof(*argv));
	}
	if (!pool_take(x, &cg_fd, &mntns_fd, iname, sizeof(iname))) {
		ret = 0;
	} else {
		instance_name(iname, sizeof(iname));
		ret = cgb_create(x->fn_fd, names, 1, x->seeds, x->nr_seeds, 0, x->cgflags, &cg_fd,
				 &cerr);
	}
	if (ret) {
		if (cerr.seed >= 0) {
			free(argv);
			return cfail(err, ret, "%s/%s: %s \"%s\": %s%s", x->fn_path, iname,
				    x->seeds[cerr.seed].name, x->seeds[cerr.seed].value, strerror(-ret),
				    ret == -ENOENT ? " (is its controller enabled in the cgroup above?)" : "");
		}
		ret = cfail(err, ret, "%s/%s: creating the instance's cgroup: %s", x->fn_path, iname,
			    strerror(-ret));
		free(argv);
		return ret;
	}
	kill_fd = openat(cg_fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	if (x->tree_fd >= 0 && mntns_fd < 0) {
		mntns_fd = sb_tree_ns(x->tree_fd);
		if (mntns_fd < 0) {
			ret = cfail(err, mntns_fd, "the instance's mount namespace: %s",
				    strerror(-mntns_fd));
			mntns_fd = -1;
			goto teardown;
		}
	}

	in.rootfs = x->rootfs;
	in.path = x->g.v->executable;
	in.argv = argv ? argv : x->argv;
	in.stdio = io->stdio;
	in.envp = x->envp;
	in.hostname = x->name;
	in.has_tmp = x->has_tmp;
	in.tmp_opts = TMP_OPTS;
	in.dev_mask = x->dev_mask;
	in.uid = c->uid;
	in.gid = c->gid;
	in.host_uid = x->o.host_uid ? x->o.host_uid : DEFAULT_HOST_ID;
	in.host_gid = x->o.host_gid ? x->o.host_gid : DEFAULT_HOST_ID;
	in.cgroup_fd = cg_fd;
	in.landlock_abi = x->landlock_abi;
	in.last_cap = x->last_cap;
	in.netns = x->g.netns;
	in.filter = &x->filter;
	in.mntns_fd = mntns_fd;
	in.userns_fd = x->userns_fd;
	in.sig_ign = x->sig_ign;

	ret = sb_spawn(&in, &p, err, ERR_LEN);
	/* the instance's ENOMEM (its memory.max) is in the result, as any
	 * failure to start: -ENOMEM, no result, is the caller's own */
	if (ret == -ENOMEM)
		ret = -EAGAIN;
	if (!ret) {
		r->started = true;
		r->start_ns = p.exec_ns - t0;
		ret = sb_wait(&p, io->timeout_ms ? io->timeout_ms : x->o.timeout_ms, kill_fd,
			      io->flags & LNCH_INVOKE_CANCEL_FD ? io->cancel_fd : -1, &timed_out,
			      &r->cancelled, &si);
		if (ret) {
			cfail(err, ret, "waiting for the instance: %s", strerror(-ret));
		} else {
			r->timed_out = timed_out;
			r->exited = si.si_code == CLD_EXITED;
			if (r->exited)
				r->exit_code = si.si_status;
			else
				r->signal = si.si_status;
		}
	}
	empty_cgroup(cg_fd);
	r->oom_killed = saw_oom_kill(cg_fd);
teardown:
	if (kill_fd >= 0)
		close(kill_fd);
	/* held to here, the mount namespace is torn down with the cgroup,
	 * not in the instance's exit */
	d = pool_put_used(x, cg_fd, mntns_fd, iname);
	if (d && !ret)
		ret = cfail(err, d, "%s/%s: destroying the instance's cgroup: %s", x->fn_path, iname,
			   strerror(-d));
	free(argv);
	return ret;
}

/* ---- container mode ---- */

static void crun_cmd(const char *crun, const char *root, const char *a, const char *id,
		     const char *b)
{
	pid_t k = fork();

	if (k == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (b)
			execlp(crun, crun, "--root", root, a, id, b, (char *)NULL);
		else
			execlp(crun, crun, "--root", root, a, "-f", id, (char *)NULL);
		_exit(127);
	}
	if (k > 0)
		waitpid(k, NULL, 0);
}

static int run_container(struct lnch_function *x, const struct lnch_invoke_opts *io,
			 struct lnch_result *r, char *err)
{
	const char *crun = x->o.crun ? x->o.crun : "crun";
	unsigned int timeout_ms = io->timeout_ms ? io->timeout_ms : x->o.timeout_ms;
	int cancel_fd = io->flags & LNCH_INVOKE_CANCEL_FD ? io->cancel_fd : -1;
	static const char root[] = "/run/fnlaunch/crun";
	char id[128];
	int status, pidfd = -1;
	bool timed_out = false;
	pid_t pid;

	r->mode = LNCH_MODE_CONTAINER;
	if (io->args)
		return cfail(err, -EINVAL,
			     "container mode runs process.args as the bundle gives them: an invocation cannot add arguments");
	{
		unsigned long long start;
		pid_t me;

		owner_id(&me, &start);
		snprintf(id, sizeof(id), "fnlaunch-%s-%d-%llu-%u", x->name, (int)me, start,
			 next_seq());
	}
	if ((mkdir("/run/fnlaunch", 0700) && errno != EEXIST) ||
	    (mkdir(root, 0700) && errno != EEXIST))
		return cfail(err, -errno, "mkdir %s: %s", root, strerror(errno));
	pid = fork();
	if (pid < 0)
		return cfail(err, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int i = 0; io->stdio && i < 3; i++)
			if (io->stdio[i] >= 0 && dup2(io->stdio[i], i) < 0)
				_exit(127);
		execlp(crun, crun, "--root", root, "run", "--bundle", x->g.v->bundle, id,
		       (char *)NULL);
		_exit(127);
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0 && (timeout_ms || cancel_fd >= 0)) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int how = sb_wait_exit(pidfd, timeout_ms, cancel_fd);

		timed_out = how == SB_TIMED_OUT;
		r->cancelled = how == SB_CANCELLED;
		/*
		 * crun may not have written the container's state yet, and
		 * its kill then fails: again until crun run ends, for at most
		 * five seconds, then crun itself.
		 */
		for (int i = 0; (timed_out || r->cancelled) && i < 50; i++) {
			crun_cmd(crun, root, "kill", id, "KILL");
			if (poll(&pfd, 1, 100) > 0)
				break;
			if (i == 49)
				kill(pid, SIGKILL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cfail(err, -errno, "waiting for crun: %s", strerror(errno));
	if (timed_out || r->cancelled)
		crun_cmd(crun, root, "delete", id, NULL);
	r->timed_out = timed_out;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return cfail(err, -ENOENT, "container mode: %s cannot be run", crun);
	r->started = true;
	r->exited = WIFEXITED(status);
	r->exit_code = r->exited ? WEXITSTATUS(status) : 0;
	r->signal = r->exited ? 0 : WTERMSIG(status);
	return 0;
}

/* ---- the entry points ---- */

static char *reasons_text(const struct lnch_verdict *v)
{
	char *s = NULL;

	if (!v->nr_reasons)
		return strdup("unverifiable");
	if (asprintf(&s, "%s%s", v->reasons[0].message,
		     v->nr_reasons > 1 ? " (and more: fnlaunch verify)" : "") < 0)
		return NULL;
	return s;
}

void lnch_function_close(struct lnch_function *x)
{
	if (!x)
		return;
	/* not from a process forked after open: the opener's instances may
	 * still run under the policy */
	if (x->pin_dir[0] && getpid() == x->opener) {
		char err[512];

		/* a failure leaves the pins to lnch_gc() */
		egr_detach(x->pin_dir, err, sizeof(err));
	}
	if (pool_on(x)) {
		pool_destroy(x, x->ready, x->nr_ready);
		pool_destroy(x, x->used, x->nr_used);
	} else if (x->ready) {
		/* a fork's copy: the cgroups are the opener's to remove */
		for (unsigned int i = 0; i < x->nr_ready; i++) {
			close(x->ready[i].fd);
			if (x->ready[i].mntns >= 0)
				close(x->ready[i].mntns);
		}
		for (unsigned int i = 0; i < x->nr_used; i++) {
			close(x->used[i].fd);
			if (x->used[i].mntns >= 0)
				close(x->used[i].mntns);
		}
	}
	if (x->ready)
		pthread_mutex_destroy(&x->pool_lock);
	free(x->ready);
	free(x->used);
	gate_close(&x->g);
	lnch_filter_release(&x->filter);
	if (x->fn_fd >= 0)
		close(x->fn_fd);
	if (x->tree_fd >= 0)
		close(x->tree_fd);
	if (x->userns_fd >= 0)
		close(x->userns_fd);
	free(x->argv);
	free(x->envp);
	free(x->fallback);
	free(x);
}

static int resolve_mode(struct lnch_function *x)
{
	char *why;

	x->mode = x->o.mode;
	if (x->mode == LNCH_MODE_CONTAINER)
		return 0;
	if (x->g.v->status == LNCH_VERIFIED) {
		x->mode = LNCH_MODE_PROCESS;
		return 0;
	}
	why = reasons_text(x->g.v);
	if (!why)
		return -ENOMEM;
	if (x->mode == LNCH_MODE_PROCESS) {
		fail(x, -EINVAL, "process mode runs verified functions only: %s", why);
		free(why);
		return -EINVAL;
	}
	if (x->o.flags & LNCH_RUN_NO_FALLBACK) {
		fail(x, -EINVAL, "unverifiable, and container mode is not allowed: %s", why);
		free(why);
		return -EINVAL;
	}
	x->mode = LNCH_MODE_CONTAINER;
	x->fallback = why;
	return 0;
}

/*
 * crun gives the bundle the namespaces it lists and nothing enforces its
 * egress annotation: with the host's network the function could reach
 * anything the node can.  Refuse rather than run it unconfined.
 */
static int check_container(struct lnch_function *x)
{
	if (x->mode != LNCH_MODE_CONTAINER || !x->g.v->config.egress || x->g.netns)
		return 0;
	return fail(x, -EINVAL,
		    "container mode: annotations[\"%s\"] asks for an egress policy, which crun does not enforce, and linux.namespaces has no network namespace: the function would reach everything the node can",
		    LNCH_ANNOTATION_EGRESS);
}

int lnch_function_open(const char *bundle, const struct lnch_run_opts *opts,
		       struct lnch_function **fn, struct lnch_verdict **verdict, char **error)
{
	struct lnch_function *x;
	int ret;

	*fn = NULL;
	if (verdict)
		*verdict = NULL;
	if (error)
		*error = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->fn_fd = -1;
	x->tree_fd = x->userns_fd = -1;
	x->filter.prog_fd = -1;
	x->o.sz = sizeof(x->o);
	if (opts) {
		ret = -EINVAL;
		if (opts->sz < sizeof(size_t))
			goto out_free;
		memcpy(&x->o, opts, opts->sz < sizeof(x->o) ? opts->sz : sizeof(x->o));
		for (size_t i = sizeof(x->o); i < opts->sz; i++)
			if (((const char *)opts)[i]) {
				ret = -E2BIG;
				goto out_free;
			}
		x->o.sz = sizeof(x->o);
		if (x->o.mode > LNCH_MODE_CONTAINER || x->o.warm_pool > LNCH_WARM_POOL_MAX ||
		    (x->o.flags & ~(LNCH_RUN_CLASSIC_CGROUP | LNCH_RUN_CLASSIC_FILTER |
				    LNCH_RUN_NO_FALLBACK | LNCH_RUN_CLASSIC_MOUNTS)))
			goto out_free;
	}
	ret = gate_open(&x->g, bundle, x->o.profile_dir);
	if (ret)
		goto out_free;
	if (x->g.v->status == LNCH_BAD_INPUT)
		ret = fail(x, -EINVAL, "%s", x->g.v->error);
	if (!ret)
		ret = make_name(x, bundle);
	if (!ret)
		ret = check_node(x);
	if (!ret)
		ret = resolve_mode(x);
	if (!ret)
		ret = check_container(x);
	if (!ret && x->mode == LNCH_MODE_PROCESS)
		ret = prepare_process(x);
	if (ret && verdict) {
		/* refused: the caller gets the verdict (on success the function
		 * keeps it: lnch_function_verdict()) */
		*verdict = x->g.v;
		x->g.v = NULL;
	}
	if (ret && ret != -ENOMEM && error) {
		*error = strdup(x->err);
		if (!*error)
			ret = -ENOMEM;
	}
	if (ret) {
		lnch_function_close(x);
		return ret;
	}
	*fn = x;
	return 0;
out_free:
	free(x);
	return ret;
}

int lnch_function_invoke(struct lnch_function *x, const struct lnch_invoke_opts *opts,
			 struct lnch_result **result)
{
	struct lnch_invoke_opts io = { .sz = sizeof(io) };
	uint64_t t0 = now_ns();
	char err[ERR_LEN] = "";
	struct lnch_result *r;
	int ret;

	*result = NULL;
	if (opts) {
		if (opts->sz < sizeof(size_t))
			return -EINVAL;
		memcpy(&io, opts, opts->sz < sizeof(io) ? opts->sz : sizeof(io));
		for (size_t i = sizeof(io); i < opts->sz; i++)
			if (((const char *)opts)[i])
				return -E2BIG;
		/* callers built before flags copied the padding it took */
		if (opts->sz < offsetof(struct lnch_invoke_opts, cancel_fd) + sizeof(io.cancel_fd))
			io.flags = 0;
		io.sz = sizeof(io);
	}
	if (io.args) {
		int m = 0;

		while (io.args[m] && m <= MAX_EXTRA_ARGS)
			m++;
		if (m > MAX_EXTRA_ARGS)
			return -E2BIG;
	}
	for (int i = 0; io.stdio && i < 3; i++)
		if (io.stdio[i] < -1 || (io.stdio[i] >= 0 && io.stdio[i] <= 2 && io.stdio[i] != i))
			return -EBADF;
	if (io.flags & ~LNCH_INVOKE_ALL)
		return -EINVAL;
	if ((io.flags & LNCH_INVOKE_CANCEL_FD) &&
	    (io.cancel_fd < 0 || fcntl(io.cancel_fd, F_GETFD) < 0))
		return -EBADF;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (x->fallback) {
		r->fallback = strdup(x->fallback);
		if (!r->fallback) {
			free(r);
			return -ENOMEM;
		}
	}
	if ((io.flags & LNCH_INVOKE_CANCEL_FD) && sb_hung_up(io.cancel_fd)) {
		/* gone already: nothing is started for nobody */
		r->mode = x->mode;
		r->cancelled = true;
		ret = cfail(err, -ECANCELED, "cancelled before it started: the cancel fd hung up");
	} else if (x->mode == LNCH_MODE_PROCESS) {
		ret = run_process(x, &io, r, t0, err);
	} else {
		ret = run_container(x, &io, r, err);
	}
	r->total_ns = now_ns() - t0;
	/* it ran, or it did not start, or its teardown failed: the result says */
	if (ret == -ENOMEM) {
		lnch_result_free(r);
		return ret;
	}
	if (ret) {
		r->error = strdup(err);
		if (!r->error) {
			lnch_result_free(r);
			return -ENOMEM;
		}
	}
	*result = r;
	return 0;
}

int lnch_function_run(struct lnch_function *x, struct lnch_result **result)
{
	return lnch_function_invoke(x, NULL, result);
}

enum lnch_mode lnch_function_mode(const struct lnch_function *x, const char **fallback)
{
	if (fallback)
		*fallback = x->fallback;
	return x->mode;
}

const struct lnch_verdict *lnch_function_verdict(const struct lnch_function *x)
{
	return x->g.v;
}

int lnch_run(const char *bundle, const struct lnch_run_opts *opts,
	     struct lnch_verdict **verdict, struct lnch_result **result)
{
	struct lnch_function *fn;
	char *error = NULL;
	int ret;

	*result = NULL;
	if (verdict)
		*verdict = NULL;
	ret = lnch_function_open(bundle, opts, &fn, verdict, &error);
	if (ret && ret != -ENOMEM && error) {
		/* refused, or failed, before any instance: the result says why */
		*result = calloc(1, sizeof(**result));
		if (!*result) {
			free(error);
			return -ENOMEM;
		}
		(*result)->error = error;
		return ret;
	}
	free(error);
	if (ret)
		return ret;
	ret = lnch_function_run(fn, result);
	if (verdict) {
		/* the caller's copy of the verdict */
		*verdict = fn->g.v;
		fn->g.v = NULL;
	}
	lnch_function_close(fn);
	return ret;
}

void lnch_result_free(struct lnch_result *r)
{
	if (!r)
		return;
	free(r->fallback);
	free(r->filter_note);
	free(r->mount_note);
	free(r->error);
	free(r);
}

static const char *mode_name(enum lnch_mode m)
{
	return m == LNCH_MODE_PROCESS ? "process" : m == LNCH_MODE_CONTAINER ? "container" : "auto";
}

char *lnch_result_json(const struct lnch_result *r)
{
	struct json_object *o = json_object_new_object();
	char *s = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "mode", json_object_new_string(mode_name(r->mode)));
	if (r->fallback)
		json_object_object_add(o, "fallback", json_object_new_string(r->fallback));
	if (r->error)
		json_object_object_add(o, "error", json_object_new_string(r->error));
	json_object_object_add(o, "started", json_object_new_boolean(r->started));
	if (r->started) {
		if (r->exited)
			json_object_object_add(o, "exit_code", json_object_new_int(r->exit_code));
		else
			json_object_object_add(o, "signal", json_object_new_int(r->signal));
		json_object_object_add(o, "timed_out", json_object_new_boolean(r->timed_out));
		json_object_object_add(o, "oom_killed", json_object_new_boolean(r->oom_killed));
		if (r->cancelled)
			json_object_object_add(o, "cancelled", json_object_new_boolean(true));
	}
	if (r->cgroup_mode)
		json_object_object_add(o, "cgroup", json_object_new_string(r->cgroup_mode));
	if (r->filter_mode)
		json_object_object_add(o, "filter", json_object_new_string(r->filter_mode));
	if (r->filter_note)
		json_object_object_add(o, "filter_note", json_object_new_string(r->filter_note));
	if (r->mount_mode)
		json_object_object_add(o, "mounts", json_object_new_string(r->mount_mode));
	if (r->mount_note)
		json_object_object_add(o, "mount_note", json_object_new_string(r->mount_note));
	if (r->mode == LNCH_MODE_PROCESS)
		json_object_object_add(o, "landlock_abi", json_object_new_int(r->landlock_abi));
	if (r->start_ns)
		json_object_object_add(o, "start_us", json_object_new_int64(r->start_ns / 1000));
	json_object_object_add(o, "total_us", json_object_new_int64(r->total_ns / 1000));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* ---- what the kernel has ---- */

int lnch_probe(const char *cgroup_root, const char *crun, struct lnch_probe *p)
{
	struct lnch_probe q = { .sz = sizeof(q) };
	char mnt[PATH_MAX];
	int fd, ret, status = -1;
	pid_t pid;

	if (p->sz < offsetof(struct lnch_probe, cgroup_note))
		return -EINVAL;
	ret = cgroup2_mount(mnt, sizeof(mnt));
	if (ret)
		return ret;
	fd = cgroup_root ? open(cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd < 0) {
		char def[PATH_MAX + 16];

		snprintf(def, sizeof(def), "%s/fnlaunch", mnt);
		fd = open(cgroup_root ? mnt : def, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	q.batch_cgroups = cgb_kernel_has_batch(fd);
	close(fd);
	if (!q.batch_cgroups)
		snprintf(q.cgroup_note, sizeof(q.cgroup_note),
			 "the kernel has no CGROUP_IOC_CREATE: cgroups are made with mkdir(2) and removed with rmdir(2)");
	q.seccomp_ebpf = !lnch_filter_probe(q.filter_note, sizeof(q.filter_note));
	if (q.seccomp_ebpf)
		q.filter_note[0] = 0;
	q.landlock_abi = sb_landlock_abi();
	q.tree_namespaces = !sb_tree_probe(q.mount_note, sizeof(q.mount_note));
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp(crun ? crun : "crun", crun ? crun : "crun", "--version", (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		q.crun = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	memcpy(p, &q, p->sz < sizeof(q) ? p->sz : sizeof(q));
	p->sz = p->sz < sizeof(q) ? p->sz : sizeof(q);
	return 0;
}

/* ---- crash recovery ---- */

/*
 * The last @nf fields of a name made of '-'-separated parts, all decimal
 * numbers, into @v (in order); returns the length of what is before them,
 * or -1 if the name does not end so.  Crash recovery's names: i-PID-START-N,
 * fnlaunch-NAME-PID-START-N, fn-NAME-PID-START-N.
 */
static int tail_numbers(const char *name, int nf, unsigned long long *v)
{
	const char *end = name + strlen(name), *p = end;

	for (int i = nf - 1; i >= 0; i--) {
		char *stop;

		while (p > name && p[-1] != '-')
			p--;
		if (p <= name + 1 || p == end || !(*p >= '0' && *p <= '9'))
			return -1;
		v[i] = strtoull(p, &stop, 10);
		if (stop != end)
			return -1;
		end = --p;	/* at the '-' before this field */
	}
	return (int)(p - name);
}

/*
 * Whether the launcher process @pid that started at @start (owner_id())
 * still runs: not if @pid is gone or is a later process.  A start time
 * that cannot be read (no /proc) counts as a match: the safe side.
 */
static bool owner_alive(unsigned long long pid, unsigned long long start)
{
	unsigned long long t;

	if (!pid || pid > INT_MAX)
		return true;
	if (kill(pid, 0) && errno == ESRCH)
		return false;
	t = start_time(pid);
	return !t || t == start;
}

/*
 * An instance's name ends in -PID-START-N: is the launcher that made it
 * gone?  A name of another form is kept: the safe side.
 */
static bool owner_gone(const char *name)
{
	unsigned long long v[3];

	if (tail_numbers(name, 3, v) < 0)
		return false;
	return !owner_alive(v[0], v[1]);
}

static int gc_function(int root_fd, const char *fn, unsigned int *removed, char *err,
		       size_t errlen)
{
	int fd = openat(root_fd, fn, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		int cg;

		if (de->d_type != DT_DIR || strncmp(de->d_name, "i-", 2) || !owner_gone(de->d_name))
			continue;
		cg = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg < 0)
			continue;
		empty_cgroup(cg);
		close(cg);
		if (unlinkat(fd, de->d_name, AT_REMOVEDIR) && errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "%s/%s: %s", fn, de->d_name, strerror(errno));
			continue;
		}
		(*removed)++;
	}
	closedir(d);
	return ret;
}

/* Whether the function's cgroup under @root_fd holds an instance. */
static bool has_instances(int root_fd, const char *fn)
{
	int fd = openat(root_fd, fn, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (fd < 0)
		return errno != ENOENT;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return true;
	}
	while (!found && (de = readdir(d)))
		found = de->d_type == DT_DIR && !strncmp(de->d_name, "i-", 2);
	closedir(d);
	return found;
}

/*
 * The egress policies (r-ROOT/fn-NAME-PID-START-N) of launchers that are
 * gone, detached and unpinned once their function has no instance left
 * under this root: an instance that gc could not remove keeps its policy.
 */
static int gc_egress(int root_fd, unsigned int *removed, char *err, size_t errlen)
{
	char dir[PATH_MAX - 256], pin[PATH_MAX], fn[NAME_MAX + 1], perr[512];
	struct dirent *de;
	int ret = 0, r;
	DIR *d;

	if (pin_root(root_fd, dir, sizeof(dir)))
		return 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		unsigned long long v[3];	/* PID, START, N */
		int len;

		if (de->d_type != DT_DIR || strncmp(de->d_name, "fn-", 3))
			continue;
		len = tail_numbers(de->d_name, 3, v);
		if (len <= 3 || !v[0] || v[0] > INT_MAX)
			continue;
		snprintf(fn, sizeof(fn), "%.*s", len, de->d_name);
		/* alive: the same process, not one that got its PID since */
		if (owner_alive(v[0], v[1]))
			continue;
		if (has_instances(root_fd, fn))
			continue;
		snprintf(pin, sizeof(pin), "%s/%s", dir, de->d_name);
		r = egr_detach(pin, perr, sizeof(perr));
		if (r && !ret) {
			ret = r;
			snprintf(err, errlen, "%s", perr);
		}
		if (!r)
			(*removed)++;
	}
	closedir(d);
	rmdir(dir);	/* once empty */
	return ret;
}

int lnch_gc(const char *cgroup_root, const char *crun, unsigned int *removed, char **error)
{
	char mnt[PATH_MAX], root[PATH_MAX], err[PATH_MAX + 256] = "";
	static const char crun_root[] = "/run/fnlaunch/crun";
	struct dirent *de;
	int fd, ret = 0, r;
	DIR *d;

	*removed = 0;
	if (error)
		*error = NULL;
	if (cgroup_root) {
		snprintf(root, sizeof(root), "%s", cgroup_root);
	} else {
		ret = cgroup2_mount(mnt, sizeof(mnt));
		if (ret) {
			snprintf(err, sizeof(err), "no cgroup2 file system is mounted");
			goto out;
		}
		if (strlen(mnt) >= sizeof(root) - 16) {
			ret = -ENAMETOOLONG;
			snprintf(err, sizeof(err), "%.900s: name too long", mnt);
			goto out;
		}
		strcpy(root, mnt);
		strcat(root, "/fnlaunch");
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ENOENT ? 0 : -errno;
		if (ret)
			snprintf(err, sizeof(err), "%s: %s", root, strerror(-ret));
		goto containers;
	}
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		goto out;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && !strncmp(de->d_name, "fn-", 3)) {
			r = gc_function(dirfd(d), de->d_name, removed, err, sizeof(err));
			if (r && !ret)
				ret = r;
		}
	r = gc_egress(dirfd(d), removed, err, sizeof(err));
	if (r && !ret)
		ret = r;
	closedir(d);
containers:
	/* containers of launchers that are gone: crun delete -f */
	d = opendir(crun_root);
	while (d && (de = readdir(d))) {
		const char *name = de->d_name;

		/* fnlaunch-NAME-PID-START-N */
		if (de->d_type != DT_DIR || strncmp(name, "fnlaunch-", 9) || !owner_gone(name))
			continue;
		crun_cmd(crun ? crun : "crun", crun_root, "delete", name, NULL);
		(*removed)++;
	}
	if (d)
		closedir(d);
out:
	if (ret && error && err[0])
		*error = strdup(err);
	return ret;
}
