#!/bin/bash
# End to end: `fnlaunch run`, the function launcher's one-shot runner, as
# root in the guest.  The function is fn-probe (selftests/e2e/fn-probe.c,
# freestanding, so that the gate verifies it), in an OCI bundle made here;
# each check runs one of its commands in process mode and checks what the
# instance could not do, the exit status and the JSON report:
#   - it runs, verified, in a cgroup made by CGROUP_IOC_CREATE where the
#     kernel has it (mkdir(2) otherwise, and with --classic-cgroup);
#   - PID 1 of its own PID namespace; a host process and kill(-1) out of
#     reach, a neighbour instance unharmed; the rootfs read-only; /tmp
#     writable, private to the instance and not executable; setuid(2),
#     mount(2) and bpf(2) hidden from the gate still refused by the
#     filter; int 0x80 and x32 system calls hidden the same way killed
#     (SIGSYS); memory.max (an OOM kill, neighbour unharmed) and pids.max
#     (a fork bomb stopped) seeded from the config; the hostname its own;
#     a timeout kills it; the filter is seccomp-eBPF where the kernel has
#     it, and its second phase, once reached, holds (--classic-filter: a
#     classic filter of the first phase); its mount namespace made from
#     the function's tree where the kernel has open_tree(OPEN_TREE_NAMESPACE),
#     and the same checks hold with --classic-mounts (a copy and pivot_root);
#   - no instance cgroup is left behind; a launcher killed during an
#     invocation leaves its instance running in its cgroup, which
#     fnlaunch gc kills and removes (a live launcher's it leaves alone);
#   - an unverifiable function: refused with its reason by --no-fallback
#     and by --mode process, run by crun in auto mode with the reason
#     said; container mode on its own; limits beyond the node refused
#     before anything is made;
#   - the network: a new network namespace (loopback up, the host's
#     listener out of reach) when the bundle lists one, the host's network
#     when it does not; there, the egress annotation's policy
#     (bpf-progs/egress) on the function's cgroup refuses connect(2) to a
#     disallowed address (EPERM) and lets through an allowed one, is
#     unpinned after the run, and after a killed launcher by fnlaunch gc;
#     an unverifiable function with such a policy is not given to crun.
# Usage: launcher-run.sh TOOLS-DIR.  Prints TAP.
set -u
tools=${1:?usage: launcher-run.sh TOOLS-DIR}
fnlaunch=$tools/fnlaunch
profiles=$tools/seccomp-profiles
cgmnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
croot=$cgmnt/e2e-fnlaunch
tmp=$(mktemp -d)
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
# shellcheck disable=SC2317 # the EXIT trap runs it
cleanup() {
	[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
	find "$croot" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
	rmdir "$croot" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "TAP version 13"
echo "1..43"

# bundle DIR SYSCALLS [MEMORY-LIMIT] [ARGS-JSON] [PHASES-JSON]: fn-probe's bundle
bundle() {
	local names="" s
	for s in $2; do names+="${names:+,}\"$s\""; done
	mkdir -p "$1/rootfs/bin" "$1/rootfs/tmp" "$1/rootfs/dev" "$1/rootfs/proc"
	cp "$tools/fn-probe" "$1/rootfs/bin/fn-probe"
	: >"$1/rootfs/dev/null"
	cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": { "args": ${4:-[\"/bin/fn-probe\", \"hello\"]}, "cwd": "/", "env": ["PATH=/bin"], "noNewPrivileges": true,
               "user": { "uid": 1000, "gid": 1000 } },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "probe",
  "annotations": { "org.serverless-worker.tier": "restricted-io" },
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" } ],
    "resources": { "memory": { "limit": ${3:-33554432} }, "pids": { "limit": 16 } },
    "seccomp": { "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                 "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [ { "names": [$names], "action": "SCMP_ACT_ALLOW" } ]${5:+,
                 \"phases\": $5} }
  },
  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" },
              { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] } ]
}
EOF
}

SYSCALLS="read write close mmap nanosleep getpid fork execve exit wait4 kill uname openat exit_group"
b=$tmp/probe
bundle "$b" "$SYSCALLS"

