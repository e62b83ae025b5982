/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Copy of include/uapi/linux/cgroup.h from kernel-patches/cgroup-batch, for
 * building against a libc whose kernel headers predate it.  `make check`
 * fails when the two differ (selftests/test-uapi-copy.sh).
 */
#ifndef CGBATCH_CGROUP_UAPI_H
#define CGBATCH_CGROUP_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Most cgroups one CGROUP_IOC_CREATE or CGROUP_IOC_DESTROY call handles. */
#define CGROUP_BATCH_MAX	1024
/* Most interface-file values one CGROUP_IOC_CREATE call applies. */
#define CGROUP_SEED_MAX		32
/*
 * Most interface-file writes (count times nr_seeds) one CGROUP_IOC_CREATE
 * call makes: they run under cgroup_mutex.
 */
#define CGROUP_SEED_WRITES_MAX	1024
/* Longest value, in bytes, of one interface file. */
#define CGROUP_SEED_MAX_LEN	4095

/**
 * struct cgroup_seed - an interface file value applied at creation
 * @name: pointer to the NUL-terminated name of a controller interface
 *	file of the new cgroup, e.g. "memory.max"
 * @value: pointer to the value, as it would be written to the file
 * @len: length of @value in bytes, 1 to %CGROUP_SEED_MAX_LEN
 * @flags: must be 0
 */
struct cgroup_seed {
	__aligned_u64 name;
	__aligned_u64 value;
	__u32 len;
	__u32 flags;
};

/**
 * struct cgroup_create_args - argument of %CGROUP_IOC_CREATE
 * @flags: must be 0
 * @count: number of cgroups to create, 1 to %CGROUP_BATCH_MAX
 * @nr_seeds: number of entries in @seeds, 0 to %CGROUP_SEED_MAX, and
 *	@count * @nr_seeds at most %CGROUP_SEED_WRITES_MAX
 * @names: pointer to an array of @count pointers (as __u64) to the
 *	NUL-terminated names of the new cgroups
 * @seeds: pointer to an array of @nr_seeds &struct cgroup_seed, written
 *	in order to each new cgroup before it becomes visible
 * @fds: pointer to an array of @count __s32; receives an O_RDONLY |
 *	O_DIRECTORY | O_CLOEXEC descriptor of each new cgroup, usable with
 *	clone3(CLONE_INTO_CGROUP) and %CGROUP_IOC_DESTROY.  The numbers are
 *	written before any cgroup is created; they are open only if the
 *	call succeeds
 * @mode: mode of the new directories, as for mkdir(2) (the umask applies);
 *	bits outside 01777 are refused, where mkdir(2) drops them
 * @err_name: out: on failure, index in @names of the cgroup the error is
 *	about, or -1; left as it was when the structure cannot be read or
 *	its size is refused
 * @err_seed: out: on failure, index in @seeds of the value the error is
 *	about, or -1; left as it was when the structure cannot be read or
 *	its size is refused
 * @__reserved: must be 0
 */
struct cgroup_create_args {
	__u64 flags;
	__u32 count;
	__u32 nr_seeds;
	__aligned_u64 names;
	__aligned_u64 seeds;
	__aligned_u64 fds;
	__u32 mode;
	__s32 err_name;
	__s32 err_seed;
	__u32 __reserved;
};

/**
 * struct cgroup_destroy_args - argument of %CGROUP_IOC_DESTROY
 * @flags: must be 0
 * @count: number of cgroups to destroy, 1 to %CGROUP_BATCH_MAX
 * @err_index: out: on failure, index in @fds of the cgroup the error is
 *	about, or -1; left as it was when the structure cannot be read or
 *	its size is refused
 * @fds: pointer to an array of @count __s32 descriptors of child cgroups
 *	of the directory the ioctl is issued on
 */
struct cgroup_destroy_args {
	__u64 flags;
	__u32 count;
	__s32 err_index;
	__aligned_u64 fds;
};

/*
 * The ioctl numbers carry the size of the caller's structure.  A later
 * revision may append fields: the kernel treats the fields a caller's
 * smaller structure lacks as zero, and refuses a larger structure whose
 * fields it does not know are not zero (E2BIG).  The sizes of the first
 * versions, the smallest accepted:
 */
#define CGROUP_CREATE_ARGS_SIZE_VER0	56
#define CGROUP_DESTROY_ARGS_SIZE_VER0	24

#define CGROUP_IOC_MAGIC	0xB9
#define CGROUP_IOC_CREATE	_IOWR(CGROUP_IOC_MAGIC, 1, struct cgroup_create_args)
#define CGROUP_IOC_DESTROY	_IOWR(CGROUP_IOC_MAGIC, 2, struct cgroup_destroy_args)

#endif /* CGBATCH_CGROUP_UAPI_H */
