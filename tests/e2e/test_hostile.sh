# A hostile guest (issue 10): tests/hostile/hostile_agent.c stands in for the
# agent and speaks the protocol badly on purpose. Whatever it sends, krunsh
# must end with a documented status and one clear line, keep its peak RSS
# within 16 MiB of a normal run's (--report's host_peak_rss_kib: krunsh's
# own, not the VMM's), act on --timeout and signals while its output is
# stalled, and leave no process or run directory behind. Runs on every
# engine: under QEMU the hostile agent is PID 1 of a real VM.

HOSTILE_AGENT="$BUILD_DIR/tests/hostile-agent"
# The documented bound: krunsh's memory above a normal run's.
HOSTILE_RSS_SLACK_KIB=16384

hostile_rss() {
	sed -n 's/.*"host_peak_rss_kib": *\([0-9]*\).*/\1/p' "$1"
}

# The peak RSS of a well-behaved run of the same engine, once per test.
hostile_baseline() {
	ks --report base.json -c true </dev/null >/dev/null 2>&1 || { fail "baseline run failed"; return 1; }
	baseline=$(hostile_rss base.json)
	[ -n "$baseline" ] || { fail "no host_peak_rss_kib in the baseline report"; return 1; }
}

# hostile_run ATTACK [KRUNSH ARGS...]: runs krunsh with the hostile agent
# doing ATTACK; sets rc, secs and rss.
hostile_run() {
	attack=$1
	shift
	use_private_tmpdir
	hostile_baseline || return 1
	started=$(date +%s.%N)
	KRUNSH_AGENT="$HOSTILE_AGENT" ks --report r.json --hostname "$attack" "$@" \
		<"${HOSTILE_INPUT:-/dev/null}" >out 2>err
	rc=$?
	secs=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	rss=$(hostile_rss r.json)
	echo "attack $attack: status $rc in ${secs}s, peak RSS ${rss} KiB (normal run ${baseline} KiB)"
}

# hostile_expect STATUS MESSAGE: the status, exactly one krunsh line holding
# MESSAGE (or none for MESSAGE ""), the RSS bound, nothing left behind.
hostile_expect() {
	expect_eq "exit status" "$1" "$rc" || { cat err >&2; return 1; }
	if [ -n "$2" ]; then
		expect_eq "krunsh lines on stderr" 1 "$(grep -c '^krunsh: ' err)" || { cat -v err >&2; return 1; }
		expect_contains "krunsh message" "$2" "$(cat err)" || return 1
	fi
	[ -n "$rss" ] || { fail "no host_peak_rss_kib in the report"; return 1; }
	[ "$rss" -le $((baseline + HOSTILE_RSS_SLACK_KIB)) ] ||
		{ fail "peak RSS $rss KiB exceeds the normal $baseline KiB + $HOSTILE_RSS_SLACK_KIB"; return 1; }
	expect_gone "" 3
}

test_hostile_wrong_protocol_version_is_refused() {
	hostile_run wrong-version -c true
	hostile_expect 125 "protocol version 999"
}

test_hostile_output_before_hello_is_refused() {
	hostile_run no-hello -c true
	hostile_expect 125 "before its hello" || return 1
	expect_eq "stdout" "" "$(cat out)"
}

test_hostile_256_mib_stdout_frame_is_refused_unallocated() {
	hostile_run huge-stdout -c true
	hostile_expect 125 "268435456 bytes long, more than its 65536"
}

test_hostile_oversized_agent_error_is_refused() {
	hostile_run huge-error -c true
	hostile_expect 125 "more than its 1024"
}

test_hostile_unknown_frame_type_is_refused() {
	hostile_run unknown-frame -c true
	hostile_expect 125 "unknown frame type 99"
}

test_hostile_truncated_frame_ends_the_run() {
	hostile_run truncated -c true
	hostile_expect 125 "the VM stopped before the commands finished" || return 1
	expect_eq "stdout" "" "$(cat out)"
}

test_hostile_channel_closed_early_ends_the_run() {
	hostile_run close-early -c true
	hostile_expect 125 "the VM stopped before the commands finished"
}

