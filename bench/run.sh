#!/bin/sh
# krunsh benchmark suite. Medians of wall time, as ratios against a baseline
# measured in the same invocation: a bare QEMU boot of the same kernel (same
# machine flags) whose init resets the VM at once. Cases are interleaved so
# background load hits all of them alike.
#   bench/run.sh [RUNS]            default 10 runs per case
#   bench/run.sh --soak N          N consecutive 'echo hi' runs: failures and
#                                  watchdog retries (boot hangs) counted
#   bench/run.sh --session N       only 'echo hi' fresh against a call on a
#                                  live session (--session), N runs each
#                                  (with KRUNSH_BASELINE: its session call too)
#   bench/run.sh --warm N          only the warm VMs' figures (issue 15): cold
#                                  against warm 'echo hi', 20 back to back,
#                                  the keeper's idle CPU (also at the end of
#                                  a full run)
#   bench/run.sh --cold N          only the cold path (issue 15): the bare
#                                  boot, 'echo hi' and 8 concurrent, N runs each
#   bench/run.sh --execs N         only 20 programs started one after another
#                                  in one run (with KRUNSH_BASELINE: its too)
# KRUNSH_KERNEL selects the kernel as for krunsh; BUILD_DIR the build.
# KRUNSH_BASELINE=PATH/TO/krunsh adds 'echo hi' with another build (say,
# the previous commit's), interleaved, and prints this build's ratio to it.
# KRUNSH_BASELINE_KERNEL=PATH (with --cold) adds the bare boot and 'echo hi'
# with another guest kernel (a vmlinux with its features file beside it),
# interleaved, and prints the kernel's ratios to it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${BUILD_DIR:-$here/../build}
KRUNSH=${KRUNSH:-$BUILD_DIR/krunsh}
BARE_INITRD=$BUILD_DIR/bench/bare-initramfs.cpio
[ -f "$BARE_INITRD" ] || { echo "bench: run 'make bench' (missing $BARE_INITRD)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/krunsh-bench.XXXXXX")
# A session of the bench's own (issue 13): its socket in a private dir.
export XDG_RUNTIME_DIR="$work/xdg"
mkdir -m 700 "$XDG_RUNTIME_DIR"
# The baseline build's session, when there is one, is a session of its own.
end_sessions() {
	"$KRUNSH" --session bench --end 2>/dev/null
	[ -z "${KRUNSH_BASELINE:-}" ] || "$KRUNSH_BASELINE" --session bench-baseline --end 2>/dev/null
}
trap 'end_sessions; "$KRUNSH" --warm 0 2>/dev/null; rm -rf "$work"' EXIT INT TERM

json_field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2"; }

if [ "${1:-}" = --soak ]; then
	n=${2:-200} fails=0 retries=0
	for i in $(seq "$n"); do
		if ! out=$(echo 'echo hi' | "$KRUNSH" --report "$work/r.json" 2>"$work/err") || [ "$out" != hi ]; then
			fails=$((fails + 1)); echo "run $i failed: $(cat "$work/err")"
		fi
		retries=$((retries + $(json_field watchdog_retries "$work/r.json")))
	done
	echo "soak: $n runs, $fails failed, $retries watchdog retries (boot hangs caught)"
	[ "$fails" -eq 0 ]
	exit
