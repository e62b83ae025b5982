// SPDX-License-Identifier: GPL-2.0
/*
 * cgbatch: create, run in, and destroy batches of cgroups.
 *
 *   cgbatch [-c] create PARENT NAME... [-s FILE=VALUE]...   print one line per cgroup
 *   cgbatch [-c] run PARENT NAME [-s FILE=VALUE]... -- CMD [ARG...]
 *        create NAME, clone3(CLONE_INTO_CGROUP) CMD into it, wait, destroy it
 *   cgbatch [-c] destroy PARENT NAME...
 *   cgbatch probe PARENT         says whether the kernel has the ioctls
 *
 * -c (--classic) uses the classic mkdir/write/rmdir path even on a kernel
 * with the ioctls.  Options may come anywhere before "--".  Exit status:
 * 0, 1 if the operation fails, 64 (EX_USAGE) for a usage error; run exits
 * with the command's status (128 + N if signal N ended it, 127 if it could
 * not be executed).  See cgbatch(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgbatch.h"

#define EXIT_USAGE	64	/* EX_USAGE of sysexits.h */
#define MAX_NAMES	1024	/* CGROUP_BATCH_MAX */
#define MAX_SEEDS	32	/* CGROUP_SEED_MAX */

static const char usage_text[] =
	"usage: cgbatch [-c] create PARENT NAME... [-s FILE=VALUE]...\n"
	"       cgbatch [-c] run PARENT NAME [-s FILE=VALUE]... -- CMD [ARG...]\n"
	"       cgbatch [-c] destroy PARENT NAME...\n"
	"       cgbatch probe PARENT\n"
	"       cgbatch --help | --version\n";

static void help(void)
{
	printf("%s\n"
	       "Create, run a command in, and destroy batches of cgroup v2 children of\n"
	       "PARENT with CGROUP_IOC_CREATE/CGROUP_IOC_DESTROY, or with mkdir, write\n"
	       "and rmdir on kernels without them.\n"
	       "\n"
	       "commands:\n"
	       "  create   create the NAMEs with the values of -s; print their paths\n"
	       "  run      create NAME, run CMD in it (clone3 CLONE_INTO_CGROUP), wait,\n"
	       "           destroy NAME; exit with CMD's status\n"
	       "  destroy  remove the NAMEs (empty cgroups)\n"
	       "  probe    print \"batch\" if the kernel has the ioctls, else \"classic\"\n"
	       "\n"
	       "options:\n"
	       "  -c, --classic          the mkdir/write/rmdir path even if the kernel\n"
	       "                         has the ioctls\n"
	       "  -s, --set FILE=VALUE   write VALUE to interface file FILE of each new\n"
	       "                         cgroup, in order (at most %d)\n"
	       "  -h, --help             print this help and exit\n"
	       "  -V, --version          print the version and exit\n"
	       "\n"
	       "Exit status: 0; 1 if the operation fails; 64 for a usage error; run:\n"
	       "the command's status (128+N after signal N, 127 if it cannot run).\n",
	       usage_text, MAX_SEEDS);
}

