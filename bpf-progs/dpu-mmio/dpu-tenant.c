// SPDX-License-Identifier: GPL-2.0
/*
 * dpu-tenant: run a tenant's BPF program on one tenant window of a
 * samples/dpu_mmio device, as a DPU manager and its tenant would.
 *
 *   dpu-tenant info DEV
 *   dpu-tenant run DEV TENANT PROG [VALUE]
 *   dpu-tenant access DEV TENANT OFF SIZE [VALUE]
 *   dpu-tenant bench DEV TENANT N
 *   dpu-tenant verify DEV TENANT PROG...
 *
 * DEV is /dev/dpu_mmio<N>.  `run` takes the tenant's window from the
 * driver, loads PROG (tenant.bpf.c) with that window -- the verifier
 * checks the program against the tenant's policy here, and prints why it
 * refuses -- and runs it once with VALUE, printing its return value and
 * result.  `access` is the driver's run-time-checked ioctl path; `bench`
 * compares N verified loads in one program run against N calls of the
 * driver's run-time-checked kfunc in one program run and against N ioctls.
 * `verify` loads each PROG with the tenant's window and prints the
 * verifier's verdict and statistics (as veristat does).
 * Exit status: 0 success, 1 refused (verifier or policy), 2 system error,
 * 64 (EX_USAGE) usage error.  See dpu-tenant(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dpu_mmio.h"
#include "tenant.h"
#include "tenant.skel.h"	/* tenant_bpf__elf_bytes(): bpftool gen skeleton (Makefile) */

#ifndef DPU_TENANT_VERSION
#error "DPU_TENANT_VERSION (the project's VERSION) must be defined: build with the Makefile"
#endif

#define EXIT_USAGE	64	/* EX_USAGE of sysexits.h */

static char verifier_log[1 << 16];

static const char usage_text[] =
	"usage: dpu-tenant info DEV\n"
	"       dpu-tenant run DEV TENANT PROG [VALUE]\n"
	"       dpu-tenant access DEV TENANT OFF SIZE [VALUE]\n"
	"       dpu-tenant bench DEV TENANT N\n"
	"       dpu-tenant verify DEV TENANT PROG...\n"
	"       dpu-tenant --help | --version\n";

static void help(void)
{
	printf("%s\n"
	       "Run tenants' BPF programs on the MMIO windows of a samples/dpu_mmio\n"
	       "device DEV (/dev/dpu_mmio<N>), as the DPU manager and the tenant would.\n"
	       "\n"
	       "commands:\n"
	       "  info    the device's kind, tenants and windows\n"
	       "  run     load PROG with TENANT's window (the verifier checks it against\n"
	       "          the tenant's policy) and run it once with VALUE\n"
	       "  access  read (or write VALUE to) SIZE bytes at OFF of TENANT's window\n"
	       "          through the driver's run-time-checked ioctl\n"
	       "  bench   N verified loads against the run-time-checked kfunc and ioctl\n"
	       "  verify  the verifier's verdict and statistics for each PROG\n"
	       "TENANT, OFF, SIZE, VALUE and N are numbers (decimal, 0x hex, 0 octal).\n"
	       "\n"
	       "options (before the command):\n"
	       "  -h, --help     print this help and exit\n"
	       "  -V, --version  print the version and exit\n"
	       "\n"
	       "Exit status: 0; 1 if the verifier or the policy refuses; 2 for a system\n"
	       "error; 64 for a usage error.\n", usage_text);
}

