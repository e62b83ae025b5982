/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblauncher: the function launcher's static verification gate, and
 * its one-shot runner.
 *
 * lnch_gate_check() reads one OCI bundle (config.json + its root
 * directory) and decides whether the function may run in process mode
 * (LNCH_VERIFIED) or only in container mode (LNCH_UNVERIFIABLE), with
 * the reasons; a bundle that cannot be read is LNCH_BAD_INPUT, with what
 * is wrong.  See launcher/README.md and liblauncher(3).
 *
 * ABI: liblauncher.so.1, symbols versioned LIBLAUNCHER_1.0
 * (liblauncher.map).  The option struct grows at its end only.
 */
#ifndef LAUNCHER_H
#define LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LNCH_API __attribute__((visibility("default")))

/* The annotations of config.json the gate reads. */
#define LNCH_ANNOTATION_TIER	"org.serverless-worker.tier"
#define LNCH_ANNOTATION_EGRESS	"org.serverless-worker.egress"

enum lnch_status {
	LNCH_VERIFIED = 0,	/* process mode may run it */
	LNCH_UNVERIFIABLE = 1,	/* container mode only; see the reasons */
	LNCH_BAD_INPUT = 2,	/* the bundle cannot be read; see error */
};

/* Why a function is unverifiable: one rule broken, at one place. */
struct lnch_reason {
	const char *rule;	/* short identifier, e.g. "syscall-not-allowed" */
	char *file;		/* "config.json", or a path inside the rootfs */
	bool has_addr;
	uint64_t addr;		/* the site's virtual address in file */
	int nr;			/* syscall number, or -1 */
	const char *syscall;	/* its name, or NULL */
	unsigned int count;	/* sites of the same syscall in file (>= 1) */
	char *message;		/* the whole sentence */
};

/* An ELF object the gate analysed. */
struct lnch_object {
	char *path;		/* inside the rootfs */
	const char *role;	/* "executable", "interpreter" or "library" */
	unsigned int sites;	/* syscall instructions */
	unsigned int constant;	/* ... whose number is a constant */
	unsigned int wrapper;	/* ... in recognised wrappers */
	unsigned int unresolved;
	unsigned int wrapper_calls;	/* calls to wrappers with a constant number */
};

struct lnch_port_range {
	uint16_t lo, hi;
};

/* One rule of the egress annotation: destinations a function may reach. */
struct lnch_egress {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order, 4 or 16 bytes used */
	int prefix;
	char *cidr;		/* as written */
	struct lnch_port_range *ports;	/* NULL (nr_ports 0): every port */
	int nr_ports;
};

/* config.json's fields the launcher uses; -1 (or 0) where not given. */
struct lnch_config {
	char *tier;		/* NULL: no tier annotation */
	char **args;
	int nr_args;
	char **env;
	int nr_env;
	char *cwd;
	uint32_t uid, gid;
	int64_t memory_limit, pids_limit, cpu_quota;
	int64_t cpu_period, cpu_shares;	/* -1: not given */
	struct lnch_egress *egress;
	int nr_egress;
	int nr_allowed;		/* syscalls the profile allows, -1 if none */
};

struct lnch_verdict {
	enum lnch_status status;
	char *error;		/* LNCH_BAD_INPUT: what is wrong, else NULL */
	char *bundle;
	char *executable;	/* process.args[0] resolved in the rootfs */
	struct lnch_config config;
	struct lnch_reason *reasons;
	int nr_reasons;
	struct lnch_object *objects;
	int nr_objects;
};

/*
 * Options of lnch_gate_check_opts().  @sz is sizeof(struct
 * lnch_gate_opts) as the caller was compiled; fields beyond it take
 * their default (0).
 */
struct lnch_gate_opts {
	size_t sz;
	/* the tiers' profiles; NULL: the installed ones (LNCH_PROFILE_DIR) */
	const char *profile_dir;
	size_t :0;
};