# run ARGS...: fnlaunch run of the probe with ARGS; $rc, $tmp/out,
# $tmp/err, $tmp/report
run() {
	rc=0
	"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name probe \
		--report "$tmp/report" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}
# probe CMD [ARG]: run fn-probe CMD ARG in process mode (config's args replaced)
probe() {
	local args="[\"/bin/fn-probe\", \"$1\"${2:+, \"$2\"}]"
	bundle "$b" "$SYSCALLS" 33554432 "$args"
	run --mode process "${@:3}" "$b"
}
field() {
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r.get(sys.argv[2]))" \
		"$tmp/report" "$1" 2>/dev/null
}
show() { echo "exit $rc; out: $(tr '\n' ' ' <"$tmp/out"); err: $(tr '\n' ' ' <"$tmp/err"); report: $(cat "$tmp/report" 2>/dev/null)"; }

# what libcgbatch's CLI finds the kernel has: batch or classic
want_cg=$("$tools/cgbatch" probe "$cgmnt")

# seccomp-eBPF where the kernel's BTF has its program type
want_filter=classic
grep -qa BPF_PROG_TYPE_SECCOMP /sys/kernel/btf/vmlinux 2>/dev/null && want_filter=seccomp-ebpf

# mount namespaces from the function's tree where open_tree() takes
# OPEN_TREE_NAMESPACE (2; 428 is open_tree on x86-64, AT_FDCWD -100)
want_mounts=$(python3 -c 'import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.syscall(428, -100, b"/", 2 | os.O_CLOEXEC)
print("tree" if fd >= 0 else "copy")')

probe hello
if [ "$rc" = 0 ] && grep -q "hello from fn-probe" "$tmp/out" && [ "$(field mode)" = process ] &&
	[ "$(field started)" = True ] && [ "$(field filter)" = "$want_filter" ] &&
	[ "$(field mounts)" = "$want_mounts" ] && [ "$(field landlock_abi)" -ge 1 ] 2>/dev/null; then
	ok "verified function runs in process mode (filter $want_filter, mounts $want_mounts, start $(field start_us) us)"
else nok "process mode: $(show)"; fi
if [ "$(field cgroup)" = "$want_cg" ]; then ok "its cgroup was made the $want_cg way, as cgbatch probe says"
else nok "cgroup mode $(field cgroup), cgbatch probe says $want_cg"; fi

# one instance tries pid1, kill, kill-all, write-root, tmp, denied,
# devnull and hostname (fn-probe suite), a line each; then again with the
# mounts copied (--classic-mounts), all in one check
suite_checks=("pid1:PID 1 of its own PID namespace"
	"kill:a host process cannot be signalled (ESRCH)"
	"kill-all:kill(-1, SIGKILL) reaches nothing"
	"write-root:the rootfs is read-only (EROFS)"
	"tmp:/tmp is writable and not executable (EACCES)"
	"denied:setuid, mount and bpf outside the profile and hidden from the gate: the profile's errno (EPERM)"
	"devnull:/dev/null is the host's, writable"
	"hostname:its hostname is its function's name")
suite_held() {
	grep -q "^${1%%:*}: passed$" "$tmp/out" &&
		{ [ "${1%%:*}" != hostname ] || grep -q "^hostname: probe$" "$tmp/out"; }
}
probe suite $$
for t in "${suite_checks[@]}"; do
	if suite_held "$t"; then ok "${t#*:}"
	else nok "${t#*:}: $(show)"; fi
done
if [ "$rc" = 0 ]; then ok "... all in one instance, which exited 0"; else nok "suite: $(show)"; fi
probe suite $$ --classic-mounts
held=0
for t in "${suite_checks[@]}"; do suite_held "$t" && held=$((held + 1)); done
if [ "$rc" = 0 ] && [ "$held" = "${#suite_checks[@]}" ] && [ "$(field mounts)" = copy ] &&
	[ "$(field mount_note)" = LNCH_RUN_CLASSIC_MOUNTS ]; then
	ok "--classic-mounts: the same ${#suite_checks[@]} hold with the launcher's mounts copied and pivot_root()"
else nok "--classic-mounts: $held of ${#suite_checks[@]} held: $(show)"; fi

# a neighbour keeps running while another instance exhausts its memory
bundle "$tmp/nb" "$SYSCALLS" 33554432 '["/bin/fn-probe", "sleep", "4"]'
"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name neighbour --mode process \
	"$tmp/nb" >"$tmp/nb.out" 2>&1 &
nb=$!
sleep 1
probe memory 64
if [ "$rc" = 137 ] && [ "$(field oom_killed)" = True ] && ! grep -q "touched it all" "$tmp/out"; then
	ok "64 MiB against memory.max 32 MiB: OOM-killed (exit 137)"
else nok "memory: $(show)"; fi
if wait "$nb"; then ok "the neighbour instance ran to its end meanwhile"
else nok "neighbour: exit $?: $(cat "$tmp/nb.out")"; fi

# a profile that allows keyctl(2), within a tier that does (a copy of the
# profiles): instances of a function share its user namespace, and the
# user keyrings with it, so its mounts are copied instead
if [ "$want_mounts" = tree ]; then
	kp=$tmp/profiles-keys
	cp -r "$profiles" "$kp"
	python3 - "$kp/restricted-io.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["syscalls"][0]["names"].append("keyctl")
json.dump(t, open(sys.argv[1], "w"))
PY
	bundle "$tmp/keys" "$SYSCALLS keyctl"
	rc=0
	"$fnlaunch" run --profiles "$kp" --cgroup-root "$croot" --name probe --mode process \
		--report "$tmp/report" "$tmp/keys" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" = 0 ] && grep -q "hello from fn-probe" "$tmp/out" && [ "$(field mounts)" = copy ] &&
		field mount_note | grep -q keyctl; then
		ok "a profile that allows keyctl: the mounts are copied, not the function's shared namespaces"
	else nok "keyctl profile: $(show)"; fi
else ok "# SKIP a profile that allows keyctl: the kernel has no OPEN_TREE_NAMESPACE"; fi

# memory.max 4 KiB: what the child charges before its execve() fails;
# the launcher, whose memory a CLONE_VM child shares until then, lives on
# to report it (its report is written last)
bundle "$tmp/tiny" "$SYSCALLS" 4096
rm -f "$tmp/report"
run --mode process "$tmp/tiny"
if { [ "$rc" = 125 ] || [ "$rc" = 137 ]; } && [ -s "$tmp/report" ] &&
	grep -q '"mode":"process"' "$tmp/report"; then
	ok "memory.max 4 KiB: the instance fails or is killed (exit $rc), the launcher reports it"
else nok "memory.max 4 KiB: $(show)"; fi
# standard input closed: the launcher's pipes to the child stay above 2
bundle "$b" "$SYSCALLS" 33554432
rc=0
"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name probe --mode process \
	--report "$tmp/report" "$b" >"$tmp/out" 2>"$tmp/err" <&- || rc=$?
if [ "$rc" = 0 ] && grep -q "hello from fn-probe" "$tmp/out"; then
	ok "standard input closed: the instance still starts, and says so"
else nok "stdin closed: $(show)"; fi

probe forkbomb
if [ "$rc" = 0 ] && grep -qE "forked ([0-9]|1[0-5]) before -11" "$tmp/out"; then
	ok "fork bomb stopped by pids.max 16: $(grep -o 'forked [0-9]*' "$tmp/out")"
else nok "fork bomb: $(show)"; fi

probe i386
if [ "$rc" = 159 ] && [ "$(field signal)" = 31 ] && ! grep -q returned "$tmp/out"; then
	ok "int 0x80 hidden from the gate: killed by SIGSYS"
else nok "i386: $(show)"; fi
probe x32
if [ "$rc" = 159 ] && [ "$(field signal)" = 31 ] && ! grep -q returned "$tmp/out"; then
	ok "x32 system call hidden from the gate: killed by SIGSYS"
else nok "x32: $(show)"; fi

probe sleep 30 --timeout 1
if [ "$rc" = 124 ] && [ "$(field timed_out)" = True ]; then ok "--timeout 1 kills a 30 s instance (exit 124)"
else nok "timeout: $(show)"; fi

# two instances at once, each writing /tmp/s: each keeps its own
bundle "$tmp/s1" "$SYSCALLS" 33554432 '["/bin/fn-probe", "secret", "/tmp/s"]'
bundle "$tmp/s2" "$SYSCALLS" 33554432 '["/bin/fn-probe", "secret", "/tmp/s"]'
"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name s --mode process "$tmp/s1" >"$tmp/s1.out" 2>&1 &
s1=$!
"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name s --mode process "$tmp/s2" >"$tmp/s2.out" 2>&1
s2rc=$?
wait "$s1"
s1rc=$?
if [ "$s1rc" = 0 ] && [ "$s2rc" = 0 ]; then ok "two instances' /tmp are their own"
else nok "secret: $s1rc $s2rc: $(cat "$tmp/s1.out" "$tmp/s2.out" | tr '\n' ' ')"; fi

# phases: openat refused once getpid() was called, in the process and its children
bundle "$b" "$SYSCALLS" 33554432 '["/bin/fn-probe", "phase"]' \
	'[{"name": "serve", "after": ["getpid"], "syscalls": [{"names": ["read", "write", "close", "mmap", "nanosleep", "getpid", "fork", "exit", "wait4", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}]'
if [ "$want_filter" = seccomp-ebpf ]; then
	run --mode process "$b"
	if [ "$rc" = 0 ] && [ "$(grep -c held "$tmp/out")" = 3 ]; then
		ok "a phase, once reached, holds for the process and its children"
	else nok "phase: $(show)"; fi
else
	ok "# SKIP phases need the seccomp-eBPF filter"
fi
bundle "$b" "$SYSCALLS" 33554432 '["/bin/fn-probe", "phase"]'
run --mode process --classic-filter "$b"
if [ "$rc" = 1 ] && [ "$(field filter)" = classic ] && grep -q "phase serve: openat(/dev/null): [0-9]" "$tmp/out"; then
	ok "--classic-filter: a classic filter (one phase: the probe sees openat still allowed)"
else nok "classic filter: $(show)"; fi

probe hello "" --classic-cgroup
if [ "$rc" = 0 ] && [ "$(field cgroup)" = classic ]; then ok "--classic-cgroup: mkdir(2) and rmdir(2)"
else nok "classic cgroup: $(show)"; fi

left=$(find "$croot" -mindepth 2 -type d -name 'i-*' 2>/dev/null | wc -l)
if [ "$left" = 0 ] && [ -d "$croot/fn-probe" ]; then ok "no instance cgroup left behind"
else nok "$left instance cgroups left: $(find "$croot" -mindepth 2 -type d | tr '\n' ' ')"; fi

# a launcher killed mid-invocation: its instance runs on, accounted for
# in its cgroup, until fnlaunch gc kills and removes it; a live
# launcher's instance is left alone
bundle "$tmp/crash" "$SYSCALLS" 33554432 '["/bin/fn-probe", "sleep", "60"]'
"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name crash --mode process \
	"$tmp/crash" >/dev/null 2>&1 &
victim=$!
bundle "$tmp/live" "$SYSCALLS" 33554432 '["/bin/fn-probe", "sleep", "6"]'
"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name live --mode process \
	"$tmp/live" >"$tmp/live.out" 2>&1 &
live=$!
# until the victim's instance runs its function (30 s at most): killed
# before that, the launcher leaves no instance to find
running() {
	local p
	while read -r p; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = fn-probe ] && return 0
	done < <(cat "$croot"/fn-crash/i-"$victim"-*/cgroup.procs 2>/dev/null)
	return 1
}
for _ in $(seq 1 150); do
	running && break
	sleep 0.2
