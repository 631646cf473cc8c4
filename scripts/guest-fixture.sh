#!/usr/bin/env bash
# Builds the test guest: Debian's cloud kernel and a busybox initramfs whose /init is
# scripts/guest-fixture/init. Made once from Debian packages and cached:
#   scripts/guest-fixture.sh [OUTDIR]     (default target/guest-fixture)
# writes OUTDIR/vmlinuz and OUTDIR/initrd.img and prints OUTDIR. Needs apt-get (packages are
# downloaded, not installed), dpkg-deb and gzip. Rebuilt only when the packages' versions or
# the files in scripts/guest-fixture/ change.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD/scripts/guest-fixture"
OUT="$(realpath -m "${1:-target/guest-fixture}")"
KERNEL_PKG=linux-image-cloud-amd64
BUSYBOX_PKG=busybox-static
# Loaded in this order (virtio before its users; failover before net_failover before virtio_net).
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk
failover net_failover virtio_net libata ata_piix fat vfat nls_cp437 nls_ascii nls_utf8 nls_iso8859-1"

fail() { echo "guest-fixture: $*" >&2; exit 1; }

candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p'; }

# The versioned kernel package linux-image-cloud-amd64 points at, e.g. linux-image-6.1.0-57-cloud-amd64.
kernel_package() {
  apt-cache depends "$KERNEL_PKG" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1
}

stamp() {
  { echo "$1 $(candidate "$1") $BUSYBOX_PKG $(candidate "$BUSYBOX_PKG")"; echo "$MODULES"
    cat "$SRC"/*; } | sha256sum | cut -c1-16
}

download() {
  local dir=$1; shift
  mkdir -p "$dir"
  (cd "$dir" && apt-get download "$@" >/dev/null 2>&1) ||
    fail "apt-get download $* failed: run 'apt-get update' (as root) and retry"
}

initramfs() {
  local debs=$1 root=$2
  rm -rf "$root" "$debs/x"
  mkdir -p "$root"/{bin,dev,proc,sys,etc,lib/modules,seed,www,tmp} "$debs/x"
  dpkg-deb -x "$debs"/busybox-static_*.deb "$debs/x"
  dpkg-deb -x "$debs"/linux-image-*.deb "$debs/x"
  cp "$debs/x/bin/busybox" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  for m in $MODULES; do
    f=$(find "$debs/x/lib/modules" -name "$m.ko" | head -n 1)
    [ -n "$f" ] || fail "module $m not found in the kernel package"
    cp "$f" "$root/lib/modules/$m.ko"
  done
  echo $MODULES | tr ' ' '\n' >"$root/etc/modules-order"
  install -m 0755 "$SRC/init" "$root/init"
  install -m 0755 "$SRC/udhcpc.script" "$root/etc/udhcpc.script"
  cp "$debs"/x/boot/vmlinuz-* "$OUT/vmlinuz.tmp"
}

main() {
  command -v apt-get >/dev/null || fail "needs Debian's apt-get"
  local kpkg want
  kpkg=$(kernel_package)
  [ -n "$kpkg" ] || fail "no candidate for $KERNEL_PKG: run 'apt-get update' (as root) and retry"
  want=$(stamp "$kpkg")
  if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$want" ] && [ -f "$OUT/initrd.img" ]; then
    echo "$OUT"; return
  fi
  mkdir -p "$OUT"
  rm -rf "$OUT/debs"
  download "$OUT/debs" "$kpkg" "$BUSYBOX_PKG"
  initramfs "$OUT/debs" "$OUT/root"
  # busybox's own cpio: the host needs no cpio package.
  (cd "$OUT/root" && find . | ./bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$OUT/initrd.img.tmp"
  mv -f "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
  mv -f "$OUT/initrd.img.tmp" "$OUT/initrd.img"
  rm -rf "$OUT/debs" "$OUT/root"
  echo "$want" >"$OUT/stamp"
  echo "$OUT"
}

main
