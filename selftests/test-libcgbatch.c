// SPDX-License-Identifier: GPL-2.0
/*
 * libcgbatch's API without kernel support (test-tools.sh builds it against
 * an installed libcgbatch with pkg-config and runs it, linked dynamically):
 * the version, the option structs' size rules, and creation and
 * destruction in a plain directory, where CGROUP_IOC_CREATE fails with
 * ENOTTY and the library falls back to mkdir/rmdir.
 *
 *   test-libcgbatch VERSION DIR     DIR: an empty directory.  Prints TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cgbatch.h>

static int n, fails;

static void check(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	n++;
	printf("%sok %d %s", ok ? "" : "not ", n, what);
	if (!ok) {
		fails++;
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
}

static int is_dir(int dfd, const char *name)
{
	struct stat st;

	return !fstatat(dfd, name, &st, 0) && S_ISDIR(st.st_mode);
}

static int count_entries(const char *dir)
{
	char cmd[4200];
	FILE *f;
	int k = -1;

	snprintf(cmd, sizeof(cmd), "find '%s' -mindepth 1 | wc -l", dir);
	f = popen(cmd, "r");
	if (f) {
		if (fscanf(f, "%d", &k) != 1)
			k = -1;
		pclose(f);
	}
	return k;
}

static int found_lib(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;

	base = base ? base + 1 : info->dlpi_name;
	if (!strcmp(base, "libcgbatch.so.1"))
		*(const char **)data = info->dlpi_name;
	return 0;
}

int main(int argc, char **argv)
{
	const char *names[] = { "t-a", "t-b", "t-c" };
	const struct cgb_seed bad_seed[] = { { "no.such.file", "1" } };
	const char *lib = NULL;
	struct cgb_error e;
	int dfd, fds[3] = { -1, -1, -1 }, ret, idx, i, all;

	if (argc != 3) {
		fprintf(stderr, "usage: test-libcgbatch VERSION DIR\n");
		return 2;
	}
	dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		perror(argv[2]);
		return 2;
	}
	printf("TAP version 13\n1..13\n");

	dl_iterate_phdr(found_lib, &lib);
	check(lib != NULL, "linked dynamically with libcgbatch.so.1", "not among the loaded objects");
	check(!strcmp(cgb_version(), argv[1]), "cgb_version() is the project's VERSION",
	      "'%s', not '%s'", cgb_version(), argv[1]);
	check(!cgb_kernel_has_batch(dfd), "a plain directory has no CGROUP_IOC_CREATE",
	      "cgb_kernel_has_batch() says it has");

	/* options: sz too small for itself */
	{
		struct cgb_create_opts o = { .sz = 1 };
		struct cgb_destroy_opts d = { .sz = 0 };

		ret = cgb_create_batch(dfd, names, 1, fds, &o);
		check(ret == -EINVAL && !is_dir(dfd, names[0]),
		      "create: opts with sz below sizeof(size_t): EINVAL", "%d", ret);
		ret = cgb_destroy_batch(dfd, fds, names, 1, &d);
		check(ret == -EINVAL, "destroy: opts with sz 0: EINVAL", "%d", ret);
	}
	/* options from a newer header: unknown fields must be 0 */
	{
		struct {
			struct cgb_create_opts o;
			unsigned long newer_field;
		} big;

		memset(&big, 0, sizeof(big));
		big.o.sz = sizeof(big);
		big.o.err = &e;
		big.newer_field = 1;
		e.name = e.seed = 7;
		ret = cgb_create_batch(dfd, names, 1, fds, &big.o);
		check(ret == -E2BIG && e.name == -1 && e.seed == -1 && !is_dir(dfd, names[0]),
		      "create: a larger struct with a non-zero unknown field: E2BIG",
		      "%d, err %d/%d", ret, e.name, e.seed);
		big.newer_field = 0;
		ret = cgb_create_batch(dfd, names, 1, fds, &big.o);
		check(ret == 0 && is_dir(dfd, names[0]),
		      "create: a larger struct whose unknown fields are 0 is accepted", "%d", ret);
		if (!ret) {
			close(fds[0]);
			unlinkat(dfd, names[0], AT_REMOVEDIR);
		}
	}
	/* options from an older header: fields past sz are not read */
	{
		struct cgb_create_opts o;

		memset(&o, 0, sizeof(o));
		o.sz = offsetof(struct cgb_create_opts, mode);
		o.mode = 0;
		o.flags = 0xdead;	/* past sz: must be ignored */
		ret = cgb_create_batch(dfd, names, 1, fds, &o);
		check(ret == 0 && is_dir(dfd, names[0]),
		      "create: fields past a smaller sz take their default", "%d", ret);
		if (!ret) {
			close(fds[0]);
			unlinkat(dfd, names[0], AT_REMOVEDIR);
		}
	}
	{
		CGB_OPTS(cgb_create_opts, o, .flags = 1u << 7, .err = &e);

		ret = cgb_create_batch(dfd, names, 1, fds, &o);
		check(ret == -EINVAL, "create: unknown flags: EINVAL", "%d", ret);
	}

	/* the fallback, in a plain directory: all three, then none */
	{
		CGB_OPTS(cgb_create_opts, o, .mode = 0700, .err = &e);
		CGB_OPTS(cgb_destroy_opts, d, .err_index = &idx);
		struct stat st;

		ret = cgb_create_batch(dfd, names, 3, fds, &o);
		all = ret == 0;
		for (i = 0; all && i < 3; i++)
			all = is_dir(dfd, names[i]) && !fstat(fds[i], &st) &&
			      S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700 &&
			      (fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		check(all, "create_batch falls back to mkdir: 3 directories, mode 0700, O_CLOEXEC fds",
		      "ret %d", ret);
		idx = 7;
		ret = cgb_destroy_batch(dfd, fds, names, 3, &d);
		check(ret == 0 && idx == -1 && count_entries(argv[2]) == 0,
		      "destroy_batch falls back to rmdir: none left", "ret %d, index %d, %d entries",
		      ret, idx, count_entries(argv[2]));
		for (i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	/* all or nothing: the third cgroup's value fails, nothing is left */
	{
		CGB_OPTS(cgb_create_opts, o, .seeds = bad_seed, .nr_seeds = 1, .err = &e);

		ret = cgb_create_batch(dfd, names, 3, fds, &o);
		check(ret == -ENOENT && e.name == 0 && e.seed == 0 && count_entries(argv[2]) == 0,
		      "a value that cannot be written: ENOENT, naming cgroup 0 and value 0, nothing left",
		      "ret %d, err %d/%d, %d entries", ret, e.name, e.seed, count_entries(argv[2]));
	}
	/* the first API, unchanged */
	ret = cgb_create(dfd, names, 2, NULL, 0, 0755, CGB_CLASSIC, fds, NULL);
	if (!ret) {
		close(fds[0]);
		close(fds[1]);
		ret = cgb_destroy(dfd, fds, names, 2, CGB_CLASSIC, &idx);
	}
	check(ret == 0 && count_entries(argv[2]) == 0,
	      "cgb_create() and cgb_destroy() with CGB_CLASSIC", "ret %d", ret);

	printf("# %d of %d failed\n", fails, n);
	return fails ? 1 : 0;
}