done
kill -9 "$victim"
wait "$victim" 2>/dev/null
orphan=$(cat "$croot"/fn-crash/i-"$victim"-*/cgroup.procs 2>/dev/null)
# names carry the launcher's start time: one with this shell's PID but
# another start time is a gone launcher's (its PID reused), one with both
# is a live one's
self_start=$(sed 's/.*) //' "/proc/$$/stat" | cut -d' ' -f20)
mkdir "$croot/fn-crash/i-$$-1-900" "$croot/fn-crash/i-$$-$self_start-901"
gc_out=$("$fnlaunch" gc --cgroup-root "$croot" 2>&1)
gc_rc=$?
if [ -n "$orphan" ] && [ "$gc_rc" = 0 ] && echo "$gc_out" | grep -q "removed 2 instances " &&
	[ "$(cd "$croot/fn-crash" && echo i-*)" = "i-$$-$self_start-901" ] &&
	{ [ ! -e "/proc/$orphan" ] || grep -q '^State:.*Z' "/proc/$orphan/status"; }; then
	ok "launcher killed: its instance ($orphan) found, killed and its cgroup removed by fnlaunch gc, as a reused PID's; a live launcher's name kept"
else nok "gc: orphan '$orphan', gc exit $gc_rc: $gc_out; left: $(ls -d "$croot"/fn-crash/i-* 2>&1)"; fi
rmdir "$croot/fn-crash/i-$$-$self_start-901"
if wait "$live"; then ok "fnlaunch gc left a live launcher's instance alone"
else nok "live instance: exit $?: $(cat "$tmp/live.out")"; fi