fi
# A call on a live session: one execution, no boot.
session_call() { "$KRUNSH" --session bench -c 'echo hi' >/dev/null; }
baseline_session_call() { "$KRUNSH_BASELINE" --session bench-baseline -c 'echo hi' >/dev/null; }
# Twenty programs started one after another (a build's or a test run's
# pattern): each exec maps ld.so and libc from the guest's page cache.
execs_text='for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do /bin/true; done'
now() { date +%s.%N; }
median() { sort -n "$1" | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
session_line() {
	s=$(median "$work/session_call.times")
	printf '%-36s %10s %14s (%s ms; %sx echo_hi)\n' "session call, live session" "$s" \
		"${1:-}" "$(echo "$s" | awk '{printf "%.1f", $1 * 1000}')" \
		"$(ratio "$s" "$(median "$work/echo_hi.times")")"
	[ -f "$work/baseline_session_call.times" ] || return 0
	b=$(median "$work/baseline_session_call.times")
	printf '%-36s %10s %14s (%s ms; this build %sx the baseline)\n' \
		"session call, baseline build" "$b" "" \
		"$(echo "$b" | awk '{printf "%.1f", $1 * 1000}')" "$(ratio "$s" "$b")"
}
# Warm VMs (issue 15), in the bench's own XDG_RUNTIME_DIR: 'echo hi' cold
# (KRUNSH_NO_WARM) and warm, interleaved, each warm run on a full pool
# (--warm 2 returns once both VMs are up); then 20 runs back to back,
# each waited for, against 20 x the warm median, with how many of them
# fell back to a cold boot, with --warm 2 and with a pool as large as
# the burst (--warm 20); then the CPU the keeper's processes and its
# VMs' processes use in 30 s with 2 warm VMs and nothing to do.
WARM=2
# back_to_back LABEL: 20 runs, each waited for, against 20 x $warm, and
# how many booted cold or waited for a warm VM's boot.
back_to_back() {
	fell=0 waited=0
	t0=$(now)
	for i in $(seq 20); do
		echo 'echo hi' | "$KRUNSH" -V >/dev/null 2>"$work/b2b.err"
		grep -q 'warm VM: taken' "$work/b2b.err" || fell=$((fell + 1))
		grep -q 'warm VM: taken.*waited for its boot' "$work/b2b.err" && waited=$((waited + 1))
	done
	t1=$(now)
	b2b=$(echo "$t1 $t0" | awk '{printf "%.3f", $1 - $2}')
	printf '%-36s %10s %14s (%sx 20 x warm; of 20: %d booted cold, %d waited for a warm VM to boot)\n' \
		"$1" "$b2b" "" \
		"$(echo "$b2b $warm" | awk '{printf "%.2f", $1 / (20 * $2)}')" "$fell" "$waited"
}
warm_figures() {
	runs=$1
	pid=$("$KRUNSH" -V --warm "$WARM" 2>&1 | sed -n 's/.*started the warm keeper (pid \([0-9]*\)).*/\1/p')
	[ -n "$pid" ] || { echo "warm: the keeper did not start"; return 1; }
	rm -f "$work/cold.times" "$work/warm.times"
	for i in $(seq "$runs"); do
		t0=$(now); echo 'echo hi' | KRUNSH_NO_WARM=1 "$KRUNSH" >/dev/null; t1=$(now)
		"$KRUNSH" --warm "$WARM"
		t2=$(now); echo 'echo hi' | "$KRUNSH" -V >/dev/null 2>"$work/warm.err"; t3=$(now)
		grep -q 'warm VM: taken' "$work/warm.err" || echo "warm: run $i booted cold: $(grep 'cold boot' "$work/warm.err")"
		echo "$t1 $t0" | awk '{printf "%.4f\n", $1 - $2}' >>"$work/cold.times"
		echo "$t3 $t2" | awk '{printf "%.4f\n", $1 - $2}' >>"$work/warm.times"
		"$KRUNSH" --warm "$WARM"
	done
	cold=$(median "$work/cold.times") warm=$(median "$work/warm.times")
	echo "warm VMs: --warm $WARM, $runs runs each, load $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-36s %10s\n' "echo_hi cold (KRUNSH_NO_WARM)" "$cold"
	printf '%-36s %10s %14s (%sx cold)\n' "echo_hi warm" "$warm" "" "$(ratio "$warm" "$cold")"
	back_to_back "20 back to back, each waited for"
	# A pool as large as the burst (--warm 20): the replacements wait
	# while runs come (cli/keeper/warm_keeper.c), so none takes their CPU.
	"$KRUNSH" --warm 20
	back_to_back "the same with --warm 20"
	"$KRUNSH" --warm "$WARM"
	sleep 2
	warm_idle_cpu "$pid" 30
	"$KRUNSH" --warm 0
}

# CPU seconds (utime + stime) of the keeper's tree in $2 s, as % of one
# core: krunsh's own processes (keeper, janitor, holders) apart from the
# VMs' (QEMU, virtiofsd and their sandbox waiters).
tree_ticks() {
	# cat, not awk's own reads: a process may end between glob and read.
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
		{ close_paren = index($0, ") "); split(substr($0, close_paren + 2), r, " ")
			open_paren = index($0, "(")
			name[$1] = substr($0, open_paren + 1, close_paren - open_paren - 1)
			ppid[$1] = r[2]; ticks[$1] = r[12] + r[13] }
		END { for (p in ppid) { q = p; while (q != "" && q != root && q > 1) q = ppid[q]
			if (q != root) continue
			if (name[p] == "krunsh") own += ticks[p]; else vm += ticks[p]
			if (name[p] ~ /^qemu/) qemu += ticks[p] }
			printf "%d %d %d\n", own, vm, qemu }'
}
warm_idle_cpu() {
	hz=$(getconf CLK_TCK)
	before=$(tree_ticks "$1"); sleep "$2"; after=$(tree_ticks "$1")
	echo "$before $after" | awk -v hz="$hz" -v s="$2" '{
		printf "%-36s %9.2f%%\n", "idle CPU, keeper processes", ($4 - $1) / hz / s * 100
		printf "%-36s %9.2f%% (QEMU %.2f%%, the rest virtiofsd), in %d s\n",
			"idle CPU, its 2 VMs", ($5 - $2) / hz / s * 100, ($6 - $3) / hz / s * 100, s }'
}
if [ "${1:-}" = --warm ]; then
	warm_figures "${2:-10}"
	exit