/*
 * Check the bundle at @bundle_path.  Returns 0 with *@verdict set (free it
 * with lnch_verdict_free()), whatever its status, or a negative errno
 * (-ENOMEM) with *@verdict NULL.
 */
LNCH_API int lnch_gate_check(const char *bundle_path, struct lnch_verdict **verdict);
LNCH_API int lnch_gate_check_opts(const char *bundle_path, const struct lnch_gate_opts *opts,
				  struct lnch_verdict **verdict);
LNCH_API void lnch_verdict_free(struct lnch_verdict *verdict);

/* The verdict as JSON (malloc'd, NUL-terminated; NULL on ENOMEM). */
LNCH_API char *lnch_verdict_json(const struct lnch_verdict *verdict);
/* The verdict for people, one reason a line. */
LNCH_API void lnch_verdict_print(const struct lnch_verdict *verdict, FILE *f);

/* How an instance runs. */
enum lnch_mode {
	LNCH_MODE_AUTO = 0,	/* process mode if the gate verifies it, else container */
	LNCH_MODE_PROCESS,	/* a sandboxed process (verified functions only) */
	LNCH_MODE_CONTAINER,	/* crun run of the bundle */
};

/* lnch_run_opts.flags */
#define LNCH_RUN_CLASSIC_CGROUP	(1u << 0)	/* mkdir(2)/rmdir(2), not CGROUP_IOC_* */
#define LNCH_RUN_CLASSIC_FILTER	(1u << 1)	/* a classic filter, not seccomp-eBPF */
#define LNCH_RUN_NO_FALLBACK	(1u << 2)	/* AUTO: refuse what process mode cannot run */
/* each instance copies the caller's mounts and pivot_root()s, even where
 * an instance's mount namespace can be made from the function's tree */
#define LNCH_RUN_CLASSIC_MOUNTS	(1u << 3)

/*
 * Options of lnch_run().  @sz is sizeof(struct lnch_run_opts) as the
 * caller was compiled; fields beyond it take their default (0).
 */
struct lnch_run_opts {
	size_t sz;
	const char *profile_dir;	/* as lnch_gate_opts */
	enum lnch_mode mode;
	unsigned int flags;		/* LNCH_RUN_* */
	/* the launcher's cgroup; NULL: "fnlaunch" under the cgroup2 mount */
	const char *cgroup_root;
	/* the function's name (its cgroup fn-NAME); NULL: the bundle's */
	const char *name;
	/* the host uid and gid the function's user maps to; 0: 65534 */
	unsigned int host_uid, host_gid;
	/* kill the instance after this many milliseconds; 0: never */
	unsigned int timeout_ms;
	/* the crun binary of container mode; NULL: "crun" in PATH */
	const char *crun;
	/* process mode: instance cgroups made ahead, in batches, by
	 * lnch_function_refill() (at most LNCH_WARM_POOL_MAX); 0: a cgroup is
	 * made and removed around each instance */
	unsigned int warm_pool;
	size_t :0;
};

#define LNCH_WARM_POOL_MAX	1024

/* What became of one instance. */
struct lnch_result {
	enum lnch_mode mode;		/* the mode it ran in */
	char *fallback;			/* AUTO chose container mode: why; else NULL */
	char *error;			/* it did not start (or its teardown failed): why */
	bool started;			/* the function's execve() succeeded */
	bool exited;			/* exit_code is valid; else signal is */
	int exit_code, signal;
	bool timed_out;			/* killed after opts.timeout_ms */
	bool oom_killed;		/* the instance's cgroup saw an OOM kill */
	const char *cgroup_mode;	/* "batch" (CGROUP_IOC_CREATE) or "classic" */
	const char *filter_mode;	/* "seccomp-ebpf" or "classic" */
	char *filter_note;		/* classic by default: why (no seccomp-eBPF) */
	int landlock_abi;		/* the ABI the ruleset used, 0 if none */
	uint64_t start_ns;		/* lnch_run() to the function's execve() */
	uint64_t total_ns;		/* lnch_run() to its teardown's end */
	bool cancelled;			/* killed: lnch_invoke_opts.cancel_fd hung up */
	/* "tree" (a mount namespace made from the function's tree) or
	 * "copy" (of the launcher's mounts, then pivot_root()) */
	const char *mount_mode;
	char *mount_note;		/* "copy": why */
};

