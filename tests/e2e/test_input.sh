# How krunsh turns its input into commands: line mode (one shell, stop at
# the first failure), --keep-going, --script, FILE, -c, and input that must
# arrive byte for byte. Written for dash: no bash-isms.

test_lines_run_in_one_shell() {
	out=$(printf 'cd /usr\nx=42\necho "$PWD $x"\n' | ks) || fail "exit status $?" || return 1
	expect_eq "cd and variable carried to the next line" "/usr 42" "$out"
}

test_blank_lines_and_comments_are_skipped() {
	# Skipped lines still count for line numbers: the failure is on line 7.
	printf '\n   \n# a comment\n\t# an indented comment\necho one\n\t\nfalse\necho two\n' |
		ks >out 2>err
	rc=$?
	expect_eq "exit status" 1 "$rc" || return 1
	expect_eq "stdout" one "$(cat out)" || return 1
	expect_eq "stderr" "krunsh: line 7 failed with status 1: false" "$(cat err)"
}

test_backslash_continues_a_line() {
	# "echo one \" + "  two" is one command; "x\\" ends in an escaped
	# backslash and does not continue.
	printf 'echo one \\\n  two\nprintf "%%s\\n" x\\\\\necho next\n' | ks >out 2>err ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "stdout" "$(printf 'one two\nx\\\nnext')" "$(cat out)"
}

test_first_failing_line_stops_the_run() {
	printf 'echo before\nsh -c "exit 3"\necho after\n' | ks >out 2>err
	rc=$?
	expect_eq "exit status is the failing line's" 3 "$rc" || return 1
	expect_eq "stdout stops before line 3" before "$(cat out)" || return 1
	expect_eq "stderr names line number and text" \
		'krunsh: line 2 failed with status 3: sh -c "exit 3"' "$(cat err)"
}

test_keep_going_runs_all_lines_and_exits_with_first_failure() {
	printf 'echo a\n(exit 4)\necho b\n(exit 5)\necho c\n' | ks --keep-going >out 2>err
	rc=$?
	expect_eq "exit status of the first failure" 4 "$rc" || return 1
	expect_eq "every line ran" "$(printf 'a\nb\nc')" "$(cat out)" || return 1
	expect_eq "every failure reported" "$(printf '%s\n%s' \
		'krunsh: line 2 failed with status 4: (exit 4)' \
		'krunsh: line 4 failed with status 5: (exit 5)')" "$(cat err)"
}

test_script_mode_runs_input_verbatim() {
	# Line mode would fail on "if true; then" alone; a script does not stop
	# at a failing command and exits with the last one's status.
	cat >script.sh <<'EOF'
if true; then
	echo inside
fi
cat <<END
heredoc $((6 * 7))
END
false
echo "after false"
EOF
	ks --script <script.sh >out 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_eq "stdout" "$(printf 'inside\nheredoc 42\nafter false')" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)"
}

test_file_argument_supplies_the_commands() {
	printf 'echo from-file\nfalse\necho not-reached\n' >cmds
	printf 'echo from-stdin\n' | ks cmds >out 2>err
	rc=$?
	expect_eq "exit status" 1 "$rc" || return 1
	expect_eq "stdout (stdin ignored)" from-file "$(cat out)" || return 1
	expect_eq "stderr" "krunsh: line 2 failed with status 1: false" "$(cat err)"
}

test_dash_c_runs_one_command() {
	ks -c 'echo one; echo two; exit 9' </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 9 "$rc" || return 1
	expect_eq "stdout" "$(printf 'one\ntwo')" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)"
}

test_quotes_dollars_backslashes_and_bytes_arrive_intact() {
	# The same lines run by the host's sh give the reference output.
	{
		printf '%s\n' "printf '[%s]\\n' \"it's\" 'say \"hi\"' '\$HOME' \"\\\$x\" 'back\\slash' 'a\\\\b' -- '--' '\`id\`'"
		printf "printf '[%%s]\\\\n' '\303\274n\303\257c\303\270d\303\251 \342\234\223 \346\227\245\346\234\254'\n"
		printf "printf '%%s' '\377\376\200' | od -An -tx1\n"
		printf 'echo "$((6 * 7))" -- "\\\\" \\$ \\"\n'
	} >lines
	sh <lines >expected 2>&1 || fail "host sh failed on the reference lines" || return 1
	ks <lines >out 2>err || fail "exit status $?: $(cat err)" || return 1
	cmp -s expected out || fail "output differs: expected [$(cat expected)], got [$(cat out)]"
}

