// SPDX-License-Identifier: GPL-2.0
/*
 * For selftests/e2e/cgbatch-lib.sh: libcgbatch as a program uses it,
 * linked dynamically with libcgbatch.so.1 (scripts/build-selftests.sh
 * builds it with pkg-config against `make install`'s output, with an
 * rpath to it), on the test kernel: a batch of cgroups created with
 * values and destroyed through CGROUP_IOC_CREATE / CGROUP_IOC_DESTROY.
 *
 *   cgbatch-lib PARENT      PARENT: an empty cgroup2 directory with the
 *                           memory and pids controllers enabled.  Prints TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cgbatch.h>

#define N 16

static int n, fails;

static void result(int ok, const char *what)
{
	n++;
	fails += !ok;
	printf("%sok %d %s\n", ok ? "" : "not ", n, what);
}

static int loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (base && !strcmp(base + 1, "libcgbatch.so.1"))
		*(const char **)data = info->dlpi_name;
	return 0;
}

/* the content of PARENT/NAME/FILE, without the newline */
static const char *value(int pfd, const char *name, const char *file)
{
	static char buf[64];
	char path[256];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", name, file);
	fd = openat(pfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "(cannot open)";
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return "(cannot read)";
	buf[len] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static int children(const char *parent)
{
	char cmd[512];
	FILE *f;
	int k = -1;

	snprintf(cmd, sizeof(cmd), "find '%s' -mindepth 1 -maxdepth 1 -type d | wc -l", parent);
	f = popen(cmd, "r");
	if (f) {
		if (fscanf(f, "%d", &k) != 1)
			k = -1;
		pclose(f);
	}
	return k;
}

int main(int argc, char **argv)
{
	static const struct cgb_seed seeds[] = {
		{ "pids.max", "7" }, { "memory.max", "33554432" },
	};
	static const struct cgb_seed bad[] = {
		{ "pids.max", "7" }, { "memory.max", "lots" },
	};
	char name_buf[N][16];
	const char *names[N], *lib = NULL, *bad_names[] = { "bad-0", "bad-1" };
	int fds[N], bad_fds[2], pfd, ret, i, ok, idx = 7;
	struct cgb_error e = { 7, 7 };
	struct stat st;

	if (argc != 2) {
		fprintf(stderr, "usage: cgbatch-lib PARENT\n");
		return 2;
	}
	pfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		printf("Bail out! %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < N; i++) {
		snprintf(name_buf[i], sizeof(name_buf[i]), "fn-%d", i);
		names[i] = name_buf[i];
	}
	printf("TAP version 13\n1..6\n");

	dl_iterate_phdr(loaded, &lib);
	printf("# libcgbatch %s from %s\n", cgb_version(), lib ? lib : "(not loaded)");
	result(lib != NULL, "linked dynamically with libcgbatch.so.1");
	result(cgb_kernel_has_batch(pfd), "the kernel has CGROUP_IOC_CREATE");

	{
		CGB_OPTS(cgb_create_opts, opts, .seeds = seeds, .nr_seeds = 2, .err = &e);

		ret = cgb_create_batch(pfd, names, N, fds, &opts);
		ok = ret == 0 && children(argv[1]) == N;
		for (i = 0; ok && i < N; i++)
			ok = !fstat(fds[i], &st) && S_ISDIR(st.st_mode) &&
			     (fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		if (!ok)
			printf("# create: %s, error at name %d value %d, %d children\n",
			       strerror(-ret), e.name, e.seed, children(argv[1]));
		result(ok, "cgb_create_batch: 16 cgroups, a directory fd (O_CLOEXEC) for each");
	}
	ok = 1;
	for (i = 0; ok && i < N; i++) {
		const char *p = value(pfd, names[i], "pids.max");
		const char *m;

		if (strcmp(p, "7")) {
			printf("# %s/pids.max: %s\n", names[i], p);
			ok = 0;
		}
		m = value(pfd, names[i], "memory.max");
		if (strcmp(m, "33554432")) {
			printf("# %s/memory.max: %s\n", names[i], m);
			ok = 0;
		}
	}
	result(ok, "each has pids.max 7 and memory.max 32M");

	{
		CGB_OPTS(cgb_create_opts, opts, .seeds = bad, .nr_seeds = 2, .err = &e);

		ret = cgb_create_batch(pfd, bad_names, 2, bad_fds, &opts);
		ok = ret == -EINVAL && e.seed == 1 && children(argv[1]) == N;
		if (!ok)
			printf("# bad value: %d (%s), error at name %d value %d, %d children\n",
			       ret, strerror(-ret), e.name, e.seed, children(argv[1]));
		result(ok, "a bad value: EINVAL naming it, nothing created");
	}

	{
		/* no names: only the ioctl can do it (the fallback needs them) */
		CGB_OPTS(cgb_destroy_opts, opts, .err_index = &idx);

		ret = cgb_destroy_batch(pfd, fds, NULL, N, &opts);
		ok = ret == 0 && idx == -1 && children(argv[1]) == 0;
		if (!ok)
			printf("# destroy: %d (%s), index %d, %d children left\n",
			       ret, strerror(-ret), idx, children(argv[1]));
		result(ok, "cgb_destroy_batch through CGROUP_IOC_DESTROY: none left");
	}
	for (i = 0; i < N; i++)
		close(fds[i]);
	printf("# %d of %d failed\n", fails, n);
	return fails ? 1 : 0;
}
