// SPDX-License-Identifier: GPL-2.0
/*
 * cgbatch: create, run in, and destroy batches of cgroups.
 *
 *   cgbatch create PARENT NAME... [-s FILE=VALUE]...   print one line per cgroup
 *   cgbatch run PARENT NAME [-s FILE=VALUE]... -- CMD [ARG...]
 *        create NAME, clone3(CLONE_INTO_CGROUP) CMD into it, wait, destroy it
 *   cgbatch destroy PARENT NAME...
 *   cgbatch probe PARENT         says whether the kernel has the ioctls
 *
 * -c uses the classic mkdir/write/rmdir path even on a kernel with the ioctls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgbatch.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: cgbatch [-c] create PARENT NAME... [-s FILE=VALUE]...\n"
		"       cgbatch [-c] run PARENT NAME [-s FILE=VALUE]... -- CMD [ARG...]\n"
		"       cgbatch [-c] destroy PARENT NAME...\n"
		"       cgbatch probe PARENT\n");
	exit(2);
}

static void report(const char *what, int ret, const struct cgb_error *e,
		   const char *const *names, const struct cgb_seed *seeds)
{
	fprintf(stderr, "cgbatch: %s: %s", what, strerror(-ret));
	if (e && e->name >= 0)
		fprintf(stderr, " (cgroup '%s')", names[e->name]);
	if (e && e->seed >= 0)
		fprintf(stderr, " (value %s=%s)", seeds[e->seed].name,
			seeds[e->seed].value);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	struct cgb_seed seeds[32];
	const char *names[1024];
	unsigned int flags = 0, n = 0, nr_seeds = 0;
	char **cmd = NULL;
	const char *verb, *parent;
	struct cgb_error e;
	int i, pfd, ret, fds[1024], err_index;

	i = 1;
	if (i < argc && !strcmp(argv[i], "-c")) {
		flags |= CGB_CLASSIC;
		i++;
	}
	if (argc - i < 2)
		usage();
	verb = argv[i++];
	parent = argv[i++];
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd = &argv[i + 1];
			break;
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			char *eq = strchr(argv[++i], '=');

			if (!eq || nr_seeds == 32)
				usage();
			*eq = 0;
			seeds[nr_seeds].name = argv[i];
			seeds[nr_seeds++].value = eq + 1;
		} else if (n < 1024) {
			names[n++] = argv[i];
		} else {
			usage();
		}
	}

	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		perror(parent);
		return 1;
	}
	if (!strcmp(verb, "probe")) {
		bool has = cgb_kernel_has_batch(pfd);

		printf("%s\n", has ? "batch" : "classic");
		return 0;
	}
	if (!n)
		usage();

	if (!strcmp(verb, "create")) {
		ret = cgb_create(pfd, names, n, seeds, nr_seeds, 0755, flags,
				 fds, &e);
		if (ret) {
			report("create", ret, &e, names, seeds);
			return 1;
		}
		for (i = 0; i < (int)n; i++)
			printf("%s/%s\n", parent, names[i]);
		return 0;
	}
	if (!strcmp(verb, "destroy")) {
		for (i = 0; i < (int)n; i++) {
			fds[i] = openat(pfd, names[i], O_RDONLY | O_DIRECTORY);
			if (fds[i] < 0) {
				perror(names[i]);
				return 1;
			}
		}
		ret = cgb_destroy(pfd, fds, names, n, flags, &err_index);
		if (ret) {
			struct cgb_error de = { .name = err_index, .seed = -1 };

			report("destroy", ret, &de, names, seeds);
			return 1;
		}
		return 0;
	}
	if (!strcmp(verb, "run") && cmd && *cmd && n == 1) {
		struct clone_args ca = {
			.flags = CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD,
		};
		int status = 0;
		pid_t pid;

		ret = cgb_create(pfd, names, 1, seeds, nr_seeds, 0755, flags,
				 fds, &e);
		if (ret) {
			report("create", ret, &e, names, seeds);
			return 1;
		}
		ca.cgroup = fds[0];
		pid = syscall(__NR_clone3, &ca, sizeof(ca));
		if (pid == 0) {
			execvp(cmd[0], cmd);
			perror(cmd[0]);
			_exit(127);
		}
		if (pid < 0)
			perror("clone3");
		else
			waitpid(pid, &status, 0);
		ret = cgb_destroy(pfd, fds, names, 1, flags, &err_index);
		if (ret)
			report("destroy", ret, NULL, names, seeds);
		if (pid < 0)
			return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) :
					   128 + WTERMSIG(status);
	}
	usage();
	return 2;
}
