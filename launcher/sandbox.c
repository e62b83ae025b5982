// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Process mode: start one instance of a verified function as a sandboxed
 * process.  The parent prepares everything that allocates (paths, argv,
 * the filter) and then clone3()s the child straight into the instance's
 * cgroup (CLONE_INTO_CGROUP) in new PID, IPC and UTS namespaces, and a
 * new network namespace when the bundle asks for one.
 *
 * Where the kernel has open_tree(OPEN_TREE_NAMESPACE) (Linux 7.3 has), the
 * function's files are prepared once (sb_tree_prepare()): a detached copy
 * of its rootfs, private, read-only, nosuid and nodev, with the host's
 * /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom bound
 * over the files of those names the rootfs has; and so is its user
 * namespace (sb_userns()), in which the function's uid and gid map to an
 * unprivileged host uid and gid.  Each instance gets a mount namespace
 * holding only a copy of that tree (sb_tree_ns()): no copy of the
 * caller's mounts to make private, pivot away from and detach, which is
 * most of what a sandbox costs to start and end.  The child makes raw
 * system calls only, in this order:
 *
 *   1. in a new network namespace, bring its loopback up;
 *   2. enter the instance's mount namespace (setns()), and mount a
 *      private tmpfs (nosuid, nodev, noexec) on its /tmp;
 *   3. set the hostname, and enter the function's user namespace, with
 *      every capability in it and none outside;
 *   4. lock the securebits (no root privileges on execve(), no ambient
 *      capabilities), empty the bounding set, drop supplementary groups,
 *      take the function's gid and uid and empty the capability sets;
 *   5. no_new_privs, then a Landlock domain: the rootfs read and execute
 *      only, /tmp read and write but not execute, the device files read
 *      and write; TCP bind refused (ABI 4); signals and abstract Unix
 *      sockets scoped to the domain (ABI 6);
 *   6. every descriptor but 0-2 closed on exec;
 *   7. the function's seccomp filter (filter.c), and execve(), which the
 *      function's profile must allow.
 *
 * The namespaces made at clone3() then belong to the caller's user
 * namespace, in which the function has no capability; the mount
 * namespace too, so it cannot change a mount either.  Instances of one
 * function share its user namespace, and with it the user keyrings: a
 * profile that allows the key system calls gets the copy below instead.
 * On x86-64 the child also shares the caller's memory until its execve()
 * (CLONE_VM | CLONE_VFORK, on a stack of its own, as posix_spawn() does):
 * nothing to copy and tear down again, and the caller has nothing to do
 * meanwhile.  Every signal is blocked across the clone, and the child
 * resets every disposition before it lets them in.
 *
 * On older kernels (or with LNCH_RUN_CLASSIC_MOUNTS) the clone3() also
 * makes a new user and mount namespace, and steps 2 and 3 are instead:
 * make every mount private, bind the rootfs onto itself, make that tree
 * read-only, nosuid and nodev (mount_setattr(), recursively), mount the
 * tmpfs and bind the device files; pivot_root() into it and detach the
 * old root; set the hostname.  The parent writes the new user
 * namespace's uid_map and gid_map meanwhile, and the child waits for
 * them before it takes the function's ids in step 4.
 *
 * A step that fails reports (step, errno), in the memory it shares with
 * the parent on the CLONE_VM path, else on a close-on-exec pipe, and the
 * child exits 127; the parent reads EOF without a report when execve()
 * succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include "sandbox.h"

/* Landlock beyond the uapi headers of Debian bookworm (Linux 6.1) */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#define LL_FS_IOCTL_DEV			(1ULL << 15)
#define LL_NET_BIND_TCP			(1ULL << 0)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#define LL_SCOPE_SIGNAL			(1ULL << 1)
#define LL_RULE_PATH_BENEATH		1

/* open_tree() flag of newer kernels (7.3 has it), beyond bookworm's headers */
#ifndef OPEN_TREE_NAMESPACE
#define OPEN_TREE_NAMESPACE		(1 << 1)
#endif
#ifndef PIDFD_GET_USER_NAMESPACE
#define PIDFD_GET_USER_NAMESPACE	_IO(0xFF, 9)
#endif

struct ll_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

