// SPDX-License-Identifier: GPL-2.0
/*
 * launch-bench: cold starts of one function, the same OCI bundle, in each
 * way the worker can start it, at several concurrencies:
 *
 *   floor      fork() + execve() + wait of the bundle's executable (its
 *              path on the host), no isolation at all
 *   floor-spawn  the same with posix_spawn() (glibc: clone(CLONE_VM |
 *              CLONE_VFORK), no copy of this process's page tables), the
 *              cheapest bare start
 *   process    process mode (lnch_function_run() of a function opened
 *              once: the gate and the filter's load are not counted): a
 *              cgroup made and destroyed per instance, the namespaces, the
 *              mounts, Landlock and the seccomp filter (seccomp-eBPF where
 *              the kernel has it)
 *   process-classic  the same with mkdir(2)/rmdir(2) and a classic filter:
 *              what process mode does without the series
 *   process-pool  process mode as fnlaunchd runs it: the workers are
 *              threads calling lnch_function_invoke(), and the cgroups come
 *              from a warm pool of max(4, C) that a thread of its own
 *              refills and empties in batches (lnch_function_refill())
 *              after each instance and every 100 ms, as fnlaunchd's does,
 *              full when the timing starts
 *   process-copy, process-pool-copy  process and process-pool with
 *              LNCH_RUN_CLASSIC_MOUNTS: each instance copies the launcher's
 *              mounts and pivot_root()s, as on kernels without
 *              open_tree(OPEN_TREE_NAMESPACE), instead of a mount namespace
 *              made from the function's tree
 *   crun       crun run of the bundle
 *   crun-start  crun start of a container created ahead (crun create,
 *              not timed, every instance's before the timing starts), and
 *              the wait for its exit and its crun delete: what a warm pool
 *              of containers would give; "start" is until crun start
 *              returned.  Each worker is a child subreaper, so that the
 *              containers' init processes are its children to wait for.
 *
 * An instance's latency is from the call (fork for the floor) to the
 * function's exit and teardown ("total"); for the floor and process mode
 * also to its execve() ("start").  C concurrent workers (forked) each
 * start instances back to back until N are done; instances/s is N over
 * the wall time.  The function's output goes to /dev/null.
 *
 * usage: launch-bench [-n N] [-c C[,C...]] [-m MODE[,MODE...]] [-t NAME]
 *                     [--profiles DIR] BUNDLE
 * Output: one line per mode and concurrency,
 *   MODE c=C n=N per_s=R start_p50_us=.. start_p99_us=.. total_p50_us=.. total_p99_us=.. failed=F
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "launcher.h"

struct sample {
	uint64_t start_ns, total_ns;
	int ok;
};

static const char *profiles;
static const char *bundle;
static const char *fname = "bench";
static char floor_path[4096];
static char *floor_argv[64];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* fork + execve + wait, execve's success seen as EOF on a CLOEXEC pipe */
static void run_floor(struct sample *s)
{
	uint64_t t0 = now_ns();
	int p[2], st;
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		execv(floor_path, floor_argv);
		_exit(127);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) == 0)
		s->start_ns = now_ns() - t0;
	close(p[0]);
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		s->ok = 1;
	s->total_ns = now_ns() - t0;
}

static void run_floor_spawn(struct sample *s)
{
	uint64_t t0 = now_ns();
	int st;
	pid_t pid;

	/* returns once the child's execve() succeeded or failed */
	if (posix_spawn(&pid, floor_path, NULL, NULL, floor_argv, environ))
		return;
	s->start_ns = now_ns() - t0;
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		s->ok = 1;
	s->total_ns = now_ns() - t0;
}

static void run_launcher(struct sample *s, struct lnch_function *fn)
{
	struct lnch_result *r = NULL;
	uint64_t t0 = now_ns();

	/* lnch_function_run() is this without options; invoke is the one
	 * documented for several threads, as process-pool's workers are */
	if (lnch_function_invoke(fn, NULL, &r) == 0 && r->started && !r->error && r->exited &&
	    r->exit_code == 0)
		s->ok = 1;
	s->total_ns = now_ns() - t0;
	if (r)
		s->start_ns = r->start_ns;
	lnch_result_free(r);
}