# an unverifiable function: its profile lacks kill(2), which it has a site of
u=$tmp/unverified
bundle "$u" "${SYSCALLS/kill /}"
run --no-fallback "$u"
if [ "$rc" = 125 ] && grep -q "container mode is not allowed: .*kill (62), which linux.seccomp does not allow" "$tmp/err" &&
	[ "$(field started)" = False ]; then
	ok "unverifiable, --no-fallback: refused with the reason (exit 125)"
else nok "no-fallback: $(show)"; fi
run --mode process "$u"
if [ "$rc" = 125 ] && grep -q "process mode runs verified functions only" "$tmp/err"; then
	ok "--mode process refuses an unverifiable function"
else nok "mode process: $(show)"; fi

if command -v crun >/dev/null; then
	run "$u"
	if [ "$rc" = 0 ] && [ "$(field mode)" = container ] && grep -q "hello from fn-probe" "$tmp/out" &&
		grep -q "container mode: .*kill (62), which linux.seccomp does not allow" "$tmp/err"; then
		ok "auto mode runs it with crun and says why"
	else nok "fallback: $(show)"; fi
	bundle "$tmp/c" "$SYSCALLS"
	run --mode container "$tmp/c"
	if [ "$rc" = 0 ] && grep -q "hello from fn-probe" "$tmp/out" && [ "$(field mode)" = container ]; then
		ok "container mode runs the function with crun"
	else nok "container mode: $(show)"; fi
