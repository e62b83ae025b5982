// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for selftests/e2e/seccomp-whitelist.sh, run under a whitelist:
 * makes the syscalls named on its command line, in order, and prints
 * NAME=ok or NAME=ERRNO for each.  Built static, so that it needs no
 * openat() to start.
 *
 *   getppid getuid socket-unix socket-packet open-ro open-wo execve fork
 *   accept     (listen on an abstract unix socket, connect, accept4)
 *   bpf-fds    (prints bpf-fds=N: BPF objects among the open descriptors)
 *   i386-getpid (getpid through int $0x80, the i386 ABI, in a child: prints
 *              i386-getpid=ok, or the signal that killed the child, e.g.
 *              SIGSYS from a filter, SIGSEGV without IA32 emulation)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long ret)
{
	if (ret < 0)
		printf("%s=%s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		printf("%s=ok\n", name);
	fflush(stdout);
}

static long do_accept(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len;
	int l, c, s;

	/* abstract address: "\0swl-probe-<pid>" */
	len = offsetof(struct sockaddr_un, sun_path) + 1 +
	      snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "swl-probe-%d", getpid());
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) || listen(l, 1))
		return -1;
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, len))
		return -1;
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	return s;
}

/* getpid through int $0x80 in a child; 0 or the signal that killed it */
static int i386_getpid(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		long ret = 20;	/* i386 getpid */

#if defined(__x86_64__)
		asm volatile("int $0x80" : "+a"(ret) : : "memory");
#endif
		_exit(ret == getpid() ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WEXITSTATUS(status) ? -1 : 0;
}

static int bpf_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[300], l[128];
		ssize_t k;

		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		k = readlink(p, l, sizeof(l) - 1);
		if (k > 0) {
			l[k] = 0;
			n += !strncmp(l, "anon_inode:bpf", 14);
		}
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		long ret;

		if (!strcmp(w, "getppid")) {
			ret = syscall(__NR_getppid);
		} else if (!strcmp(w, "getuid")) {
			ret = syscall(__NR_getuid);
		} else if (!strcmp(w, "socket-unix")) {
			ret = socket(AF_UNIX, SOCK_STREAM, 0);
		} else if (!strcmp(w, "socket-packet")) {
			ret = socket(AF_PACKET, SOCK_RAW, 0);
		} else if (!strcmp(w, "open-ro")) {
			ret = open("/proc/self/status", O_RDONLY);
		} else if (!strcmp(w, "open-wo")) {
			ret = open("/dev/null", O_WRONLY);
		} else if (!strcmp(w, "execve")) {
			char *const args[] = { "/bin/true", NULL };

			ret = syscall(__NR_execve, "/nonexistent/true", args, NULL);
			/* ENOENT means execve itself was allowed */
			if (ret < 0 && errno == ENOENT)
				ret = 0;
		} else if (!strcmp(w, "fork")) {
			ret = fork();
			if (ret == 0)
				_exit(0);
			if (ret > 0)
				waitpid(ret, NULL, 0);
		} else if (!strcmp(w, "accept")) {
			ret = do_accept();
		} else if (!strcmp(w, "i386-getpid")) {
			int sig = i386_getpid();

			if (sig > 0)
				printf("i386-getpid=SIG%s\n", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
			else
				printf("i386-getpid=%s\n", sig ? "failed" : "ok");
			fflush(stdout);
			continue;
		} else if (!strcmp(w, "bpf-fds")) {
			printf("bpf-fds=%d\n", bpf_fds());
			continue;
		} else {
			fprintf(stderr, "swl-probe: unknown probe %s\n", w);
			return 2;
		}
		report(w, ret);
	}
	return 0;
}
