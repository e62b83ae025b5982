// SPDX-License-Identifier: LGPL-2.1-or-later
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgbatch.h"
#include "cgroup_uapi.h"

#ifndef CGB_VERSION
#error "CGB_VERSION (the project's VERSION) must be defined: build with cgbatch/Makefile"
#endif

static void set_err(struct cgb_error *err, int name, int seed)
{
	if (err) {
		err->name = name;
		err->seed = seed;
	}
}

static int create_ioctl(int parent_fd, const char *const *names,
			unsigned int n, const struct cgb_seed *seeds,
			unsigned int nr_seeds, unsigned int mode, int *fds,
			struct cgb_error *err)
{
	struct cgroup_seed s[CGROUP_SEED_MAX];
	struct cgroup_create_args args = {0};
	uint64_t *unames;
	unsigned int i;
	int ret;

	if (n == 0 || n > CGROUP_BATCH_MAX || nr_seeds > CGROUP_SEED_MAX)
		return -EINVAL;
	unames = malloc(n * sizeof(*unames));
	if (!unames)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		unames[i] = (uintptr_t)names[i];
	for (i = 0; i < nr_seeds; i++) {
		s[i].name = (uintptr_t)seeds[i].name;
		s[i].value = (uintptr_t)seeds[i].value;
		s[i].len = strlen(seeds[i].value);
		s[i].flags = 0;
	}
	args.count = n;
	args.nr_seeds = nr_seeds;
	args.names = (uintptr_t)unames;
	args.seeds = (uintptr_t)s;
	args.fds = (uintptr_t)fds;
	args.mode = mode;
	ret = ioctl(parent_fd, CGROUP_IOC_CREATE, &args) ? -errno : 0;
	free(unames);
	if (ret)
		set_err(err, args.err_name, args.err_seed);
	return ret;
}

static int write_seed(int parent_fd, const char *name,
		      const struct cgb_seed *seed)
{
	char path[4096];
	ssize_t len = strlen(seed->value);
	int fd, ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", name, seed->name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = openat(parent_fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, seed->value, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static int create_classic(int parent_fd, const char *const *names,
			  unsigned int n, const struct cgb_seed *seeds,
			  unsigned int nr_seeds, unsigned int mode, int *fds,
			  struct cgb_error *err)
{
	unsigned int i, j;
	int ret = 0;

	for (i = 0; i < n; i++) {
		if (strchr(names[i], '/')) {
			ret = -EINVAL;
			set_err(err, i, -1);
			goto undo;
		}
		if (mkdirat(parent_fd, names[i], mode)) {
			ret = -errno;
			set_err(err, i, -1);
			goto undo;
		}
		for (j = 0; j < nr_seeds; j++) {
			ret = write_seed(parent_fd, names[i], &seeds[j]);
			if (ret) {
				set_err(err, i, j);
				i++;
				goto undo;
			}
		}
		fds[i] = openat(parent_fd, names[i],
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = -errno;
			set_err(err, i, -1);
			i++;
			goto undo;
		}
	}
	return 0;
undo:
	/* cgroups 0..i-1 exist */
	while (i-- > 0) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
		unlinkat(parent_fd, names[i], AT_REMOVEDIR);
	}
	return ret;
}

/*
 * Option structs, as libbpf's OPTS_VALID(): @sz covers at least itself; a
 * struct larger than this library's (a caller built against a newer
 * header) is accepted only if the fields this library does not know are
 * all 0; fields past a smaller @sz take their default (0).
 */
#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))
#define OPTS_KNOWN(TYPE) offsetofend(struct TYPE, TYPE##__last_field)
#define OPTS_VALID(opts, TYPE) opts_valid((opts), OPTS_KNOWN(TYPE))
#define OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= offsetofend(typeof(*(opts)), field))
#define OPTS_GET(opts, field, fallback) \
	(OPTS_HAS(opts, field) ? (opts)->field : (fallback))

static int opts_valid(const void *opts, size_t known)
{
	const unsigned char *p = opts;
	size_t sz, i;

	if (!opts)
		return 0;
	sz = *(const size_t *)opts;
	if (sz < sizeof(size_t))
		return -EINVAL;
	for (i = known; i < sz; i++)
		if (p[i])
			return -E2BIG;
	return 0;
}

