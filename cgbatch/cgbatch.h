/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcgbatch: create and destroy many configured cgroup v2 children in one
 * call with CGROUP_IOC_CREATE / CGROUP_IOC_DESTROY (kernel-patches/
 * cgroup-batch), falling back to mkdir(2) + write(2) + rmdir(2) on
 * kernels without them.  See cgbatch/README.md.
 */
#ifndef CGBATCH_H
#define CGBATCH_H

#include <stdbool.h>

struct cgb_seed {
	const char *name;	/* controller interface file, e.g. "memory.max" */
	const char *value;	/* as written to the file */
};

struct cgb_error {
	int name;		/* index of the cgroup the error is about, or -1 */
	int seed;		/* index of the value the error is about, or -1 */
};

/* Do not use the ioctls even if the kernel has them (for comparisons). */
#define CGB_CLASSIC	(1u << 0)

/*
 * Create @n children @names of the cgroup directory @parent_fd, each with
 * the parent's enabled controllers and @seeds written in order, and store a
 * directory descriptor (O_CLOEXEC) of each in @fds: usable with
 * clone3(CLONE_INTO_CGROUP).  All or nothing.  Returns 0, or -errno with
 * @err (if not NULL) saying which name or value failed.
 */
int cgb_create(int parent_fd, const char *const *names, unsigned int n,
	       const struct cgb_seed *seeds, unsigned int nr_seeds,
	       unsigned int mode, unsigned int flags, int *fds,
	       struct cgb_error *err);

/*
 * Remove the @n empty children of @parent_fd given by @fds (and, for the
 * fallback path, @names).  With the ioctl, all or nothing; the fallback
 * removes in order and stops at the first failure.  Returns 0 or -errno,
 * @err_index (if not NULL) naming the failing one.  Does not close @fds.
 */
int cgb_destroy(int parent_fd, const int *fds, const char *const *names,
		unsigned int n, unsigned int flags, int *err_index);

/* Whether the kernel has CGROUP_IOC_CREATE for @parent_fd's hierarchy. */
bool cgb_kernel_has_batch(int parent_fd);

#endif