struct ll_path_beneath {
	__u64 allowed_access;
	__s32 parent_fd;
} __attribute__((packed));

static const char *const step_names[] = {
	[SB_STEP_SYNC] = "waiting for the user namespace's maps",
	[SB_STEP_STDIO] = "setting up standard input and output",
	[SB_STEP_LOOPBACK] = "bringing up the network namespace's loopback",
	[SB_STEP_PRIVATE] = "making the mounts private",
	[SB_STEP_BIND_ROOT] = "binding the rootfs",
	[SB_STEP_RDONLY] = "making the rootfs read-only",
	[SB_STEP_TMP] = "mounting a tmpfs on /tmp",
	[SB_STEP_DEV] = "binding the device files",
	[SB_STEP_PIVOT] = "pivot_root() into the rootfs",
	[SB_STEP_HOSTNAME] = "setting the hostname",
	[SB_STEP_CREDS] = "taking the function's uid and gid",
	[SB_STEP_CAPS] = "dropping capabilities",
	[SB_STEP_LANDLOCK] = "restricting the instance with Landlock",
	[SB_STEP_SECCOMP] = "installing the seccomp filter",
	[SB_STEP_EXEC] = "execve() of the function",
	[SB_STEP_SETNS] = "entering the instance's mount namespace",
	[SB_STEP_USERNS] = "entering the function's user namespace",
};

const char *sb_step_name(int step)
{
	if (step < 0 || step >= SB_STEP_MAX || !step_names[step])
		return "starting the instance";
	return step_names[step];
}

static const char *const dev_files[] = { "null", "zero", "full", "random", "urandom" };

int sb_landlock_abi(void)
{
	int abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : abi;
}

static __u64 fs_rights(int abi)
{
	__u64 all = (1ULL << 13) - 1;	/* ABI 1: EXECUTE .. MAKE_SYM */

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LL_FS_IOCTL_DEV;
	return all;
}

/*
 * The child's side: raw system calls only, and it never returns.  A failed step is reported in *@report where the
 * child shares the caller's memory (CLONE_VM: a pipe's buffer is charged
 * to the instance's cgroup, and may be what failed), else written to
 * @err_fd.
 */
static void __attribute__((noreturn)) child(const struct sb_instance *in, int sync_fd, int err_fd,
					    struct sb_error *report)
{
	struct sb_error e = { .step = SB_STEP_SYNC };
	struct mount_attr ma = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	sigset_t none;
	char c;
	int fd;

	/*
	 * Every signal is blocked (sb_spawn()), and the caller's handlers
	 * were reset by clone3() (CLONE_CLEAR_SIGHAND): with CLONE_VM they
	 * would run on the caller's memory.  The signals the caller ignores,
	 * which execve() would keep, are reset here.  Then the caller's mask
	 * goes: a daemon's threads block the signals they wait for, the
	 * function should not.
	 */
	for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
		/* the kernel's struct sigaction: glibc's keeps its own two */
		struct { unsigned long handler, flags, restorer, mask; } dfl = { 0 };

		if (in->sig_ign & (1ULL << (sig - 1)))
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	e.step = SB_STEP_STDIO;
	for (int i = 0; in->stdio && i < 3; i++)
		if (in->stdio[i] >= 0 && in->stdio[i] != i && dup2(in->stdio[i], i) < 0)
			goto fail;

	e.step = SB_STEP_LOOPBACK;
	if (in->netns) {
		struct ifreq ifr = { .ifr_name = "lo" };

		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
			goto fail;
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			goto fail;
		close(fd);
	}

