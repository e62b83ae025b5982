#!/usr/bin/env bash
# Boot the worker image (out/worker.img, from scripts/worker-image.sh) under
# QEMU (TCG) and run selftests/worker/smoke.sh in it: systemd up, the
# packaged kernel running, cgbatch, seccomp-whitelist and dpu-tenant as
# installed, and the series' kselftests test_batch and seccomp_ebpf built
# against the packaged uapi headers.  The test goes into a copy of the
# image; out/worker.img is left as built.  Prints the guest's
# "worker-smoke:" lines and "worker-smoke: N passed, N failed"; exits 1 on
# any failure or when the guest does not finish within SMOKE_TIMEOUT s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

img=${IMAGE:-$TOP/out/worker.img}
work=$BUILD/worker-smoke
khdr=$BUILD/worker-image/khdr/usr/include
timeout=${SMOKE_TIMEOUT:-1800}
offset=1048576

[ "$(id -u)" = 0 ] || die "worker-smoke needs root (a loop mount of the image copy)"
[ -f "$img" ] || die "no $img: run make worker-image"
[ -d "$khdr" ] || die "no packaged headers in $khdr: run make worker-image"
[ -f "$TREE/tools/testing/selftests/cgroup/test_batch.c" ] || die "no patched tree in $TREE: run make tree"

rm -rf "$work"
mkdir -p "$work/payload"
log "kselftests test_batch and seccomp_ebpf against the packaged headers"
for t in cgroup/test_batch seccomp/seccomp_ebpf; do
	mkdir -p "$work/build-${t%/*}"
	make -s -C "$TREE/tools/testing/selftests/${t%/*}" OUTPUT="$work/build-${t%/*}" \
		KHDR_INCLUDES="-isystem $khdr" "$work/build-${t%/*}/${t#*/}" >"$work/kselftest-build.log" 2>&1 ||
		{ tail -20 "$work/kselftest-build.log" >&2; die "building $t against $khdr failed"; }
	cp "$work/build-${t%/*}/${t#*/}" "$work/payload/"
done
# containers/common's default profile (Docker's, as Podman and CRI-O ship
# it), with mkdir and mkdirat moved from its allow list to EPERM
profile=$("$TOP/scripts/fetch-containers-profile.sh")
python3 - "$profile" "$work/payload/deny-mkdir.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
deny = {"mkdir", "mkdirat"}
for rule in p["syscalls"]:
    if rule["action"] == "SCMP_ACT_ALLOW":
        rule["names"] = [n for n in rule["names"] if n not in deny]
p["syscalls"] = [r for r in p["syscalls"] if r["names"]]
p["syscalls"].append({"names": sorted(deny), "action": "SCMP_ACT_ERRNO", "errnoRet": 1})
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
cp "$TOP/selftests/worker/smoke.sh" "$work/payload/"

log "copy of $img with the smoke test"
cp --sparse=always "$img" "$work/disk.img"
mnt=$(mktemp -d)
trap 'umount "$mnt" 2>/dev/null || true; rmdir "$mnt" 2>/dev/null || true' EXIT
mount -o loop,offset=$offset "$work/disk.img" "$mnt"
mkdir -p "$mnt/opt/worker-smoke"
cp "$work"/payload/* "$mnt/opt/worker-smoke/"
cp "$TOP/selftests/worker/worker-smoke.service" "$mnt/etc/systemd/system/"
ln -sf /etc/systemd/system/worker-smoke.service "$mnt/etc/systemd/system/multi-user.target.wants/worker-smoke.service"
umount "$mnt"

log "booting it (QEMU TCG, 2 vCPUs, 2 GiB, edu; at most $timeout s)"
start=$(date +%s)
rc=0
timeout "$timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2G -no-reboot \
	-drive file="$work/disk.img",format=raw,if=virtio -device edu \
	-nic user,model=virtio-net-pci -display none -monitor none \
	-serial file:"$work/console.log" -serial file:"$work/smoke.log" || rc=$?
took=$(($(date +%s) - start))
[ $rc = 124 ] && log "the guest did not power off within $timeout s"
tr -d '\r' <"$work/smoke.log" | grep -a '^worker-smoke:' || true
summary=$(tr -d '\r' <"$work/smoke.log" | grep -a '^worker-smoke: [0-9]* passed, [0-9]* failed' | tail -1)
log "boot to power-off: $took s; console: $work/console.log"
[ -n "$summary" ] || die "no summary line from the guest (console: $work/console.log)"
[[ $summary == *", 0 failed" ]] || exit 1
