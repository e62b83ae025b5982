// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver of libegress, for selftests/e2e/egress.sh:
 *
 *   egress-test attach CGROUP PIN_DIR [RULE...]
 *   egress-test detach PIN_DIR
 *   egress-test progs CGROUP   (prints how many programs are attached to
 *                               CGROUP itself at the four hooks)
 *   egress-test frozen PIN_DIR (tries to change the maps of the pinned
 *                               connect6 program: exit 0 if refused)
 *
 * RULE is ADDR/PREFIX[:PORT|:LO-HI] (every port without one), e.g.
 * 127.0.0.1/32:8000-8001 or ::1/128:9000, or AF=N for a rule of address
 * family N (to test the library's check).  PIN_DIR "-" passes NULL.
 * Numbers are passed on unchecked, for the library to judge.  Exit
 * status 0, or 1 with the library's error on stderr, 64 for bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "egress.h"

static void usage(void)
{
	fprintf(stderr, "usage: egress-test attach CGROUP PIN_DIR [ADDR/PREFIX[:LO[-HI]]...]\n"
			"       egress-test detach PIN_DIR\n"
			"       egress-test progs CGROUP\n"
			"       egress-test frozen PIN_DIR\n");
	exit(64);
}

static long number(const char *s, char **end, const char *rule)
{
	long v;

	errno = 0;
	v = strtol(s, end, 10);
	if (errno || *end == s || v < 0 || v > 65535) {
		fprintf(stderr, "egress-test: bad number in rule %s\n", rule);
		exit(64);
	}
	return v;
}

static void parse_rule(const char *arg, struct egr_rule *r)
{
	char *s = strdup(arg), *slash, *p, *end;

	if (!s)
		exit(1);
	memset(r, 0, sizeof(*r));
	r->port_lo = 1;
	r->port_hi = 65535;
	if (!strncmp(s, "AF=", 3)) {
		r->family = number(s + 3, &end, arg);
		r->prefix = 0;
		free(s);
		return;
	}
	slash = strchr(s, '/');
	if (!slash) {
		fprintf(stderr, "egress-test: rule %s: no /PREFIX\n", arg);
		exit(64);
	}
	*slash = '\0';
	if (inet_pton(AF_INET, s, r->addr) == 1) {
		r->family = AF_INET;
	} else if (inet_pton(AF_INET6, s, r->addr) == 1) {
		r->family = AF_INET6;
	} else {
		fprintf(stderr, "egress-test: rule %s: bad address %s\n", arg, s);
		exit(64);
	}
	r->prefix = number(slash + 1, &p, arg);
	if (*p == ':') {
		r->port_lo = r->port_hi = number(p + 1, &end, arg);
		if (*end == '-')
			r->port_hi = number(end + 1, &end, arg);
		p = end;
	}
	if (*p) {
		fprintf(stderr, "egress-test: rule %s: junk after the rule\n", arg);
		exit(64);
	}
	free(s);
}

static int progs(const char *cgroup)
{
	static const enum bpf_attach_type types[] = {
		BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,
		BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG,
	};
	unsigned int i, total = 0;
	__u32 cnt;
	int fd;

	fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "egress-test: %s: %s\n", cgroup, strerror(errno));
		return 1;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		cnt = 0;
		if (bpf_prog_query(fd, types[i], 0, NULL, NULL, &cnt)) {
			fprintf(stderr, "egress-test: querying %s: %s\n", cgroup, strerror(errno));
			close(fd);
			return 1;
		}
		total += cnt;
	}
	close(fd);
	printf("%u\n", total);
	return 0;
}

/* every map of pin_dir/connect6's program refuses updates and deletes */
static int frozen(const char *pin_dir)
{
	struct bpf_link_info link = {};
	struct bpf_prog_info prog = {};
	__u32 len, ids[8], i;
	char path[4096], key[64] = {}, value[256] = {};
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/connect6", pin_dir);
	fd = bpf_obj_get(path);
	len = sizeof(link);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &link, &len)) {
		fprintf(stderr, "egress-test: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	fd = bpf_prog_get_fd_by_id(link.prog_id);
	prog.nr_map_ids = 8;
	prog.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(prog);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &prog, &len)) {
		fprintf(stderr, "egress-test: program %u: %s\n", link.prog_id, strerror(errno));
		return 1;
	}
	close(fd);
	for (i = 0; i < prog.nr_map_ids && i < 8; i++) {
		struct bpf_map_info map = {};
		int u, d;

		fd = bpf_map_get_fd_by_id(ids[i]);
		len = sizeof(map);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &map, &len) ||
		    map.key_size > sizeof(key) || map.value_size > sizeof(value)) {
			fprintf(stderr, "egress-test: map %u: %s\n", ids[i], strerror(errno));
			return 1;
		}
		/* prefixlen 0: the key that covers every address */
		u = bpf_map_update_elem(fd, key, value, BPF_ANY) ? errno : 0;
		d = bpf_map_delete_elem(fd, key) ? errno : 0;
		printf("%s: update %s, delete %s\n", map.name, u ? strerrorname_np(u) : "done",
		       d ? strerrorname_np(d) : "done");
		if (u != EPERM || d != EPERM)
			ret = 1;
		close(fd);
	}
	if (prog.nr_map_ids != 2) {
		fprintf(stderr, "egress-test: connect6 uses %u maps, not 2\n", prog.nr_map_ids);
		ret = 1;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct egr_rule *rules;
	char err[512];
	int i, n, fd, ret;

	if (argc == 3 && !strcmp(argv[1], "detach")) {
		ret = egr_detach(argv[2], err, sizeof(err));
		if (ret) {
			fprintf(stderr, "egress-test: %s (%s)\n", err, strerrorname_np(-ret));
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "progs"))
		return progs(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "frozen"))
		return frozen(argv[2]);
	if (argc < 4 || strcmp(argv[1], "attach"))
		usage();
	n = argc - 4;
	rules = calloc(n ? n : 1, sizeof(*rules));
	if (!rules)
		return 1;
	for (i = 0; i < n; i++)
		parse_rule(argv[4 + i], &rules[i]);
	fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "egress-test: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	ret = egr_attach(fd, rules, n, strcmp(argv[3], "-") ? argv[3] : NULL, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "egress-test: %s (%s)\n", err, strerrorname_np(-ret));
		return 1;
	}
	close(fd);
	free(rules);
	return 0;
}
