// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup-bench: function-instance provisioning with the classic cgroup path
 * (mkdir, three limit writes, [clone3 a child into it], rmdir) against the
 * batched one (CGROUP_IOC_CREATE with the same limits, [clone3], then
 * CGROUP_IOC_DESTROY), at several batch sizes and concurrencies.
 *
 *   cgroup-bench [-t SECONDS] [-r CGROUP2_ROOT] [-C 1,4,16,64] [-B 1,8,64]
 *                [-c provision|instance] [-k] [-L]
 *
 * Prints one line per cell: cycle (provision | instance), path, batch size,
 * threads, instances/s, p50 and p99 latency of making one instance's cgroup
 * ready (the mkdir+writes, or the CGROUP_IOC_CREATE call it is part of),
 * and cgroup_mutex acquisitions and hold time per instance: from
 * /proc/lock_stat when it exists (debug kernels with CONFIG_LOCK_STAT), or
 * with -L from BPF programs on mutex_lock()/mutex_unlock() (cgmutex.bpf.o,
 * next to this program; for kernels without debug options, with BTF).
 * Attaching to every mutex operation is intrusive: detaching once crashed a
 * lockdep+KASAN guest under QEMU TCG (an int3 left in mutex_unlock()).
 * -k runs the classic path only, as on a kernel without CGROUP_IOC_CREATE,
 * so that a stock kernel and this one can be compared cell for cell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgbatch.h"

#define MAX_BATCH 64
#define MAX_THREADS 64
#define MAX_SAMPLES (1 << 20)

static const struct cgb_seed limits[] = {
	{ "memory.max", "134217728" },
	{ "pids.max", "64" },
	{ "cpu.max", "100000 100000" },
};

struct cell {
	bool child;		/* clone3 a child into each cgroup */
	bool classic;
	int batch;
	int threads;
	double seconds;
	int pfd;
};

struct worker {
	struct cell *cell;
	int id;
	long instances;
	int error;
	double *lat;		/* per-instance ready latency, µs */
	long nlat;
	pthread_t thread;
};

