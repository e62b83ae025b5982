// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libegress: checks a function's egress rules, turns them into the maps
 * of egress.bpf.c (policy.h), and attaches and pins the programs on a
 * cgroup, or detaches and unpins them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "egress.h"
#include "policy.h"
#include "egress.skel.h"	/* struct egress_bpf: bpftool gen skeleton (Makefile) */

_Static_assert(EGR_PORT_RANGES == EGR_PORT_RANGES_MAX, "policy.h and egress.h disagree");

#define NR_LINKS	4
/* "address/prefix" */
#define NET_LEN		(INET6_ADDRSTRLEN + 16)

static const char *const pin_names[NR_LINKS] = EGR_PIN_NAMES;
static const enum bpf_attach_type attach_types[NR_LINKS] = {
	BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,
	BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG,
};

/*
 * Ranges that no rule broader than themselves opens: a rule must lie
 * inside one (its prefix at least as long) to reach it.  0.0.0.0 and ::
 * are the local host to connect(2).
 */
static const struct {
	int family;
	uint8_t addr[16];
	int prefix;
} special[] = {
	{ AF_INET, { 0, 0, 0, 0 }, 32 },	/* unspecified */
	{ AF_INET, { 127 }, 8 },		/* loopback */
	{ AF_INET, { 169, 254 }, 16 },		/* link-local */
	{ AF_INET6, { 0 }, 128 },		/* unspecified */
	{ AF_INET6, { [15] = 1 }, 128 },	/* loopback */
	{ AF_INET6, { 0xfe, 0x80 }, 10 },	/* link-local */
};
#define NR_SPECIAL	(sizeof(special) / sizeof(special[0]))

/* ::ffff:0:0/96 */
static const uint8_t v4mapped[16] = { [10] = 0xff, [11] = 0xff };

/* one key of a trie: a prefix, and every port range allowed to it */
struct entry {
	int family;
	uint8_t addr[16];
	int prefix;
	struct egr_ports ports;
};

struct range {
	uint16_t lo, hi;
};

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -e;
}

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int max_prefix(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* "10.0.0.0/8" */
static const char *fmt_net(char *buf, size_t len, int family, const uint8_t *addr, int prefix)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%d", a, prefix);
	return buf;
}

/* does net/prefix contain addr? */
static bool covers(const uint8_t *net, int prefix, const uint8_t *addr)
{
	int full = prefix / 8, rest = prefix % 8;

	if (memcmp(net, addr, full))
		return false;
	return !rest || !((net[full] ^ addr[full]) & (0xff << (8 - rest)));
}

static int check_rule(const struct egr_rule *r, unsigned int i, char *err, size_t errlen)
{
	char net[NET_LEN], fixed[NET_LEN];
	uint8_t masked[16] = {};
	int len, b;

	if (r->family != AF_INET && r->family != AF_INET6)
		return fail(err, errlen, EINVAL,
			    "rule %u: address family %d is neither AF_INET nor AF_INET6",
			    i, r->family);
	len = addr_len(r->family);
	fmt_net(net, sizeof(net), r->family, r->addr, r->prefix);
	if (r->prefix < 0 || r->prefix > max_prefix(r->family))
		return fail(err, errlen, EINVAL, "rule %u (%s): prefix length %d is not in 0-%d",
			    i, net, r->prefix, max_prefix(r->family));
	for (b = 0; b < r->prefix; b++)
		masked[b / 8] |= r->addr[b / 8] & (0x80 >> (b % 8));
	if (memcmp(masked, r->addr, len))
		return fail(err, errlen, EINVAL,
			    "rule %u (%s): address has bits set past the prefix (the network is %s)",
			    i, net, fmt_net(fixed, sizeof(fixed), r->family, masked, r->prefix));
	if (r->family == AF_INET6 && r->prefix >= 96 && covers(v4mapped, 96, r->addr))
		return fail(err, errlen, EINVAL,
			    "rule %u (%s): inside ::ffff:0:0/96, the IPv4-mapped addresses, which the IPv4 rules decide: write it as %s",
			    i, net, fmt_net(fixed, sizeof(fixed), AF_INET, r->addr + 12, r->prefix - 96));
	if (!r->port_lo)
		return fail(err, errlen, EINVAL,
			    "rule %u (%s): port 0 is no destination (ports are 1-65535)", i, net);
	if (r->port_lo > r->port_hi)
		return fail(err, errlen, EINVAL,
			    "rule %u (%s): port range %u-%u is empty (low above high)",
			    i, net, r->port_lo, r->port_hi);
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo != y->lo ? x->lo - y->lo : x->hi - y->hi;
}

