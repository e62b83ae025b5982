// SPDX-License-Identifier: GPL-2.0
/*
 * Per-syscall cost of a whitelist, side by side in one run: no filter,
 * libseccomp's classic filter of the profile (default layout and binary
 * tree), and the seccomp-eBPF whitelist of the same profile.
 *
 * Two cases: getppid allowed without conditions (seccomp's constant-action
 * cache decides it), and getppid allowed only with an argument condition
 * (arg0 == 0), so that the filter must run.  Each filter runs in its own
 * child process, since filters cannot be removed; their rounds interleave.
 *
 *   seccomp-bench [-n CALLS] [-r ROUNDS] [-f] PROFILE...
 *
 * -f: a syscall's first rule without conditions replaces its other rules,
 * as in libseccomp (for containers/common's default profile).
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

enum mode { NONE, CLASSIC, CLASSIC_TREE, EBPF, EBPF_CODE, NR_MODES };
static const char *const mode_name[] = {
	"no filter", "libseccomp default", "libseccomp tree", "seccomp-eBPF tables",
	"seccomp-eBPF code",
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

/*
 * One child per filter, each installs its filter and then runs rounds of
 * @calls getppid on request.  The rounds of the filters are interleaved
 * (the order rotating each round), so that drift of the emulated machine's
 * speed hits every filter alike; each cell is the median of its rounds.
 */
static void measure_all(const struct swl_policy *pol, long calls, int rounds,
			double *result)
{
	int cmd[NR_MODES][2], res[NR_MODES][2], status;
	double t[NR_MODES][64];
	pid_t pid[NR_MODES];

	for (int m = 0; m < NR_MODES; m++) {
		double ok = 0;

		result[m] = -1;
		if (pipe(cmd[m]) || pipe(res[m]))
			exit(1);
		pid[m] = fork();
		if (pid[m] < 0)
			exit(1);
		if (pid[m] == 0) {
			char err[512], c;
			int ret = 0;

			/* only the parent may hold the other children's pipes */
			for (int j = 0; j < m; j++) {
				if (cmd[j][1] >= 0)
					close(cmd[j][1]);
				close(res[j][0]);
			}
			close(cmd[m][1]);
			close(res[m][0]);
			if (m == CLASSIC || m == CLASSIC_TREE)
				ret = swl_install_classic(pol, 0, m == CLASSIC_TREE, 0, err, sizeof(err));
			else if (m == EBPF)
				ret = swl_install_ebpf(pol, 0, err, sizeof(err));
			else if (m == EBPF_CODE)
				ret = swl_install_ebpf_code(pol, 0, err, sizeof(err));
			if (ret) {
				fprintf(stderr, "seccomp-bench: %s: %s\n", mode_name[m], err);
				ok = -1;
			}
			if (write(res[m][1], &ok, sizeof(ok)) != sizeof(ok) || ret)
				_exit(1);
			for (int i = 0; i < calls / 10; i++)	/* warm up */
				syscall(__NR_getppid, 0);
			while (read(cmd[m][0], &c, 1) == 1) {
				double t0 = now_ns(), r;

				for (long i = 0; i < calls; i++)
					if (syscall(__NR_getppid, 0) < 0)
						_exit(3);
				r = (now_ns() - t0) / calls;
				if (write(res[m][1], &r, sizeof(r)) != sizeof(r))
					_exit(2);
			}
			_exit(0);
		}
		close(cmd[m][0]);
		close(res[m][1]);
		if (read(res[m][0], &ok, sizeof(ok)) != sizeof(ok) || ok < 0) {
			close(cmd[m][1]);
			cmd[m][1] = -1;
		}
	}
	for (int k = 0; k < rounds; k++)
		for (int j = 0; j < NR_MODES; j++) {
			int m = (j + k) % NR_MODES;

			if (cmd[m][1] < 0 || write(cmd[m][1], "r", 1) != 1 ||
			    read(res[m][0], &t[m][k], sizeof(double)) != sizeof(double)) {
				if (cmd[m][1] >= 0)
					close(cmd[m][1]);
				cmd[m][1] = -1;
			}
		}
	for (int m = 0; m < NR_MODES; m++) {
		if (cmd[m][1] >= 0) {
			close(cmd[m][1]);
			qsort(t[m], rounds, sizeof(double), cmp_double);
			result[m] = t[m][rounds / 2];
		}
		close(res[m][0]);
		waitpid(pid[m], &status, 0);
	}
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

	while ((opt = getopt(argc, argv, "n:r:f")) != -1) {
		if (opt == 'n')
			calls = atol(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'f')
			pol.first_wins = true;
		else
			goto usage;
	}
	if (optind == argc || calls <= 0 || rounds <= 0 || rounds > 64)
		goto usage;
	if (swl_policy_load(&pol, argv + optind, argc - optind, err, sizeof(err))) {
		fprintf(stderr, "seccomp-bench: %s\n", err);
		return 1;
	}
	for (int p = 0; p < pol.nr_phases; p++)
		nrules += pol.phases[p].nr_rules;
	printf("# seccomp-bench: %d profile(s), %d rules, %d syscalls allowed; %ld calls x %d interleaved rounds (median) per cell\n",
	       pol.nr_profiles, nrules, swl_phase_count_allowed(&pol.phases[0]), calls, rounds);

	for (int c = 0; c < 2; c++) {
		double t[NR_MODES];

		if (c == 1)
			getppid_with_argument_check(&pol);
		printf("\n%s\n", cases[c]);
		printf("  %-20s %10s %12s %14s %14s\n", "filter", "ns/call", "over none",
		       "vs default", "vs tree");
		measure_all(&pol, calls, rounds, t);
		for (int m = 0; m < NR_MODES; m++) {
			if (t[m] < 0) {
				printf("  %-20s %10s\n", mode_name[m], "failed");
				continue;
			}
			printf("  %-20s %10.1f %12.1f", mode_name[m], t[m], t[m] - t[NONE]);
			if ((m == EBPF || m == EBPF_CODE) && t[CLASSIC] > 0 && t[CLASSIC_TREE] > 0) {
				double over = t[m] - t[NONE] > 1 ? t[m] - t[NONE] : 1;

				printf(" %13.2fx %13.2fx", (t[CLASSIC] - t[NONE]) / over,
				       (t[CLASSIC_TREE] - t[NONE]) / over);
			}
			printf("\n");
		}
		printf("  (vs default / vs tree: libseccomp's filter overhead over the eBPF whitelist's; >1 means eBPF is cheaper;\n"
		       "   tables: the map-driven program, code: the program generated for the policy)\n");
	}
	swl_policy_free(&pol);
	return 0;
usage:
	fprintf(stderr, "usage: seccomp-bench [-n CALLS] [-r ROUNDS] [-f] PROFILE...\n");
	return 2;
}
