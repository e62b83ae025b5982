#!/bin/bash
# End to end: fnlaunchd, the function launcher's daemon, and the fnlaunch
# commands that talk to it, as root in the guest.  The function is
# fn-probe (selftests/e2e/fn-probe.c) in OCI bundles made here:
#   - warm pools: each process-mode function keeps 2 cgroups made ahead,
#     with its limits, refilled off the invocations' path;
#   - the daemon says what the kernel has (GET /v1/node) as cgbatch probe
#     does; a function registers in process mode; registering it twice,
#     a missing bundle and an unverifiable function with --no-fallback
#     are refused with their reasons and leave nothing registered;
#   - bad requests (malformed JSON, an unknown field, a concurrency beyond
#     the node's, an unknown function or resource, a wrong method, args
#     for container mode) get 4xx with a precise error;
#   - invoke: standard input in, standard output and error out (binary
#     ones byte for byte), the
#     instance's exit status, appended arguments, a timeout (124);
#   - an instance cannot signal the daemon;
#   - back-pressure: with a function limited to one instance and one
#     queue place, a third concurrent invocation is refused (75) while
#     the queued one runs once the first ends;
#   - a client that goes away cancels its invocation, queued or running,
#     in process mode and in container mode;
#   - an unverifiable function runs in container mode and the metrics
#     count it by the gate's reason; the metrics count started instances,
#     cold starts and rejections;
#   - 20 invocations leave the daemon's fds and the cgroup tree as they
#     were (the pools full again, the used cgroups removed in batches);
#   - registrations are kept in a state directory: the daemon killed
#     (SIGKILL) during an invocation, its instance runs on in its cgroup
#     until a restarted daemon kills and removes it, and the restarted
#     daemon registers the functions again (one whose bundle went is set
#     aside as NAME.json.failed);
#   - unregister, then invoke: 404 (125); unregistered while an instance
#     runs and registered again: both run; 3 MB of output: 1 MiB returned
#     and the rest counted; a 5 MB request: 413;
#   - SIGTERM during an invocation: answered; exit 0, socket and pools
#     removed.
# Usage: launcher-daemon.sh TOOLS-DIR.  Prints TAP.
set -u
tools=${1:?usage: launcher-daemon.sh TOOLS-DIR}
fnlaunch=$tools/fnlaunch
fnlaunchd=$tools/fnlaunchd
profiles=$tools/seccomp-profiles
cgmnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
croot=$cgmnt/e2e-fnlaunchd
tmp=$(mktemp -d)
sock=$tmp/fnlaunchd.sock
export FNLAUNCH_SOCKET=$sock
n=0 fails=0 daemon=
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
# shellcheck disable=SC2317 # the EXIT trap runs it
cleanup() {
	[ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null
	"$fnlaunch" gc --cgroup-root "$croot" >/dev/null 2>&1
	find "$croot" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
	rmdir "$croot" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "TAP version 13"
echo "1..37"

# limits, where the cgroup2 hierarchy has the controllers (a hybrid host's may not)
resources='"resources": { "memory": { "limit": 33554432 }, "pids": { "limit": 16 } },'
grep -qw memory "$cgmnt/cgroup.controllers" && grep -qw pids "$cgmnt/cgroup.controllers" ||
	resources=
# bundle DIR ARGS-JSON [SYSCALLS]: fn-probe's bundle
SYSCALLS="read write close mmap nanosleep getpid fork execve exit wait4 kill uname openat exit_group"
bundle() {
	local names="" s
	for s in ${3:-$SYSCALLS}; do names+="${names:+,}\"$s\""; done
	mkdir -p "$1/rootfs/bin" "$1/rootfs/tmp" "$1/rootfs/dev"
	cp "$tools/fn-probe" "$1/rootfs/bin/fn-probe"
	: >"$1/rootfs/dev/null"
	cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": { "args": $2, "cwd": "/", "env": ["PATH=/bin"], "noNewPrivileges": true,
               "user": { "uid": 1000, "gid": 1000 } },
  "root": { "path": "rootfs", "readonly": true },
  "annotations": { "org.serverless-worker.tier": "restricted-io" },
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" } ],
    $resources
    "seccomp": { "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                 "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [ { "names": [$names], "action": "SCMP_ACT_ALLOW" } ] }
  },
  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" },
              { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] } ]
}
EOF
}

