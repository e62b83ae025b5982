/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblauncher's modules: config.c (config.json), rootfs.c (paths inside
 * the rootfs, setuid files), elf.c (ELF objects), disasm.c (syscall sites
 * and their numbers), tier.c (tiers and profiles), gate.c (the verdict).
 */
#ifndef LNCH_INTERNAL_H
#define LNCH_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "launcher.h"
#include "profile.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct gate {
	struct lnch_verdict *v;
	const char *profile_dir;
	int rootfd;			/* the rootfs, O_PATH | O_DIRECTORY */
	char *rootfs;			/* its path, for messages */
	struct json_object *config;	/* config.json */
	/* process.capabilities and linux.devices, kept for the reasons */
	struct swl_policy profile;	/* linux.seccomp, if has_profile */
	bool has_profile;
	struct swl_policy tier;		/* the tier's composed profiles */
	bool has_tier;
	bool netns;			/* linux.namespaces asks for a new network namespace */
	struct elfobj **objs;
	int nr_objs;
	bool oom;
};

/*
 * Check @bundle into @g (its verdict in g->v, whatever its status) and
 * keep what was read: config.json, the rootfs, the function's profile.
 * Returns 0, or -ENOMEM with nothing kept.  gate_close() frees it all.
 */
int gate_open(struct gate *g, const char *bundle, const char *profile_dir);
void gate_close(struct gate *g);

struct egr_rule;
/*
 * The egress annotation's rules as libegress takes them, one per port
 * range (1-65535 for a rule without ports), in *@rules (to be freed);
 * 0 or -ENOMEM.
 */
int config_egress_rules(const struct lnch_config *c, struct egr_rule **rules, unsigned int *n);

/* Record a reason; @file may be NULL.  Sets the verdict unverifiable. */
void gate_reason(struct gate *g, const char *rule, const char *file, bool has_addr,
		 uint64_t addr, int nr, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* Record the bad input; returns -1.  Only the first one is kept. */
int gate_bad(struct gate *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The syscall's name (static storage), or NULL. */
const char *gate_sysname(int nr);

/* config.c: read bundle/config.json into g->v->config and g->config. */
int config_read(struct gate *g, const char *bundle);

/* rootfs.c */
/*
 * Resolve @path (absolute, or relative to @cwd) inside the rootfs the way
 * the function will see it: symlinks are followed, absolute ones from the
 * rootfs, and ".." may not leave it.  Returns an fd (O_RDONLY) and the
 * resolved path in *@resolved (malloc'd), -ENOENT (or another -errno) if
 * it does not exist, or -EXDEV if it escapes the rootfs, with the
 * explanation in @err.
 */
int rootfs_open(struct gate *g, const char *path, const char *cwd, char **resolved,
		char *err, size_t errlen);
/* Setuid/setgid files and security.capability xattrs anywhere in it. */
int rootfs_scan(struct gate *g);

/* elf.c */
struct sym {
	uint64_t addr, size;
	const char *name;
};

struct slot {			/* a GOT slot the dynamic linker fills */
	uint64_t addr;
	const char *name;	/* the symbol it holds */
};

struct coderange {
	uint64_t addr, size;
	const uint8_t *bytes;
};

struct elfobj {
	char *path;		/* inside the rootfs */
	const char *role;
	uint8_t *map;
	size_t size;
	bool has_sections;
	char *interp;
	char **needed;
	int nr_needed;
	char *runpath, *rpath;
	struct sym *syms;	/* functions, sorted by address */
	int nr_syms;
	struct slot *slots;	/* sorted by address */
	int nr_slots;
	uint64_t *relative;	/* R_X86_64_RELATIVE addends, sorted */
	int nr_relative;
	struct coderange *code;
	int nr_code;
	struct disasm *dis;	/* disasm.c's */
	struct lnch_object *stats;
};

/*
 * Map the ELF file @fd (@path in the rootfs) and read its headers.
 * Returns the object, or NULL with a reason recorded (not an x86-64 ELF,
 * malformed).
 */
struct elfobj *elf_load(struct gate *g, int fd, const char *path, const char *role);
void elf_free(struct elfobj *o);
/* The function containing @addr, or NULL. */
const struct sym *elf_func_at(const struct elfobj *o, uint64_t addr);
/* Is @addr the start of a function symbol? */
bool elf_is_func_start(const struct elfobj *o, uint64_t addr);
/* The bytes at virtual address @addr, at most *@len of them; NULL if none. */
const uint8_t *elf_bytes_at(const struct elfobj *o, uint64_t addr, size_t *len);
const char *elf_slot_name(const struct elfobj *o, uint64_t addr);
bool elf_has_relative(const struct elfobj *o, uint64_t addend);

/* disasm.c: find every object's sites and check their numbers. */
int disasm_all(struct gate *g);
void disasm_free(struct disasm *d);

/* tier.c */
/* Load @name's profiles into g->tier; -1 with the bad input recorded. */
int tier_load(struct gate *g, const char *name);
/* Reasons for everything the function's profile allows beyond the tier. */
void tier_check_profile(struct gate *g);
/* Does the function's profile allow @nr (with some arguments)? */
bool profile_allows(const struct gate *g, int nr);

#endif
