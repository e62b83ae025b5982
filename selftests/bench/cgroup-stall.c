// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup-stall: how long mkdir(2)+rmdir(2) of a cgroup elsewhere on the node
 * waits while one caller makes large CGROUP_IOC_CREATE calls.
 *
 *   cgroup-stall [-t SECONDS] [-r CGROUP2_ROOT] [-n CGROUPS] [-s VALUES]
 *
 * A thread creates CGROUPS cgroups per call (default 1,024) under
 * ROOT/stall-a, each seeded with VALUES values (default 1, 0 for none;
 * memory, pids and cpu files in turn), and destroys them, in a loop.  The main thread times
 * mkdir(2)+rmdir(2) pairs under ROOT/stall-b for SECONDS (default 5) with
 * the creator idle, then for SECONDS with it running, and prints for each
 * phase the pairs timed, their p50, p99 and maximum, and for the busy phase
 * the longest pair that fell within one CREATE and within one DESTROY call,
 * and the CREATE calls made and their mean duration.  A call the kernel refuses
 * (E2BIG beyond CGROUP_SEED_WRITES_MAX seed writes) is reported and ends
 * the run with exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgbatch.h"

#define MAX_SAMPLES (1 << 20)

static const struct cgb_seed kinds[] = {
	{ "pids.max", "64" },
	{ "memory.max", "134217728" },
	{ "cpu.max", "100000 100000" },
	{ "memory.high", "100663296" },
	{ "cpu.weight", "50" },
	{ "memory.low", "0" },
};

static int nr_cgroups = 1024, nr_values = 1;
static int creator_stop, creator_err;
/* what the creator is doing: 0 nothing, 1 CREATE, 2 DESTROY */
static int creator_phase;
static long creates;
static double create_seconds;
static int parent_a = -1;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void *creator(void *arg)
{
	struct cgb_seed *seeds = nr_values ? calloc(nr_values, sizeof(*seeds)) : NULL;
	const char **names = calloc(nr_cgroups, sizeof(*names));
	char (*buf)[16] = calloc(nr_cgroups, sizeof(*buf));
	int *fds = calloc(nr_cgroups, sizeof(*fds));
	struct cgb_error e;
	int i, ret;

	if ((nr_values && !seeds) || !names || !buf || !fds) {
		creator_err = ENOMEM;
		return NULL;
	}
	for (i = 0; i < nr_values; i++)
		seeds[i] = kinds[i % (sizeof(kinds) / sizeof(kinds[0]))];
	for (i = 0; i < nr_cgroups; i++) {
		snprintf(buf[i], sizeof(buf[i]), "c%d", i);
		names[i] = buf[i];
	}
	while (!__atomic_load_n(&creator_stop, __ATOMIC_RELAXED)) {
		CGB_OPTS(cgb_create_opts, copts, .seeds = seeds,
			 .nr_seeds = nr_values, .err = &e);
		CGB_OPTS(cgb_destroy_opts, dopts);
		double t0 = now();

		__atomic_store_n(&creator_phase, 1, __ATOMIC_SEQ_CST);
		ret = cgb_create_batch(parent_a, names, nr_cgroups, fds, &copts);
		__atomic_store_n(&creator_phase, 0, __ATOMIC_SEQ_CST);
		if (ret) {
			creator_err = -ret;
			break;
		}
		create_seconds += now() - t0;
		creates++;
		__atomic_store_n(&creator_phase, 2, __ATOMIC_SEQ_CST);
		ret = cgb_destroy_batch(parent_a, fds, names, nr_cgroups, &dopts);
		__atomic_store_n(&creator_phase, 0, __ATOMIC_SEQ_CST);
		for (i = 0; i < nr_cgroups; i++)
			close(fds[i]);
		if (ret) {
			creator_err = -ret;
			break;
		}
	}
	free(seeds);
	free(names);
	free(buf);
	free(fds);
	return NULL;
}

/*
 * mkdir(2)+rmdir(2) pairs for @seconds; prints their p50, p99 and max, and
 * the longest pair that started and ended within one CREATE and within one
 * DESTROY call
 */
