#!/bin/sh
# Builds krunsh's minimal guest kernel from Debian's linux-source-6.1 with
# kernel/krunsh.config (then any FRAGMENT given, e.g. kernel/krunsh-smp.config
# for the SMP variant; later fragments win) and kernel/patches/*.patch, and
# installs it as DEST/vmlinux with DEST/release and DEST/features. Cached by
# a key of (source package version, config fragments, patches, this script):
# a second run with the same key does nothing.
#   tools/build-guest-kernel.sh DEST [FRAGMENT...]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:?usage: build-guest-kernel.sh DEST [FRAGMENT...]}
shift
fragments="$here/kernel/krunsh.config"
for f in "$@"; do fragments="$fragments $(cd "$(dirname "$f")" && pwd)/$(basename "$f")"; done
TARBALL=/usr/src/linux-source-6.1.tar.xz
[ -f "$TARBALL" ] || { echo "missing $TARBALL (apt-get install linux-source-6.1)" >&2; exit 1; }
source_version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
# shellcheck disable=SC2086
key=$( { echo "$source_version"; cat $fragments "$0";
	cat "$here"/kernel/patches/*.patch 2>/dev/null || true; } | sha256sum | cut -c1-16)
if [ -f "$DEST/key" ] && [ "$(cat "$DEST/key")" = "$key" ] && [ -f "$DEST/vmlinux" ]; then
	echo "minimal guest kernel $key already in $DEST"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/krunsh-kbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
echo "building minimal guest kernel $key (linux-source-6.1 $source_version)"
tar -xf "$TARBALL" -C "$work"
src=$(ls -d "$work"/linux-source-*)
for p in "$here"/kernel/patches/*.patch; do
	[ -f "$p" ] && patch -d "$src" -p1 < "$p"
done
make -C "$src" -s ARCH=x86_64 tinyconfig
# shellcheck disable=SC2086
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" $fragments >/dev/null
make -C "$src" -s ARCH=x86_64 olddefconfig
# Every line of the fragment must have survived olddefconfig: a silently
# dropped option is how a guest ends up without its root file system.
# The last fragment's value of each option is the one expected.
# shellcheck disable=SC2086
expected=$(cat $fragments | grep '^CONFIG_' | awk -F= '{v[$1] = $0; o[$1] = NR} END {for (k in v) print o[k], v[k]}' | sort -n | cut -d' ' -f2-)
missing=$(echo "$expected" | while IFS= read -r line; do
	name=${line%%=*}; value=${line#*=}
	# if, not &&: a last option =n that is rightly off would end the
	# loop with grep's 1, and set -e the script, silently.
	if [ "$value" = n ]; then
		if grep -q "^$name=" "$src/.config"; then echo "$line"; fi
	else
		grep -qx "$line" "$src/.config" || echo "$line"
	fi
done)
[ -z "$missing" ] || { echo "config options not applied:" >&2; echo "$missing" >&2; exit 1; }
make -C "$src" -s ARCH=x86_64 -j"$(nproc)" vmlinux
mkdir -p "$DEST.new"
cp "$src/vmlinux" "$DEST.new/vmlinux"
strip --strip-debug "$DEST.new/vmlinux" 2>/dev/null || true
make -C "$src" -s ARCH=x86_64 kernelrelease > "$DEST.new/release"
# What krunsh must know to boot it: no ACPI (devices on the command line),
# it runs fine without the local APIC timer, and (without CONFIG_SMP) one
# CPU, and then takes the APIC timer's frequency as lapic_bus_khz=
# (kernel/patches/0005; the SMP build keeps noapictimer: not measured yet).
{ printf 'no-acpi\nnoapictimer\n'
	grep -qx 'CONFIG_SMP=y' "$src/.config" || printf 'uniprocessor\nlapic-bus-khz\n'; } > "$DEST.new/features"
echo "$key" > "$DEST.new/key"
chmod -R a+rX "$DEST.new"
rm -rf "$DEST.old"
[ -d "$DEST" ] && mv "$DEST" "$DEST.old"
mv "$DEST.new" "$DEST"
rm -rf "$DEST.old"
echo "minimal guest kernel $(cat "$DEST/release") installed in $DEST"