/*
 * Run the function of the OCI bundle at @bundle once, its standard streams
 * being the caller's, and wait for it.  Returns 0 with *@result set (free
 * it with lnch_result_free()) once it ran or failed to start (see
 * result->error), or a negative errno with *@result NULL: -EINVAL for a
 * bundle or option that cannot be used (@verdict, if not NULL, gets the
 * gate's verdict either way), -ENOMEM.  See fnlaunch(1) for the sandbox.
 */
LNCH_API int lnch_run(const char *bundle, const struct lnch_run_opts *opts,
		      struct lnch_verdict **verdict, struct lnch_result **result);
LNCH_API void lnch_result_free(struct lnch_result *result);

/*
 * The same in two steps, for a caller that starts a function many times:
 * lnch_function_open() checks the bundle and prepares what every instance
 * shares (the gate's verdict, the filter, loaded once, the function's
 * cgroup); lnch_function_run() starts and waits for one instance.  open
 * returns 0 with *@fn set, or a negative errno: -EINVAL with the reason in
 * *@error (malloc'd, if @error is not NULL) and the verdict in *@verdict
 * (if not NULL); on success the function keeps its verdict
 * (lnch_function_verdict()).  open and close are for one thread at a time (open
 * loads the filter through shared buffers).  run returns 0 with *@result set (see
 * lnch_run()), or -ENOMEM.  A function may be run from processes forked
 * after it was opened, but not from two threads at once.
 */
struct lnch_function;
LNCH_API int lnch_function_open(const char *bundle, const struct lnch_run_opts *opts,
				struct lnch_function **fn, struct lnch_verdict **verdict,
				char **error);
LNCH_API int lnch_function_run(struct lnch_function *fn, struct lnch_result **result);
LNCH_API const struct lnch_verdict *lnch_function_verdict(const struct lnch_function *fn);
LNCH_API void lnch_function_close(struct lnch_function *fn);
/* The result as JSON (malloc'd, NUL-terminated; NULL on ENOMEM). */
LNCH_API char *lnch_result_json(const struct lnch_result *result);

/*
 * Options of lnch_function_invoke().  @sz is sizeof(struct
 * lnch_invoke_opts) as the caller was compiled; fields beyond it take
 * their default (0).
 */
struct lnch_invoke_opts {
	size_t sz;
	/* the instance's fds 0, 1 and 2: each -1 (the caller's), its own
	 * number, or above 2; NULL: the caller's three */
	const int *stdio;
	/* appended to process.args (at most 256; process mode only); NULL: none */
	char *const *args;
	/* kill the instance after this many milliseconds; 0: the function's */
	unsigned int timeout_ms;
	/* LNCH_INVOKE_*; an unknown bit: -EINVAL */
	unsigned int flags;
	/*
	 * With LNCH_INVOKE_CANCEL_FD: kill the instance once this fd hangs
	 * up (POLLHUP or POLLERR: a Unix stream socket whose peer closed it,
	 * e.g. the connection of a client that went away; POLLNVAL: the fd
	 * was closed, so it must stay open for the call), and start none if
	 * it hung up already; result->cancelled then says so.  Data to read
	 * and a half-close (POLLRDHUP alone) do not cancel.  Honoured only
	 * when sz covers cancel_fd.
	 */
	int cancel_fd;
	size_t :0;
};

#define LNCH_INVOKE_CANCEL_FD	(1u << 0)	/* opts->cancel_fd is set */
#define LNCH_INVOKE_ALL		LNCH_INVOKE_CANCEL_FD

