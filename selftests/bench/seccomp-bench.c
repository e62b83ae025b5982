// SPDX-License-Identifier: GPL-2.0
/*
 * Per-syscall cost of a whitelist, side by side in one run: no filter,
 * libseccomp's classic filter of the profile (default layout and binary
 * tree), and the seccomp-eBPF whitelist of the same profile.
 *
 * Two cases: getppid allowed without conditions (seccomp's constant-action
 * cache decides it), and getppid allowed only with an argument condition
 * (arg0 == 0), so that the filter must run.  Each (case, filter) runs in
 * its own child process, since filters cannot be removed.
 *
 *   seccomp-bench [-n CALLS] [-r ROUNDS] PROFILE...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "install.h"

enum mode { NONE, CLASSIC, CLASSIC_TREE, EBPF, NR_MODES };
static const char *const mode_name[] = {
	"no filter", "libseccomp default", "libseccomp tree", "seccomp-eBPF",
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ns per getppid over @rounds rounds of @calls, in a child. */
static double measure(const struct swl_policy *pol, enum mode m, long calls, int rounds)
{
	int p[2], status;
	double r = -1;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		double t[64];
		char err[512];
		int ret = 0;

		if (m == CLASSIC || m == CLASSIC_TREE)
			ret = swl_install_classic(pol, 0, m == CLASSIC_TREE, 0, err, sizeof(err));
		else if (m == EBPF)
			ret = swl_install_ebpf(pol, 0, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "seccomp-bench: %s: %s\n", mode_name[m], err);
			r = -1;
		} else {
			for (int i = 0; i < calls / 10; i++)	/* warm up */
				syscall(__NR_getppid, 0);
			for (int k = 0; k < rounds; k++) {
				double t0 = now_ns();

				for (long i = 0; i < calls; i++)
					if (syscall(__NR_getppid, 0) < 0)
						_exit(3);
				t[k] = (now_ns() - t0) / calls;
			}
			qsort(t, rounds, sizeof(t[0]), cmp_double);
			r = t[rounds / 2];
		}
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	if (pid < 0 || read(p[0], &r, sizeof(r)) != sizeof(r))
		r = -1;
	waitpid(pid, &status, 0);
	close(p[0]);
	close(p[1]);
	return r;
}

/* Make getppid allowed only when its first argument is 0: the filter must run. */
static void getppid_with_argument_check(struct swl_policy *pol)
{
	for (int ph = 0; ph < pol->nr_phases; ph++) {
		struct swl_phase *p = &pol->phases[ph];
		struct swl_prule *last = NULL;

		for (int i = 0; i < p->nr_rules; i++) {
			struct swl_prule *r = &p->rules[i];

			if (r->nr != __NR_getppid)
				continue;
			r->nr_conds = 1;
			r->conds[0] = (struct swl_cond){ .arg = 0, .op = SWL_OP_EQ, .value = 0 };
			last = r;
		}
		if (!last) {
			fprintf(stderr, "seccomp-bench: the profile does not allow getppid\n");
			exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	static struct swl_policy pol;
	static const char *const cases[] = {
		"getppid, no argument check (cached)",
		"getppid, argument check (filter runs)",
	};
	long calls = 200000;
	int rounds = 5, opt;
	char err[1024];
	int nrules = 0;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			calls = atol(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			goto usage;
	}
	if (optind == argc || calls <= 0 || rounds <= 0 || rounds > 64)
		goto usage;
	for (int i = optind; i < argc; i++)
		if (swl_profile_add(&pol, argv[i], err, sizeof(err))) {
			fprintf(stderr, "seccomp-bench: %s\n", err);
			return 1;
		}
	if (swl_policy_check(&pol, err, sizeof(err))) {
		fprintf(stderr, "seccomp-bench: %s\n", err);
		return 1;
	}
	for (int p = 0; p < pol.nr_phases; p++)
		nrules += pol.phases[p].nr_rules;
	printf("# seccomp-bench: %d profile(s), %d rules, %d syscalls allowed; %ld calls x %d rounds (median) per cell\n",
	       pol.nr_profiles, nrules, swl_phase_count_allowed(&pol.phases[0]), calls, rounds);

	for (int c = 0; c < 2; c++) {
		double t[NR_MODES];

		if (c == 1)
			getppid_with_argument_check(&pol);
		printf("\n%s\n", cases[c]);
		printf("  %-20s %10s %12s %14s %14s\n", "filter", "ns/call", "over none",
		       "vs default", "vs tree");
		for (int m = 0; m < NR_MODES; m++)
			t[m] = measure(&pol, m, calls, rounds);
		for (int m = 0; m < NR_MODES; m++) {
			if (t[m] < 0) {
				printf("  %-20s %10s\n", mode_name[m], "failed");
				continue;
			}
			printf("  %-20s %10.1f %12.1f", mode_name[m], t[m], t[m] - t[NONE]);
			if (m == EBPF && t[CLASSIC] > 0 && t[CLASSIC_TREE] > 0)
				printf(" %13.2fx %13.2fx",
				       (t[CLASSIC] - t[NONE]) / (t[EBPF] - t[NONE] > 1 ? t[EBPF] - t[NONE] : 1),
				       (t[CLASSIC_TREE] - t[NONE]) / (t[EBPF] - t[NONE] > 1 ? t[EBPF] - t[NONE] : 1));
			printf("\n");
		}
		printf("  (vs default / vs tree: libseccomp's filter overhead over the eBPF whitelist's; >1 means eBPF is cheaper)\n");
	}
	swl_policy_free(&pol);
	return 0;
usage:
	fprintf(stderr, "usage: seccomp-bench [-n CALLS] [-r ROUNDS] PROFILE...\n");
	return 2;
}
