# krunsh exits with the commands' own status, 128+N for a signal, 124 when
# --timeout expires.

test_exit_status_is_the_commands_own() {
	for want in 0 1 7 255; do
		ks -c "exit $want" </dev/null >out 2>err
		rc=$?
		expect_eq "exit $want" "$want" "$rc" || return 1
		expect_eq "stderr of exit $want" "" "$(cat err)" || return 1
	done
}

test_exit_status_of_signalled_command() {
	printf 'kill -TERM $$\necho not-reached\n' | ks >out 2>err
	rc=$?
	expect_eq "SIGTERM" 143 "$rc" || return 1
	expect_eq "stdout after SIGTERM" "" "$(cat out)" || return 1
	printf 'echo first\nkill -KILL $$\necho not-reached\n' | ks >out 2>err
	rc=$?
	expect_eq "SIGKILL" 137 "$rc" || return 1
	expect_eq "stdout after SIGKILL" first "$(cat out)"
}

test_timeout_exits_124_without_leftovers() {
	# A private TMPDIR so runs of other suites cannot blur the check.
	export TMPDIR="$TEST_SCRATCH/tmp"
	mkdir "$TMPDIR"
	start=$(date +%s)
	ks --timeout 2 -c 'sleep 30' </dev/null >out 2>err
	rc=$?
	secs=$(($(date +%s) - start))
	expect_eq "exit status" 124 "$rc" || return 1
	[ "$secs" -le "$(slow 10)" ] || fail "took ${secs}s to stop after --timeout 2" || return 1
	expect_contains "stderr" "krunsh: timed out" "$(cat err)" || return 1
	expect_eq "run directories left" "" "$(ls -A "$TMPDIR")" || return 1
	expect_no_leftovers
}