	if (in->mntns_fd >= 0) {
		/* the function's tree, copied for this instance: nothing to undo */
		e.step = SB_STEP_SETNS;
		if (setns(in->mntns_fd, CLONE_NEWNS))
			goto fail;
		e.step = SB_STEP_TMP;
		if (in->has_tmp && mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
					 in->tmp_opts))
			goto fail;
	} else {
		e.step = SB_STEP_PRIVATE;
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			goto fail;
		e.step = SB_STEP_BIND_ROOT;
		if (mount(in->rootfs, in->rootfs, NULL, MS_BIND | MS_REC, NULL) || chdir(in->rootfs))
			goto fail;
		e.step = SB_STEP_RDONLY;
		if (mount_setattr(AT_FDCWD, ".", AT_RECURSIVE, &ma, sizeof(ma)))
			goto fail;
		e.step = SB_STEP_TMP;
		if (in->has_tmp && mount("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
					 in->tmp_opts))
			goto fail;
		e.step = SB_STEP_DEV;
		for (unsigned int i = 0; i < sizeof(dev_files) / sizeof(dev_files[0]); i++) {
			char host[32] = "/dev/", in_root[32] = "dev/";

			if (!(in->dev_mask & (1u << i)))
				continue;
			strcat(host, dev_files[i]);
			strcat(in_root, dev_files[i]);
			if (mount(host, in_root, NULL, MS_BIND, NULL))
				goto fail;
		}
		e.step = SB_STEP_PIVOT;
		if (syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
			goto fail;
	}
	e.step = SB_STEP_HOSTNAME;
	if (sethostname(in->hostname, strlen(in->hostname)))
		goto fail;
	/* every capability in it, and none outside: the steps below drop them */
	e.step = SB_STEP_USERNS;
	if (in->userns_fd >= 0 && setns(in->userns_fd, CLONE_NEWUSER))
		goto fail;

	e.step = SB_STEP_CAPS;
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
		  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		goto fail;
	for (int cap = 0; cap <= in->last_cap; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			goto fail;
	/*
	 * The parent writes the user namespace's id maps while the mounts
	 * above are made (with the child's own ids unmapped either way); the
	 * ids below need them.
	 */
	e.step = SB_STEP_SYNC;
	if (sync_fd >= 0) {
		if (read(sync_fd, &c, 1) != 1)
			goto fail_einval;
		close(sync_fd);
	}
	e.step = SB_STEP_CREDS;
	/*
	 * Not glibc's setgroups()/setres[ug]id(): in a multi-threaded caller
	 * they signal and wait for every thread, which this child, a raw
	 * clone3() copy of one thread, does not have, and take a lock another
	 * thread may have held at the clone: they can hang it for ever.
	 */
	if (syscall(SYS_setgroups, 0, NULL) || syscall(SYS_setresgid, in->gid, in->gid, in->gid) ||
	    syscall(SYS_setresuid, in->uid, in->uid, in->uid))
		goto fail;
	e.step = SB_STEP_CAPS;
	{
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2] = { 0 };

		if (syscall(SYS_capset, &h, d))
			goto fail;
	}

	e.step = SB_STEP_LANDLOCK;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto fail;
	if (in->landlock_abi > 0) {
		__u64 fs = fs_rights(in->landlock_abi);
		struct ll_ruleset_attr ra = { .handled_access_fs = fs };
		size_t ra_size = sizeof(ra.handled_access_fs);
		struct ll_path_beneath pb;
		int rs;

		if (in->landlock_abi >= 4) {
			ra.handled_access_net = LL_NET_BIND_TCP;
			ra_size = offsetof(struct ll_ruleset_attr, scoped);
		}
		if (in->landlock_abi >= 6) {
			ra.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
			ra_size = sizeof(ra);
		}
		rs = syscall(SYS_landlock_create_ruleset, &ra, ra_size, 0);
		if (rs < 0)
			goto fail;
		pb.parent_fd = open("/", O_PATH | O_CLOEXEC);
		pb.allowed_access = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
				    LANDLOCK_ACCESS_FS_READ_DIR;
		if (pb.parent_fd < 0 ||
		    syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0))
			goto fail;
		close(pb.parent_fd);
		if (in->has_tmp) {
			pb.parent_fd = open("/tmp", O_PATH | O_CLOEXEC);
			pb.allowed_access = fs & ~(__u64)LANDLOCK_ACCESS_FS_EXECUTE & ~LL_FS_IOCTL_DEV;
			if (pb.parent_fd < 0 ||
			    syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0))
				goto fail;
			close(pb.parent_fd);
		}
		for (unsigned int i = 0; i < sizeof(dev_files) / sizeof(dev_files[0]); i++) {
			char path[32] = "/dev/";

			if (!(in->dev_mask & (1u << i)))
				continue;
			strcat(path, dev_files[i]);
			pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
			pb.allowed_access = (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
					     LANDLOCK_ACCESS_FS_TRUNCATE) & fs;
			if (pb.parent_fd < 0 ||
			    syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0))
				goto fail;
			close(pb.parent_fd);
		}
		if (syscall(SYS_landlock_restrict_self, rs, 0))
			goto fail;
		close(rs);
	}

	/* before the filter, which need not allow close_range() */
	e.step = SB_STEP_EXEC;
	fd = syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (fd)
		goto fail;
	e.step = SB_STEP_SECCOMP;
	if (lnch_filter_install(in->filter))
		goto fail;

	/* the function's profile must allow execve(), as for runc and crun */
	e.step = SB_STEP_EXEC;
	execve(in->path, in->argv, in->envp);
