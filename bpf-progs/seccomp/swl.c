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
 * --classic, --classic-tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include "install.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: seccomp-whitelist check  [OPTIONS] PROFILE...\n"
		"       seccomp-whitelist report [OPTIONS] PROFILE...\n"
		"       seccomp-whitelist run    [OPTIONS] PROFILE... -- COMMAND [ARG]...\n"
		"PROFILE: an OCI/Docker seccomp profile (JSON), optionally with \"phases\";\n"
		"several profiles compose (their syscalls add up).\n"
		"options: --cap CAP_NAME   a capability the command has (Docker includes/excludes)\n"
		"         --first-wins     a syscall's first rule without conditions replaces its\n"
		"                          other rules, as in libseccomp (no contradictions)\n"
		"         --tsync          synchronize the filter to every thread\n"
		"         --tables         install the map-driven whitelist program (one program,\n"
		"                          the policy in frozen maps) instead of one generated\n"
		"                          for the policy\n"
		"         --classic        install libseccomp's classic filter of the first phase\n"
		"         --classic-tree   the same with libseccomp's binary tree\n");
}

int main(int argc, char **argv)
{
	static struct swl_policy pol;
	const char *caps[64];
	char **profiles = calloc(argc, sizeof(*profiles));
	int nr_profiles = 0;
	char err[1024];
	int i, cmd_at = -1, classic = 0, tables = 0;
	unsigned int flags = 0;
	const char *verb;

	if (argc < 2 || !profiles) {
		usage(stderr);
		return 2;
	}
	verb = argv[1];
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(verb, "check") && strcmp(verb, "report") && strcmp(verb, "run")) {
		fprintf(stderr, "seccomp-whitelist: unknown command \"%s\"\n", verb);
		usage(stderr);
		return 2;
	}
	pol.caps = caps;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd_at = i + 1;
			break;
		} else if (!strcmp(argv[i], "--cap") && i + 1 < argc) {
			if (pol.nr_caps == 64) {
				fprintf(stderr, "seccomp-whitelist: too many --cap\n");
				return 2;
			}
			caps[pol.nr_caps++] = argv[++i];
		} else if (!strcmp(argv[i], "--first-wins")) {
			pol.first_wins = true;
		} else if (!strcmp(argv[i], "--tsync")) {
			flags |= SECCOMP_FILTER_FLAG_TSYNC;
		} else if (!strcmp(argv[i], "--tables")) {
			tables = 1;
		} else if (!strcmp(argv[i], "--classic")) {
			classic = 1;
		} else if (!strcmp(argv[i], "--classic-tree")) {
			classic = 2;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "seccomp-whitelist: unknown option \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	/* profiles: every non-option argument before "--" */
	for (i = 2; i < (cmd_at < 0 ? argc : cmd_at - 1); i++) {
		if (!strcmp(argv[i], "--cap"))
			i++;
		else if (argv[i][0] != '-')
			profiles[nr_profiles++] = argv[i];
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

	if (cmd_at < 0 || cmd_at >= argc) {
		fprintf(stderr, "seccomp-whitelist: run needs \"-- COMMAND\"\n");
		return 2;
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
	execvp(argv[cmd_at], argv + cmd_at);
	fprintf(stderr, "seccomp-whitelist: %s: %s\n", argv[cmd_at], strerror(errno));
	return 127;
}
