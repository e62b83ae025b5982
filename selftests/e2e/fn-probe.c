// SPDX-License-Identifier: GPL-2.0
/*
 * fn-probe: a function for the launcher's process-mode tests, built
 * freestanding (-nostdlib -static) so that fnlaunch's gate verifies it:
 * every syscall instruction sits right after a mov of its number.  Each
 * command attempts one thing an instance must not be able to do, prints
 * what happened and exits 0 if the sandbox held, 1 if it did not:
 *
 *   hello            write a line and exit 0 (nothing attempted)
 *   suite PID        pid1, kill PID, kill-all, write-root, tmp, denied,
 *                    devnull and hostname in one instance, a line each
 *   pid1             its PID is 1 (a PID namespace of its own)
 *   kill PID         kill(PID, 0) of a host process fails (ESRCH)
 *   kill-all         kill(-1, SIGKILL) reaches nothing (ESRCH)
 *   write-root       creating a file in the read-only rootfs fails
 *   tmp              /tmp is writable, and a copy of this program there
 *                    cannot be executed (EACCES)
 *   denied           setuid(2), mount(2) and bpf(2), outside its profile
 *                    and hidden from the gate (see i386), fail with the
 *                    profile's errno (EPERM)
 *   memory MB        touches MB MiB (the test expects an OOM kill)
 *   forkbomb         forks until refused (EAGAIN) and prints how many
 *   i386             int 0x80 (getpid), hidden from the gate inside
 *                    another instruction: must be killed (SIGSYS)
 *   x32              syscall with the x32 bit (getpid), hidden the same
 *                    way: must be killed (SIGSYS)
 *   devnull          /dev/null is writable
 *   hostname         prints the UTS nodename
 *   sleep SECONDS    sleeps, for timeouts and concurrent instances
 *   phase            opens /dev/null, calls getpid() (the profile's trigger
 *                    of its second phase, which refuses openat), then
 *                    openat must fail (EPERM), also in a child it forks
 *   secret PATH      writes PATH, sleeps 2 s, exits 0 if it is still
 *                    its own content (another instance's /tmp is not this one's)
 *   cat              copies standard input to standard output, writes
 *                    "fn-probe: N bytes" to standard error
 *   args ARG...      prints each ARG on a line
 *   connect PORT     a TCP connect(2) to 127.0.0.1:PORT, socket(2) and
 *                    connect(2) hidden from the gate: prints its result
 *                    ("connect: 0", "connect: -111") and exits 0; the test
 *                    judges it
 */

#define NR_read		0
#define NR_write	1
#define NR_close	3
#define NR_mmap		9
#define NR_nanosleep	35
#define NR_getpid	39
#define NR_socket	41
#define NR_connect	42
#define NR_fork		57
#define NR_execve	59
#define NR_exit		60
#define NR_wait4	61
#define NR_kill		62
#define NR_uname	63
#define NR_setuid	105
#define NR_mount	165
#define NR_openat	257
#define NR_bpf		321
#define NR_exit_group	231

#define EPERM	1
#define ENOENT	2
#define ESRCH	3
#define EAGAIN	11
#define EACCES	13
#define EROFS	30
#define AT_FDCWD	-100
#define O_RDONLY	0
#define O_WRONLY	1
#define O_CREAT		0100
#define O_TRUNC		01000
#define SIGKILL		9

typedef unsigned long u64;

/* The number is an immediate right before the syscall instruction. */
#define SYSCALL3(nr, a, b, c) ({						\
	long __r;								\
	register long __a asm("rdi") = (long)(a);				\
	register long __b asm("rsi") = (long)(b);				\
	register long __c asm("rdx") = (long)(c);				\
	asm volatile("mov %1, %%eax\n\tsyscall" : "=&a"(__r)			\
		     : "i"(nr), "r"(__a), "r"(__b), "r"(__c)			\
		     : "rcx", "r11", "memory");					\
	__r; })