test_hostile_flood_of_failed_lines_is_bounded() {
	printf 'true\ntrue\n' > two-lines
	hostile_run failed-flood two-lines
	hostile_expect 125 "more failed lines from the guest than the script has lines (2)"
}

test_hostile_flood_of_line_results_is_bounded() {
	printf 'true\ntrue\ntrue\n' > three-lines
	hostile_run result-flood three-lines
	hostile_expect 125 "more line results from the guest than the script has lines (3)"
}

test_hostile_flood_of_line_starts_is_bounded() {
	printf 'true\ntrue\ntrue\n' > three-lines
	hostile_run start-flood --events three-lines
	hostile_expect 125 "more line starts from the guest than the script has lines (3)" || return 1
	expect_eq "last event" '"run-finished","status":125' \
		"$(tail -n 1 out | sed -n 's/.*"event":\("run-finished","status":[0-9]*\).*/\1/p')"
}

# hostile_not_asked_for ATTACK WHAT: line records the job did not ask for
# (a plain run asks for neither results nor starts) end the run with 125.
hostile_not_asked_for() {
	printf 'true\n' > one-line
	use_private_tmpdir
	KRUNSH_AGENT="$HOSTILE_AGENT" ks --hostname "$1" one-line </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_contains "message" "$2 from the guest, which were not asked for" "$(cat err)" || return 1
	expect_gone "" 3
}

test_hostile_line_starts_not_asked_for_are_refused() {
	hostile_not_asked_for start-flood "line starts"
}

test_hostile_line_results_not_asked_for_are_refused() {
	hostile_not_asked_for result-flood "line results"
}

test_hostile_frames_after_exit_are_ignored() {
	hostile_run after-exit -c true
	hostile_expect 3 "" || return 1
	expect_eq "stdout" "before" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)"
}

test_hostile_exit_status_out_of_range_is_refused() {
	hostile_run bad-exit -c true
	hostile_expect 125 "exit status 70000 from the guest is not 0-255"
}

test_hostile_agent_error_cannot_forge_lines_or_escapes() {
	hostile_run forged-message -c true
	hostile_expect 125 "in the guest: boom" || return 1
	expect_eq "stderr lines" 1 "$(wc -l < err)" || return 1
	# No ESC, BEL, CR or C1 CSI byte reaches the terminal.
	if LC_ALL=C grep -q "$(printf '[\033\007\r]')" err || LC_ALL=C grep -q "$(printf '\302\233')" err; then
		fail "control bytes passed: $(cat -v err)"
		return 1
	fi
}

test_hostile_failed_line_the_script_lacks_is_refused() {
	printf 'false\n' > one-line
	hostile_run bogus-line one-line
	# One failure record is within the script's one line; its number is
	# not a line of the script, so krunsh names no text for it.
	hostile_expect 1 "a command failed with status 1"
}

# The report of files thrown away with the VM (FRAME_DISCARDED_FILES): at
# most once, exact in size, asked for, its path relative and without
# control bytes; anything else ends the run like any other lie.
test_hostile_discarded_files_report_is_bounded() {
	hostile_run discarded-huge -c true
	hostile_expect 125 "frame type 8 from the guest is 1048576 bytes long, more than its 1032" || return 1
	hostile_run discarded-twice -c true
	hostile_expect 125 "a second report of discarded files" || return 1
	hostile_run discarded-control -c true
	hostile_expect 125 "names a path with a control byte in it" || return 1
	expect_eq "stderr lines" 1 "$(wc -l < err)" || return 1
	! LC_ALL=C grep -q "$(printf '\033')" err || { fail "ESC passed: $(cat -v err)"; return 1; }
	hostile_run discarded-escape -c true
	hostile_expect 125 "names a path leaving the working directory" || return 1
	# -w /: krunsh asks for no count, so one is a lie too.
	hostile_run discarded-once -w / -c true
	hostile_expect 125 "which was not asked for" || return 1
	# Asked for and well-formed: the one line, with the status of the run.
	hostile_run discarded-once -c true
	hostile_expect 0 "2 files written under $PWD were thrown away with the VM (first: $PWD/r.xml)"
}

