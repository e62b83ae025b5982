/*
 * fnlaunch: the function launcher's command line.
 *
 *   fnlaunch verify [--json] [--profiles DIR] BUNDLE
 *   fnlaunch run [OPTIONS] BUNDLE
 *   fnlaunch gc [--cgroup-root DIR] [--crun PATH]
 *   fnlaunch register|unregister|list|inspect|invoke|metrics|node ...
 *	(through fnlaunchd's socket: client.c)
 *
 * verify's exit status: 0 verified, 1 unverifiable, 2 usage error or a
 * bundle that cannot be read, 3 out of memory.  run's: the function's,
 * 128 + N if signal N killed it, 124 if it timed out, 125 if it could not
 * be started.  See fnlaunch(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"
#include "launcher.h"

#define EXIT_BAD 2
#define EXIT_RUN_TIMEOUT 124
#define EXIT_RUN_FAILED 125

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fnlaunch verify [--json] [--profiles DIR] BUNDLE\n"
		"       fnlaunch run [--mode auto|process|container] [--no-fallback] [--timeout SECONDS]\n"
		"                    [--name NAME] [--cgroup-root DIR] [--host-uid UID] [--host-gid GID]\n"
		"                    [--classic-cgroup] [--classic-filter] [--classic-mounts] [--crun PATH]\n"
		"                    [--profiles DIR] [--report FILE]\n"
		"                    [--verbose] BUNDLE\n"
		"       fnlaunch gc [--cgroup-root DIR] [--crun PATH]\n"
		"       fnlaunch register [--socket PATH] [--mode M] [--concurrency N] [--timeout S]\n"
		"                         [--no-fallback] [--warm-pool N] NAME BUNDLE\n"
		"       fnlaunch invoke [--socket PATH] [--stdin FILE] [--timeout S] [--json] NAME [ARG...]\n"
		"       fnlaunch unregister|inspect [--socket PATH] NAME\n"
		"       fnlaunch list [--socket PATH] [--json]\n"
		"       fnlaunch metrics|node [--socket PATH]\n"
		"       fnlaunch --help | --version\n"
		"commands: verify  decide whether the OCI bundle's function may run in process mode\n"
		"          run     run the function once, in process mode if verified, else with crun\n"
		"          gc      remove the instances (cgroups, crun containers) and egress policies of launchers that died\n"
		"          register, unregister, list, inspect, invoke, metrics, node: ask fnlaunchd(8)\n"
		"          (--socket PATH, else $FNLAUNCH_SOCKET, else /run/fnlaunch/fnlaunchd.sock)\n"
		"register: --mode M, --no-fallback as for run; --concurrency N: its instances at once;\n"
		"          --timeout S: kill each instance after S seconds; --warm-pool N: cgroups made ahead\n"
		"invoke:   --stdin FILE  the instance's standard input (- for this one's; default empty)\n"
		"          --timeout S   this instance's timeout; ARG...: appended to process.args\n"
		"          --json        the daemon's whole answer on stdout, instead of the instance's output\n"
		"verify:   --json          the verdict as JSON on stdout\n"
		"          --profiles DIR  the tiers' profiles (default %s)\n"
		"run:      --mode M        auto (default), process or container\n"
		"          --no-fallback   auto: refuse an unverifiable function instead of using crun\n"
		"          --timeout S     kill the instance after S seconds (default: none)\n"
		"          --name NAME     the function's name (default: the bundle directory's)\n"
		"          --cgroup-root DIR  the launcher's cgroup (default: fnlaunch under the cgroup2 mount)\n"
		"          --host-uid UID, --host-gid GID  what the function's user maps to (default 65534)\n"
		"          --classic-cgroup  mkdir(2)/rmdir(2) even where CGROUP_IOC_CREATE exists\n"
		"          --classic-filter  a classic seccomp filter even where seccomp-eBPF exists\n"
		"          --classic-mounts  copy this process's mounts and pivot_root() for each instance,\n"
		"                          even where its mount namespace can be made from the rootfs alone\n"
		"          --crun PATH     container mode's runtime (default crun)\n"
		"          --report FILE   the run's result as JSON to FILE (- for stderr)\n"
		"          --verbose       the mode, sandbox and timings on stderr\n"
		"exit status: verify: 0 verified, 1 unverifiable, 2 usage error or bad bundle, 3 out of memory;\n"
		"             run: the function's; 128+N killed by signal N; 124 timed out; 125 not started;\n"
		"             gc: 0, or 1 if something could not be removed;\n"
		"             invoke: as run, and 75 if the daemon's limits and queue are full;\n"
		"             the other daemon commands: 0, or 1 if the daemon refused or cannot be reached\n",
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

static const struct option common_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* -h and -V, which every command takes too */
static void common(int c, const char *cmd)
{
	switch (c) {
	case 'h':
		usage(stdout);
		exit(0);
	case 'V':
		printf("fnlaunch %s\n", lnch_version());
		exit(0);
	default:
		bad_usage("%s%sunknown option", cmd ? cmd : "", cmd ? ": " : "");
	}
}