static volatile bool stop;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int run_child(int cgfd)
{
	struct clone_args ca = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = cgfd,
	};
	int status;
	pid_t pid;

	pid = syscall(__NR_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct cell *c = w->cell;
	unsigned int flags = c->classic ? CGB_CLASSIC : 0;
	char namebuf[MAX_BATCH][32];
	const char *names[MAX_BATCH];
	int fds[MAX_BATCH], i, ret, err_index, off, left;
	long round = 0;

	while (!stop) {
		double t0, dt;

		for (i = 0; i < c->batch; i++) {
			snprintf(namebuf[i], sizeof(namebuf[i]), "w%d_%ld_%d",
				 w->id, round, i);
			names[i] = namebuf[i];
		}
		round++;
		t0 = now_us();
		if (c->classic) {
			/* one instance at a time, as container runtimes do */
			for (i = 0; i < c->batch; i++) {
				double t1 = now_us();

				ret = cgb_create(c->pfd, &names[i], 1, limits,
						 3, 0755, flags, &fds[i], NULL);
				if (ret)
					goto fail;
				if (w->nlat < MAX_SAMPLES / MAX_THREADS)
					w->lat[w->nlat++] = now_us() - t1;
			}
		} else {
			ret = cgb_create(c->pfd, names, c->batch, limits, 3,
					 0755, flags, fds, NULL);
			if (ret)
				goto fail;
			dt = now_us() - t0;
			for (i = 0; i < c->batch; i++)
				if (w->nlat < MAX_SAMPLES / MAX_THREADS)
					w->lat[w->nlat++] = dt;
		}
		if (c->child) {
			for (i = 0; i < c->batch; i++) {
				ret = run_child(fds[i]);
				if (ret)
					goto fail;
			}
		}
		/* a reaped child can still be leaving its cgroup: retry EBUSY */
		off = 0;
		left = c->batch;
		for (i = 0; i < 1000; i++) {
			ret = cgb_destroy(c->pfd, fds + off, names + off, left,
					  flags, &err_index);
			if (ret != -EBUSY)
				break;
			/* the classic path removed those before err_index */
			if (c->classic && err_index > 0) {
				off += err_index;
				left -= err_index;
			}
			usleep(100);
		}
		if (ret)
			goto fail;
		for (i = 0; i < c->batch; i++)
			close(fds[i]);
		w->instances += c->batch;
	}
	return NULL;
fail:
	w->error = ret;
	stop = true;
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* -L: cgroup_mutex traced by cgmutex.bpf.o; its .bss is struct cgmutex_stat */
struct cgmutex_stat {
	uint64_t target, acquisitions, hold_ns, held_since;
};
static struct bpf_map *cgmutex_bss;

static int cgmutex_attach(void)
{
	char path[4096], line[256], name[128];
	struct cgmutex_stat init = {};
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	unsigned long long addr;
	bool nested = false;
	char type;
	ssize_t n;
	FILE *f;

	/* with CONFIG_DEBUG_LOCK_ALLOC, mutex_lock() is mutex_lock_nested() */
	f = fopen("/proc/kallsyms", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) != 3)
			continue;
		if (!strcmp(name, "cgroup_mutex"))
			init.target = addr;
		if (!strcmp(name, "mutex_lock_nested"))
			nested = true;
	}
	if (f)
		fclose(f);
	if (!init.target) {
		fprintf(stderr, "-L: no address for cgroup_mutex in /proc/kallsyms (kptr_restrict?)\n");
		return -1;
	}
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n < 0)
		return -1;
	path[n] = '\0';
	strcpy(strrchr(path, '/') + 1, "cgmutex.bpf.o");
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "-L: %s: %s\n", path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(map, obj) {
		const char *mn = bpf_map__name(map);

		if (strlen(mn) > 4 && !strcmp(mn + strlen(mn) - 4, ".bss"))
			cgmutex_bss = map;
	}
	prog = bpf_object__find_program_by_name(obj, "cgmutex_locked");
	if (!cgmutex_bss || !prog ||
	    bpf_map__set_initial_value(cgmutex_bss, &init, sizeof(init)) ||
	    (nested && bpf_program__set_attach_target(prog, 0, "mutex_lock_nested")) ||
	    bpf_object__load(obj)) {
		fprintf(stderr, "-L: cannot load %s\n", path);
		return -1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "-L: cannot attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Counters so far; a cell takes the difference around itself. */
static bool cgmutex_read(long *acq, double *hold_us)
{
	struct cgmutex_stat st;
	int key = 0;

	if (!cgmutex_bss ||
	    bpf_map__lookup_elem(cgmutex_bss, &key, sizeof(key), &st, sizeof(st), 0))
		return false;
	*acq = st.acquisitions;
	*hold_us = st.hold_ns / 1e3;
	return true;
}

/* cgroup_mutex acquisitions and total hold time (µs) from /proc/lock_stat */
static bool lock_stat(long *acq, double *hold_us)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/lock_stat", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "cgroup_mutex:");
		double v[12];

		if (!p || found)
			continue;
		/* con-bounces contentions wait-min wait-max wait-total wait-avg
		 * acq-bounces acquisitions hold-min hold-max hold-total hold-avg
		 */
		if (sscanf(p + strlen("cgroup_mutex:"),
			   "%lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10], &v[11]) == 12) {
			*acq = (long)v[7];
			*hold_us = v[10];	/* lock_stat prints µs */
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void lock_stat_clear(void)
{
	int fd = open("/proc/lock_stat", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "0", 1) != 1)
			perror("/proc/lock_stat");
		close(fd);
	}
}

static int run_cell(struct cell *c)
{
	static double lat[MAX_SAMPLES];
	struct worker w[MAX_THREADS] = {};
	long total = 0, n = 0, acq = 0, acq0 = 0;
	double t0, elapsed, hold = 0, hold0 = 0;
	bool have_ls;
	int i, err = 0;

	stop = false;
	lock_stat_clear();
	cgmutex_read(&acq0, &hold0);
	t0 = now_us();
	for (i = 0; i < c->threads; i++) {
		w[i].cell = c;
		w[i].id = i;
		w[i].lat = lat + (long)i * (MAX_SAMPLES / MAX_THREADS);
		if (pthread_create(&w[i].thread, NULL, work, &w[i]))
			return -1;
	}
	usleep(c->seconds * 1e6);
	stop = true;
	for (i = 0; i < c->threads; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].instances;
		if (w[i].error)
			err = w[i].error;
	}
	elapsed = (now_us() - t0) / 1e6;
	if (cgmutex_bss) {
		have_ls = cgmutex_read(&acq, &hold);
		acq -= acq0;
		hold -= hold0;
	} else {
		have_ls = lock_stat(&acq, &hold);
	}

	/* compact the samples */
	for (i = 0; i < c->threads; i++) {
		memmove(lat + n, w[i].lat, w[i].nlat * sizeof(double));
		n += w[i].nlat;
	}
	qsort(lat, n, sizeof(double), cmp_double);
	printf("%-9s %-7s %5d %7d %12.0f %10.0f %10.0f",
	       c->child ? "instance" : "provision",
	       c->classic ? "classic" : "batch", c->batch, c->threads,
	       total / elapsed, n ? lat[n / 2] : 0, n ? lat[n * 99 / 100] : 0);
	if (have_ls && total)
		printf(" %10.2f %12.2f", (double)acq / total, hold / total);
	else
		printf(" %10s %12s", "-", "-");
	if (err)
		printf("  error: %s", strerror(-err));
	printf("\n");
	fflush(stdout);
	return err ? -1 : 0;
}

