#!/bin/sh
# Sets krunsh up on a fresh Debian 12 machine: the Debian packages it needs,
# the guest kernels (nothing is installed as the host's kernel), then builds
# and installs krunsh into PREFIX (default /usr/local). Safe to run again.
set -eu
cd "$(dirname "$0")"
PREFIX=${PREFIX:-/usr/local}
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

PACKAGES="build-essential libc6-dev pkg-config qemu-system-x86 qemu-system-common
	lz4 zstd xz-utils procps bsdutils valgrind clang libclang-rt-14-dev curl
	linux-source-6.1 bc bison flex libelf-dev libssl-dev uidmap passt
	python3 wget tmux golang-go python3-pytest libjson-c-dev
	umoci skopeo podman containerd"
# podman, containerd, umoci, skopeo: the OCI tests (images are made locally; no registry).
# golang-go: the suite's go test -exec case (a runner's results must match
# native ones); python3-pytest: its --junitxml case (the thrown-away line). The test suite builds a tiny --root from a static busybox. busybox-static
# replaces a dynamic busybox, so it is only added where none is installed.
if ! dpkg-query -W -f='${Status}' busybox 2>/dev/null | grep -q 'ok installed'; then
	PACKAGES="$PACKAGES busybox-static"
fi

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# Three guest kernels: Debian's cloud kernel, unpacked (the fallback), and
# krunsh's own minimal build from Debian's linux-source-6.1 (the fast one,
# about 4 minutes to build once; cached by source version and config), in
# a uniprocessor build for one vCPU and an SMP build for --cpus 2 and more.
$SUDO tools/install-guest-kernel.sh "$PREFIX/lib/krunsh/kernel"
$SUDO tools/build-guest-kernel.sh "$PREFIX/lib/krunsh/kernel-minimal"
$SUDO tools/build-guest-kernel.sh "$PREFIX/lib/krunsh/kernel-minimal-smp" kernel/krunsh-smp.config
make PREFIX="$PREFIX"
$SUDO make PREFIX="$PREFIX" install
# The loader's cache learns libkrunsh.so.0, and man-db's index krunsh(1) and
# libkrunsh(3) (/usr/local/share/man is on man-db's default path; another
# PREFIX's is not).
$SUDO ldconfig
if command -v mandb >/dev/null 2>&1; then
	$SUDO mandb -q "$PREFIX/share/man" || true
fi
echo "setup: krunsh installed as $PREFIX/bin/krunsh"
