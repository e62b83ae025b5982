// SPDX-License-Identifier: LGPL-2.1-or-later
#define _GNU_SOURCE
#include <errno.h>
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

int cgb_create(int parent_fd, const char *const *names, unsigned int n,
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

int cgb_destroy(int parent_fd, const int *fds, const char *const *names,
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

bool cgb_kernel_has_batch(int parent_fd)
{
	struct cgroup_create_args args = {0};

	/* count 0 is refused with EINVAL by kernels that know the ioctl */
	return ioctl(parent_fd, CGROUP_IOC_CREATE, &args) && errno == EINVAL;
}
