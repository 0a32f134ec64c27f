#!/bin/sh
# test_exports: libkrunsh.so LIB has soname libkrunsh.so.0, exports no name
# without the krunsh_ prefix, needs no name that nothing provides, and
# exports every function that HEADER (the public header) marks KRUNSH_EXPORT.
# Exit status 1, with the offending names, when any of that breaks.
set -u
lib=$1 header=${2:-}
fail=0
not_ok() { echo "not ok - test_exports: $*"; fail=1; }

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libkrunsh.so.0 ] || not_ok "$lib has soname '$soname', expected libkrunsh.so.0"

# Defined dynamic symbols, without the version node (type A, KRUNSH_0).
exported=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u)
stray=$(printf '%s\n' "$exported" | grep -v '^krunsh_' | grep -v '^$')
[ -z "$stray" ] || not_ok "$lib exports names without the krunsh_ prefix:" $stray

# Names the library uses but neither defines nor takes from a versioned
# library (libc, libdl, libm): a program linking -lkrunsh would not load.
# (The Makefile links with -Wl,--no-undefined; this says which name.)
unresolved=$(nm -D --undefined-only "$lib" | awk '$1 == "U" && $2 !~ /@/ { print $2 }' | sort -u)
[ -z "$unresolved" ] || not_ok "$lib needs names nothing it links provides:" $unresolved

if [ -n "$header" ] && [ -f "$header" ]; then
	# Declarations joined up to their ';', those marked KRUNSH_EXPORT,
	# the name before the first '('.
	marked=$(sed -e 's|//.*||' -e '/^[[:space:]]*#/d' "$header" | tr '\n' ' ' | tr ';' '\n' |
		grep 'KRUNSH_EXPORT' | sed -n 's/.*\(krunsh_[A-Za-z0-9_]*\)[[:space:]]*(.*/\1/p' | sort -u)
	[ -n "$marked" ] || not_ok "$header marks no function KRUNSH_EXPORT"
	for f in $marked; do
		printf '%s\n' "$exported" | grep -qx "$f" || not_ok "$f is KRUNSH_EXPORT in $header but $lib does not export it"
	done
	echo "# $(printf '%s\n' "$marked" | grep -c .) functions marked in $header"
else
	echo "# no public header yet ($header): only the prefix is checked"
fi
[ "$fail" = 0 ] && echo "ok - test_exports: $lib exports $(printf '%s\n' "$exported" | grep -c .) names, all krunsh_*"
exit "$fail"
