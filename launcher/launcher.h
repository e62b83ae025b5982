/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblauncher: the function launcher's static verification gate.
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

/* The tiers, in order of what they allow, NULL-terminated. */
LNCH_API const char *const *lnch_tiers(void);
LNCH_API const char *lnch_version(void);

#ifdef __cplusplus
}
#endif

#endif
