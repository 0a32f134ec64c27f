# Faults (issue 4): the guest panics, runs out of memory, fork-bombs, fills
# its overlay, powers off; the VM or krunsh is killed from outside; stdout
# closes on either side; the boot hangs. Each ends with a documented status
# in bounded time and leaves no process or run directory behind. Also the
# isolation cases test_isolation.sh does not cover.
# Every test uses a private TMPDIR, so runs of krunsh elsewhere on the
# machine cannot blur the leftover checks.

faults_now() {
	date +%s.%N
}

# faults_elapsed START: whole seconds since START (rounded up).
faults_elapsed() {
	awk -v a="$1" -v b="$(faults_now)" 'BEGIN { s = b - a; printf "%d", s == int(s) ? s : int(s) + 1 }'
}

# The VMM child of krunsh $1: QEMU, or the process krun forked for libkrun.
faults_vmm_pid() {
	if only_engine qemu; then
		# QEMU runs under its sandbox's waiter, a child of krunsh.
		pgrep -f "^[^ ]*qemu-system.*$TMPDIR" | head -n 1
	else
		pgrep -P "$1" | head -n 1
	fi
}

# faults_run ARGS...: runs krunsh in the background (stdin from
# $FAULTS_INPUT, else /dev/null; stdout to out, stderr to err), records its
# children while it runs. Sets rc, secs and children.
faults_run() {
	started=$(faults_now)
	ks "$@" <"${FAULTS_INPUT:-/dev/null}" >out 2>err &
	job=$!
	children=""
	if pid=$(krunsh_pid_of "$job"); then
		while kill -0 "$pid" 2>/dev/null; do
			faults_collect_children "$pid"
			sleep 0.1
		done
	fi
	wait "$job"
	rc=$?
	secs=$(faults_elapsed "$started")
}

faults_collect_children() {
	for c in $(pgrep -P "$1"); do
		case " $children " in *" $c "*) ;; *) children="$children $c" ;; esac
	done
}

# One line on stderr, starting krunsh:, containing $1.
faults_expect_one_krunsh_line() {
	expect_eq "krunsh lines on stderr" 1 "$(grep -c '^krunsh: ' err)" || { cat err >&2; return 1; }
	expect_contains "krunsh message" "$1" "$(grep '^krunsh: ' err)"
}

faults_need_vm() {
	only_engine qemu krun-real && return 0
	skip "$1"
	return 77
}

test_guest_kernel_panic_exits_125_at_once() {
	faults_need_vm "the contract double has no guest kernel to panic" || return
	use_private_tmpdir
	faults_run -c '[ -e /proc/sysrq-trigger ] || exit 99; echo before; echo c > /proc/sysrq-trigger; echo after'
	[ "$rc" = 99 ] && { skip "guest kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ)"; return; }
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout" before "$(cat out)" || return 1
	faults_expect_one_krunsh_line "the VM stopped before the commands finished" || return 1
	# panic=-1 with -no-reboot: QEMU exits at once, no watchdog involved.
	[ "$secs" -le "$(slow 10)" ] || fail "took ${secs}s" || return 1
	expect_gone "$children"
}

test_guest_out_of_memory_kills_the_command() {
	faults_need_vm "the contract double would exhaust the host's memory" || return
	command -v perl >/dev/null || { skip "perl is not installed"; return; }
	use_private_tmpdir
	# Grows 16 MiB at a time (a single 400 MiB request is refused by
	# overcommit with an error, not an OOM kill).
	faults_run --mem 256 -c 'perl -e "push @a, q(a) x (16 << 20) while 1"'
	# Observed: the OOM killer picks perl, the shell reports 128+9 and
	# the VM lives on. A guest that died instead would be 125.
	case "$rc" in
	137) grep -q Killed err || fail "no 'Killed' from the shell: $(cat err)" || return 1 ;;
	125) faults_expect_one_krunsh_line "the VM stopped" || return 1 ;;
	*) fail "exit status: expected 137 (OOM kill) or 125 (guest died), got $rc: $(cat err)"; return 1 ;;
	esac
	echo "    observed status $rc after ${secs}s"
	[ "$secs" -le "$(slow 60)" ] || fail "took ${secs}s" || return 1
	expect_gone "$children"
}

