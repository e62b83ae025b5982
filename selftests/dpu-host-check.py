#!/usr/bin/env python3
"""Host side of selftests/e2e/dpu-mmio.sh, after the guest has run.

  dpu-host-check.py ivshmem INITIAL FINAL
      The ivshmem backing file may differ from its initial content only in
      the two 256-byte tenant windows at 0 and 256 (samples/dpu_mmio), and
      there it must hold exactly what the e2e test's tenants wrote.
  dpu-host-check.py guest-errors LOG
      QEMU's -d guest_errors log has no line about the edu or ivshmem
      devices: no access of a width or at an address they refuse.
Exits 0 when the check holds, 1 with the differences otherwise.
"""
import sys

WINDOW = 256
# what dpu-mmio.sh's shm_fill runs write (tenant: value)
FILLS = {0: 0x0123456789abcdef, 1: 0xfedcba9876543210}


def shm_fill(v):
    b = bytearray(v.to_bytes(8, "little") * (WINDOW // 8))
    b[0xff] = (v >> 8) & 0xff
    b[0xf0:0xf2] = ((v >> 16) & 0xffff).to_bytes(2, "little")
    return bytes(b)


def check_ivshmem(initial, final):
    with open(initial, "rb") as f:
        a = f.read()
    with open(final, "rb") as f:
        b = bytearray(f.read())
    if len(a) != len(b):
        print(f"size changed: {len(a)} -> {len(b)}")
        return 1
    bad = 0
    expect = bytearray(a)
    for t, v in FILLS.items():
        expect[t * WINDOW:(t + 1) * WINDOW] = shm_fill(v)
    for off in range(len(b)):
        if b[off] != expect[off]:
            where = "inside" if off < len(FILLS) * WINDOW else "OUTSIDE"
            if bad < 16:
                print(f"byte 0x{off:x} ({where} the tenant windows): "
                      f"0x{b[off]:02x}, expected 0x{expect[off]:02x}")
            bad += 1
    print(f"{len(b)} bytes compared, {bad} differ from the expected content")
    return 1 if bad else 0


def check_guest_errors(log):
    try:
        with open(log, errors="replace") as f:
            lines = [l.rstrip() for l in f if "edu" in l or "ivshmem" in l]
    except FileNotFoundError:
        print(f"{log}: missing (was QEMU run with -d guest_errors -D?)")
        return 1
    for line in lines[:16]:
        print(line)
    print(f"{len(lines)} guest error(s) on edu or ivshmem")
    return 1 if lines else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "ivshmem":
        return check_ivshmem(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 3 and sys.argv[1] == "guest-errors":
        return check_guest_errors(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
