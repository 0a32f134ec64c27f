#!/bin/sh
# krunsh benchmark: medians of wall time, as ratios against a baseline run
# in the same invocation (a bare QEMU boot of the same kernel whose init
# resets the VM at once), interleaved so background load hits all cases.
#   bench/run.sh [RUNS]      (default 10; BUILD_DIR selects the build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${BUILD_DIR:-$here/../build}
KRUNSH=${KRUNSH:-$BUILD_DIR/krunsh}
RUNS=${1:-10}
BARE_INITRD=$BUILD_DIR/bench/bare-initramfs.cpio
[ -f "$BARE_INITRD" ] || { echo "bench: run 'make bench' (missing $BARE_INITRD)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/krunsh-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The kernel krunsh uses, from its own report.
echo 'true' | "$KRUNSH" --report "$work/probe.json" >/dev/null
kernel=$(sed -n 's/^  "kernel": "\(.*\)",$/\1/p' "$work/probe.json")
accel=$(sed -n 's/^  "accelerator": "\(.*\)",$/\1/p' "$work/probe.json")
tsc_khz=$(awk -F: '/^cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
qemu=$(command -v qemu-system-x86_64)

bare_boot() {
	"$qemu" -nodefaults -no-user-config -no-reboot -display none \
		-M microvm,x-option-roms=off -m 512 -smp 1 -accel "$accel" \
		-cpu qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16 \
		-kernel "$kernel" -initrd "$BARE_INITRD" -serial none \
		-append "quiet loglevel=1 panic=-1 reboot=t cryptomgr.notests tsc_early_khz=$tsc_khz" \
		</dev/null >/dev/null 2>&1
}
one_line() { echo 'echo hi' | "$KRUNSH" --report "$work/r.json" >/dev/null; }
twenty_lines() { for i in $(seq 20); do echo "echo line $i"; done | "$KRUNSH" --report "$work/r.json" >/dev/null; }

now() { date +%s.%N; }
retries=0
time_case() {
	t0=$(now)
	"$1"
	t1=$(now)
	echo "$t1 - $t0" | awk '{printf "%.4f\n", $1 - $3}' >> "$work/$1.times"
	if [ "$1" != bare_boot ]; then
		r=$(sed -n 's/^  "watchdog_retries": \([0-9]*\),$/\1/p' "$work/r.json")
		retries=$((retries + ${r:-0}))
	fi
}
for i in $(seq "$RUNS"); do
	time_case bare_boot
	time_case one_line
	time_case twenty_lines
done
median() { sort -n "$work/$1.times" | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }
bare=$(median bare_boot)
one=$(median one_line)
twenty=$(median twenty_lines)
echo "krunsh benchmark: $RUNS runs each, $(nproc) cores, accelerator $accel, kernel $kernel"
printf '%-34s %10s %10s\n' case median_s ratio
printf '%-34s %10s %10s\n' "bare QEMU boot (baseline)" "$bare" 1.00
printf '%-34s %10s %10s\n' "echo hi | krunsh" "$one" "$(echo "$one $bare" | awk '{printf "%.2f", $1/$2}')"
printf '%-34s %10s %10s\n' "20 lines | krunsh" "$twenty" "$(echo "$twenty $bare" | awk '{printf "%.2f", $1/$2}')"
printf '%-34s %10s %10s\n' "20 lines / 1 line" "" "$(echo "$twenty $one" | awk '{printf "%.2f", $1/$2}')"
echo "watchdog retries: $retries in $((RUNS * 2)) krunsh runs"