test_megabyte_of_script_text_arrives_intact() {
	head -c 786432 /dev/urandom | base64 -w 76 >payload
	printf '%s\n' "quotes ' \" \` -- \$HOME \\ \\\\ done" "$(printf '\303\274\342\234\223')" >>payload
	{
		printf "cat <<'KRUNSH_END_OF_TEXT' | sha256sum\n"
		cat payload
		printf 'KRUNSH_END_OF_TEXT\nwc -c <<%s\n' "'KRUNSH_END_OF_TEXT'"
		cat payload
		printf 'KRUNSH_END_OF_TEXT\n'
	} >script.sh
	size=$(wc -c <script.sh)
	[ "$size" -gt 2000000 ] || fail "script is only $size bytes" || return 1
	want_sum=$(sha256sum <payload | cut -d' ' -f1)
	want_size=$(wc -c <payload)
	ks --script <script.sh >out 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_eq "checksum in the guest" "$want_sum  -" "$(sed -n 1p out)" || return 1
	expect_eq "size in the guest" "$want_size" "$(sed -n 2p out)"
}

test_megabyte_single_line_arrives_intact() {
	# base64 without wrapping: exactly 1 MiB on one line.
	head -c 786432 /dev/urandom | base64 -w 0 >payload
	printf "printf %%s '%s' | sha256sum\n" "$(cat payload)" >lines
	want=$(sha256sum <payload)
	ks <lines >out 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_eq "checksum in the guest" "$want" "$(cat out)"
}

test_hundred_thousand_lines_finish_in_bounded_time() {
	{
		yes : | head -n 100000
		echo 'echo done'
	} >lines
	start=$(date +%s)
	ks <lines >out 2>err || fail "exit status $?: $(cat err)" || return 1
	secs=$(($(date +%s) - start))
	expect_eq "stdout" done "$(cat out)" || return 1
	[ "$secs" -le "$(slow 60)" ] || fail "100 000 lines took ${secs}s (bound 60s)"
}

test_crlf_line_endings_work_like_lf() {
	printf 'x=1\r\necho "[$x]" \\\r\n  more\r\ncd /usr\r\npwd\r\nfalse\r\n' | ks >out 2>err
	rc=$?
	expect_eq "exit status" 1 "$rc" || return 1
	expect_eq "stdout (no CR kept, continuation joined)" "$(printf '[1] more\n/usr')" "$(cat out)" ||
		return 1
	expect_eq "stderr" "krunsh: line 6 failed with status 1: false" "$(cat err)"
}

test_empty_stdin_exits_0_without_output() {
	ks </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	expect_eq "stdout bytes" 0 "$(wc -c <out)" || return 1
	expect_eq "stderr" "" "$(cat err)"
}

test_only_comments_exit_0_without_output() {
	printf '# nothing\n\n   # to do\n' | ks >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	expect_eq "stdout bytes" 0 "$(wc -c <out)" || return 1
	expect_eq "stderr" "" "$(cat err)"
}

test_nul_byte_in_input_is_rejected() {
	printf 'echo a\nec\000ho b\n' | ks >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stdout bytes" 0 "$(wc -c <out)" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_contains "stderr" "krunsh: input line 2 contains a NUL byte" "$(cat err)"
}

test_terminal_stdin_gets_an_interactive_shell() {
	# stdin (and stdout) on a pseudo-terminal, from script(1): no more a
	# usage error but a shell on a terminal in the guest (test_tty.sh
	# tests it in depth). An empty .bashrc: the machine's is slow.
	command -v script >/dev/null 2>&1 || { skip "script(1) is not installed"; return; }
	mkdir -p home && : > home/.bashrc
	printf 'echo via-$((2+3))\nexit 7\n' |
		HOME=$PWD/home script -qec "sh -c '. \"$here/lib.sh\"; ks'" /dev/null >out 2>&1
	rc=$?
	expect_eq "exit status" 7 "$rc" || { cat out >&2; return 1; }
	tr -d '\r' < out | grep -q 'via-5$' || fail "no via-5 in: $(cat out)"
}
