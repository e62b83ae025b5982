#!/usr/bin/env bash
# The function launcher's static verification gate (launcher/, fnlaunch
# verify), on the host: liblauncher and fnlaunch are built into a
# temporary directory, and OCI bundles are made at test time around small
# programs assembled or compiled here; each case checks the exit status
# and the verdict's reasons (--json) or the error message:
#   a static binary doing write + exit_group with constant numbers:
#     verified with a profile allowing both, refused naming write and the
#     site's address without write; a profile beyond its tier is refused;
#   a number computed in a register, int 0x80: unverifiable, the address
#     named;
#   a dynamic glibc binary with the host's libc.so.6 and ld.so copied into
#     the rootfs: its call to syscall(SYS_getpid) is checked through the
#     recognised wrapper (refused without getpid, no reason with it), and
#     the libraries' unresolved sites make it unverifiable (see
#     launcher/README.md);
#   an egress policy on the host's network: verified;
#   a setuid file, requested capabilities, a namespace to join:
#   unverifiable;
#   malformed config.json, a field of the wrong type, a missing rootfs,
#   args[0] escaping the rootfs through a symlink, a bad egress
#   annotation (host bits, an IPv4-mapped IPv6 rule, too many port ranges
#   for one network: what libegress would refuse), an unknown tier, an unknown or repeated namespace type, a
#   profile that does not parse: exit 2 with the field named;
#   the manual pages (fnlaunch(1), fnlaunchd(8), liblauncher(3)) without
#   man's warnings, and make install: fnlaunch, fnlaunchd, the library
#   exporting LIBLAUNCHER_1.2's symbols, the pages.
# Prints TAP.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter"
profiles=$top/bpf-progs/seccomp/profiles
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }

echo "TAP version 13"
echo "1..28"

if ! make -s -C "$top/launcher" OUT="$tmp/build" CFLAGS="$CFLAGS" all >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	echo "Bail out! launcher build failed"
	exit 1
fi
fnlaunch=$tmp/build/fnlaunch

# profile SYSCALL...: an OCI seccomp profile allowing only these
profile() {
	local names="" s
	for s in "$@"; do names+="${names:+,}\"$s\""; done
	printf '{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":[%s],"action":"SCMP_ACT_ALLOW"}]}' "$names"
}

# bundle DIR ARGV0 PROFILE-JSON [EXTRA-PROCESS-JSON]: config.json for DIR
bundle() {
	mkdir -p "$1/rootfs"
	cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": { "args": ["$2"], "cwd": "/", "user": { "uid": 1000, "gid": 1000 }${4:-} },
  "root": { "path": "rootfs", "readonly": true },
  "annotations": {
    "org.serverless-worker.tier": "basic-compute",
    "org.serverless-worker.egress": "[{\"cidr\": \"10.1.0.0/16\", \"ports\": [443, \"8000-8099\"]}]"
  },
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "network" }, { "type": "mount" } ],
    "resources": { "memory": { "limit": 67108864 }, "pids": { "limit": 32 } },
    "seccomp": $3
  }
}
EOF
}