fi
if [ "${1:-}" = --session ]; then
	"$KRUNSH" --session bench -c true
	[ -z "${KRUNSH_BASELINE:-}" ] || "$KRUNSH_BASELINE" --session bench-baseline -c true
	for i in $(seq "${2:-10}"); do
		t0=$(now); echo 'echo hi' | "$KRUNSH" >/dev/null; t1=$(now); session_call; t2=$(now)
		echo "$t1 $t0" | awk '{printf "%.4f\n", $1 - $2}' >> "$work/echo_hi.times"
		echo "$t2 $t1" | awk '{printf "%.4f\n", $1 - $2}' >> "$work/session_call.times"
		[ -n "${KRUNSH_BASELINE:-}" ] || continue
		t0=$(now); baseline_session_call; t1=$(now)
		echo "$t1 $t0" | awk '{printf "%.4f\n", $1 - $2}' >> "$work/baseline_session_call.times"
	done
	printf '%-36s %10s\n' "echo_hi (fresh VM)" "$(median "$work/echo_hi.times")"
	session_line ""
	exit
fi
if [ "${1:-}" = --execs ]; then
	for i in $(seq "${2:-10}"); do
		for b in "$KRUNSH" ${KRUNSH_BASELINE:+"$KRUNSH_BASELINE"}; do
			t0=$(now); echo "$execs_text" | "$b" >/dev/null; t1=$(now)
			f=twenty_execs; [ "$b" = "$KRUNSH" ] || f=baseline_twenty_execs
			echo "$t1 $t0" | awk '{printf "%.4f\n", $1 - $2}' >> "$work/$f.times"
		done
		t0=$(now); echo 'echo hi' | "$KRUNSH" >/dev/null; t1=$(now)
		echo "$t1 $t0" | awk '{printf "%.4f\n", $1 - $2}' >> "$work/echo_hi.times"
	done
	one=$(median "$work/echo_hi.times") m=$(median "$work/twenty_execs.times")
	echo "krunsh, 20 programs started one after another, $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-36s %10s\n' "echo_hi" "$one"
	printf '%-36s %10s (%ss a program beyond echo_hi)\n' twenty_execs "$m" \
		"$(echo "$m $one" | awk '{printf "%.4f", ($1 - $2) / 20}')"
	if [ -n "${KRUNSH_BASELINE:-}" ]; then
		b=$(median "$work/baseline_twenty_execs.times")
		printf '%-36s %10s (this build %sx the baseline)\n' "twenty_execs, baseline build" "$b" \
			"$(ratio "$m" "$b")"
	fi
	exit
fi
cold_only=0
if [ "${1:-}" = --cold ]; then cold_only=1; shift; fi
RUNS=${1:-10}

