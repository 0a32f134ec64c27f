# libkrunsh (include/krunsh/krunsh.h) as a program uses it: the example in
# examples/ starts one VM and runs three executions in it, one after
# another; the second sees what the first wrote (one VM, one overlay), each
# status comes back exact, and nothing is left behind.

# The library reads no environment (the command does), so a libkrun the
# suite found through KRUNSH_LIBKRUN reaches the programs' dlopen of
# libkrun.so.1 through LD_LIBRARY_PATH, as a link of that name.
library_search_path() {
	if [ "$ENGINE" != krun-real ] || [ -z "${KRUNSH_LIBKRUN:-}" ]; then
		echo "${LD_LIBRARY_PATH:-}"
		return
	fi
	mkdir -p "$TEST_SCRATCH/libkrun"
	ln -sf "$(realpath "$KRUNSH_LIBKRUN")" "$TEST_SCRATCH/libkrun/libkrun.so.1"
	echo "$TEST_SCRATCH/libkrun${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# The example finds the agent where krunsh is installed; this build's is
# named instead (an older installed one could speak another protocol).
library_example() {
	case "$ENGINE" in
	qemu) "$BUILD_DIR/examples/three_commands" qemu "$BUILD_DIR/krunsh-agent" ;;
	krun-real) LD_LIBRARY_PATH=$(library_search_path) \
		"$BUILD_DIR/examples/three_commands" krun "$BUILD_DIR/krunsh-agent" ;;
	esac
}

# tests/library/NAME run for this engine (the library's name of it) with
# this build's agent and ARGS: its stdout in out, its stderr in err, its
# status returned.
library_program() {
	name=$1
	shift
	engine=qemu
	[ "$ENGINE" = krun-real ] && engine=krun
	LD_LIBRARY_PATH=$(library_search_path) \
		"$BUILD_DIR/tests/library/$name" "$engine" "$BUILD_DIR/krunsh-agent" "$@" >out 2>err
}

test_library_runs_three_executions_on_one_vm() {
	needs_a_guest || return $?
	use_private_tmpdir
	library_example >out 2>err
	rc=$?
	expect_eq "example status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "example output" "command 1: status 3
kept
command 2: status 0
command 3: status 7
engine ${ENGINE%-real}" "$(cat out)" || return 1
	expect_eq "example stderr" "" "$(cat err)" || return 1
	expect_gone "" 3
}

test_library_example_builds_against_the_public_header_only() {
	# Nothing but include/: an internal header would not be found.
	out=$(cc -std=c17 -Wall -Wextra -Werror -fsyntax-only -I"$here/../../include" \
		"$here/../../examples/three_commands.c" 2>&1) ||
		{ fail "the example needs more than the public header: $out"; return 1; }
}

# tests/library/event_loop.c: krunsh_exec_pollfds / krunsh_exec_dispatch in
# the caller's poll loop, which keeps serving its own timer while the
# execution runs; a second execution on the VM; a stop mid-execution.
test_library_runs_in_the_callers_event_loop() {
	needs_a_guest || return $?
	use_private_tmpdir
	library_program event_loop
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "slept
first: status 0, ticks while it ran >= 10
second: status 5
stopped while running in < 5 s" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	expect_gone "" 3
}

# tests/library/spec_fields.c: the VM spec's and process spec's resources
# as an embedder gives them (a read-only volume, a read-only disk, a noexec
# tmpfs, a hidden host file, a user, a limit, a shell), and a wrong spec
# refused with the resource's label before anything starts.
test_library_spec_fields_reach_the_guest() {
	needs_a_guest || return $?
	use_private_tmpdir
	dir=$TEST_SCRATCH/fields
	mkdir -p "$dir/vol"
	echo in-volume > "$dir/vol/file"
	truncate -s 1M "$dir/disk.img"
	echo host-secret > "$dir/secret"
	library_program spec_fields "$dir"
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "refused: --volume X: host path /nonexistent/krunsh: No such file or directory
created: ${engine}, booted in 0 s
booted: with an accelerator kernel known, in > 0 s
resources: in-volume
disk 2048 1
tmpfs rw,nosuid,noexec
secret []
user and limit: 1234:2345 77 88
shell: bash
environment: base mine
mkdir: discarded: 2, first in /root/proj
unknown user: invalid
hurried boot: failed, start error, timed out" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	expect_gone "" 3
}

