// SPDX-License-Identifier: GPL-2.0
/*
 * regress-bench: cost of the classic paths that the batched cgroup creation,
 * lockless clone3(CLONE_INTO_CGROUP) and seccomp changes must not slow down:
 * fork/exit, clone3 (plain and into a mkdir-made cgroup), page fault with
 * and without memcg charging, cgroup mkdir/limit writes/rmdir, and a
 * syscall under a classic seccomp filter (decided by the cache, by a
 * linear filter, by a binary-tree filter).  Run it on the base and on the
 * patched kernel and compare the two outputs.
 *
 *   regress-bench [-t SECONDS] [-r ROUNDS] [-R CGROUP2_ROOT] [-c CELL[,CELL]] [-a]
 *
 * It runs without address-space randomisation (it re-executes itself with
 * ADDR_NO_RANDOMIZE), unless -a: where a fork's page tables fall in a
 * randomised layout changes its cost by a few per cent from one run to the
 * next (on Linux 7.3 under instruction counting, fork_exit_wait spread over
 * 347,886-358,847 instructions in ten randomised runs, over 331,230-331,379
 * in four without), which would hide or fake a difference between kernels.
 *
 * Each cell runs for SECONDS (1.0) of wall time per round; the ROUNDS (5)
 * rounds run every cell in turn, so that drift of an emulated machine's
 * speed hits all cells alike.  The cgroup cells work under
 * CGROUP2_ROOT/regress-bench.<pid> (root /sys/fs/cgroup), with memory, pids
 * and cpu enabled for its children where available; it is removed at exit.
 * Output, after a header line starting with "# regress-bench":
 *
 *   <cell> median_ns=<n> min_ns=<n> max_ns=<n> ops=<total ops> rounds=<r>
 *   skip <cell>: <reason>
 *   fail <cell>: <error>
 *
 * ns are per operation (a fork..waitpid cycle, a mkdir..rmdir cycle, for
 * the mem_* cells one 4 KiB page faulted in and freed again, for the
 * seccomp_* cells one getppid(0)); median, min
 * and max are over the rounds.  Exit status 1 if a cell failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <seccomp.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define MAX_ROUNDS 100
#define MEM_BYTES (64UL << 20)

enum { CTL_MEMORY = 1, CTL_PIDS = 2, CTL_CPU = 4, NR_CTLS = 3 };
static const char *const ctl_name[NR_CTLS] = { "memory", "pids", "cpu" };

/* the same limits as cgroup-bench */
static const struct { const char *file, *value; } limits[] = {
	{ "memory.max", "134217728" },
	{ "pids.max", "64" },
	{ "cpu.max", "100000 100000" },
};

static volatile sig_atomic_t stop;
static char parent[4096];	/* CGROUP2_ROOT/regress-bench.<pid> */
static int pfd = -1;		/* its directory */
static int leaf_fd = -1;	/* parent/leaf: the CLONE_INTO_CGROUP target */
static unsigned int ctls;	/* controllers enabled for parent's children */
static unsigned int root_added;	/* ... that we enabled in the root */
static char cg_skip[256] = "cgroup not set up";
static int mem_err;		/* making parent/mem, mem_charge's cgroup */
static long seq;
static int failures;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int write_at(int dfd, const char *path, const char *val)
{
	ssize_t len = strlen(val), n;
	int fd, ret = 0;

	fd = openat(dfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n != len)
		ret = n < 0 ? -errno : -EIO;
	close(fd);
	return ret;
}

static void read_at(int dfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	buf[n < 0 ? 0 : n] = 0;
	if (fd >= 0)
		close(fd);
}

/* is @word one of the space separated words of @list */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ') &&
		    (p[len] == 0 || p[len] == ' ' || p[len] == '\n'))
			return true;
	return false;
}

/* "memory,pids,cpu" of a CTL_* mask */
static const char *ctl_list(unsigned int mask)
{
	static char buf[32];
	int i, n = 0;

	for (i = 0; i < NR_CTLS; i++)
		if (mask & (1 << i))
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      n ? "," : "", ctl_name[i]);
	return n ? buf : "none";
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* fork (vfork if @use_vfork), the child exits at once, reap it */
static int op_fork(int use_vfork)
{
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0)
		_exit(0);
	return wait_child(pid);
}