static int parse_list(const char *s, int *out, int max)
{
	int n = 0;
	char *copy = strdup(s), *tok, *save;

	for (tok = strtok_r(copy, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save))
		out[n++] = atoi(tok);
	free(copy);
	return n;
}

int main(int argc, char **argv)
{
	const char *root = "/sys/fs/cgroup";
	int conc[8] = { 1, 4, 16, 64 }, nconc = 4;
	int batches[8] = { 1, 8, 64 }, nbatch = 3;
	double seconds = 3;
	char parent[4096];
	int opt, ci, bi, child, fails = 0, child_lo = 0, child_hi = 1;
	bool trace = false, classic_only = false;
	bool has_batch;
	struct cell c = {};

	while ((opt = getopt(argc, argv, "t:r:C:B:c:kL")) != -1) {
		switch (opt) {
		case 't': seconds = atof(optarg); break;
		case 'r': root = optarg; break;
		case 'C': nconc = parse_list(optarg, conc, 8); break;
		case 'B': nbatch = parse_list(optarg, batches, 8); break;
		case 'L': trace = true; break;
		case 'k': classic_only = true; break;
		case 'c':
			if (!strcmp(optarg, "provision")) {
				child_hi = 0;
				break;
			}
			if (!strcmp(optarg, "instance")) {
				child_lo = 1;
				break;
			}
			/* fall through */
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-r ROOT] [-C 1,4,16,64] [-B 1,8,64] [-c provision|instance] [-k] [-L]\n",
				argv[0]);
			return 2;
		}
	}
	/*
	 * 64 threads x 64 descriptors of a batch need more than 1024 fds,
	 * and the test guest's hard limit is 1024: raise both as root, else
	 * the soft limit to the hard one.
	 */
	{
		struct rlimit rl = { .rlim_cur = 65536, .rlim_max = 65536 };

		if (setrlimit(RLIMIT_NOFILE, &rl) && !getrlimit(RLIMIT_NOFILE, &rl)) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (trace && cgmutex_attach())
		return 1;
	snprintf(parent, sizeof(parent), "%s/cgroup-bench", root);
	rmdir(parent);
	if (mkdir(parent, 0755) && errno != EEXIST) {
		perror(parent);
		return 1;
	}
	{
		char p[4200];
		int fd;

		snprintf(p, sizeof(p), "%s/cgroup.subtree_control", root);
		fd = open(p, O_WRONLY);
		if (fd < 0 || write(fd, "+memory +pids +cpu", 18) != 18)
			perror("enable controllers in the root");
		close(fd);
		snprintf(p, sizeof(p), "%s/cgroup.subtree_control", parent);
		fd = open(p, O_WRONLY);
		if (fd < 0 || write(fd, "+memory +pids +cpu", 18) != 18) {
			perror(p);
			return 1;
		}
		close(fd);
	}
	c.pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	c.seconds = seconds;
	has_batch = cgb_kernel_has_batch(c.pfd);
	printf("# cgroup-bench: %.1f s per cell, controllers memory+pids+cpu, 3 limits; kernel %s CGROUP_IOC_CREATE%s\n",
	       seconds, has_batch ? "has" : "lacks",
	       has_batch && classic_only ? " (not used: -k)" : "");
	printf("# lat = time until one instance's cgroup is ready (µs); lock = cgroup_mutex per instance (%s)\n",
	       trace ? "BPF on mutex_lock/mutex_unlock, an upper bound" : "lock_stat");
	printf("%-9s %-7s %5s %7s %12s %10s %10s %10s %12s\n", "cycle", "path",
	       "batch", "threads", "inst/s", "lat-p50", "lat-p99",
	       "lock-acq", "lock-hold-us");
	for (child = child_lo; child <= child_hi; child++) {
		c.child = child;
		for (ci = 0; ci < nconc; ci++) {
			c.threads = conc[ci] > MAX_THREADS ? MAX_THREADS : conc[ci];
			c.classic = true;
			c.batch = 1;
			fails += run_cell(&c) != 0;
			if (!has_batch || classic_only)
				continue;
			c.classic = false;
			for (bi = 0; bi < nbatch; bi++) {
				c.batch = batches[bi] > MAX_BATCH ? MAX_BATCH : batches[bi];
				fails += run_cell(&c) != 0;
			}
		}
	}
	close(c.pfd);
	rmdir(parent);
	return fails ? 1 : 0;
}