echo 'true' | "$KRUNSH" --report "$work/probe.json" >/dev/null
kernel=$(json_field kernel "$work/probe.json")
release=$(json_field kernel_release "$work/probe.json")
accel=$(json_field accelerator "$work/probe.json")
# machine_for KERNEL, append_for KERNEL: the bare boot's -M and extra
# kernel words for a kernel, from its features file, as krunsh
# (lib/guest/kernel_cmdline.c): the APIC timer's frequency, else the PIT only.
machine_for() {
	case "$(cat "$(dirname "$1")/features" 2>/dev/null)" in
	*no-acpi*) echo microvm,x-option-roms=off,acpi=off ;;
	*) echo microvm,x-option-roms=off ;;
	esac
}
append_for() {
	[ "$accel" = tcg ] || return 0
	case "$(cat "$(dirname "$1")/features" 2>/dev/null)" in
	*lapic-bus-khz*) echo " lapic_bus_khz=1000000" ;;
	*noapictimer*) echo " noapictimer" ;;
	esac
}
machine=$(machine_for "$kernel") append_extra=$(append_for "$kernel")
tsc_khz=$(awk -F: '/^cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
qemu=$(command -v qemu-system-x86_64)

[ "$cold_only" = 1 ] || head -c 200000000 /dev/urandom > "$work/big" 2>/dev/null
export BENCH_BIG="$work/big"

# bare_boot_of KERNEL MACHINE APPEND_EXTRA
bare_boot_of() {
	"$qemu" -nodefaults -no-user-config -no-reboot -display none \
		-M "$2" -m 512 -smp 1 -accel "$accel" \
		-cpu qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16 \
		-kernel "$1" -initrd "$BARE_INITRD" -serial none \
		-append "quiet loglevel=1 panic=-1 reboot=t cryptomgr.notests tsc_early_khz=$tsc_khz tsc=reliable norandmaps$3" \
		</dev/null >/dev/null 2>&1
}
bare_boot() { bare_boot_of "$kernel" "$machine" "$append_extra"; }
ks() { "$KRUNSH" --report "$work/r.json" "$@"; }
echo_hi() { echo 'echo hi' | ks >/dev/null; }
twenty_lines() { for i in $(seq 20); do echo "echo line $i"; done | ks >/dev/null; }
twenty_execs() { echo "$execs_text" | ks >/dev/null; }
ls_doc() { echo 'ls -R /usr/share/doc' | ks >/dev/null; }
read_200mb() { echo "cat '$BENCH_BIG' > /dev/null" | ks >/dev/null; }
out_20mb() { echo 'head -c 20000000 /dev/zero' | ks | wc -c >/dev/null; }
concurrent_8() {
	for i in 1 2 3 4 5 6 7 8; do (echo 'echo hi' | "$KRUNSH" >/dev/null) & done
	wait
}

# --net: passt and krunsh's network filter started, the guest's eth0 set.
net_echo_hi() { echo 'echo hi' | ks --net >/dev/null; }
baseline_echo_hi() { echo 'echo hi' | "$KRUNSH_BASELINE" >/dev/null; }
if [ -n "${KRUNSH_BASELINE_KERNEL:-}" ]; then
	base_kernel_machine=$(machine_for "$KRUNSH_BASELINE_KERNEL")
	base_kernel_append=$(append_for "$KRUNSH_BASELINE_KERNEL")
fi
baseline_kernel_bare_boot() {
	bare_boot_of "$KRUNSH_BASELINE_KERNEL" "$base_kernel_machine" "$base_kernel_append"
}
baseline_kernel_echo_hi() { echo 'echo hi' | KRUNSH_KERNEL=$KRUNSH_BASELINE_KERNEL "$KRUNSH" >/dev/null; }
if [ "$cold_only" = 1 ]; then
	cases="bare_boot echo_hi concurrent_8"
	[ -n "${KRUNSH_BASELINE:-}" ] && cases="$cases baseline_echo_hi"
	[ -n "${KRUNSH_BASELINE_KERNEL:-}" ] && cases="$cases baseline_kernel_bare_boot baseline_kernel_echo_hi"
	for i in $(seq "$RUNS"); do
		for c in $cases; do
			t0=$(now); "$c"; t1=$(now)
			echo "$t1 $t0" | awk '{printf "%.4f\n", $1 - $2}' >> "$work/$c.times"
		done
	done
	bare=$(median "$work/bare_boot.times") one=$(median "$work/echo_hi.times")
	c8=$(median "$work/concurrent_8.times")
	echo "krunsh cold path, $(date -u +%F), $RUNS runs per case, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "kernel: $kernel ($release)"
	printf '%-36s %10s %14s\n' case median_s ratio
	printf '%-36s %10s %14s\n' "bare QEMU boot (baseline)" "$bare" "1.00"
	printf '%-36s %10s %14s\n' echo_hi "$one" "$(ratio "$one" "$bare")"
	printf '%-36s %10s %14s (%sx one run)\n' concurrent_8 "$c8" "$(ratio "$c8" "$bare")" \
		"$(ratio "$c8" "$one")"
	if [ -n "${KRUNSH_BASELINE:-}" ]; then
		b=$(median "$work/baseline_echo_hi.times")
		printf '%-36s %10s %14s (this build %sx the baseline)\n' "echo_hi, baseline build" \
			"$b" "$(ratio "$b" "$bare")" "$(ratio "$one" "$b")"
	fi
	if [ -n "${KRUNSH_BASELINE_KERNEL:-}" ]; then
		kb=$(median "$work/baseline_kernel_bare_boot.times")
		ke=$(median "$work/baseline_kernel_echo_hi.times")
		echo "baseline kernel: $KRUNSH_BASELINE_KERNEL"
		printf '%-36s %10s %14s (this kernel %sx it)\n' "bare boot, baseline kernel" \
			"$kb" "$(ratio "$kb" "$bare")" "$(ratio "$bare" "$kb")"
		printf '%-36s %10s %14s (this kernel %sx it)\n' "echo_hi, baseline kernel" \
			"$ke" "$(ratio "$ke" "$bare")" "$(ratio "$one" "$ke")"
	fi
	exit
fi
# Streaming (issue 13): stdin held open, 100 lines written one at a time,
# each after the previous one's output (bench/stream_latency.c).
STREAM_LATENCY=$BUILD_DIR/bench/stream-latency
stream_100() {
	"$STREAM_LATENCY" "$KRUNSH" 100 >"$work/stream.out"
	awk '{print $3}' "$work/stream.out" >>"$work/stream_first.values"
	awk '{print $9}' "$work/stream.out" >>"$work/stream_line.values"
	awk '{print $15}' "$work/stream.out" >>"$work/stream_total.values"
}

# OCI (issue 14): a cached --image start against --root on its unpacked
# tree, and podman with krunsh-oci against plain krunsh. Images are made
# here (umoci, podman import of static busybox): no registry.
OCI_CACHE=$work/oci-cache
oci_ready=0
if command -v umoci >/dev/null && [ -x /bin/busybox ]; then
	(
		set -e
		cd "$work"
		umoci init --layout lay
		umoci new --image lay:bb
		umoci unpack --image lay:bb unpacked
		mkdir -p unpacked/rootfs/bin
		cp /bin/busybox unpacked/rootfs/bin/busybox
		for a in sh true echo; do ln -s busybox "unpacked/rootfs/bin/$a"; done
		umoci repack --image lay:bb unpacked
		XDG_CACHE_HOME=$OCI_CACHE "$KRUNSH" --image "oci:$work/lay:bb" -c true
	) >"$work/oci.log" 2>&1 && oci_ready=1
fi
image_cached() { XDG_CACHE_HOME=$OCI_CACHE ks --image "oci:$work/lay:bb" -c true >/dev/null; }
root_unpacked() { ks --root "$work/unpacked/rootfs" -c true >/dev/null; }
echo_true() { echo true | ks >/dev/null; }
PODMAN_IMAGE=localhost/krunsh-bench-$$:1
podman_ready=0
if [ "$oci_ready" = 1 ] && command -v podman >/dev/null && [ -x "$BUILD_DIR/krunsh-oci" ] &&
	tar -C "$work/unpacked/rootfs" -cf "$work/bb.tar" . &&
	podman import -q "$work/bb.tar" "$PODMAN_IMAGE" >/dev/null 2>&1; then
	podman_ready=1
	trap 'end_sessions; "$KRUNSH" --warm 0 2>/dev/null
		podman rmi -f "$PODMAN_IMAGE" >/dev/null 2>&1
		rm -rf "$work"' EXIT INT TERM
fi
podman_true() {
	podman --runtime "$BUILD_DIR/krunsh-oci" run --rm --network none "$PODMAN_IMAGE" true >/dev/null
}

cases="bare_boot echo_hi twenty_lines twenty_execs ls_doc read_200mb out_20mb concurrent_8 session_call"
"$KRUNSH" --session bench -c true
[ "$oci_ready" = 1 ] && cases="$cases image_cached root_unpacked"
[ "$podman_ready" = 1 ] && cases="$cases echo_true podman_true"
[ -x "$STREAM_LATENCY" ] && cases="$cases stream_100"
[ -n "${KRUNSH_BASELINE:-}" ] && cases="$cases baseline_echo_hi baseline_session_call" &&
	"$KRUNSH_BASELINE" --session bench-baseline -c true
# Where --net works here (passt, a default route).
"$KRUNSH" --net -c true >/dev/null 2>&1 && cases="$cases net_echo_hi"
retries=0 runs=0
for i in $(seq "$RUNS"); do
	for c in $cases; do
		t0=$(now); "$c"; t1=$(now)
		echo "$t1 $t0" | awk '{printf "%.4f\n", $1 - $2}' >> "$work/$c.times"
		case $c in
		bare_boot | concurrent_8 | baseline_echo_hi | stream_100 | podman_true | net_echo_hi | \
			session_call | baseline_session_call)
			continue ;;
		esac
		if true; then
			runs=$((runs + 1))
			retries=$((retries + $(json_field watchdog_retries "$work/r.json")))
			[ "$c" = echo_hi ] && {
				json_field host_cpu_seconds "$work/r.json" >> "$work/cpu.values"
				json_field host_peak_rss_kib "$work/r.json" >> "$work/rss.values"
			}
		fi
	done