# verify DIR: runs fnlaunch verify --json DIR; $rc, $tmp/out, $tmp/err
verify() {
	rc=0
	"$fnlaunch" verify --json --profiles "$profiles" "$1" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# jq_py EXPR: evaluate a Python expression over the verdict v (JSON)
jq_py() {
	python3 -c "import json,sys; v=json.load(open(sys.argv[1])); print($1)" "$tmp/out" 2>&1
}

# expect_reason RULE PYTHON-CONDITION-OVER-r DESCRIPTION
expect_reason() {
	local got
	got=$(jq_py "sum(1 for r in v['reasons'] if r['rule'] == '$1' and ($2))")
	if [ "$rc" = 1 ] && [ "$got" -ge 1 ] 2>/dev/null; then ok "$3"
	else nok "$3: exit $rc, $got matching reasons: $(tr '\n' ' ' <"$tmp/out" | cut -c1-600)"; fi
}

# expect_bad PATTERN DESCRIPTION: exit 2, stderr matches PATTERN
expect_bad() {
	if [ "$rc" = 2 ] && grep -qE -- "$1" "$tmp/err"; then ok "$2"
	else nok "$2: exit $rc: $(cat "$tmp/err")"; fi
}

# symaddr FILE SYMBOL: the symbol's address as 0x..., as the gate prints it
symaddr() {
	printf '0x%x\n' "0x$(nm "$1" | awk -v s="$2" '$3 == s { print $1 }')"
}

# (a) a static binary: write + exit_group with constant numbers
cat >"$tmp/static.S" <<'EOF'
	.globl _start, site_write, site_exit
_start:
	mov $1, %eax
	mov $1, %edi
	lea msg(%rip), %rsi
	mov $3, %edx
	mov %eax, %ecx		/* a register copy the gate follows */
	mov %ecx, %eax
site_write:
	syscall
	xor %edi, %edi
	mov $231, %eax
site_exit:
	syscall
	.section .rodata
msg:	.ascii "hi\n"
EOF
a=$tmp/a
mkdir -p "$a/rootfs/bin"
gcc -static -nostdlib -o "$a/rootfs/bin/fn" "$tmp/static.S"
bundle "$a" /bin/fn "$(profile write exit_group)"
verify "$a"
if [ "$rc" = 0 ] && [ "$(jq_py "v['verdict'], len(v['reasons']), v['objects'][0]['constant']")" = "verified 0 2" ]; then
	ok "static write+exit_group: verified"
else nok "static write+exit_group: exit $rc: $(cat "$tmp/out" "$tmp/err")"; fi
if "$fnlaunch" verify --profiles "$profiles" "$a" | grep -q "^$a: verified$"; then ok "human-readable output says verified"
else nok "human-readable output"; fi

bundle "$a" /bin/fn "$(profile exit_group)"
verify "$a"
w=$(symaddr "$a/rootfs/bin/fn" site_write)
expect_reason syscall-not-allowed "r['syscall'] == 'write' and r['nr'] == 1 and r['address'] == '$w' and r['file'] == '/bin/fn'" \
	"profile without write: refused at the write site ($w)"
if [ "$(jq_py "len(v['reasons'])")" = 1 ]; then ok "... and for nothing else"; else nok "other reasons: $(cat "$tmp/out")"; fi

bundle "$a" /bin/fn "$(profile write exit_group mount)"
verify "$a"
expect_reason profile-outside-tier "r['syscall'] == 'mount' and 'basic-compute' in r['message']" \
	"a profile allowing mount is outside tier basic-compute"

# (b) a number computed in a register
cat >"$tmp/computed.S" <<'EOF'
	.globl _start, site
_start:
	mov $30, %ecx
	add $9, %ecx
	mov %ecx, %eax
site:
	syscall
	mov $231, %eax
	syscall
EOF
b=$tmp/b
mkdir -p "$b/rootfs"
gcc -static -nostdlib -o "$b/rootfs/fn" "$tmp/computed.S"
bundle "$b" /fn "$(profile getpid exit_group)"
verify "$b"
s=$(symaddr "$b/rootfs/fn" site)
expect_reason unresolved-syscall "r['address'] == '$s' and 'add ecx, 9' in r['message']" \
	"register-computed number: unverifiable at $s, naming the add"

# (c) int 0x80
cat >"$tmp/int80.S" <<'EOF'
	.globl _start, site
_start:
	mov $1, %eax
site:
	int $0x80
EOF
c=$tmp/c
mkdir -p "$c/rootfs"
gcc -static -nostdlib -o "$c/rootfs/fn" "$tmp/int80.S"
bundle "$c" /fn "$(profile exit write)"
verify "$c"
s=$(symaddr "$c/rootfs/fn" site)
expect_reason i386-entry "r['address'] == '$s' and 'int 0x80' in r['message']" "int 0x80: unverifiable at $s"

# (d) a dynamic glibc binary, its libc and ld.so copied from the host
d=$tmp/d
libc=$(gcc -print-file-name=libc.so.6)
ldso=$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')
mkdir -p "$d/rootfs/usr/bin" "$d/rootfs/lib/x86_64-linux-gnu" "$d/rootfs/lib64"
cat >"$tmp/dyn.c" <<'EOF'
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	printf("%ld\n", syscall(SYS_getpid));
	return 0;
}
EOF
gcc -O2 -o "$d/rootfs/usr/bin/fn" "$tmp/dyn.c"
cp -L "$libc" "$d/rootfs/lib/x86_64-linux-gnu/libc.so.6"
cp -L "$ldso" "$d/rootfs/lib64/$(basename "$ldso")"
ln -s ../lib "$d/rootfs/usr/lib"
bundle "$d" fn "$(profile write exit_group)" ', "env": ["PATH=/usr/bin"]'
verify "$d"
if [ "$(jq_py "sorted((o['role'], o['path'].rsplit('/', 1)[1]) for o in v['objects'])")" = \
     "[('executable', 'fn'), ('interpreter', '$(basename "$ldso")'), ('library', 'libc.so.6')]" ] &&
   [ "$(jq_py "v['executable']")" = /usr/bin/fn ]; then
	ok "dynamic: fn found in PATH, its interpreter and libc.so.6 analysed"
