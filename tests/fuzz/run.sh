#!/bin/sh
# Runs each libFuzzer target for SECONDS (default 20; CI uses the default,
# `tests/fuzz/run.sh 600` for a longer hunt). Inputs found to crash are kept
# by libFuzzer as crash-* files: fix the bug, then move the input into
# tests/fuzz/corpus/TARGET/ so it stays as a regression input. The corpus
# inputs are replayed first on every run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${BUILD_DIR:-$here/../../build}
SECONDS_EACH=${1:-20}
if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: SKIP: clang is not installed (setup.sh installs it)"
	exit 0
fi
status=0
for target in script frames channel bundle image_layout netfilter netrelay session job events; do
	bin=$BUILD_DIR/fuzz/fuzz_$target
	work=$(mktemp -d "${TMPDIR:-/tmp}/krunsh-fuzz.XXXXXX")
	# New inputs go to a scratch corpus; the checked-in one is read-only.
	if (cd "$work" && "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
		-print_final_stats=1 "$work" "$here/corpus/$target" >"$work/log" 2>&1); then
		echo "fuzz: PASS $target ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$') runs in ${SECONDS_EACH}s)"
	else
		echo "fuzz: FAIL $target"; tail -n 40 "$work/log"
		mkdir -p "$BUILD_DIR/fuzz/crashes"
		cp "$work"/crash-* "$work"/timeout-* "$work"/leak-* "$BUILD_DIR/fuzz/crashes/" 2>/dev/null || true
		status=1
	fi
	rm -rf "$work"
done
exit $status
