#!/usr/bin/env bash
# Build the worker node's disk image from what `make kernel` ships:
#
#   - Debian bookworm, made by mmdebstrap from the Debian archive (MIRROR)
#     with systemd, udev and initramfs-tools;
#   - the worker kernel packages of out/ (DEBS) installed by dpkg -i, which
#     also makes the initramfs (the -dbg package is left out: it is only
#     symbols);
#   - cgbatch/libcgbatch, seccomp-whitelist and dpu-tenant installed by their
#     `make install` (PREFIX=/usr), built against the kernel headers of the
#     packaged linux-libc-dev and libbpf/bpftool of the patched tree;
#   - one ext4 partition, booted by extlinux with the packaged kernel and
#     initramfs, console on ttyS0.
#
# Writes out/worker.img (IMAGE; a sparse raw disk of IMAGE_SIZE) and keeps
# the packaged uapi headers in build/worker-image/khdr for worker-smoke.sh.
# Needs root (mmdebstrap's root mode, a loop mount for extlinux).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

debs=${DEBS:-$TOP/out}
img=${IMAGE:-$TOP/out/worker.img}
size=${IMAGE_SIZE:-3G}
mirror=${MIRROR:-http://deb.debian.org/debian}
work=$BUILD/worker-image
root=$work/root
label=worker-root
# the one partition starts at 1 MiB
offset=1048576

[ "$(id -u)" = 0 ] || die "worker-image needs root (mmdebstrap's root mode, a loop mount)"
shopt -s nullglob
images=()
for d in "$debs"/linux-image-*.deb; do
	case ${d##*/} in *-dbg_*) ;; *) images+=("$d") ;; esac
done
libc=("$debs"/linux-libc-dev_*.deb)
shopt -u nullglob
[ ${#images[@]} = 1 ] ||
	die "need exactly one linux-image package in $debs (found ${#images[@]}): run make kernel"
[ ${#libc[@]} = 1 ] || die "need exactly one linux-libc-dev package in $debs: run make kernel"
kdebs=("${images[0]}" "${libc[0]}")

need=()
for p in mmdebstrap extlinux syslinux-common fdisk e2fsprogs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "apt: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; } ||
		die "apt cannot install ${need[*]}"
fi

start=$(date +%s)
mnt=
# whatever an interrupted run left mounted under $work (proc in the new
# root), deepest first, so that nothing is removed through a mount
umount_work() {
	findmnt -rn -o TARGET | awk -v w="$work/" 'index($0, w) == 1' | sort -r |
		while read -r m; do umount -l "$m" || true; done
}
cleanup() {
	[ -z "$mnt" ] || umount "$mnt" 2>/dev/null || true
	[ -z "$mnt" ] || rmdir "$mnt" 2>/dev/null || true
	umount_work
}
trap cleanup EXIT
umount_work
rm -rf --one-file-system "$work"
mkdir -p "$work/khdr" "$work/tools"

# The uapi headers as the worker ships them.  dpkg puts asm/ under the
# multiarch directory; the BPF objects (clang -target bpf) look for it in
# the one include directory they are given.
dpkg-deb -x "${libc[0]}" "$work/khdr"
khdr=$work/khdr/usr/include
[ -d "$khdr/x86_64-linux-gnu/asm" ] && cp -a "$khdr/x86_64-linux-gnu/asm" "$khdr/asm"
[ -f "$khdr/linux/seccomp.h" ] || die "${libc[0]} has no linux/seccomp.h"

# libbpf and bpftool of the patched tree (the series' API and skeletons)
[ -f "$TREE/tools/lib/bpf/libbpf.c" ] || die "no kernel tree in $TREE: run make tree"
mkdir -p "$BUILD/libbpf-build" "$BUILD/bpftool"
make -s -C "$TREE/tools/lib/bpf" -j"$JOBS" OUTPUT="$BUILD/libbpf-build/" DESTDIR="$BUILD/libbpf" \
	prefix= install >"$work/libbpf-build.log" 2>&1 ||
	{ tail -20 "$work/libbpf-build.log" >&2; die "libbpf build failed"; }
make -s -C "$TREE/tools/bpf/bpftool" -j"$JOBS" OUTPUT="$BUILD/bpftool/" bootstrap \
	>"$work/bpftool-build.log" 2>&1 ||
	{ tail -20 "$work/bpftool-build.log" >&2; die "bpftool build failed"; }
bpftool=$BUILD/bpftool/bootstrap/bpftool

log "root file system: Debian bookworm from $mirror"
# runtime libraries of the tools: libelf1, zlib1g (libbpf), libseccomp2,
# libjson-c5 (seccomp-whitelist); libcap2 for the kselftests worker-smoke runs
mmdebstrap --quiet --variant=minbase --mode=root \
	--include=systemd-sysv,udev,initramfs-tools,kmod,procps,iproute2,libelf1,zlib1g,libseccomp2,libjson-c5,libcap2 \
	bookworm "$root" "$mirror" >"$work/mmdebstrap.log" 2>&1 ||
	{ tail -30 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $work/mmdebstrap.log)"; }

log "dpkg -i ${kdebs[*]##*/}"
mkdir -p "$root/tmp/debs"
cp "${kdebs[@]}" "$root/tmp/debs/"
mount -t proc proc "$root/proc"
chroot "$root" sh -c 'dpkg -i /tmp/debs/*.deb' >"$work/dpkg.log" 2>&1 ||
	{ umount "$root/proc"; tail -30 "$work/dpkg.log" >&2; die "dpkg -i of the kernel packages failed"; }
umount "$root/proc"
rm -rf "$root/tmp/debs"
kver=$(dpkg-deb -f "${images[0]}" Package)
kver=${kver#linux-image-}
[ -f "$root/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver after dpkg -i"
[ -f "$root/boot/initrd.img-$kver" ] || die "no initramfs for $kver after dpkg -i (log: $work/dpkg.log)"

log "make install of cgbatch, seccomp-whitelist, dpu-tenant (PREFIX=/usr)"
cflags="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter"
{ make -s -C "$TOP/cgbatch" OUT="$work/tools/cgbatch" CFLAGS="$cflags" \
	install DESTDIR="$root" PREFIX=/usr >"$work/tools.log" 2>&1 &&
make -s -C "$TOP/bpf-progs/seccomp" OUT="$work/tools/swl" CLANG="$CLANG" KHDR="$khdr" \
	LIBBPF_DIR="$BUILD/libbpf" BPFTOOL="$bpftool" CFLAGS="$cflags" \
	install DESTDIR="$root" PREFIX=/usr >>"$work/tools.log" 2>&1 &&
make -s -C "$TOP/bpf-progs/dpu-mmio" OUT="$work/tools/dpu" CLANG="$CLANG" KHDR="$khdr" \
	LIBBPF_DIR="$BUILD/libbpf" DPU_MMIO_H="$TREE/samples/dpu_mmio" BPFTOOL="$bpftool" \
	CFLAGS="$cflags" install DESTDIR="$root" PREFIX=/usr >>"$work/tools.log" 2>&1; } ||
	{ tail -30 "$work/tools.log" >&2; die "building or installing the tools failed (log: $work/tools.log)"; }
chroot "$root" ldconfig

echo worker >"$root/etc/hostname"
printf 'LABEL=%s / ext4 errors=remount-ro 0 1\n' "$label" >"$root/etc/fstab"
# DHCP on the first Ethernet interface, by systemd-networkd
cat >"$root/etc/systemd/network/50-dhcp.network" <<EOF
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
chroot "$root" systemctl enable -q systemd-networkd
mkdir -p "$root/boot/extlinux"
cat >"$root/boot/extlinux/extlinux.conf" <<EOF
DEFAULT worker
PROMPT 0
TIMEOUT 0
LABEL worker
	LINUX /boot/vmlinuz-$kver
	INITRD /boot/initrd.img-$kver
	APPEND root=LABEL=$label ro console=tty0 console=ttyS0,115200
EOF

log "disk image $img ($size)"
mkdir -p "$(dirname "$img")"
rm -f "$img"
truncate -s "$size" "$img"
echo 'start=2048, type=83, bootable' | sfdisk -q "$img"
bytes=$(stat -c %s "$img")
part_k=$(((bytes - offset) / 1024))
# syslinux reads ext4 without the 64bit feature
mkfs.ext4 -q -F -L "$label" -O ^64bit -E offset=$offset -d "$root" "$img" "${part_k}k" ||
	die "mkfs.ext4 failed"
mnt=$(mktemp -d)
mount -o loop,offset=$offset "$img" "$mnt"
extlinux --install "$mnt/boot/extlinux" >/dev/null 2>&1 || die "extlinux --install failed"
umount "$mnt"
rmdir "$mnt"
mnt=
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" bs=440 count=1 conv=notrunc status=none
echo "$kver" >"$work/kernel-release"

log "worker image built in $(($(date +%s) - start)) s: $img," \
	"$(du -BM --apparent-size "$img" | cut -f1) apparent, $(du -BM "$img" | cut -f1) allocated," \
	"kernel $kver"
