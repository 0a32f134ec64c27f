#!/bin/sh
# The behaviour suite: every test_* function in tests/e2e/test_*.sh, once per
# engine. Engines: qemu (real VMs under KVM or TCG), krun-double (the krun
# engine against our libkrun contract double: no VM), krun-real (real
# libkrun, from KRUNSH_LIBKRUN, LD_LIBRARY_PATH or the loader's cache; skipped
# with the reason where libkrun or a usable KVM is missing).
#   tests/e2e/run.sh                 all engines, all tests
#   KRUNSH_TEST_ENGINES=qemu tests/e2e/run.sh
#   KRUNSH_TEST_FILTER=exit_status tests/e2e/run.sh   tests whose name matches
#   KRUNSH_TEST_FILES="test_faults test_input" tests/e2e/run.sh   those files only
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export BUILD_DIR="${BUILD_DIR:-$root/build}"
export KRUNSH="${KRUNSH:-$BUILD_DIR/krunsh}"
# qemu runs on krunsh's default (fastest) kernel; qemu-debian repeats the
# smoke subset (tests/e2e/smoke.list) on the Debian cloud kernel.
engines=${KRUNSH_TEST_ENGINES:-"qemu qemu-debian krun-double krun-real"}
export DEBIAN_KERNEL="${KRUNSH_DEBIAN_KERNEL:-/usr/local/lib/krunsh/kernel}"
# A warm keeper the user runs must not take the suite's runs: test_warm.sh
# asks for its own.
export KRUNSH_NO_WARM=1
filter=${KRUNSH_TEST_FILTER:-}
files=${KRUNSH_TEST_FILES:-}
passed=0 failed=0 skipped=0 failures=""

# Where libkrun.so.1 is, as krunsh's dlopen would find it: KRUNSH_LIBKRUN,
# then LD_LIBRARY_PATH, then the loader's cache. Empty if nowhere.
libkrun_found() {
	if [ -n "${KRUNSH_LIBKRUN:-}" ]; then
		[ -f "$KRUNSH_LIBKRUN" ] && echo "$KRUNSH_LIBKRUN"
		return
	fi
	old_ifs=$IFS
	IFS=:
	for dir in ${LD_LIBRARY_PATH:-}; do
		[ -n "$dir" ] && [ -f "$dir/libkrun.so.1" ] && { IFS=$old_ifs; echo "$dir/libkrun.so.1"; return; }
	done
	IFS=$old_ifs
	ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libkrun\.so\.1 .*=> //p' | head -n 1
}

krun_real_reason() {
	if [ -z "$(libkrun_found)" ]; then
		if [ -n "${KRUNSH_LIBKRUN:-}" ]; then
			echo "KRUNSH_LIBKRUN=$KRUNSH_LIBKRUN does not exist"; return
		fi
		echo "libkrun.so.1 is not installed (not packaged for Debian 12; KRUNSH_LIBKRUN or LD_LIBRARY_PATH can name one)"; return
	fi
	if [ -d /sys/module/kvm_pvm ]; then
		echo "/dev/kvm is PVM (kvm_pvm), which cannot boot a guest kernel"; return
	fi
	if [ ! -w /dev/kvm ]; then
		echo "/dev/kvm is not usable"; return
	fi
	echo ""
}

for engine in $engines; do
	engine_skip=""
	if [ "$engine" = qemu-debian ] && [ ! -d "$DEBIAN_KERNEL" ]; then
		engine_skip="no Debian guest kernel at $DEBIAN_KERNEL (run setup.sh)"
	fi
	[ "$engine" = krun-real ] && engine_skip=$(krun_real_reason)
	for file in "$here"/test_*.sh; do
		if [ -n "$files" ]; then
			case " $files " in *" $(basename "$file" .sh) "*) ;; *) continue ;; esac
		fi
		tests=$(sed -n 's/^\(test_[A-Za-z0-9_]*\)() *{.*/\1/p' "$file")
		for t in $tests; do
			case "$t" in *"$filter"*) ;; *) continue ;; esac
			if [ "$engine" = qemu-debian ] && ! grep -qx "$t" "$here/smoke.list"; then
				continue
			fi
			name="$engine/$(basename "$file" .sh)/$t"
			if [ -n "$engine_skip" ]; then
				echo "SKIP $name: $engine_skip"
				skipped=$((skipped + 1))
				continue
			fi
			scratch=$(mktemp -d "${TMPDIR:-/tmp}/krunsh-test.XXXXXX")
			start=$(date +%s.%N)
			(
				export ENGINE="$engine" TEST_SCRATCH="$scratch"
				cd "$scratch" || exit 99
				. "$here/lib.sh"
				. "$file"
				"$t"
			) > "$scratch.log" 2>&1
			rc=$?
			secs=$(awk -v a="$start" -v b="$(date +%s.%N)" "BEGIN{printf \"%.1f\", b - a}")
			case $rc in
			0) echo "PASS $name (${secs}s)"; passed=$((passed + 1)) ;;
			77) echo "SKIP $name: $(sed -n 's/^ *SKIP: //p' "$scratch.log" | tail -n1)"
			    skipped=$((skipped + 1)) ;;
			*) echo "FAIL $name (status $rc)"; sed 's/^/    | /' "$scratch.log" | tail -n 30
			   failed=$((failed + 1)); failures="$failures $name" ;;
			esac
			chmod -R u+rwX "$scratch" 2>/dev/null
			rm -rf "$scratch" "$scratch.log"
		done
	done
done
[ -z "$failures" ] || echo "failed:$failures"
echo "e2e: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
