# Commands on stdin run as they arrive (issue 13): the VM boots while
# stdin is still open, each complete line runs as soon as it is read, its
# output arrives while later lines are not written yet. The writer below
# waits for the first line's output before it writes the next line: a
# krunsh that read all of stdin first would see that wait run out.

# stream_until_seen WORD: waits (at most 30 s) until ./out holds WORD, then
# says whether it did as a command of its own.
stream_wait() {
	for _ in $(seq 300); do
		grep -q "$1" out 2>/dev/null && break
		sleep 0.1
	done
}

stream_until_seen() {
	stream_wait "$1"
	if grep -q "$1" out 2>/dev/null; then echo "echo saw-$1-first"; else echo "echo $1-not-seen"; fi
}

test_stream_lines_run_as_they_arrive() {
	needs_a_guest || return $?
	{
		echo 'cd /tmp; greeting=one'
		echo 'echo $greeting'
		stream_until_seen one
		echo 'echo two $(pwd)'
	} | ks >out 2>err
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "one
saw-one-first
two /tmp" "$(cat out)"
}

test_stream_script_runs_as_it_arrives() {
	needs_a_guest || return $?
	{
		echo 'echo one'
		stream_until_seen one
		echo 'if true; then'
		echo '  cat <<EOF'
		echo 'two'
		echo 'EOF'
		echo 'fi'
	} | ks --script >out 2>err
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "one
saw-one-first
two" "$(cat out)"
}

test_stream_stops_at_the_first_failure_and_runs_no_later_line() {
	needs_a_guest || return $?
	{
		echo 'echo before'
		echo 'false'
		sleep 1
		echo "touch $TEST_SCRATCH/later-ran"
	} | ks >out 2>err
	rc=$?
	expect_eq "status" 1 "$rc" || return 1
	expect_eq "output" "before" "$(cat out)" || return 1
	expect_contains "message" "krunsh: line 2 failed with status 1: false" "$(cat err)" || return 1
	[ ! -e "$TEST_SCRATCH/later-ran" ] || fail "a line after the failure ran"
}

test_stream_commands_stdin_stays_empty() {
	needs_a_guest || return $?
	{
		echo 'cat; echo "cat read $?"'
		echo 'echo this is a command, not input'
	} | ks >out 2>err
	expect_eq "output" "cat read 0
this is a command, not input" "$(cat out)"
}

test_stream_refused_line_runs_nothing_that_came_with_it() {
	needs_a_guest || return $?
	{
		echo 'echo early'
		stream_until_seen early
		# Once that ran, one piece: a line, then one that needs the next.
		stream_wait saw-early
		printf 'echo late\ncat <<EOF\nbody\nEOF\n'
	} | ks >out 2>err
	rc=$?
	expect_eq "status" 125 "$rc" || return 1
	expect_eq "output" "early
saw-early-first" "$(cat out)" || return 1
	expect_contains "message" "line 4: a here-document" "$(cat err)" || return 1
	expect_eq "krunsh lines" 1 "$(grep -c '^krunsh: ' err)"
}