static int cmd_verify(int argc, char **argv)
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

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			opts.profile_dir = optarg;
			break;
		default:
			common(c, "verify");
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

static unsigned int parse_id(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v == 0 || v >= 4294967295UL)
		bad_usage("run: %s: \"%s\" is not a uid/gid from 1 to 4294967294", opt, s);
	return v;
}

static void report(const struct lnch_result *r, const char *file)
{
	char *s = lnch_result_json(r);
	FILE *f;

	if (!s) {
		fprintf(stderr, "fnlaunch: out of memory\n");
		return;
	}
	f = strcmp(file, "-") ? fopen(file, "we") : stderr;
	if (!f) {
		fprintf(stderr, "fnlaunch: %s: %s\n", file, strerror(errno));
	} else {
		fprintf(f, "%s\n", s);
		if (f != stderr && fclose(f))
			fprintf(stderr, "fnlaunch: %s: %s\n", file, strerror(errno));
	}
	free(s);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "no-fallback", no_argument, NULL, 'F' },
		{ "timeout", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "cgroup-root", required_argument, NULL, 'c' },
		{ "host-uid", required_argument, NULL, 'u' },
		{ "host-gid", required_argument, NULL, 'g' },
		{ "classic-cgroup", no_argument, NULL, 'C' },
		{ "classic-filter", no_argument, NULL, 'S' },
		{ "classic-mounts", no_argument, NULL, 'M' },
		{ "crun", required_argument, NULL, 'r' },
		{ "profiles", required_argument, NULL, 'p' },
		{ "report", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct lnch_run_opts opts = { .sz = sizeof(opts) };
	const char *report_file = NULL;
	struct lnch_verdict *v = NULL;
	struct lnch_result *r = NULL;
	bool verbose = false;
	int c, ret, status;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "auto"))
				opts.mode = LNCH_MODE_AUTO;
			else if (!strcmp(optarg, "process"))
				opts.mode = LNCH_MODE_PROCESS;
			else if (!strcmp(optarg, "container"))
				opts.mode = LNCH_MODE_CONTAINER;
			else
				bad_usage("run: --mode: \"%s\": expected auto, process or container", optarg);
			break;
		case 'F':
			opts.flags |= LNCH_RUN_NO_FALLBACK;
			break;
		case 't': {
			char *end;
			double t;

			errno = 0;
			t = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(t > 0) || t > 86400)
				bad_usage("run: --timeout: \"%s\" is not a number of seconds from 0.001 to 86400",
					  optarg);
			opts.timeout_ms = t * 1000 < 1 ? 1 : (unsigned int)(t * 1000);
			break;
		}
		case 'n':
			opts.name = optarg;
			break;
		case 'c':
			opts.cgroup_root = optarg;
			break;
		case 'u':
			opts.host_uid = parse_id("--host-uid", optarg);
			break;
		case 'g':
			opts.host_gid = parse_id("--host-gid", optarg);
			break;
		case 'C':
			opts.flags |= LNCH_RUN_CLASSIC_CGROUP;
			break;
		case 'S':
			opts.flags |= LNCH_RUN_CLASSIC_FILTER;
			break;
		case 'M':
			opts.flags |= LNCH_RUN_CLASSIC_MOUNTS;
			break;
		case 'r':
			opts.crun = optarg;
			break;
		case 'p':
			opts.profile_dir = optarg;
			break;
		case 'R':
			report_file = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			common(c, "run");
		}
	}
	if (optind != argc - 1)
		bad_usage("run: expected one BUNDLE, got %d", argc - optind);
	ret = lnch_run(argv[optind], &opts, &v, &r);
	if (ret == -ENOMEM || !r) {
		fprintf(stderr, "fnlaunch: %s: %s\n", argv[optind], strerror(-ret));
		lnch_verdict_free(v);
		return EXIT_RUN_FAILED;
	}
	if (verbose && r->filter_note)
		fprintf(stderr, "fnlaunch: classic filter: %s\n", r->filter_note);
	if (verbose && r->mount_note)
		fprintf(stderr, "fnlaunch: mounts copied: %s\n", r->mount_note);
	if (r->fallback)
		fprintf(stderr, "fnlaunch: %s: container mode: %s\n", argv[optind], r->fallback);
	if (r->error)
		fprintf(stderr, "fnlaunch: %s: %s\n", argv[optind], r->error);
	if (verbose && r->started) {
		if (r->mode == LNCH_MODE_PROCESS)
			fprintf(stderr, "fnlaunch: process mode: cgroup %s, filter %s, mounts %s, Landlock ABI %d; started in %.3f ms, done in %.3f ms\n",
				r->cgroup_mode, r->filter_mode, r->mount_mode, r->landlock_abi, r->start_ns / 1e6,
				r->total_ns / 1e6);
		else
			fprintf(stderr, "fnlaunch: container mode: done in %.3f ms\n", r->total_ns / 1e6);
	}
	if (r->timed_out)
		fprintf(stderr, "fnlaunch: %s: killed after %.3f s\n", argv[optind],
			opts.timeout_ms / 1000.0);
	if (r->oom_killed)
		fprintf(stderr, "fnlaunch: %s: the instance ran out of memory\n", argv[optind]);
	if (report_file)
		report(r, report_file);
	if (!r->started)
		status = EXIT_RUN_FAILED;
	else if (r->timed_out)
		status = EXIT_RUN_TIMEOUT;
	else if (r->exited)
		status = r->exit_code;
	else
		status = 128 + r->signal;
	lnch_result_free(r);
	lnch_verdict_free(v);
	return status;
}

