# Helpers for the end-to-end behaviour suite. Sourced by run.sh; every test
# is a shell function named test_* in a tests/e2e/test_*.sh file, run once
# per engine in a subshell with $ENGINE set. A test passes by returning 0,
# fails with any other status (say why with `fail`), and skips with `skip
# "reason"` (status 77), which prints the reason.

: "${KRUNSH:?}" "${BUILD_DIR:?}"

# krunsh with the engine under test selected.
ks() {
	case "$ENGINE" in
	qemu) "$KRUNSH" --engine qemu "$@" ;;
	qemu-debian) KRUNSH_KERNEL="$DEBIAN_KERNEL" "$KRUNSH" --engine qemu "$@" ;;
	krun-double) KRUNSH_DOUBLE_LOG="${KRUNSH_DOUBLE_LOG:-/dev/null}" \
		"$KRUNSH" --engine krun --libkrun "$BUILD_DIR/libkrun-double.so.1" "$@" ;;
	krun-real) "$KRUNSH" --engine krun "$@" ;;
	*) echo "unknown engine $ENGINE" >&2; return 99 ;;
	esac
}

# Wall-clock bounds scale by KRUNSH_TEST_SLOWNESS (a whole factor, default
# 1) on a machine known to be slower than they assume, such as libkrun
# nested under a TCG guest (3): `[ "$secs" -le "$(slow 10)" ]`.
slow() {
	echo $(($1 * ${KRUNSH_TEST_SLOWNESS:-1}))
}

# krunsh's boot watchdog (20 s a boot) is such a bound too: eight libkrun
# VMs booting at once nested took longer than that. Tests of the watchdog
# set their own.
[ -n "${KRUNSH_BOOT_TIMEOUT:-}" ] || [ "${KRUNSH_TEST_SLOWNESS:-1}" -le 1 ] ||
	export KRUNSH_BOOT_TIMEOUT="$(slow 20)"

fail() {
	echo "    FAIL: $*" >&2
	return 1
}

skip() {
	echo "    SKIP: $*" >&2
	return 77
}

# qemu-debian is the qemu engine on another kernel: it counts as qemu.
only_engine() {
	for e in "$@"; do
		[ "$ENGINE" = "$e" ] && return 0
		[ "$ENGINE" = qemu-debian ] && [ "$e" = qemu ] && return 0
	done
	return 1
}

# For tests that need a real guest (mounts, devices, a network): the
# contract double runs the agent on the host, where nothing is attached.
needs_a_guest() {
	only_engine qemu krun-real && return 0
	skip "contract double runs the agent on the host: nothing is mounted/attached"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: expected [$2], got [$3]"
		return 1
	fi
}

# expect_contains WHAT NEEDLE HAYSTACK
expect_contains() {
	case "$3" in
	*"$2"*) return 0 ;;
	esac
	fail "$1: [$2] not found in [$3]"
}

# A scratch directory per test, removed by the runner.
scratch() {
	echo "$TEST_SCRATCH"
}

# No krunsh run directory and no VMM process may outlive a run.
expect_no_leftovers() {
	left=$(ls -d "${TMPDIR:-/tmp}"/krunsh-run.* 2>/dev/null | head -n 5)
	[ -z "$left" ] || { fail "leftover run directories: $left"; return 1; }
	if pgrep -f "$TEST_SCRATCH" >/dev/null 2>&1; then
		fail "leftover processes mentioning $TEST_SCRATCH"
		return 1
	fi
	return 0
}

# Run krunsh with a TMPDIR of this test's own, so that runs elsewhere on the
# machine cannot blur the leftover checks.
use_private_tmpdir() {
	export TMPDIR="$TEST_SCRATCH/tmp"
	mkdir -p "$TMPDIR"
}

# The krunsh process of background job $1 (the job itself or its child).
krunsh_pid_of() {
	for _ in $(seq 100); do
		if [ "$(cat /proc/"$1"/comm 2>/dev/null)" = krunsh ]; then
			echo "$1"
			return 0
		fi
		child=$(pgrep -P "$1" -x krunsh | head -n 1)
		[ -n "$child" ] && { echo "$child"; return 0; }
		# An ended job stays a zombie until the test waits for it (sh
		# reaps only then), and kill -0 succeeds on a zombie: without
		# this a krunsh that refuses at once cost 100 rounds of pgrep.
		state=$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)
		[ -n "$state" ] && [ "$state" != Z ] || return 1
		sleep 0.05
	done
	return 1
}