done
bare=$(median "$work/bare_boot.times")
one=$(median "$work/echo_hi.times")
echo "krunsh benchmark, $(date -u +%F), $RUNS runs per case, $(nproc) cores, $(uname -m), accelerator $accel"
echo "kernel: $kernel ($release)"
printf '%-36s %10s %14s\n' case median_s ratio
printf '%-36s %10s %14s\n' "bare QEMU boot (baseline)" "$bare" "1.00"
for c in echo_hi twenty_lines twenty_execs ls_doc read_200mb out_20mb concurrent_8; do
	m=$(median "$work/$c.times")
	extra=""
	case $c in
	twenty_lines) extra=" ($(ratio "$m" "$one")x one line)" ;;
	twenty_execs) extra=" ($(ratio "$m" "$one")x echo_hi)" ;;
	concurrent_8) extra=" ($(ratio "$m" "$one")x one run)" ;;
	esac
	printf '%-36s %10s %14s%s\n' "$c" "$m" "$(ratio "$m" "$bare")" "$extra"
done
if [ -f "$work/net_echo_hi.times" ]; then
	m=$(median "$work/net_echo_hi.times")
	printf '%-36s %10s %14s (%sx echo_hi)\n' "echo_hi with --net" "$m" "$(ratio "$m" "$bare")" \
		"$(ratio "$m" "$one")"
