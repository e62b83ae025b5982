#!/bin/bash
# End to end: removing the ivshmem device of the DPU stand-in
# (samples/dpu_mmio) while a tenant program holds a window on it revokes
# the window (dpu-remove.c); after a rescan the device is back, and works.
# Neither the removal nor the window's release later logs a resource
# warning.  The host then checks the ivshmem backing file: nothing was
# written after the removal (scripts/check.sh).  Runs after dpu-mmio.sh.
# Usage: dpu-remove.sh TOOLS-DIR.  Prints TAP.
set -u
tools=${1:?usage: dpu-remove.sh DIR}
t=$tools/dpu-tenant

# the ivshmem device bound to dpu_mmio: its node and its PCI directory
find_shm() {
	local d pci
	for d in /dev/dpu_mmio*; do
		[ -e "$d" ] || continue
		[ "$("$t" info "$d" 2>/dev/null | sed -n 's/^kind //p')" = ivshmem ] || continue
		for pci in /sys/bus/pci/drivers/dpu_mmio/0000:*; do
			if [ "$(cat "$pci/vendor")" = 0x1af4 ] && [ "$(cat "$pci/device")" = 0x1110 ]; then
				echo "$d $pci"
				return 0
			fi
		done
	done
	return 1
}

if ! read -r shm pci < <(find_shm); then
	echo "TAP version 13"
	echo "1..0 # SKIP needs QEMU's ivshmem-plain device bound to dpu_mmio (scripts/check.sh adds it)"
	exit 4
fi
warned=$(dmesg | grep -c 'Trying to free nonexistent resource')
out=$("$tools/dpu-remove" "$shm" "$pci"); rc=$?
# dpu-remove printed "1..6": continue its numbering
echo "${out/1..6/1..9}"
n=6 fails=$((rc != 0))
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=1; echo "not ok $n $*"; }

back=''
for _ in $(seq 50); do
	if read -r back _ < <(find_shm); then break; fi
	sleep 0.2
done
if [ -n "$back" ]; then ok "after the rescan the device is back: $back"; else nok "no ivshmem dpu_mmio device after the rescan"; fi
# the old window's programs and fds are closed: the driver's last reference
# is gone; the new device serves tenants (and writes what was there)
if [ -n "$back" ] && out=$("$t" access "$back" 1 0x0 8 0xfedcba9876543210 2>&1) &&
	[ "$("$t" access "$back" 1 0x0 8 2>&1)" = 0xfedcba9876543210 ]; then
	ok "the new device's tenant 1 window works"
else
	nok "the new device's tenant 1 window: '$out'"
fi
sleep 1  # the windows are freed from a work item
now=$(dmesg | grep -c 'Trying to free nonexistent resource')
if [ "$now" = "$warned" ]; then ok "no 'Trying to free nonexistent resource'"; else nok "$((now - warned)) 'Trying to free nonexistent resource' warning(s)"; fi
[ $fails = 0 ]