/* A usage error: say what is wrong, exit 64. */
static void __attribute__((noreturn, format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("cgbatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'cgbatch --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
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

static const struct option long_opts[] = {
	{ "classic", no_argument, NULL, 'c' },
	{ "set", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	static struct cgb_seed seeds[MAX_SEEDS];
	static const char *names[MAX_NAMES];
	static int fds[MAX_NAMES];
	unsigned int flags = 0, n = 0, nr_seeds = 0;
	const char *verb = NULL, *parent = NULL;
	char **cmd = NULL;
	struct cgb_error e;
	int i, c, pfd, ret, err_index;

	/*
	 * "-": arguments that are not options come back in order (as option
	 * 1), so that -s may follow the names and "--" ends the scan with
	 * optind at the command.  ":": missing arguments are reported here.
	 */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:cs:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (!verb)
				verb = optarg;
			else if (!parent)
				parent = optarg;
			else if (n == MAX_NAMES)
				bad_usage("too many cgroups: at most %d in one call", MAX_NAMES);
			else
				names[n++] = optarg;
			break;
		case 'c':
			flags |= CGB_CLASSIC;
			break;
		case 's': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg)
				bad_usage("-s '%s': expected FILE=VALUE, e.g. memory.max=64M", optarg);
			if (nr_seeds == MAX_SEEDS)
				bad_usage("too many values (-s): at most %d", MAX_SEEDS);
			*eq = 0;
			seeds[nr_seeds].name = optarg;
			seeds[nr_seeds++].value = eq + 1;
			break;
		}
		case 'h':
			help();
			return 0;
		case 'V':
			printf("cgbatch %s\n", CGB_VERSION);
			return 0;
		case ':':
			if (!strncmp(argv[optind - 1], "--", 2))
				bad_usage("option '%s' needs an argument", argv[optind - 1]);
			bad_usage("option '-%c' needs an argument", optopt);
		default:
			if (strncmp(argv[optind - 1], "--", 2))
				bad_usage("unknown option '-%c'", optopt);
			if (optopt)
				bad_usage("option '%.*s' takes no argument",
					  (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
			bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	/* after "--": the command */
	if (optind < argc)
		cmd = &argv[optind];
	else if (optind > 1 && !strcmp(argv[optind - 1], "--"))
		cmd = &argv[optind];	/* "--" and nothing after it */

	if (!verb)
		bad_usage("no command: create, run, destroy or probe");
	if (strcmp(verb, "create") && strcmp(verb, "run") &&
	    strcmp(verb, "destroy") && strcmp(verb, "probe"))
		bad_usage("unknown command '%s': create, run, destroy or probe", verb);
	if (!parent)
		bad_usage("%s: no PARENT directory", verb);
	if (!strcmp(verb, "run")) {
		if (n != 1)
			bad_usage("run: exactly one NAME, not %u", n);
		if (!cmd || !*cmd)
			bad_usage("run: no command: run PARENT NAME -- CMD [ARG...]");
	} else {
		if (cmd)
			bad_usage("%s: unexpected '--': only run takes a command", verb);
		if (!strcmp(verb, "probe") && n)
			bad_usage("probe: unexpected NAME '%s'", names[0]);
		if (strcmp(verb, "probe") && !n)
			bad_usage("%s: no NAME", verb);
		if (nr_seeds && strcmp(verb, "create"))
			bad_usage("%s: -s applies to create and run only", verb);
	}
	for (i = 0; i < (int)n; i++)
		if (!*names[i] || strchr(names[i], '/') || !strcmp(names[i], ".") ||
		    !strcmp(names[i], ".."))
			bad_usage("'%s' is not a cgroup name (a non-empty name without '/')",
				  names[i]);

	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		fprintf(stderr, "cgbatch: %s: %s\n", parent, strerror(errno));
		return 1;
	}
	if (!strcmp(verb, "probe")) {
		bool has = cgb_kernel_has_batch(pfd);

		printf("%s\n", has ? "batch" : "classic");
		return 0;
	}

	if (!strcmp(verb, "create")) {
		CGB_OPTS(cgb_create_opts, opts, .seeds = seeds, .nr_seeds = nr_seeds,
			 .flags = flags, .err = &e);

		ret = cgb_create_batch(pfd, names, n, fds, &opts);
		if (ret) {
			report("create", ret, &e, names, seeds);
			return 1;
		}
		for (i = 0; i < (int)n; i++)
			printf("%s/%s\n", parent, names[i]);
		return 0;
	}
	if (!strcmp(verb, "destroy")) {
		CGB_OPTS(cgb_destroy_opts, opts, .flags = flags, .err_index = &err_index);

		for (i = 0; i < (int)n; i++) {
			fds[i] = openat(pfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fds[i] < 0) {
				fprintf(stderr, "cgbatch: destroy: %s/%s: %s\n", parent,
					names[i], strerror(errno));
				return 1;
			}
		}
		ret = cgb_destroy_batch(pfd, fds, names, n, &opts);
		if (ret) {
			struct cgb_error de = { .name = err_index, .seed = -1 };

			report("destroy", ret, &de, names, seeds);
			return 1;
		}
		return 0;
	}
	/* run */
	{
		CGB_OPTS(cgb_create_opts, copts, .seeds = seeds, .nr_seeds = nr_seeds,
			 .flags = flags, .err = &e);
		CGB_OPTS(cgb_destroy_opts, dopts, .flags = flags);
		struct clone_args ca = {
			.flags = CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD,
		};
		int status = 0;
		pid_t pid;

		ret = cgb_create_batch(pfd, names, 1, fds, &copts);
		if (ret) {
			report("create", ret, &e, names, seeds);
			return 1;
		}
		ca.cgroup = fds[0];
		pid = syscall(__NR_clone3, &ca, sizeof(ca));
		if (pid == 0) {
			execvp(cmd[0], cmd);
			fprintf(stderr, "cgbatch: %s: %s\n", cmd[0], strerror(errno));
			_exit(127);
		}
		if (pid < 0)
			fprintf(stderr, "cgbatch: clone3: %s\n", strerror(errno));
		else
			waitpid(pid, &status, 0);
		ret = cgb_destroy_batch(pfd, fds, names, 1, &dopts);
		if (ret)
			report("destroy", ret, NULL, names, seeds);
		if (pid < 0)
			return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) :
					   128 + WTERMSIG(status);
	}
}
