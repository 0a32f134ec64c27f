# --events (issue 13, item 4): JSON Lines on stdout for programs. The
# client, tests/e2e/events_client.py, drives krunsh as such a program does:
# it writes a line, reads events until that line's line-finished, checks
# every event's fields and order, then writes the next line, which depends
# on the state the last one left.

# Sourced by run.sh, which sets $here (this directory) and exports ENGINE.
events_client() {
	python3 "$here/events_client.py" "$@"
}

test_events_session_command_by_command() {
	events_client session "$TEST_SCRATCH"
}

test_events_failing_line_ends_the_run() {
	events_client stops_at_failure "$TEST_SCRATCH"
}

test_events_output_belongs_to_the_line_that_wrote_it() {
	events_client attribution "$TEST_SCRATCH"
}

test_events_keep_going_runs_every_line() {
	events_client keep_going "$TEST_SCRATCH"
}

test_events_line_that_exits_the_shell_finishes() {
	events_client line_exits_shell "$TEST_SCRATCH"
}

test_events_binary_output_round_trips() {
	events_client binary "$TEST_SCRATCH"
}

test_events_command_script_and_exec_have_no_line_events() {
	printf 'printf out\necho err >&2\nexit 4\n' >"$TEST_SCRATCH/s.sh"
	mode=$(events_client whole_run "$TEST_SCRATCH" -c 'printf out; echo err >&2; exit 4') &&
		expect_eq "mode" command "$mode" || return 1
	mode=$(events_client whole_run "$TEST_SCRATCH" --script "$TEST_SCRATCH/s.sh") &&
		expect_eq "mode" script "$mode" || return 1
	mode=$(events_client whole_run "$TEST_SCRATCH" -- sh -c 'printf out; echo err >&2; exit 4') &&
		expect_eq "mode" exec "$mode"
}

test_events_krunsh_failure_ends_the_run() {
	events_client krunsh_fails "$TEST_SCRATCH" --kernel "$TEST_SCRATCH/no-such-kernel" -c true
}

test_events_stalled_reader_bounds_memory_and_timeout_acts() {
	out=$(events_client stalled_reader "$TEST_SCRATCH") || return 1
	echo "    $out" >&2
}

test_events_signal_acts_while_stdout_stalls() {
	events_client signal_while_stalled "$TEST_SCRATCH"
}

test_events_with_report() {
	printf 'echo a\nfalse\necho c\n' | ks --events -k --report "$TEST_SCRATCH/r.json" >out 2>err
	rc=$?
	expect_eq "status" 1 "$rc" || { cat err >&2; return 1; }
	got=$(python3 - "$TEST_SCRATCH/r.json" out <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
events = [json.loads(l) for l in open(sys.argv[2])]
finished = [(e["line"], e["status"]) for e in events if e["event"] == "line-finished"]
lines = [(l["line"], l["status"]) for l in report["lines"]]
print(finished == lines, finished, events[-1]["event"], events[-1]["status"])
EOF
)
	expect_eq "report lines = line-finished events, run-finished" \
		"True [(1, 0), (2, 1), (3, 0)] run-finished 1" "$got"
}

# -u: the shell opens the event FIFOs as that user.
test_events_as_another_user() {
	needs_a_guest || return $?
	printf 'id -u\n' | ks --events -u 1000 >out 2>err
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_contains "output of line 1" '{"event":"output","stream":"stdout","line":1,"data":"1000\n"}' "$(cat out)" || return 1
	expect_contains "its end" '{"event":"line-finished","line":1,"status":0,' "$(cat out)"
}