/* the same by clone3, plain or into parent/leaf */
static int op_clone3(int into_cgroup)
{
	struct clone_args ca = {
		.flags = into_cgroup ? CLONE_INTO_CGROUP : 0,
		.exit_signal = SIGCHLD,
		.cgroup = into_cgroup ? leaf_fd : 0,
	};
	pid_t pid;

	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	return wait_child(pid);
}

/* mkdir a child of parent, [write the three limits], rmdir it */
static int op_cgroup(int with_limits)
{
	char name[32], path[64];
	unsigned int i;
	int ret = 0;

	snprintf(name, sizeof(name), "c%ld", seq++);
	if (mkdirat(pfd, name, 0755))
		return -errno;
	for (i = 0; with_limits && i < sizeof(limits) / sizeof(limits[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", name, limits[i].file);
		ret = write_at(pfd, path, limits[i].value);
		if (ret)
			break;
	}
	if (unlinkat(pfd, name, AT_REMOVEDIR) && !ret)
		ret = -errno;
	return ret;
}

struct cell;
static int run_seccomp(const struct cell *c, double sec, long *ops, double *ns);

/* the filters of the seccomp_* cells (libseccomp, as container runtimes) */
enum { SC_CACHED, SC_LINEAR, SC_TREE };

struct cell {
	const char *name;
	int (*op)(int arg);	/* one operation, timed in a loop */
	int (*run)(const struct cell *c, double sec, long *ops, double *ns);
	int arg;		/* its argument; mem_*: charge to a memcg */
	bool cgroup;		/* needs the benchmark's cgroup */
	unsigned int needs;	/* CTL_* it needs in the children */
	bool selected;		/* to run: chosen, and not skipped */
	bool failed;
	double ns[MAX_ROUNDS];	/* per op, each round */
	long ops;
	int rounds;
};

static struct cell cells[] = {
	{ .name = "fork_exit_wait", .op = op_fork },
	{ .name = "vfork_exit", .op = op_fork, .arg = 1 },
	{ .name = "clone3_plain", .op = op_clone3 },
	{ .name = "clone3_into_cgroup", .op = op_clone3, .arg = 1, .cgroup = true },
	{ .name = "mem_charge", .arg = 1, .cgroup = true, .needs = CTL_MEMORY },
	{ .name = "mem_fault_nocg" },
	{ .name = "cgroup_mkdir_rmdir", .op = op_cgroup, .arg = 1, .cgroup = true,
	  .needs = CTL_MEMORY | CTL_PIDS | CTL_CPU },
	{ .name = "cgroup_mkdir_rmdir_bare", .op = op_cgroup, .cgroup = true },
	{ .name = "seccomp_cached", .run = run_seccomp, .arg = SC_CACHED },
	{ .name = "seccomp_linear", .run = run_seccomp, .arg = SC_LINEAR },
	{ .name = "seccomp_tree", .run = run_seccomp, .arg = SC_TREE },
};
#define NR_CELLS ((int)(sizeof(cells) / sizeof(cells[0])))

static int run_loop(const struct cell *c, double sec, long *ops, double *ns)
{
	double t0 = now_ns(), t;
	long n = 0;
	int ret;

	do {
		ret = c->op(c->arg);
		if (ret)
			return ret;
		n++;
		t = now_ns() - t0;
	} while (t < sec * 1e9 && !stop);
	*ops = n;
	*ns = t;
	return 0;
}

struct mem_result {
	long ops;
	double ns;
	int err;
};

/* in the child: mmap 64 MiB, write a byte to each page, munmap; again */
static void touch_loop(double sec, struct mem_result *r)
{
	long page = sysconf(_SC_PAGESIZE);
	double t0 = now_ns();
	unsigned long off;

	/* one fault and one charge per 4 KiB page, not per THP */
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	do {
		volatile char *p = mmap(NULL, MEM_BYTES, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			r->err = -errno;
			return;
		}
		for (off = 0; off < MEM_BYTES; off += page)
			p[off] = 1;
		if (munmap((void *)p, MEM_BYTES)) {
			r->err = -errno;
			return;
		}
		r->ops += MEM_BYTES / page;
		r->ns = now_ns() - t0;
	} while (r->ns < sec * 1e9 && !stop);
}

/*
 * Run @body in a child and return what it measured: the mem_* and
 * seccomp_* cells change the process they run in for good (its memory
 * cgroup, its seccomp filter) or would bloat it for the fork cells.
 */
static int run_in_child(const struct cell *c, double sec, long *ops, double *ns,
			void (*body)(const struct cell *c, double sec,
				     struct mem_result *r))
{
	struct mem_result r = { .err = -EIO };
	int p[2], ret;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		r.err = 0;
		body(c, sec, &r);
		_exit(write(p[1], &r, sizeof(r)) != sizeof(r));
	}
	ret = -errno;
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return ret;
	}
	while ((n = read(p[0], &r, sizeof(r))) < 0 && errno == EINTR)
		if (stop)
			kill(pid, SIGKILL);
	close(p[0]);
	ret = wait_child(pid);
	if (n != sizeof(r))
		return ret ? ret : -EPIPE;
	*ops = r.ops;
	*ns = r.ns;
	return r.err ? r.err : ret;
}