/* the special range e lies in, or -1 */
static int special_of(const struct entry *e)
{
	unsigned int s;

	for (s = 0; s < NR_SPECIAL; s++)
		if (special[s].family == e->family && e->prefix >= special[s].prefix &&
		    covers(special[s].addr, special[s].prefix, e->addr))
			return s;
	return -1;
}

/*
 * e's port ranges: those of every rule that covers e's prefix, unless e
 * lies in a special range and the rule is broader than that range; sorted
 * and merged.
 */
static int fill_ports(struct entry *e, const struct egr_rule *rules, unsigned int n,
		      struct range *tmp, char *err, size_t errlen)
{
	int s = special_of(e), min_prefix = s < 0 ? 0 : special[s].prefix;
	unsigned int i, nr = 0, merged = 0;
	char net[NET_LEN];

	for (i = 0; i < n; i++) {
		const struct egr_rule *r = &rules[i];

		if (r->family != e->family || r->prefix > e->prefix || r->prefix < min_prefix ||
		    !covers(r->addr, r->prefix, e->addr))
			continue;
		tmp[nr].lo = r->port_lo;
		tmp[nr].hi = r->port_hi;
		nr++;
	}
	qsort(tmp, nr, sizeof(*tmp), cmp_range);
	for (i = 0; i < nr; i++) {
		if (merged && tmp[i].lo <= tmp[merged - 1].hi + 1) {
			if (tmp[i].hi > tmp[merged - 1].hi)
				tmp[merged - 1].hi = tmp[i].hi;
			continue;
		}
		tmp[merged++] = tmp[i];
	}
	if (merged > EGR_PORT_RANGES)
		return fail(err, errlen, E2BIG,
			    "%s: %u distinct port ranges (its rules' and those of the broader rules that cover it), at most %d",
			    fmt_net(net, sizeof(net), e->family, e->addr, e->prefix),
			    merged, EGR_PORT_RANGES);
	memset(&e->ports, 0, sizeof(e->ports));
	e->ports.nr = merged;
	for (i = 0; i < merged; i++) {
		e->ports.r[i].lo = tmp[i].lo;
		e->ports.r[i].hi = tmp[i].hi;
	}
	return 0;
}

static void add_entry(struct entry *ents, unsigned int *nr, int family, const uint8_t *addr,
		      int prefix)
{
	unsigned int i;

	for (i = 0; i < *nr; i++)
		if (ents[i].family == family && ents[i].prefix == prefix &&
		    !memcmp(ents[i].addr, addr, addr_len(family)))
			return;
	memset(&ents[*nr], 0, sizeof(ents[*nr]));
	ents[*nr].family = family;
	memcpy(ents[*nr].addr, addr, addr_len(family));
	ents[*nr].prefix = prefix;
	(*nr)++;
}

/* the tries' entries for the rules: checks them all first */
static int build_entries(const struct egr_rule *rules, unsigned int n, struct entry **out,
			 unsigned int *nr_out, char *err, size_t errlen)
{
	struct entry *ents;
	struct range *tmp;
	unsigned int i, nr = 0;
	int ret;

	if (n && !rules)
		return fail(err, errlen, EINVAL, "%u rules but no array of rules", n);
	if (n > EGR_RULES_MAX)
		return fail(err, errlen, E2BIG, "%u rules, at most %d", n, EGR_RULES_MAX);
	for (i = 0; i < n; i++) {
		ret = check_rule(&rules[i], i, err, errlen);
		if (ret)
			return ret;
	}
	ents = calloc(n + NR_SPECIAL, sizeof(*ents));
	tmp = calloc(n ? n : 1, sizeof(*tmp));
	if (!ents || !tmp) {
		free(ents);
		free(tmp);
		return fail(err, errlen, ENOMEM, "out of memory");
	}
	for (i = 0; i < NR_SPECIAL; i++)
		add_entry(ents, &nr, special[i].family, special[i].addr, special[i].prefix);
	for (i = 0; i < n; i++)
		add_entry(ents, &nr, rules[i].family, rules[i].addr, rules[i].prefix);
	for (i = 0; i < nr; i++) {
		ret = fill_ports(&ents[i], rules, n, tmp, err, errlen);
		if (ret) {
			free(ents);
			free(tmp);
			return ret;
		}
	}
	free(tmp);
	*out = ents;
	*nr_out = nr;
	return 0;
}