fail:
	e.err = errno;
	goto out;
fail_einval:
	e.err = EINVAL;
out:
	if (report)
		*report = e;
	else if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int sb_write_at(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static int write_file(pid_t pid, const char *name, const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	return sb_write_at(AT_FDCWD, path, text);
}

/* @fd, moved above the standard streams the child dup2()s onto */
static int above_stdio(int fd)
{
	int d;

	if (fd < 0 || fd > 2)
		return fd;
	d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	d = d < 0 ? -errno : d;
	close(fd);
	return d;
}

/* A close-on-exec pipe whose ends are above the standard streams, which
 * the child dup2()s onto before it uses them. */
static int pipe_above_stdio(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fds[0] = above_stdio(fds[0]);
	fds[1] = above_stdio(fds[1]);
	if (fds[0] >= 0 && fds[1] >= 0)
		return 0;
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return -EMFILE;
}

uint64_t sb_ignored_signals(void)
{
	uint64_t mask = 0;

	for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
		struct sigaction sa;

		if (!sigaction(sig, NULL, &sa) && sa.sa_handler == SIG_IGN)
			mask |= 1ULL << (sig - 1);
	}
	return mask;
}

int sb_tree_prepare(int root_fd, const char *rootfs, unsigned int dev_mask, char *err,
		    size_t errlen)
{
	struct mount_attr ma = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
		.propagation = MS_PRIVATE,
	}, priv = { .propagation = MS_PRIVATE };
	/* the rootfs's own files, not what its symlinks or mounts lead to */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV |
			   RESOLVE_NO_MAGICLINKS,
	};
	int tree, ret;

	/* the directory the gate checked, not its path looked up again */
	tree = open_tree(root_fd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			 AT_RECURSIVE);
	if (tree < 0) {
		ret = -errno;
		snprintf(err, errlen, "open_tree(%s, OPEN_TREE_CLONE): %s", rootfs, strerror(-ret));
		return ret;
	}
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma))) {
		ret = -errno;
		snprintf(err, errlen, "%s: making the copy read-only and private: %s", rootfs,
			 strerror(-ret));
		goto fail;
	}
	for (unsigned int i = 0; i < sizeof(dev_files) / sizeof(dev_files[0]); i++) {
		char host[32] = "/dev/", in_root[32] = "dev/";
		int dev, to;

		if (!(dev_mask & (1u << i)))
			continue;
		strcat(host, dev_files[i]);
		strcat(in_root, dev_files[i]);
		to = syscall(SYS_openat2, tree, in_root, &how, sizeof(how));
		if (to < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s/%s: %s", rootfs, in_root, strerror(-ret));
			goto fail;
		}
		dev = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		ret = dev < 0 ? -errno : 0;
		/* a clone of a shared mount joins its peer group: not this one */
		if (!ret && mount_setattr(dev, "", AT_EMPTY_PATH, &priv, sizeof(priv)))
			ret = -errno;
		if (!ret && move_mount(dev, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
			ret = -errno;
		if (dev >= 0)
			close(dev);
		close(to);
		if (ret) {
			snprintf(err, errlen, "binding %s over %s/%s: %s", host, rootfs, in_root,
				 strerror(-ret));
			goto fail;
		}
	}
	ret = above_stdio(tree);
	if (ret < 0)
		snprintf(err, errlen, "fcntl(F_DUPFD_CLOEXEC): %s", strerror(-ret));
	return ret;
fail:
	close(tree);
	return ret;
}

int sb_tree_ns(int tree_fd)
{
	int fd = open_tree(tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE | OPEN_TREE_NAMESPACE |
			   OPEN_TREE_CLOEXEC);

	return fd < 0 ? -errno : above_stdio(fd);
}

int sb_tree_probe(char *note, size_t len)
{
	int fd = open_tree(AT_FDCWD, "/", OPEN_TREE_NAMESPACE | OPEN_TREE_CLOEXEC);

	if (fd < 0) {
		snprintf(note, len,
			 "open_tree(OPEN_TREE_NAMESPACE): %s: each instance copies the launcher's mounts and pivot_root()s",
			 strerror(errno));
		return -1;
	}
	close(fd);
	note[0] = 0;
	return 0;
}

int sb_userns(unsigned int uid, unsigned int gid, unsigned int host_uid, unsigned int host_gid,
	      char *err, size_t errlen)
{
	struct clone_args ca = {
		.flags = CLONE_NEWUSER | CLONE_PIDFD,
		.exit_signal = SIGCHLD,
	};
	int hold[2], pidfd = -1, fd = -1, ret;
	char path[64], map[64];
	sigset_t all, old;
	pid_t pid;

	/* a child that only holds the namespace until it is opened */
	if (pipe2(hold, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, errlen, "pipe2: %s", strerror(-ret));
		return ret;
	}
	ca.pidfd = (uintptr_t)&pidfd;
	/* the holder keeps every signal blocked: a ^C does not end it early */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		char c;

		close(hold[1]);
		_exit(read(hold[0], &c, 1) < 0);
	}
	if (pid < 0)
		ret = -errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(hold[0]);
	if (pid < 0) {
		close(hold[1]);
		snprintf(err, errlen, "clone3(CLONE_NEWUSER): %s", strerror(-ret));
		return ret;
	}
	snprintf(map, sizeof(map), "%u %u 1\n", uid, host_uid);
	ret = write_file(pid, "uid_map", map);
	if (!ret) {
		snprintf(map, sizeof(map), "%u %u 1\n", gid, host_gid);
		ret = write_file(pid, "gid_map", map);
	}
	if (!ret) {
		/*
		 * The holder, unreaped, keeps its PID; its pidfd names it
		 * without /proc where the kernel can (Linux 6.11).
		 */
		fd = ioctl(pidfd, PIDFD_GET_USER_NAMESPACE, 0);
		if (fd < 0) {
			snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		ret = fd < 0 ? -errno : 0;
	}
	close(hold[1]);
	while (waitid(P_PIDFD, pidfd, NULL, WEXITED) < 0 && errno == EINTR)
		;
	close(pidfd);
	if (ret) {
		snprintf(err, errlen, "the function's user namespace (%u -> %u, %u -> %u): %s", uid,
			 host_uid, gid, host_gid, strerror(-ret));
		return ret;
	}
	ret = above_stdio(fd);
	if (ret < 0)
		snprintf(err, errlen, "fcntl(F_DUPFD_CLOEXEC): %s", strerror(-ret));
	return ret;
}

#ifdef __x86_64__
/*
 * clone3() whose child runs @fn(@arg) on the stack @args gives it, and
 * exits with what it returns: glibc has no clone3() wrapper, and a child
 * on another stack cannot return into its parent's C frame.  Returns what
 * clone3() does (the child's PID, or -errno) in the parent.
 */
#define SB_CLONE_VM 1
#define SB_STACK_SIZE (64 * 1024)
__attribute__((visibility("hidden"))) long sb_clone3_fn(struct clone_args *args, size_t size,
							 int (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl sb_clone3_fn\n"
	".hidden sb_clone3_fn\n"
	".type sb_clone3_fn, @function\n"
	".p2align 4\n"
	"sb_clone3_fn:\n"
	"	endbr64\n"
	"	movq %rdx, %r8\n"		/* fn and arg: the syscall keeps r8, r9 */
	"	movq %rcx, %r9\n"
	"	movl $435, %eax\n"		/* __NR_clone3 */
	"	syscall\n"
	"	testq %rax, %rax\n"
	"	jnz 1f\n"
	"	xorl %ebp, %ebp\n"		/* the child, on its own stack */
	"	movq %r9, %rdi\n"
	"	callq *%r8\n"
	"	movl %eax, %edi\n"
	"	movl $60, %eax\n"		/* __NR_exit */
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n"
	".size sb_clone3_fn, .-sb_clone3_fn\n");

struct vm_child {
	const struct sb_instance *in;
	struct sb_error report;		/* step -1: none */
};

static int child_vm(void *arg)
{
	struct vm_child *c = arg;

	child(c->in, -1, -1, &c->report);
}
#else
#define SB_CLONE_VM 0
#endif

int sb_spawn(const struct sb_instance *in, struct sb_process *p, char *err, size_t errlen)
{
	/*
	 * With the function's tree and user namespace, the namespaces made
	 * here belong to the caller's user namespace, and the child enters
	 * the two others; without, they belong to a new one.
	 */
	bool tree = in->mntns_fd >= 0;
	struct clone_args ca = {
		.flags = CLONE_INTO_CGROUP | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_NEWPID |
			 CLONE_NEWIPC |
			 CLONE_NEWUTS | (tree ? 0 : CLONE_NEWUSER | CLONE_NEWNS) |
			 (in->netns ? CLONE_NEWNET : 0),
		.exit_signal = SIGCHLD,
		.cgroup = in->cgroup_fd,
	};
	int sync[2] = { -1, -1 }, errp[2], pidfd = -1, dumpable = -1, ret;
	void *stack = MAP_FAILED;
	sigset_t all, old;
	char map[64];
	struct sb_error e;
	ssize_t n;
	pid_t pid;
#if SB_CLONE_VM
	/* read and written by the child: in this frame */
	struct vm_child vc = { .in = in, .report = { .step = -1 } };
#endif

	p->pidfd = -1;
	ca.pidfd = (uintptr_t)&pidfd;
	if (!tree) {
		ret = pipe_above_stdio(sync);
		if (ret) {
			snprintf(err, errlen, "pipe2: %s", strerror(-ret));
			return ret;
		}
	}
	ret = pipe_above_stdio(errp);
	if (ret) {
		snprintf(err, errlen, "pipe2: %s", strerror(-ret));
		if (!tree) {
			close(sync[0]);
			close(sync[1]);
		}
		return ret;
	}
	/*
	 * With the function's tree nothing is left for the parent to do
	 * before the child's execve(): the child shares its memory
	 * (CLONE_VM), on a stack of its own, instead of a copy of the
	 * caller's page tables that its execve() would tear down again,
	 * which cost most of what process mode added to a bare fork() and
	 * execve().  CLONE_VFORK: this thread sleeps until the child's
	 * execve() or exit, as posix_spawn()'s caller does, so that @in and
	 * the stack stay valid; and a charge beyond the instance cgroup's
	 * memory.max before the execve() fails (ENOMEM) instead of waking
	 * the OOM killer, which would kill every process sharing the memory,
	 * the caller too.
	 */
	if (tree && SB_CLONE_VM) {
		stack = mmap(NULL, SB_STACK_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED) {
			ret = -errno;
			snprintf(err, errlen, "mmap of the child's stack: %s", strerror(-ret));
			close(errp[0]);
			close(errp[1]);
			return ret;
		}
		ca.flags |= CLONE_VM | CLONE_VFORK;
		ca.stack = (uintptr_t)stack;
		ca.stack_size = SB_STACK_SIZE;
		/* the child's setresuid() makes the memory's owner undumpable */
		dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
#if SB_CLONE_VM
	if (stack != MAP_FAILED) {
		pid = sb_clone3_fn(&ca, sizeof(ca), child_vm, &vc);
		if (pid < 0) {
			errno = -pid;
			pid = -1;
		}
	} else
#endif
	{
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0) {
			if (!tree)
				close(sync[1]);
			close(errp[0]);
			child(in, sync[0], errp[1], NULL);
		}
	}
	ret = pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if ((dumpable == 0 || dumpable == 1) && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != dumpable)
		prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
	close(errp[1]);
	if (ret) {
		if (!tree)
			close(sync[0]);
		snprintf(err, errlen, "clone3(CLONE_INTO_CGROUP | CLONE_NEWPID | ...): %s",
			 strerror(-ret));
		goto out;
	}
	p->pid = pid;
	p->pidfd = pidfd;
	if (!tree) {
		snprintf(map, sizeof(map), "%u %u 1\n", in->uid, in->host_uid);
		ret = write_file(pid, "uid_map", map);
		if (!ret) {
			snprintf(map, sizeof(map), "%u %u 1\n", in->gid, in->host_gid);
			ret = write_file(pid, "gid_map", map);
		}
		/*
		 * The child mounts while the maps are written, and may have
		 * failed meanwhile: sync[0], still open here, keeps this write
		 * from SIGPIPE.
		 */
		if (!ret && write(sync[1], "g", 1) != 1)
			ret = -errno;
		close(sync[0]);
	}
	if (ret) {
		/* the child, if it waits, sees EOF and says so (SB_STEP_SYNC) */
		close(sync[1]);
		sync[1] = -1;
		do
			n = read(errp[0], &e, sizeof(e));
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(e) && e.step != SB_STEP_SYNC) {
			ret = -(e.err ? e.err : EINVAL);
			snprintf(err, errlen, "%s: %s", sb_step_name(e.step), strerror(e.err));
			p->failed_step = e.step;
		} else {
			snprintf(err, errlen, "writing the instance's uid_map/gid_map: %s",
				 strerror(-ret));
		}
		goto out;
	}
	do
		n = read(errp[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	p->exec_ns = now_ns();
#if SB_CLONE_VM
	if (n == 0 && vc.report.step >= 0) {
		e = vc.report;
		n = sizeof(e);
	}
#endif
	if (n == (ssize_t)sizeof(e)) {
		ret = -(e.err ? e.err : EINVAL);
		snprintf(err, errlen, "%s: %s", sb_step_name(e.step), strerror(e.err));
		p->failed_step = e.step;
	} else if (n != 0) {
		ret = -EIO;
		snprintf(err, errlen, "the instance failed before execve() without saying why");
	}
out:
	if (sync[1] >= 0)
		close(sync[1]);
	close(errp[0]);
	if (ret && p->pidfd >= 0) {
		while (waitid(P_PIDFD, p->pidfd, NULL, WEXITED) < 0 && errno == EINTR)
			;
		close(p->pidfd);
		p->pidfd = -1;
	}
	/* the child left it (CLONE_VFORK): it is past execve()'s switch to a
	 * new mm, or gone */
	if (stack != MAP_FAILED)
		munmap(stack, SB_STACK_SIZE);
	return ret;
}

bool sb_hung_up(int fd)
{
	struct pollfd p = { .fd = fd };

	return fd >= 0 && poll(&p, 1, 0) > 0 && SB_HUNG_UP(p.revents);
}

int sb_wait_exit(int pidfd, unsigned int timeout_ms, int cancel_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = pidfd, .events = POLLIN },
		{ .fd = cancel_fd },	/* SB_HUNG_UP() */
	};
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000;
	int r;

	for (;;) {
		uint64_t now = now_ns();
		/* rounded up: never early */
		int left = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);

		r = poll(pfd, cancel_fd >= 0 ? 2 : 1, timeout_ms ? left : -1);
		if (r > 0)
			return pfd[0].revents ? SB_EXITED : SB_CANCELLED;
		if (r == 0)
			return SB_TIMED_OUT;
		if (errno != EINTR)
			return SB_EXITED;	/* the caller's wait says */
	}
}

int sb_wait(struct sb_process *p, int timeout_ms, int kill_fd, int cancel_fd, bool *timed_out,
	    bool *cancelled, siginfo_t *si)
{
	int how = sb_wait_exit(p->pidfd, timeout_ms > 0 ? timeout_ms : 0, cancel_fd);

	*timed_out = how == SB_TIMED_OUT;
	*cancelled = how == SB_CANCELLED;
	if (*timed_out || *cancelled) {
		/* the whole instance: the function and whatever it forked */
		if (kill_fd < 0 || write(kill_fd, "1", 1) != 1)
			syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
	}
	memset(si, 0, sizeof(*si));
	while (waitid(P_PIDFD, p->pidfd, si, WEXITED) < 0)
		if (errno != EINTR)
			return -errno;
	close(p->pidfd);
	p->pidfd = -1;
	return 0;
}