else
	ok "# SKIP no crun"
	ok "# SKIP no crun"
fi

# the network: a listener on the host's loopback, and fn-probe connecting
# to it (tier networking, its profile allowing socket(AF_INET) and connect;
# a port below the ephemeral range)
port=24601
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); open(sys.argv[2], "w").close(); time.sleep(600)' \
	"$port" "$tmp/listening" &
listener=$!
for _ in $(seq 100); do [ -e "$tmp/listening" ] && break; sleep 0.1; done
if [ -e "$tmp/listening" ]; then ok "a listener on the host's 127.0.0.1:$port"
else nok "the test listener on 127.0.0.1:$port did not start"; fi
# netbundle DIR NETNS EGRESS [CMD] [UNVERIFIABLE]: fn-probe CMD PORT
# (connect), NETNS=1 adds a network namespace to linux.namespaces, EGRESS
# is the egress annotation's JSON (or empty), UNVERIFIABLE=1 leaves kill(2)
# out of the profile; the profile refuses with ENOSYS, so that EPERM comes
# from the egress policy alone
netbundle() {
	bundle "$1" "$SYSCALLS connect" 33554432 "[\"/bin/fn-probe\", \"${4:-connect}\", \"$port\"]"
	python3 - "$1/config.json" "$2" "$3" "${5:-0}" <<'PY'
import json, sys
p, netns, egress, unverifiable = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4] == "1"
c = json.load(open(p))
c["annotations"]["org.serverless-worker.tier"] = "networking"
if egress:
    c["annotations"]["org.serverless-worker.egress"] = egress
if netns:
    c["linux"]["namespaces"].append({"type": "network"})
c["linux"]["seccomp"]["defaultErrnoRet"] = 38
rules = c["linux"]["seccomp"]["syscalls"]
if unverifiable:
    rules[0]["names"].remove("kill")
