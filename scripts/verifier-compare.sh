#!/usr/bin/env bash
# Does a series change how the verifier treats programs that do not use
# it?  Runs veristat on a corpus of upstream verifier tests (every
# selftests/bpf progs/verifier_*.c that needs only uapi headers; built by
# selftests/bpf-mini "corpus") under two kernels, one boot each, and
# compares verdicts, instructions processed and states:
#   scripts/verifier-compare.sh BASELINE_KERNEL_DIR KERNEL_DIR
# e.g. a DEBUG=0 build of the queue without the series, and the test
# kernel with it.  Output in build/results/verifier-compare-<time>/; exits 1
# if any program's verdict, instruction or state count differs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:?usage: verifier-compare.sh BASELINE_KERNEL_DIR KERNEL_DIR}
new=${2:?usage: verifier-compare.sh BASELINE_KERNEL_DIR KERNEL_DIR}
kst=$BUILD/kselftest/bpf/mini
[ -x "$BUILD/bpftool/bootstrap/bpftool" ] || "$TOP/scripts/build-selftests.sh"
make -s -C "$TOP/selftests/bpf-mini" -j"$JOBS" TREE="$TREE" OUT="$kst" \
	KHDR="$(test_kernel_dir)/usr/include" LIBBPF="$BUILD/libbpf" \
	BPFTOOL="$BUILD/bpftool/bootstrap/bpftool" CLANG="$CLANG" corpus ||
	die "veristat and its corpus did not build"
res=$BUILD/results/verifier-compare-$(date +%Y%m%d-%H%M%S)
mkdir -p "$res"
fields=file,prog,verdict,insns,states,peak_states
for k in base new; do
	dir=$base
	[ $k = new ] && dir=$new
	log "veristat under $dir"
	"$TOP/scripts/run-vm.sh" "$dir" "$res" -- sh -c \
		"cd $kst/corpus && $kst/veristat -q -o csv -e $fields *.bpf.o >$res/$k.csv 2>$res/$k.err; uname -r >$res/$k.uname" \
		>"$res/$k.console" 2>&1
	[ -s "$res/$k.csv" ] || die "veristat printed nothing under $dir (see $res/$k.console, $res/$k.err)"
done
"$kst/veristat" -C -e "$fields" "$res/base.csv" "$res/new.csv" >"$res/compare.txt" || true
python3 - "$res/base.csv" "$res/new.csv" <<'PY'
import csv, sys
def load(p):
    with open(p) as f:
        return {(r["file_name"], r["prog_name"]): r for r in csv.DictReader(f)}
a, b = load(sys.argv[1]), load(sys.argv[2])
keys = sorted(set(a) | set(b))
diff = 0
for k in keys:
    ra, rb = a.get(k), b.get(k)
    if ra is None or rb is None:
        print(f"{k[0]}/{k[1]}: only in {'new' if ra is None else 'baseline'}")
        diff += 1
        continue
    for f in ("verdict", "total_insns", "total_states", "peak_states"):
        if ra.get(f) != rb.get(f):
            print(f"{k[0]}/{k[1]}: {f} {ra.get(f)} -> {rb.get(f)}")
            diff += 1
ok = sum(1 for k in keys if a.get(k, {}).get("verdict") == "success")
print(f"{len(keys)} programs in {len(set(k[0] for k in keys))} objects "
      f"({ok} verified, {len(keys) - ok} rejected under the baseline): {diff} differences")
sys.exit(1 if diff else 0)
PY
