// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Paths inside the function's rootfs, resolved as the function will see
 * them, without ever leaving the rootfs; and the scan for setuid/setgid
 * files and file capabilities.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "internal.h"

#define MAX_SYMLINKS 40		/* as the kernel's path walk */

/*
 * Walk @path component by component.  @out holds the resolved path so
 * far, relative to the rootfs ("" is its root, "a/b" below it); each
 * symlink is read and its target walked in its place (an absolute one
 * from the rootfs); ".." at the rootfs is an escape, not the rootfs
 * itself as in a chroot, because the bundle would then name something
 * other than what it says.
 */
int rootfs_open(struct gate *g, const char *path, const char *cwd, char **resolved,
		char *err, size_t errlen)
{
	char todo[PATH_MAX * 2], out[PATH_MAX] = "", comp[NAME_MAX + 1];
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int links = 0, fd;
	char *p;

	if (snprintf(todo, sizeof(todo), "%s%s%s", path[0] == '/' ? "" : cwd,
		     path[0] == '/' ? "" : "/", path) >= (int)sizeof(todo)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	p = todo;
	for (;;) {
		char target[PATH_MAX], rest[PATH_MAX * 2];
		size_t n, olen = strlen(out);
		struct stat st;
		ssize_t tl;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			snprintf(err, errlen, "%s: a component is too long", path);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		p += n;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *s;

			if (!olen) {
				snprintf(err, errlen, "%s: escapes the rootfs (\"..\" above its root)",
					 path);
				return -EXDEV;
			}
			s = strrchr(out, '/');
			if (s)
				*s = 0;
			else
				out[0] = 0;
			continue;
		}
		if (olen + n + 2 > sizeof(out)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -ENAMETOOLONG;
		}
		snprintf(out + olen, sizeof(out) - olen, "%s%s", olen ? "/" : "", comp);
		if (fstatat(g->rootfd, out, &st, AT_SYMLINK_NOFOLLOW)) {
			int e = errno;

			snprintf(err, errlen, "%s: /%s: %s in the rootfs", path, out, strerror(e));
			return -e;
		}
		if (!S_ISLNK(st.st_mode)) {
			if (*p && !S_ISDIR(st.st_mode)) {
				snprintf(err, errlen, "%s: /%s: not a directory in the rootfs", path, out);
				return -ENOTDIR;
			}
			continue;
		}
		if (++links > MAX_SYMLINKS) {
			snprintf(err, errlen, "%s: more than %d symlinks", path, MAX_SYMLINKS);
			return -ELOOP;
		}
		tl = readlinkat(g->rootfd, out, target, sizeof(target) - 1);
		if (tl < 0) {
			int e = errno;

			snprintf(err, errlen, "%s: /%s: %s", path, out, strerror(e));
			return -e;
		}
		target[tl] = 0;
		/* the link's directory, or the rootfs for an absolute target */
		if (target[0] == '/') {
			out[0] = 0;
		} else {
			char *s = strrchr(out, '/');

			if (s)
				*s = 0;
			else
				out[0] = 0;
		}
		if (snprintf(rest, sizeof(rest), "%s/%s", target, p) >= (int)sizeof(rest)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -ENAMETOOLONG;
		}
		snprintf(todo, sizeof(todo), "%s", rest);
		p = todo;
	}
	if (!out[0]) {
		snprintf(err, errlen, "%s: is the rootfs's root directory", path);
		return -EISDIR;
	}
	/* no symlink and nothing above the rootfs, whatever changed since */
	fd = syscall(SYS_openat2, g->rootfd, out, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(g->rootfd, out, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: /%s: %s", path, out, strerror(e));
		return -e;
	}
	if (asprintf(resolved, "/%s", out) < 0) {
		close(fd);
		g->oom = true;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return fd;
}

/* nftw() has no context argument: per thread, so gates may run in parallel. */
static __thread struct gate *scan_gate;
static __thread size_t scan_prefix;

static int scan_one(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = fpath + scan_prefix;
	struct gate *g = scan_gate;

	(void)ftw;
	if (!*rel)
		rel = "/";
	if (type == FTW_NS || type == FTW_DNR) {
		gate_reason(g, "rootfs-unreadable", rel, false, 0, -1,
			    "%s: cannot be %s, so the gate cannot check it", rel,
			    type == FTW_NS ? "examined" : "read");
		return 0;
	}
	if (type == FTW_SL || S_ISDIR(st->st_mode))
		return 0;
	if (st->st_mode & (S_ISUID | S_ISGID))
		gate_reason(g, "setuid-file", rel, false, 0, -1, "%s: %s%s%s file (mode %04o)", rel,
			    st->st_mode & S_ISUID ? "setuid" : "",
			    (st->st_mode & (S_ISUID | S_ISGID)) == (S_ISUID | S_ISGID) ? " and " : "",
			    st->st_mode & S_ISGID ? "setgid" : "", st->st_mode & 07777);
	if (S_ISREG(st->st_mode) && lgetxattr(fpath, "security.capability", NULL, 0) >= 0)
		gate_reason(g, "file-capabilities", rel, false, 0, -1,
			    "%s: has file capabilities (security.capability)", rel);
	return 0;
}

int rootfs_scan(struct gate *g)
{
	int ret;

	scan_gate = g;
	scan_prefix = strlen(g->rootfs);
	ret = nftw(g->rootfs, scan_one, 32, FTW_PHYS | FTW_MOUNT);
	scan_gate = NULL;
	if (ret)
		return gate_bad(g, "%s: %s", g->rootfs, strerror(errno));
	return 0;
}
