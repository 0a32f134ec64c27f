#!/bin/sh
# test_cli_boundary: the krunsh command and the OCI runtime (cli/'s and
# runtime/'s objects) use the library only through its public API: every
# library name their objects need is a krunsh_* one, and no source of
# theirs includes a library header (lib/, proto/) instead of
# include/krunsh/krunsh.h. util/ (path joining, errors as values, text) is
# shared code, not the library's.
# Usage: test_cli_boundary.sh BUILD_DIR
set -u
build=$1
fail=0
not_ok() { echo "not ok - test_cli_boundary: $*"; fail=1; }

here=$(cd "$(dirname "$0")/../.." && pwd)
client_objects=$(find "$build/cli" "$build/runtime" -name '*.o' | sort)
lib_objects=$(find "$build/lib" "$build/proto" -name '*.o' | sort)
[ -n "$client_objects" ] && [ -n "$lib_objects" ] || { not_ok "no objects under $build/cli or $build/lib"; exit 1; }
# shellcheck disable=SC2086
library_names=$(nm -g --defined-only $lib_objects | awk 'NF == 3 { print $3 }' | sort -u)
names=$(mktemp)
printf '%s\n' "$library_names" >"$names"
public=0
for o in $client_objects; do
	internal=$(nm -u "$o" | awk '{ print $NF }' | grep -Fx -f "$names" | grep -v '^krunsh_')
	for name in $internal; do
		not_ok "${o#"$build"/} uses the library's internal $name instead of the public API"
	done
	public=$((public + $(nm -u "$o" | awk '{ print $NF }' | grep -c '^krunsh_')))
done
rm -f "$names"
includes=$(grep -rn '#include "\(lib\|proto\)/' "$here/cli" "$here/runtime")
[ -z "$includes" ] || not_ok "a library header included from cli/ or runtime/: $includes"
[ "$fail" = 0 ] && echo "ok - test_cli_boundary: cli/ and runtime/ reach the library through $public calls of krunsh_* functions and include none of its headers"
exit "$fail"
