// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp-whitelist: run a command under a per-function syscall whitelist
 * compiled from OCI / Docker seccomp profiles, as a seccomp-eBPF filter
 * generated for the policy, or the map-driven whitelist program
 * (--tables), or, for comparison, as libseccomp's classic filter.
 *
 *   seccomp-whitelist check  [OPTIONS] PROFILE...
 *   seccomp-whitelist report [OPTIONS] PROFILE...
 *   seccomp-whitelist run    [OPTIONS] PROFILE... -- COMMAND [ARG]...
 *
 * Options: --cap CAP_NAME (the capabilities Docker-style includes/excludes
 * are checked against; repeatable), --first-wins, --tsync, --tables,
 * --classic, --classic-tree, anywhere before "--".  Exit status: 0; 1 for
 * a bad profile or a failed installation; 64 (EX_USAGE) for a usage error;
 * 127 if the command cannot be executed.  See seccomp-whitelist(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include "install.h"

#ifndef SWL_VERSION
#error "SWL_VERSION (the project's VERSION) must be defined: build with the Makefile"
#endif

#define EXIT_USAGE	64	/* EX_USAGE of sysexits.h */
#define MAX_CAPS	64

static void usage(FILE *f)
{
	fprintf(f,
		"usage: seccomp-whitelist check  [OPTIONS] PROFILE...\n"
		"       seccomp-whitelist report [OPTIONS] PROFILE...\n"
		"       seccomp-whitelist run    [OPTIONS] PROFILE... -- COMMAND [ARG]...\n"
		"       seccomp-whitelist --help | --version\n"
		"PROFILE: an OCI/Docker seccomp profile (JSON), optionally with \"phases\";\n"
		"several profiles compose (their syscalls add up).\n"
		"commands: check   load the profiles and summarize the policy\n"
		"          report  the same, with the syscalls each phase allows\n"
		"          run     install the policy as a seccomp filter and execute COMMAND\n"
		"options: --cap CAP_NAME   a capability the command has (Docker includes/excludes)\n"
		"         --first-wins     a syscall's first rule without conditions replaces its\n"
		"                          other rules, as in libseccomp (no contradictions)\n"
		"         --tsync          synchronize the filter to every thread\n"
		"         --tables         install the map-driven whitelist program (one program,\n"
		"                          the policy in frozen maps) instead of one generated\n"
		"                          for the policy\n"
		"         --classic        install libseccomp's classic filter of the first phase\n"
		"         --classic-tree   the same with libseccomp's binary tree\n"
		"         -h, --help       print this help and exit\n"
		"         -V, --version    print the version and exit\n"
		"exit status: 0; 1 for a bad profile or a failed installation (nothing is\n"
		"installed, the command does not run); 64 for a usage error; 127 if the\n"
		"command cannot be executed.\n");
}

/* A usage error: say what is wrong, exit 64. */
static void __attribute__((noreturn, format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("seccomp-whitelist: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'seccomp-whitelist --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

enum { OPT_CAP = 0x100, OPT_FIRST_WINS, OPT_TSYNC, OPT_TABLES, OPT_CLASSIC, OPT_CLASSIC_TREE };

static const struct option long_opts[] = {
	{ "cap", required_argument, NULL, OPT_CAP },
	{ "first-wins", no_argument, NULL, OPT_FIRST_WINS },
	{ "tsync", no_argument, NULL, OPT_TSYNC },
	{ "tables", no_argument, NULL, OPT_TABLES },
	{ "classic", no_argument, NULL, OPT_CLASSIC },
	{ "classic-tree", no_argument, NULL, OPT_CLASSIC_TREE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* How many long options start with @arg (up to a '='): getopt_long takes
 * an unambiguous prefix. */
static int nr_matching(const char *arg)
{
	size_t len = strcspn(arg, "=");
	int i, k = 0;

	for (i = 0; long_opts[i].name; i++)
		k += !strncmp(long_opts[i].name, arg, len);
	return k;
}

int main(int argc, char **argv)
{
	static struct swl_policy pol;
	static const char *caps[MAX_CAPS];
	char **profiles = calloc(argc, sizeof(*profiles));
	char **cmd = NULL;
	int nr_profiles = 0;
	char err[1024];
	int i, c, classic = 0, tables = 0;
	unsigned int flags = 0;
	const char *verb = NULL;

	if (!profiles) {
		perror("seccomp-whitelist");
		return 1;
	}
	pol.caps = caps;
	/*
	 * "-": arguments that are not options come back in order (as option
	 * 1), so that options may follow the profiles and "--" ends the scan
	 * with optind at the command.  ":": missing arguments come back as ':'.
	 */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (!verb)
				verb = optarg;
			else
				profiles[nr_profiles++] = optarg;
			break;
		case OPT_CAP:
			if (pol.nr_caps == MAX_CAPS)
				bad_usage("too many --cap: at most %d", MAX_CAPS);
			caps[pol.nr_caps++] = optarg;
			break;
		case OPT_FIRST_WINS:
			pol.first_wins = true;
			break;
		case OPT_TSYNC:
			flags |= SECCOMP_FILTER_FLAG_TSYNC;
			break;
		case OPT_TABLES:
			tables = 1;
			break;
		case OPT_CLASSIC:
			classic = classic ? classic : 1;
			break;
		case OPT_CLASSIC_TREE:
			classic = 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("seccomp-whitelist %s\n", SWL_VERSION);
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
			if (nr_matching(argv[optind - 1] + 2) > 1)
				bad_usage("ambiguous option '%s'", argv[optind - 1]);
			bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	/* after "--": the command */
	if (optind < argc || (optind > 1 && !strcmp(argv[optind - 1], "--")))
		cmd = &argv[optind];

	if (!verb)
		bad_usage("no command: check, report or run");
	if (strcmp(verb, "check") && strcmp(verb, "report") && strcmp(verb, "run"))
		bad_usage("unknown command '%s': check, report or run", verb);
	if (!nr_profiles)
		bad_usage("%s: no PROFILE", verb);
	if (!strcmp(verb, "run")) {
		if (!cmd || !*cmd)
			bad_usage("run: no command: run [OPTIONS] PROFILE... -- COMMAND [ARG]...");
		if (tables && classic)
			bad_usage("run: --tables and --classic%s exclude each other",
				  classic == 2 ? "-tree" : "");
	} else if (cmd) {
		bad_usage("%s: unexpected '--': only run takes a command", verb);
	}
	if (swl_policy_load(&pol, profiles, nr_profiles, err, sizeof(err))) {
		fprintf(stderr, "seccomp-whitelist: %s\n", err);
		return 1;
	}
	flags |= pol.seccomp_flags;

	if (!strcmp(verb, "check") || !strcmp(verb, "report")) {
		int nconst = 0;

		for (int nr = 0; nr < SWL_NR_MAX; nr++)
			nconst += swl_const_allow(&pol, nr);
		printf("%d profile(s), %d phase(s); %d syscalls allowed in every phase without argument checks (seccomp's cache decides them)\n",
		       pol.nr_profiles, pol.nr_phases, nconst);
		for (int p = 0; p < pol.nr_phases; p++) {
			const struct swl_phase *ph = &pol.phases[p];

			printf("phase %d \"%s\": %d syscalls allowed, %d rules", p, ph->name,
			       swl_phase_count_allowed(ph), ph->nr_rules);
			if (ph->nr_triggers) {
				printf(", starts after");
				for (int t = 0; t < ph->nr_triggers; t++) {
					char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
										  ph->triggers[t]);

					printf(" %s", n ? n : "?");
					free(n);
				}
			}
			printf("\n");
			if (!strcmp(verb, "report")) {
				printf("  allowed:");
				for (int nr = 0; nr < SWL_NR_MAX; nr++) {
					char *n;

					if (!swl_phase_allows(ph, nr))
						continue;
					n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
					printf(" %s", n ? n : "?");
					free(n);
				}
				printf("\n");
			}
		}
		swl_policy_free(&pol);
		return 0;
	}

	if (classic) {
		if (pol.nr_phases > 1)
			fprintf(stderr, "seccomp-whitelist: note: a classic filter cannot change phase; installing phase \"%s\" only\n",
				pol.phases[0].name);
		i = swl_install_classic(&pol, 0, classic == 2, flags, err, sizeof(err));
	} else if (tables) {
		i = swl_install_ebpf(&pol, flags, err, sizeof(err));
	} else {
		i = swl_install_ebpf_code(&pol, flags, err, sizeof(err));
	}
	swl_policy_free(&pol);
	if (i) {
		fprintf(stderr, "seccomp-whitelist: %s\n", err);
		return 1;
	}
	execvp(cmd[0], cmd);
	fprintf(stderr, "seccomp-whitelist: %s: %s\n", cmd[0], strerror(errno));
	return 127;
}