static int fill_maps(struct egress_bpf *skel, const struct entry *ents, unsigned int nr,
		     char *err, size_t errlen)
{
	int fd4 = bpf_map__fd(skel->maps.rules4), fd6 = bpf_map__fd(skel->maps.rules6);
	char net[NET_LEN];
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		const struct entry *e = &ents[i];

		if (e->family == AF_INET) {
			struct egr_key4 k = { .prefixlen = e->prefix };

			memcpy(&k.addr, e->addr, 4);
			ret = bpf_map_update_elem(fd4, &k, &e->ports, BPF_NOEXIST);
		} else {
			struct egr_key6 k = { .prefixlen = e->prefix };

			memcpy(k.addr, e->addr, 16);
			ret = bpf_map_update_elem(fd6, &k, &e->ports, BPF_NOEXIST);
		}
		if (ret) {
			ret = errno;
			return fail(err, errlen, ret, "adding %s to the policy: %s",
				    fmt_net(net, sizeof(net), e->family, e->addr, e->prefix),
				    strerror(ret));
		}
	}
	/* from here on, neither user space nor the programs can change them */
	if (bpf_map_freeze(fd4) || bpf_map_freeze(fd6))
		return fail(err, errlen, errno, "freezing the policy maps: %s", strerror(errno));
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/* pin_dir is, or can be made, a directory of a BPF file system without our pins */
static int check_pin_dir(const char *pin_dir, char *err, size_t errlen)
{
	char path[PATH_MAX], *copy;
	struct stat st;
	int i;

	if (strlen(pin_dir) + 16 > sizeof(path))
		return fail(err, errlen, ENAMETOOLONG, "pin directory %s: name too long", pin_dir);
	if (stat(pin_dir, &st)) {
		if (errno != ENOENT)
			return fail(err, errlen, errno, "pin directory %s: %s", pin_dir, strerror(errno));
		copy = strdup(pin_dir);
		if (!copy)
			return fail(err, errlen, ENOMEM, "out of memory");
		if (!on_bpffs(dirname(copy))) {
			free(copy);
			return fail(err, errlen, EINVAL,
				    "pin directory %s: neither it nor its parent is on a BPF file system (mount -t bpf bpf /sys/fs/bpf)",
				    pin_dir);
		}
		free(copy);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return fail(err, errlen, ENOTDIR, "pin directory %s is not a directory", pin_dir);
	if (!on_bpffs(pin_dir))
		return fail(err, errlen, EINVAL,
			    "pin directory %s is not on a BPF file system (mount -t bpf bpf /sys/fs/bpf)",
			    pin_dir);
	for (i = 0; i < NR_LINKS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, pin_names[i]);
		if (!lstat(path, &st))
			return fail(err, errlen, EEXIST,
				    "%s exists: a policy is pinned in %s already (egr_detach() it first)",
				    path, pin_dir);
	}
	return 0;
}

int egr_check(const struct egr_rule *rules, unsigned int n, char *err, size_t errlen)
{
	struct entry *ents = NULL;
	unsigned int nr = 0;
	int ret = build_entries(rules, n, &ents, &nr, err, errlen);

	free(ents);
	return ret;
}