/*
 * Start and wait for one instance of @fn as lnch_function_run() does, with
 * @opts (NULL: as lnch_function_run()).  Unlike lnch_function_run(), it may
 * be called from several threads at once (not concurrently with
 * lnch_function_close()).  Returns 0 with *@result set, or a negative
 * errno: -EINVAL (an unknown flag, among others), -E2BIG (too many
 * arguments, or unknown option fields set), -EBADF (a bad fd in stdio, or
 * a cancel_fd that is not open), -ENOMEM.
 */
LNCH_API int lnch_function_invoke(struct lnch_function *fn, const struct lnch_invoke_opts *opts,
				  struct lnch_result **result);
/* The mode @fn's instances run in; *@fallback (if not NULL): why container
 * mode was chosen for LNCH_MODE_AUTO, else NULL (valid until close). */
LNCH_API enum lnch_mode lnch_function_mode(const struct lnch_function *fn, const char **fallback);

/*
 * The warm pool of a function opened with opts->warm_pool: remove the
 * cgroups its ended instances left in one batch, and make what the pool
 * lacks in another, with the function's limits seeded.  Meant for a
 * thread of its own, off the invocations' path; an instance takes a cgroup
 * from the pool, or makes one when it is empty.  Only in the process that
 * opened the function (-EPERM elsewhere; its forks make their own
 * cgroups).  Returns 0 with how many it made and removed, or a negative
 * errno; a function without a pool: 0 and nothing done.
 */
LNCH_API int lnch_function_refill(struct lnch_function *fn, unsigned int *made,
				  unsigned int *removed);
/* How many cgroups @fn's pool holds ready, and used ones awaiting removal. */
LNCH_API void lnch_function_pool(const struct lnch_function *fn, unsigned int *ready,
				 unsigned int *used);

/* What the kernel gives process mode (lnch_probe()). */
struct lnch_probe {
	size_t sz;			/* sizeof(struct lnch_probe) as the caller was compiled */
	bool batch_cgroups;		/* CGROUP_IOC_CREATE, else mkdir(2)/rmdir(2) */
	bool seccomp_ebpf;		/* BPF_PROG_TYPE_SECCOMP, else classic filters */
	int landlock_abi;		/* 0: no Landlock (process mode refuses to run) */
	bool crun;			/* container mode's runtime answers --version */
	char cgroup_note[256];		/* why not batch_cgroups */
	char filter_note[256];		/* why not seccomp_ebpf */
	/* an instance's mount namespace made from its function's tree
	 * (open_tree(OPEN_TREE_NAMESPACE)), else a copy of the launcher's */
	bool tree_namespaces;
	char mount_note[256];		/* why not tree_namespaces */
	size_t :0;
};

/*
 * Probe the running kernel for what process mode uses, at @cgroup_root
 * (NULL: the default root, or the cgroup2 mount if it does not exist), and
 * @crun (NULL: "crun").  Returns 0 with @p filled up to p->sz, or a
 * negative errno: -EINVAL (p->sz too small), -ENOENT (no cgroup2 mount).
 */
LNCH_API int lnch_probe(const char *cgroup_root, const char *crun, struct lnch_probe *p);

/*
 * Clean up after launchers that died: every instance cgroup under
 * @cgroup_root (NULL: the default) and every crun container in container
 * mode's state directory whose launcher process is gone is killed and
 * removed.  Returns 0 with their number in *@removed, or a negative errno
 * with the reason in *@error (malloc'd, if @error is not NULL).
 */
LNCH_API int lnch_gc(const char *cgroup_root, const char *crun, unsigned int *removed,
		     char **error);

/* The tiers, in order of what they allow, NULL-terminated. */
LNCH_API const char *const *lnch_tiers(void);
LNCH_API const char *lnch_version(void);

#ifdef __cplusplus
}
#endif

#endif
