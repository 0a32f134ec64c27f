# krunsh in real hands (issue #11): what a test runner or a user new to
# krunsh does by habit gives what the same thing gives natively, or a clear
# one-line refusal that says what to do instead.

# `go test -exec krunsh` (no --) hands krunsh a program and its arguments.
test_real_hands_program_without_dashdash_says_to_use_dashdash() {
	ks /bin/echo -test.v hello </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	[ ! -s out ] || { fail "stdout: $(cat out)"; return 1; }
	expect_eq "stderr lines" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
	expect_contains "the hint" "krunsh [OPTIONS] -- PROGRAM ARGS" "$(cat err)"
}

# With -c or FILE, stdin does not carry the commands: it reaches them, as
# with sh -c. Read from stdin, the commands see EOF.
test_real_hands_stdin_reaches_commands_given_by_c_or_file() {
	out=$(echo data | ks -c cat 2>err)
	expect_eq "-c cat" data "$out" || { cat err >&2; return 1; }
	printf 'read x\necho "got $x"\ncat\n' >cmds
	out=$(printf 'one\ntwo\n' | ks cmds 2>err)
	expect_eq "FILE of lines" "got one
two" "$out" || { cat err >&2; return 1; }
	out=$(printf 'three\n' | ks --script cmds 2>err)
	expect_eq "--script FILE" "got three" "$out" || { cat err >&2; return 1; }
	# Commands on stdin: the first line is not fed to cat as data.
	out=$(printf 'cat\necho after\n' | ks 2>err)
	expect_eq "commands from stdin" "after" "$out" || { cat err >&2; return 1; }
}
