#!/usr/bin/env bash
# The leak pass of `make check`: boot the test kernel with kmemleak=on and
# QEMU's edu device, run selftests/leak/cycles.sh (batched cgroups, eBPF
# seccomp filters over fork/exit, MMIO windows, created and destroyed many
# times after kmemleak forgot what boot left), and fail on every object
# kmemleak then reports unreferenced, unless selftests/kmemleak-allow.txt
# names it (a base-kernel report, with the reason), and on any kernel
# splat of that boot.  Prints TAP.
#   leak-check.sh RESULTS-DIR [ROUNDS]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
res=${1:?usage: leak-check.sh RESULTS-DIR [ROUNDS]} rounds=${2:-10}
mkdir -p "$res"
rm -f "$res/cycles.rc" "$res/kmemleak.txt" "$res/dmesg.txt"
VM_APPEND="no5lvl log_buf_len=16M kmemleak=on" VM_QEMU_OPTS="-device edu" \
	"$TOP/scripts/run-vm.sh" "$(test_kernel_dir)" "$res" -- \
	"$TOP/selftests/leak/cycles.sh" "$BUILD/tools" "$res" "$rounds" >"$res/console.log" 2>&1 || true
python3 - "$res" "$TOP/selftests/kmemleak-allow.txt" "$TOP/selftests" <<'PY'
import os, re, sys
res, allow_path, st = sys.argv[1:4]
sys.path.insert(0, st)
import judge
print("TAP version 13\n1..3")
def read(p):
    try:
        return open(p, errors="replace").read()
    except FileNotFoundError:
        return None
rc = (read(os.path.join(res, "cycles.rc")) or "").strip()
log = read(os.path.join(res, "cycles.log")) or ""
ok = rc == "0"
print(f"{'ok' if ok else 'not ok'} 1 the create/destroy cycles ran under kmemleak"
      + ("" if ok else f" (rc '{rc}'; {log.strip().splitlines()[-1] if log.strip() else 'no log'})"))
allow = []
for line in (read(allow_path) or "").splitlines():
    if line.strip() and not line.startswith("#"):
        pat, _, why = line.partition(" -- ")
        allow.append((pat.strip(), why.strip()))
report = read(os.path.join(res, "kmemleak.txt"))
blocks = re.split(r"(?m)^(?=unreferenced object 0x)", report or "")
leaks = [b for b in blocks if b.startswith("unreferenced object")]
bad = [b for b in leaks if not any(p in b for p, _ in allow)]
if report is None:
    print("not ok 2 no kmemleak report was written")
elif bad:
    print(f"not ok 2 {len(bad)} unreferenced object(s) after the cycles "
          f"({len(leaks) - len(bad)} listed in kmemleak-allow.txt)")
    for b in bad[:5]:
        for l in b.strip().splitlines()[:16]:
            print("# " + l)
else:
    print(f"ok 2 no unreferenced object after the cycles "
          f"({len(leaks)} listed in kmemleak-allow.txt)")
dmesg = read(os.path.join(res, "dmesg.txt"))
found = judge.splats(dmesg or "", judge.load_allow(os.path.join(st, "dmesg-allow.txt")))
if dmesg is None:
    print("not ok 3 the leak boot left no kernel log")
elif found:
    print(f"not ok 3 {len(found)} kernel splat line(s) in the leak boot")
    for l in found[:10]:
        print("# " + l)
else:
    print("ok 3 no kernel splat in the leak boot")
sys.exit(0 if ok and report is not None and not bad and dmesg is not None and not found else 1)
PY