test_fork_bomb_in_guest_ends_by_timeout() {
	faults_need_vm "the contract double would fork-bomb the host" || return
	use_private_tmpdir
	faults_run --timeout 10 -c 'ulimit -u unlimited 2>/dev/null; b() { b | b & }; b; sleep 60; echo survived'
	expect_eq "exit status" 124 "$rc" || { cat err >&2; return 1; }
	faults_expect_one_krunsh_line "timed out after 10 s" || return 1
	[ "$secs" -le "$(slow 20)" ] || fail "took ${secs}s after a 10 s timeout" || return 1
	expect_gone "$children" || return 1
	# The host is unaffected: the next run works as usual.
	faults_run -c 'echo ok'
	expect_eq "next run's status" 0 "$rc" || return 1
	expect_eq "next run's stdout" ok "$(cat out)"
}

test_full_overlay_fails_the_write_not_the_vm() {
	faults_need_vm "the contract double's /tmp is the host's" || return
	use_private_tmpdir
	printf 'dd if=/dev/zero of=/tmp/fill bs=1M\necho ok\n' >input
	FAULTS_INPUT=input
	faults_run -k
	unset FAULTS_INPUT
	expect_eq "exit status (dd's)" 1 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout: the VM survived the full overlay" ok "$(cat out)" || return 1
	expect_contains "stderr" "No space left on device" "$(cat err)" || return 1
	faults_expect_one_krunsh_line "line 1 failed with status 1: dd if=/dev/zero" || return 1
	expect_gone "$children"
}

test_guest_power_off_exits_125() {
	faults_need_vm "the contract double has no guest to power off" || return
	use_private_tmpdir
	# --timeout bounds the test: without it a guest that halts instead of
	# powering off keeps QEMU (and krunsh) running forever.
	faults_run --timeout "$(slow 10)" -c 'echo before; echo o > /proc/sysrq-trigger; sleep 30; echo after'
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout" before "$(cat out)" || return 1
	faults_expect_one_krunsh_line "the VM stopped before the commands finished" || return 1
	expect_gone "$children"
}

test_vmm_killed_from_outside_exits_125() {
	use_private_tmpdir
	start_long_run || return 1
	vmm=$(faults_vmm_pid "$pid")
	[ -n "$vmm" ] || { fail "krunsh $pid has no VMM child"; kill "$pid"; return 1; }
	started=$(faults_now)
	kill -KILL "$vmm"
	wait "$job"
	rc=$?
	secs=$(faults_elapsed "$started")
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	faults_expect_one_krunsh_line "the VM stopped before the commands finished" || return 1
	[ "$secs" -le "$(slow 3)" ] || fail "krunsh took ${secs}s to notice" || return 1
	expect_gone "$children"
}

test_sigkill_of_krunsh_takes_the_vm_down() {
	use_private_tmpdir
	start_long_run || return 1
	[ -n "$children" ] || { fail "krunsh has no children"; kill "$pid"; return 1; }
	kill -KILL "$pid"
	wait "$job"
	# PR_SET_PDEATHSIG: the VMM and virtiofsd get SIGKILL with krunsh.
	# The run directory went when the guest said hello.
	expect_gone "$children" 3
}

faults_need_freezable_boot() {
	only_engine qemu krun-real && return 0
	skip "the contract double's agent says hello about 1 ms after the fork, before the freeze hook can stop it"
	return 77
}

test_sigkill_during_boot_leaves_a_run_dir_the_next_run_sweeps() {
	faults_need_freezable_boot || return
	use_private_tmpdir
	# Freeze the VM before the guest says hello: the run directory is
	# still there when krunsh dies.
	(export KRUNSH_TEST_FREEZE_FIRST_BOOT=1 KRUNSH_BOOT_TIMEOUT=60; ks -c 'echo hi') </dev/null >out 2>err &
	job=$!
	pid=$(krunsh_pid_of "$job") || fail "cannot find the krunsh process" || return 1
	for _ in $(seq 100); do
		[ -n "$(faults_vmm_pid "$pid")" ] && break
		sleep 0.05
	done
	sleep 0.3
	children=$(pgrep -P "$pid" | tr '\n' ' ')
	[ -n "$children" ] || { fail "krunsh has no children"; kill "$pid"; return 1; }
	kill -KILL "$pid"
	wait "$job"
	for p in $children; do
		for _ in $(seq 30); do
			state=$(awk '{ print $3 }' /proc/"$p"/stat 2>/dev/null)
			[ -z "$state" ] || [ "$state" = Z ] && break
			sleep 0.1
		done
		[ -z "$state" ] || [ "$state" = Z ] ||
			fail "process $p (state $state) outlived krunsh by 3 s" || return 1
	done
	left=$(ls -d "$TMPDIR"/krunsh-run."$pid".* 2>/dev/null)
	[ -n "$left" ] || fail "expected the killed run's directory to remain until the next run" || return 1
	ks -c true </dev/null >out 2>err
	rc=$?
	expect_eq "next run's status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "killed run's directory after the next run" "" \
		"$(ls -d "$TMPDIR"/krunsh-run."$pid".* 2>/dev/null)" || return 1
	expect_gone ""
}