#define SYSCALL6(nr, a, b, c, d, e, f) ({					\
	long __r;								\
	register long __a asm("rdi") = (long)(a);				\
	register long __b asm("rsi") = (long)(b);				\
	register long __c asm("rdx") = (long)(c);				\
	register long __d asm("r10") = (long)(d);				\
	register long __e asm("r8") = (long)(e);				\
	register long __f asm("r9") = (long)(f);				\
	asm volatile("mov %1, %%eax\n\tsyscall" : "=&a"(__r)			\
		     : "i"(nr), "r"(__a), "r"(__b), "r"(__c), "r"(__d),	\
		       "r"(__e), "r"(__f)					\
		     : "rcx", "r11", "memory");					\
	__r; })

static unsigned long slen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static int seq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void out(const char *s)
{
	SYSCALL3(NR_write, 1, s, slen(s));
}

static void put_num(int fd, long v);

static void out_num(long v)
{
	put_num(1, v);
}

static void err_num(long v)
{
	put_num(2, v);
}

static void put_num(int fd, long v)
{
	char buf[24], *p = buf + sizeof(buf) - 1;
	int neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;

	*p = 0;
	do {
		*--p = '0' + u % 10;
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	SYSCALL3(NR_write, fd, p, slen(p));
}

static long num(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static void __attribute__((noreturn)) quit(int code)
{
	for (;;)
		SYSCALL3(NR_exit_group, code, 0, 0);
}

/* report WHAT: the attempt returned r; the sandbox held if r == -want */
static int expect(const char *what, long r, long want)
{
	out(what);
	out(": ");
	out_num(r);
	if (r == -want) {
		out(" (held)\n");
		return 0;
	}
	out(" (expected -");
	out_num(want);
	out(")\n");
	return 1;
}

static void nap(long sec, long nsec)
{
	long ts[2] = { sec, nsec };

	SYSCALL3(NR_nanosleep, ts, 0, 0);
}

/*
 * A syscall instruction the gate's linear sweep cannot see: the bytes of
 * "syscall; ret" (or "int $0x80; ret") are the immediate of a mov, and are
 * reached through a pointer computed at run time.
 */
asm(".text\n"
    "hidden_syscall_insn:\n\t.byte 0xb9, 0x0f, 0x05, 0xc3, 0x90\n"
    "hidden_int80_insn:\n\t.byte 0xb9, 0xcd, 0x80, 0xc3, 0x90\n");
extern char hidden_syscall_insn[], hidden_int80_insn[];
static volatile long skip = 1;

static long hidden(char *insn, long nr, long a, long b, long c)
{
	long (*f)(void) = (long (*)(void))(insn + skip);
	register long ra asm("rdi") = a;
	register long rb asm("rsi") = b;
	register long rc asm("rdx") = c;
	volatile long n = nr;
	long r;

	asm volatile("call *%1" : "=a"(r) : "r"(f), "a"(n), "r"(ra), "r"(rb), "r"(rc)
		     : "rcx", "r11", "memory");
	return r;
}

static int cmd_tmp(const char *self)
{
	static char buf[1 << 16];
	char *const argv[] = { "/tmp/copy", "hello", 0 };
	char *const envp[] = { 0 };
	long in, o, n, w, r;
	int bad = 0;

	in = SYSCALL3(NR_openat, AT_FDCWD, self, O_RDONLY);
	o = SYSCALL6(NR_openat, AT_FDCWD, "/tmp/copy", O_WRONLY | O_CREAT | O_TRUNC, 0755, 0, 0);
	if (in < 0 || o < 0) {
		out("tmp: cannot copy this program to /tmp: ");
		out_num(in < 0 ? in : o);
		out("\n");
		return 1;
	}
	while ((n = SYSCALL3(NR_read, in, buf, sizeof(buf))) > 0) {
		w = SYSCALL3(NR_write, o, buf, n);
		if (w != n) {
			out("tmp: short write to /tmp\n");
			return 1;
		}
	}
	SYSCALL3(NR_close, in, 0, 0);
	SYSCALL3(NR_close, o, 0, 0);
	out("tmp: wrote /tmp/copy\n");
	r = SYSCALL3(NR_execve, "/tmp/copy", argv, envp);
	bad |= expect("tmp: execve(/tmp/copy)", r, EACCES);
	return bad;
}

static int cmd_forkbomb(void)
{
	long n = 0, r;

	for (;;) {
		r = SYSCALL3(NR_fork, 0, 0, 0);
		if (r == 0) {
			nap(3600, 0);
			quit(0);
		}
		if (r < 0)
			break;
		n++;
		if (n > 100000)
			break;
	}
	out("forkbomb: forked ");
	out_num(n);
	out(" before ");
	out_num(r);
	out("\n");
	return r == -EAGAIN ? 0 : 1;
}

static int cmd_secret(const char *path)
{
	static const char mine[] = "this instance's secret";
	char buf[64];
	long fd, n;

	fd = SYSCALL6(NR_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0600, 0, 0);
	if (fd < 0 || SYSCALL3(NR_write, fd, mine, sizeof(mine)) != sizeof(mine)) {
		out("secret: cannot write it\n");
		return 1;
	}
	SYSCALL3(NR_close, fd, 0, 0);
	nap(2, 0);
	fd = SYSCALL3(NR_openat, AT_FDCWD, path, O_RDONLY);
	n = fd < 0 ? fd : SYSCALL3(NR_read, fd, buf, sizeof(buf));
	if (n != sizeof(mine)) {
		out("secret: changed under it\n");
		return 1;
	}
	for (unsigned long i = 0; i < sizeof(mine); i++)
		if (buf[i] != mine[i]) {
			out("secret: changed under it\n");
			return 1;
		}
	out("secret: unchanged\n");
	return 0;
}

static int cmd_phase(void)
{
	long fd, pid, st = 0;
	int bad;

	fd = SYSCALL3(NR_openat, AT_FDCWD, "/dev/null", O_RDONLY);
	bad = expect("phase init: openat(/dev/null) >= 0 - 1", fd >= 0 ? -1 : fd, 1);
	SYSCALL3(NR_getpid, 0, 0, 0);
	bad |= expect("phase serve: openat(/dev/null)", SYSCALL3(NR_openat, AT_FDCWD, "/dev/null",
								 O_RDONLY), EPERM);
	pid = SYSCALL3(NR_fork, 0, 0, 0);
	if (pid == 0)
		quit(SYSCALL3(NR_openat, AT_FDCWD, "/dev/null", O_RDONLY) == -EPERM ? 0 : 1);
	if (pid < 0 || SYSCALL6(NR_wait4, pid, &st, 0, 0, 0, 0) != pid) {
		out("phase: fork/wait4 failed\n");
		return 1;
	}
	return bad | expect("phase serve: a child's openat refused (its exit status)", (st >> 8) & 0xff, 0);
}

static int run_cmd(const char *self, const char *c, const char *a);

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "hello";
	const char *a = argc > 2 ? argv[2] : "";

	if (seq(c, "suite")) {
		static const char *const cmds[] = { "pid1", "kill", "kill-all", "write-root", "tmp",
						    "denied", "devnull", "hostname" };
		int bad = 0;

		for (unsigned long i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			int r = run_cmd(argv[0], cmds[i], a);

			out(cmds[i]);
			out(r ? ": FAILED\n" : ": passed\n");
			bad |= r;
		}
		return bad;
	}
	if (seq(c, "args")) {
		for (int i = 2; i < argc; i++) {
			out(argv[i]);
			out("\n");
		}
		return 0;
	}
	return run_cmd(argv[0], c, a);
}

static int run_cmd(const char *self, const char *c, const char *a)
{
	long r;

	if (seq(c, "hello")) {
		out("hello from fn-probe\n");
		return 0;
	}
	if (seq(c, "cat")) {
		static char buf[4096];
		long total = 0, n;

		while ((n = SYSCALL3(NR_read, 0, buf, sizeof(buf))) > 0) {
			if (SYSCALL3(NR_write, 1, buf, n) != n)
				return 1;
			total += n;
		}
		SYSCALL3(NR_write, 2, "fn-probe: ", 10);
		err_num(total);
		SYSCALL3(NR_write, 2, " bytes\n", 7);
		return n < 0;
	}
	if (seq(c, "pid1"))
		return expect("getpid() - 1", SYSCALL3(NR_getpid, 0, 0, 0) - 1, 0);
	if (seq(c, "kill"))
		return expect("kill(host pid, 0)", SYSCALL3(NR_kill, num(a), 0, 0), ESRCH);
	if (seq(c, "kill-all"))
		return expect("kill(-1, SIGKILL)", SYSCALL3(NR_kill, -1, SIGKILL, 0), ESRCH);
	if (seq(c, "write-root")) {
		r = SYSCALL6(NR_openat, AT_FDCWD, "/written", O_WRONLY | O_CREAT, 0644, 0, 0);
		return expect("openat(/written, O_CREAT)", r, EROFS);
	}
	if (seq(c, "tmp"))
		return cmd_tmp(self);
	if (seq(c, "denied")) {
		int bad = expect("setuid(0)", hidden(hidden_syscall_insn, NR_setuid, 0, 0, 0), EPERM);

		bad |= expect("mount(tmpfs)", hidden(hidden_syscall_insn, NR_mount, (long)"none",
						     (long)"/tmp", (long)"tmpfs"), EPERM);
		return bad | expect("bpf(BPF_PROG_LOAD)", hidden(hidden_syscall_insn, NR_bpf, 5, 0, 0),
				    EPERM);
	}
	if (seq(c, "memory")) {
		long mb = num(a);
		char *p = (char *)SYSCALL6(NR_mmap, 0, mb << 20, 3, 0x22, -1, 0);

		if ((long)p < 0 && (long)p > -4096) {
			out("memory: mmap failed\n");
			return 1;
		}
		for (long i = 0; i < mb << 20; i += 4096)
			p[i] = 1;
		out("memory: touched it all\n");
		return 1;
	}
	if (seq(c, "forkbomb"))
		return cmd_forkbomb();
	if (seq(c, "i386")) {
		r = hidden(hidden_int80_insn, 20, 0, 0, 0);
		out("i386: int 0x80 returned ");
		out_num(r);
		out("\n");
		return 1;
	}
	if (seq(c, "x32")) {
		r = hidden(hidden_syscall_insn, 0x40000000 | NR_getpid, 0, 0, 0);
		out("x32: syscall returned ");
		out_num(r);
		out("\n");
		return 1;
	}
	if (seq(c, "devnull")) {
		long fd = SYSCALL3(NR_openat, AT_FDCWD, "/dev/null", O_WRONLY);

		r = fd < 0 ? fd : SYSCALL3(NR_write, fd, "x", 1);
		return expect("write(/dev/null) - 1", r - 1, 0);
	}
	if (seq(c, "hostname")) {
		static char u[6][65];

		r = SYSCALL3(NR_uname, u, 0, 0);
		out("hostname: ");
		out(r ? "?" : u[1]);
		out("\n");
		return r != 0;
	}
	if (seq(c, "sleep")) {
		nap(num(a), 0);
		return 0;
	}
	if (seq(c, "secret"))
		return cmd_secret(a);
	if (seq(c, "phase"))
		return cmd_phase();
	if (seq(c, "connect")) {
		long port = num(a);
		/* struct sockaddr_in: AF_INET, the port big-endian, 127.0.0.1 */
		unsigned char sin[16] = { 2, 0, port >> 8, port & 0xff, 127, 0, 0, 1 };
		long fd = hidden(hidden_syscall_insn, NR_socket, 2, 1, 0);

		r = fd < 0 ? fd : hidden(hidden_syscall_insn, NR_connect, fd, (long)sin, sizeof(sin));
		out("connect: ");
		out_num(r);
		out("\n");
		return 0;
	}
	out("fn-probe: unknown command\n");
	return 2;
}

asm(".text\n.globl _start\n_start:\n"
    "\txor %ebp, %ebp\n"
    "\tmov (%rsp), %rdi\n"
    "\tlea 8(%rsp), %rsi\n"
    "\tand $-16, %rsp\n"
    "\tcall main\n"
    "\tmov %eax, %edi\n"
    "\tmov $231, %eax\n"
    "\tsyscall\n"
    "\thlt\n");
