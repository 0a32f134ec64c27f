#!/bin/sh
# test_man: krunsh.1 documents every long option that `krunsh --help` lists
# and every KRUNSH_* variable the code reads, --help lists every long option
# cli/options.c accepts, libkrunsh.3 names
# every function the public HEADER marks KRUNSH_EXPORT (so none can fall
# behind), and the pages render without warnings from groff (and mandoc's
# lint, where installed). Exits 1 naming what is missing.
set -u
krunsh=$1 page=$2 page3=${3:-} header=${4:-} exported=
here=$(cd "$(dirname "$0")" && pwd)
options_c=$here/../../cli/options.c
fail=0
not_ok() { echo "not ok - test_man: $*"; fail=1; }

help_options=$("$krunsh" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$help_options" ] || not_ok "$krunsh --help lists no long option"
# Documented means an entry of its own: named in the tag line after a .TP
# (written \-\-name, roff's minus), not just mentioned in a paragraph.
tagged=$(awk 'previous == ".TP" { print } { previous = $0 }' "$page" | sed 's/\\-/-/g' |
	grep -o -- '--[a-z][a-z-]*' | sort -u)
for o in $help_options; do
	printf '%s\n' "$tagged" | grep -qx -- "$o" || not_ok "$page has no entry for $o"
done

# getopt_long's table: {"name", ..., NULL, ...}.
table_options=$(sed -n 's/^[[:space:]]*{"\([a-z][a-z-]*\)",.*/--\1/p' "$options_c" | sort -u)
[ -n "$table_options" ] || not_ok "no long options found in $options_c"
for o in $table_options; do
	printf '%s\n' "$help_options" | grep -qx -- "$o" || not_ok "krunsh --help does not list $o (cli/options.c accepts it)"
done

# Every KRUNSH_* variable the code names has an entry under ENVIRONMENT.
environment=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' "$page" | awk 'previous == ".TP" { print } { previous = $0 }')
for v in $(grep -rhoE '"KRUNSH_[A-Z_]+"' "$here/../../cli" "$here/../../lib" | tr -d '"' | sort -u); do
	printf '%s\n' "$environment" | grep -qw "$v" || not_ok "$page has no ENVIRONMENT entry for $v, which the code reads"
done

if [ -n "$page3" ] && [ -n "$header" ] && [ -f "$header" ]; then
	exported=$(sed -e 's|//.*||' -e '/^[[:space:]]*#/d' "$header" | tr '\n' ' ' | tr ';' '\n' |
		grep 'KRUNSH_EXPORT' | sed -n 's/.*\(krunsh_[A-Za-z0-9_]*\)[[:space:]]*(.*/\1/p' | sort -u)
	synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$page3" | sed 's/\\-/-/g')
	for f in $exported; do
		printf '%s\n' "$synopsis" | grep -q "$f(" || not_ok "$page3's SYNOPSIS lacks $f(), which $header exports"
	done
fi

for p in "$page" $page3; do
	warnings=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
	[ -z "$warnings" ] || not_ok "groff warns about $p: $warnings"
	if command -v mandoc >/dev/null 2>&1; then
		lint=$(mandoc -Tlint -W warning "$p" 2>&1)
		[ -z "$lint" ] || not_ok "mandoc -Tlint: $lint"
	fi
done
[ "$fail" = 0 ] && echo "ok - test_man: $page documents the $(printf '%s\n' "$help_options" | wc -l) long options of --help, which lists all of cli/options.c's${exported:+; $page3 the $(printf '%s\n' "$exported" | wc -l) exported functions}"
exit "$fail"
