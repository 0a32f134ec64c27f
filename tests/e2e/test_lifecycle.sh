# A run leaves nothing behind: no VMM or file-server process, no temp
# directory, whether it ends normally, fails early or is interrupted.
# Every test uses a private TMPDIR so concurrent runs elsewhere on the
# machine cannot blur the check.

# Starts `echo started; sleep 60` in the guest, sends signal $1 to krunsh
# once the guest has printed, and checks that krunsh stops promptly.
lifecycle_interrupt_with() {
	use_private_tmpdir
	start_long_run || return 1
	expect_eq "guest started" started "$(cat out)" || { kill "$pid"; return 1; }
	[ -n "$children" ] || only_engine krun-double krun-real ||
		{ fail "krunsh has no VMM child"; kill "$pid"; return 1; }
	start=$(date +%s)
	kill -"$1" "$pid"
	wait "$job"
	rc=$?
	secs=$(($(date +%s) - start))
	[ "$secs" -le "$(slow 5)" ] || fail "krunsh took ${secs}s to stop after SIG$1" || return 1
	expect_eq "exit status" "$2" "$rc" || return 1
	expect_contains "stderr" "krunsh: stopped by signal" "$(cat err)" || return 1
	expect_gone "$children"
}

test_sigint_stops_the_vm_without_leftovers() {
	lifecycle_interrupt_with INT 130
}

test_sigterm_stops_the_vm_without_leftovers() {
	lifecycle_interrupt_with TERM 143
}

test_finished_run_leaves_nothing_behind() {
	use_private_tmpdir
	# The sleep keeps the run alive long enough to see its children, even
	# with the contract double, which finishes in milliseconds.
	printf 'echo hi\nsleep 1\nfalse\n' | ks >out 2>err &
	job=$!
	pid=$(krunsh_pid_of "$job") || fail "cannot find the krunsh process" || return 1
	# Collect the helper processes while they run.
	children=""
	while kill -0 "$pid" 2>/dev/null; do
		for c in $(pgrep -P "$pid"); do
			case " $children " in *" $c "*) ;; *) children="$children $c" ;; esac
		done
		sleep 0.2
	done
	wait "$job"
	rc=$?
	expect_eq "exit status" 1 "$rc" || return 1
	expect_eq "stdout" hi "$(cat out)" || return 1
	expect_gone "$children"
}

test_failure_before_boot_leaves_nothing_behind() {
	use_private_tmpdir
	ks --kernel "$TEST_SCRATCH/no-such-kernel" -c 'echo hi' </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_gone ""
}

# The guest's own leftovers: a command's background process that outlives
# its shell is adopted by PID 1, the agent, which must reap it when it ends;
# unreaped, each stays a zombie for the VM's life (a session, a warm VM, a
# long CI job fill the process table with them).
test_orphans_of_a_command_are_reaped() {
	needs_a_guest || return $?
	ks -c "for i in 1 2 3 4 5; do ( sleep 0.2 & ); done; sleep $(slow 2); $GUEST_COUNT_ZOMBIES" \
		>out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "zombies in the guest" 0 "$(cat out)"
}
