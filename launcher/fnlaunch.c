// SPDX-License-Identifier: GPL-2.0
/*
 * fnlaunch: the function launcher's command line.  One command so far:
 *
 *   fnlaunch verify [--json] [--profiles DIR] BUNDLE
 *
 * Exit status: 0 verified, 1 unverifiable, 2 usage error or a bundle that
 * cannot be read, 3 out of memory.  See fnlaunch(1).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "launcher.h"

#define EXIT_BAD 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fnlaunch verify [--json] [--profiles DIR] BUNDLE\n"
		"       fnlaunch --help | --version\n"
		"commands: verify  decide whether the OCI bundle's function may run in process mode\n"
		"options:  --json          the verdict as JSON on stdout\n"
		"          --profiles DIR  the tiers' profiles (default %s)\n"
		"exit status: 0 verified, 1 unverifiable, 2 usage error or bad bundle, 3 out of memory\n",
		LNCH_PROFILE_DIR);
}

static void __attribute__((noreturn, format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fnlaunch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(EXIT_BAD);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "profiles", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct lnch_gate_opts opts = { .sz = sizeof(opts) };
	struct lnch_verdict *v;
	bool json = false;
	int c, status;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("fnlaunch %s\n", lnch_version());
			return 0;
		default:
			bad_usage("unknown option");
		}
	}
	if (optind >= argc)
		bad_usage("no command: verify");
	if (strcmp(argv[optind], "verify"))
		bad_usage("unknown command '%s': verify", argv[optind]);
	optind++;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			opts.profile_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("fnlaunch %s\n", lnch_version());
			return 0;
		default:
			bad_usage("verify: unknown option");
		}
	}
	if (optind != argc - 1)
		bad_usage("verify: expected one BUNDLE, got %d", argc - optind);
	if (lnch_gate_check_opts(argv[optind], &opts, &v)) {
		fprintf(stderr, "fnlaunch: out of memory\n");
		return 3;
	}
	if (json) {
		char *s = lnch_verdict_json(v);

		if (!s) {
			fprintf(stderr, "fnlaunch: out of memory\n");
			lnch_verdict_free(v);
			return 3;
		}
		printf("%s\n", s);
		free(s);
	}
	if (v->status == LNCH_BAD_INPUT)
		fprintf(stderr, "fnlaunch: %s: %s\n", v->bundle, v->error);
	else if (!json)
		lnch_verdict_print(v, stdout);
	status = v->status;
	lnch_verdict_free(v);
	return status;
}