/* A usage error: say what is wrong, exit 64. */
static void __attribute__((noreturn, format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("dpu-tenant: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'dpu-tenant --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

static int sys_err(const char *what)
{
	fprintf(stderr, "dpu-tenant: %s: %s\n", what, strerror(errno));
	return 2;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int parse_u64(const char *s, __u64 *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

/* A numeric argument WHAT of command VERB, or a usage error naming it. */
static __u64 number(const char *verb, const char *what, const char *s)
{
	__u64 v;

	if (parse_u64(s, &v))
		bad_usage("%s: %s '%s' is not a number (decimal, 0x hex or 0 octal)",
			  verb, what, s);
	return v;
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		sys_err(path);
	return fd;
}

/* The tenant's program, loaded with the tenant's window: NULL if the
 * verifier refuses it (its log is printed) or on error.
 */
/*
 * The verifier confines a program that uses a window (helper allow-list,
 * no kfuncs, no pointer leaks or uninitialized stack whatever the loader's
 * capabilities); one that does not is verified with the loader's full
 * rights, which are root's here.  So tenant code must use its window:
 * bpf_prog_info.uses_mmio_window says that the verifier confined it, and
 * map_ids that the window is the tenant's.  map_ids alone is no proof:
 * BPF_PROG_BIND_MAP adds maps that a program never uses.  A kernel without
 * uses_mmio_window reports it 0 (we pass it in as 0): refused.
 */
static int uses_window(int prog_fd, int win)
{
	struct bpf_prog_info pinfo = {};
	struct bpf_map_info minfo = {};
	__u32 len = sizeof(minfo), ids[64], i;

	if (bpf_map_get_info_by_fd(win, &minfo, &len))
		return -errno;
	pinfo.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pinfo.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(pinfo);
	if (bpf_prog_get_info_by_fd(prog_fd, &pinfo, &len))
		return -errno;
	if (!pinfo.uses_mmio_window)
		return 0;
	for (i = 0; i < pinfo.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] == minfo.id)
			return 1;
	return 0;
}

/* Load PROG with the window WIN; tenant code must use it (uses_window()) */
static struct bpf_object *load_prog(int win, const char *name, int *refused,
				    int log_level, int tenant_code)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "tenant");
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	const void *elf;
	size_t elf_sz;
	int err;

	*refused = 0;
	elf = tenant_bpf__elf_bytes(&elf_sz);
	obj = bpf_object__open_mem(elf, elf_sz, &opts);
	if (!obj) {
		sys_err("open the tenant object");
		return NULL;
	}
	prog = bpf_object__find_program_by_name(obj, name);
	if (!prog) {
		fprintf(stderr, "dpu-tenant: no program %s; there are:", name);
		bpf_object__for_each_program(p, obj)
			fprintf(stderr, " %s", bpf_program__name(p));
		fprintf(stderr, "\n");
		bpf_object__close(obj);
		return NULL;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	bpf_program__set_log_buf(prog, verifier_log, sizeof(verifier_log));
	bpf_program__set_log_level(prog, log_level);
	err = bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, "win"), win);
	if (!err)
		err = bpf_object__load(obj);
	if (err) {
		if (err == -EACCES || err == -EINVAL) {
			*refused = 1;
			if (log_level == 1)
				fprintf(stderr, "dpu-tenant: the verifier refuses %s:\n%s",
					name, verifier_log);
		} else {
			errno = -err;
			sys_err("load");
		}
		bpf_object__close(obj);
		return NULL;
	}
	err = tenant_code ? uses_window(bpf_program__fd(prog), win) : 1;
	if (err <= 0) {
		if (err) {
			errno = -err;
			sys_err("program or window info");
		} else {
			*refused = 1;
			fprintf(stderr, "dpu-tenant: %s does not use its window: "
				"only programs that do are confined\n", name);
		}
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static struct bpf_object *load_tenant(int win, const char *name, int *refused,
				      int log_level)
{
	return load_prog(win, name, refused, log_level, 1);
}

static int run_prog(struct bpf_object *obj, const char *name,
		    struct tenant_args *args, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
		    .ctx_size_in = sizeof(*args));
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, name));

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	*retval = opts.retval;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmd_info(int dev)
{
	struct dpu_mmio_info info;
	__u32 i;

	if (ioctl(dev, DPU_MMIO_IOC_INFO, &info))
		return sys_err("DPU_MMIO_IOC_INFO");
	printf("kind %s\ntenants %u\nwindow_size %u\n",
	       info.kind == DPU_MMIO_EDU ? "edu" :
	       info.kind == DPU_MMIO_IVSHMEM ? "ivshmem" : "unknown",
	       info.nr_tenants, info.window_size);
	for (i = 0; i < info.nr_tenants && i < 4; i++)
		printf("window %u 0x%llx\n", i, (unsigned long long)info.window_off[i]);
	return 0;
}

static int cmd_run(int dev, __u64 tenant, const char *name, __u64 value)
{
	struct tenant_args args = { .value = value };
	struct bpf_object *obj;
	int win, refused, err;
	__u32 retval;

	win = ioctl(dev, DPU_MMIO_IOC_WINDOW, (unsigned long)tenant);
	if (win < 0)
		return sys_err("DPU_MMIO_IOC_WINDOW");
	obj = load_tenant(win, name, &refused, 1);
	close(win);	/* the program holds the window now */
	if (!obj)
		return refused ? 1 : 2;
	err = run_prog(obj, name, &args, &retval);
	bpf_object__close(obj);
	if (err) {
		errno = -err;
		return sys_err("BPF_PROG_TEST_RUN");
	}
	printf("retval 0x%x result 0x%llx\n", retval, (unsigned long long)args.result);
	return 0;
}

static int cmd_access(int dev, __u64 tenant, __u64 off, __u64 size,
		      int write, __u64 value)
{
	struct dpu_mmio_access a = {
		.tenant = tenant, .off = off, .size = size, .write = write,
		.value = value,
	};

	if (ioctl(dev, DPU_MMIO_IOC_ACCESS, &a)) {
		if (errno == EACCES) {
			fprintf(stderr, "dpu-tenant: the policy refuses it\n");
			return 1;
		}
		return sys_err("DPU_MMIO_IOC_ACCESS");
	}
	if (!write)
		printf("0x%llx\n", (unsigned long long)a.value);
	return 0;
}

/* N loads of the window's first register, verified vs run-time checked. */
static int cmd_bench(int dev, __u64 tenant, __u64 n)
{
	struct dpu_mmio_access a = { .tenant = tenant, .size = 4 };
	struct tenant_args args = { .value = n };
	struct tenant_args kargs = { .value = n, .tenant = tenant, .dev_fd = dev };
	struct bpf_prog_info info = {}, kinfo = {};
	__u32 len = sizeof(info), retval;
	struct bpf_object *obj;
	double t0, direct, ioc, kf;
	int win, refused, err;
	__u64 i;

	win = ioctl(dev, DPU_MMIO_IOC_WINDOW, (unsigned long)tenant);
	if (win < 0)
		return sys_err("DPU_MMIO_IOC_WINDOW");
	obj = load_tenant(win, "bench_read", &refused, 1);
	close(win);
	if (!obj)
		return refused ? 1 : 2;
	t0 = now_ns();
	err = run_prog(obj, "bench_read", &args, &retval);
	direct = now_ns() - t0;
	if (!err)
		err = bpf_prog_get_info_by_fd(bpf_program__fd(
			bpf_object__find_program_by_name(obj, "bench_read")), &info, &len);
	bpf_object__close(obj);
	if (err) {
		errno = -err;
		return sys_err("bench_read");
	}

	/* the run-time-checked kfunc: manager code, without the window */
	win = ioctl(dev, DPU_MMIO_IOC_WINDOW, (unsigned long)tenant);
	if (win < 0)
		return sys_err("DPU_MMIO_IOC_WINDOW");
	obj = load_prog(win, "bench_kfunc", &refused, 1, 0);
	close(win);
	if (!obj)
		return refused ? 1 : 2;
	t0 = now_ns();
	err = run_prog(obj, "bench_kfunc", &kargs, &retval);
	kf = now_ns() - t0;
	if (!err && retval)
		err = -EIO;	/* a kfunc call failed */
	len = sizeof(kinfo);
	if (!err)
		err = bpf_prog_get_info_by_fd(bpf_program__fd(
			bpf_object__find_program_by_name(obj, "bench_kfunc")), &kinfo, &len);
	bpf_object__close(obj);
	if (err) {
		errno = -err;
		return sys_err("bench_kfunc");
	}
	if (kargs.result != args.result)
		fprintf(stderr, "dpu-tenant: note: kfunc sum 0x%llx, direct sum 0x%llx\n",
			(unsigned long long)kargs.result, (unsigned long long)args.result);

	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (ioctl(dev, DPU_MMIO_IOC_ACCESS, &a))
			return sys_err("DPU_MMIO_IOC_ACCESS");
	ioc = now_ns() - t0;
	printf("loads %llu\n", (unsigned long long)n);
	printf("verified_bpf_ns_per_load %.1f\n", direct / n);
	printf("kfunc_ns_per_load %.1f\n", kf / n);
	printf("ioctl_ns_per_load %.1f\n", ioc / n);
	printf("kfunc_over_verified %.2f\n", kf / direct);
	printf("ioctl_over_verified %.2f\n", ioc / direct);
	printf("bench_read xlated_insns %u jited_bytes %u verified_insns %u\n",
	       info.xlated_prog_len / 8, info.jited_prog_len, info.verified_insns);
	printf("bench_kfunc xlated_insns %u jited_bytes %u verified_insns %u\n",
	       kinfo.xlated_prog_len / 8, kinfo.jited_prog_len, kinfo.verified_insns);
	return 0;
}

/* The verifier's statistics line: "processed N insns (limit L) ..." */
static void print_stats(const char *name, int refused)
{
	unsigned long long usec = 0;
	unsigned int insns = 0, states = 0, peak = 0;
	const char *p;

	p = strstr(verifier_log, "verification time ");
	if (p)
		sscanf(p, "verification time %llu usec", &usec);
	p = strstr(verifier_log, "processed ");
	if (p)
		sscanf(p, "processed %u insns (limit %*u) max_states_per_insn %*u total_states %u peak_states %u",
		       &insns, &states, &peak);
	printf("%-18s %-8s %6u %6u %6u %8llu\n", name,
	       refused ? "refused" : "ok", insns, states, peak, usec);
}

static int cmd_verify(int dev, __u64 tenant, char **progs, int n)
{
	struct bpf_object *obj;
	int win, refused, i, rc = 0;

	win = ioctl(dev, DPU_MMIO_IOC_WINDOW, (unsigned long)tenant);
	if (win < 0)
		return sys_err("DPU_MMIO_IOC_WINDOW");
	printf("%-18s %-8s %6s %6s %6s %8s\n", "program", "verdict", "insns",
	       "states", "peak", "usec");
	for (i = 0; i < n; i++) {
		verifier_log[0] = 0;
		/* 4: statistics only (BPF_LOG_STATS), also for refusals */
		obj = load_tenant(win, progs[i], &refused, 4);
		if (!obj && !refused) {
			rc = 2;
			continue;
		}
		print_stats(progs[i], refused);
		bpf_object__close(obj);
	}
	close(win);
	return rc;
}

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* the arguments each command takes after DEV: at least MIN, at most MAX */
static const struct {
	const char *verb, *args;
	int min, max;
} commands[] = {
	{ "info", "DEV", 0, 0 },
	{ "run", "DEV TENANT PROG [VALUE]", 2, 3 },
	{ "access", "DEV TENANT OFF SIZE [VALUE]", 3, 4 },
	{ "bench", "DEV TENANT N", 2, 2 },
	{ "verify", "DEV TENANT PROG...", 2, 1 << 30 },
};

int main(int argc, char **argv)
{
	__u64 tenant = 0, a = 0, b = 0, value = 0;
	const char *verb;
	char **args;
	int c, n, dev, rc;
	unsigned int i;

	/* "+": options only before the command (VALUEs are numbers) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case 'V':
			printf("dpu-tenant %s\n", DPU_TENANT_VERSION);
			return 0;
		default:
			if (strncmp(argv[optind - 1], "--", 2))
				bad_usage("unknown option '-%c'", optopt);
			if (optopt)
				bad_usage("option '%.*s' takes no argument",
					  (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
			bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		bad_usage("no command: info, run, access, bench or verify");
	verb = argv[optind];
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(verb, commands[i].verb))
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		bad_usage("unknown command '%s': info, run, access, bench or verify", verb);
	if (optind + 1 == argc)
		bad_usage("%s: no DEV: %s %s", verb, verb, commands[i].args);
	args = argv + optind + 2;	/* after DEV */
	n = argc - optind - 2;
	if (n < commands[i].min || n > commands[i].max)
		bad_usage("%s: %s arguments after DEV: %s %s", verb,
			  n < commands[i].min ? "too few" : "too many", verb, commands[i].args);
	if (n >= 1)
		tenant = number(verb, "TENANT", args[0]);
	if (!strcmp(verb, "run") && n == 3)
		value = number(verb, "VALUE", args[2]);
	if (!strcmp(verb, "access")) {
		a = number(verb, "OFF", args[1]);
		b = number(verb, "SIZE", args[2]);
		if (n == 4)
			value = number(verb, "VALUE", args[3]);
	}
	if (!strcmp(verb, "bench")) {
		a = number(verb, "N", args[1]);
		if (!a)
			bad_usage("bench: N must be at least 1");
	}

	libbpf_set_print(quiet);
	dev = open_dev(argv[optind + 1]);
	if (dev < 0)
		return 2;
	if (!strcmp(verb, "info"))
		rc = cmd_info(dev);
	else if (!strcmp(verb, "run"))
		rc = cmd_run(dev, tenant, args[1], value);
	else if (!strcmp(verb, "access"))
		rc = cmd_access(dev, tenant, a, b, n == 4, value);
	else if (!strcmp(verb, "bench"))
		rc = cmd_bench(dev, tenant, a);
	else
		rc = cmd_verify(dev, tenant, args + 1, n - 1);
	close(dev);
	return rc;
}
