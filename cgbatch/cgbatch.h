/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcgbatch: create and destroy many configured cgroup v2 children in one
 * call with CGROUP_IOC_CREATE / CGROUP_IOC_DESTROY (kernel-patches/
 * cgroup-batch), falling back to mkdir(2) + write(2) + rmdir(2) on
 * kernels without them.  See cgbatch/README.md and libcgbatch(3).
 *
 * ABI: libcgbatch.so.1, symbols versioned LIBCGBATCH_1.0 (libcgbatch.map).
 * The option structs grow at their end only; see CGB_OPTS().
 */
#ifndef CGBATCH_H
#define CGBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CGB_API __attribute__((visibility("default")))

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
 * Options of cgb_create_batch().  @sz must be sizeof(struct
 * cgb_create_opts) as the caller was compiled: declare them with
 * CGB_OPTS(cgb_create_opts, name, .field = ...), which sets it and zeroes
 * the rest.  A field the caller's struct does not reach (a smaller @sz,
 * from an older header) takes its default, the value 0.  New fields are
 * only ever added at the end, and 0 keeps the old behaviour.
 */
struct cgb_create_opts {
	size_t sz;
	/* values written, in order, to each new cgroup's interface files */
	const struct cgb_seed *seeds;
	unsigned int nr_seeds;
	/* mode of the new directories (the umask applies); 0 means 0755 */
	unsigned int mode;
	/* CGB_CLASSIC or 0 */
	unsigned int flags;
	/* out, if not NULL: which name and value an error is about */
	struct cgb_error *err;
	size_t :0;
};
#define cgb_create_opts__last_field err

/* Options of cgb_destroy_batch(); see struct cgb_create_opts. */
struct cgb_destroy_opts {
	size_t sz;
	/* CGB_CLASSIC or 0 */
	unsigned int flags;
	/* out, if not NULL: index of the cgroup an error is about, or -1 */
	int *err_index;
	size_t :0;
};
#define cgb_destroy_opts__last_field err_index

/*
 * Declare and initialise a libcgbatch option struct: padding and unnamed
 * fields zeroed, sz set, the given fields set, e.g.
 *	CGB_OPTS(cgb_create_opts, opts, .seeds = s, .nr_seeds = 2, .err = &e);
 */
#define CGB_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = ({						\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE) {						\
			.sz = sizeof(struct TYPE),			\
			__VA_ARGS__					\
		};							\
	})

/*
 * Create @n children @names of the cgroup directory @parent_fd, each with
 * the parent's enabled controllers and @opts->seeds written in order, and
 * store a directory descriptor (O_CLOEXEC) of each in @fds: usable with
 * clone3(CLONE_INTO_CGROUP).  All or nothing.  @opts may be NULL (no
 * values, mode 0755, the ioctl when the kernel has it).  Returns 0 or
 * -errno: -EINVAL for options with @sz below sizeof(size_t) or unknown
 * flags, -E2BIG for options larger than this library knows whose extra
 * bytes are not 0 (a caller built against a newer libcgbatch using a newer
 * field); otherwise @opts->err (if not NULL) says which name or value
 * failed.
 */
CGB_API int cgb_create_batch(int parent_fd, const char *const *names,
			     unsigned int n, int *fds,
			     const struct cgb_create_opts *opts);

/*
 * Remove the @n empty children of @parent_fd given by @fds (and, for the
 * fallback path, @names).  With the ioctl, all or nothing; the fallback
 * removes in order and stops at the first failure.  @opts may be NULL.
 * Returns 0 or -errno (option errors as for cgb_create_batch()),
 * @opts->err_index (if not NULL) naming the failing one.  Does not close
 * @fds.
 */
CGB_API int cgb_destroy_batch(int parent_fd, const int *fds,
			      const char *const *names, unsigned int n,
			      const struct cgb_destroy_opts *opts);

/*
 * The same as cgb_create_batch() with the options as arguments (the first
 * API, kept for its callers).
 */
CGB_API int cgb_create(int parent_fd, const char *const *names, unsigned int n,
		       const struct cgb_seed *seeds, unsigned int nr_seeds,
		       unsigned int mode, unsigned int flags, int *fds,
		       struct cgb_error *err);

/* The same as cgb_destroy_batch() with the options as arguments. */
CGB_API int cgb_destroy(int parent_fd, const int *fds, const char *const *names,
			unsigned int n, unsigned int flags, int *err_index);

/* Whether the kernel has CGROUP_IOC_CREATE for @parent_fd's hierarchy. */
CGB_API bool cgb_kernel_has_batch(int parent_fd);

/* The library's version, e.g. "1.0.0". */
CGB_API const char *cgb_version(void);

#ifdef __cplusplus
}
#endif

#endif
