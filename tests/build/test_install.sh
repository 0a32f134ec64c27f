#!/bin/sh
# test_install: `make install DESTDIR=... PREFIX=...` installs exactly the
# files it should, the installed binary has the PREFIX's paths built in, a
# second PREFIX rebuilds what depends on it (and nothing when unchanged),
# krunsh.pc gives the right flags, a program links and loads against the
# installed libkrunsh, and `make uninstall` takes it all away again.
# BUILD_DIR is kept between runs, so a run after the first rebuilds only
# what the PREFIX change reaches. Exits 1 on any failed check.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:?usage: test_install.sh BUILD_DIR}
MAKE=${MAKE:-make}
work=$(mktemp -d "${TMPDIR:-/tmp}/krunsh-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
not_ok() { echo "not ok - test_install: $*"; fail=1; }
ok() { echo "ok - test_install: $*"; }

# make -s is quiet, but the jobserver of a parent make still applies.
run_make() { (cd "$repo" && $MAKE -s BUILD="$build" "$@") >"$work/make.log" 2>&1 || {
	cat "$work/make.log"; not_ok "make $* failed"; exit 1; }; }

install_into() { # PREFIX DESTDIR
	run_make PREFIX="$1" DESTDIR="$2" install
}

expected_files() { # PREFIX
	{
		echo "$1/bin/krunsh"
		echo "$1/bin/krunsh-oci"
		echo "$1/libexec/krunsh/krunsh-agent"
		echo "$1/lib/libkrunsh.so.0.1.0"
		echo "$1/lib/libkrunsh.so.0 -> libkrunsh.so.0.1.0"
		echo "$1/lib/libkrunsh.so -> libkrunsh.so.0"
		echo "$1/lib/libkrunsh.a"
		echo "$1/lib/pkgconfig/krunsh.pc"
		for h in "$repo"/include/krunsh/*.h; do
			[ -f "$h" ] && echo "$1/include/krunsh/$(basename "$h")"
		done
		echo "$1/share/man/man1/krunsh.1"
		echo "$1/share/man/man1/krunsh-oci.1"
		echo "$1/share/man/man3/libkrunsh.3"
	} | sort
}

installed_files() { # DESTDIR
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort | while read -r f; do
		if [ -L "$1$f" ]; then echo "$f -> $(readlink "$1$f")"; else echo "$f"; fi
	done)
}

check_tree() { # PREFIX DESTDIR
	expected_files "$1" >"$work/expected"
	installed_files "$2" >"$work/got"
	if cmp -s "$work/expected" "$work/got"; then
		ok "PREFIX=$1 installs the $(wc -l <"$work/got") expected files"
	else
		not_ok "PREFIX=$1 installs other files than expected:"
		diff "$work/expected" "$work/got" | sed 's/^/#   /'
	fi
	for f in bin/krunsh libexec/krunsh/krunsh-agent; do
		[ -x "$2$1/$f" ] || not_ok "$1/$f is not executable"
	done
	mode=$(stat -c %a "$2$1/lib/pkgconfig/krunsh.pc")
	[ "$mode" = 644 ] || not_ok "krunsh.pc has mode $mode, expected 644"
}

check_paths_built_in() { # PREFIX OTHER_PREFIX DESTDIR
	if strings "$3$1/bin/krunsh" | grep -q "^$1/libexec/krunsh"; then
		ok "the binary looks for its agent in $1/libexec/krunsh"
	else
		not_ok "strings $1/bin/krunsh has no $1/libexec/krunsh"
	fi
	if strings "$3$1/bin/krunsh" | grep -q "^$2/"; then
		not_ok "$1/bin/krunsh still has the other PREFIX $2 built in"
	fi
}

a=/opt/krunsh-test-a b=/opt/krunsh-test-b

install_into "$a" "$work/a"
check_tree "$a" "$work/a"
check_paths_built_in "$a" "$b" "$work/a"

# Another PREFIX after a build: config.h and krunsh.pc follow, and so does
# what includes config.h.
install_into "$b" "$work/b"
check_tree "$b" "$work/b"
check_paths_built_in "$b" "$a" "$work/b"

# The same PREFIX again rebuilds nothing (sudo make install after make).
before=$(stat -c %Y:%i "$build/krunsh" "$build/config.h" "$build/libkrunsh.so.0.1.0")
sleep 1
install_into "$b" "$work/b2"
after=$(stat -c %Y:%i "$build/krunsh" "$build/config.h" "$build/libkrunsh.so.0.1.0")
if [ "$before" = "$after" ]; then
	ok "an unchanged PREFIX rebuilds nothing"
else
	not_ok "make install with an unchanged PREFIX rebuilt krunsh, config.h or libkrunsh.so"
fi

# pkg-config, as a user of the installed library runs it.
pc_dir=$work/b$b/lib/pkgconfig
flags=$(echo $(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs krunsh))
[ "$flags" = "-I$b/include -L$b/lib -lkrunsh" ] && ok "pkg-config --cflags --libs krunsh: $flags" ||
	not_ok "pkg-config --cflags --libs krunsh gives '$flags', expected '-I$b/include -L$b/lib -lkrunsh'"
static=$(echo $(PKG_CONFIG_PATH=$pc_dir pkg-config --static --libs krunsh))
[ "$static" = "-L$b/lib -lkrunsh -ldl -lm" ] ||
	not_ok "pkg-config --static --libs krunsh gives '$static'"
version=$(PKG_CONFIG_PATH=$pc_dir pkg-config --modversion krunsh)
grep -q "^VERSION *:= *$version\$" "$repo/Makefile" || not_ok "krunsh.pc has version $version, not the Makefile's"

# A program built with those flags (through the DESTDIR as the sysroot)
# against the installed header links and loads the installed libkrunsh.so.0.
cat >"$work/user.c" <<'PROGRAM'
#include <krunsh/krunsh.h>
#include <string.h>
int main(void) { return strcmp(krunsh_version(), VERSION) != 0; }
PROGRAM
if ${CC:-cc} -DVERSION="\"$version\"" -o "$work/user" "$work/user.c" \
	$(PKG_CONFIG_SYSROOT_DIR=$work/b PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs krunsh) \
	2>"$work/cc.log" &&
	readelf -d "$work/user" | grep -q 'NEEDED.*libkrunsh.so.0' &&
	LD_LIBRARY_PATH=$work/b$b/lib "$work/user"; then
	ok "a program built with pkg-config's flags loads the installed libkrunsh.so.0 (krunsh_version() $version)"
else
	cat "$work/cc.log"
	not_ok "a program built with pkg-config's flags does not link, load or get krunsh_version() $version"
fi

# The examples build the same way, against the installed header only
# (running them needs a VM: tests/e2e/test_library.sh).
for example in "$repo"/examples/*.c; do
	[ -f "$example" ] || continue
	if ${CC:-cc} -Werror -Wall -o "$work/example" "$example" \
		$(PKG_CONFIG_SYSROOT_DIR=$work/b PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs krunsh) \
		2>"$work/cc.log"; then
		ok "examples/$(basename "$example") builds against the installed header and library"
	else
		cat "$work/cc.log"
		not_ok "examples/$(basename "$example") does not build against the installed krunsh"
	fi
done

run_make PREFIX="$b" DESTDIR="$work/b" uninstall
left=$(cd "$work/b" && find . \( -type f -o -type l \))
[ -z "$left" ] && ok "make uninstall removes what install put there" ||
	not_ok "make uninstall left:" $left
exit "$fail"
