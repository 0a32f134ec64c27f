#!/bin/sh
# test_cli_boundary: the krunsh command (cli/'s objects) uses the library
# only through its public API: every library name a cli/ object needs is
# a krunsh_* one, but for the spec-parsing helpers the flags still fill the
# library's own specs with (issue 12's step left: the flags filling
# cli/run_spec.c's public specs directly). A new internal name used from
# cli/, or one of the listed no longer used (then drop it here), fails.
# Usage: test_cli_boundary.sh BUILD_DIR
set -u
build=$1
fail=0
not_ok() { echo "not ok - test_cli_boundary: $*"; fail=1; }

allowed="guest_user_resolve resources_add_disk_path resources_add_port_numbers
resources_add_tmpfs_path resources_add_volume_paths resources_free"

cli_objects=$(find "$build/cli" -name '*.o' | sort)
lib_objects=$(find "$build/lib" "$build/proto" -name '*.o' | sort)
[ -n "$cli_objects" ] && [ -n "$lib_objects" ] || { not_ok "no objects under $build/cli or $build/lib"; exit 1; }
# shellcheck disable=SC2086
library_names=$(nm -g --defined-only $lib_objects | awk 'NF == 3 { print $3 }' | sort -u)
# shellcheck disable=SC2086
cli_needs=$(nm -u $cli_objects | awk '{ print $NF }' | sort -u)
names=$(mktemp)
printf '%s\n' "$library_names" >"$names"
internal=$(printf '%s\n' "$cli_needs" | grep -Fx -f "$names" | grep -v '^krunsh_')
rm -f "$names"
for name in $internal; do
	printf '%s\n' $allowed | grep -qx "$name" && continue
	users=$(for o in $cli_objects; do nm -u "$o" | awk '{ print $NF }' | grep -qx "$name" && basename "$o"; done)
	not_ok "cli/ uses the library's internal $name (in" $users") instead of the public API"
done
for name in $allowed; do
	printf '%s\n' $internal | grep -qx "$name" ||
		not_ok "cli/ no longer uses $name: take it off this test's list"
done
public=$(printf '%s\n' "$cli_needs" | grep -c '^krunsh_')
[ "$fail" = 0 ] && echo "ok - test_cli_boundary: cli/ calls $public krunsh_* functions and, of the library's internals, only the $(printf '%s\n' $allowed | grep -c .) spec-parsing helpers listed"
exit "$fail"