# tests/library/fed_script.c: krunsh_exec_feed gives the script while it
# runs; each piece goes only after the previous one's output came back.
test_library_feeds_a_script_while_it_runs() {
	needs_a_guest || return $?
	use_private_tmpdir
	library_program fed_script
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "step 1: output before the next piece
step 3: output before the next piece
step 4: output before the next piece
status 4
one
two /tmp
here-doc" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	expect_gone "" 3
}

# tests/library/lend_borrow.c: a VM lent to a child process, which runs an
# execution on it with its own fds; the lender's next execution follows it
# on the same VM and sees its file.
test_library_lends_a_vm_to_another_process() {
	needs_a_guest || return $?
	use_private_tmpdir
	library_program lend_borrow
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "borrowed
child: ok, executions 1
kept
parent: status 6" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	expect_gone "" 3
}

# tests/library/terminal.c: proc.terminal gives the program a terminal of
# the spec's size, krunsh_exec_resize a new one (its WINCH trap sees it),
# both of its outputs come on stdout_fd; sizes out of range are refused.
test_library_runs_a_program_on_a_terminal() {
	use_private_tmpdir
	[ "$ENGINE" = krun-double ] && { skip "the program links libkrunsh for a real engine (qemu or krun)"; return; }
	library_program terminal
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "status 5
on a tty
30 100
to stderr
status 7
ready
40 120" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	expect_gone "" 3
}

# tests/library/output_events.c: krunsh_io.on_event takes the output (not
# the fds), and what it hands back is what reaches stdout_fd.
test_library_output_goes_to_the_event_callback() {
	needs_a_guest || return $?
	use_private_tmpdir
	library_program output_events
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "stderr: none of the output" "" "$(cat err)" || return 1
	expect_eq "rendered events, then the bytes" "status 0, unwritten 0, other events 0
stdout [one
three] stderr [two
]" "$(grep -v '^event: stream [12], [0-9]* bytes$' out)" || return 1
	grep -q '^event: stream 2, 4 bytes$' out || fail "no event line for stderr: $(cat out)"
}

# tests/library/line_mode.c: line mode (krunsh_proc_spec.lines) for any
# caller: refusals before a VM, one shell, the stop at the first failure,
# keep_going, the result's lines with their text, a fed line mode whose
# line events carry the text (each piece fed once the line before has
# finished), and a refused piece ending the feed with keep_going's status.
test_library_line_mode() {
	needs_a_guest || return $?
	use_private_tmpdir
	library_program line_mode
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" 'check a here-document: line 2: a here-document (<<) takes its body from the next lines, which line mode would run as commands (use --script for multi-line constructs)
check argv in line mode: line mode runs a script or a fed script, without a terminal
check keep_going alone: keep_going and line_results are line mode'"'"'s (lines)
check good lines: ok
5 /tmp
stop: status 1
failed: line 6 status 1 "false"
ran: line 1 status 0 "cd /tmp"
ran: line 2 status 0 "x=5"
ran: line 5 status 0 "echo $x $(pwd)"
ran: line 6 status 1 "false"
ran
keep going: status 1
failed: line 1 status 1 "false"
failed: line 3 status 3 "(exit 3)"
ran: line 1 status 1 "false"
ran: line 2 status 0 "echo ran"
ran: line 3 status 3 "(exit 3)"
fed piece 1: 0
started: line 1 "x=4; cd /tmp"
finished: line 1 status 0
fed piece 2: 0
started: line 2 "echo $x $(pwd) \
  continued"
output: 4 /tmp continued
finished: line 2 status 0
fed piece 3: 0
started: line 4 "false"
finished: line 4 status 1
fed piece 4: -1
fed: status 1, refused: input line 5 contains a NUL byte, which no shell can run
fed failed: line 4 status 1 "false"' "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)" || return 1
	expect_gone "" 3
}
