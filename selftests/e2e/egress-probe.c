// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for selftests/e2e/egress.sh, run in a cgroup with an egress
 * policy: does the policy let a socket reach ADDR PORT?
 *
 *   egress-probe [-c CGROUP] [-6] [-u|-f] ADDR PORT
 *   egress-probe [-c CGROUP] -   (one "[-6] [-u|-f] ADDR PORT" a line on
 *                                 stdin, one verdict a line on stdout)
 *
 * TCP connect(2) by default; -u: UDP, sendto(2) on an unconnected socket
 * and connect(2) on another; -f: TCP Fast Open, sendto(2) with
 * MSG_FASTOPEN.  -6: an AF_INET6 socket (ADDR may be ::ffff:a.b.c.d, or
 * fe80::1%IFNAME).  -c: move into CGROUP (cgroup2) first.
 *
 * Prints "allowed", "denied" or "other", then what each call returned,
 * and exits 0 if the calls were allowed, 1 if they failed with EPERM (the
 * policy's verdict), 2 on any other error or if the UDP calls disagree
 * (in the - form: 0 once every line was answered).  A TCP connect
 * refused (ECONNREFUSED) or still in progress after 3 s was allowed: the
 * hook runs before any packet is sent.  Built static.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN	0x20000000
#endif

enum { ALLOWED, DENIED, OTHER };
static const char *const names[] = { "allowed", "denied", "other" };

/* what the calls of one probe returned */
static char detail[256];

static int verdict(const char *what, int ret, int tcp)
{
	size_t len = strlen(detail);
	int e = errno;

	if (!ret || (tcp && (e == ECONNREFUSED || e == EINPROGRESS))) {
		snprintf(detail + len, sizeof(detail) - len, " %s: allowed%s%s;", what,
			 ret ? ", " : "", ret ? strerrorname_np(e) : "");
		return ALLOWED;
	}
	if (e == EPERM) {
		snprintf(detail + len, sizeof(detail) - len, " %s: EPERM;", what);
		return DENIED;
	}
	snprintf(detail + len, sizeof(detail) - len, " %s: %s (%s);", what, strerror(e),
		 strerrorname_np(e) ? strerrorname_np(e) : "?");
	return OTHER;
}

static int sock(int family, int type)
{
	struct timeval tv = { .tv_sec = 3 };
	int fd = socket(family, type, 0);

	/* bounds a TCP connect(2) that nobody answers */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* one probe, "[-6] [-u|-f] ADDR PORT" in argv; -1 if malformed */
static int probe(int argc, char **argv)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int family = AF_INET, udp = 0, tfo = 0, i, fd, a, b;
	char *addr, *scope, *end;
	socklen_t len;
	long port;

	detail[0] = '\0';
	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-6"))
			family = AF_INET6;
		else if (!strcmp(argv[i], "-u"))
			udp = 1;
		else if (!strcmp(argv[i], "-f"))
			tfo = 1;
		else
			return -1;
	}
	if (argc - i != 2 || (udp && tfo))
		return -1;
	addr = argv[i];
	port = strtol(argv[i + 1], &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return -1;
		len = sizeof(*sin);
	} else {
		scope = strchr(addr, '%');
		if (scope) {
			*scope++ = '\0';
			sin6->sin6_scope_id = if_nametoindex(scope);
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -1;
		len = sizeof(*sin6);
	}

	if (udp) {
		fd = sock(family, SOCK_DGRAM);
		a = verdict("udp sendto",
			    sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) < 0 ? -1 : 0, 0);
		close(fd);
		fd = sock(family, SOCK_DGRAM);
		b = verdict("udp connect", connect(fd, (struct sockaddr *)&ss, len), 0);
		close(fd);
		return a == b ? a : OTHER;
	}
	fd = sock(family, SOCK_STREAM);
	if (tfo)
		a = verdict("tcp fastopen sendto",
			    sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&ss, len) < 0 ? -1 : 0,
			    1);
	else
		a = verdict("tcp connect", connect(fd, (struct sockaddr *)&ss, len), 1);
	close(fd);
	return a;
}

static int join(const char *cgroup)
{
	char path[4096];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	/* "0": the writing process */
	ok = fd >= 0 && write(fd, "0\n", 2) == 2;
	if (!ok)
		fprintf(stderr, "egress-probe: joining %s: %s\n", cgroup, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	char line[512], *words[8], *tok;
	int i = 1, n, v;

	if (argc > 2 && !strcmp(argv[1], "-c")) {
		if (join(argv[2]))
			return OTHER;
		i = 3;
	}
	if (argc - i == 1 && !strcmp(argv[i], "-")) {
		while (fgets(line, sizeof(line), stdin)) {
			n = 0;
			for (tok = strtok(line, " \t\n"); tok && n < 8; tok = strtok(NULL, " \t\n"))
				words[n++] = tok;
			v = probe(n, words);
			if (v < 0) {
				printf("other: bad probe\n");
				continue;
			}
			printf("%s:%s\n", names[v], detail);
			fflush(stdout);
		}
		return 0;
	}
	v = probe(argc - i, argv + i);
	if (v < 0) {
		fprintf(stderr, "usage: egress-probe [-c CGROUP] [-6] [-u|-f] ADDR PORT\n"
				"       egress-probe [-c CGROUP] -\n");
		return OTHER;
	}
	printf("%s:%s\n", names[v], detail);
	return v;
}