# start_daemon LOG: fnlaunchd in the background, $daemon its PID, once it serves
start_daemon() {
	"$fnlaunchd" --socket "$sock" --cgroup-root "$croot" --profiles "$profiles" \
		--state-dir "$tmp/state" --max-instances 4 --max-queue 1 --queue-timeout 20000 --warm-pool 2 >"$1" 2>&1 &
	daemon=$!
	for _ in $(seq 1 100); do
		grep -q "^fnlaunchd: serving" "$1" 2>/dev/null && return 0
		kill -0 "$daemon" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# req METHOD PATH [BODY|@FILE]: raw HTTP over the socket; prints "STATUS BODY"
req() {
	python3 - "$sock" "$@" <<'PY'
import http.client, socket, sys
class U(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
c = U("localhost")
body = sys.argv[4] if len(sys.argv) > 4 else None
if body and body.startswith("@"):
    body = open(body[1:], "rb").read()
c.request(sys.argv[2], sys.argv[3], body=body,
          headers={"Content-Type": "application/json"} if body is not None else {})
r = c.getresponse()
print(r.status, r.read().decode().strip())
PY
}
# settle: wait (10 s at most) until every warm pool is full (2) and no
# ended instance's cgroup awaits removal
settle() {
	local m
	for _ in $(seq 1 100); do
		m=$("$fnlaunch" metrics)
		if ! grep -q '^fnlaunch_pool_used{.*} [1-9]' <<<"$m" &&
			! grep -Eq '^fnlaunch_pool_ready\{.*\} [01]$' <<<"$m"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# metric NAME: its value in GET /metrics
metric() { "$fnlaunch" metrics | awk -v m="$1" '$1 == m { print $2 }'; }

mkdir -p "$croot"
if start_daemon "$tmp/d.log"; then ok "fnlaunchd serves $sock"
else nok "fnlaunchd did not start: $(cat "$tmp/d.log")"; exit 1; fi

want_cg=false
[ "$("$tools/cgbatch" probe "$cgmnt")" = batch ] && want_cg=true
node=$("$fnlaunch" node)
if echo "$node" | grep -q "\"batch_cgroups\":$want_cg" && grep -q "^fnlaunchd: kernel: cgroups" "$tmp/d.log" &&
	echo "$node" | python3 -c "import json,sys; k=json.load(sys.stdin)['kernel']; sys.exit(k['landlock_abi'] < 1)"; then
	ok "it says what the kernel has (batch cgroups $want_cg, as cgbatch probe says)"
else nok "node: $node; log: $(cat "$tmp/d.log")"; fi

bundle "$tmp/cat" '["/bin/fn-probe", "cat"]'
if out=$("$fnlaunch" register cat "$tmp/cat" 2>&1) && [ "$out" = "cat: registered, process mode" ]; then ok "a verified function registers in process mode"
else nok "register: $out"; fi
settled=yes
settle || settled=no
pool=$(find "$croot/fn-cat" -mindepth 1 -maxdepth 1 -type d -name "i-$daemon-*" | head -1)
if [ "$settled" = yes ] && [ "$(metric 'fnlaunch_pool_ready{function="cat"}')" = 2 ] &&
	[ "$(find "$croot/fn-cat" -mindepth 1 -maxdepth 1 -type d -name "i-$daemon-*" | wc -l)" = 2 ] &&
	{ [ -z "$resources" ] || [ "$(cat "$pool/memory.max")" = 33554432 ]; }; then
	ok "its warm pool: 2 cgroups made ahead, the function's limits seeded"
else nok "warm pool: $("$fnlaunch" metrics | grep pool); $(ls "$croot/fn-cat")"; fi
out=$("$fnlaunch" register cat "$tmp/cat" 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q 'function "cat" is already registered'; then
	ok "registering a name twice: refused"
else nok "twice: $out"; fi
out=$("$fnlaunch" register nope "$tmp/cat/rootfs/bin" 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q "config.json" &&
	! "$fnlaunch" list | grep -q '^nope '; then
	ok "a directory that is no bundle: refused with the reason, nothing registered"
else nok "no bundle: $out"; fi
bundle "$tmp/unv" '["/bin/fn-probe", "hello"]' "${SYSCALLS/kill /}"
out=$("$fnlaunch" register --no-fallback unvstrict "$tmp/unv" 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q "kill (62), which linux.seccomp does not allow" &&
	! "$fnlaunch" list | grep -q '^unvstrict '; then
	ok "an unverifiable function with --no-fallback: refused with the gate's reason"
else nok "no-fallback: $out"; fi

bad=0 why=""
for t in "POST|/v1/functions|{\"name\": |400|malformed JSON" \
	"POST|/v1/functions|{\"name\": \"x\", \"bundle\": \"$tmp/cat\", \"color\": 1}|400|unknown field" \
	"POST|/v1/functions|{\"name\": \"x\", \"bundle\": \"$tmp/cat\", \"concurrency\": 5}|400|concurrency: 5 is outside 1..4" \
	"POST|/v1/functions|{\"name\": \"../x\", \"bundle\": \"$tmp/cat\"}|400|is not 1 to 63 of" \
	"POST|/v1/functions|{\"name\": \"x\", \"bundle\": \"cat\"}|400|is not an absolute path" \
	"POST|/v1/functions/cat/invoke|{\"timeout_ms\": \"1\"}|400|timeout_ms: expected an integer" \
	"POST|/v1/functions/cat/invoke|{\"args\": [1]}|400|args\\[0\\]: expected a string" \
	"POST|/v1/functions/none/invoke|{}|404|no function .*none.* is registered" \
	"GET|/v1/nothing||404|no such resource" \
	"PUT|/v1/functions/cat||405|not allowed (allowed: GET, DELETE)"; do
	IFS='|' read -r m p body want msg <<<"$t"
	got=$(req "$m" "$p" ${body:+"$body"})
	if [ "${got%% *}" != "$want" ] || ! echo "$got" | grep -q "$msg"; then
		bad=$((bad + 1)) why+="$m $p: $got; "
	fi
done
if [ "$bad" = 0 ] && [ "$("$fnlaunch" list | wc -l)" = 2 ]; then
	ok "10 bad requests: 400, 404 or 405 with the error named, nothing registered"
else nok "$bad bad requests mishandled: $why"; fi

printf 'hello\nworld\n' >"$tmp/in"
out=$("$fnlaunch" invoke --stdin "$tmp/in" cat 2>"$tmp/err")
rc=$?
if [ "$rc" = 0 ] && [ "$out" = "$(printf 'hello\nworld')" ] && grep -q "^fn-probe: 12 bytes$" "$tmp/err"; then
	ok "invoke: standard input in, standard output and error out, exit 0"
else nok "invoke cat: exit $rc, out '$out', err $(cat "$tmp/err")"; fi
head -c 3000 /dev/urandom >"$tmp/bin"
printf '\000\377\376' >>"$tmp/bin"
"$fnlaunch" invoke --stdin "$tmp/bin" cat >"$tmp/bin.out" 2>/dev/null
rc=$?
if [ "$rc" = 0 ] && cmp -s "$tmp/bin" "$tmp/bin.out" &&
	"$fnlaunch" invoke --json --stdin "$tmp/bin" cat | grep -q '"stdout_encoding":"base64"'; then
	ok "binary standard input and output (NUL, not UTF-8) come back byte for byte (base64 in the answer)"
else nok "binary: exit $rc, $(cmp "$tmp/bin" "$tmp/bin.out" 2>&1)"; fi
head -c 3000000 /dev/zero | tr '\0' a >"$tmp/big"
res=$("$fnlaunch" invoke --json --stdin "$tmp/big" cat)
if echo "$res" | python3 -c "
import json, sys
r = json.load(sys.stdin)
sys.exit(not (r['stdout_bytes'] == 3000000 and r.get('stdout_truncated') and len(r['stdout']) == 1048576))"; then
	ok "3 MB written: the first 1 MiB returned, the rest counted (stdout_bytes, stdout_truncated)"
else nok "big output: $(echo "$res" | head -c 300)"; fi
head -c 5000000 /dev/zero | tr '\0' a | sed 's/^/{"stdin": "/; s/$/"}/' >"$tmp/huge.json"
out=$(req POST /v1/functions/cat/invoke "@$tmp/huge.json")
if [ "${out%% *}" = 413 ] && echo "$out" | grep -q "larger than 4194304 bytes"; then
	ok "a 5 MB request: 413, nothing started"
else nok "huge request: $(echo "$out" | head -c 200)"; fi
res=$("$fnlaunch" invoke --json cat)
if echo "$res" | python3 -c "
import json, sys
r = json.load(sys.stdin)
x = r['result']
sys.exit(not (x['mode'] == 'process' and x['exit_code'] == 0 and x['start_us'] > 0 and
              r['stdout'] == '' and r['stderr_bytes'] == len('fn-probe: 0 bytes\n')))"; then
	ok "invoke --json: the result (mode, exit code, timings) and the streams"
else nok "json: $res"; fi

bundle "$tmp/args" '["/bin/fn-probe", "args"]'
"$fnlaunch" register args "$tmp/args" >/dev/null
if out=$("$fnlaunch" invoke args one 'two words' 2>&1) && [ "$out" = "$(printf 'one\ntwo words')" ]; then ok "invoke's arguments are appended to process.args"
else nok "args: $out"; fi

bundle "$tmp/sleep" '["/bin/fn-probe", "sleep", "30"]'
"$fnlaunch" register --concurrency 1 sleep "$tmp/sleep" >/dev/null
start=$(date +%s%N)
"$fnlaunch" invoke --timeout 0.5 sleep >/dev/null 2>"$tmp/err"
rc=$? ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" = 124 ] && [ "$ms" -lt 20000 ] && grep -q "killed at its timeout" "$tmp/err"; then
	ok "an invocation's timeout kills its instance (124, after $ms ms)"
else nok "timeout: exit $rc after $ms ms: $(cat "$tmp/err")"; fi

bundle "$tmp/kill" "[\"/bin/fn-probe\", \"kill\", \"$daemon\"]"
"$fnlaunch" register killer "$tmp/kill" >/dev/null
if out=$("$fnlaunch" invoke killer 2>&1) && kill -0 "$daemon"; then ok "an instance cannot signal the daemon (ESRCH)"
else nok "kill daemon: $out"; fi

# unregistered while its instance runs, then registered again: the new
# function's instances do not collide with the old one's cgroup
bundle "$tmp/s1" '["/bin/fn-probe", "sleep", "6"]'
"$fnlaunch" register --warm-pool 0 s1 "$tmp/s1" >/dev/null
"$fnlaunch" invoke s1 >/dev/null 2>&1 &
s1=$!
for _ in $(seq 1 150); do
	[ -n "$(cat "$croot"/fn-s1/i-*/cgroup.procs 2>/dev/null)" ] && break
	sleep 0.2
done
"$fnlaunch" unregister s1 >/dev/null
"$fnlaunch" register --warm-pool 0 s1 "$tmp/s1" >/dev/null
"$fnlaunch" invoke --timeout 0.5 s1 >/dev/null 2>"$tmp/err"
rc=$?
wait "$s1"
rc1=$?
"$fnlaunch" unregister s1 >/dev/null
if [ "$rc" = 124 ] && [ "$rc1" = 0 ]; then
	ok "unregistered during an instance and registered again: both instances ran (0, 124)"
else nok "re-register: old $rc1, new $rc: $(cat "$tmp/err")"; fi

# back-pressure: nap allows 1 instance, the daemon 1 queued invocation;
# each step waits for the daemon to show the one before (clients start
# slowly under TCG)
bundle "$tmp/nap" '["/bin/fn-probe", "sleep", "20"]'
"$fnlaunch" register --concurrency 1 nap "$tmp/nap" >/dev/null
rej0=$(metric fnlaunch_invocations_rejected_total)
# until NAME VALUE: wait (30 s at most) for the metric
until_metric() {
	for _ in $(seq 1 150); do
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
t0=$(date +%s)
"$fnlaunch" invoke nap >/dev/null 2>&1 &
first=$!
seen1=no seen2=no
until_metric fnlaunch_instances_running 1 && seen1="yes at $(($(date +%s) - t0)) s"
"$fnlaunch" invoke nap >/dev/null 2>&1 &
second=$!
until_metric fnlaunch_invocations_waiting 1 && seen2="yes at $(($(date +%s) - t0)) s"
"$fnlaunch" invoke nap >/dev/null 2>"$tmp/err"
third=$?
t3=$(($(date +%s) - t0))
wait "$first"
r1=$?
wait "$second"
r2=$?
if [ "$third" = 75 ] && grep -q "nap: no slot: 1 of its 1 running" "$tmp/err" && [ "$r1" = 0 ] && [ "$r2" = 0 ] &&
	[ "$(metric fnlaunch_invocations_rejected_total)" = $((rej0 + 1)) ]; then
	ok "back-pressure: one running, one queued (ran after it), the third refused (75) and counted"
else nok "back-pressure: first $r1, second $r2, third $third after $t3 s (running 1: $seen1, waiting 1: $seen2): $(cat "$tmp/err")"; fi

# a client that goes away cancels its invocation: the queued one leaves
# the queue, the running one's instance (sleep: 30 s) is killed
can0=$(metric fnlaunch_invocations_cancelled_total)
"$fnlaunch" invoke sleep >/dev/null 2>&1 &
first=$!
left=no gone=no
until_metric fnlaunch_instances_running 1
"$fnlaunch" invoke sleep >/dev/null 2>&1 &
second=$!
until_metric fnlaunch_invocations_waiting 1
kill -9 "$second"
until_metric fnlaunch_invocations_waiting 0 && left=yes
t0=$(date +%s)
kill -9 "$first"
until_metric fnlaunch_instances_running 0 && gone="yes after $(($(date +%s) - t0)) s"
wait "$first" "$second" 2>/dev/null
procs=$(cat "$croot"/fn-sleep/i-*/cgroup.procs 2>/dev/null)
# until_log TEXT: wait (10 s at most) for the daemon's log line
until_log() {
	for _ in $(seq 1 50); do
		grep -qF "$1" "$tmp/d.log" && return 0
		sleep 0.2
	done
	return 1
}
if [ "$left" = yes ] && [ "${gone%% *}" = yes ] && [ -z "$procs" ] &&
	until_log "sleep: the client went away: its instance was killed" &&
	[ "$(metric fnlaunch_invocations_cancelled_total)" = $((can0 + 2)) ]; then
	ok "clients that go away: the queued invocation leaves the queue, the running one's instance is killed ($gone)"
else nok "cancel: left the queue $left, instance gone $gone, procs '$procs', cancelled $(metric fnlaunch_invocations_cancelled_total) (was $can0): $(tail -3 "$tmp/d.log")"; fi

if command -v crun >/dev/null; then
	"$fnlaunch" register unv "$tmp/unv" >"$tmp/out" 2>&1
	out=$("$fnlaunch" invoke unv 2>"$tmp/err")
	rc=$?
	if [ "$rc" = 0 ] && [ "$out" = "hello from fn-probe" ] && grep -q "container mode" "$tmp/out" &&
		[ "$(metric 'fnlaunch_fallbacks_total{reason="syscall-not-allowed"}')" = 1 ] &&
		[ "$(metric 'fnlaunch_instances_started_total{mode="container"}')" = 1 ]; then
		ok "an unverifiable function runs in container mode, counted by the gate's reason"
	else nok "fallback: exit $rc, out '$out': $(cat "$tmp/out" "$tmp/err"); $("$fnlaunch" metrics | grep -E 'fallback|container')"; fi
	# container mode: crun kill, repeated until crun run ends
	bundle "$tmp/unvnap" '["/bin/fn-probe", "sleep", "30"]' "${SYSCALLS/kill /}"
	"$fnlaunch" register unvnap "$tmp/unvnap" >/dev/null 2>&1
	"$fnlaunch" invoke unvnap >/dev/null 2>&1 &
	inv=$!
	until_metric fnlaunch_instances_running 1
	sleep 2
	t0=$(date +%s)
	kill -9 "$inv"
	gone=no
	until_metric fnlaunch_instances_running 0 && gone="yes after $(($(date +%s) - t0)) s"
	wait "$inv" 2>/dev/null
	left=$(find /run/fnlaunch/crun -mindepth 1 -maxdepth 1 -name 'fnlaunch-unvnap-*' 2>/dev/null | wc -l)
	if [ "${gone%% *}" = yes ] && [ "$left" = 0 ] &&
		until_log "unvnap: the client went away: its instance was killed"; then
		ok "container mode: a client that goes away gets its container killed and deleted ($gone)"
	else nok "container cancel: gone $gone, containers left $left: $(tail -3 "$tmp/d.log")"; fi
	"$fnlaunch" unregister unvnap >/dev/null
	out=$(req POST /v1/functions/unv/invoke '{"args": ["x"]}')
	if [ "${out%% *}" = 400 ] && echo "$out" | grep -q "container mode, which runs process.args as the bundle gives them"; then
		ok "args for a container-mode function: 400"
	else nok "container args: $out"; fi
else
	ok "# SKIP no crun"
	ok "# SKIP no crun"
	ok "# SKIP no crun"
fi

started=$(metric 'fnlaunch_instances_started_total{mode="process"}')
count=$(metric fnlaunch_cold_start_seconds_count)
if [ "${started:-0}" -ge 7 ] && [ "$count" -ge "$started" ] &&
	[ "$(metric 'fnlaunch_cold_start_seconds_bucket{le="+Inf"}')" = "$count" ] &&
	"$fnlaunch" metrics | grep -q '^# TYPE fnlaunch_cold_start_seconds histogram$'; then
	ok "metrics: $started process-mode instances, a cold-start histogram of $count"
else nok "metrics: $("$fnlaunch" metrics)"; fi

insp=$("$fnlaunch" inspect cat)
if echo "$insp" | python3 -c "
import json, sys
f = json.load(sys.stdin)
sys.exit(not (f['name'] == 'cat' and f['verdict']['verdict'] == 'verified' and f['invocations'] == 5))"; then
	ok "inspect: the verdict and the counters"
else nok "inspect: $insp"; fi
if [ "$("$fnlaunch" list | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')" = "args cat killer nap sleep $(command -v crun >/dev/null && echo 'unv ')" ]; then
	ok "list: the registered functions"
else nok "list: $("$fnlaunch" list)"; fi

# 20 invocations: no fd or instance cgroup left behind beyond the pools
# (2 for each of the 5 process-mode functions)
settled=yes
settle || settled=no
fds0=$(find /proc/"$daemon"/fd -mindepth 1 | wc -l)
good=0
for _ in $(seq 1 20); do "$fnlaunch" invoke --stdin "$tmp/in" cat >/dev/null 2>&1 && good=$((good + 1)); done
settle || settled=no
fds1=$(find /proc/"$daemon"/fd -mindepth 1 | wc -l)
left=$(find "$croot" -mindepth 2 -type d -name 'i-*' | wc -l)
if [ "$good" = 20 ] && [ "$settled" = yes ] && [ "$fds1" = "$fds0" ] && [ "$left" = 10 ]; then
	ok "20 invocations: the daemon's fds as before ($fds0), only the pools' 10 cgroups left"
else nok "after 20 ($good ran, pools settled: $settled): fds $fds0 -> $fds1, $left instance cgroups: $(find "$croot" -mindepth 2 -type d | tr '\n' ' ')"; fi
if [ "$(metric 'fnlaunch_instances_running')" = 0 ] && [ "$(metric fnlaunch_invocations_waiting)" = 0 ]; then
	ok "nothing running or waiting once they are done"
else nok "gauges: $("$fnlaunch" metrics | grep -E 'running|waiting')"; fi

# kept across a restart: cat and sleep (the others unregistered, so that
# the restarted daemon has less to check again), and gone, whose bundle
# is removed while the daemon is down
for f in args killer nap $(command -v crun >/dev/null && echo unv); do
	"$fnlaunch" unregister "$f" >/dev/null
done
bundle "$tmp/gone" '["/bin/fn-probe"]'
"$fnlaunch" register gone "$tmp/gone" >/dev/null
if [ "$(cd "$tmp/state" && echo *)" = "cat.json gone.json sleep.json" ] &&
	[ "$(stat -c %a "$tmp/state")" = 700 ] &&
	python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d != {'name': 'sleep', 'bundle': sys.argv[2], 'concurrency': 1})" \
		"$tmp/state/sleep.json" "$tmp/sleep"; then
	ok "registrations are kept in the state directory (mode 700), unregistered ones removed"
else nok "state: $(ls -la "$tmp/state"; cat "$tmp/state/sleep.json")"; fi

# the daemon killed during an invocation
"$fnlaunch" invoke sleep >/dev/null 2>&1 &
inv=$!
# until its instance runs (the pool's other cgroups stay empty)
for _ in $(seq 1 150); do
	[ -n "$(cat "$croot"/fn-sleep/i-"$daemon"-*/cgroup.procs 2>/dev/null)" ] && break
	sleep 0.2
done
old=$daemon
kill -9 "$daemon"
wait "$daemon" 2>/dev/null
daemon=
orphan=$(cat "$croot"/fn-sleep/i-"$old"-*/cgroup.procs 2>/dev/null)
rm -r "$tmp/gone"
wait "$inv"
inv_rc=$?
if [ -n "$orphan" ] && [ "$inv_rc" = 125 ]; then
	ok "daemon killed: its instance ($orphan) runs on in its cgroup, the invocation failed (125)"
else nok "killed: orphan '$orphan', invoke exit $inv_rc"; fi
if start_daemon "$tmp/d2.log" && grep -q "removed [0-9]* instances" "$tmp/d2.log" &&
	[ -z "$(find "$croot" -mindepth 2 -type d -name "i-$old-*")" ] &&
	{ [ ! -e "/proc/$orphan" ] || grep -q '^State:.*Z' "/proc/$orphan/status"; }; then
	ok "a restarted daemon finds the instance, kills it and removes its cgroup and the dead daemon's pools"
else nok "restart: $(cat "$tmp/d2.log"); left: $(ls -d "$croot"/fn-sleep/i-* 2>&1)"; fi
if [ "$("$fnlaunch" list | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')" = "cat sleep " ] &&
	out=$("$fnlaunch" invoke --stdin "$tmp/in" cat 2>/dev/null) && [ "$out" = "$(cat "$tmp/in")" ] &&
	grep -q "gone: not registered again from $tmp/state/gone.json: .*(kept as $tmp/state/gone.json.failed)" "$tmp/d2.log" &&
	[ -f "$tmp/state/gone.json.failed" ] && [ ! -e "$tmp/state/gone.json" ]; then
	ok "the restarted daemon registers cat and sleep again from its state; gone's, whose bundle went, is set aside"
else nok "after restart: $("$fnlaunch" list); $(cat "$tmp/d2.log"); $(ls "$tmp/state")"; fi

out=$("$fnlaunch" unregister cat 2>&1)
rc=$?
"$fnlaunch" invoke cat >/dev/null 2>"$tmp/err"
rc2=$?
if [ "$rc" = 0 ] && [ "$rc2" = 125 ] && grep -q 'no function "cat" is registered' "$tmp/err"; then
	ok "unregister, then invoke: refused (125)"
else nok "unregister: exit $rc ($out), invoke exit $rc2: $(cat "$tmp/err")"; fi
out=$("$fnlaunch" unregister cat 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q 'no function "cat" is registered'; then ok "unregistering it again: 404"
else nok "unregister twice: $out"; fi

bundle "$tmp/short" '["/bin/fn-probe", "sleep", "4"]'
"$fnlaunch" register cat "$tmp/cat" >/dev/null
"$fnlaunch" register short "$tmp/short" >/dev/null
settle
"$fnlaunch" invoke short >/dev/null 2>"$tmp/inflight.err" &
inflight=$!
until_metric fnlaunch_instances_running 1
kill -TERM "$daemon"
wait "$daemon"
rc=$?
daemon=
wait "$inflight"
inflight_rc=$?
if [ "$inflight_rc" = 0 ]; then ok "SIGTERM during an invocation: it ends and is answered (exit 0)"
else nok "in flight at SIGTERM: exit $inflight_rc: $(cat "$tmp/inflight.err")"; fi
if [ "$rc" = 0 ] && [ ! -e "$sock" ] && grep -q "stopping" "$tmp/d2.log" &&
	[ -z "$(find "$croot" -mindepth 2 -type d -name 'i-*')" ]; then
	ok "SIGTERM: the daemon stops (exit 0), removes its socket and its pools' cgroups"
else nok "SIGTERM: exit $rc, socket $(ls -l "$sock" 2>&1): $(cat "$tmp/d2.log")"; fi
out=$("$fnlaunch" list 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q "is fnlaunchd running?"; then ok "with no daemon the client says so (exit 1)"
else nok "no daemon: $out"; fi
out=$("$fnlaunch" invoke 'bad/name' 2>&1)
if [ $? = 2 ] && echo "$out" | grep -q "not a function name"; then ok "a bad function name is a usage error (2)"
else nok "bad name: $out"; fi

[ "$fails" = 0 ]