static int time_pairs(const char *what, const char *path, double seconds,
		      double *samples)
{
	double end = now() + seconds, in_phase[3] = {};
	long n = 0;

	while (now() < end && n < MAX_SAMPLES) {
		int p0 = __atomic_load_n(&creator_phase, __ATOMIC_SEQ_CST), p1;
		double t0 = now(), d;

		if (mkdir(path, 0755) || rmdir(path)) {
			fprintf(stderr, "cgroup-stall: %s: %s\n", path, strerror(errno));
			return -1;
		}
		d = now() - t0;
		p1 = __atomic_load_n(&creator_phase, __ATOMIC_SEQ_CST);
		if (p0 == p1 && d > in_phase[p0])
			in_phase[p0] = d;
		samples[n++] = d;
	}
	qsort(samples, n, sizeof(*samples), cmp_double);
	printf("%-5s mkdir+rmdir pairs %6ld  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms\n",
	       what, n, samples[n / 2] * 1e3, samples[n * 99 / 100] * 1e3,
	       samples[n - 1] * 1e3);
	if (in_phase[1] > 0 || in_phase[2] > 0)
		printf("%-5s longest pair within one CREATE %8.2f ms, within one DESTROY %8.2f ms\n",
		       what, in_phase[1] * 1e3, in_phase[2] * 1e3);
	return 0;
}

static int enable(const char *dir)
{
	static const char ctl[] = "+memory +pids +cpu";
	char path[4200];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	fd = open(path, O_WRONLY);
	ok = fd >= 0 && write(fd, ctl, strlen(ctl)) == (ssize_t)strlen(ctl);
	if (!ok)
		fprintf(stderr, "cgroup-stall: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cgroup-stall [-t SECONDS] [-r CGROUP2_ROOT] [-n CGROUPS] [-s VALUES]\n");
}

int main(int argc, char **argv)
{
	const char *root = "/sys/fs/cgroup";
	char a[4096], b[4096], x[4200];
	double seconds = 5, *samples;
	struct rlimit nofile;
	pthread_t t;
	int c, ret = 0;

	while ((c = getopt(argc, argv, "t:r:n:s:h")) != -1) {
		switch (c) {
		case 't': seconds = atof(optarg); break;
		case 'r': root = optarg; break;
		case 'n': nr_cgroups = atoi(optarg); break;
		case 's': nr_values = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (seconds <= 0 || nr_cgroups < 1 || nr_values < 0 || optind != argc) {
		usage(stderr);
		return 64;
	}
	/* a descriptor per cgroup of the batch */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur < (rlim_t)nr_cgroups + 64) {
		nofile.rlim_cur = nr_cgroups + 64;
		if (nofile.rlim_max < nofile.rlim_cur)
			nofile.rlim_max = nofile.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &nofile))
			perror("cgroup-stall: RLIMIT_NOFILE");
	}
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	snprintf(a, sizeof(a), "%s/stall-a", root);
	snprintf(b, sizeof(b), "%s/stall-b", root);
	snprintf(x, sizeof(x), "%s/x", b);
	if (!samples || (mkdir(a, 0755) && errno != EEXIST) ||
	    (mkdir(b, 0755) && errno != EEXIST)) {
		perror("cgroup-stall: setup");
		return 1;
	}
	/* the seeds' controllers, in ROOT and in stall-a */
	if (enable(root) || enable(a))
		return 1;
	parent_a = open(a, O_RDONLY | O_DIRECTORY);
	if (parent_a < 0) {
		perror(a);
		return 1;
	}
	printf("CREATE of %d cgroups with %d values each (%d seed writes) under %s\n",
	       nr_cgroups, nr_values, nr_cgroups * nr_values, a);
	if (time_pairs("idle", x, seconds, samples))
		return 1;
	pthread_create(&t, NULL, creator, NULL);
	if (time_pairs("busy", x, seconds, samples))
		ret = 1;
	__atomic_store_n(&creator_stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	if (creator_err) {
		printf("CREATE failed: %s\n", strerror(creator_err));
		ret = 1;
	} else {
		printf("busy  CREATE calls %ld, mean %.1f ms\n", creates,
		       creates ? create_seconds / creates * 1e3 : 0);
	}
	close(parent_a);
	rmdir(a);
	rmdir(b);
	return ret;
}