int egr_attach(int cgroup_fd, const struct egr_rule *rules, unsigned int n,
	       const char *pin_dir, char *err, size_t errlen)
{
	struct bpf_program *progs[NR_LINKS];
	struct bpf_link *links[NR_LINKS] = {};
	bool pinned[NR_LINKS] = {}, made_dir = false;
	struct egress_bpf *skel = NULL;
	struct entry *ents = NULL;
	unsigned int nr = 0, nr4 = 0, i;
	char path[PATH_MAX];
	struct statfs st;
	int ret;

	if (!pin_dir)
		return fail(err, errlen, EINVAL,
			    "no pin directory: links that are not pinned end with the calling process");
	ret = build_entries(rules, n, &ents, &nr, err, errlen);
	if (ret)
		return ret;
	if (fstatfs(cgroup_fd, &st)) {
		ret = fail(err, errlen, errno, "cgroup descriptor %d: %s", cgroup_fd, strerror(errno));
		goto out;
	}
	if (st.f_type != CGROUP2_SUPER_MAGIC) {
		ret = fail(err, errlen, EBADF,
			   "cgroup descriptor %d is not a directory of a cgroup2 file system", cgroup_fd);
		goto out;
	}
	ret = check_pin_dir(pin_dir, err, errlen);
	if (ret)
		goto out;

	skel = egress_bpf__open();
	if (!skel) {
		ret = fail(err, errlen, errno, "opening the egress programs: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < nr; i++)
		nr4 += ents[i].family == AF_INET;
	/* NR_SPECIAL puts entries in both tries: neither is empty */
	if (bpf_map__set_max_entries(skel->maps.rules4, nr4) ||
	    bpf_map__set_max_entries(skel->maps.rules6, nr - nr4)) {
		ret = fail(err, errlen, EINVAL, "sizing the policy maps failed");
		goto out;
	}
	ret = egress_bpf__load(skel);
	if (ret) {
		ret = fail(err, errlen, -ret, "loading the egress programs: %s", strerror(-ret));
		goto out;
	}
	ret = fill_maps(skel, ents, nr, err, errlen);
	if (ret)
		goto out;

	progs[0] = skel->progs.egress_connect4;
	progs[1] = skel->progs.egress_connect6;
	progs[2] = skel->progs.egress_sendmsg4;
	progs[3] = skel->progs.egress_sendmsg6;
	for (i = 0; i < NR_LINKS; i++) {
		links[i] = bpf_program__attach_cgroup(progs[i], cgroup_fd);
		if (!links[i]) {
			ret = fail(err, errlen, errno, "attaching %s to the cgroup: %s",
				   pin_names[i], strerror(errno));
			goto out;
		}
	}
	if (mkdir(pin_dir, 0700) == 0) {
		made_dir = true;
	} else if (errno != EEXIST) {
		ret = fail(err, errlen, errno, "making pin directory %s: %s", pin_dir, strerror(errno));
		goto out;
	}
	for (i = 0; i < NR_LINKS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, pin_names[i]);
		ret = bpf_link__pin(links[i], path);
		if (ret) {
			ret = fail(err, errlen, -ret, "pinning %s: %s", path, strerror(-ret));
			goto out;
		}
		pinned[i] = true;
	}
	ret = 0;
out:
	for (i = 0; i < NR_LINKS; i++) {
		if (!links[i])
			continue;
		if (ret) {
			if (pinned[i])
				bpf_link__unpin(links[i]);
			bpf_link_detach(bpf_link__fd(links[i]));
		}
		/* closes the descriptor: a pinned link stays */
		bpf_link__destroy(links[i]);
	}
	if (ret && made_dir)
		rmdir(pin_dir);
	egress_bpf__destroy(skel);
	free(ents);
	return ret;
}

int egr_detach(const char *pin_dir, char *err, size_t errlen)
{
	struct bpf_link_info info;
	char path[PATH_MAX];
	__u32 len;
	int i, fd, ret = 0;

	if (!pin_dir)
		return fail(err, errlen, EINVAL, "no pin directory");
	if (strlen(pin_dir) + 16 > sizeof(path))
		return fail(err, errlen, ENAMETOOLONG, "pin directory %s: name too long", pin_dir);
	for (i = 0; i < NR_LINKS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, pin_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENOTDIR && !ret)
				ret = fail(err, errlen, errno, "%s: %s", path, strerror(errno));
			continue;
		}
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_CGROUP ||
		    info.cgroup.attach_type != attach_types[i]) {
			if (!ret)
				ret = fail(err, errlen, EINVAL,
					   "%s is not a cgroup link of the egress policy's %s; left alone",
					   path, pin_names[i]);
			close(fd);
			continue;
		}
		/* off the cgroup even if another process holds the link */
		if (bpf_link_detach(fd)) {
			if (!ret)
				ret = fail(err, errlen, errno, "detaching %s: %s", path, strerror(errno));
			close(fd);
			continue;
		}
		close(fd);
		if (unlink(path) && errno != ENOENT && !ret)
			ret = fail(err, errlen, errno, "removing %s: %s", path, strerror(errno));
	}
	if (!ret && rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST &&
	    errno != EBUSY)
		ret = fail(err, errlen, errno, "removing %s: %s", pin_dir, strerror(errno));
	return ret;
}