test_guest_closing_stdout_early_keeps_stderr_and_status() {
	use_private_tmpdir
	faults_run -c 'exec >&-; echo x >&2; exit 3'
	expect_eq "exit status" 3 "$rc" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	expect_eq "stderr" x "$(cat err)" || return 1
	expect_gone "$children"
}

test_closed_host_stdout_exits_141_promptly() {
	use_private_tmpdir
	started=$(faults_now)
	# krunsh's own status, though it is not last in the pipeline.
	{ ks -c 'yes | head -c 50000000' </dev/null 2>err; echo $? >status; } | head -c1 >first
	secs=$(faults_elapsed "$started")
	expect_eq "exit status" 141 "$(cat status)" || { cat err >&2; return 1; }
	expect_eq "first byte" y "$(cat first)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	# Relaying the 50 MB would take far longer than noticing the pipe.
	[ "$secs" -le "$(slow 10)" ] || fail "took ${secs}s" || return 1
	expect_gone ""
}

# Boot watchdog: the first VM is frozen with SIGSTOP (test hook), the
# second boots normally.
test_boot_watchdog_retries_a_frozen_first_boot() {
	faults_need_freezable_boot || return
	use_private_tmpdir
	# 5 s: the retry's boot must fit in it on a loaded machine too.
	watchdog=$(slow 5)
	export KRUNSH_TEST_FREEZE_FIRST_BOOT=1 KRUNSH_BOOT_TIMEOUT=$watchdog
	faults_run --report report.json -c 'echo hi'
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout" hi "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	grep -q '"watchdog_retries": 1,' report.json || fail "report: $(cat report.json)" || return 1
	grep -q '"outcome": "exited",' report.json || fail "report: $(cat report.json)" || return 1
	[ "$secs" -ge "$watchdog" ] && [ "$secs" -le "$(slow 20)" ] ||
		fail "took ${secs}s (watchdog $watchdog s)" || return 1
	# Neither the frozen VM nor the good one remains.
	expect_gone "$children"
}

test_boot_watchdog_gives_up_after_two_hangs_with_125() {
	only_engine qemu krun-real ||
		{ skip "the contract double's agent runs on the host: no guest kernel command line"; return; }
	use_private_tmpdir
	# A guest that never says hello and never exits: no init, no root,
	# and panic=0 (given last, it wins over krunsh's panic=-1) waits forever.
	export KRUNSH_KERNEL_APPEND="panic=0 rdinit=/krunsh-no-such-init root=/dev/krunsh-none"
	watchdog=$(slow 3)
	export KRUNSH_BOOT_TIMEOUT=$watchdog
	faults_run --report report.json -c 'echo hi'
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout" "" "$(cat out)" || return 1
	faults_expect_one_krunsh_line "no sign of life, twice (boot watchdog)" || return 1
	grep -q '"watchdog_retries": 1,' report.json || fail "report: $(cat report.json)" || return 1
	grep -q '"outcome": "boot-timeout",' report.json || fail "report: $(cat report.json)" || return 1
	[ "$secs" -ge $((2 * watchdog)) ] && [ "$secs" -le "$(slow 15)" ] ||
		fail "took ${secs}s (2 x $watchdog s watchdog)" || return 1
	expect_gone "$children"
}

test_kernel_that_is_not_a_kernel_exits_125_with_the_reason() {
	only_engine qemu krun-real ||
		{ skip "the contract double boots no kernel"; return; }
	use_private_tmpdir
	faults_run --kernel /bin/true -c 'echo hi'
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout" "" "$(cat out)" || return 1
	if only_engine krun-real; then
		# libkrun's loader would fail without a word: the probe says why.
		faults_expect_one_krunsh_line "boots an uncompressed ELF kernel (vmlinux), and /bin/true is not one" ||
			return 1
	else
		faults_expect_one_krunsh_line "the VM stopped before the guest started" || return 1
		# QEMU's own reason, not virtiofsd's complaint that QEMU went away.
		expect_contains "krunsh message" "VMM said: qemu-system" "$(cat err)" || return 1
	fi
	[ "$secs" -le "$(slow 5)" ] || fail "took ${secs}s" || return 1
	expect_gone "$children"
}