/*
 * The mem_* cells' child: mem_charge's joins the memory-limited cgroup,
 * mem_fault_nocg's stays in the start cgroup.
 */
static void mem_body(const struct cell *c, double sec, struct mem_result *r)
{
	if (c->arg)
		r->err = write_at(pfd, "mem/cgroup.procs", "0");
	if (!r->err)
		touch_loop(sec, r);
}

static int run_mem(const struct cell *c, double sec, long *ops, double *ns)
{
	return run_in_child(c, sec, ops, ns, mem_body);
}

/*
 * A 450-rule allow list as a container runtime's profile compiles to:
 * syscalls 0-449 allowed (those that exist), the rest EPERM; getppid is
 * allowed only with a first argument of 0 (SC_LINEAR, SC_TREE: the filter
 * runs on each call) or unconditionally (SC_CACHED: seccomp decides from
 * its constant-action cache).  SC_TREE has libseccomp sort the rules into
 * a binary tree.
 */
static int seccomp_filter(int kind)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int nr, ret = -ENOMEM;

	if (!ctx)
		return ret;
	if (kind == SC_TREE) {
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
		if (ret)
			goto out;
	}
	for (nr = 0; nr < 450; nr++) {
		if (nr == SYS_getppid)
			continue;
		/* numbers the architecture does not have are refused */
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (ret && ret != -EDOM && ret != -EINVAL)
			goto out;
	}
	if (kind == SC_CACHED)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SYS_getppid, 0);
	else
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SYS_getppid, 1,
				       SCMP_A0(SCMP_CMP_EQ, 0));
	if (!ret)
		ret = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	return ret;
}

/* The seccomp_* cells' child, which the filter confines for good. */
static void seccomp_body(const struct cell *c, double sec, struct mem_result *r)
{
	double t0;

	r->err = seccomp_filter(c->arg);
	t0 = now_ns();
	while (!r->err) {
		if (syscall(SYS_getppid, 0) <= 0) {
			r->err = -EPERM;
			break;
		}
		r->ops++;
		r->ns = now_ns() - t0;
		if (r->ns >= sec * 1e9 || stop)
			break;
	}
}

static int run_seccomp(const struct cell *c, double sec, long *ops, double *ns)
{
	return run_in_child(c, sec, ops, ns, seccomp_body);
}