else nok "dynamic: objects: $(jq_py "v['objects'], v.get('error')")"; fi
expect_reason syscall-not-allowed "r['file'] == '/usr/bin/fn' and r['syscall'] == 'getpid' and 'passed to syscall()' in r['message']" \
	"dynamic: syscall(SYS_getpid) is checked through glibc's syscall() wrapper"
bundle "$d" fn "$(profile write exit_group getpid)" ', "env": ["PATH=/usr/bin"]'
verify "$d"
if [ "$rc" = 1 ] && [ "$(jq_py "[r['message'] for r in v['reasons'] if r['file'] == '/usr/bin/fn']")" = "[]" ] &&
   [ "$(jq_py "[o['wrapper_calls'] for o in v['objects'] if o['role'] == 'executable']")" = "[1]" ] &&
   [ "$(jq_py "[o['in_wrappers'] for o in v['objects'] if o['path'].endswith('/libc.so.6')]")" = "[1]" ]; then
	ok "dynamic: with getpid allowed, nothing about fn itself; libc's syscall() is the one wrapper site"
else nok "dynamic, getpid allowed: $(tr '\n' ' ' <"$tmp/out" | cut -c1-800)"; fi
expect_reason unresolved-syscall "r['file'].endswith('/libc.so.6') and 'not a constant' in r['message']" \
	"dynamic: glibc's sites with numbers from other blocks make it unverifiable"

# (e) a setuid file
e=$tmp/e
cp -r "$a" "$e"
bundle "$e" /bin/fn "$(profile write exit_group)"
cp "$e/rootfs/bin/fn" "$e/rootfs/bin/su"
chmod 4755 "$e/rootfs/bin/su"
verify "$e"
expect_reason setuid-file "r['file'] == '/bin/su' and 'setuid' in r['message']" "setuid file: unverifiable, /bin/su named"

# (f) capabilities requested
f=$tmp/f
cp -r "$a" "$f"
bundle "$f" /bin/fn "$(profile write exit_group)" ', "capabilities": { "bounding": ["CAP_NET_BIND_SERVICE"], "effective": [] }'
verify "$f"
expect_reason capability-requested "'process.capabilities.bounding[0]' in r['message'] and 'CAP_NET_BIND_SERVICE' in r['message']" \
	"capabilities requested: unverifiable, the capability named"

# (f2) namespaces: an egress policy on the host's network, a namespace to join
f2=$tmp/f2
cp -r "$a" "$f2"
bundle "$f2" /bin/fn "$(profile write exit_group)"
sed -i 's|{ "type": "network" }, ||' "$f2/config.json"
verify "$f2"
if [ "$rc" = 0 ] && [ "$(jq_py "[e['cidr'] for e in v['config']['egress']]")" = "['10.1.0.0/16']" ]; then
	ok "an egress policy on the host's network: verified (process mode attaches it), the rule shown"
else nok "egress on the host's network: exit $rc: $(tr '\n' ' ' <"$tmp/out" | cut -c1-600)"; fi
bundle "$f2" /bin/fn "$(profile write exit_group)"
sed -i 's|{ "type": "network" }|{ "type": "network", "path": "/run/netns/other" }|' "$f2/config.json"
verify "$f2"
expect_reason namespace-joined "'linux.namespaces[1]' in r['message'] and '/run/netns/other' in r['message']" \
	"a network namespace to join: unverifiable, the path named"