test_hostile_second_hello_is_refused() {
	hostile_run hello-twice -c true
	hostile_expect 125 "a second hello"
}

test_hostile_output_for_another_execution_is_refused() {
	hostile_run other-exec -c true
	hostile_expect 125 "which is not running"
	expect_eq "forged output relayed" "" "$(cat out)"
}

test_hostile_output_as_the_vm_is_refused() {
	hostile_run vm-output -c true
	hostile_expect 125 "execution 0, which is not running"
	expect_eq "forged output relayed" "" "$(cat out)"
}

test_hostile_agent_that_never_reads_stdin_does_not_hang_krunsh() {
	head -c 8000000 /dev/zero > big-input
	HOSTILE_INPUT=big-input hostile_run ignore-stdin -- /bin/true
	hostile_expect 0 "" || return 1
	expect_eq "stdout" "done" "$(cat out)"
}

# stdout is a FIFO whose reader never reads: the guest floods, krunsh's
# writes stall, and --timeout must still end the run in time.
test_hostile_stdout_flood_into_a_stalled_pipe_still_times_out() {
	use_private_tmpdir
	hostile_baseline || return 1
	mkfifo stalled
	sleep 30 < stalled &
	holder=$!
	started=$(date +%s.%N)
	KRUNSH_AGENT="$HOSTILE_AGENT" ks --timeout 3 --report r.json --hostname stdout-flood \
		-c true </dev/null >stalled 2>err
	rc=$?
	secs=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a }')
	kill "$holder" 2>/dev/null
	rss=$(hostile_rss r.json)
	echo "stdout flood into a stalled pipe: status $rc after ${secs}s, peak RSS $rss KiB"
	hostile_expect 124 "timed out" || return 1
	[ "$secs" -le "$(slow 8)" ] || fail "took ${secs}s for a 3 s timeout"
}

test_hostile_stdout_flood_into_a_stalled_pipe_yields_to_sigterm() {
	use_private_tmpdir
	mkfifo stalled
	sleep 30 < stalled &
	holder=$!
	KRUNSH_AGENT="$HOSTILE_AGENT" ks --hostname stdout-flood -c true </dev/null >stalled 2>err &
	job=$!
	pid=$(krunsh_pid_of "$job") || { fail "no krunsh process"; return 1; }
	sleep 2
	kill -TERM "$pid"
	wait "$job"
	rc=$?
	kill "$holder" 2>/dev/null
	expect_eq "exit status" 143 "$rc" || { cat err >&2; return 1; }
	expect_gone "$pid" 3
}

# A terminal stopped with ^S blocks writes to it; the timer in krunsh's
# writer lets the timeout act anyway. A real terminal: tmux.
test_hostile_stdout_flood_into_a_stopped_terminal_still_times_out() {
	command -v tmux >/dev/null || { skip "tmux is not installed"; return; }
	use_private_tmpdir
	session="krunsh-hostile-$$"
	cat > run.sh <<EOS
#!/bin/sh
export ENGINE="$ENGINE" BUILD_DIR="$BUILD_DIR" KRUNSH="$KRUNSH" DEBIAN_KERNEL="$DEBIAN_KERNEL"
export TMPDIR="$TMPDIR" TEST_SCRATCH="$TEST_SCRATCH" KRUNSH_AGENT="$HOSTILE_AGENT"
. "$here/lib.sh"
ks --timeout 4 --hostname stdout-flood -c true 2>err
echo "rc=\$?" > rc.txt
EOS
	chmod +x run.sh
	tmux new-session -d -s "$session" -x 80 -y 24 "./run.sh; sleep 30" || { fail "tmux failed"; return 1; }
	sleep 1.5
	tmux send-keys -t "$session" C-s
	for _ in $(seq 150); do
		[ -f rc.txt ] && break
		sleep 0.1
	done
	ended=$(cat rc.txt 2>/dev/null)
	tmux send-keys -t "$session" C-q
	tmux kill-session -t "$session" 2>/dev/null
	[ -n "$ended" ] || { fail "krunsh did not end within 15 s with its terminal stopped"; return 1; }
	expect_eq "status" "rc=124" "$ended"
}