# Isolation beyond test_isolation.sh (which covers rm -rf /, write-through
# a remounted share, and the host environment).

faults_manifest() {
	(cd "$1" && find . -printf '%p %y %m %U %G %s %l\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

faults_make_canary() {
	canary="$TEST_SCRATCH/canary"
	mkdir -p "$canary/sub/deeper"
	printf 'alpha\n' >"$canary/a"
	head -c 4096 /dev/urandom >"$canary/sub/bin"
	printf 'deep\n' >"$canary/sub/deeper/f"
	ln -s a "$canary/link"
	chmod 640 "$canary/a"
	chmod 751 "$canary/sub"
	chmod 4755 "$canary/sub/bin"
}

test_chmod_000_in_guest_leaves_host_modes_identical() {
	faults_need_vm "the contract double runs on the host: no VM to isolate" || return
	use_private_tmpdir
	faults_make_canary
	faults_manifest "$canary" >before
	host_modes=$(stat -c '%n %a' / /etc /usr /tmp /root 2>/dev/null)
	# chmod -R of the whole root would copy up every host file into the
	# overlay (minutes under TCG): the canary and /etc recursively, the
	# top-level directories and / itself.
	cat >input <<EOF
[ "\$(awk '\$2 == "/" { t = \$3 } END { print t }' /proc/mounts)" = overlay ] || exit 99
chmod -R 000 '$canary' /etc 2>/dev/null
chmod 000 /* / 2>/dev/null
stat -c %a '$canary/a' '$canary/sub/deeper/f' /etc/passwd /usr /
EOF
	FAULTS_INPUT=input
	faults_run --timeout "$(slow 120)" --script
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "modes inside" "$(printf '0\n0\n0\n0\n0')" "$(cat out)" || return 1
	faults_manifest "$canary" >after
	cmp -s before after || fail "canary changed: $(diff before after | head -n 10)" || return 1
	expect_eq "host top-level modes" "$host_modes" "$(stat -c '%n %a' / /etc /usr /tmp /root 2>/dev/null)"
}

test_writes_to_every_writable_looking_path_stay_in_the_guest() {
	faults_need_vm "the contract double runs on the host: no VM to isolate" || return
	use_private_tmpdir
	faults_make_canary
	faults_manifest "$canary" >before
	name="krunsh-canary-$(basename "$TEST_SCRATCH")"
	dirs="/ /etc /usr /usr/local /usr/local/bin /var /var/tmp /home /root /opt /srv /boot /tmp /mnt $canary"
	faults_run -c "n=0; for d in $dirs; do mkdir -p \$d && echo x > \$d/$name && n=\$((n + 1)); done; echo \$n"
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "writes that worked inside" "$(echo $dirs | wc -w)" "$(cat out)" || return 1
	for d in $dirs; do
		if [ -e "$d/$name" ]; then
			rm -f "$d/$name"
			fail "$d/$name reached the host"
			return 1
		fi
	done
	faults_manifest "$canary" >after
	cmp -s before after || fail "canary changed: $(diff before after | head -n 10)"
}

test_guest_has_no_network_by_default() {
	faults_need_vm "the contract double runs on the host's network" || return
	use_private_tmpdir
	# QEMU's user-mode gateway and DNS, and a public address.
	cat >input <<'EOF'
# Virtual devices (lo, the kernel's sit0 tunnel) reach nothing; a NIC has
# a device behind it.
nics=0
for n in /sys/class/net/*; do [ -e "$n/device" ] && nics=$((nics + 1)); done
echo "nics: $nics"
for target in 10.0.2.2/22 10.0.2.3/53 1.1.1.1/53; do
	if timeout 5 bash -c "exec 3<>/dev/tcp/${target%/*}/${target#*/}" 2>/dev/null; then
		echo "reached $target"
	else
		echo "no route to $target"
	fi
done
EOF
	FAULTS_INPUT=input
	faults_run --script
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "guest output" "$(printf 'nics: 0\nno route to 10.0.2.2/22\nno route to 10.0.2.3/53\nno route to 1.1.1.1/53')" "$(cat out)"
}
