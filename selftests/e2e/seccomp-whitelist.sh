#!/bin/bash
# End to end: seccomp-whitelist (bpf-progs/seccomp) on the test kernel: the
# shipped profiles, errors with their location, commands run under the
# eBPF whitelist (the generated program and the map-driven one) and under
# libseccomp's classic filter, a phase that only
# narrows, and no BPF descriptor left to the sandboxed command.
# Usage: seccomp-whitelist.sh TOOLS-DIR.  Prints TAP.
set -u
tools=${1:?usage: seccomp-whitelist.sh DIR}
swl=$tools/seccomp-whitelist
probe=$tools/swl-probe
P=$tools/seccomp-profiles
tiers="$P/basic-compute.json $P/restricted-io.json $P/networking.json $P/platform-services.json"
tmp=$(mktemp -d)
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
# expect NAME OUTPUT WANTED...: every WANTED line is in OUTPUT
expect() {
	local what=$1 out=$2 w
	shift 2
	for w in "$@"; do
		if ! grep -qxF -- "$w" <<<"$out"; then
			nok "$what: no '$w' in: $(tr '\n' ' ' <<<"$out")"
			return
		fi
	done
	ok "$what"
}
# fails NAME WANTED-ERROR PROFILE...: check fails and says WANTED-ERROR
fails() {
	local what=$1 want=$2 err rc
	shift 2
	err=$("$swl" check "$@" 2>&1 >/dev/null); rc=$?
	if [ $rc = 1 ] && [[ $err == *"$want"* ]]; then ok "$what"; else nok "$what: rc $rc, '$err'"; fi
}

echo "TAP version 13"
echo "1..39"

# shellcheck disable=SC2086
out=$("$swl" check $tiers 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == "4 profile(s), 1 phase(s);"* ]]; then
	ok "the shipped tiers compose"
else
	nok "the shipped tiers compose: rc $rc, '$out'"
fi

printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","nosuchcall"],"action":"SCMP_ACT_ALLOW"}]}' >"$tmp/unknown.json"
fails "unknown syscall: named, with its place" 'unknown.json: syscalls[0].names[1]: unknown syscall "nosuchcall"' "$tmp/unknown.json"
printf '{"defaultAction":"SCMP_ACT_ERRNO",\n "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW",]}' >"$tmp/malformed.json"
fails "malformed JSON: line and column" 'malformed.json:2:58: malformed JSON' "$tmp/malformed.json"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["read"],"action":"SCMP_ACT_KILL"}]}' >"$tmp/contra.json"
fails "contradictory rules" 'syscalls[1].names[0]: contradicts' "$tmp/contra.json"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_REGEX"}]}]}' >"$tmp/op.json"
fails "unsupported operator" 'syscalls[0].args[0]: unsupported operator "SCMP_CMP_REGEX"' "$tmp/op.json"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}],"phases":[{"name":"serve","after":["read"],"syscalls":[{"names":["execve"],"action":"SCMP_ACT_ALLOW"}]}]}' >"$tmp/widen.json"
fails "a phase that widens" 'phase "serve" allows "execve", which phase "init" does not' "$tmp/widen.json"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_GE"},{"index":0,"value":9,"op":"SCMP_CMP_LE"}]}]}' >"$tmp/twice.json"
fails "an argument compared twice" 'syscalls[0].args[1]: argument 0 is compared twice' "$tmp/twice.json"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errno":"EPERM","errnoRet":2}]}' >"$tmp/errno.json"
fails "errno name and errnoRet disagree" 'syscalls[0] errno: "EPERM" is 1, but errnoRet is 2' "$tmp/errno.json"