static int cmd_gc(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cgroup-root", required_argument, NULL, 'c' },
		{ "crun", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *crun = NULL;
	unsigned int removed;
	char *err = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			root = optarg;
			break;
		case 'r':
			crun = optarg;
			break;
		default:
			common(c, "gc");
		}
	}
	if (optind != argc)
		bad_usage("gc: unexpected argument '%s'", argv[optind]);
	ret = lnch_gc(root, crun, &removed, &err);
	printf("fnlaunch: gc: removed %u instance%s of launchers that are gone\n", removed,
	       removed == 1 ? "" : "s");
	if (ret) {
		fprintf(stderr, "fnlaunch: gc: %s\n", err ? err : strerror(-ret));
		free(err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "+", common_opts, NULL)) != -1)
		common(c, NULL);
	if (optind >= argc)
		bad_usage("no command: verify, run, gc, register, unregister, list, inspect, invoke, metrics or node");
	argc -= optind;
	argv += optind;
	optind = 0;	/* GNU getopt: start over on the command's arguments */
	if (!strcmp(argv[0], "verify"))
		return cmd_verify(argc, argv);
	if (!strcmp(argv[0], "run"))
		return cmd_run(argc, argv);
	if (!strcmp(argv[0], "gc"))
		return cmd_gc(argc, argv);
	if (client_is_command(argv[0])) {
		int status = client_main(argc, argv);

		if (status < 0) {
			usage(stdout);
			return 0;
		}
		return status;
	}
	bad_usage("unknown command '%s': verify, run, gc, register, unregister, list, inspect, invoke, metrics or node",
		  argv[0]);
}