fi
session_line "$(ratio "$(median "$work/session_call.times")" "$bare")"
if [ -n "${KRUNSH_BASELINE:-}" ]; then
	b=$(median "$work/baseline_echo_hi.times")
	printf '%-36s %10s %14s (this build %sx the baseline)\n' "echo_hi, baseline build" "$b" \
		"$(ratio "$b" "$bare")" "$(ratio "$one" "$b")"
fi
if [ -x "$STREAM_LATENCY" ]; then
	f=$(median "$work/stream_first.values")
	printf '%-36s %10s %14s (%sx echo_hi)\n' "stream: first output, stdin open" "$f" \
		"$(ratio "$f" "$bare")" "$(ratio "$f" "$one")"
	printf '%-36s %10s\n' "stream: line to its output (ms)" \
		"$(median "$work/stream_line.values" | awk '{printf "%.1f", $1*1000}')"
	printf '%-36s %10s\n' "stream: 100 lines one at a time (s)" "$(median "$work/stream_total.values")"
fi
if [ "$oci_ready" = 1 ]; then
	ic=$(median "$work/image_cached.times") ru=$(median "$work/root_unpacked.times")
	printf '%-36s %10s %14s (%sx --root on its tree)\n' "--image, cached" "$ic" "$(ratio "$ic" "$bare")" "$(ratio "$ic" "$ru")"
	printf '%-36s %10s %14s\n' "--root on the unpacked tree" "$ru" "$(ratio "$ru" "$bare")"
else
	echo "OCI image cases skipped: no umoci or /bin/busybox ($(tail -n1 "$work/oci.log" 2>/dev/null))"
fi
if [ "$podman_ready" = 1 ]; then
	pt=$(median "$work/podman_true.times") et=$(median "$work/echo_true.times")
	printf '%-36s %10s %14s (%sx echo true | krunsh; podman adds %s s)\n' "podman run --runtime krunsh-oci true" "$pt" \
		"$(ratio "$pt" "$bare")" "$(ratio "$pt" "$et")" "$(echo "$pt $et" | awk '{printf "%.2f", $1 - $2}')"
else
	echo "podman case skipped: no podman, krunsh-oci or image import"
fi
printf '%-36s %10s\n' "krunsh host CPU per run (ms)" "$(median "$work/cpu.values" | awk '{printf "%.1f", $1*1000}')"
printf '%-36s %10s\n' "krunsh peak RSS (MiB)" "$(median "$work/rss.values" | awk '{printf "%.1f", $1/1024}')"
echo "watchdog retries: $retries in $runs runs"
warm_figures "$RUNS"
# The network filter's own cost, no VM (bench/net_relay.c).
if [ -x "$BUILD_DIR/bench/net-relay" ]; then "$BUILD_DIR/bench/net-relay" 256; fi