/* ---- crun-start ---- */

#define CRUN_ROOT	"/run/fnlaunch/bench-crun"

/* crun ARGV..., its standard streams ours; 0 if it exited with 0 */
static int crun(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execvp("crun", argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

struct ahead {
	char id[64];
	pid_t pid;		/* the container's init, waiting at its exec FIFO */
};

static int crun_create(struct ahead *a, int i)
{
	char pidfile[192], buf[32] = "";
	char *argv[] = { "crun", "--root", CRUN_ROOT, "create", "--bundle", (char *)bundle,
			 "--pid-file", pidfile, a->id, NULL };
	FILE *f;

	snprintf(a->id, sizeof(a->id), "bench-%d-%d", (int)getpid(), i);
	snprintf(pidfile, sizeof(pidfile), "%s/%s.pid", CRUN_ROOT, a->id);
	a->pid = 0;
	if (crun(argv))
		return -1;
	f = fopen(pidfile, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			a->pid = atoi(buf);
		fclose(f);
	}
	unlink(pidfile);
	return a->pid > 0 ? 0 : -1;
}

static void run_crun_start(struct sample *s, struct ahead *a)
{
	char *start[] = { "crun", "--root", CRUN_ROOT, "start", a->id, NULL };
	char *del[] = { "crun", "--root", CRUN_ROOT, "delete", "-f", a->id, NULL };
	uint64_t t0 = now_ns();
	int st, ok;

	ok = !crun(start);
	if (ok)
		s->start_ns = now_ns() - t0;
	/* this worker is a child subreaper: the init is its child */
	ok = ok && waitpid(a->pid, &st, 0) == a->pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	ok = !crun(del) && ok;
	s->ok = ok;
	s->total_ns = now_ns() - t0;
	/* crun's own orphans, reparented here */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Worker @w of @conc: create its share of the @n containers ahead, say so
 * on @ready, wait for @go to close, then start them one after the other.
 */
static void crun_worker(struct sample *s, int w, int conc, int n, int ready, int go)
{
	int nr = 0, k = 0;
	struct ahead *a;
	char c = 1;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (int i = w; i < n; i += conc)
		nr++;
	a = calloc(nr ? nr : 1, sizeof(*a));
	for (int i = w; a && i < n; i += conc, k++)
		if (crun_create(&a[k], i))
			a[k].pid = 0;
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 0)
		_exit(1);
	k = 0;
	for (int i = w; a && i < n; i += conc, k++)
		if (a[k].pid > 0)
			run_crun_start(&s[i], &a[k]);
	_exit(0);
}

static uint64_t crun_start_run(struct sample *s, int conc, int n)
{
	int ready[2], go[2];
	uint64_t t0;
	char c;

	if ((mkdir("/run/fnlaunch", 0700) && errno != EEXIST) ||
	    (mkdir(CRUN_ROOT, 0700) && errno != EEXIST) || pipe(ready) || pipe(go))
		return 0;
	for (int w = 0; w < conc; w++) {
		pid_t pid = fork();

		if (pid < 0)
			return 0;
		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			crun_worker(s, w, conc, n, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	/* every container created: the timing starts */
	for (int w = 0; w < conc; w++)
		if (read(ready[0], &c, 1) != 1)
			break;
	t0 = now_ns();
	close(go[1]);
	while (wait(NULL) > 0)
		;
	close(ready[0]);
	return now_ns() - t0;
}

struct pool_run {
	struct sample *s;
	int *next, n;
	struct lnch_function *fn;
	pthread_mutex_t lock;
	pthread_cond_t kick;		/* an instance ended, or stop */
	bool kicked, stop;
};

static void *pool_worker(void *arg)
{
	struct pool_run *p = arg;

	for (;;) {
		int i = __atomic_fetch_add(p->next, 1, __ATOMIC_RELAXED);

		if (i >= p->n)
			return NULL;
		run_launcher(&p->s[i], p->fn);
		pthread_mutex_lock(&p->lock);
		p->kicked = true;
		pthread_cond_signal(&p->kick);
		pthread_mutex_unlock(&p->lock);
	}
}

/* fnlaunchd's pool thread: refill after each instance, and every 100 ms */
static void *pool_refiller(void *arg)
{
	struct pool_run *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		while (!p->kicked && !p->stop)
			if (pthread_cond_timedwait(&p->kick, &p->lock, &t))
				break;
		p->kicked = false;
		pthread_mutex_unlock(&p->lock);
		lnch_function_refill(p->fn, NULL, NULL);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* the function, prepared once per mode as a worker's daemon would */
static struct lnch_function *open_fn(const char *mode, int conc)
{
	struct lnch_run_opts o = {
		.sz = sizeof(o), .profile_dir = profiles, .mode = LNCH_MODE_PROCESS, .name = fname,
	};
	struct lnch_function *fn;
	char *err = NULL;

	if (!strcmp(mode, "process-copy") || !strcmp(mode, "process-pool-copy"))
		o.flags = LNCH_RUN_CLASSIC_MOUNTS;
	if (!strcmp(mode, "process-classic"))
		o.flags = LNCH_RUN_CLASSIC_CGROUP | LNCH_RUN_CLASSIC_FILTER;
	else if (!strcmp(mode, "process-pool") || !strcmp(mode, "process-pool-copy"))
		o.warm_pool = conc > 4 ? conc : 4;
	else if (!strcmp(mode, "crun"))
		o.mode = LNCH_MODE_CONTAINER;
	else if (strcmp(mode, "process") && strcmp(mode, "process-copy"))
		return NULL;
	if (lnch_function_open(bundle, &o, &fn, NULL, &err)) {
		fprintf(stderr, "launch-bench: %s: %s: %s\n", mode, bundle, err ? err : "out of memory");
		exit(1);
	}
	free(err);
	return fn;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, int n, double p)
{
	int i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	i = (int)(p * (n - 1) + 0.5);
	return v[i] / 1000.0;
}

static int one(const char *mode, int conc, int n)
{
	struct sample *s = mmap(NULL, n * sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *next = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct lnch_function *fn = strcmp(mode, "crun-start") ? open_fn(mode, conc) : NULL;
	uint64_t *starts, *totals, t0, wall;
	int failed = 0, ns = 0, nt = 0;

	if (s == MAP_FAILED || next == MAP_FAILED)
		return -1;
	memset(s, 0, n * sizeof(*s));
	*next = 0;
	if (!strcmp(mode, "crun-start")) {
		wall = crun_start_run(s, conc, n);
		if (!wall)
			return -1;
		goto done;
	}
	if (!strcmp(mode, "process-pool") || !strcmp(mode, "process-pool-copy")) {
		struct pool_run p = { .s = s, .next = next, .n = n, .fn = fn,
				      .lock = PTHREAD_MUTEX_INITIALIZER,
				      .kick = PTHREAD_COND_INITIALIZER };
		pthread_t refill, *w = calloc(conc, sizeof(*w));

		if (!w || lnch_function_refill(fn, NULL, NULL) ||
		    pthread_create(&refill, NULL, pool_refiller, &p))
			return -1;
		t0 = now_ns();
		for (int i = 0; i < conc; i++)
			if (pthread_create(&w[i], NULL, pool_worker, &p))
				return -1;
		for (int i = 0; i < conc; i++)
			pthread_join(w[i], NULL);
		wall = now_ns() - t0;
		pthread_mutex_lock(&p.lock);
		p.stop = true;
		pthread_cond_signal(&p.kick);
		pthread_mutex_unlock(&p.lock);
		pthread_join(refill, NULL);
		free(w);
		goto done;
	}
	t0 = now_ns();
	for (int w = 0; w < conc; w++) {
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (pid)
			continue;
		for (;;) {
			int i = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED);

			if (i >= n)
				_exit(0);
			if (fn)
				run_launcher(&s[i], fn);
			else if (!strcmp(mode, "floor-spawn"))
				run_floor_spawn(&s[i]);
			else
				run_floor(&s[i]);
		}
	}
	while (wait(NULL) > 0)
		;
	wall = now_ns() - t0;
done:
	starts = calloc(n, sizeof(*starts));
	totals = calloc(n, sizeof(*totals));
	for (int i = 0; i < n; i++) {
		if (!s[i].ok) {
			failed++;
			continue;
		}
		if (s[i].start_ns)
			starts[ns++] = s[i].start_ns;
		totals[nt++] = s[i].total_ns;
	}
	printf("%s c=%d n=%d per_s=%.1f start_p50_us=%.0f start_p99_us=%.0f total_p50_us=%.0f total_p99_us=%.0f failed=%d\n",
	       mode, conc, n, nt * 1e9 / wall, pct(starts, ns, 0.5), pct(starts, ns, 0.99),
	       pct(totals, nt, 0.5), pct(totals, nt, 0.99), failed);
	fflush(stdout);
	free(starts);
	free(totals);
	munmap(s, n * sizeof(*s));
	munmap(next, sizeof(int));
	lnch_function_close(fn);
	return failed;
}

/* the executable and argv of the bundle's function, from the gate */
static int floor_setup(void)
{
	struct lnch_gate_opts o = { .sz = sizeof(o), .profile_dir = profiles };
	struct lnch_verdict *v;
	char rootfs[4096];

	if (lnch_gate_check_opts(bundle, &o, &v) || v->status == LNCH_BAD_INPUT) {
		fprintf(stderr, "launch-bench: %s: %s\n", bundle, v ? v->error : "out of memory");
		return -1;
	}
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(floor_path, sizeof(floor_path), "%s%s", rootfs, v->executable);
	for (int i = 0; i < v->config.nr_args && i < 63; i++)
		floor_argv[i] = strdup(v->config.args[i]);
	lnch_verdict_free(v);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profiles", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	char *concs = strdup("1,4,16,64"),
	     *modes = strdup("floor,process,process-pool,process-classic,crun");
	int n = 200, c, bad = 0, devnull, out;

	while ((c = getopt_long(argc, argv, "n:c:m:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'c':
			concs = strdup(optarg);
			break;
		case 'm':
			modes = strdup(optarg);
			break;
		case 't':
			fname = optarg;
			break;
		case 'p':
			profiles = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1 || n < 1) {
		fprintf(stderr, "usage: launch-bench [-n N] [-c C,...] [-m MODE,...] [-t NAME] [--profiles DIR] BUNDLE\n");
		return 2;
	}
	bundle = argv[optind];
	if (floor_setup())
		return 1;
	/* the figures go to standard output, the function's output nowhere */
	out = dup(1);
	devnull = open("/dev/null", O_WRONLY);
	if (out < 0 || devnull < 0 || dup2(devnull, 1) < 0)
		return 1;
	stdout = fdopen(out, "w");
	if (!stdout)
		return 1;
	printf("# launch-bench n=%d bundle=%s\n", n, bundle);
	for (char *m = strtok(modes, ","), *sm; m; m = strtok(NULL, ",")) {
		if (strcmp(m, "floor") && strcmp(m, "floor-spawn") && strcmp(m, "process") &&
		    strcmp(m, "process-classic") &&
		    strcmp(m, "process-pool") && strcmp(m, "process-copy") &&
		    strcmp(m, "process-pool-copy") && strcmp(m, "crun") && strcmp(m, "crun-start")) {
			fprintf(stderr, "launch-bench: unknown mode %s\n", m);
			return 2;
		}
		char *cs = strdup(concs);

		for (char *cc = strtok_r(cs, ",", &sm); cc; cc = strtok_r(NULL, ",", &sm))
			bad |= one(m, atoi(cc), n) != 0;
		free(cs);
	}
	return bad;
}