static void rmdir_retry(int dfd, const char *name)
{
	int i;

	/* a reaped child can still be leaving its cgroup: retry EBUSY */
	for (i = 0; i < 1000; i++) {
		if (!unlinkat(dfd, name, AT_REMOVEDIR) || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		usleep(1000);
	}
	fprintf(stderr, "regress-bench: rmdir %s: %s\n", name, strerror(errno));
}

static void cg_setup(const char *root)
{
	char avail[512], on[512], path[4200];
	struct statfs sf;
	int i, ret;

	if (statfs(root, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(cg_skip, sizeof(cg_skip), "%.200s is not cgroup2", root);
		return;
	}
	snprintf(parent, sizeof(parent), "%s/regress-bench.%d", root, getpid());
	if (mkdir(parent, 0755)) {
		snprintf(cg_skip, sizeof(cg_skip), "mkdir %.200s: %s", parent,
			 strerror(errno));
		parent[0] = 0;
		return;
	}
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	read_at(AT_FDCWD, path, avail, sizeof(avail));
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	read_at(AT_FDCWD, path, on, sizeof(on));
	for (i = 0; i < NR_CTLS; i++) {
		char val[16];

		if (!has_word(avail, ctl_name[i]))
			continue;
		snprintf(val, sizeof(val), "+%s", ctl_name[i]);
		if (!has_word(on, ctl_name[i])) {
			if (write_at(AT_FDCWD, path, val))
				continue;
			root_added |= 1 << i;
		}
		if (!write_at(pfd, "cgroup.subtree_control", val))
			ctls |= 1 << i;
	}
	ret = mkdirat(pfd, "leaf", 0755) ? -errno : 0;
	leaf_fd = openat(pfd, "leaf", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ret || leaf_fd < 0) {
		snprintf(cg_skip, sizeof(cg_skip), "mkdir %.200s/leaf: %s",
			 parent, strerror(ret ? -ret : errno));
		return;
	}
	if (ctls & CTL_MEMORY) {
		mem_err = mkdirat(pfd, "mem", 0755) ? -errno : 0;
		if (!mem_err)
			mem_err = write_at(pfd, "mem/memory.max", "536870912");
	}
	cg_skip[0] = 0;
}

static void cg_cleanup(const char *root)
{
	char path[4200];
	int i;

	if (leaf_fd >= 0)
		close(leaf_fd);
	if (pfd >= 0) {
		rmdir_retry(pfd, "leaf");
		rmdir_retry(pfd, "mem");
		close(pfd);
	}
	if (parent[0])
		rmdir_retry(AT_FDCWD, parent);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	for (i = NR_CTLS - 1; i >= 0; i--) {
		char val[16];

		snprintf(val, sizeof(val), "-%s", ctl_name[i]);
		if (root_added & (1 << i))
			write_at(AT_FDCWD, path, val);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void fail(struct cell *c, int err)
{
	fprintf(stderr, "regress-bench: %s: %s\n", c->name, strerror(err));
	printf("fail %s: %s\n", c->name, strerror(err));
	c->failed = true;
	failures++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f, const char *prog)
{
	int i;

	fprintf(f, "usage: %s [-t SECONDS] [-r ROUNDS] [-R CGROUP2_ROOT] [-c CELL[,CELL]] [-a] [-h]\n"
		"  -t  wall time per cell and round (1.0)\n"
		"  -r  rounds, cells interleaved round-robin (5, at most %d)\n"
		"  -R  cgroup2 root for the cgroup cells (/sys/fs/cgroup)\n"
		"  -a  keep address-space randomisation (default: re-executed without it)\n"
		"  -c  cells to run (all):", prog, MAX_ROUNDS);
	for (i = 0; i < NR_CELLS; i++)
		fprintf(f, "%s%s", i ? "," : " ", cells[i].name);
	fprintf(f, "\n");
}

int main(int argc, char **argv)
{
	const char *root = "/sys/fs/cgroup";
	struct sigaction sa = { .sa_handler = on_signal };
	char *list = NULL, start_cg[512], *p;
	bool need_cg = false;
	double seconds = 1.0;
	int opt, i, r, ret, rounds = 5, pers;
	bool aslr = false;
	struct utsname u;

	while ((opt = getopt(argc, argv, "t:r:R:c:ah")) != -1) {
		switch (opt) {
		case 'a': aslr = true; break;
		case 't': seconds = atof(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'R': root = optarg; break;
		case 'c': list = optarg; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind < argc || seconds <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		usage(stderr, argv[0]);
		return 2;
	}
	/* the same layout on every run and kernel: see the top (before strtok() cuts -c) */
	pers = personality(0xffffffff);
	if (!aslr && pers >= 0 && !(pers & ADDR_NO_RANDOMIZE)) {
		if (personality(pers | ADDR_NO_RANDOMIZE) >= 0) {
			execv("/proc/self/exe", argv);
			fprintf(stderr, "regress-bench: re-executing without ASLR: %s\n",
				strerror(errno));
		}
		return 1;
	}
	for (i = 0; i < NR_CELLS; i++)
		cells[i].selected = !list;
	for (p = list ? strtok(list, ",") : NULL; p; p = strtok(NULL, ",")) {
		for (i = 0; i < NR_CELLS && strcmp(p, cells[i].name); i++)
			;
		if (i == NR_CELLS) {
			fprintf(stderr, "regress-bench: unknown cell %s\n", p);
			usage(stderr, argv[0]);
			return 2;
		}
		cells[i].selected = true;
	}
	/* no SA_RESTART: a blocked waitpid/read returns to check stop */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	uname(&u);
	printf("# regress-bench kernel=%s machine=%s nproc=%ld seconds=%g rounds=%d aslr=%s\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), seconds,
	       rounds, personality(0xffffffff) & ADDR_NO_RANDOMIZE ? "off" : "on");
	read_at(AT_FDCWD, "/proc/self/cgroup", start_cg, sizeof(start_cg));
	p = strstr(start_cg, "0::");
	if (p)
		p[strcspn(p, "\n")] = 0;
	printf("# start_cgroup=%s\n", p ? p + 3 : "?");

	for (i = 0; i < NR_CELLS; i++)
		need_cg |= cells[i].selected && cells[i].cgroup;
	if (need_cg) {
		cg_setup(root);
		if (!cg_skip[0])
			printf("# cgroup parent=%s controllers=%s\n", parent,
			       ctl_list(ctls));
	}
	fflush(stdout);

	/* skip what cannot run; one untimed warm-up operation of the rest */
	for (i = 0; i < NR_CELLS; i++) {
		struct cell *c = &cells[i];
		char why[300] = "";

		if (!c->selected)
			continue;
		if (c->cgroup && cg_skip[0]) {
			snprintf(why, sizeof(why), "%s", cg_skip);
		} else if (c->needs & ~ctls) {
			snprintf(why, sizeof(why), "controller %s not available",
				 ctl_list(c->needs & ~ctls));
		} else if (!c->op && c->arg && mem_err) {
			snprintf(why, sizeof(why), "cgroup mem: %s",
				 strerror(-mem_err));
		} else if (c->op) {
			/* E2BIG: a kernel before 5.7 (no clone_args.cgroup) */
			ret = c->op(c->arg);
			if (ret == -ENOSYS || (c->op == op_clone3 && ret == -E2BIG))
				snprintf(why, sizeof(why), "clone3%s: %s",
					 c->arg ? " CLONE_INTO_CGROUP" : "",
					 strerror(-ret));
			else if (ret)
				fail(c, -ret);
		}
		if (why[0]) {
			printf("skip %s: %s\n", c->name, why);
			c->selected = false;
		}
	}

	for (r = 0; r < rounds && !stop; r++) {
		for (i = 0; i < NR_CELLS && !stop; i++) {
			struct cell *c = &cells[i];
			long ops = 0;
			double ns = 0;

			if (!c->selected || c->failed)
				continue;
			ret = c->run ? c->run(c, seconds, &ops, &ns) :
			      c->op ? run_loop(c, seconds, &ops, &ns) :
				      run_mem(c, seconds, &ops, &ns);
			if (stop)
				break;
			if (ret || !ops) {
				fail(c, ret ? -ret : EIO);
				continue;
			}
			c->ns[c->rounds++] = ns / ops;
			c->ops += ops;
		}
	}
	if (stop)
		printf("# interrupted\n");

	for (i = 0; i < NR_CELLS; i++) {
		struct cell *c = &cells[i];
		double med;
		int n = c->rounds;

		if (!c->selected || c->failed || !n)
			continue;
		qsort(c->ns, n, sizeof(double), cmp_double);
		med = n & 1 ? c->ns[n / 2] : (c->ns[n / 2 - 1] + c->ns[n / 2]) / 2;
		printf("%s median_ns=%lld min_ns=%lld max_ns=%lld ops=%ld rounds=%d\n",
		       c->name, (long long)(med + 0.5),
		       (long long)(c->ns[0] + 0.5),
		       (long long)(c->ns[n - 1] + 0.5), c->ops, n);
	}
	fflush(stdout);
	if (need_cg)
		cg_cleanup(root);
	return failures || stop ? 1 : 0;
}
