#!/bin/bash
# The worker image's smoke test, run by worker-smoke.service in the booted
# image (scripts/worker-smoke.sh puts it there, on a copy of the image):
# systemd up, the packaged kernel running, the installed tools working on
# it, and two of the series' kselftests built against the packaged uapi
# headers.  Writes "worker-smoke: ..." lines to the second serial port
# (ttyS1: no getty hangs it up), the last one "worker-smoke: N passed,
# N failed", then powers off.
# Usage: smoke.sh DIR (DIR holds the kselftests and the profiles).
set -u
dir=${1:?usage: smoke.sh DIR}
exec >/dev/ttyS1 2>&1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "worker-smoke: ok $*"; }
nok() { fail=$((fail + 1)); echo "worker-smoke: not ok $*"; }
# check NAME COMMAND...: COMMAND succeeds
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$what"; else nok "$what: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"; fi
}
trap 'echo "worker-smoke: $pass passed, $fail failed"; systemctl --no-block poweroff' EXIT

echo "worker-smoke: start $(date -u +%FT%TZ)"

# systemd: worker-smoke.service runs after multi-user.target, so the boot
# got there; no unit may have failed on the way
if [ "$(systemctl is-active multi-user.target)" = active ]; then
	ok "systemd reached multi-user.target"
else
	nok "systemd: multi-user.target is $(systemctl is-active multi-user.target)"
fi
failed=$(systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')
if [ -z "$failed" ]; then ok "no failed units"; else nok "failed units: $failed"; fi

# the kernel extlinux booted is the one dpkg installed
rel=$(uname -r)
pkg=$(dpkg -S "/boot/vmlinuz-$rel" 2>/dev/null | cut -d: -f1)
if [ "$pkg" = "linux-image-$rel" ] && grep -q "BOOT_IMAGE=/boot/vmlinuz-$rel" /proc/cmdline; then
	ok "packaged kernel running: $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
else
	nok "running kernel $rel is not from a package (dpkg -S: '$pkg', cmdline: $(cat /proc/cmdline))"
fi
for opt in CONFIG_SECCOMP_BPF_PROG CONFIG_BPF_MMIO_WINDOW CONFIG_SECURITY_LANDLOCK; do
	if grep -qx "$opt=y" "/boot/config-$rel"; then ok "$opt=y"; else nok "$opt is not built in"; fi
done
for tool in cgbatch seccomp-whitelist dpu-tenant; do
	check "$tool --version" "$tool" --version
	if [ -f "/usr/share/man/man1/$tool.1" ] || [ -f "/usr/share/man/man1/$tool.1.gz" ]; then
		ok "$tool(1) installed"
	else
		nok "no $tool(1) in /usr/share/man/man1"
	fi
done

# cgbatch: a batch made with CGROUP_IOC_CREATE, seeded, run into, removed
cg=/sys/fs/cgroup/smoke
mkdir -p "$cg"
echo "+pids +memory" >/sys/fs/cgroup/cgroup.subtree_control
echo "+pids +memory" >"$cg/cgroup.subtree_control"
if [ "$(cgbatch probe "$cg")" = batch ]; then ok "cgbatch probe: batch"; else nok "cgbatch probe: $(cgbatch probe "$cg" 2>&1)"; fi
names=()
for i in $(seq 64); do names+=("fn$i"); done
check "cgbatch create 64 cgroups, pids.max and memory.max seeded" \
	cgbatch create "$cg" "${names[@]}" -s pids.max=8 -s memory.max=64M
if [ "$(cat "$cg/fn64/pids.max" 2>/dev/null)" = 8 ] && [ "$(cat "$cg/fn1/memory.max" 2>/dev/null)" = 67108864 ]; then
	ok "seeded values in place"
else
	nok "seeded values: fn64/pids.max '$(cat "$cg/fn64/pids.max" 2>&1)', fn1/memory.max '$(cat "$cg/fn1/memory.max" 2>&1)'"
fi
out=$(cgbatch run "$cg" runner -s pids.max=4 -- /bin/cat /proc/self/cgroup 2>&1)
if [ "$out" = "0::/smoke/runner" ] && [ ! -e "$cg/runner" ]; then
	ok "cgbatch run: the command ran in its cgroup, removed afterwards"
else
	nok "cgbatch run: '$out'"
fi
check "cgbatch destroy 64 cgroups" cgbatch destroy "$cg" "${names[@]}"
left=$(find "$cg" -mindepth 1 -maxdepth 1 -type d | wc -l)
if [ "$left" = 0 ]; then ok "batch removed"; else nok "$left cgroups left under $cg"; fi
rmdir "$cg"

# seccomp-whitelist: a Docker-derived profile (containers/common's default)
# that denies mkdir and mkdirat with EPERM and allows what it allows; its
# rules for capabilities need libseccomp's first-wins reading
profile=$dir/deny-mkdir.json
check "seccomp-whitelist check" seccomp-whitelist check --first-wins "$profile"
out=$(seccomp-whitelist run --first-wins "$profile" -- /bin/sh -c 'grep -E "^Seccomp(_filters)?:" /proc/self/status; echo allowed' 2>&1)
if grep -qx allowed <<<"$out" && grep -qxP 'Seccomp:\t2' <<<"$out"; then
	ok "a command under the eBPF whitelist runs"
else
	nok "a command under the eBPF whitelist: '$(tr '\n' ' ' <<<"$out")'"
fi
out=$(seccomp-whitelist run --first-wins "$profile" -- /bin/mkdir /tmp/denied 2>&1); rc=$?
if [ $rc != 0 ] && [[ $out == *"Operation not permitted"* ]] && [ ! -e /tmp/denied ]; then
	ok "the profile's denial: mkdir gets EPERM"
else
	nok "mkdir under the profile: rc $rc, '$out'"
fi

# dpu-tenant needs the dpu_mmio sample driver (samples/dpu_mmio), which
# configs/worker.config does not build: samples are not part of a worker
# kernel.  Its --version above shows that it runs; bench-dpu and
# e2e:dpu-mmio.sh drive it on edu with the test kernel.
if grep -q '^CONFIG_SAMPLE_DPU_MMIO=' "/boot/config-$rel"; then
	nok "the worker kernel builds samples/dpu_mmio: run dpu-tenant on edu here"
else
	echo "worker-smoke: skip dpu-tenant on edu: the worker kernel does not build samples/dpu_mmio"
fi

# kselftests of the series, built on the host against the packaged headers
for t in test_batch seccomp_ebpf; do
	"$dir/$t" >"/tmp/$t.log" 2>&1; rc=$?
	summary=$(grep -E '^# Totals:' "/tmp/$t.log")
	# a kernel without the series skips them all: that is no pass
	if [ $rc = 0 ] && [[ $summary != *" pass:0 "* ]]; then ok "kselftest $t: $summary"; else
		nok "kselftest $t: exit $rc, $summary"
		grep -E '^not ok' "/tmp/$t.log" | sed 's/^/worker-smoke:   /'
	fi
done