# expect_gone PIDS [WITHIN]: the processes end within WITHIN seconds
# (default 0: already gone), no QEMU names our TMPDIR, no run directory.
expect_gone() {
	for _ in $(seq $((${2:-0} * 10 + 1))); do
		alive=""
		for p in $1; do
			# A zombie is dead; only its parent has not waited yet.
			state=$(awk '{ print $3 }' /proc/"$p"/stat 2>/dev/null)
			[ -n "$state" ] && [ "$state" != Z ] && alive="$alive $p"
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $alive; do
		fail "process $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | cut -c1-100)) outlived krunsh"
		return 1
	done
	vmms=$(pgrep -f "qemu-system.*$TMPDIR" | wc -l)
	expect_eq "qemu-system processes naming $TMPDIR" 0 "$vmms" || return 1
	expect_eq "run directories left" "" "$(ls -A "$TMPDIR")" || return 1
	expect_no_leftovers
}

# start_long_run [KRUNSH OPTION...]: starts `echo started; sleep 60` in the
# guest in the background and waits until the guest has printed. Sets job (the background job), pid (krunsh)
# and children (krunsh's child processes at that point).
start_long_run() {
	# fd 7 is inherited from the file LONG_RUN_FD7 names, for the tests
	# that check it does not reach the VMM (/dev/null otherwise).
	ks "$@" -c 'echo started; sleep 60' </dev/null >out 2>err 7<"${LONG_RUN_FD7:-/dev/null}" &
	job=$!
	pid=$(krunsh_pid_of "$job") || { fail "cannot find the krunsh process"; return 1; }
	for _ in $(seq 300); do
		grep -q started out 2>/dev/null && break
		sleep 0.1
	done
	grep -q started out || { fail "the guest never printed: $(head -c 300 err)"; kill "$pid"; return 1; }
	children=$(pgrep -P "$pid" | tr '\n' ' ')
}

# bytes_sent_to_another_user SOCKET: what a keeper listening on SOCKET
# sends uid 65534 connecting straight to it, the directories opened up for
# the time of it (expected: 0, a hang-up without a word).
bytes_sent_to_another_user() {
	chmod 755 "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/krunsh"
	chmod 777 "$1"
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(10)
print(len(s.recv(65536)))' "$1" 2>&1
	chmod 700 "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/krunsh"
}

# For a test of session "s": an XDG_RUNTIME_DIR (where the sessions'
# sockets live) and a TMPDIR of its own. (The contract double's agent runs
# on the host: its session's working directory is the host's
# /tmp/.krunsh-session-cwd, removed at the end.)
session_setup() {
	export XDG_RUNTIME_DIR="$TEST_SCRATCH/xdg"
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	use_private_tmpdir
	# Whatever a test leaves running, the subshell's end stops it.
	trap 'ks --session s --end >/dev/null 2>&1
		only_engine krun-double && rm -f /tmp/.krunsh-session-cwd' EXIT
}

# The detached krunsh processes whose command line matches the grep
# pattern $1 and whose XDG_RUNTIME_DIR is ours: a keeper and its janitor
# (session or warm), which run in a session of their own (setsid).
detached_krunsh_processes() {
	for p in $(pgrep -x krunsh); do
		tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | grep -q -- "$1" || continue
		tr '\0' '\n' </proc/"$p"/environ 2>/dev/null |
			grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" || continue
		sid=$(awk '{ print $6 }' /proc/"$p"/stat 2>/dev/null)
		[ -n "$sid" ] && [ "$sid" != "$(awk '{ print $6 }' /proc/$$/stat)" ] && echo "$p"
	done
}

# A guest command that prints how many of the guest's processes are
# zombies (state Z, read after the name in /proc/PID/stat: a name may hold
# spaces and parentheses).
GUEST_COUNT_ZOMBIES='n=0; for s in /proc/[0-9]*/stat; do read -r st <"$s" 2>/dev/null || continue; case "${st##*) }" in Z*) n=$((n + 1)) ;; esac; done; echo "$n"'