rules.append({"names": ["socket"], "action": "SCMP_ACT_ALLOW",
              "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]})
json.dump(c, open(p, "w"), indent=1)
PY
}
pins() { find /sys/fs/bpf/fnlaunch -mindepth 2 -maxdepth 2 -name "fn-$1-*" 2>/dev/null | wc -l; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
only443='[{"cidr": "10.0.0.0/8", "ports": [443]}]'
# netcase NETNS EGRESS RESULT DESCRIPTION: fn-probe connect, in process
# mode, prints "connect: RESULT" and leaves no pinned policy behind
netcase() {
	netbundle "$tmp/net" "$1" "$2"
	run --mode process --name net "$tmp/net"
	if [ "$rc" = 0 ] && grep -qx "connect: $3" "$tmp/out" && [ "$(pins net)" = 0 ]; then ok "$4"
	else nok "$4: $(show); pins left: $(pins net)"; fi
}
netcase 1 "$only443" -111 \
	"a network namespace when the bundle asks for one: loopback up, the host's listener out of reach (ECONNREFUSED)"
netcase 0 "" 0 \
	"without one and without an egress policy it shares the host's network, as crun would run the bundle"
netcase 0 "$only443" -1 \
	"an egress policy on the host's network: connect(2) to a disallowed address refused (EPERM); no pin left after the run"
netcase 0 "[{\"cidr\": \"127.0.0.1/32\", \"ports\": [$port]}]" 0 \
	"... and to the address and port a rule allows, connected"
netbundle "$tmp/net" 0 "$only443" connect 1
run --name net "$tmp/net"
if [ "$rc" = 125 ] && grep -q "egress policy, which crun does not enforce" "$tmp/err" &&
	[ "$(field started)" = False ]; then
	ok "unverifiable, with an egress policy on the host's network: not run by crun, which would not enforce it (exit 125)"
else nok "egress, container: $(show)"; fi
# ICMP echo through ping sockets is outside the policy: refused while the
# instance's gid may open them
old_range=$(cat /proc/sys/net/ipv4/ping_group_range)
echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range
netbundle "$tmp/net" 0 "$only443"
run --mode process --name net "$tmp/net"
echo "$old_range" >/proc/sys/net/ipv4/ping_group_range
if [ "$rc" = 125 ] && grep -q "may open ping sockets" "$tmp/err" && [ "$(pins net)" = 0 ]; then
	ok "an egress policy while the instance's gid may open ping sockets: refused, nothing attached"
else nok "ping_group_range: $(show)"; fi
# a launcher killed while its instance runs leaves its pinned policy, which
# fnlaunch gc detaches once it has removed the instance
netbundle "$tmp/net" 0 "$only443" sleep
"$fnlaunch" run --profiles "$profiles" --cgroup-root "$croot" --name netgc --mode process \
	"$tmp/net" >"$tmp/netgc.out" 2>&1 &
netgc=$!
for _ in $(seq 100); do [ "$(pins netgc)" = 1 ] && break; sleep 0.1; done
kill -9 "$netgc"
wait "$netgc" 2>/dev/null
had=$(pins netgc)
"$fnlaunch" gc --cgroup-root "$croot" >"$tmp/out" 2>"$tmp/err"
gcrc=$?
left=$(find "$croot/fn-netgc" -mindepth 1 -maxdepth 1 -name 'i-*' 2>/dev/null | wc -l)
if [ "$had" = 1 ] && [ "$gcrc" = 0 ] && [ "$(pins netgc)" = 0 ] && [ "$left" = 0 ]; then
	ok "fnlaunch gc removes the instance of a launcher that is gone, then detaches and unpins its egress policy"
else nok "egress gc: pins before $had, after $(pins netgc), instances left $left, gc exit $gcrc: $(cat "$tmp/err")"; fi
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

rm -rf "$croot/fn-big" 2>/dev/null
bundle "$tmp/big" "$SYSCALLS" 1099511627776
run --name big "$tmp/big"
if [ "$rc" = 125 ] && grep -q "more than the node's" "$tmp/err" && [ ! -e "$croot/fn-big" ]; then
	ok "a memory limit beyond the node: refused, nothing made"
else nok "node limit: $(show)"; fi

run --name 'bad/name' "$b"
if [ "$rc" = 125 ] && grep -q "only letters, digits" "$tmp/err"; then ok "a bad function name: refused"
else nok "bad name: $(show)"; fi
rc=0
"$fnlaunch" run --timeout 0 "$b" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" = 2 ] && grep -q -- "--timeout" "$tmp/err"; then ok "a bad option: usage error (exit 2)"
else nok "bad option: $(show)"; fi

exit $((fails > 0))