# (g) bad input: exit 2 with the place named
g=$tmp/g
cp -r "$a" "$g"
printf '{\n  "process": { "args": ["/bin/fn"],\n' >"$g/config.json"
verify "$g"
expect_bad '^fnlaunch: .*: config.json:3:1: malformed JSON' "truncated config.json: exit 2 with line:column"
bundle "$g" /bin/fn "$(profile write)"
sed -i 's|"args": \["/bin/fn"\]|"args": ["/bin/fn", 7]|' "$g/config.json"
verify "$g"
expect_bad 'config.json: process.args\[1\]: expected a string, not int' "process.args[1] a number: exit 2, the field named"
bundle "$g" /bin/fn "$(profile write)"
rm -rf "$g/rootfs"
verify "$g"
expect_bad 'config.json: root.path: .*/rootfs: No such file or directory' "missing rootfs: exit 2"
mkdir -p "$g/rootfs/bin"
ln -s ../../../../../../../bin/true "$g/rootfs/bin/fn"
verify "$g"
expect_bad 'process.args\[0\]: /bin/fn: escapes the rootfs' "args[0] a symlink escaping the rootfs: exit 2"
bundle "$a" /bin/fn "$(profile write)"
sed -i 's|10.1.0.0/16|10.1.0.1/16|' "$a/config.json"
verify "$a"
expect_bad 'org.serverless-worker.egress"\]: \[0\].cidr: "10.1.0.1/16" has bits set beyond the /16 prefix' \
	"egress rule with host bits: exit 2"
bundle "$a" /bin/fn "$(profile write)"
sed -i 's|10.1.0.0/16|::ffff:10.1.0.0/112|' "$a/config.json"
verify "$a"
expect_bad 'egress"\]: rule 0 \(::ffff:10.1.0.0/112\): inside ::ffff:0:0/96, .*write it as 10.1.0.0/16' \
	"egress rule among the IPv4-mapped addresses: exit 2, the IPv4 rule to write instead"
bundle "$a" /bin/fn "$(profile write)"
sed -i 's|\[443, \\"8000-8099\\"\]|[1, 3, 5, 7, 9, 11, 13, 15, 17]|' "$a/config.json"
verify "$a"
expect_bad 'egress"\]: .*10.1.0.0/16.*at most 8' "egress rules with 9 port ranges for one network: exit 2"
bundle "$a" /bin/fn "$(profile write)"
sed -i 's|"basic-compute"|"gold"|' "$a/config.json"
verify "$a"
expect_bad 'unknown tier "gold"' "unknown tier: exit 2"
bundle "$a" /bin/fn "$(profile write)"
sed -i 's|{ "type": "mount" }|{ "type": "mnt" }|' "$a/config.json"
verify "$a"
expect_bad 'config.json: linux.namespaces\[2\].type: unknown namespace type "mnt"' "unknown namespace type: exit 2"
bundle "$a" /bin/fn "$(profile write)"
sed -i 's|{ "type": "mount" }|{ "type": "pid" }|' "$a/config.json"
verify "$a"
expect_bad 'config.json: linux.namespaces\[2\].type: a second "pid" namespace' "a namespace listed twice: exit 2"

# (h) a profile that does not parse
bundle "$a" /bin/fn '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["write","nosuchcall"],"action":"SCMP_ACT_ALLOW"}]}'
verify "$a"
expect_bad 'config.json: linux.seccomp: syscalls\[0\].names\[1\]: unknown syscall "nosuchcall"' \
	"profile naming an unknown syscall: exit 2, the place named"

# (i) the manual pages and the install
w=""
version=$(cat "$top/VERSION")
for page in fnlaunch.1 fnlaunchd.8 liblauncher.3; do
	w+=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$top/man/$page" 2>&1 >/dev/null)
	grep -q "^\.TH .* \"[a-z]* $version\"" "$top/man/$page" || w+="$page: .TH without $version; "
done
if [ -z "$w" ]; then ok "fnlaunch(1), fnlaunchd(8), liblauncher(3): no man warnings, version $version"
else nok "manual pages: $w"; fi
d=$tmp/dest
if make -s -C "$top/launcher" OUT="$tmp/build" CFLAGS="$CFLAGS" DESTDIR="$d" PREFIX=/usr install >"$tmp/install.log" 2>&1 &&
	[ -x "$d/usr/bin/fnlaunch" ] && [ -x "$d/usr/sbin/fnlaunchd" ] &&
	[ -f "$d/usr/share/man/man8/fnlaunchd.8" ] && [ -f "$d/usr/share/man/man3/lnch_function_invoke.3" ] &&
	objdump -T "$d/usr/lib/liblauncher.so.1.0.0" | grep -q 'LIBLAUNCHER_1.2 *lnch_function_invoke$' &&
	"$d/usr/sbin/fnlaunchd" --version | grep -q "^fnlaunchd $version$"; then
	ok "make install: fnlaunch, fnlaunchd, lnch_function_invoke@LIBLAUNCHER_1.2, the pages"
else nok "install: $(cat "$tmp/install.log"); $(find "$d" -type f | tr '\n' ' ')"; fi

echo "# $fails of $n failed"
[ "$fails" = 0 ]
