#!/bin/sh
# Fetches the Debian cloud kernel package and unpacks what krunsh's guest
# needs into DEST (no system kernel is installed):
#   DEST/vmlinux   uncompressed ELF, booted through PVH (skips the decompressor)
#   DEST/vmlinuz   the package's bzImage, kept as a fallback
#   DEST/modules/  the few modules the guest loads, plus "order" (load order)
#   DEST/release   the kernel release string
set -eu
DEST=${1:?usage: install-guest-kernel.sh DEST}
PACKAGE=${KRUNSH_KERNEL_PACKAGE:-linux-image-cloud-amd64}
# Modules in dependency order (from each module's depends= field).
# "order" is loaded at every boot; the others only when a run asks for them.
MODULES="virtio_ring virtio virtio_mmio virtio_console fuse virtiofs overlay"
MODULES_NET="failover net_failover virtio_net"
MODULES_BLK="virtio_blk"

work=$(mktemp -d "${TMPDIR:-/tmp}/krunsh-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The metapackage depends on the versioned image package: resolve it.
image=$(apt-cache depends "$PACKAGE" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[ -n "$image" ] || image=$PACKAGE
version=$(apt-cache policy "$image" | sed -n 's/^ *Candidate: //p')
# Bump when the layout or module lists change, so setup redoes the unpack.
LAYOUT=3
if [ -f "$DEST/package" ] && [ "$(cat "$DEST/package")" = "$image $version layout $LAYOUT" ] && [ -f "$DEST/vmlinux" ]; then
	echo "guest kernel $image $version already in $DEST"
	exit 0
fi
echo "fetching $image $version"
(cd "$work" && apt-get download "$image" >/dev/null 2>&1) || (cd "$work" && apt-get download "$image")
chmod -R a+rX "$work"
dpkg-deb -x "$work"/*.deb "$work/root"
vmlinuz=$(ls "$work"/root/boot/vmlinuz-* | head -n1)
release=${vmlinuz##*/vmlinuz-}

# Find the compressed payload inside the bzImage and unpack it; the first
# offset whose output is an ELF file wins.
extract() {
	magic=$1; shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$vmlinuz" 2>/dev/null | cut -d: -f1); do
		tail -c +$((off + 1)) "$vmlinuz" | "$@" > "$work/vmlinux" 2>/dev/null || true
		if [ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			return 0
		fi
	done
	return 1
}
extract '\x02\x21\x4c\x18' lz4 -dc ||
	extract '\x28\xb5\x2f\xfd' zstd -dcq ||
	extract '\xfd\x37\x7a\x58\x5a\x00' xz -dc ||
	extract '\x1f\x8b\x08' gzip -dc ||
	{ echo "could not unpack vmlinux from $vmlinuz" >&2; rm -f "$work/vmlinux"; }

mkdir -p "$DEST.new/modules"
[ -f "$work/vmlinux" ] && cp "$work/vmlinux" "$DEST.new/vmlinux"
cp "$vmlinuz" "$DEST.new/vmlinuz"
install_modules() {
	list=$1; shift
	: > "$DEST.new/modules/$list"
	for m in "$@"; do
		ko=$(find "$work/root/lib/modules/$release" -name "$m.ko" | head -n1)
		[ -n "$ko" ] || { echo "module $m missing from $image" >&2; exit 1; }
		cp "$ko" "$DEST.new/modules/"
		# Dropping the appended signature (strip rewrites the ELF without
		# it) spares the guest an RSA check per module: 40 ms of boot under
		# TCG. The guest only notes a taint; this kernel enforces nothing.
		strip --strip-debug "$DEST.new/modules/$m.ko"
		echo "$m.ko" >> "$DEST.new/modules/$list"
	done
}
# shellcheck disable=SC2086
install_modules order $MODULES
# shellcheck disable=SC2086
install_modules order-net $MODULES_NET
# shellcheck disable=SC2086
install_modules order-blk $MODULES_BLK
echo "$release" > "$DEST.new/release"
echo "$image $version layout $LAYOUT" > "$DEST.new/package"
chmod -R a+rX "$DEST.new"
rm -rf "$DEST.old"
[ -d "$DEST" ] && mv "$DEST" "$DEST.old"
mv "$DEST.new" "$DEST"
rm -rf "$DEST.old"
echo "guest kernel $release installed in $DEST"
