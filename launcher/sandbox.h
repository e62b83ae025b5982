/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process mode's sandbox (sandbox.c): one instance, started and waited for. */
#ifndef LNCH_SANDBOX_H
#define LNCH_SANDBOX_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "filter.h"

enum sb_step {
	SB_STEP_SYNC,
	SB_STEP_STDIO,
	SB_STEP_LOOPBACK,
	SB_STEP_PRIVATE,
	SB_STEP_BIND_ROOT,
	SB_STEP_RDONLY,
	SB_STEP_TMP,
	SB_STEP_DEV,
	SB_STEP_PIVOT,
	SB_STEP_HOSTNAME,
	SB_STEP_CREDS,
	SB_STEP_CAPS,
	SB_STEP_LANDLOCK,
	SB_STEP_SECCOMP,
	SB_STEP_EXEC,
	SB_STEP_SETNS,
	SB_STEP_USERNS,
	SB_STEP_MAX,
};

/* What the child reports when a step fails. */
struct sb_error {
	int step;
	int err;
};

/* Everything the child needs, prepared by the parent (nothing allocates after clone3()). */
struct sb_instance {
	const char *rootfs;		/* host path of the bundle's rootfs */
	const char *path;		/* the executable, inside the rootfs */
	const int *stdio;		/* its fds 0, 1, 2 (-1: the caller's); NULL: the caller's */
	char *const *argv, *const *envp;
	const char *hostname;
	bool has_tmp;			/* the rootfs has a /tmp directory */
	const char *tmp_opts;		/* tmpfs options of /tmp */
	unsigned int dev_mask;		/* which of null, zero, full, random, urandom to bind */
	unsigned int uid, gid;		/* the function's, inside its user namespace */
	unsigned int host_uid, host_gid;	/* what they map to */
	int cgroup_fd;			/* CLONE_INTO_CGROUP */
	int landlock_abi;		/* 0: no Landlock */
	int last_cap;			/* /proc/sys/kernel/cap_last_cap (63 if unknown) */
	bool netns;			/* a new network namespace, loopback up */
	const struct lnch_filter *filter;	/* the function's seccomp filter */
	/*
	 * >= 0: the instance's mount namespace (sb_tree_ns()), which the
	 * child enters instead of copying the caller's and pivoting, and the
	 * function's user namespace (sb_userns()), which it enters after it;
	 * -1 both: a new mount and user namespace made at clone3().
	 */
	int mntns_fd, userns_fd;
	/* signals (bit N - 1: signal N) the caller ignores, which the child
	 * resets (sb_ignored_signals()); handlers clone3() resets itself */
	uint64_t sig_ign;
};

struct sb_process {
	pid_t pid;
	int pidfd;
	uint64_t exec_ns;		/* CLOCK_MONOTONIC when execve() succeeded */
	int failed_step;
};

/*
 * The function's tree: a detached recursive copy of the rootfs at
 * @root_fd (@rootfs: its path, for messages), private, read-only, nosuid
 * and nodev, with the host's device files of @dev_mask (see sb_instance)
 * bound over the rootfs's.  Returns its fd, or -errno with the reason in
 * @err.
 */
int sb_tree_prepare(int root_fd, const char *rootfs, unsigned int dev_mask, char *err,
		    size_t errlen);
/*
 * A new mount namespace holding a copy of @tree_fd's tree, for one
 * instance (open_tree(OPEN_TREE_NAMESPACE)).  Returns its fd or -errno
 * (-EINVAL: a kernel without it).  Closing the fd tears it down once the
 * instance is gone.
 */
int sb_tree_ns(int tree_fd);
/* Whether the kernel has sb_tree_ns(): 0, or -1 with the reason in @note. */
int sb_tree_probe(char *note, size_t len);
/*
 * A user namespace in which @uid and @gid map to @host_uid and @host_gid,
 * for every instance of a function.  Returns its fd, or -errno with the
 * reason in @err.
 */
int sb_userns(unsigned int uid, unsigned int gid, unsigned int host_uid, unsigned int host_gid,
	      char *err, size_t errlen);
/* The signals this process ignores, as sb_instance.sig_ign. */
uint64_t sb_ignored_signals(void);
/* Write @text to @name (openat(@dfd)); 0 or -errno. */
int sb_write_at(int dfd, const char *name, const char *text);
/* The Landlock ABI of the running kernel, 0 if it has none. */
int sb_landlock_abi(void);
const char *sb_step_name(int step);
/*
 * Start @in.  Returns 0 once the function's execve() succeeded, with @p
 * set (wait for it with sb_wait()); or -errno with the failed step and
 * the reason in @err, the child reaped.
 */
int sb_spawn(const struct sb_instance *in, struct sb_process *p, char *err, size_t errlen);
/*
 * Wait for @p to exit, for at most @timeout_ms (0: no limit); on the
 * timeout kill the instance through @kill_fd (its cgroup.kill, or -1: the
 * process alone) and set *@timed_out.  The same, setting *@cancelled,
 * once @cancel_fd (if not -1) hangs up.  Reaps it into @si.
 */
int sb_wait(struct sb_process *p, int timeout_ms, int kill_fd, int cancel_fd, bool *timed_out,
	    bool *cancelled, siginfo_t *si);
/*
 * Whether poll() events @ev say that a cancel fd hung up: POLLHUP (a Unix
 * stream socket whose peer closed it), POLLERR, or POLLNVAL (the fd was
 * closed).  A half-close (POLLRDHUP alone) is not one.  poll() reports
 * these without being asked: a cancel fd is polled with events 0.
 */
#define SB_HUNG_UP(ev) ((ev) & (POLLHUP | POLLERR | POLLNVAL))
/*
 * Wait until the process of @pidfd exits (SB_EXITED), @timeout_ms pass
 * (0: no limit; SB_TIMED_OUT) or @cancel_fd (if not -1) hangs up
 * (SB_CANCELLED), whichever comes first.  Reaps nothing.
 */
enum { SB_EXITED, SB_TIMED_OUT, SB_CANCELLED };
int sb_wait_exit(int pidfd, unsigned int timeout_ms, int cancel_fd);
/* Whether @fd (if not -1) has hung up already. */
bool sb_hung_up(int fd);

#endif