# The eBPF checks run against both back ends: the program generated for
# the policy (the default) and the map-driven program (--tables).
# ebpf_checks LABEL [OPTION]
ebpf_checks() {
	local b=$1 out rc first rest
	shift
	# without defaultErrnoRet, SCMP_ACT_ERRNO answers EPERM
	out=$("$swl" run "$@" "$tmp/noerrno.json" -- "$probe" getppid open-ro 2>&1)
	expect "$b: SCMP_ACT_ERRNO without defaultErrnoRet: EPERM" "$out" getppid=ok open-ro=EPERM
	out=$("$swl" run "$@" "$tmp/names.json" -- "$probe" getppid getuid open-ro 2>&1)
	expect "$b: errno names (containers/common) are applied" "$out" getppid=ok getuid=EACCES open-ro=ENOSYS
	if [ -s "$cc" ]; then
		out=$("$swl" run "$@" --first-wins "$cc" -- "$probe" getppid socket-unix open-wo bpf-fds 2>&1)
		expect "$b: containers/common default, --first-wins" "$out" \
			getppid=ok socket-unix=ok open-wo=ok bpf-fds=0
	else
		ok "# SKIP $b: containers/common default profile: not fetched"
	fi
	# nothing is half-applied: a bad profile after good ones runs nothing
	# shellcheck disable=SC2086
	out=$("$swl" run "$@" $tiers "$tmp/unknown.json" -- "$probe" getppid 2>&1); rc=$?
	if [ $rc = 1 ] && [[ $out != *getppid=* ]]; then ok "$b: a bad profile: nothing runs"; else nok "$b: a bad profile: rc $rc, '$out'"; fi
	# shellcheck disable=SC2086
	out=$("$swl" run "$@" $tiers -- "$probe" getppid socket-unix socket-packet open-ro bpf-fds 2>&1)
	expect "$b: allowed, argument-checked and denied syscalls" "$out" \
		getppid=ok socket-unix=ok socket-packet=EPERM open-ro=ok
	expect "$b: the command holds no BPF descriptor" "$out" bpf-fds=0
	out=$("$swl" run "$@" "$P/basic-compute.json" -- "$probe" getppid open-ro socket-unix 2>&1)
	expect "$b: one tier: what the others add is denied" "$out" getppid=ok open-ro=EPERM socket-unix=EPERM
	# shellcheck disable=SC2086
	out=$("$swl" run "$@" $tiers -- /bin/sh -c 'echo sh-ran' 2>&1)
	expect "$b: a dynamically linked shell runs under the tiers" "$out" sh-ran
	# the i386 ABI (int $0x80 from the 64-bit probe): only x86-64 is allowed
	if [ "$i386" = i386-getpid=ok ]; then
		# shellcheck disable=SC2086
		out=$("$swl" run "$@" $tiers -- "$probe" getppid i386-getpid 2>&1)
		expect "$b: an i386 syscall kills the process" "$out" getppid=ok i386-getpid=SIGSYS
	else
		ok "# SKIP $b: i386 ABI: $i386"
	fi
	# shellcheck disable=SC2086
	out=$("$swl" run "$@" $phased -- "$probe" execve fork open-wo accept execve fork open-wo open-ro socket-unix getppid 2>&1)
	# the first three answers are from the init phase, the rest from serve
	first=$(sed -n 1,3p <<<"$out") rest=$(sed -n 5,11p <<<"$out")
	expect "$b: phase init: execve, fork and writes allowed" "$first" execve=ok fork=ok open-wo=ok
	expect "$b: accept4 starts the serve phase" "$out" accept=ok
	expect "$b: phase serve: execve, fork, writes and new sockets denied" "$rest" \
		execve=EPERM fork=EPERM open-wo=EPERM socket-unix=EPERM
	expect "$b: phase serve: read-only opens and the rest still allowed" "$rest" open-ro=ok getppid=ok
}

python3 - "$P/basic-compute.json" >"$tmp/noerrno.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p.pop("defaultErrnoRet", None)
json.dump(p, sys.stdout)
PY
# containers/common's errno names: basic-compute with getuid answered
# EACCES and the default ENOSYS, by name
python3 - "$P/basic-compute.json" >"$tmp/names.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p.pop("defaultErrnoRet", None)
p["defaultErrno"] = "ENOSYS"
for r in p["syscalls"]:
    r["names"] = [n for n in r["names"] if n != "getuid"]
p["syscalls"].append({"names": ["getuid"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES"})
json.dump(p, sys.stdout)
PY
cc=$tools/containers-default.json
i386=$("$probe" i386-getpid 2>&1)
phased="$P/basic-compute.json $P/restricted-io.json $P/networking.json $P/http-function.json"

ebpf_checks "eBPF (generated)"
ebpf_checks "eBPF (tables)" --tables

# libseccomp's classic filter of the same profiles gives the same answers
if [ -s "$cc" ]; then
	fails "containers/common default: contradictions without --first-wins" 'contradicts' "$cc"
	out=$("$swl" run --first-wins --classic "$cc" -- "$probe" getppid socket-unix open-wo 2>&1)
	expect "containers/common default, --first-wins: classic filter agrees" "$out" \
		getppid=ok socket-unix=ok open-wo=ok
else
	for t in contradictions classic; do ok "# SKIP containers/common default profile ($t): not fetched"; done
fi
# shellcheck disable=SC2086
out=$("$swl" run --classic $tiers -- "$probe" getppid socket-unix socket-packet open-ro 2>&1)
expect "classic filter of the same profiles: same answers" "$out" \
	getppid=ok socket-unix=ok socket-packet=EPERM open-ro=ok
if [ "$i386" = i386-getpid=ok ]; then
	ok "int \$0x80 works without a filter"
	# shellcheck disable=SC2086
	out=$("$swl" run --classic $tiers -- "$probe" getppid i386-getpid 2>&1)
	expect "classic filter of the same profiles: an i386 syscall kills it too" "$out" getppid=ok i386-getpid=SIGSYS
else
	for t in "without a filter" classic; do ok "# SKIP i386 ABI ($t): $i386"; done
fi

rm -rf "$tmp"
exit $((fails > 0))