static int create(int parent_fd, const char *const *names, unsigned int n,
		  const struct cgb_seed *seeds, unsigned int nr_seeds,
		  unsigned int mode, unsigned int flags, int *fds,
		  struct cgb_error *err)
{
	unsigned int i;
	int ret;

	set_err(err, -1, -1);
	if (flags & ~CGB_CLASSIC)
		return -EINVAL;
	for (i = 0; i < n; i++)
		fds[i] = -1;
	if (!(flags & CGB_CLASSIC)) {
		ret = create_ioctl(parent_fd, names, n, seeds, nr_seeds, mode,
				   fds, err);
		if (ret != -ENOTTY)
			return ret;
	}
	return create_classic(parent_fd, names, n, seeds, nr_seeds, mode, fds,
			      err);
}

CGB_API int cgb_create_batch(int parent_fd, const char *const *names,
			     unsigned int n, int *fds,
			     const struct cgb_create_opts *opts)
{
	int ret = OPTS_VALID(opts, cgb_create_opts);

	if (ret) {
		set_err(OPTS_GET(opts, err, NULL), -1, -1);
		return ret;
	}
	return create(parent_fd, names, n, OPTS_GET(opts, seeds, NULL),
		      OPTS_GET(opts, nr_seeds, 0),
		      OPTS_GET(opts, mode, 0) ? OPTS_GET(opts, mode, 0) : 0755,
		      OPTS_GET(opts, flags, 0), fds, OPTS_GET(opts, err, NULL));
}

CGB_API int cgb_create(int parent_fd, const char *const *names, unsigned int n,
		       const struct cgb_seed *seeds, unsigned int nr_seeds,
		       unsigned int mode, unsigned int flags, int *fds,
		       struct cgb_error *err)
{
	return create(parent_fd, names, n, seeds, nr_seeds, mode, flags, fds,
		      err);
}

static int destroy(int parent_fd, const int *fds, const char *const *names,
		   unsigned int n, unsigned int flags, int *err_index)
{
	unsigned int i;

	if (err_index)
		*err_index = -1;
	if (flags & ~CGB_CLASSIC)
		return -EINVAL;
	if (!(flags & CGB_CLASSIC)) {
		struct cgroup_destroy_args args = {
			.count = n,
			.fds = (uintptr_t)fds,
		};

		if (!ioctl(parent_fd, CGROUP_IOC_DESTROY, &args))
			return 0;
		if (errno != ENOTTY) {
			if (err_index)
				*err_index = args.err_index;
			return -errno;
		}
	}
	if (!names)
		return -EOPNOTSUPP;
	for (i = 0; i < n; i++) {
		if (unlinkat(parent_fd, names[i], AT_REMOVEDIR)) {
			if (err_index)
				*err_index = i;
			return -errno;
		}
	}
	return 0;
}

CGB_API int cgb_destroy_batch(int parent_fd, const int *fds,
			      const char *const *names, unsigned int n,
			      const struct cgb_destroy_opts *opts)
{
	int ret = OPTS_VALID(opts, cgb_destroy_opts);
	int *err_index = OPTS_GET(opts, err_index, NULL);

	if (ret) {
		if (err_index)
			*err_index = -1;
		return ret;
	}
	return destroy(parent_fd, fds, names, n, OPTS_GET(opts, flags, 0),
		       err_index);
}

CGB_API int cgb_destroy(int parent_fd, const int *fds, const char *const *names,
			unsigned int n, unsigned int flags, int *err_index)
{
	return destroy(parent_fd, fds, names, n, flags, err_index);
}

CGB_API bool cgb_kernel_has_batch(int parent_fd)
{
	struct cgroup_create_args args = {0};

	/* count 0 is refused with EINVAL by kernels that know the ioctl */
	return ioctl(parent_fd, CGROUP_IOC_CREATE, &args) && errno == EINVAL;
}

CGB_API const char *cgb_version(void)
{
	return CGB_VERSION;
}
